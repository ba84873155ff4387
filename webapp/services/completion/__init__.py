"""Daily completion: which due sites were checked on a day, at every level of the tree.

A site counts as checked for a day when at least one self-check inspection counts for that
day (``Inspection.day``, the SHELTER_TZ day it was done, not the day it synced). Which sites
are due is ``webapp.days.site_due_on`` / ``due_site_condition``. A check whose first copy
reached the server after its day had ended is "checked (synced late)".

Every figure comes from grouped queries on the (day, kind) and (site_id, day) indexes of
inspections, so the cost depends on the sites in view and the days asked for, never on how
much history is stored. Read-only: nothing here commits.
"""

from webapp.services.completion.day import day_completion, device_rows, site_rows, unit_tallies
from webapp.services.completion.excuses import ExcuseRefused, excuse_site
from webapp.services.completion.figures import (
    HEATMAP_DAYS,
    NO_FILTERS,
    DayCompletion,
    DeviceRow,
    OrgRow,
    SiteFilters,
    SiteRow,
    Tally,
)
from webapp.services.completion.period import (
    HeatRow,
    RankRow,
    daily_unit_counts,
    missed_rankings,
    month_coverage,
    org_heatmap,
    site_heatmap,
)
from webapp.services.completion.tree import OrgInfo, child_containing, sites_under, subtree_orgs

__all__ = [
    "HEATMAP_DAYS",
    "NO_FILTERS",
    "DayCompletion",
    "DeviceRow",
    "ExcuseRefused",
    "HeatRow",
    "OrgInfo",
    "OrgRow",
    "RankRow",
    "SiteFilters",
    "SiteRow",
    "Tally",
    "child_containing",
    "daily_unit_counts",
    "day_completion",
    "device_rows",
    "excuse_site",
    "missed_rankings",
    "month_coverage",
    "org_heatmap",
    "site_heatmap",
    "site_rows",
    "sites_under",
    "subtree_orgs",
    "unit_tallies",
]
