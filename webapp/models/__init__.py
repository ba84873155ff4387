"""The data model, one module per aggregate. Importing this package registers every table."""

from webapp.models.inspections import (
    Inspection,
    InspectionConflict,
    InspectionPhoto,
    InspectionResult,
    Photo,
)
from webapp.models.orgs import Organisation, OrgKind
from webapp.models.reports import MonthlyReport, ReportStatus, SiteExcuse
from webapp.models.sites import ConstructionType, Site, SiteStatus, Usage
from webapp.models.templates import ChecklistCategory, ChecklistItem, ChecklistTemplate
from webapp.models.users import Role, User

__all__ = [
    "ChecklistCategory",
    "ChecklistItem",
    "ChecklistTemplate",
    "ConstructionType",
    "Inspection",
    "InspectionConflict",
    "InspectionPhoto",
    "InspectionResult",
    "Organisation",
    "OrgKind",
    "MonthlyReport",
    "Photo",
    "ReportStatus",
    "Role",
    "Site",
    "SiteExcuse",
    "SiteStatus",
    "Usage",
    "User",
]
