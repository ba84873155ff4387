"""``flask create-org``: organisations from the command line (the province office of an
empty database, and the tree below it), and every way it refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_org, make_tree
from webapp.extensions import db
from webapp.models import Organisation, OrgKind

EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
ZH = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


@pytest.fixture
def tree(app):
    found = make_tree()
    make_org("OFF", OrgKind.CITY, found["province"], active=False)
    db.session.commit()
    return found


def create(runner, *args, env=EN):
    return runner.invoke(args=["create-org", *args], env=env)


def org(code: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def org_count() -> int:
    return db.session.scalar(select(func.count(Organisation.id)))


def test_the_province_office_of_an_empty_database(app, runner):
    result = create(runner, "JL", "吉林省人民防空办公室", "--kind", "province", "--phone", "0431-1")
    assert result.exit_code == 0, result.output
    assert "Created JL 吉林省人民防空办公室 (Province)." in result.output
    province = org("JL")
    assert (province.kind, province.parent, province.path, province.phone, province.active) == (
        "province",
        None,
        "/JL/",
        "0431-1",
        True,
    )


@pytest.mark.parametrize(
    ("args", "kind", "path"),
    [
        (["CC", "长春市人民防空办公室", "--kind", "city", "--parent", "JL"], "city", "/JL/CC/"),
        (["ca-x", "某区人防办", "--kind", "县区级", "--parent", "ca"], "county", "/JL/CA/CA-X/"),
        (["U-K2", "区属单位", "--kind", "unit", "--parent", "CA-K"], "unit", "/JL/CA/CA-K/U-K2/"),
        (["U-P2", "省直属单位", "--kind", "Operating unit", "--parent", "JL"], "unit", "/JL/U-P2/"),
    ],
)
def test_an_organisation_below_another(tree, runner, args, kind, path):
    result = create(runner, *args)
    assert result.exit_code == 0, result.output
    created = org(args[0].upper())  # codes are kept in capitals, as on the page
    assert (created.kind, created.path, created.name) == (kind, path, args[1])
    assert f"Created {args[0].upper()} {args[1]} (" in result.output
    assert f") below {created.parent.code} {created.parent.name}." in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["X", "某", "--kind", "boss"], "Unknown kind “boss”; use one of: province, city"),
        (["X", "某", "--kind", "city", "--parent", "NOPE"], "No organisation has the code “NOPE”."),
        (["X", "某", "--kind", "city"], "Only a province office has no parent organisation."),
        (["X", "某", "--kind", "unit"], "Only a province office has no parent organisation."),
        (["CA", "又一个", "--kind", "city", "--parent", "JL"], "already used by another"),
        (["u-a1", "又一个", "--kind", "unit", "--parent", "CB"], "already used by another"),
        (["JL", "又一个省", "--kind", "province"], "already used by another"),
        (
            ["X", "某", "--kind", "province", "--parent", "JL"],
            "cannot be placed there. Below JL (Province) only: city (City level), county",
        ),
        (
            ["X", "某", "--kind", "city", "--parent", "CA"],
            "Below CA (City level) only: county (County level), unit (Operating unit).",
        ),
        (["X", "某", "--kind", "unit", "--parent", "U-A1"], "Nothing can be placed below"),
        (
            ["X", "某", "--kind", "unit", "--parent", "OFF"],
            "The parent organisation is deactivated.",
        ),
        (["A/B", "某", "--kind", "unit", "--parent", "CA"], "Code: Letters, digits, - and _ only."),
        (["_AB", "某", "--kind", "unit", "--parent", "CA"], "Code: Letters, digits, - and _ only."),
        (["C" * 33, "某", "--kind", "unit", "--parent", "CA"], "Code: At most 32 characters."),
        (["X", " ", "--kind", "unit", "--parent", "CA"], "Name: This field is required."),
        (["X", "名" * 121, "--kind", "unit", "--parent", "CA"], "Name: At most 120 characters."),
        (
            ["X", "某", "--kind", "unit", "--parent", "CA", "--phone", "call me"],
            "Phone: Digits, spaces, +, - and brackets only.",
        ),
    ],
)
def test_bad_organisations_are_refused_and_nothing_is_written(tree, runner, args, words):
    before = org_count()
    result = create(runner, *args)
    assert result.exit_code == 1, result.output
    assert words in result.output
    assert org_count() == before


def test_a_tree_too_deep_for_the_code_is_refused(app, runner):
    parent = None
    for depth in range(12):  # 12 levels of 32-character codes fill the 400-character path
        kind = OrgKind.PROVINCE if parent is None else OrgKind.COUNTY
        parent = make_org(f"{depth:02d}".ljust(32, "Q"), kind, parent)
    db.session.commit()
    result = create(runner, "U" * 32, "单位", "--kind", "unit", "--parent", parent.code)
    assert result.exit_code == 1
    assert "The tree is too deep for this code" in result.output


def test_messages_follow_a_chinese_locale(tree, runner):
    result = create(runner, "X", "某", "--kind", "city", "--parent", "CA", env=ZH)
    assert result.exit_code == 1
    assert "该层级的组织不能设在此上级之下。 CA（市州级）下只能设：" in result.output
    result = create(runner, "X", "某", "--kind", "city", env=ZH)
    assert "只有省级人防办没有上级组织。" in result.output
    result = create(runner, "CA-Y", "某区人防办", "--kind", "county", "--parent", "CA", env=ZH)
    assert result.exit_code == 0
    assert "已在 CA 甲市人防办 下创建 CA-Y 某区人防办（县区级）。" in result.output
