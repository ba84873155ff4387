"""The proof of presence of one stored inspection, as its record shows it: valid, or why
not (the case its not_scanned flag names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from webapp.inputs import parse_moment
from webapp.models import Inspection, InspectionFlag

STATES = {
    "valid": _l("Valid: this site's label, scanned during the check"),
    "absent": _l("Absent: no QR code scanned"),
    "outside_time": _l("This site's label, scanned outside the time of the check"),
    "stale": _l("Stale: an old label of this site, past the grace period"),
    "other_site": _l("Another site's label"),
    "unknown": _l("Not a label of this site"),
}


@dataclass
class ScanProof:
    state: str  # a key of STATES
    scanned_at: datetime | None  # as the phone said (None: nothing scanned)
    fingerprint: str | None  # which label: the first 12 hex digits of SHA-256(token)

    @property
    def label(self) -> str:
        return str(STATES[self.state])


def scan_proof(inspection: Inspection, flag: InspectionFlag | None) -> ScanProof:
    """What the record says about the scan: the sync's verdict (``Inspection.scanned``) and,
    when it did not count, the case the not_scanned flag recorded."""
    scan = (inspection.payload or {}).get("scan")
    scan = scan if isinstance(scan, dict) else {}
    try:
        claimed = parse_moment(scan["scanned_at"])
    except (KeyError, ValueError):  # none given: the phone scanned as the check started
        claimed = inspection.started_at if scan else None
    if inspection.scanned:
        state = "valid"
    elif flag is not None and flag.facts.get("case") in STATES:
        state = flag.facts["case"]
    else:
        state = "unknown" if scan else "absent"
    return ScanProof(state, claimed, scan.get("token_fingerprint"))
