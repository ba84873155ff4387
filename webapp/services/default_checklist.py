"""The default daily checklist (webapp/seed/checklist.py) written into the database: what
a real deployment installs with ``flask seed-checklist`` before its first form opens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ChecklistCategory, ChecklistItem, ChecklistTemplate
from webapp.seed import checklist


@dataclass
class ChecklistCounts:
    """How many checklist rows of each kind a run added."""

    categories: int = 0
    templates: int = 0
    items: int = 0


def seed_checklist() -> ChecklistCounts:
    """Add the default checklist (key ``daily``, version 1, published) if it is missing."""
    counts = add_default_checklist()
    db.session.commit()
    return counts


def add_default_checklist() -> ChecklistCounts:
    """Add the categories and the template version that are missing (matched by category
    code and template key + version). Does not commit."""
    counts = ChecklistCounts()
    existing = set(db.session.execute(select(ChecklistCategory.code)).scalars())
    for position, (code, name_zh, name_en) in enumerate(checklist.CATEGORIES, start=1):
        if code not in existing:
            db.session.add(
                ChecklistCategory(code=code, name_zh=name_zh, name_en=name_en, position=position)
            )
            counts.categories += 1
    db.session.flush()
    found = db.session.execute(
        select(ChecklistTemplate).where(
            ChecklistTemplate.key == checklist.TEMPLATE_KEY,
            ChecklistTemplate.version == checklist.TEMPLATE_VERSION,
        )
    ).scalar_one_or_none()
    if found is not None:
        return counts
    template = ChecklistTemplate(
        key=checklist.TEMPLATE_KEY,
        version=checklist.TEMPLATE_VERSION,
        title=checklist.TEMPLATE_TITLE,
        published=True,
    )
    for position, spec in enumerate(checklist.ITEMS, start=1):
        template.items.append(
            ChecklistItem(
                item_id=spec.item_id,
                category=spec.category,
                position=position,
                label_zh=spec.label_zh,
                label_en=spec.label_en,
                guidance_zh=spec.guidance_zh,
                guidance_en=spec.guidance_en,
                frequency=spec.frequency,
                applies_to=list(spec.applies_to),
                seasons=list(spec.seasons),
                photo_required_on_fail=spec.photo_required_on_fail,
                default_grade=spec.default_grade,
                fix_immediately=spec.fix_immediately,
            )
        )
    db.session.add(template)
    db.session.flush()
    counts.templates += 1
    counts.items += len(checklist.ITEMS)
    return counts
