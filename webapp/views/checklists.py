"""Managers' pages for checklist templates. Everyone on the managers' pages may read them;
province office admins copy a version into a draft, edit the draft's items and publish it.
Changing a published version, or one an inspection refers to, is refused (409)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.auth import manager_required
from webapp.checklist import current_template
from webapp.extensions import db
from webapp.forms import ChecklistItemForm, NewChecklistItemForm, label_frequency
from webapp.labels import label
from webapp.models import ChecklistCategory, ChecklistItem, ChecklistTemplate, Inspection
from webapp.scope import can_manage_templates
from webapp.services.accounts import FieldError
from webapp.services.checklist_admin import (
    ITEM_FIELDS,
    SEASON_LABELS,
    SITE_TAGS,
    TemplateFrozen,
    add_item,
    create_draft,
    frozen_reason,
    publish,
    remove_item,
    season_choices,
    update_item,
)

bp = Blueprint("checklists", __name__, url_prefix="/manage/checklists")


@bp.route("/")
@manager_required
def index():
    versions = (
        db.session.execute(
            select(ChecklistTemplate)
            .options(selectinload(ChecklistTemplate.items))  # item counts without N+1
            .order_by(ChecklistTemplate.key, ChecklistTemplate.version.desc())
        )
        .scalars()
        .all()
    )
    used = set(db.session.execute(select(Inspection.template_id).distinct()).scalars())
    current_ids = {
        t.id for t in (current_template(key) for key in {v.key for v in versions}) if t is not None
    }
    return render_template(
        "manage/checklists/list.html",
        versions=versions,
        used=used,
        current_ids=current_ids,
        may_manage=can_manage_templates(current_user),
    )


def _template(template_id: int) -> ChecklistTemplate:
    return db.get_or_404(ChecklistTemplate, template_id)


def _categories() -> list[ChecklistCategory]:
    return list(
        db.session.execute(select(ChecklistCategory).order_by(ChecklistCategory.position)).scalars()
    )


def _category_name(category: ChecklistCategory) -> str:
    return category.name_en if str(get_locale()).startswith("en") else category.name_zh


@bp.route("/<id:template_id>")
@manager_required
def show(template_id: int):
    template = _template(template_id)
    groups: dict[str, list[ChecklistItem]] = {}
    for item in template.items:
        groups.setdefault(item.category, []).append(item)
    categories = [c for c in _categories() if c.code in groups]
    return render_template(
        "manage/checklists/show.html",
        template=template,
        groups=groups,
        categories=categories,
        category_name=_category_name,
        frozen=frozen_reason(template),
        may_manage=can_manage_templates(current_user),
        tag_labels=SITE_TAGS,
        season_labels=SEASON_LABELS,
        label=label,
        label_frequency=label_frequency,
    )


def _manager_only():
    if not can_manage_templates(current_user):
        abort(403)


def _frozen_page(template: ChecklistTemplate, message: str):
    return render_template("error.html", code=409, message=message), 409


@bp.route("/<id:template_id>/copy", methods=["POST"])
@manager_required
def copy(template_id: int):
    _manager_only()
    source = _template(template_id)
    try:
        draft = create_draft(source)
    except TemplateFrozen as refusal:
        return _frozen_page(source, str(refusal))
    flash(_("Version %(version)d created as a draft.", version=draft.version), "ok")
    return redirect(url_for("checklists.show", template_id=draft.id))


def _item_form(form_cls, **kwargs):
    return form_cls(
        categories=[(c.code, _category_name(c)) for c in _categories()],
        tags=[(tag, str(text)) for tag, text in SITE_TAGS.items()],
        seasons=season_choices(),
        **kwargs,
    )


@bp.route("/<id:template_id>/items/<item_id>", methods=["GET", "POST"])
@manager_required
def edit_item(template_id: int, item_id: str):
    _manager_only()
    template = _template(template_id)
    item = next((i for i in template.items if i.item_id == item_id), None)
    if item is None:
        abort(404)
    reason = frozen_reason(template)
    if reason:
        return _frozen_page(template, reason)
    form = _item_form(ChecklistItemForm, obj=item)
    if form.validate_on_submit():
        update_item(template, item, {name: form[name].data for name in ITEM_FIELDS})
        flash(_("Item %(item)s saved.", item=item.item_id), "ok")
        return redirect(url_for("checklists.show", template_id=template.id) + f"#{item.item_id}")
    return render_template(
        "manage/checklists/item.html", form=form, template=template, item=item
    ), (422 if form.errors else 200)


@bp.route("/<id:template_id>/items/new", methods=["GET", "POST"])
@manager_required
def new_item(template_id: int):
    _manager_only()
    template = _template(template_id)
    reason = frozen_reason(template)
    if reason:
        return _frozen_page(template, reason)
    form = _item_form(NewChecklistItemForm)
    if request.method == "GET":
        form.applies_to.data = ["all"]
    if form.validate_on_submit():
        try:
            item = add_item(
                template, form.item_id.data, {name: form[name].data for name in ITEM_FIELDS}
            )
        except FieldError as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(_("Item %(item)s added.", item=item.item_id), "ok")
            return redirect(
                url_for("checklists.show", template_id=template.id) + f"#{item.item_id}"
            )
    return render_template(
        "manage/checklists/item.html", form=form, template=template, item=None
    ), (422 if form.errors else 200)


@bp.route("/<id:template_id>/items/<item_id>/delete", methods=["POST"])
@manager_required
def delete_item(template_id: int, item_id: str):
    _manager_only()
    template = _template(template_id)
    item = next((i for i in template.items if i.item_id == item_id), None)
    if item is None:
        abort(404)
    try:
        remove_item(template, item)
    except TemplateFrozen as refusal:
        return _frozen_page(template, str(refusal))
    flash(_("Item %(item)s removed from this draft.", item=item_id), "ok")
    return redirect(url_for("checklists.show", template_id=template.id))


@bp.route("/<id:template_id>/publish", methods=["POST"])
@manager_required
def publish_version(template_id: int):
    _manager_only()
    template = _template(template_id)
    try:
        publish(template)
    except TemplateFrozen as refusal:
        return _frozen_page(template, str(refusal))
    flash(
        _(
            "Version %(version)d is published: new forms use it from now on.",
            version=template.version,
        ),
        "ok",
    )
    return redirect(url_for("checklists.show", template_id=template.id))
