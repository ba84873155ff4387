"""The envelopes records arrive in: a sync request ``{device_id, device_time,
inspections}`` and an "export unsent records" file from a phone (photos and inspections)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import gettext as _

from webapp.inputs import NUL, NUL_MESSAGE, parse_moment
from webapp.models import User
from webapp.services.photos import store_encoded_photos
from webapp.services.sync.batch import MAX_BATCH, record_inspections
from webapp.services.sync.parsing import Errors, parsed
from webapp.services.sync.storing import SyncSource

log = logging.getLogger(__name__)

EXPORT_FORMAT = "shelter-daily-check/unsent"
EXPORT_VERSION = 1


class BatchRejected(ValueError):
    """The whole request or file is unusable (nothing was written): ``fields`` say why."""

    def __init__(self, fields: Errors):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields


def parse_batch(body: object) -> tuple[str, datetime, list]:
    """``{device_id, device_time, inspections}`` of a sync request; raises BatchRejected."""
    if not isinstance(body, dict):
        raise BatchRejected(
            {"body": [_("Must be a JSON object {device_id, device_time, inspections}.")]}
        )
    errors: Errors = {}
    device_id = _device_id(body, errors)
    device_time = parsed(body.get("device_time"), parse_moment, "device_time", errors)
    records = body.get("inspections")
    if not isinstance(records, list):
        errors["inspections"] = [_("Must be a list of inspections.")]
    elif len(records) > MAX_BATCH:
        errors["inspections"] = [_("At most %(count)d inspections per request.", count=MAX_BATCH)]
    if errors:
        raise BatchRejected(errors)
    return device_id, device_time, records


def import_unsent(user: User, document: object) -> dict:
    """Import an "export unsent records" file for ``user``: photos first, then the
    inspections in batches, with the same validation and results as sync. Raises
    BatchRejected (nothing written) when the file itself is malformed."""
    if not isinstance(document, dict):
        raise BatchRejected({"body": [_("Not an export file of unsent records.")]})
    errors: Errors = {}
    if document.get("format") != EXPORT_FORMAT:
        errors["format"] = [_("Must be %(format)s.", format=EXPORT_FORMAT)]
    if document.get("version") != EXPORT_VERSION:
        errors["version"] = [
            _("Only version %(version)d files can be imported.", version=EXPORT_VERSION)
        ]
    device_id = _device_id(document, errors)
    records = document.get("inspections")
    if not isinstance(records, list):
        errors["inspections"] = [_("Must be a list of inspections.")]
    photos = document.get("photos", [])
    if not isinstance(photos, list):
        errors["photos"] = [_("Must be a list of photos.")]
    if errors:
        raise BatchRejected(errors)
    log.info(
        "import user=%s device=%s records=%d photos=%d",
        user.id,
        device_id,
        len(records),
        len(photos),
    )
    photo_results = store_encoded_photos(user, photos)
    source = SyncSource(user, device_id, None)
    results: list[dict] = []
    for start in range(0, len(records), MAX_BATCH):
        results.extend(record_inspections(source, records[start : start + MAX_BATCH]))
    return {"results": results, "photos": photo_results}


def _device_id(body: dict, errors: Errors) -> str | None:
    device_id = body.get("device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id.strip()) <= 64:
        errors["device_id"] = [_("Missing, blank, or longer than 64 characters.")]
        return None
    if NUL in device_id:
        errors["device_id"] = [str(NUL_MESSAGE)]
        return None
    return device_id.strip()
