"""``flask qr-sheet`` and ``flask rotate-qr``: the operator's way to print and replace labels."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select

from tests.factories import make_site, make_tree, make_user
from webapp import qr
from webapp.extensions import db
from webapp.models import QrRotation, Role, Site


@pytest.fixture
def tree(app):
    tree = make_tree()
    db.session.commit()
    return tree


def decode_pdf(path, tmp_path) -> list[str]:
    """Every QR code on every page of the PDF, as zbar reads it (independent decoder)."""
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    found = subprocess.run(
        ["zbarimg", "--raw", "-q", *map(str, pages)], capture_output=True, text=True
    )
    return found.stdout.split()


def test_qr_sheet_for_an_org(runner, tree, tmp_path):
    sites = [make_site(tree["unit_a"]) for _ in range(3)]
    make_site(tree["unit_county"])  # under CA too
    make_site(tree["unit_b"])  # not under CA
    db.session.commit()
    out = tmp_path / "labels.pdf"
    result = runner.invoke(args=["qr-sheet", "--org", "U-A1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 labels on 1 pages" in result.output
    assert sorted(decode_pdf(out, tmp_path)) == sorted(qr.site_url(site) for site in sites)

    city = runner.invoke(args=["qr-sheet", "--org", "CA", "-o", str(tmp_path / "city.pdf")])
    assert city.exit_code == 0 and "4 labels on 1 pages" in city.output


def test_qr_sheet_for_chosen_sites(runner, tree, tmp_path):
    sites = [make_site(tree["unit_a"]) for _ in range(6)]
    db.session.commit()
    chosen = [sites[4], sites[0], sites[2], sites[1], sites[5]]
    out = tmp_path / "some.pdf"
    codes = ",".join(site.code for site in chosen)
    result = runner.invoke(args=["qr-sheet", "--org", "CA", "--sites", codes, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 labels on 2 pages" in result.output
    assert sorted(decode_pdf(out, tmp_path)) == sorted(qr.site_url(site) for site in chosen)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--org", "NOPE"], "no organisation with code 'NOPE'"),
        (["--org", "U-B1"], "U-B1 has no sites"),
        (["--org", "U-A1", "--sites", "NOPE"], "no site with code 'NOPE'"),
        (["--org", "U-A1", "--sites", "{other}"], "not in U-A1: {other}"),
        (["--org", "U-A1", "--sites", " , "], "no site codes given"),
        (["--org", "U-A1"], None),  # the control: this one works
    ],
)
def test_qr_sheet_refusals_write_nothing(runner, tree, tmp_path, args, message):
    make_site(tree["unit_a"])
    other = make_site(tree["unit_county"])
    db.session.commit()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "labels.pdf"
    args = [arg.format(other=other.code) for arg in args]
    result = runner.invoke(args=["qr-sheet", *args, "-o", str(out)])
    if message is None:
        assert result.exit_code == 0 and out.exists()
        return
    assert result.exit_code != 0
    assert message.format(other=other.code) in result.output
    assert list(folder.iterdir()) == []


def test_qr_sheet_refuses_a_missing_folder(runner, tree, tmp_path):
    make_site(tree["unit_a"])
    db.session.commit()
    result = runner.invoke(args=["qr-sheet", "--org", "U-A1", "-o", str(tmp_path / "no" / "x.pdf")])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_rotate_qr_for_a_site(runner, tree):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    manager = make_user(tree["unit_a"], Role.UNIT_MANAGER, username="li")
    db.session.commit()
    result = runner.invoke(
        args=["rotate-qr", "--site", site.code, "--user", "li", "--reason", "copied"], input="y\n"
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    site = db.session.get(Site, site.id)
    assert site.qr_token != old and site.qr_token_previous == old
    logged = db.session.execute(select(QrRotation)).scalar_one()
    assert (logged.rotated_by_id, logged.reason, logged.kind) == (manager.id, "copied", "site")
    assert old not in result.output and site.qr_token not in result.output


def test_rotate_qr_for_a_unit(runner, tree):
    sites = [make_site(tree["unit_a"]) for _ in range(3)]
    before = {site.id: site.qr_token for site in sites}
    make_user(tree["city_a"], Role.OFFICE_ADMIN, username="admin")
    db.session.commit()
    result = runner.invoke(args=["rotate-qr", "--org", "U-A1", "--user", "admin", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Rotated 3 labels" in result.output
    db.session.expire_all()
    for site_id, token in before.items():
        assert db.session.get(Site, site_id).qr_token != token
    assert db.session.scalar(select(func.count(QrRotation.id))) == 3


@pytest.mark.parametrize(
    "args, user_org, role, message",
    [
        (["--site", "{site}", "--org", "U-A1"], "unit_a", Role.UNIT_MANAGER, "exactly one of"),
        ([], "unit_a", Role.UNIT_MANAGER, "exactly one of"),
        (["--site", "NOPE"], "unit_a", Role.UNIT_MANAGER, "no site with code 'NOPE'"),
        (["--org", "NOPE"], "unit_a", Role.UNIT_MANAGER, "no organisation with code 'NOPE'"),
        (["--org", "CA"], "province", Role.OFFICE_ADMIN, "CA is not an operating unit"),
        (["--org", "U-B1"], "province", Role.OFFICE_ADMIN, "unit U-B1 has no sites"),
        (["--site", "{site}"], "unit_a", Role.INSPECTOR, "may not manage site"),
        (["--site", "{site}"], "unit_b", Role.UNIT_MANAGER, "may not manage site"),
        (["--org", "U-A1"], "city_b", Role.OFFICE_ADMIN, "may not manage unit"),
    ],
)
def test_rotate_qr_refusals_write_nothing(runner, tree, args, user_org, role, message):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    make_user(tree[user_org], role, username="who")
    db.session.commit()
    args = [arg.format(site=site.code) for arg in args]
    result = runner.invoke(args=["rotate-qr", *args, "--user", "who", "--yes"])
    assert result.exit_code != 0
    assert message in result.output
    db.session.expire_all()
    assert db.session.get(Site, site.id).qr_token == old
    assert db.session.scalar(select(func.count(QrRotation.id))) == 0


def test_rotate_qr_needs_a_known_active_user(runner, tree):
    site = make_site(tree["unit_a"])
    make_user(tree["unit_a"], Role.UNIT_MANAGER, username="gone", active=False)
    db.session.commit()
    for username in ("nobody", "gone"):
        result = runner.invoke(args=["rotate-qr", "--site", site.code, "--user", username, "--yes"])
        assert result.exit_code != 0 and f"no active user '{username}'" in result.output


def test_rotate_qr_asks_before_replacing(runner, tree):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    make_user(tree["unit_a"], Role.UNIT_MANAGER, username="li")
    db.session.commit()
    result = runner.invoke(args=["rotate-qr", "--site", site.code, "--user", "li"], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    db.session.expire_all()
    assert db.session.get(Site, site.id).qr_token == old
