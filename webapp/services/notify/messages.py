"""The text of a notice: short, with the counts, the first few names and the link to the
page that shows the rest. Rendered in the reader's language (the inbox) or in Chinese
(the channels: the offices' group chats and mailboxes)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.models import Notice

# How many names a message lists before "…".
FIRST_NAMES = 5


def absolute_link(notice: Notice) -> str:
    return str(current_app.config["SHELTER_PUBLIC_BASE_URL"]).rstrip("/") + notice.link


def render(notice: Notice) -> tuple[str, str]:
    """(title, body) in the current language; the body ends with the absolute link."""
    title, lines = _TEXTS[notice.rule](notice.params)
    lines.append(_("Details: %(link)s", link=absolute_link(notice)))
    return title, "\n".join(lines)


def render_for_channels(notice: Notice) -> tuple[str, str]:
    """(title, body) in Chinese, whatever language the caller runs in."""
    with force_locale("zh"):
        return render(notice)


def names(items: list[str], total: int) -> str:
    """ "A、B、C" or "A、B、C 等" (more than listed); Chinese enumeration comma in Chinese."""
    text = _(", ").join(items)
    return _("%(names)s and others", names=text) if total > len(items) else text


def _cutoff(p: dict) -> tuple[str, list[str]]:
    # The day in the title: the inbox is read on later days too.
    title = _(
        "Not yet checked at %(time)s on %(day)s: %(count)d sites",
        time=p["time"],
        day=p["day"],
        count=p["count"],
    )
    return title, [
        _(
            "%(org)s: %(count)d sites due on %(day)s have no check yet at %(time)s: %(names)s.",
            org=p["org"],
            count=p["count"],
            day=p["day"],
            time=p["time"],
            names=names(p["names"], p["count"]),
        )
    ]


def _missed(p: dict) -> tuple[str, list[str]]:
    title = _("%(count)d sites missed their check on %(day)s", count=p["count"], day=p["day"])
    lines = [
        _(
            "%(unit)s: %(count)d missed: %(names)s.",
            unit=unit["name"],
            count=unit["count"],
            names=names(unit["names"], unit["count"]),
        )
        for unit in p["units"]
    ]
    if p["unit_count"] > len(p["units"]):
        lines.append(_("%(more)d more units.", more=p["unit_count"] - len(p["units"])))
    return title, lines


def _hazard_list(p: dict) -> list[str]:
    lines = [
        _(
            "%(site)s · %(item)s · deadline %(deadline)s",
            site=h["site"],
            item=h["item"],
            deadline=h["day"],
        )
        for h in p["hazards"]
    ]
    if p["count"] > len(p["hazards"]):
        lines.append(_("%(more)d more.", more=p["count"] - len(p["hazards"])))
    return lines


def _hazard_due(p: dict) -> tuple[str, list[str]]:
    return _("%(count)d hazards are due within %(days)d days", count=p["count"], days=p["days"]), (
        _hazard_list(p)
    )


def _hazard_overdue(p: dict) -> tuple[str, list[str]]:
    return _("%(count)d hazards are overdue", count=p["count"]), _hazard_list(p)


def _hazard_supervised(p: dict) -> tuple[str, list[str]]:
    title = _("%(count)d supervised major hazards are overdue", count=p["count"])
    return title, _hazard_list(p)


def _verify_wait(p: dict) -> tuple[str, list[str]]:
    title = _(
        "%(count)d rectified hazards have waited more than %(days)d days for verification",
        count=p["count"],
        days=p["days"],
    )
    lines = [
        _("%(site)s · %(item)s · rectified %(day)s", site=h["site"], item=h["item"], day=h["day"])
        for h in p["hazards"]
    ]
    if p["count"] > len(p["hazards"]):
        lines.append(_("%(more)d more.", more=p["count"] - len(p["hazards"])))
    return title, lines


def _report_due(p: dict) -> tuple[str, list[str]]:
    title = _("The monthly report for %(month)s is not submitted yet", month=p["month"])
    return title, [_("%(org)s: it is due by %(due)s.", org=p["org"], due=p["due"])]


def _report_missing(p: dict) -> tuple[str, list[str]]:
    title = _(
        "%(count)d monthly reports for %(month)s are missing", count=p["count"], month=p["month"]
    )
    return title, [
        _(
            "Not submitted by %(due)s: %(names)s.",
            due=p["due"],
            names=names(p["names"], p["count"]),
        )
    ]


_TEXTS = {
    "cutoff": _cutoff,
    "missed": _missed,
    "hazard_due": _hazard_due,
    "hazard_overdue": _hazard_overdue,
    "hazard_supervised": _hazard_supervised,
    "verify_wait": _verify_wait,
    "report_due": _report_due,
    "report_missing": _report_missing,
}
