"""Annotating flags (webapp/services/credibility/annotations.py): who may, what is kept,
the append-only trail (ORM and database), and the reasons in Chinese and English."""

from __future__ import annotations

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from tests.contract.world import NOW
from tests.credibility_world import at, build_credibility_world, check, sync
from tests.factories import make_org, make_user
from webapp.extensions import db
from webapp.models import FlagAnnotation, HistoryIsImmutable, InspectionFlag, OrgKind, Role
from webapp.scope import NotAllowed, OutOfScope
from webapp.services.credibility.annotations import AnnotationRefused, annotate_flag
from webapp.services.credibility.reasons import flag_label, flag_reason


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        world = build_credibility_world()
        record = check(world, at("11-30 08:05"), token=None)
        sync(world["inspector"], [record])
        world["record"] = record
        yield world


def flag(world) -> InspectionFlag:
    db.session.expire_all()
    return db.session.scalars(
        select(InspectionFlag).where(InspectionFlag.inspection_id == world["record"]["id"])
    ).one()


def test_the_unit_manager_explains_then_an_office_confirms_and_both_are_kept(world):
    record_id = world["record"]["id"]
    annotate_flag(world["manager"], record_id, "not_scanned", "explained", "标签被雨水损坏，已补贴")
    assert flag(world).verdict == "explained" and not flag(world).unexplained
    with time_machine.travel(NOW.replace(hour=10), tick=False):
        annotate_flag(
            world["city_a_office"], record_id, "not_scanned", "confirmed", "现场核实未到场"
        )
    trail = flag(world).annotations
    assert [(a.author.username, a.verdict, a.remark) for a in trail] == [
        ("ct-manager", "explained", "标签被雨水损坏，已补贴"),
        ("ct-city-a", "confirmed", "现场核实未到场"),
    ]
    assert trail[0].at < trail[1].at
    assert flag(world).verdict == "confirmed" and flag(world).unexplained


def test_who_may_annotate(world):
    record_id = world["record"]["id"]
    with pytest.raises(NotAllowed):  # the inspector who filed it sees it, may not judge it
        annotate_flag(world["inspector"], record_id, "not_scanned", "explained", "我去过")
    with pytest.raises(OutOfScope):  # another city's office
        annotate_flag(world["city_b_office"], record_id, "not_scanned", "explained", "x")
    colleague = make_user(world["unit_a"], Role.INSPECTOR)
    with pytest.raises(OutOfScope):  # another inspector of the unit does not see it
        annotate_flag(colleague, record_id, "not_scanned", "explained", "x")
    with db.session.no_autoflush:  # city_a expired at the last commit: no flush midway
        other_unit = make_org("U-A2", OrgKind.UNIT, world["city_a"])
    with pytest.raises(OutOfScope):
        annotate_flag(
            make_user(other_unit, Role.UNIT_MANAGER), record_id, "not_scanned", "explained", "x"
        )
    with pytest.raises(LookupError):
        annotate_flag(world["manager"], record_id, "too_fast", "explained", "x")
    annotate_flag(world["province_office"], record_id, "not_scanned", "explained", "省里核实")
    assert db.session.scalar(select(FlagAnnotation.remark)) == "省里核实"


def test_a_manager_does_not_judge_his_own_check(world):
    own = check(world, at("11-30 08:35"), site="CT-002", token=None)
    sync(world["manager"], [own])
    with pytest.raises(NotAllowed):
        annotate_flag(world["manager"], own["id"], "not_scanned", "explained", "我自己查的")


@pytest.mark.parametrize(
    ("verdict", "remark", "field"),
    [
        ("fine", "ok", "verdict"),
        ("explained", "   ", "remark"),
        ("confirmed", "长" * 1001, "remark"),
    ],
)
def test_a_bad_annotation_names_its_field_and_writes_nothing(world, verdict, remark, field):
    with pytest.raises(AnnotationRefused) as refused:
        annotate_flag(world["manager"], world["record"]["id"], "not_scanned", verdict, remark)
    assert list(refused.value.fields) == [field]
    assert db.session.scalar(select(FlagAnnotation.id)) is None
    assert flag(world).verdict is None


def test_annotations_cannot_be_changed_through_the_orm(world):
    annotation = annotate_flag(
        world["manager"], world["record"]["id"], "not_scanned", "explained", "原因"
    )
    annotation.remark = "改写"
    with pytest.raises(HistoryIsImmutable):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(HistoryIsImmutable):
        db.session.delete(db.session.get(FlagAnnotation, annotation.id))
        db.session.commit()
    db.session.rollback()
    with pytest.raises(HistoryIsImmutable):
        db.session.execute(update(FlagAnnotation).values(remark="x"))
    with pytest.raises(HistoryIsImmutable):
        db.session.execute(delete(FlagAnnotation))
    db.session.rollback()


@pytest.mark.parametrize(
    "statement", ["UPDATE flag_annotations SET remark = 'x'", "DELETE FROM flag_annotations"]
)
def test_the_database_refuses_changes_to_annotations(world, statement):
    annotate_flag(world["manager"], world["record"]["id"], "not_scanned", "explained", "原因")
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(FlagAnnotation.remark)) == "原因"


REASONS = [
    ("not_scanned", {"case": "absent"}, "本次检查没有扫描二维码。", "No QR code was scanned"),
    (
        "not_scanned",
        {"case": "other_site", "other_site": "CT-9"},
        "扫描的二维码属于另一个工程（CT-9）。",
        "belongs to another site (CT-9)",
    ),
    (
        "too_fast",
        {"seconds": 75, "items": 40, "least": 120},
        "40 个检查项仅用时 1 分 15 秒",
        "1 min 15 s",
    ),
    (
        "clock_skew",
        {"offset_seconds": -4000, "limit": 600},
        "手机时间比服务器慢 1 小时 06 分",
        "behind",
    ),
    ("late_sync", {"hours": 30.5, "limit": 24}, "30.5 小时后", "30.5 hours after"),
    (
        "contradicted",
        {"other_id": "x", "other_kind": "covert", "other_day": "2026-11-30", "items": ["EVAC-01"]},
        "暗查暗访发现本次判为合格的项目不合格：EVAC-01",
        "a covert check on 2026-11-30",
    ),
]


@pytest.mark.parametrize(("code", "facts", "zh", "en"), REASONS)
def test_a_flag_reads_in_chinese_and_in_english(app, code, facts, zh, en):
    with app.test_request_context(), force_locale("zh"):
        assert zh in flag_reason(code, facts)
        assert flag_label(code) != code
    with app.test_request_context(), force_locale("en"):
        assert en in flag_reason(code, facts)
