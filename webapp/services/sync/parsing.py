"""What one synced inspection record must look like, checked without the database.

``parse_record`` turns one element of a sync batch into a ``ParsedInspection`` or a dict of
errors ``{field path: [messages]}`` (paths like ``results.3.rectification.deadline``).
The rules that need the database (site, scope, template, applicable items) are in
``webapp.services.sync.checks``.

This is plain Python rather than a marshmallow schema on purpose: the sync endpoint must
ingest 1,000 inspections of 20 items per second on two cores, and a nested marshmallow
load costs about 0.3 ms per inspection (a third of the whole budget). The marshmallow
schemas in ``webapp.api.schemas`` describe the same shape for the OpenAPI document, and
tests check that both accept the contract examples in ``tests/contract/``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson
from flask_babel import gettext as _

from webapp.amounts import parse_yuan
from webapp.inputs import NUL_MESSAGE, nul_field, parse_day, parse_id, parse_moment
from webapp.models.inspections import SHA256_RE

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

OUTCOMES = frozenset({"pass", "fail", "na"})
KINDS = frozenset({"self", "office", "covert"})
RECTIFICATION_MODES = frozenset({"on_spot", "order"})

MAX_TEXT = 2000  # notes, actions, measures
MAX_NAME = 64
MAX_PHONE = 40
MAX_RESULTS = 200
MAX_PHOTOS_PER_ITEM = 20
MAX_SITE_CODE = 32
MAX_TOKEN = 200

Errors = dict[str, list[str]]


@dataclass(slots=True)
class ParsedResult:
    item_id: str
    outcome: str
    note: str | None
    photos: list[str]
    # Normalised rectification of a failed item (None for pass / na).
    rectification: dict | None
    after_photos: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedInspection:
    id: str
    site_code: str
    template_id: int
    kind: str
    started_at: datetime
    finished_at: datetime
    scan_token: str | None
    scanned_at: datetime | None
    results: list[ParsedResult]
    raw: dict
    content_hash: str

    @property
    def failures(self) -> int:
        return sum(1 for result in self.results if result.outcome == "fail")

    def photo_refs(self) -> list[tuple[str, str, str]]:
        """(item_id, sha256, role) of every photo the record references, once each."""
        refs: dict[tuple[str, str, str], None] = {}
        for result in self.results:
            for sha in result.photos:
                refs[(result.item_id, sha, "evidence")] = None
            for sha in result.after_photos:
                refs[(result.item_id, sha, "after")] = None
        return list(refs)


def content_hash(record: dict) -> str:
    """SHA-256 of the record's canonical JSON: equal content, equal hash, whatever the key
    order. Stored hashes depend on this exact form."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def canonical_json(record: dict) -> bytes:
    """The record as JSON with sorted keys, no whitespace, UTF-8."""
    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the slower, general path
        return json.dumps(
            record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()


def record_id(record: object) -> str | None:
    """The record's id as sent, if it is a string (echoed back in its result)."""
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        return record["id"]
    return None


def parse_record(record: object) -> tuple[ParsedInspection | None, Errors]:
    """Check the shape of one record; returns (parsed, {}) or (None, errors)."""
    errors: Errors = {}
    if not isinstance(record, dict):
        return None, {"_record": [_("Each inspection must be a JSON object.")]}

    inspection_id = record.get("id")
    if not isinstance(inspection_id, str) or not UUID_RE.match(inspection_id):
        errors["id"] = [_("Must be a lowercase UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e.")]

    site_code = record.get("site_code")
    if not isinstance(site_code, str) or not 0 < len(site_code) <= MAX_SITE_CODE:
        errors["site_code"] = [_("Missing or not a site code.")]

    template_id = record.get("template_id")
    if not isinstance(template_id, int) or isinstance(template_id, bool):
        errors["template_id"] = [_("Must be a whole number.")]
    else:
        template_id = parsed(template_id, parse_id, "template_id", errors)

    kind = record.get("kind", "self")
    if not _one_of(kind, KINDS):
        errors["kind"] = [_("Must be one of: self, office, covert.")]

    started_at = _required_datetime(record, "started_at", errors)
    finished_at = _required_datetime(record, "finished_at", errors)
    if started_at and finished_at and finished_at < started_at:
        errors["finished_at"] = [_("Must not be before started_at.")]

    scan_token, scanned_at = _parse_scan(record.get("scan"), errors)
    results = _parse_results(record.get("results"), errors)

    if errors:
        return None, errors
    canonical = canonical_json(record)
    # JSON carries a NUL only escaped: the record is walked only when the escape is there.
    if b"\\u0000" in canonical and (field := nul_field(record)):
        return None, {field: [str(NUL_MESSAGE)]}
    return (
        ParsedInspection(
            id=inspection_id,
            site_code=site_code,
            template_id=template_id,
            kind=kind,
            started_at=started_at,
            finished_at=finished_at,
            scan_token=scan_token,
            scanned_at=scanned_at,
            results=results,
            raw=record,
            content_hash=hashlib.sha256(canonical).hexdigest(),
        ),
        {},
    )


def parsed(value: object, parse, path: str, errors: Errors):
    """``parse(value)`` (one of webapp/inputs.py's parsers); None with its message in
    ``errors[path]`` when it refuses the value."""
    try:
        return parse(value)
    except ValueError as err:
        errors[path] = [str(err.args[0])]
        return None


def _one_of(value: object, choices: frozenset[str]) -> bool:
    # A set cannot be asked whether it holds an object or a list (TypeError): the phone's
    # JSON may carry anything where a choice belongs.
    return isinstance(value, str) and value in choices


def _required_datetime(record: dict, name: str, errors: Errors) -> datetime | None:
    value = record.get(name)
    if value is None:
        errors[name] = [_("Missing.")]
        return None
    return parsed(value, parse_moment, name, errors)


def _parse_scan(scan: object, errors: Errors) -> tuple[str | None, datetime | None]:
    if scan is None:
        return None, None
    if not isinstance(scan, dict):
        errors["scan"] = [_("Must be an object {token, scanned_at}.")]
        return None, None
    token = scan.get("token")
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
        errors["scan.token"] = [_("Missing or not a QR token.")]
        token = None
    scanned_at = None
    if scan.get("scanned_at") is not None:
        scanned_at = parsed(scan["scanned_at"], parse_moment, "scan.scanned_at", errors)
    return token, scanned_at


def _parse_results(results: object, errors: Errors) -> list[ParsedResult]:
    if not isinstance(results, list) or not results:
        errors["results"] = [_("Must be a non-empty list of item results.")]
        return []
    if len(results) > MAX_RESULTS:
        errors["results"] = [_("At most %(count)d item results.", count=MAX_RESULTS)]
        return []
    parsed: list[ParsedResult] = []
    seen: set[str] = set()
    for index, result in enumerate(results):
        path = f"results.{index}"
        if not isinstance(result, dict):
            errors[path] = [_("Each item result must be a JSON object.")]
            continue
        item_id = result.get("item_id")
        if not isinstance(item_id, str) or not 0 < len(item_id) <= 32:
            errors[f"{path}.item_id"] = [_("Missing or not an item id.")]
            continue
        if item_id in seen:
            errors[f"{path}.item_id"] = [_("Item %(item)s is answered twice.", item=item_id)]
            continue
        seen.add(item_id)
        outcome = result.get("outcome")
        if not _one_of(outcome, OUTCOMES):
            errors[f"{path}.outcome"] = [_("Must be one of: pass, fail, na.")]
            continue
        note = result.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_TEXT):
            errors[f"{path}.note"] = [
                _("Must be text of at most %(count)d characters.", count=MAX_TEXT)
            ]
        photos = _photo_list(result.get("photos"), f"{path}.photos", errors)
        rectification, after_photos = None, []
        if outcome == "fail":
            rectification, after_photos = _parse_rectification(
                result.get("rectification"), f"{path}.rectification", errors
            )
        parsed.append(
            ParsedResult(item_id, outcome, note or None, photos, rectification, after_photos)
        )
    return parsed


def _photo_list(value: object, path: str, errors: Errors) -> list[str]:
    if value is None:
        return []
    if (
        not isinstance(value, list)
        or len(value) > MAX_PHOTOS_PER_ITEM
        or not all(isinstance(sha, str) and SHA256_RE.match(sha) for sha in value)
    ):
        errors[path] = [
            _(
                "Must be a list of at most %(count)d SHA-256 hashes (64 lowercase hex digits).",
                count=MAX_PHOTOS_PER_ITEM,
            )
        ]
        return []
    return list(dict.fromkeys(value))


def _parse_rectification(value: object, path: str, errors: Errors) -> tuple[dict | None, list[str]]:
    """A failed item's rectification: fixed on the spot, or a rectification order."""
    if not isinstance(value, dict):
        errors[path] = [_("A failed item needs its rectification: fixed on the spot or an order.")]
        return None, []
    mode = value.get("mode")
    if not _one_of(mode, RECTIFICATION_MODES):
        errors[f"{path}.mode"] = [_("Must be on_spot or order.")]
        return None, []
    if mode == "on_spot":
        action = _text(value, "action", path, errors)
        photos = _photo_list(value.get("photos"), f"{path}.photos", errors)
        return {"mode": mode, "action": action, "photos": photos}, photos
    responsible = _responsible(value.get("responsible"), f"{path}.responsible", errors)
    deadline = _deadline(value.get("deadline"), f"{path}.deadline", errors)
    measures = _text(value, "measures", path, errors)
    funds = _funds(value.get("funds"), f"{path}.funds", errors)
    order = {
        "mode": mode,
        "responsible": responsible,
        "deadline": deadline.isoformat() if deadline else None,
        "measures": measures,
        "funds": funds,
    }
    return order, []


def _text(value: dict, name: str, path: str, errors: Errors) -> str | None:
    text = value.get(name)
    if not isinstance(text, str) or not text.strip():
        errors[f"{path}.{name}"] = [_("Required: say what was done or will be done.")]
        return None
    if len(text) > MAX_TEXT:
        errors[f"{path}.{name}"] = [
            _("Must be text of at most %(count)d characters.", count=MAX_TEXT)
        ]
        return None
    return text.strip()


def _responsible(value: object, path: str, errors: Errors) -> dict | None:
    """A name, or {name, phone?}; stored as {name, phone}."""
    if isinstance(value, str):
        value = {"name": value}
    name = value.get("name") if isinstance(value, dict) else None
    phone = value.get("phone") if isinstance(value, dict) else None
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        errors[path] = [_("Name the person responsible for the rectification.")]
        return None
    if phone is not None and (not isinstance(phone, str) or len(phone) > MAX_PHONE):
        errors[f"{path}.phone"] = [
            _("Must be a phone number of at most %(count)d characters.", count=MAX_PHONE)
        ]
        return None
    return {"name": name.strip(), "phone": (phone or "").strip() or None}


def _deadline(value: object, path: str, errors: Errors) -> date | None:
    """The date only; whether it is in range depends on the inspection's day (see sync)."""
    if not isinstance(value, str):
        errors[path] = [_("A rectification order needs a deadline date (YYYY-MM-DD).")]
        return None
    return parsed(value, parse_day, path, errors)


def _funds(value: object, path: str, errors: Errors) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors[path] = [_("Must be an object {amount, source}.")]
        return None
    amount, source = value.get("amount"), value.get("source")
    if amount is not None:
        amount = parsed(amount, parse_yuan, f"{path}.amount", errors)
        if amount is None:
            return None
    if source is not None and (not isinstance(source, str) or len(source) > 200):
        errors[f"{path}.source"] = [_("Must be text of at most %(count)d characters.", count=200)]
        return None
    return {"amount": str(amount) if amount is not None else None, "source": source}
