"""What a flag says, in the reader's language: its label and the reason in plain words,
rendered from the code and facts the flag stores (see webapp/models/credibility.py)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import days
from webapp.models import FlagCode, Verdict

LABELS = {
    FlagCode.NOT_SCANNED: _l("Not scanned"),
    FlagCode.TOO_FAST: _l("Too fast"),
    FlagCode.CLOCK_SKEW: _l("Phone clock off"),
    FlagCode.PHOTO_REUSED: _l("Photo reused"),
    FlagCode.LATE_SYNC: _l("Late sync"),
    FlagCode.OVERLAPPING: _l("Overlapping checks"),
    FlagCode.CONTRADICTED: _l("Contradicted by an office check"),
}

VERDICTS = {
    Verdict.EXPLAINED: _l("Explained"),
    Verdict.CONFIRMED: _l("Confirmed problem"),
}


def flag_label(code: str) -> str:
    return str(LABELS.get(code, code))


def verdict_label(verdict: str | None) -> str:
    return str(VERDICTS[verdict]) if verdict in VERDICTS else _("Not annotated yet")


def flag_reason(code: str, facts: dict) -> str:
    """The reason for a flag, one sentence; a code unknown to this version reads as itself."""
    render = _RENDERERS.get(code)
    return render(facts) if render else code


def duration(seconds: int) -> str:
    """A duration as a person reads it: "3 min 05 s", "2 h 10 min", "40 s"."""
    seconds = abs(int(seconds))
    if seconds >= 3600:
        return _("%(h)d h %(m)02d min", h=seconds // 3600, m=seconds % 3600 // 60)
    if seconds >= 60:
        return _("%(m)d min %(s)02d s", m=seconds // 60, s=seconds % 60)
    return _("%(s)d s", s=seconds)


def _local(moment: str | None) -> str:
    if not moment:
        return "—"
    return datetime.fromisoformat(moment).astimezone(days.zone()).strftime("%m-%d %H:%M")


def _not_scanned(facts: dict) -> str:
    case = facts.get("case")
    if case == "absent":
        return _("No QR code was scanned for this check.")
    if case == "outside_time":
        return _(
            "This site's QR code was scanned at %(time)s, outside the time of the check.",
            time=_local(facts.get("scanned_at")),
        )
    if case == "stale":
        return _(
            "The QR code scanned is this site's old label, replaced longer ago than the "
            "grace period."
        )
    if case == "other_site":
        return _(
            "The QR code scanned belongs to another site (%(site)s).", site=facts["other_site"]
        )
    return _("The QR code scanned is not this site's.")


def _too_fast(facts: dict) -> str:
    return _(
        "%(items)d items checked in %(took)s; at least %(least)s expected.",
        items=facts["items"],
        took=duration(facts["seconds"]),
        least=duration(facts["least"]),
    )


def _clock_skew(facts: dict) -> str:
    offset = facts["offset_seconds"]
    values = {"took": duration(offset), "limit": duration(facts.get("limit") or 0)}
    if offset > 0:
        return _(
            "The phone's clock was %(took)s ahead of the server's (limit %(limit)s).", **values
        )
    return _("The phone's clock was %(took)s behind the server's (limit %(limit)s).", **values)


def _photo_reused(facts: dict) -> str:
    return _(
        "Photo %(photo)s… was already used by the check of %(site)s on %(day)s.",
        photo=facts["sha256"][:10],
        site=facts["other_site"],
        day=facts["other_day"],
    )


def _late_sync(facts: dict) -> str:
    return _(
        "Reached the server %(hours)s hours after its day ended (limit %(limit)d hours).",
        hours=facts["hours"],
        limit=facts["limit"],
    )


def _overlapping(facts: dict) -> str:
    return _(
        "Overlaps by %(took)s with the same inspector's check of %(site)s.",
        took=duration(facts["overlap_seconds"]),
        site=facts["other_site"],
    )


def _contradicted(facts: dict) -> str:
    values = {"day": facts["other_day"], "items": ", ".join(facts["items"])}
    if facts.get("other_kind") == "covert":
        return _(
            "Every item passed, but a covert check on %(day)s failed items passed here: %(items)s.",
            **values,
        )
    return _(
        "Every item passed, but an office check on %(day)s failed items passed here: %(items)s.",
        **values,
    )


_RENDERERS = {
    FlagCode.NOT_SCANNED: _not_scanned,
    FlagCode.TOO_FAST: _too_fast,
    FlagCode.CLOCK_SKEW: _clock_skew,
    FlagCode.PHOTO_REUSED: _photo_reused,
    FlagCode.LATE_SYNC: _late_sync,
    FlagCode.OVERLAPPING: _overlapping,
    FlagCode.CONTRADICTED: _contradicted,
}
