"""Checklist template pages over HTTP: versions, items grouped by category, copying the
current version into a draft, editing a draft's items, publishing; published versions and
versions any inspection refers to are immutable (409), bad values are 422 with the field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from tests.factories import make_site, make_template, make_tree
from tests.login_helpers import account, csrf, log_in
from webapp.extensions import db
from webapp.models import ChecklistItem, ChecklistTemplate, Inspection, Role, User

ITEMS = [
    {
        "item_id": "EVAC-01",
        "label_zh": "安全出口畅通",
        "label_en": "Exits clear",
        "guidance_zh": "出口无上锁、无堵塞",
        "applies_to": ["all"],
    },
    {
        "item_id": "FIRE-01",
        "label_zh": "灭火器有效",
        "label_en": "Extinguishers valid",
        "applies_to": ["crowd"],
        "seasons": ["winter"],
        "frequency": "seasonal",
        "default_grade": "major",
        "photo_required_on_fail": True,
    },
]


@pytest.fixture
def world(app):
    tree = make_tree()
    account(tree["province"], Role.OFFICE_ADMIN, "padmin")
    account(tree["city_a"], Role.OFFICE_ADMIN, "cadmin")
    account(tree["unit_a"], Role.UNIT_MANAGER, "boss")
    account(tree["unit_a"], Role.INSPECTOR, "insp")
    template = make_template(ITEMS)
    db.session.commit()
    return {"tree": tree, "template": template}


def client_for(app, username):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def template(template_id: int) -> ChecklistTemplate:
    db.session.expire_all()
    return db.session.get(ChecklistTemplate, template_id)


def draft_of(client, source_id: int) -> int:
    reply = client.post(f"/manage/checklists/{source_id}/copy", data={"csrf_token": csrf(client)})
    assert reply.status_code == 302
    return int(reply.headers["Location"].rsplit("/", 1)[1])


def item_form(client, **changes):
    form = {
        "category": "FIRE",
        "label_zh": "灭火器在有效期内",
        "label_en": "Extinguishers in date",
        "guidance_zh": "查看压力表指针在绿区",
        "guidance_en": "Gauge needle in the green",
        "applies_to": ["crowd", "park"],
        "seasons": ["winter", "flood"],
        "frequency": "daily",
        "default_grade": "general",
        "photo_required_on_fail": "y",
        "fix_immediately": "y",
        "csrf_token": csrf(client),
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_versions_and_items_grouped_by_category(app, world):
    client = client_for(app, "boss")  # every manager may read
    listing = client.get("/manage/checklists/").get_data(as_text=True)
    assert "v1" in listing and "现行版本" in listing
    page = client.get(f"/manage/checklists/{world['template'].id}").get_data(as_text=True)
    assert (
        page.index("安全疏散")
        < page.index("安全出口畅通")
        < page.index("消防设施")
        < page.index("灭火器有效")
    )
    assert "出口无上锁、无堵塞" in page and "冬季" in page and "重大" in page
    assert "复制为新草稿" not in page  # read only for a unit manager


def test_copy_edit_publish(app, world):
    client = client_for(app, "padmin")
    source = world["template"]
    draft_id = draft_of(client, source.id)
    draft = template(draft_id)
    assert (draft.version, draft.published, [i.item_id for i in draft.items]) == (
        2,
        False,
        ["EVAC-01", "FIRE-01"],
    )
    assert draft.items[1].seasons == ["winter"] and draft.items[1].default_grade == "major"

    reply = client.post(f"/manage/checklists/{draft_id}/items/FIRE-01", data=item_form(client))
    assert reply.status_code == 302
    edited = next(i for i in template(draft_id).items if i.item_id == "FIRE-01")
    assert (edited.label_zh, edited.label_en) == ("灭火器在有效期内", "Extinguishers in date")
    assert (edited.guidance_zh, edited.guidance_en) == (
        "查看压力表指针在绿区",
        "Gauge needle in the green",
    )
    assert sorted(edited.applies_to) == ["crowd", "park"]
    assert sorted(edited.seasons) == ["flood", "winter"]
    assert (edited.frequency, edited.default_grade) == ("daily", "general")
    assert edited.photo_required_on_fail and edited.fix_immediately
    # The published source did not change.
    original = next(i for i in template(source.id).items if i.item_id == "FIRE-01")
    assert original.label_zh == "灭火器有效" and original.seasons == ["winter"]

    added = client.post(
        f"/manage/checklists/{draft_id}/items/new",
        data=item_form(client, item_id="EVAC-02", category="EVAC"),
    )
    assert added.status_code == 302
    removed = client.post(
        f"/manage/checklists/{draft_id}/items/EVAC-01/delete", data={"csrf_token": csrf(client)}
    )
    assert removed.status_code == 302
    assert [i.item_id for i in template(draft_id).items] == ["FIRE-01", "EVAC-02"]

    assert (
        client.post(
            f"/manage/checklists/{draft_id}/publish", data={"csrf_token": csrf(client)}
        ).status_code
        == 302
    )
    assert template(draft_id).published
    from webapp.checklist import current_template

    assert current_template().id == draft_id


def test_only_one_draft_at_a_time(app, world):
    client = client_for(app, "padmin")
    draft_of(client, world["template"].id)
    again = client.post(
        f"/manage/checklists/{world['template'].id}/copy", data={"csrf_token": csrf(client)}
    )
    assert again.status_code == 409
    assert "已是草稿" in again.get_data(as_text=True)


def test_published_version_is_immutable(app, world):
    client = client_for(app, "padmin")
    tid = world["template"].id
    for path, data in (
        (f"/manage/checklists/{tid}/items/EVAC-01", item_form(client)),
        (f"/manage/checklists/{tid}/items/new", item_form(client, item_id="EVAC-09")),
        (f"/manage/checklists/{tid}/items/EVAC-01/delete", {"csrf_token": csrf(client)}),
        (f"/manage/checklists/{tid}/publish", {"csrf_token": csrf(client)}),
    ):
        reply = client.post(path, data=data)
        assert reply.status_code == 409, path
        assert "已发布，不能再修改" in reply.get_data(as_text=True)
    assert client.get(f"/manage/checklists/{tid}/items/EVAC-01").status_code == 409
    assert [i.label_zh for i in template(tid).items] == ["安全出口畅通", "灭火器有效"]


def test_version_used_by_an_inspection_is_immutable(app, world):
    """A draft cannot normally be inspected against; if one ever is (older data, an import),
    it is frozen all the same."""
    draft = make_template(ITEMS, version=5, published=False)
    site = make_site(world["tree"]["unit_a"])
    inspector = db.session.execute(db.select(User.id).where(User.username == "insp")).scalar_one()
    now = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    db.session.add(
        Inspection(
            id=str(uuid.uuid4()),
            site_id=site.id,
            template_id=draft.id,
            inspector_id=inspector,
            device_id="phone-1",
            started_at=now,
            finished_at=now,
            day=date(2026, 5, 1),
            content_hash="0" * 64,
            payload={},
        )
    )
    db.session.commit()
    client = client_for(app, "padmin")
    reply = client.post(f"/manage/checklists/{draft.id}/items/EVAC-01", data=item_form(client))
    assert reply.status_code == 409
    assert "已有检查记录使用该版本" in reply.get_data(as_text=True)
    listing = client.get("/manage/checklists/").get_data(as_text=True)
    assert "已被检查记录使用" in listing


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"label_zh": ""}, "label_zh"),
        ({"label_zh": "长" * 201}, "label_zh"),
        ({"label_en": "x" * 201}, "label_en"),
        ({"guidance_zh": "长" * 401}, "guidance_zh"),
        ({"guidance_en": "x" * 401}, "guidance_en"),
        ({"applies_to": None}, "applies_to"),
        ({"applies_to": ["everyone"]}, "applies_to"),
        ({"seasons": ["monsoon"]}, "seasons"),
        ({"frequency": "hourly"}, "frequency"),
        ({"default_grade": "catastrophic"}, "default_grade"),
        ({"category": "NOPE"}, "category"),
    ],
)
def test_bad_item_values_name_the_field_and_write_nothing(app, world, changes, field):
    client = client_for(app, "padmin")
    draft_id = draft_of(client, world["template"].id)
    reply = client.post(
        f"/manage/checklists/{draft_id}/items/FIRE-01", data=item_form(client, **changes)
    )
    assert reply.status_code == 422
    assert f'id="field-{field}"' in reply.get_data(as_text=True)
    assert (
        'class="field invalid' in reply.get_data(as_text=True).split(f'id="field-{field}"')[0][-60:]
    )
    unchanged = next(i for i in template(draft_id).items if i.item_id == "FIRE-01")
    assert unchanged.label_zh == "灭火器有效" and unchanged.applies_to == ["crowd"]


@pytest.mark.parametrize("item_id", ["", "evac-9", "EVAC_9", "EVAC-01", "E" * 33])
def test_bad_new_item_id(app, world, item_id):
    client = client_for(app, "padmin")
    draft_id = draft_of(client, world["template"].id)
    reply = client.post(
        f"/manage/checklists/{draft_id}/items/new", data=item_form(client, item_id=item_id)
    )
    assert reply.status_code == 422
    assert 'class="field invalid" id="field-item_id"' in reply.get_data(as_text=True)
    assert len(template(draft_id).items) == 2


@pytest.mark.parametrize("username", ["cadmin", "boss"])
def test_only_province_admins_change_templates(app, world, username):
    client = client_for(app, username)
    tid = world["template"].id
    assert (
        client.post(f"/manage/checklists/{tid}/copy", data={"csrf_token": csrf(client)}).status_code
        == 403
    )
    count = db.session.execute(
        db.select(db.func.count()).select_from(ChecklistTemplate)
    ).scalar_one()
    assert count == 1


def test_inspectors_have_no_template_pages(app, world):
    assert client_for(app, "insp").get("/manage/checklists/").status_code == 403


def test_unknown_template_or_item_is_404(app, world):
    client = client_for(app, "padmin")
    draft_id = draft_of(client, world["template"].id)
    assert client.get("/manage/checklists/999").status_code == 404
    assert client.get(f"/manage/checklists/{draft_id}/items/NOPE-01").status_code == 404
    items = db.session.execute(
        db.select(db.func.count())
        .select_from(ChecklistItem)
        .where(ChecklistItem.template_id == draft_id)
    ).scalar_one()
    assert items == 2
