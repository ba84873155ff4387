"""The managers' home (/manage): today's figures for the user's organisation, scoped."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.dashboard_fixtures import NOW, build_world, local, log_in, make_site
from webapp.extensions import db
from webapp.models.hazards import Hazard


@pytest.fixture
def world(app):
    """build_world() on Tuesday 10 March 12:00 (see tests/dashboard_fixtures.py): A3 is the
    only site checked today. Plus two unrectified hazards at A1 (one overdue) and one at B1."""
    with time_machine.travel(NOW, tick=False):
        w = build_world()
        for site, deadline in ((w["sites"]["A1"], date(2026, 3, 9)), (w["sites"]["A1"], None)):
            _hazard(site, w["insp_a"], deadline)
        _hazard(w["sites"]["B1"], w["insp_b"], date(2026, 3, 1))
        db.session.commit()
        yield w


def _hazard(site, user, deadline):
    db.session.add(
        Hazard(
            site_id=site.id,
            item_id="EVAC-02",
            category="EVAC",
            item_label="疏散通道畅通",
            found_by_id=user.id,
            found_by_org_id=user.org_id,
            found_at=local(2026, 3, 8, 9),
            status="rectifying" if deadline else "open",
            deadline=deadline,
        )
    )


def today_section(html: str) -> str:
    return html.split('id="today"')[1].split('id="inbox"')[0]


def kpis(html: str) -> list[str]:
    return [part.split("<")[0] for part in today_section(html).split('<span class="n">')[1:]]


@pytest.mark.parametrize(
    ("username", "figures", "named", "not_named"),
    [
        # Unit U-A1 today: 6 due, A3 checked; A1's two hazards, one overdue.
        ("manager_a", ["17%", "5", "2", "1"], ["人防工程A1", "人防工程A8"], ["人防工程A3"]),
        # City A: U-A1 and K1 due (K2 is sealed, due on Mondays only), A3 checked.
        ("sup_a", ["14%", "6", "2", "1"], ["人防工程K1"], ["人防工程B1", "人防工程M1"]),
        # The province: every city, 梅河口's M1 counted once; B1's overdue hazard too.
        ("prov", ["11%", "8", "3", "2"], ["人防工程B1", "人防工程M1"], ["人防工程A3"]),
    ],
)
def test_home_shows_todays_figures_in_scope(client, world, username, figures, named, not_named):
    log_in(client, username)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/manage?lang=zh").get_data(as_text=True)

    assert "今日（2026-03-10）" in html
    assert kpis(html) == figures  # completion, not checked yet, open hazards, overdue
    today = today_section(html)
    for name in named:
        assert name in today
    for name in not_named:
        assert name not in today
    assert 'class="tiles"' in html  # the menu is still there, below


def test_home_names_a_few_unchecked_sites_and_links_to_the_rest(client, world):
    log_in(client, "prov")
    with time_machine.travel(NOW, tick=False):
        for n in range(10):
            make_site(world["unit_b"], f"B-EXTRA{n}")
        db.session.commit()
        html = client.get("/manage?lang=zh").get_data(as_text=True)
    today = today_section(html)
    assert today.count("<li>") == 8  # of 18 not checked yet
    assert "另有 10 个，查看每日检查" in today and 'href="/dashboard/"' in today
