"""The data model, one module per aggregate. Importing this package registers every table."""

from webapp.models.append_only import HistoryIsImmutable
from webapp.models.credibility import FlagAnnotation, FlagCode, InspectionFlag, Verdict
from webapp.models.hazards import (
    EventType,
    Hazard,
    HazardEvent,
    HazardPhoto,
    HazardSource,
    HazardStatus,
)
from webapp.models.inspections import (
    Inspection,
    InspectionConflict,
    InspectionPhoto,
    InspectionResult,
    Photo,
    PhotoUpload,
)
from webapp.models.notify import (
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeRead,
    NotifyChannel,
    NotifySettings,
)
from webapp.models.orgs import Organisation, OrgKind
from webapp.models.qr import QrRotation
from webapp.models.reports import MonthlyReport, ReportStatus, SiteExcuse
from webapp.models.rollups import SiteDayRollup, UnitDayRollup
from webapp.models.sites import ConstructionType, Site, SiteStatus, Usage
from webapp.models.templates import ChecklistCategory, ChecklistItem, ChecklistTemplate
from webapp.models.users import LoginSession, Role, User

__all__ = [
    "ChecklistCategory",
    "ChecklistItem",
    "ChecklistTemplate",
    "ConstructionType",
    "DeliveryStatus",
    "EventType",
    "FlagAnnotation",
    "FlagCode",
    "Hazard",
    "HazardEvent",
    "HazardPhoto",
    "HazardSource",
    "HazardStatus",
    "HistoryIsImmutable",
    "Inspection",
    "InspectionConflict",
    "InspectionFlag",
    "InspectionPhoto",
    "InspectionResult",
    "LoginSession",
    "Organisation",
    "OrgKind",
    "MonthlyReport",
    "Notice",
    "NoticeDelivery",
    "NoticeRead",
    "NotifyChannel",
    "NotifySettings",
    "Photo",
    "PhotoUpload",
    "QrRotation",
    "ReportStatus",
    "Role",
    "Site",
    "SiteDayRollup",
    "SiteExcuse",
    "SiteStatus",
    "UnitDayRollup",
    "Usage",
    "User",
    "Verdict",
]
