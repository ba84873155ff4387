"""GET /api/v1/templates/<id>: a checklist version, labels in Chinese and English."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.api.schemas import TemplateSchema
from webapp.errors import json_error
from webapp.extensions import db
from webapp.labels import label
from webapp.models import ChecklistCategory, ChecklistTemplate

bp = Blueprint("templates_api", __name__, url_prefix="/api/v1", description="Checklist templates")


@bp.route("/templates/<id:template_id>")
@bp.response(200, TemplateSchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such template")
@login_required
def get_template(template_id: int):
    """One version of a checklist with all its items (the phone shows those in a site's
    `item_ids`). Every label comes in Chinese and English, plus `label` in the request's
    language (Accept-Language or ?lang=zh|en)."""
    template = db.session.scalar(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.id == template_id)
        .options(selectinload(ChecklistTemplate.items))
    )
    if template is None:
        return json_error(404, "not_found", _("No checklist template with this id."))
    return template_for_phone(template)


def template_for_phone(template: ChecklistTemplate) -> dict:
    english = str(get_locale() or "zh").startswith("en")
    used = {item.category for item in template.items}
    categories = sorted(
        db.session.scalars(select(ChecklistCategory).where(ChecklistCategory.code.in_(used))),
        key=lambda category: (category.position, category.code),
    )
    names = {c.code: c for c in categories}
    return {
        "id": template.id,
        "key": template.key,
        "version": template.version,
        "title": template.title,
        "published": template.published,
        "categories": [
            {
                "code": c.code,
                "name": c.name_en if english else c.name_zh,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "position": c.position,
            }
            for c in categories
        ],
        "items": [
            {
                "id": item.item_id,
                "category": item.category,
                "category_name": names[item.category].name_en
                if english
                else names[item.category].name_zh,
                "category_zh": names[item.category].name_zh,
                "category_en": names[item.category].name_en,
                "label": item.label_en if english else item.label_zh,
                "label_zh": item.label_zh,
                "label_en": item.label_en,
                "guidance": item.guidance_en if english else item.guidance_zh,
                "guidance_zh": item.guidance_zh,
                "guidance_en": item.guidance_en,
                "photo_required_on_fail": item.photo_required_on_fail,
                "default_grade": item.default_grade,
                "default_grade_label": label(item.default_grade),
                "fix_immediately": item.fix_immediately,
                "frequency": item.frequency,
                "seasons": list(item.seasons or []),
                "applies_to": list(item.applies_to or []),
                "position": item.position,
            }
            for item in template.items
        ],
    }
