"""Daily completion: which due sites were checked on a day, at every level of the tree.

A site counts as checked for a day when at least one self-check inspection counts for that
day (``Inspection.day``, the SHELTER_TZ day it was done, not the day it synced). Which sites
are due is ``webapp.due.site_due_on`` / ``due_site_condition``. A check whose first copy
reached the server after its day had ended is "checked (synced late)".

Every figure comes from grouped queries on bounded index ranges: a day's from the
(kind, day, site_id, received_at) and (site_id, day) indexes of inspections, a period's
from the per-day summaries (webapp/services/rollups.py; ``counts.daily_unit_counts``), so
the cost depends on the sites in view and the days asked for, never on how much history is
stored. Read-only: nothing here commits.
"""

from webapp.services.completion.counts import daily_unit_counts
from webapp.services.completion.day import (
    day_completion,
    device_rows,
    latest_checks,
    site_rows,
    unchecked_sites,
    unit_tallies,
)
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
    lowest_rate_first,
    synced_late,
)
from webapp.services.completion.period import (
    HeatRow,
    RankRow,
    SiteDay,
    completion_rankings,
    month_coverage,
    org_heatmap,
    site_day_state,
    site_days,
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
    "SiteDay",
    "SiteRow",
    "Tally",
    "child_containing",
    "completion_rankings",
    "daily_unit_counts",
    "day_completion",
    "device_rows",
    "excuse_site",
    "latest_checks",
    "lowest_rate_first",
    "month_coverage",
    "org_heatmap",
    "site_day_state",
    "site_days",
    "site_heatmap",
    "site_rows",
    "sites_under",
    "subtree_orgs",
    "synced_late",
    "unchecked_sites",
    "unit_tallies",
]
