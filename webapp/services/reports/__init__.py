"""The monthly report (月报) of a city-level office to the province (domain.md §4).

Sections A (coverage), B (hazards) and the automatic part of E (duty) are computed from the
data; C (enforcement), D (preparedness), the rest of E (incidents) and F (narrative) are
typed in. A draft shows live figures; submitting freezes them into the version, which
never changes again: a correction is a new version. The province sees, per city-level
office, whether last month's report came in on time (by SHELTER_REPORT_DUE_DAY), late, or
not at all, and the figures added up (each office once: 梅河口 and 公主岭 hang directly
under the province, and nominal parents are never used for totals).
"""

from webapp.services.reports.fields import (
    A_LABELS,
    E_LABELS,
    GROUP_TITLES,
    MANUAL_FIELDS,
    SECTION_TITLES,
    ManualField,
    ReportRefused,
    b_labels,
    clean_manual,
    figure_label,
    group_rows,
)
from webapp.services.reports.figures import add_up, compute_figures, differences, flatten
from webapp.services.reports.months import (
    due_date,
    month_last,
    month_start,
    next_month,
    previous_month,
    reporting_offices,
)
from webapp.services.reports.status import (
    SubmissionStatus,
    latest_submitted,
    province_overview,
    submission_status,
)
from webapp.services.reports.versions import (
    first_submission,
    latest,
    save_draft,
    start_correction,
    submit,
    versions,
)

__all__ = [
    "A_LABELS",
    "E_LABELS",
    "GROUP_TITLES",
    "MANUAL_FIELDS",
    "SECTION_TITLES",
    "ManualField",
    "ReportRefused",
    "SubmissionStatus",
    "add_up",
    "b_labels",
    "clean_manual",
    "compute_figures",
    "differences",
    "due_date",
    "figure_label",
    "first_submission",
    "flatten",
    "group_rows",
    "latest",
    "latest_submitted",
    "month_last",
    "month_start",
    "next_month",
    "previous_month",
    "province_overview",
    "reporting_offices",
    "save_draft",
    "start_correction",
    "submission_status",
    "submit",
    "versions",
]
