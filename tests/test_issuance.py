"""Frozen figures, 更正 and the quarterly/annual 通报 (report/issuance.py, report/periodic.py), on a hand-made
warehouse whose every count is written below, so each expected figure is counted by hand.

Two departments, dataset 行政处罚 only except one 行政许可 row:
                 2026-07          2026-08          2026-09                       2026-10
  gaj 公安局     100 / 90 合规    50 / 45          200 / 190 (+许可 10 / 5)      80 / 80
  swj 税务局      40 / 40         60 / 54          100 / 99                      20 / 10
"""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from dagster_project.report import ReportError
from dagster_project.report.issuance import (
    AUDIT_TABLES, IssueError, IssuedStore, copy_into_published, issued_dir, months_of, report_month,
)
from dagster_project.report.periodic import PERIOD_SHEETS, report_period

DEPTS = {"gaj": ("公安局", "市本级"), "swj": ("税务局", "中山区")}
# (department, month, dataset): records, compliant, late, date_readable, code_check, code_error, code_conflict
COUNTS = {
    ("gaj", "2026-07", "penalty"): (100, 90, 10, 100, 80, 0, 0),
    ("gaj", "2026-08", "penalty"): (50, 45, 5, 50, 40, 1, 0),
    ("gaj", "2026-09", "penalty"): (200, 190, 4, 200, 150, 0, 0),
    ("gaj", "2026-09", "license"): (10, 5, 0, 10, 10, 0, 0),
    ("gaj", "2026-10", "penalty"): (80, 80, 0, 80, 60, 0, 0),
    ("swj", "2026-07", "penalty"): (40, 40, 0, 40, 40, 0, 0),
    ("swj", "2026-08", "penalty"): (60, 54, 6, 60, 60, 0, 0),
    ("swj", "2026-09", "penalty"): (100, 99, 1, 100, 90, 0, 1),
    ("swj", "2026-10", "penalty"): (20, 10, 2, 20, 20, 0, 0),
}
COLS = ("records", "compliant_records", "late_records", "date_readable_records", "code_check_records",
        "code_error_records", "code_conflict_records")


def _ratio(a, b):
    return None if not b else a / b


def make_warehouse(path: Path, counts: dict = COUNTS) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        """create table marts.dual_disclosure_compliance (
            department varchar, department_name varchar, district varchar, month varchar,
            dataset varchar, records bigint, compliant_records bigint, compliance_rate double,
            late_records bigint, date_readable_records bigint, late_rate double, on_time_rate double,
            code_check_records bigint, code_error_records bigint, code_conflict_records bigint,
            code_error_rate double, completeness_rate double, is_missing_report boolean)""")
    for (dept, month, ds), (rec, comp, late, readable, check, err, confl) in counts.items():
        name, district = DEPTS[dept]
        con.execute(f"insert into marts.dual_disclosure_compliance values ({', '.join('?' * 18)})",
                    (dept, name, district, month, ds, rec, comp, _ratio(comp, rec), late, readable,
                     _ratio(late, readable), None, check, err, confl, _ratio(err + confl, check), 1.0, False))
    con.execute(
        """create table marts.fct_rectification_item (
            department varchar, department_name varchar, month varchar, dataset varchar,
            record_id varchar, decision_no varchar, party_name varchar, decision_date date,
            drop_date date, issue_kind varchar, rule_id varchar, rule_message_zh varchar,
            column_label_zh varchar, offending_value varchar, source_file varchar, source_row integer,
            severity varchar)""")
    con.execute(
        """create table marts.fct_rule_violation_summary (department varchar, month varchar, dataset varchar,
            rule_id varchar, rule_message_zh varchar, violation_count bigint)""")
    con.executemany("insert into marts.fct_rule_violation_summary values (?, ?, ?, ?, ?, ?)", [
        ("gaj", "2026-07", "penalty", "LATE", "超过7个工作日报送", 10),
        ("gaj", "2026-08", "penalty", "LATE", "超过7个工作日报送", 5),
        ("swj", "2026-08", "penalty", "required", "必填项为空", 6),
    ])
    con.close()
    return path


def late_data(warehouse: Path, dept: str, month: str, dataset: str, **add: int) -> None:
    """Data arriving after a month was issued: the nightly rebuild changes that month's counts in the mart."""
    con = duckdb.connect(str(warehouse))
    sets = ", ".join(f"{c} = {c} + {int(v)}" for c, v in add.items())
    con.execute(f"update marts.dual_disclosure_compliance set {sets} "
                "where department = ? and month = ? and dataset = ?", [dept, month, dataset])
    con.close()


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return make_warehouse(tmp_path / "credit.duckdb")


def sheet(xlsx: Path, name: str) -> list[dict]:
    import openpyxl

    ws = openpyxl.load_workbook(xlsx)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def pdf_text(path: Path) -> str:
    import pymupdf

    with pymupdf.open(path) as doc:
        return "".join(page.get_text() for page in doc).replace("\n", "")


# --------------------------------------------------------------------------- drafts and issues


def test_a_draft_freezes_nothing_and_says_so(warehouse, tmp_path):
    r = report_month(warehouse, "2026-09", tmp_path / "out")
    assert r.version is None and not r.issued
    assert IssuedStore(warehouse).versions("2026-09") == []
    text = pdf_text(r.files.pdf)
    assert "（草稿）" in text and "未印发" in text


def test_issue_then_late_data_then_next_month_shows_a_correction_line(warehouse, tmp_path):
    first = report_month(warehouse, "2026-09", tmp_path / "09", issue=True)
    assert first.version == 1 and first.issue.path == issued_dir(warehouse) / "2026-09" / "v1"
    assert "（草稿）" not in pdf_text(first.files.pdf)
    # late data for September: 20 more 公安局 行政处罚 records, 10 of them compliant
    late_data(warehouse, "gaj", "2026-09", "penalty", records=20, compliant_records=10, date_readable_records=20)

    october = report_month(warehouse, "2026-10", tmp_path / "10", issue=True)
    # September's figures as issued are unchanged in the store ...
    store = IssuedStore(warehouse)
    sept = {(r.department, r.dataset): r.counts.records for r in store.figures(store.latest("2026-09"))}
    assert sept == {("gaj", "penalty"): 200, ("gaj", "license"): 10, ("swj", "penalty"): 100}
    # ... and October's 上月 is what was issued: 200 + 10 + 100 = 310 records, 190 + 5 + 99 = 294 compliant
    head = {r["指标"]: r for r in sheet(october.files.xlsx, "总体情况")}
    prev_col = next(k for k in head["归集记录数（条）"] if str(k).startswith("上月"))
    assert head["归集记录数（条）"][prev_col] == 310
    assert head["合规记录数（条）"][prev_col] == 294
    # 公安局's 合规率环比: October 80/80 = 100% against September as issued 195/210 -> +7.142857 points
    # (against tonight's 205/230 it would be +10.87)
    gaj = next(r for r in sheet(october.files.xlsx, "部门排名") if r["部门编码"] == "gaj")
    assert gaj["合规率环比（百分点）"] == pytest.approx(float((1 - Fraction(195, 210)) * 100))
    # the one correction line: 2026-09 公安局 行政处罚, issued 200 -> now 220, 合规率 95.00% -> 90.91%
    assert [(c.month, c.department, c.dataset, c.issued.records, c.now.records) for c in october.corrections] == [
        ("2026-09", "gaj", "penalty", 200, 220)]
    lines = sheet(october.files.xlsx, "已通报数据变动")
    assert len(lines) == 1
    assert (lines[0]["所属月份"], lines[0]["已通报条数"], lines[0]["现条数"], lines[0]["增减（条）"]) == (
        "2026-09", 200, 220, 20)
    assert lines[0]["已通报合规率"] == pytest.approx(0.95) and lines[0]["现合规率"] == pytest.approx(200 / 220)
    text = pdf_text(october.files.pdf)
    assert "表1-1" in text and "新到迟报数据20条" in text and "90.91%" in text
    # the correction line is part of what October issued
    corr = duckdb.sql(f"select month, department, issued_records, now_records from "
                      f"read_parquet('{october.issue.path / 'corrections.parquet'}')").fetchall()
    assert corr == [("2026-09", "gaj", 200, 220)]


def test_a_change_is_reported_once_then_again_only_if_it_changes_again(warehouse, tmp_path):
    counts = {**COUNTS, ("gaj", "2026-11", "penalty"): (10, 10, 0, 10, 10, 0, 0)}
    warehouse = make_warehouse(tmp_path / "w2.duckdb", counts)
    report_month(warehouse, "2026-09", tmp_path / "09", issue=True)
    late_data(warehouse, "gaj", "2026-09", "penalty", records=20, compliant_records=10)
    assert len(report_month(warehouse, "2026-10", tmp_path / "10", issue=True).corrections) == 1
    # November: nothing new since October reported it
    assert report_month(warehouse, "2026-11", tmp_path / "11").corrections == []
    late_data(warehouse, "gaj", "2026-09", "penalty", records=5)
    again = report_month(warehouse, "2026-11", tmp_path / "11b").corrections
    assert [(c.issued.records, c.now.records) for c in again] == [(200, 225)]


def test_issuing_twice_is_refused_and_a_reissue_keeps_both_versions(warehouse, tmp_path):
    v1 = report_month(warehouse, "2026-08", tmp_path / "v1", issue=True)
    with pytest.raises(IssueError, match="--reissue"):
        report_month(warehouse, "2026-08", tmp_path / "again", issue=True)
    with pytest.raises(IssueError, match="--issue"):
        report_month(warehouse, "2026-07", tmp_path / "never", reissue=True)
    # 税务局's August: 3 records corrected to compliant (54 -> 57 of 60)
    late_data(warehouse, "swj", "2026-08", "penalty", compliant_records=3)
    v2 = report_month(warehouse, "2026-08", tmp_path / "v2", reissue=True, reason="税务局重新报送更正后的数据")
    assert v2.version == 2 and v2.superseded.version == 1

    store = IssuedStore(warehouse)
    assert [i.version for i in store.versions("2026-08")] == [1, 2]
    compliant = {i.version: {r.department: r.counts.compliant for r in store.figures(i)}
                 for i in store.versions("2026-08")}
    assert compliant == {1: {"gaj": 45, "swj": 54}, 2: {"gaj": 45, "swj": 57}}
    # the first version's documents stay as issued
    old_pdf = v1.issue.path / "documents" / v1.files.pdf.name
    assert old_pdf.is_file() and "（更正）" not in pdf_text(old_pdf)
    meta = json.loads((v2.issue.path / "issue.json").read_text(encoding="utf-8"))
    assert meta["is_correction"] and meta["supersedes_version"] == 1 and meta["reason_zh"].startswith("税务局")
    text = pdf_text(v2.files.pdf)
    assert "（更正）" in text and "更正说明" in text and "第1版" in text and "税务局重新报送更正后的数据" in text
    # 更正内容 names what changed: 税务局 合规率 90.00% -> 95.00% (54/60 -> 57/60); 公安局's figures are the
    # same (45/50), so it is listed only if its rank or 评定 moved (the ranking rules are report_* seeds)
    changed = {r["部门"]: r for r in sheet(v2.files.xlsx, "更正内容")}
    assert (changed["税务局"]["原合规率"], changed["税务局"]["更正后合规率"]) == (pytest.approx(0.9), pytest.approx(0.95))
    assert (changed["税务局"]["原报送条数"], changed["税务局"]["更正后条数"]) == (60, 60)
    old, new = (store.departments(i)["gaj"] for i in store.versions("2026-08"))
    assert ("公安局" in changed) == ((old["rank"], old["verdict"]) != (new["rank"], new["verdict"]))
    if "公安局" in changed:
        assert (changed["公安局"]["原排名"], changed["公安局"]["更正后排名"]) == (old["rank"], new["rank"])


def test_the_published_file_gets_the_issued_figures(warehouse, tmp_path):
    from dagster_project import pii

    report_month(warehouse, "2026-08", tmp_path / "v1", issue=True)
    late_data(warehouse, "swj", "2026-08", "penalty", compliant_records=3)
    report_month(warehouse, "2026-08", tmp_path / "v2", reissue=True)
    con = duckdb.connect(str(tmp_path / "published.duckdb"))
    con.execute("create schema audit")
    counts = copy_into_published(con, warehouse, pii.register_duckdb_scrub(con))
    assert set(counts) == set(AUDIT_TABLES)
    assert con.execute("select version, is_correction, supersedes_version from audit.issued_report "
                       "where period = '2026-08' order by version").fetchall() == [(1, False, None), (2, True, 1)]
    assert con.execute("select version, compliant_records from audit.issued_figure where department = 'swj' "
                       "order by version").fetchall() == [(1, 54), (2, 57)]
    con.close()
    # nothing issued yet: the tables exist, empty
    empty = duckdb.connect(str(tmp_path / "empty.duckdb"))
    empty.execute("create schema audit")
    assert set(copy_into_published(empty, tmp_path / "nothing.duckdb", lambda c: c).values()) == {0}
    empty.close()


# --------------------------------------------------------------------------- quarterly and annual


def test_a_quarter_with_a_month_not_issued_is_refused(warehouse, tmp_path):
    report_month(warehouse, "2026-07", tmp_path / "07", issue=True)
    with pytest.raises(IssueError, match="2026-08、2026-09"):
        report_period(warehouse, "2026-Q3", tmp_path / "q3")


def test_quarter_figures_are_sums_of_the_frozen_months(warehouse, tmp_path):
    for m in months_of("2026-Q3"):
        report_month(warehouse, m, tmp_path / m, issue=True)
    # late data for August after it was issued: the quarter keeps August as issued, and lists the change
    late_data(warehouse, "gaj", "2026-08", "penalty", records=30, compliant_records=30, date_readable_records=30)
    files, pd = report_period(warehouse, "2026-Q3", tmp_path / "q3")
    # 公安局 100 + 50 + 200 + 10 = 360 records, 90 + 45 + 190 + 5 = 330 compliant -> 91.67%
    # (the average of its monthly rates, (90% + 90% + 92.86%) / 3 = 90.95%, is not what is reported);
    # 税务局 40 + 60 + 100 = 200, 40 + 54 + 99 = 193 -> 96.50%; total 560 / 523 -> 93.39%
    depts = {r["部门编码"]: r for r in sheet(files.xlsx, "部门排名")}
    assert (depts["gaj"]["报送条数"], depts["gaj"]["合规条数"]) == (360, 330)
    assert depts["gaj"]["合规率"] == pytest.approx(330 / 360)
    assert (depts["swj"]["报送条数"], depts["swj"]["合规条数"]) == (200, 193)
    # ranked within their tiers (tests/test_periodic_ranking.py): 公安局 市直部门, 税务局 (中山区) 区（县）部门
    assert (depts["swj"]["分组"], depts["swj"]["排名"], depts["gaj"]["分组"], depts["gaj"]["排名"]) == (
        "区（县）部门", 1, "市直部门", 1)
    # 迟报率 from summed counts: 公安局 (10 + 5 + 4) / 360
    assert depts["gaj"]["迟报率"] == pytest.approx(19 / 360)
    head = {r["指标"]: r for r in sheet(files.xlsx, "总体情况")}
    this = next(k for k in head["归集记录数（条）"] if str(k).startswith("本期"))
    assert head["归集记录数（条）"][this] == 560 and head["合规率"][this] == pytest.approx(523 / 560)
    # month by month, as issued (August 110, not tonight's 140)
    trend = {r["报送月份"]: r["报送条数"] for r in sheet(files.xlsx, "逐月趋势")}
    assert trend == {"2026-07": 140, "2026-08": 110, "2026-09": 310}
    assert [(c.month, c.issued.records, c.now.records) for c in pd.corrections] == [("2026-08", 50, 80)]
    import openpyxl
    assert openpyxl.load_workbook(files.xlsx).sheetnames == list(PERIOD_SHEETS)
    # violations summed over the months: LATE 10 + 5
    assert {r["规则编号"]: r["违反次数"] for r in sheet(files.xlsx, "高频问题")} == {"LATE": 15, "required": 6}


def _title(period_zh: str) -> tuple[str, str]:
    """The title's two printed lines (the city comes from report_issuer.yml)."""
    from dagster_project.report.issuer import load_issuer

    return f"关于{period_zh}{load_issuer().city}信用信息", "双公示报送质量情况的通报"


def _assert_chinese_glyphs(pdf: Path, html: Path, title_lines: tuple[str, str]) -> None:
    """As tests/test_report.py proves it for the monthly 通报: the PDF embeds the CJK TrueType font and its text
    extracts back as Chinese; the HTML embeds a font whose cmap covers every Chinese character shown."""
    import base64
    import io
    import re

    import pymupdf
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    from dagster_project.report.fonts import cjk_font_path

    with pymupdf.open(pdf) as doc:
        fonts = {f[3] for page in doc for f in page.get_fonts()}
        text = "".join(page.get_text() for page in doc)
    family = TTFont(str(cjk_font_path()), fontNumber=0)["name"].getDebugName(1).replace(" ", "")
    assert any(family in name for name in fonts), (family, fonts)  # the report's CJK font, embedded
    title = "".join(title_lines)
    assert title in text.replace("\n", "") and "\ufffd" not in text
    page1 = PdfReader(pdf).pages[0]
    descriptors = [font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                   for font in page1["/Resources"]["/Font"].values()]
    embedded = ["/FontFile2" in d or "/FontFile3" in d for d in descriptors]  # font programs, not references
    assert embedded and all(embedded)
    page = html.read_text(encoding="utf-8")
    assert all(line in page for line in title_lines)
    m = re.search(r'url\("data:font/woff;base64,([A-Za-z0-9+/=]+)"\)', page)
    assert m, "the CJK font should be embedded in the HTML"
    cmap = TTFont(io.BytesIO(base64.b64decode(m.group(1)))).getBestCmap()
    for ch in set(title + "公安局税务局合规率迟报率"):
        assert ord(ch) in cmap, ch


def test_quarterly_report_renders_with_chinese_glyphs_and_can_be_issued(warehouse, tmp_path):
    for m in months_of("2026-Q3"):
        report_month(warehouse, m, tmp_path / m, issue=True)
    files, _ = report_period(warehouse, "2026-Q3", tmp_path / "q3", issue=True)
    assert files.version == 1
    _assert_chinese_glyphs(files.pdf, files.html, _title("2026年第三季度"))
    with pytest.raises(IssueError, match="--reissue"):
        report_period(warehouse, "2026-Q3", tmp_path / "q3b", issue=True)
    stored = {(r.department, r.dataset): r.counts.records for r in IssuedStore(warehouse).figures(
        IssuedStore(warehouse).latest("2026-Q3"))}
    assert stored == {("gaj", "penalty"): 350, ("gaj", "license"): 10, ("swj", "penalty"): 200}


def test_annual_report_sums_twelve_frozen_months(tmp_path):
    # every month of 2026: 公安局 m*10 records, m*10 - 1 compliant; 税务局 10 records, all compliant
    counts = {}
    for m in range(1, 13):
        counts[("gaj", f"2026-{m:02d}", "penalty")] = (m * 10, m * 10 - 1, 0, m * 10, 0, 0, 0)
        counts[("swj", f"2026-{m:02d}", "penalty")] = (10, 10, 0, 10, 0, 0, 0)
    warehouse = make_warehouse(tmp_path / "y.duckdb", counts)
    with pytest.raises(IssueError, match="2026-01"):
        report_period(warehouse, "2026", tmp_path / "y")
    # twelve issued months, frozen straight into the store (rendering twelve monthly 通报 is tested above and slow)
    store = IssuedStore(warehouse)
    for m in months_of("2026"):
        figures = [(m, "month", 1, d, DEPTS[d][0], DEPTS[d][1], ds, *c, False, 1.0)
                   for (d, mm, ds), c in counts.items() if mm == m]
        store.write(m, 1, {"period": m, "kind": "month", "version": 1, "as_of": "2027-01-01"},
                    {"issued_figure": figures}, [], tmp_path)
    files, pd = report_period(warehouse, "2026", tmp_path / "y")
    # 公安局: 10 * (1 + … + 12) = 780 records, 780 - 12 = 768 compliant; 税务局 120 / 120; total 900 / 888
    depts = {r["部门编码"]: r for r in sheet(files.xlsx, "部门排名")}
    assert (depts["gaj"]["报送条数"], depts["gaj"]["合规条数"]) == (780, 768)
    assert (depts["swj"]["报送条数"], depts["swj"]["合规条数"]) == (120, 120)
    assert (pd.md.total.records, pd.md.total.compliant) == (900, 888)
    assert len(sheet(files.xlsx, "逐月趋势")) == 12
    _assert_chinese_glyphs(files.pdf, files.html, _title("2026年"))
    assert "（草稿）" in pdf_text(files.pdf)


def test_cli_report_issue_quarter_and_refusals(warehouse, tmp_path, capsys):
    from dagster_project.cli import main

    base = ["report", "--warehouse", str(warehouse)]
    assert main(base + ["--month", "2026-07", "--out", str(tmp_path / "07"), "--issue"]) == 0
    assert "version 1" in capsys.readouterr().out
    assert main(base + ["--month", "2026-07", "--out", str(tmp_path / "07b"), "--issue"]) == 2
    assert "--reissue" in capsys.readouterr().err
    assert main(base + ["--quarter", "2026-Q3", "--out", str(tmp_path / "q3")]) == 2
    assert "2026-08" in capsys.readouterr().err
    assert main(base + ["--month", "2026-08", "--out", str(tmp_path / "08")]) == 0
    assert "draft" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(base + ["--quarter", "2026-Q5", "--out", str(tmp_path / "x")])


def test_period_formats():
    assert months_of("2026-Q3") == ["2026-07", "2026-08", "2026-09"]
    assert months_of("2026")[0] == "2026-01" and len(months_of("2026")) == 12
    with pytest.raises(ReportError):
        months_of("2026-13")


def test_publish_copies_the_store_into_the_audit_schema(warehouse, tmp_path):
    """publish() (a night's build) brings what was issued into the published file, named in audit.table_access."""
    from datetime import date

    from dagster_project.publish import publish
    from dagster_project.settings import work_db_path

    report_month(warehouse, "2026-09", tmp_path / "09", issue=True)
    target = tmp_path / "night" / "credit.duckdb"
    target.parent.mkdir()
    work = duckdb.connect(str(work_db_path(target)))  # a working database with one mart
    work.execute("create schema marts; create table marts.t as select 1 as x")
    work.close()
    (issued_dir(warehouse)).rename(issued_dir(target))  # the store beside this warehouse
    publish(target, run_id="run-1", as_of=date(2026, 10, 8))
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("select period, version, doc_no like '%〔2026〕9号' from audit.issued_report").fetchall() == [
            ("2026-09", 1, True)]
        assert con.execute("select sum(records) from audit.issued_figure where period = '2026-09'").fetchone() == (310,)
        access = dict(con.execute("select table_name, audience from audit.table_access").fetchall())
        assert {t: access.get(t) for t in AUDIT_TABLES} == {t: "internal" for t in AUDIT_TABLES}
    finally:
        con.close()


def test_quarter_rectification_progress_from_the_issued_months(warehouse, tmp_path):
    """整改进展 over a quarter from what each month's 通报 stated (marts.rectification_progress, frozen at issue):
    公安局 July: 4 open at the start, 2 opened, 1 closed, 5 open; August: 3 opened, 4 closed, 4 open (1 overdue);
    September: 0 opened, 2 closed, 2 open (2 overdue) -> 期初 4, 新增 5, 销项 7, 期末 2, 逾期 2, 完成率 7/9."""
    from dagster_project.report.issuance import _DEPARTMENT_SCHEMA

    progress = {"2026-07": (4, 2, 1, 0, 5, 0), "2026-08": (5, 3, 4, 0, 4, 1), "2026-09": (4, 0, 2, 0, 2, 2)}
    store = IssuedStore(warehouse)
    names = [n for n, _ in _DEPARTMENT_SCHEMA]
    for m in months_of("2026-Q3"):
        figures = [(m, "month", 1, d, DEPTS[d][0], DEPTS[d][1], ds, *c, False, 1.0)
                   for (d, mm, ds), c in COUNTS.items() if mm == m]
        row = dict.fromkeys(names)
        row.update(period=m, kind="month", version=1, department="gaj", department_name="公安局", district="市本级",
                   status_zh="已报送", missing_datasets=0, submission_failed=False, rectification_violations=2)
        row.update(zip(("rectification_open_at_start", "rectification_opened", "rectification_closed",
                        "rectification_withdrawn", "rectification_open", "rectification_overdue"), progress[m]))
        store.write(m, 1, {"period": m, "kind": "month", "version": 1, "as_of": "2026-10-01"},
                    {"issued_figure": figures, "issued_department": [tuple(row[n] for n in names)]}, [], tmp_path)
    files, _ = report_period(warehouse, "2026-Q3", tmp_path / "q3")
    rect = {r["部门编码"]: r for r in sheet(files.xlsx, "整改情况")}
    gaj = rect["gaj"]
    assert (gaj["期初未整改（项）"], gaj["本期新增（项）"], gaj["本期销项（项）"], gaj["期末未整改（项）"],
            gaj["期末逾期（项）"]) == (4, 5, 7, 2, 2)
    assert gaj["本期整改完成率"] == pytest.approx(7 / 9)
    assert gaj["不合规问题（条）"] == 6 and gaj["列入整改清单月数"] == 3
