"""Bilingual labels of the enumerations (data, like checklist labels): Chinese first.

Used by pages (``label(...)`` picks the current language) and by site import/export,
which accepts either the Chinese label or the code.
"""

from __future__ import annotations

from flask_babel import get_locale

from webapp.models.orgs import OrgKind
from webapp.models.sites import ConstructionType, SiteStatus, Usage
from webapp.models.templates import Grade
from webapp.models.users import Role

LABELS: dict[str, tuple[str, str]] = {
    ConstructionType.CUT_AND_COVER: ("掘开式", "Cut-and-cover"),
    ConstructionType.HILLSIDE_TUNNEL: ("坑道式", "Hillside tunnel"),
    ConstructionType.TUNNEL: ("地道式", "Tunnel"),
    ConstructionType.BASEMENT: ("防空地下室", "Basement shelter"),
    Usage.PARKING: ("停车", "Parking"),
    Usage.COMMERCIAL: ("商业", "Commercial"),
    Usage.STORAGE: ("仓储", "Storage"),
    Usage.CATERING_ENTERTAINMENT: ("餐饮娱乐", "Catering / entertainment"),
    Usage.OFFICE: ("办公", "Office"),
    Usage.IDLE: ("闲置", "Idle"),
    Usage.OTHER: ("其他", "Other"),
    SiteStatus.IN_USE: ("在用", "In use"),
    SiteStatus.IDLE: ("闲置", "Idle"),
    SiteStatus.SEALED: ("封堵", "Sealed"),
    SiteStatus.SUSPENDED: ("停用", "Suspended"),
    Grade.GENERAL: ("一般", "Ordinary"),
    Grade.MAJOR: ("重大", "Major"),
    Role.INSPECTOR: ("检查员", "Inspector"),
    Role.UNIT_MANAGER: ("单位负责人", "Unit manager"),
    Role.OFFICE_SUPERVISOR: ("人防办督查员", "Office supervisor"),
    Role.OFFICE_ADMIN: ("人防办管理员", "Office administrator"),
    OrgKind.PROVINCE: ("省级", "Province"),
    OrgKind.CITY: ("市州级", "City level"),
    OrgKind.COUNTY: ("县区级", "County level"),
    OrgKind.UNIT: ("经营单位", "Operating unit"),
}


def label(value: str, locale: str | None = None) -> str:
    """The label of an enum value in ``locale`` (default: the request's language)."""
    zh, en = LABELS[value]
    lang = locale or str(get_locale() or "zh")
    return en if lang.startswith("en") else zh


def parse_label(enum_cls, text: str):
    """The member of ``enum_cls`` whose code or Chinese or English label is ``text``;
    raises ValueError naming the accepted values."""
    text = text.strip()
    for member in enum_cls:
        zh, en = LABELS[member]
        if text in (member.value, zh) or text.lower() == en.lower():
            return member
    accepted = "、".join(LABELS[m][0] for m in enum_cls)
    raise ValueError(f"'{text}' is not one of: {accepted}")
