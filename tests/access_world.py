"""The world of the access matrix (tests/test_access_matrix.py): two branches that mirror
each other, every kind of object once in each, and the accounts that look at them.

    MXP province ── MXCA city ── MXUA unit    branch A: the actors' branch
                 └─ MXCB city ── MXUB unit    branch B: the out-of-scope twin

In each branch: a site, a failed self-check with a photo and a credibility flag, the hazard
it opened, a notification channel with a failed delivery, a notice for every office and
unit, an account that is nobody's actor (the target of the account pages), and a monthly
report of last month (submitted in A, a draft in B). The actors are an inspector and a unit
manager of MXUA, an office supervisor and an office admin of MXCA, and a province admin.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from tests.factories import make_failed_inspection, make_org, make_site, make_template, make_user
from webapp import days
from webapp.extensions import db
from webapp.models import (
    Hazard,
    HazardEvent,
    Inspection,
    MonthlyReport,
    Notice,
    NoticeDelivery,
    NotifyChannel,
    Organisation,
    OrgKind,
    Role,
    Site,
    User,
)
from webapp.models.credibility import FlagAnnotation, InspectionFlag
from webapp.models.reports import SiteExcuse
from webapp.services import reports
from webapp.services.hazards import open_hazards_from_inspection
from webapp.services.photos import store_photo

# Actor → (role, organisation code). "anonymous" has no account.
ACTORS = {
    "anonymous": None,
    "inspector": (Role.INSPECTOR, "MXUA"),
    "unit_manager": (Role.UNIT_MANAGER, "MXUA"),
    "office_supervisor": (Role.OFFICE_SUPERVISOR, "MXCA"),
    "office_admin": (Role.OFFICE_ADMIN, "MXCA"),
    "province_admin": (Role.OFFICE_ADMIN, "MXP"),
}
FLAG = "not_scanned"
# What exists nowhere: the "missing" twin of every placeholder.
MISSING = {
    "site": "MXSZ-404",
    "unit": "MXUZ",
    "city": "MXCZ",
    "hazard": "987654",
    "inspection": "00000000-0000-4000-8000-000000000404",
    "photo": "f" * 64,
    "user": "mx-nobody",
    "channel": "987654",
    "delivery": "987654",
    "notice": "987654",
    "template": "987654",
}


def png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class Branch:
    """One branch's objects as the values a URL or form names them by, and the code of
    the organisation each belongs to (what decides who may see it)."""

    values: dict[str, str] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    # Texts only this branch's objects put on a page: the out-of-scope twin's must never
    # appear to anyone whose scope does not hold branch B.
    markers: list[str] = field(default_factory=list)


@dataclass
class World:
    a: Branch
    b: Branch
    template: str
    month: str  # last month, YYYY-MM: the month of the reports
    notices: dict[str, str]  # organisation code → the id of a notice for it
    password: str


def build_world(password: str) -> World:
    """Builds and commits the world; returns it as plain values."""
    province = make_org("MXP", OrgKind.PROVINCE, name="矩阵省人防办")
    template = make_template()
    # The actors first: the inspector actor files branch A's check.
    city_a = make_org("MXCA", OrgKind.CITY, province, name="A城人防办矩阵")
    unit_a = make_org("MXUA", OrgKind.UNIT, city_a, name="A城经营单位矩阵")
    orgs = {"MXP": province, "MXCA": city_a, "MXUA": unit_a}
    for actor, spec in ACTORS.items():
        if spec is not None:
            make_user(orgs[spec[1]], spec[0], f"mx-{actor}")
    db.session.flush()
    inspector_a = db.session.scalar(select(User).where(User.username == "mx-inspector"))
    month = reports.previous_month(days.today())
    branches, notices = {}, {}
    for letter, colour in (("A", "red"), ("B", "blue")):
        if letter == "A":
            city, unit = city_a, unit_a
            site = make_site(unit, code="MXSA-001", name="A城地下商场矩阵")
            inspector = inspector_a
            office = make_user(city, Role.OFFICE_SUPERVISOR, "mx-a-sup")
            target = make_user(unit, Role.INSPECTOR, "mx-a-target")
        else:
            with db.session.no_autoflush:  # the province's children were expired by a commit
                city = make_org("MXCB", OrgKind.CITY, province, name="B城人防办矩阵")
            unit = make_org("MXUB", OrgKind.UNIT, city, name="B城经营单位矩阵")
            site = make_site(unit, code="MXSB-001", name="B城地下商场矩阵")
            inspector = make_user(unit, Role.INSPECTOR, "mx-b-insp")
            office = make_user(city, Role.OFFICE_SUPERVISOR, "mx-b-sup")
            target = make_user(unit, Role.INSPECTOR, "mx-b-target")
        data = png(colour)
        sha = hashlib.sha256(data).hexdigest()
        store_photo(inspector, sha, data)
        inspection = make_failed_inspection(
            site, inspector, template, {"FIRE-01": None}, photos={"FIRE-01": {"evidence": [sha]}}
        )
        inspection.received_at = days.now() - timedelta(hours=1)  # settled: the API lists it
        (hazard,) = open_hazards_from_inspection(inspection)
        db.session.add(
            InspectionFlag(
                inspection_id=inspection.id,
                code=FLAG,
                facts={},
                day=inspection.day,
                received_at=inspection.received_at,
            )
        )
        channel = NotifyChannel(org=unit, name=f"{letter}群机器人矩阵", url="json://127.0.0.1:9/x")
        db.session.add(channel)
        for org in (unit, city):
            notices[org.code] = _notice(org)
        delivery = NoticeDelivery(
            notice_id=int(notices[unit.code]), channel=channel, status="failed", last_error="x"
        )
        db.session.add(delivery)
        db.session.flush()
        if letter == "A":
            reports.submit(office, city, month)
        else:
            reports.save_draft(office, city, month, {})
        branches[letter] = Branch(
            values={
                "site": site.code,
                "unit": unit.code,
                "city": city.code,
                "hazard": str(hazard.id),
                "inspection": inspection.id,
                "photo": sha,
                "user": target.username,
                "channel": str(channel.id),
                "delivery": str(delivery.id),
                "channel_name": channel.name,
            },
            owner={
                "site": unit.code,
                "unit": unit.code,
                "city": city.code,
                "hazard": unit.code,
                "inspection": unit.code,
                "photo": unit.code,
                "user": unit.code,
                "channel": unit.code,
                "delivery": unit.code,
            },
            markers=[
                site.code,
                site.name,
                unit.code,
                unit.name,
                city.code,
                city.name,
                inspector.username,
                office.username,
                target.username,
                channel.name,
                inspection.id,
                sha,
            ],
        )
    notices["MXP"] = _notice(province)
    db.session.commit()
    return World(
        a=branches["A"],
        b=branches["B"],
        template=str(template.id),
        month=month.strftime("%Y-%m"),
        notices=notices,
        password=password,
    )


def _notice(org: Organisation) -> str:
    notice = Notice(
        key=f"matrix:{org.code}:{uuid.uuid4().hex}",
        rule="report_due",
        org_id=org.id,
        period="2026-01",
        params={"month": "2026-01", "org": org.name, "due": "2026-02-08"},
        link="/manage",
    )
    db.session.add(notice)
    db.session.flush()
    return str(notice.id)


def branch_state(prefix: str = "MXUB") -> dict:
    """Everything a write could change about one branch (default B, by its unit's code):
    compared before and after every out-of-scope write."""
    unit = db.session.scalar(select(Organisation).where(Organisation.code == prefix))
    city = unit.parent
    site = db.session.scalar(select(Site).where(Site.unit_id == unit.id))
    hazard = db.session.scalar(select(Hazard).where(Hazard.site_id == site.id))
    channel = db.session.scalar(select(NotifyChannel).where(NotifyChannel.org_id == unit.id))

    def count(query):
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    users = db.session.execute(
        select(User.username, User.display_name, User.role, User.active, User.password_hash)
        .where(User.org_id.in_([unit.id, city.id]))
        .order_by(User.username)
    ).all()
    return {
        "orgs": [(o.code, o.name, o.phone, o.active) for o in (unit, city)],
        "site": {name: getattr(site, name) for name in ("name", "status", "unit_id", "address")},
        "site_token": (site.qr_token, site.qr_token_previous),
        "hazard": (hazard.status, hazard.grade, hazard.deadline),
        "hazard_events": count(select(HazardEvent).where(HazardEvent.hazard_id == hazard.id)),
        "inspections": count(select(Inspection).where(Inspection.site_id == site.id)),
        "flags": db.session.execute(
            select(InspectionFlag.code, InspectionFlag.verdict)
            .join(Inspection, Inspection.id == InspectionFlag.inspection_id)
            .where(Inspection.site_id == site.id)
        ).all(),
        "annotations": count(
            select(FlagAnnotation)
            .join(InspectionFlag, InspectionFlag.id == FlagAnnotation.flag_id)
            .join(Inspection, Inspection.id == InspectionFlag.inspection_id)
            .where(Inspection.site_id == site.id)
        ),
        "excuses": count(select(SiteExcuse).where(SiteExcuse.site_id == site.id)),
        "users": [tuple(row) for row in users],
        "channel": (channel.name, channel.url, channel.enabled) if channel else None,
        "channels": count(select(NotifyChannel).where(NotifyChannel.org_id == unit.id)),
        "deliveries": db.session.execute(
            select(NoticeDelivery.status, NoticeDelivery.attempts)
            .join(NotifyChannel, NotifyChannel.id == NoticeDelivery.channel_id)
            .where(NotifyChannel.org_id == unit.id)
        ).all(),
        "reports": db.session.execute(
            select(
                MonthlyReport.version,
                MonthlyReport.status,
                MonthlyReport.submitted_at,
                MonthlyReport.manual,
            ).where(MonthlyReport.org_id == city.id)
        ).all(),
    }
