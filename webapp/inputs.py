"""The one parser for each kind of value that arrives in URLs, query strings, forms and JSON,
bounded to what the database and the domain hold, so that a crafted value is a 4xx naming
its field and never a 500 deep in a query or a date computation:

- database ids: 1 to ``MAX_ID`` (a PostgreSQL ``integer``). In a path (``<id:hazard_id>``,
  ``IdConverter``) an id outside that range does not match the route, so it is a 404 like
  any id that does not exist: the scope rule "404, never 403" holds for probes too.
  In a body (``parse_id``, ``Id``) it is a 422 naming the field.
- page numbers: 1 to ``MAX_PAGE`` (``parse_page``, ``query_page``, ``Page``).
- days and months: ``FIRST_DAY`` to ``LAST_DAY`` (``parse_day``, ``parse_month``, ``Day``,
  ``Month``). No site is due before 2000 (the earliest first day of checks an import may
  register), and nothing is planned after 2100.
- moments with a UTC offset (``parse_moment``, ``Moment``): their date, as written, within
  the same days.
- text: never a NUL character, which PostgreSQL cannot store. ``refuse_nul_characters``
  checks the path, every query argument, form field and JSON body before any view runs; the sync
  batches, whose records are refused one by one, check each record (``nul_field``) and
  are marked ``@checks_nul_per_record``. The OpenAPI document says so on every free text
  (``nul_free_text``).

Every ``parse_*`` raises ValueError whose argument is the user's message (a lazy string).
``query_arg`` turns that into a 400 page naming the argument; the marshmallow fields into
a 422 ``{fields: {name: [message]}}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from webapp.errors import wants_json

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_WHOLE = re.compile(r"^\d{1,12}$")
# FIRST_DAY to LAST_DAY as the OpenAPI document describes them (JSON Schema has no bounds for
# dates): years 2000 to 2100; the parsers also check the calendar (no 31 April).
_YEARS = "(20[0-9]{2}|2100)"
_MONTHS = "(0[1-9]|1[0-2])"
_DAYS = rf"{_YEARS}-{_MONTHS}-(0[1-9]|[12][0-9]|3[01])"
NUL = "\x00"
NUL_MESSAGE = _l("Must not contain the NUL character (U+0000).")

T = TypeVar("T")


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a database id, 1 to MAX_ID; anything else is a 404."""

    def __init__(self, url_map, min: int = 1, max: int = MAX_ID):  # noqa: A002 (werkzeug's names)
        super().__init__(url_map, min=min, max=max)


def parse_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(_l("Must be an id (a whole number)."))
    text = str(value).strip()
    if not _WHOLE.match(text) or not 1 <= int(text) <= MAX_ID:
        raise ValueError(_l("No such id."))
    return int(text)


def parse_page(text: str) -> int:
    if not _WHOLE.match(text.strip()) or not 1 <= int(text) <= MAX_PAGE:
        raise ValueError(_l("A page number from 1 to %(max)d.", max=MAX_PAGE))
    return int(text)


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` from FIRST_DAY to LAST_DAY."""
    try:
        if not _DAY.match(text.strip()):
            raise ValueError
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_l("Dates are written YYYY-MM-DD, e.g. 2026-03-09.")) from None
    return _within_days(day)


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month, from FIRST_DAY to LAST_DAY."""
    try:
        if not _MONTH.match(text.strip()):
            raise ValueError
        month = date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise ValueError(_l("Months are written YYYY-MM, e.g. 2026-03.")) from None
    return _within_days(month)


def parse_moment(value: object) -> datetime:
    """An ISO 8601 date and time with a UTC offset, its date as written from FIRST_DAY to
    LAST_DAY. Checked before any conversion (year 1 at +14:00 would overflow), and as
    written so that the OpenAPI document can say it exactly (``Moment``)."""
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError
    except ValueError:
        raise ValueError(_l("Must be an ISO 8601 date and time with a UTC offset.")) from None
    _within_days(moment.date())
    return moment


def _within_days(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(_out_of_range())
    return day


def _out_of_range():
    return _l(
        "Must lie between %(first)s and %(last)s.",
        first=FIRST_DAY.isoformat(),
        last=LAST_DAY.isoformat(),
    )


# --- text: no NUL character -------------------------------------------------------------------


def nul_field(value: object, path: str = "") -> str | None:
    """The path (``results.3.note``) of the first text in a parsed JSON value that holds a
    NUL character, key or string; None when there is none."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if NUL in here:
            return here
        found = nul_field(item, here)
        if found:
            return found
    return None


def checks_nul_per_record(view: Callable) -> Callable:
    """Marks a batch view that refuses a record holding a NUL character on its own (one bad
    record never fails the others), so ``refuse_nul_characters`` leaves its body alone."""
    view.checks_nul_per_record = True
    return view


def refuse_nul_characters() -> None:
    """Before every request: a NUL character in a path is a 404 (no code or name holds
    one), in a query argument, a form field or a JSON body a 4xx naming the field (a 422
    under /api, a 400 page elsewhere)."""
    if NUL in request.path:
        abort(404)
    for values in (request.args, request.form):
        for name, text in values.items(multi=True):
            if NUL in text:
                _refuse(name)
    view = current_app.view_functions.get(request.endpoint or "")
    if request.is_json and not getattr(view, "checks_nul_per_record", False):
        # JSON can only carry a NUL escaped; the parse runs only when the escape is there.
        if b"\\u0000" in request.get_data():
            field = nul_field(request.get_json(silent=True))
            if field:
                _refuse(field)


# How the OpenAPI document says it: every free text matches this (JSON Schema's regex dialect).
NUL_FREE_PATTERN = "^[^\\x00]*$"


# For a field of a batch endpoint (``@checks_nul_per_record``) that is read outside its records.
NUL_FREE = validate.Regexp(NUL_FREE_PATTERN, error=NUL_MESSAGE)


def nul_free_text(converter, field, ret=None, **kwargs) -> dict:
    """An attribute function for apispec's marshmallow converter: a string the document
    does not already bound (by a pattern, a format or a list of values) is NUL-free."""
    ret = ret or {}
    bounded = {"pattern", "format", "enum"} & ret.keys()
    return {} if ret.get("type") != "string" or bounded else {"pattern": NUL_FREE_PATTERN}


def _refuse(field: str) -> None:
    if wants_json():
        raise ValidationError({field: [str(NUL_MESSAGE)]})
    abort(400, description=_("%(field)s: %(problem)s", field=field, problem=NUL_MESSAGE))


# --- query arguments of pages ---------------------------------------------------------------


def query_arg(name: str, parse: Callable[[str], T], default: T | None = None) -> T | None:
    """``request.args[name]`` read by ``parse``; ``default`` when absent or empty. A bad
    value is a 400 page saying ``name: what is wrong``."""
    return form_value(request.args, name, parse, default)


def form_value(values, name: str, parse: Callable[[str], T], default: T | None = None) -> T | None:
    """``values[name]`` (request.args or request.form) read by ``parse``; see query_arg."""
    text = (values.get(name) or "").strip()
    if not text:
        return default
    try:
        return parse(text)
    except ValueError as err:
        abort(400, description=_("%(field)s: %(problem)s", field=name, problem=err.args[0]))


def query_page() -> int:
    """The ``page`` argument of a paginated list (default 1)."""
    return query_arg("page", parse_page, 1)


# --- the same rules as marshmallow fields (API arguments and bodies) --------------------------


class _ParsedBy:
    """Mixed into a marshmallow field: its value is read by ``parse`` (one of the parsers
    above); the field's own type describes it in the OpenAPI document and dumps it."""

    parse: Callable
    bounds: dict = {}  # described in the OpenAPI document (the parser enforces them)

    def __init__(self, **kwargs):
        metadata = kwargs.pop("metadata", {})
        super().__init__(metadata={**self.bounds, **metadata}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return type(self).parse(value)
        except ValueError as err:
            raise ValidationError(str(err.args[0])) from None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class Id(_ParsedBy, fields.Integer):
    parse = staticmethod(parse_id)
    bounds = {"minimum": 1, "maximum": MAX_ID}


class Page(_ParsedBy, fields.Integer):
    parse = staticmethod(lambda value: parse_page(str(value)))
    bounds = {"minimum": 1, "maximum": MAX_PAGE}


class Day(_ParsedBy, fields.Date):
    parse = staticmethod(lambda value: parse_day(_text(value)))
    bounds = {"pattern": rf"^{_DAYS}$", "x-range": f"{FIRST_DAY} to {LAST_DAY}"}


class Month(_ParsedBy, fields.String):
    parse = staticmethod(lambda value: parse_month(_text(value)))
    bounds = {
        "pattern": rf"^{_YEARS}-{_MONTHS}$",
        "x-range": f"{FIRST_DAY:%Y-%m} to {LAST_DAY:%Y-%m}",
    }

    def _serialize(self, value, attr, obj, **kwargs):
        return value.strftime("%Y-%m") if value is not None else None


class Moment(_ParsedBy, fields.AwareDateTime):
    parse = staticmethod(parse_moment)
    bounds = {"pattern": rf"^{_DAYS}T[^\x00]*$", "x-range": f"{FIRST_DAY} to {LAST_DAY}"}
