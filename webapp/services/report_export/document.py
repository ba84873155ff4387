"""The neutral ``Document`` of a monthly report: its title, lines and tables, with the
figures the charts draw. Built once per export, in the request's language, and laid out
by ``xlsx.py`` and ``pdf.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from webapp import days
from webapp.models import MonthlyReport, Organisation
from webapp.services import reports as svc


@dataclass
class Table:
    title: str
    rows: list[list]
    header: list[str] | None = None
    chart: str | None = None  # "daily" or "categories": drawn under this table in the PDF


@dataclass
class Document:
    title: str
    lines: list[str]
    tables: list[Table]
    daily: list[list] = field(default_factory=list)  # [[YYYY-MM-DD, due, checked], ...]
    categories: dict[str, int] = field(default_factory=dict)


def _value(key: str, value) -> object:
    if value is None:
        return "—"
    if key.endswith("rate") or key.endswith("rate_ytd"):
        return f"{value * 100:.1f}%"
    return value


def _figure_tables(figures: dict) -> list[Table]:
    tables = [
        Table(
            str(svc.SECTION_TITLES["A"]),
            [[str(text), _value(k, figures["A"].get(k))] for k, text in svc.A_LABELS.items()],
            chart="daily",
        ),
        _group_table(figures["A"], "by_construction"),
        _group_table(figures["A"], "by_usage"),
    ]
    if figures.get("credibility_units"):  # reports submitted before the figure have none
        tables.append(
            Table(
                _("Credibility of daily self-checks, by unit"),
                [
                    [
                        f"{u['name']} {u['code']}",
                        u["self_checks"],
                        _value("rate", u["credibility_raw_rate"]),
                        _value("rate", u["credibility_annotated_rate"]),
                    ]
                    for u in figures["credibility_units"]
                ],
                header=[_("Unit"), _("Self-checks"), _("Without any flag"), _("After annotation")],
            )
        )
    b = figures.get("B")
    if b:
        tables.append(
            Table(
                str(svc.SECTION_TITLES["B"]),
                [[str(text), _value(k, b.get(k))] for k, text in svc.b_labels().items()],
                chart="categories",
            )
        )
        tables.append(_group_table(b, "by_source"))
        tables.append(
            Table(
                _("Most recurring items"),
                [[f"{i['item_id']} {i['label']}", i["count"]] for i in b["top_items"]],
            )
        )
        if b["major_open_list"]:
            tables.append(
                Table(
                    _("Major hazards still open (五落实)"),
                    [
                        [
                            h["site"] + " / " + h["item"],
                            h["responsible"],
                            h["measures"],
                            h["funds"] if h["funds"] is not None else "",
                            h["deadline"],
                            h["contingency"],
                        ]
                        for h in b["major_open_list"]
                    ],
                    header=[
                        _("Site / item"),
                        _("Responsible"),
                        _("Measures"),
                        _("Funds"),
                        _("Deadline"),
                        _("Contingency plan"),
                    ],
                )
            )
    tables.append(
        Table(
            str(svc.SECTION_TITLES["E"]),
            [[str(text), _value(k, figures["E"].get(k))] for k, text in svc.E_LABELS.items()],
        )
    )
    return tables


def office_document(org: Organisation, month: date, report: MonthlyReport | None) -> Document:
    """A city-level office's report: the version given (frozen figures if submitted)."""
    frozen = report is not None and report.is_submitted
    figures = report.figures if frozen else svc.compute_figures(org, month)
    status = svc.submission_status(org, month)
    state = {
        "on_time": _("Submitted on time"),
        "late": _("Submitted late"),
        "missing": _("Missing: not submitted"),
        "pending": _("%(n)d days left", n=status.days_left or 0),
    }[status.state]
    lines = [
        f"{org.name} · {_('Monthly report %(month)s', month=month.strftime('%Y-%m'))}",
        f"{_('Due by %(day)s', day=status.due.isoformat())} · {state}",
    ]
    if report is not None:
        version = _("Version %(n)d", n=report.version)
        if frozen:
            local = report.submitted_at.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")
            version += " · " + _(
                "submitted %(time)s by %(name)s", time=local, name=report.submitted_by.display_name
            )
        else:
            version += " · " + _("draft, not submitted")
        lines.append(version)
    lines.append(
        _("The figures below are frozen as submitted.")
        if frozen
        else _("The figures below are live; they are frozen when the report is submitted.")
    )
    if figures.get("zero_report"):
        lines.append(
            _("Zero report: no hazards were found this month. It still has to be submitted.")
        )
    tables = [_manual_table("H", report)] + _figure_tables(figures)
    tables += [_manual_table(section, report) for section in ("C", "D", "E", "F")]
    if frozen:
        changes = svc.differences(report)
        if changes:
            tables.append(
                Table(
                    _("Late data changed these figures since submission"),
                    [[svc.figure_label(k), _fmt(a), _fmt(b)] for k, a, b in changes],
                    header=[_("Figure"), _("As submitted"), _("Now")],
                )
            )
    return Document(
        title=_("Monthly report %(month)s", month=month.strftime("%Y-%m")) + " · " + org.name,
        lines=lines,
        tables=tables,
        daily=figures.get("daily") or [],
        categories=_named(figures),
    )


def _group_table(section: dict, group: str) -> Table:
    rows = [list(row) for row in svc.group_rows(section, group)]
    return Table(str(svc.GROUP_TITLES[group]), rows)


def _named(figures: dict) -> dict[str, int]:
    """Hazards by category with the categories' names in the request's language."""
    return dict(svc.group_rows(figures.get("B") or {}, "by_category"))


def _fmt(value) -> object:
    return "—" if value is None else value


def _manual_table(section: str, report: MonthlyReport | None) -> Table:
    manual = (report.manual if report else None) or {}
    title = str(svc.SECTION_TITLES[section])
    return Table(
        title,
        [[str(f.label), manual.get(f.key, "")] for f in svc.MANUAL_FIELDS if f.section == section],
    )


def overview_document(org: Organisation, month: date) -> Document:
    """The province's (or any office's) view: each reporting office's status and figures,
    and the totals (each office counted once)."""
    rows, total = svc.province_overview(org, month)
    states = {"on_time": _("On time"), "late": _("Late"), "missing": _("Missing")}
    status_rows = []
    for row in rows:
        s = row["status"]
        state = states.get(s.state) or _("%(n)d days left", n=s.days_left or 0)
        submitted = (
            s.submitted_at.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")
            if s.submitted_at
            else ""
        )
        figures = row["figures"]
        status_rows.append(
            [
                row["office"].name,
                state,
                submitted,
                s.versions,
                _value("compliance_rate", figures["A"].get("compliance_rate")),
                (figures.get("B") or {}).get("found_month", ""),
                (figures.get("B") or {}).get("outstanding_month_end", ""),
            ]
        )
    due = svc.due_date(month).isoformat()
    return Document(
        title=_("Monthly reports %(month)s", month=month.strftime("%Y-%m")) + " · " + org.name,
        lines=[
            _("due by %(day)s", day=due),
            _(
                "Figures of submitted reports are shown as submitted; the others are live. "
                "Each office is counted once."
            ),
        ],
        tables=[
            Table(
                _("Who has reported"),
                status_rows,
                header=[
                    _("Office"),
                    _("Status"),
                    _("Submission"),
                    _("Versions"),
                    _("Compliance"),
                    _("Hazards found"),
                    str(svc.b_labels()["outstanding_month_end"]),
                ],
            )
        ]
        + [Table(_("Totals") + " · " + t.title, t.rows, t.header) for t in _figure_tables(total)],
        categories=_named(total),
    )
