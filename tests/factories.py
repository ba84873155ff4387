"""Plain factory functions with defaults: ``make_org``, ``make_site``, ``make_user``, ...

Each adds its object to the session and flushes; tests commit when they need to.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import cache

from werkzeug.security import generate_password_hash

from webapp.extensions import db
from webapp.models import (
    ChecklistCategory,
    ChecklistItem,
    ChecklistTemplate,
    Organisation,
    OrgKind,
    Role,
    Site,
    User,
)

_seq = itertools.count(1)
PASSWORD = "correct horse 9"
LONG_AGO = date(2020, 1, 1)


def make_org(code=None, kind=OrgKind.UNIT, parent=None, name=None, **fields) -> Organisation:
    code = code or f"ORG{next(_seq)}"
    org = Organisation(code=code, name=name or f"单位{code}", kind=str(kind), **fields)
    org.place_under(parent)
    db.session.add(org)
    db.session.flush()
    return org


def make_tree() -> dict[str, Organisation]:
    """Province → two cities → a county under city A → units at every level."""
    province = make_org("JL", OrgKind.PROVINCE, name="吉林省人防办")
    city_a = make_org("CA", OrgKind.CITY, province, name="甲市人防办")
    city_b = make_org("CB", OrgKind.CITY, province, name="乙市人防办")
    county = make_org("CA-K", OrgKind.COUNTY, city_a, name="甲市某区人防办")
    return {
        "province": province,
        "city_a": city_a,
        "city_b": city_b,
        "county": county,
        "unit_county": make_org("U-K1", OrgKind.UNIT, county, name="区属经营单位"),
        "unit_a": make_org("U-A1", OrgKind.UNIT, city_a, name="甲市经营单位"),
        "unit_b": make_org("U-B1", OrgKind.UNIT, city_b, name="乙市经营单位"),
        "unit_province": make_org("U-P1", OrgKind.UNIT, province, name="省直属单位"),
    }


def make_user(org: Organisation, role: Role = Role.INSPECTOR, username=None, **fields) -> User:
    """An account; its password is PASSWORD unless ``password=`` is given."""
    username = username or f"user{next(_seq)}"
    password = fields.pop("password", PASSWORD)
    user = User(
        username=username,
        display_name=fields.pop("display_name", username),
        org=org,
        role=str(role),
        password_hash=_password_hash(password),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


@cache
def _password_hash(password: str) -> str:
    return generate_password_hash(password)  # once per password and run: hashing is slow on purpose


def make_site(unit: Organisation, code=None, **fields) -> Site:
    code = code or f"S{next(_seq):05d}"
    defaults = dict(
        name=f"人防工程{code}",
        address="吉林省长春市南关区人民大街1号",
        construction_type="basement",
        year_built=2005,
        usage="parking",
        status="in_use",
        due_from=LONG_AGO,  # in service long before any day a test looks at
    )
    site = Site(code=code, unit=unit, **{**defaults, **fields})
    db.session.add(site)
    db.session.flush()
    return site


def make_template(items=None, key="daily", version=1, published=True) -> ChecklistTemplate:
    """A template whose items are given as dicts of ChecklistItem fields (defaults filled)."""
    for code, zh, en in (("EVAC", "安全疏散", "Evacuation"), ("FIRE", "消防设施", "Fire")):
        if db.session.get(ChecklistCategory, code) is None:
            db.session.add(ChecklistCategory(code=code, name_zh=zh, name_en=en))
    template = ChecklistTemplate(key=key, version=version, title="日检查表", published=published)
    items = items if items is not None else [{"item_id": "EVAC-01"}, {"item_id": "FIRE-01"}]
    for position, spec in enumerate(items):
        spec = {
            "category": spec["item_id"].split("-")[0],
            "label_zh": "检查项",
            "label_en": "Check item",
            "position": position,
            **spec,
        }
        template.items.append(ChecklistItem(**spec))
    db.session.add(template)
    db.session.flush()
    return template


def make_failed_inspection(
    site: Site,
    inspector: User,
    template: ChecklistTemplate,
    failures: dict[str, dict | None],
    kind="self",
    finished_at=None,
    photos: dict[str, dict[str, list[str]]] | None = None,
):
    """An inspection stored directly (as the sync would store it) whose ``failures`` map
    item ids to their rectification record (``{"mode": "on_spot"|"order", ...}`` or None);
    ``photos`` maps item ids to {"evidence": [sha256], "after": [sha256]}. Other items pass."""
    import hashlib
    import uuid
    from datetime import UTC, datetime, timedelta

    from webapp.days import local_day
    from webapp.models import Inspection, InspectionPhoto, InspectionResult
    from webapp.services.rollups import count_new_checks

    finished_at = finished_at or datetime.now(UTC)
    inspection = Inspection(
        id=str(uuid.uuid4()),
        site_id=site.id,
        template_id=template.id,
        kind=kind,
        inspector_id=inspector.id,
        device_id="test-device",
        started_at=finished_at - timedelta(minutes=10),
        finished_at=finished_at,
        day=local_day(finished_at - timedelta(minutes=10)),
        failures=len(failures),
        content_hash=hashlib.sha256(str(next(_seq)).encode()).hexdigest(),
        payload={},
    )
    db.session.add(inspection)
    for item in template.items:
        failed = item.item_id in failures
        inspection.results.append(
            InspectionResult(
                item_id=item.item_id,
                outcome="fail" if failed else "pass",
                note=f"{item.item_id} 不合格" if failed else None,
                rectification=failures.get(item.item_id) if failed else None,
            )
        )
    for item_id, roles in (photos or {}).items():
        for role, hashes in roles.items():
            for sha in hashes:
                db.session.add(
                    InspectionPhoto(
                        inspection_id=inspection.id, item_id=item_id, sha256=sha, role=role
                    )
                )
    db.session.flush()
    count_new_checks([(site.id, inspection.day, kind)])  # as store_inspections does
    return inspection
