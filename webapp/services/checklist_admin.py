"""Versions of the checklist templates: copy the current one into a draft, edit the
draft's items, publish it. A published version, or one any inspection refers to, never
changes again (trends and old inspections keep meaning what they meant)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from webapp.extensions import db
from webapp.models import ChecklistItem, ChecklistTemplate, Inspection
from webapp.services.accounts import FieldError

# The site tags an item can apply to (see Site.tags), with their labels.
SITE_TAGS = {
    "all": _l("All sites"),
    "crowd": _l("Crowded places"),
    "catering": _l("Catering and entertainment"),
    "park": _l("Car parks"),
    "store": _l("Warehouses"),
    "early": _l("Early-era, idle or sealed works"),
    "hill": _l("In or near wooded hills"),
    "lowlying": _l("Low-lying"),
    "leased": _l("Leased out"),
    "in_use": _l("In use"),
}

SEASON_LABELS = {
    "flood": _l("Flood season"),
    "winter": _l("Winter"),
    "forest_fire": _l("Forest-fire season"),
}

ITEM_FIELDS = (
    "category",
    "label_zh",
    "label_en",
    "guidance_zh",
    "guidance_en",
    "applies_to",
    "seasons",
    "frequency",
    "photo_required_on_fail",
    "default_grade",
    "fix_immediately",
)


class TemplateFrozen(Exception):
    """The version is published or used by an inspection; ``str(err)`` says which."""


def season_choices() -> list[tuple[str, str]]:
    return [
        (name, str(SEASON_LABELS.get(name, name))) for name in current_app.config["SHELTER_SEASONS"]
    ]


def frozen_reason(template: ChecklistTemplate) -> str | None:
    """Why this version may not change, or None for an editable draft."""
    if template.published:
        return _("This version is published and can no longer change. Create a new draft.")
    used = db.session.execute(
        select(exists().where(Inspection.template_id == template.id))
    ).scalar()
    if used:
        return _("Inspections refer to this version, so it can no longer change.")
    return None


def _ensure_editable(template: ChecklistTemplate) -> None:
    reason = frozen_reason(template)
    if reason:
        raise TemplateFrozen(reason)


def open_draft(key: str) -> ChecklistTemplate | None:
    return db.session.execute(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.key == key, ChecklistTemplate.published.is_(False))
        .order_by(ChecklistTemplate.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def create_draft(source: ChecklistTemplate) -> ChecklistTemplate:
    """A new unpublished version of ``source``'s checklist with a copy of its items.
    Only one draft per checklist at a time: raises TemplateFrozen naming the open one."""
    existing = open_draft(source.key)
    if existing is not None:
        raise TemplateFrozen(
            _(
                "Version %(version)d is already a draft: edit or publish it first.",
                version=existing.version,
            )
        )
    newest = db.session.execute(
        select(func.max(ChecklistTemplate.version)).where(ChecklistTemplate.key == source.key)
    ).scalar_one()
    draft = ChecklistTemplate(key=source.key, version=newest + 1, title=source.title)
    for item in source.items:
        draft.items.append(
            ChecklistItem(
                item_id=item.item_id,
                position=item.position,
                **{name: getattr(item, name) for name in ITEM_FIELDS},
            )
        )
    db.session.add(draft)
    db.session.commit()
    return draft


def update_item(template: ChecklistTemplate, item: ChecklistItem, values: dict) -> None:
    _ensure_editable(template)
    for name in ITEM_FIELDS:
        value = values[name]
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    db.session.commit()


def add_item(template: ChecklistTemplate, item_id: str, values: dict) -> ChecklistItem:
    """A new item at the end of the draft; raises FieldError if the id is already used."""
    _ensure_editable(template)
    if any(item.item_id == item_id for item in template.items):
        raise FieldError("item_id", _("This version already has an item with this id."))
    position = max((item.position for item in template.items), default=-1) + 1
    item = ChecklistItem(item_id=item_id, position=position)
    for name in ITEM_FIELDS:
        value = values[name]
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    template.items.append(item)
    db.session.commit()
    return item


def remove_item(template: ChecklistTemplate, item: ChecklistItem) -> None:
    _ensure_editable(template)
    template.items.remove(item)
    db.session.commit()


def publish(template: ChecklistTemplate) -> None:
    """From now on new forms use this version (the newest published one)."""
    _ensure_editable(template)
    if not template.items:
        raise TemplateFrozen(_("A version without items cannot be published."))
    template.published = True
    db.session.commit()
