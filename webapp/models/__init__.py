"""The data model, one module per aggregate. Importing this package registers every table."""

from webapp.models.hazards import (
    EventType,
    Hazard,
    HazardEvent,
    HazardPhoto,
    HazardSource,
    HazardStatus,
    HistoryIsImmutable,
)
from webapp.models.inspections import (
    Inspection,
    InspectionConflict,
    InspectionPhoto,
    InspectionResult,
    Photo,
)
from webapp.models.orgs import Organisation, OrgKind
from webapp.models.qr import QrRotation
from webapp.models.reports import MonthlyReport, ReportStatus, SiteExcuse
from webapp.models.sites import ConstructionType, Site, SiteStatus, Usage
from webapp.models.templates import ChecklistCategory, ChecklistItem, ChecklistTemplate
from webapp.models.users import Role, User

__all__ = [
    "ChecklistCategory",
    "ChecklistItem",
    "ChecklistTemplate",
    "ConstructionType",
    "EventType",
    "Hazard",
    "HazardEvent",
    "HazardPhoto",
    "HazardSource",
    "HazardStatus",
    "HistoryIsImmutable",
    "Inspection",
    "InspectionConflict",
    "InspectionPhoto",
    "InspectionResult",
    "Organisation",
    "OrgKind",
    "MonthlyReport",
    "Photo",
    "QrRotation",
    "ReportStatus",
    "Role",
    "Site",
    "SiteExcuse",
    "SiteStatus",
    "Usage",
    "User",
]
