"""Site import/export (webapp/services/site_io/) and its commands ``import-sites`` /
``export-sites``: formats, encodings, the round trip, and every way a file is refused."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from tests.factories import make_org, make_site
from webapp.days import today
from webapp.extensions import db
from webapp.models import OrgKind, Site
from webapp.services.site_io.exporting import export_sites
from webapp.services.site_io.format import COLUMNS, HEADERS, ImportRejected
from webapp.services.site_io.importing import import_sites
from webapp.services.site_io.reading import read_table

FIXTURES = Path(__file__).parent / "fixtures"
EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
ZH = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


@pytest.fixture
def orgs(app):
    """The demo's codes for a small tree: JL → CC → CC-NG, with units at each level."""
    province = make_org("JL", OrgKind.PROVINCE, name="吉林省人民防空办公室")
    cc = make_org("CC", OrgKind.CITY, province, name="长春市人民防空办公室")
    ng = make_org("CC-NG", OrgKind.COUNTY, cc, name="长春市南关区人民防空办公室")
    jlc = make_org("JLC", OrgKind.CITY, province, name="吉林市人民防空办公室")
    found = {
        "JL": province,
        "CC": cc,
        "CC-NG": ng,
        "JLC": jlc,
        "CC-U01": make_org("CC-U01", OrgKind.UNIT, cc),
        "CC-U04": make_org("CC-U04", OrgKind.UNIT, ng),
        "JLC-U01": make_org("JLC-U01", OrgKind.UNIT, jlc),
        "OLD-U": make_org("OLD-U", OrgKind.UNIT, cc, active=False),
    }
    db.session.commit()
    return found


def good_row(**changes) -> dict[str, str]:
    row = {
        "工程编号": "CC-0101",
        "工程名称": "人民广场地下停车场",
        "地址": "吉林省长春市朝阳区人民大街1号",
        "所属单位编号": "CC-U01",
        "构筑方式": "防空地下室",
        "建成年份": "2006",
        "用途": "停车",
        "是否出租": "是",
        "承租方": "长春市泊安停车管理有限公司",
        "租赁到期": "2028-06-30",
        "使用证到期": "2028-06-30",
        "人员密集": "否",
        "核定人数": "",
        "山地": "否",
        "低洼": "否",
        "建筑面积": "5200.0",
        "责任人": "王建国",
        "责任人电话": "13904318888",
        "状态": "在用",
        "日检起始日": "",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict], header: list[str] | None = None, encoding="utf-8") -> bytes:
    header = header or HEADERS
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode(encoding)


def site_count() -> int:
    return db.session.execute(select(func.count(Site.id))).scalar_one()


def run_import(runner, tmp_path, data: bytes, name="sites.csv", *args, env=EN):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import-sites", str(path), *args], env=env)


# --- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["sites_sample.csv", "sites_sample_bom.csv", "sites_sample_gbk.csv", "sites_sample.xlsx"],
)
def test_sample_files_import_the_same_sites(orgs, runner, name):
    result = runner.invoke(args=["import-sites", str(FIXTURES / name)], env=EN)
    assert result.exit_code == 0, result.output
    assert "4 created, 0 updated, 0 unchanged" in result.output
    mall = db.session.execute(select(Site).where(Site.code == "CC-9002")).scalar_one()
    assert (mall.name, mall.unit.code, mall.construction_type, mall.usage) == (
        "重庆路地下商业街（样例）",
        "CC-U04",
        "cut_and_cover",
        "commercial",
    )
    assert (mall.leased, mall.crowded, mall.capacity) == (True, True, 3600)
    assert (mall.lease_expires, mall.permit_expires) == (date(2027, 12, 31), date(2027, 9, 30))
    assert mall.floor_area == Decimal("6000.5")
    assert mall.responsible_phone == "0431-88886666"
    park = db.session.execute(select(Site).where(Site.code == "CC-9001")).scalar_one()
    assert park.responsible_phone == "13904318888"  # typed as a number in the XLSX
    assert park.leased is True and park.year_built == 2008
    assert (park.due_from, mall.due_from) == (date(2026, 12, 1), today() + timedelta(days=1))
    tunnel = db.session.execute(select(Site).where(Site.code == "CC-9003")).scalar_one()
    assert (tunnel.status, tunnel.low_lying, tunnel.tenant, tunnel.capacity) == (
        "sealed",
        True,
        None,
        None,
    )
    assert tunnel.early_era
    hill = db.session.execute(select(Site).where(Site.code == "JLC-9001")).scalar_one()
    assert hill.hillside and hill.construction_type == "hillside_tunnel"


def test_gbk_and_bom_files_decode_to_the_same_table():
    tables = [
        read_table(name, (FIXTURES / name).read_bytes())
        for name in ("sites_sample.csv", "sites_sample_bom.csv", "sites_sample_gbk.csv")
    ]
    assert tables[0] == tables[1] == tables[2]
    assert tables[0][0] == HEADERS


def test_english_headers_codes_and_english_labels_are_accepted(orgs, runner, tmp_path):
    aliases = [column.alias for column in COLUMNS]
    row = dict(
        zip(
            aliases,
            good_row(
                构筑方式="basement",
                用途="Parking",
                是否出租="true",
                人员密集="0",
                山地="FALSE",
                低洼="no",
                状态="in_use",
            ).values(),
            strict=True,
        )
    )
    result = run_import(runner, tmp_path, csv_bytes([row], header=aliases))
    assert result.exit_code == 0, result.output
    site = db.session.execute(select(Site).where(Site.code == "CC-0101")).scalar_one()
    assert (site.construction_type, site.usage, site.leased, site.status) == (
        "basement",
        "parking",
        True,
        "in_use",
    )


def test_optional_columns_may_be_left_out(orgs, runner, tmp_path):
    header = ["工程编号", "工程名称", "地址", "所属单位编号", "构筑方式", "用途"]
    result = run_import(runner, tmp_path, csv_bytes([good_row()], header=header))
    assert result.exit_code == 0, result.output
    site = db.session.execute(select(Site).where(Site.code == "CC-0101")).scalar_one()
    assert (site.status, site.leased, site.year_built, site.tenant) == ("in_use", False, None, None)


# --- creating and updating ----------------------------------------------------------


def test_existing_codes_are_updated_and_new_ones_created(orgs, runner, tmp_path):
    make_site(orgs["CC-U01"], "CC-0101", name="旧名称", usage="storage")
    make_site(
        orgs["CC-U01"],
        "CC-0102",
        name="不变",
        address="吉林省长春市朝阳区人民大街2号",
        year_built=2006,
        leased=False,
    )
    db.session.commit()
    same = good_row(
        工程编号="CC-0102",
        工程名称="不变",
        地址="吉林省长春市朝阳区人民大街2号",
        是否出租="否",
        承租方="",
        租赁到期="",
        使用证到期="",
        建筑面积="",
        责任人="",
        责任人电话="",
    )
    rows = [good_row(所属单位编号="CC-U04"), same, good_row(工程编号="CC-0103")]
    result = run_import(runner, tmp_path, csv_bytes(rows))
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 1 unchanged" in result.output
    db.session.expire_all()
    moved = db.session.execute(select(Site).where(Site.code == "CC-0101")).scalar_one()
    assert (moved.name, moved.usage, moved.unit.code) == ("人民广场地下停车场", "parking", "CC-U04")
    assert site_count() == 3


def test_first_day_of_checks_is_set_kept_when_blank_and_defaults_to_tomorrow(
    orgs, runner, tmp_path
):
    rows = [good_row(日检起始日="2026-12-01"), good_row(工程编号="CC-0102", 日检起始日="")]
    assert run_import(runner, tmp_path, csv_bytes(rows)).exit_code == 0
    blank = [good_row(日检起始日=""), good_row(工程编号="CC-0102", 日检起始日="")]
    result = run_import(runner, tmp_path, csv_bytes(blank))
    assert "0 created, 0 updated, 2 unchanged" in result.output
    db.session.expire_all()
    due_from = dict(db.session.execute(select(Site.code, Site.due_from)).all())
    assert due_from == {"CC-0101": date(2026, 12, 1), "CC-0102": today() + timedelta(days=1)}


def test_first_day_of_checks_cannot_move_once_checks_have_started(orgs, runner, tmp_path):
    started = today() - timedelta(days=3)
    make_site(orgs["CC-U01"], "CC-0101", due_from=started)
    make_site(orgs["CC-U01"], "CC-0102", due_from=today() + timedelta(days=5))
    db.session.commit()
    later = (today() + timedelta(days=1)).isoformat()
    moved = [good_row(日检起始日=later), good_row(工程编号="CC-0102", 日检起始日=later)]
    result = run_import(runner, tmp_path, csv_bytes(moved))
    assert result.exit_code != 0 and "Row 2, column “日检起始日”" in result.output
    assert f"started on {started.isoformat()}" in result.output and "Row 3" not in result.output
    same = started.isoformat()
    kept = [good_row(日检起始日=same), good_row(工程编号="CC-0102", 日检起始日=later)]
    assert run_import(runner, tmp_path, csv_bytes(kept)).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Site, 2).due_from == today() + timedelta(days=1)


def test_a_web_upload_can_call_the_service_within_its_org(app, orgs):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        _upload_within_org(orgs)


def _upload_within_org(orgs):
    result = import_sites(
        "upload.csv", csv_bytes([good_row(所属单位编号="CC-U04")]), within=orgs["CC-NG"]
    )
    assert result.created == ["CC-0101"]
    with pytest.raises(ImportRejected) as rejected:
        import_sites("upload.csv", csv_bytes([good_row(工程编号="CC-0102")]), within=orgs["CC-NG"])
    assert [(e.row, e.column) for e in rejected.value.errors] == [(2, "所属单位编号")]


# --- refusing bad files -------------------------------------------------------------

LONG = "长" * 121


def _with_header(header):
    return lambda: csv_bytes([good_row()], header=header)


BAD_FILES = [
    # id, file bytes (built lazily), extra args, expected (row, column, words in the reason)
    (
        "unknown unit",
        lambda: csv_bytes([good_row(所属单位编号="XX-U99")]),
        [],
        [(2, "所属单位编号", "No organisation has the code")],
    ),
    (
        "office not unit",
        lambda: csv_bytes([good_row(所属单位编号="CC-NG")]),
        [],
        [(2, "所属单位编号", "is an office, not an operating unit")],
    ),
    (
        "deactivated unit",
        lambda: csv_bytes([good_row(所属单位编号="OLD-U")]),
        [],
        [(2, "所属单位编号", "deactivated")],
    ),
    (
        "unit outside --org",
        lambda: csv_bytes([good_row(所属单位编号="JLC-U01")]),
        ["--org", "CC"],
        [(2, "所属单位编号", "outside the organisation")],
    ),
    (
        "existing site outside --org",
        lambda: csv_bytes([good_row(工程编号="JLC-0001", 所属单位编号="CC-U04")]),
        ["--org", "CC-NG"],
        [(2, "工程编号", "belongs to a unit outside")],
    ),
    (
        "duplicate code",
        lambda: csv_bytes([good_row(), good_row(工程名称="另一个")]),
        [],
        [(3, "工程编号", "Same code as row 2")],
    ),
    (
        "bad usage",
        lambda: csv_bytes([good_row(用途="游泳池")]),
        [],
        [(2, "用途", "is not one of: 停车")],
    ),
    (
        "bad construction",
        lambda: csv_bytes([good_row(构筑方式="木结构")]),
        [],
        [(2, "构筑方式", "is not one of")],
    ),
    ("bad status", lambda: csv_bytes([good_row(状态="拆除")]), [], [(2, "状态", "is not one of")]),
    (
        "bad date format",
        lambda: csv_bytes([good_row(租赁到期="2028/06/30")]),
        [],
        [(2, "租赁到期", "YYYY-MM-DD")],
    ),
    (
        "impossible date",
        lambda: csv_bytes([good_row(使用证到期="2027-02-30")]),
        [],
        [(2, "使用证到期", "YYYY-MM-DD")],
    ),
    (
        "bad year",
        lambda: csv_bytes([good_row(建成年份="二〇〇六")]),
        [],
        [(2, "建成年份", "Not a whole number")],
    ),
    (
        "future year",
        lambda: csv_bytes([good_row(建成年份="3000")]),
        [],
        [(2, "建成年份", "Must be between 1900")],
    ),
    (
        "negative capacity",
        lambda: csv_bytes([good_row(核定人数="-5")]),
        [],
        [(2, "核定人数", "Not a whole number")],
    ),
    (
        "bad area",
        lambda: csv_bytes([good_row(建筑面积="大约五千")]),
        [],
        [(2, "建筑面积", "Not a number")],
    ),
    (
        "negative area",
        lambda: csv_bytes([good_row(建筑面积="-1")]),
        [],
        [(2, "建筑面积", "between 0 and")],
    ),
    (
        "bad boolean",
        lambda: csv_bytes([good_row(是否出租="也许")]),
        [],
        [(2, "是否出租", "是 or 否")],
    ),
    ("missing name", lambda: csv_bytes([good_row(工程名称="")]), [], [(2, "工程名称", "Required")]),
    (
        "missing unit",
        lambda: csv_bytes([good_row(所属单位编号=" ")]),
        [],
        [(2, "所属单位编号", "Required")],
    ),
    (
        "long name",
        lambda: csv_bytes([good_row(工程名称=LONG)]),
        [],
        [(2, "工程名称", "Longer than 120")],
    ),
    (
        "long code",
        lambda: csv_bytes([good_row(工程编号="C" * 33)]),
        [],
        [(2, "工程编号", "Longer than 32")],
    ),
    (
        "long tenant",
        lambda: csv_bytes([good_row(承租方=LONG)]),
        [],
        [(2, "承租方", "Longer than 120")],
    ),
    (
        "bad code characters",
        lambda: csv_bytes([good_row(工程编号="CC 0101")]),
        [],
        [(2, "工程编号", "Letters, digits")],
    ),
    (
        "bad phone",
        lambda: csv_bytes([good_row(责任人电话="call me")]),
        [],
        [(2, "责任人电话", "Digits, spaces")],
    ),
    ("unknown header", _with_header([*HEADERS, "备注"]), [], [(1, "备注", "Unknown column")]),
    (
        "missing header",
        _with_header([h for h in HEADERS if h != "地址"]),
        [],
        [(1, "地址", "Missing required column")],
    ),
    ("repeated header", _with_header([*HEADERS, "name"]), [], [(1, "name", "appears twice")]),
    (
        "mistyped first day of checks",
        lambda: csv_bytes(
            [
                good_row(日检起始日="2062-12-01"),
                good_row(工程编号="CC-0102", 日检起始日="1926-12-01"),
            ]
        ),
        [],
        [(2, "日检起始日", "at most a year"), (3, "日检起始日", "2000-01-01 at the earliest")],
    ),
    ("no header", lambda: b"", [], [(None, None, "no header row")]),
    ("header only", lambda: csv_bytes([]), [], [(None, None, "contains no sites")]),
    (
        "several bad rows",
        lambda: csv_bytes(
            [
                good_row(),
                good_row(工程编号="CC-0102", 用途="游泳池", 租赁到期="明年"),
                {},  # a blank line still counts as a spreadsheet row
                good_row(工程编号="CC-0103", 建成年份="1899"),
            ]
        ),
        [],
        [(3, "用途", "not one of"), (3, "租赁到期", "YYYY-MM-DD"), (5, "建成年份", "between 1900")],
    ),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_bad_files_are_refused_with_every_reason_and_nothing_is_written(
    orgs, runner, tmp_path, case
):
    _name, build, args, expected = case
    existing = make_site(orgs["JLC-U01"], "JLC-0001", name="原有工程")
    db.session.commit()
    data = build()
    result = run_import(runner, tmp_path, data, "sites.csv", *args)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    for row, column, words in expected:
        prefix = f"Row {row}, column “{column}”:" if row is not None else ""
        assert any(line.startswith(prefix) and words in line for line in lines), (
            f"{row}/{column}/{words} not in:\n{result.output}"
        )
    assert f"{len(expected)} error(s); nothing was imported." in result.output
    db.session.expire_all()
    assert site_count() == 1
    assert db.session.get(Site, existing.id).name == "原有工程"


def test_a_valid_row_is_not_written_when_another_row_is_bad(orgs, runner, tmp_path):
    result = run_import(runner, tmp_path, csv_bytes([good_row(), good_row(工程编号="X", 用途="?")]))
    assert result.exit_code != 0
    assert site_count() == 0


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("sites.txt", b"code,name\n", "Only .csv and .xlsx files can be imported."),
        ("sites.xlsx", b"PK\x03\x04 not really a workbook", "Not a readable .xlsx file."),
    ],
)
def test_unreadable_files_are_refused(orgs, runner, tmp_path, name, data, words):
    result = run_import(runner, tmp_path, data, name)
    assert result.exit_code != 0
    assert words in result.output


def test_errors_are_reported_in_chinese_under_a_chinese_locale(orgs, runner, tmp_path):
    result = run_import(runner, tmp_path, csv_bytes([good_row(用途="游泳池")]), env=ZH)
    assert result.exit_code != 0
    assert "第2行，“用途”列：" in result.output
    assert "未导入任何数据" in result.output


def test_unknown_org_option_is_refused(orgs, runner, tmp_path):
    result = run_import(runner, tmp_path, csv_bytes([good_row()]), "sites.csv", "--org", "NOPE")
    assert result.exit_code != 0 and "NOPE" in result.output
    assert site_count() == 0


# --- exporting and the round trip ---------------------------------------------------


def _varied_sites(orgs) -> None:
    make_site(
        orgs["CC-U01"],
        "CC-0001",
        name="人民广场地下停车场",
        year_built=2006,
        leased=True,
        tenant="长春市泊安停车管理有限公司",
        lease_expires=date(2028, 6, 30),
        permit_expires=date(2028, 3, 31),
        floor_area=Decimal("5200.5"),
        responsible_person="王建国",
        responsible_phone="13904318888",
    )
    make_site(
        orgs["CC-U04"],
        "CC-0002",
        name='重庆路地下商业街, "二期"',
        usage="commercial",
        construction_type="cut_and_cover",
        crowded=True,
        capacity=3600,
        low_lying=True,
        floor_area=Decimal("6000"),
        status="suspended",
    )
    make_site(
        orgs["JLC-U01"],
        "JLC-0001",
        name="北山早期人防坑道",
        usage="idle",
        construction_type="hillside_tunnel",
        year_built=1969,
        hillside=True,
        status="sealed",
    )
    make_site(orgs["JLC-U01"], "JLC-0002", name="年份不详的仓库", usage="storage", year_built=None)
    db.session.commit()


def _export(runner, path: Path, *args) -> None:
    result = runner.invoke(args=["export-sites", *args, "-o", str(path)], env=EN)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_gives_the_same_data(orgs, runner, tmp_path, suffix):
    _varied_sites(orgs)
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    _export(runner, first)
    for site in db.session.execute(select(Site)).scalars():
        db.session.delete(site)
    db.session.commit()
    assert site_count() == 0  # an empty database with the same organisations

    result = runner.invoke(args=["import-sites", str(first)], env=EN)
    assert result.exit_code == 0, result.output
    assert "4 created" in result.output
    _export(runner, second)

    first_rows = read_table(first.name, first.read_bytes())
    assert len(first_rows) == 5
    assert first_rows == read_table(second.name, second.read_bytes())
    if suffix == ".csv":
        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel shows the Chinese


def test_xlsx_export_has_typed_cells(orgs, runner, tmp_path):
    _varied_sites(orgs)
    path = tmp_path / "sites.xlsx"
    _export(runner, path)
    sheet = load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS
    first = {name: cell.value for name, cell in zip(header, sheet[2], strict=True)}
    assert first["建成年份"] == 2006
    assert first["租赁到期"].date() == date(2028, 6, 30)
    assert first["责任人电话"] == "13904318888"
    assert (first["构筑方式"], first["用途"], first["是否出租"], first["状态"]) == (
        "防空地下室",
        "停车",
        "是",
        "在用",
    )


def test_export_of_one_org_holds_its_subtree_only(orgs, runner, tmp_path):
    _varied_sites(orgs)
    path = tmp_path / "cc.csv"
    result = runner.invoke(args=["export-sites", "--org", "CC", "-o", str(path)], env=EN)
    assert result.exit_code == 0
    assert "Wrote 2 sites" in result.output
    codes = [row[0] for row in read_table(path.name, path.read_bytes())[1:]]
    assert codes == ["CC-0001", "CC-0002"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--org", "NOPE", "-o", "x.csv"], "NOPE"),
        (["-o", "x.txt"], "Only .csv and .xlsx files can be written."),
    ],
)
def test_export_refuses_bad_arguments(orgs, runner, tmp_path, args, words):
    args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    result = runner.invoke(args=["export-sites", *args], env=EN)
    assert result.exit_code != 0 and words in result.output


def test_export_service_returns_bytes_and_count(orgs):
    _varied_sites(orgs)
    data, count = export_sites("all.xlsx", within=orgs["JLC"])
    assert count == 2
    assert load_workbook(io.BytesIO(data)).worksheets[0].max_row == 3


def test_an_exported_name_that_looks_like_a_formula_stays_text(orgs):
    name = '=HYPERLINK("http://x","y")'
    make_site(orgs["CC-U01"], "CC-0009", name=name, tenant="@SUM(1+1)")
    data, _count = export_sites("all.xlsx")
    cells = [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows() for cell in row]
    assert name in [cell.value for cell in cells]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []


def test_a_csv_export_never_hands_a_formula_to_excel_and_imports_back_as_typed(orgs):
    """Excel and WPS run a CSV cell starting with = + - @ as a formula: such a cell gets a
    leading apostrophe on export, which the import takes off again."""
    name, tenant = '=HYPERLINK("http://x","y")', "@SUM(1+1)"
    make_site(orgs["CC-U01"], "CC-0009", name=name, tenant=tenant, responsible_phone="+86 431 8890")
    db.session.commit()
    data, _count = export_sites("all.csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + name in cells and "'" + tenant in cells and "'+86 431 8890" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]

    db.session.execute(delete(Site))
    db.session.commit()
    import_sites("all.csv", data)
    site = db.session.execute(select(Site).where(Site.code == "CC-0009")).scalar_one()
    assert (site.name, site.tenant, site.responsible_phone) == (name, tenant, "+86 431 8890")


def test_too_many_rows_are_refused(orgs, runner, tmp_path, monkeypatch):
    from webapp.services.site_io import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    rows = [good_row(工程编号=f"CC-010{n}") for n in range(3)]
    result = run_import(runner, tmp_path, csv_bytes(rows))
    assert result.exit_code != 0
    assert "At most 2 sites can be imported at once." in result.output
    assert site_count() == 0


def test_a_csv_the_reader_cannot_parse_is_refused(orgs, runner, tmp_path):
    data = csv_bytes([good_row(地址="长" * 200_000)])  # past the csv module's field limit
    result = run_import(runner, tmp_path, data)
    assert result.exit_code != 0
    assert "Not a readable CSV file" in result.output
    assert site_count() == 0
