"""People's word on a flag: explained, or a confirmed problem, with a remark. Annotations
are append-only (webapp/models/append_only.py); the flag keeps the latest verdict, which
the credibility figure reads ("after annotation": explained flags do not count)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import FlagAnnotation, Inspection, InspectionFlag, User, Verdict
from webapp.scope import NotAllowed, OutOfScope, can_annotate_flags, can_see_inspection

MAX_REMARK = 1000


class AnnotationRefused(ValueError):
    """The annotation is not valid; ``fields`` name what is wrong (nothing was written)."""

    def __init__(self, fields: dict[str, list]):
        super().__init__(", ".join(fields))
        self.fields = fields  # {field: [message]}, messages translated when shown


def annotate_flag(
    user: User, inspection_id: str, code: str, verdict: str, remark: str
) -> FlagAnnotation:
    """Add ``user``'s annotation to the inspection's flag ``code`` and make its verdict the
    flag's; commits. Raises LookupError (no such flag) or OutOfScope (answer both 404),
    NotAllowed (403) and AnnotationRefused (422)."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise LookupError(inspection_id)
    if not can_see_inspection(user, inspection):
        raise OutOfScope(inspection_id)
    # Locked, so that concurrent annotations of one flag leave the latest verdict on it.
    flag = db.session.scalars(
        select(InspectionFlag)
        .where(InspectionFlag.inspection_id == inspection.id, InspectionFlag.code == code)
        .with_for_update()
    ).one_or_none()
    if flag is None:
        raise LookupError(code)
    if not can_annotate_flags(user, inspection):
        raise NotAllowed(code)
    errors: dict[str, list[str]] = {}
    if verdict not in set(Verdict):
        errors["verdict"] = [_l("Choose explained or confirmed problem.")]
    remark = (remark or "").strip()
    if not remark:
        errors["remark"] = [_l("Say why: the remark is kept with the flag.")]
    elif len(remark) > MAX_REMARK:
        errors["remark"] = [_l("At most %(count)d characters.", count=MAX_REMARK)]
    if errors:
        db.session.rollback()
        raise AnnotationRefused(errors)
    annotation = FlagAnnotation(flag_id=flag.id, author_id=user.id, verdict=verdict, remark=remark)
    db.session.add(annotation)
    flag.verdict = verdict
    db.session.commit()
    return annotation
