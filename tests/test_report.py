"""Tests of the monthly 通报 renderer (dagster_project.report) on a hand-made warehouse.

Fixture: 4 departments over 2026-01..2026-03 (+ 2026-04 where nothing arrived at all).
In 2026-03:
  scjgj      市场监督管理局        合规率 99.00%, 迟报率 0.60%  -> 表扬
  swj        税务局                合规率 96.50%, 迟报率 2.50%  -> neither
  zsq_scjgj  中山区市场监督管理局  合规率 90.00%, 迟报率 5.88%, 重错码率 2.000% -> 通报批评 (3 reasons)
  xgq_scjgj  西岗区市场监督管理局  100% / 0% but 行政许可 漏报 -> 通报批评 (not praised)
"""
from __future__ import annotations

import re
import warnings
import zipfile
from datetime import date
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from dagster_project.report import (
    MAIN_SHEETS,
    RECTIFICATION_DIR,
    RECTIFICATION_SHEETS,
    NoDataError,
    ReportError,
    ReportFiles,
    render_monthly_report,
)

MONTH = "2026-03"
INJECTION = '=HYPERLINK("http://x","y")'

DEPTS = {
    "scjgj": ("市场监督管理局", "市本级"),
    "swj": ("税务局", "市本级"),
    "zsq_scjgj": ("中山区市场监督管理局", "中山区"),
    "xgq_scjgj": ("西岗区市场监督管理局", "西岗区"),
}

# (department, month, dataset): records, compliant, late, date_readable, code_check, code_error,
# code_conflict, completeness; None = 漏报 (is_missing_report)
COUNTS = {
    ("scjgj", "2026-01", "penalty"): (150, 140, 5, 150, 100, 0, 0, 0.97),
    ("scjgj", "2026-01", "license"): (250, 240, 6, 250, 200, 0, 0, 0.98),
    ("swj", "2026-01", "penalty"): (90, 88, 1, 90, 80, 0, 0, 0.95),
    ("swj", "2026-01", "license"): (60, 59, 0, 60, 50, 0, 0, 0.96),
    ("zsq_scjgj", "2026-01", "penalty"): (40, 35, 4, 40, 30, 1, 0, 0.90),
    ("zsq_scjgj", "2026-01", "license"): None,
    ("scjgj", "2026-02", "penalty"): (180, 175, 2, 180, 140, 0, 0, 0.98),
    ("scjgj", "2026-02", "license"): (220, 216, 2, 220, 200, 0, 0, 0.99),
    ("swj", "2026-02", "penalty"): (100, 98, 2, 100, 90, 0, 0, 0.97),
    ("swj", "2026-02", "license"): (100, 95, 4, 100, 90, 0, 0, 0.97),
    ("zsq_scjgj", "2026-02", "penalty"): (60, 57, 3, 60, 50, 0, 0, 0.93),
    ("zsq_scjgj", "2026-02", "license"): (40, 38, 1, 40, 30, 0, 0, 0.94),
    ("xgq_scjgj", "2026-02", "penalty"): (40, 39, 0, 40, 30, 0, 0, 0.99),
    ("xgq_scjgj", "2026-02", "license"): (10, 10, 0, 10, 10, 0, 0, 0.99),
    ("scjgj", MONTH, "penalty"): (200, 198, 1, 200, 150, 0, 0, 0.99),
    ("scjgj", MONTH, "license"): (300, 297, 2, 300, 280, 0, 0, 0.985),
    ("swj", MONTH, "penalty"): (100, 97, 2, 100, 80, 0, 0, 0.96),
    ("swj", MONTH, "license"): (100, 96, 3, 100, 70, 0, 0, 0.97),
    ("zsq_scjgj", MONTH, "penalty"): (80, 70, 6, 79, 60, 1, 1, 0.91),
    ("zsq_scjgj", MONTH, "license"): (40, 38, 1, 40, 40, 0, 0, 0.95),
    ("xgq_scjgj", MONTH, "penalty"): (50, 50, 0, 50, 40, 0, 0, 1.0),
    ("xgq_scjgj", MONTH, "license"): None,
    ("scjgj", "2026-04", "penalty"): None,
    ("swj", "2026-04", "penalty"): None,
}

ITEMS = [
    # department, dataset, record_id, decision_no, party, decision_date, drop_date, kind, rule_id,
    # rule_message_zh, column_label_zh, offending_value, source_file, source_row
    ("zsq_scjgj", "penalty", "r1", "中市监罚〔2026〕11号", "大连某某贸易有限公司", date(2026, 3, 2),
     date(2026, 3, 5), "violation", "uscc_checksum", "统一社会信用代码校验位错误", "统一社会信用代码",
     "91210200MA0XXXXX1", "zsq_penalty_202603.csv", 2),
    ("zsq_scjgj", "penalty", "r2", "中市监罚〔2026〕12号", "大连某某餐饮店", date(2026, 3, 3),
     date(2026, 3, 5), "violation", "penalty_type_code", "处罚类别不在规定的代码表内", "处罚类别",
     INJECTION, "zsq_penalty_202603.csv", 3),
    ("zsq_scjgj", "penalty", "r3", "中市监罚〔2026〕13号", "大连某某物流有限公司", date(2026, 2, 2),
     date(2026, 3, 5), "late", "late_7wd", "超过决定日期后7个工作日报送", "处罚决定日期",
     "2026-02-02", "zsq_penalty_202603.csv", 4),
    ("zsq_scjgj", "license", "r4", "中市监许〔2026〕5号", "大连某某科技有限公司", date(2026, 3, 9),
     date(2026, 3, 12), "violation", "amount_format", "罚款金额应为数字（单位：万元）", "罚款金额（万元）",
     "+86 1000", "zsq_license_202603.xlsx", 7),
    ("zsq_scjgj", "license", "r5", "中市监许〔2026〕6号", "大连某某商店", date(2026, 3, 9),
     date(2026, 3, 12), "violation", "required", "必填项为空", "许可内容", "@SUM(A1)",
     "zsq_license_202603.xlsx", 8),
    ("scjgj", "penalty", "s1", "大市监罚〔2026〕101号", "大连某某酒店有限公司", date(2026, 3, 10),
     date(2026, 3, 13), "violation", "uscc_checksum", "统一社会信用代码校验位错误", "统一社会信用代码",
     "-12345", "scjgj_penalty_202603.csv", 15),
    ("scjgj", "penalty", "s2", "大市监罚〔2026〕102号", "大连某某宾馆", date(2026, 3, 10),
     date(2026, 3, 13), "violation", "AMOUNT_LOOKS_LIKE_YUAN", "罚款金额疑似以元为单位填报（应为万元）",
     "罚款金额（万元）", "50000", "scjgj_penalty_202603.csv", 16),
]
WARN_RULES = {"AMOUNT_LOOKS_LIKE_YUAN"}  # severity 'warn': listed, but not non-compliance

VIOLATIONS = [
    ("zsq_scjgj", MONTH, "penalty", "uscc_checksum", "统一社会信用代码校验位错误", 6),
    ("zsq_scjgj", MONTH, "penalty", "penalty_type_code", "处罚类别不在规定的代码表内", 4),
    ("zsq_scjgj", MONTH, "license", "amount_format", "罚款金额应为数字（单位：万元）", 1),
    ("zsq_scjgj", MONTH, "license", "required", "必填项为空", 1),
    ("scjgj", MONTH, "penalty", "uscc_checksum", "统一社会信用代码校验位错误", 2),
    ("scjgj", MONTH, "license", "date_order", "有效期至早于有效期自", 3),
    ("swj", MONTH, "penalty", "required", "必填项为空", 3),
    ("swj", MONTH, "license", "date_order", "有效期至早于有效期自", 4),
    ("scjgj", "2026-02", "penalty", "required", "必填项为空", 9),
    # the late rule's message names the working days, so one rule has several messages
    ("zsq_scjgj", MONTH, "penalty", "LATE", "超过7个工作日报送（决定日期后第12个工作日报送）", 5),
    ("zsq_scjgj", MONTH, "penalty", "LATE", "超过7个工作日报送（决定日期后第9个工作日报送）", 1),
    ("scjgj", MONTH, "license", "LATE", "超过7个工作日报送（决定日期后第9个工作日报送）", 1),
]


def _ratio(a, b):
    return None if not b else a / b


def build_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        """create table marts.dual_disclosure_compliance (
            department varchar, department_name varchar, district varchar, month varchar,
            dataset varchar, records bigint, compliant_records bigint, compliance_rate double,
            late_records bigint, date_readable_records bigint, late_rate double, on_time_rate double,
            code_check_records bigint, code_error_records bigint, code_conflict_records bigint,
            code_error_rate double, completeness_rate double, is_missing_report boolean)"""
    )
    for (dept, month, ds), c in COUNTS.items():
        name, district = DEPTS[dept]
        if c is None:
            row = (dept, name, district, month, ds, 0, 0, None, 0, 0, None, None, 0, 0, 0, None, None, True)
        else:
            rec, comp, late, readable, check, err, confl, complete = c
            row = (dept, name, district, month, ds, rec, comp, _ratio(comp, rec), late, readable,
                   _ratio(late, readable), _ratio(readable - late, readable), check, err, confl,
                   _ratio(err + confl, check), complete, False)
        con.execute(f"insert into marts.dual_disclosure_compliance values ({', '.join('?' * 18)})", row)
    con.execute(
        """create table marts.fct_rectification_item (
            department varchar, department_name varchar, month varchar, dataset varchar,
            record_id varchar, decision_no varchar, party_name varchar, decision_date date,
            drop_date date, issue_kind varchar, rule_id varchar, rule_message_zh varchar,
            column_label_zh varchar, offending_value varchar, source_file varchar, source_row integer,
            severity varchar)"""
    )
    for it in ITEMS:
        dept, ds, *rest = it
        con.execute(
            f"insert into marts.fct_rectification_item values ({', '.join('?' * 17)})",
            (dept, DEPTS[dept][0], MONTH, ds, *rest, "warn" if it[8] in WARN_RULES else "error"),
        )
    con.execute(
        """create table marts.fct_rule_violation_summary (
            department varchar, month varchar, dataset varchar, rule_id varchar,
            rule_message_zh varchar, violation_count bigint)"""
    )
    con.executemany("insert into marts.fct_rule_violation_summary values (?, ?, ?, ?, ?, ?)", VIOLATIONS)
    con.close()
    return path


def dept_counts(dept: str, month: str = MONTH) -> tuple[int, ...]:
    rows = [c for (d, m, _), c in COUNTS.items() if d == dept and m == month and c is not None]
    return tuple(sum(r[i] for r in rows) for i in range(7))


def pct(fr: Fraction, digits: int = 2) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    d = Decimal(fr.numerator * 100) / Decimal(fr.denominator)
    return f"{d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def report(warehouse, tmp_path_factory) -> ReportFiles:
    return render_monthly_report(warehouse, MONTH, tmp_path_factory.mktemp("out") / "通报")


def pdf_text(path: Path) -> list[str]:
    import pymupdf

    with pymupdf.open(path) as doc:  # without the page numbers (— 1 —), which split sentences across pages
        return [re.sub(r"^— \d+ —\n?", "", page.get_text(), flags=re.M) for page in doc]


def squash(text: str) -> str:
    """Text without whitespace: table cells wrap names and figures over lines."""
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- files


def test_files_written(report: ReportFiles):
    out = report.pdf.parent
    stem = f"信用信息双公示报送质量通报_{MONTH}"
    assert report.html == out / f"{stem}.html"
    assert report.pdf == out / f"{stem}.pdf"
    assert report.xlsx == out / f"{stem}.xlsx"
    for p in report.all_files():
        assert p.is_file() and p.stat().st_size > 0, p
    assert report.rectification_dir == out / RECTIFICATION_DIR
    assert sorted(p.name for p in report.rectification_dir.iterdir()) == [
        f"scjgj_市场监督管理局_{MONTH}.xlsx",
        f"zsq_scjgj_中山区市场监督管理局_{MONTH}.xlsx",
    ]
    assert report.summary.rectification_departments == ("scjgj", "zsq_scjgj")
    assert report.rectification_for("zsq_scjgj").name.startswith("zsq_scjgj_")
    # every field is a path, a tuple of paths, or the summary (the CLI prints them all)
    assert str(report.summary) == (
        "2026-03：归集870条，合规率97.24%，迟报率1.73%；表扬1个（市场监督管理局），"
        "通报批评2个（西岗区市场监督管理局、中山区市场监督管理局）；整改清单2份"
    )


# --------------------------------------------------------------------------- PDF


def test_pdf_opens_is_a4_and_every_page_renders(report: ReportFiles):
    import pymupdf
    from pypdf import PdfReader

    reader = PdfReader(report.pdf)
    n = len(reader.pages)
    assert n >= 3
    with pymupdf.open(report.pdf) as doc:
        assert doc.page_count == n
        for i, page in enumerate(doc, start=1):
            assert page.rect.width == pytest.approx(595.28, abs=0.5)  # A4 portrait, in points
            assert page.rect.height == pytest.approx(841.89, abs=0.5)
            pix = page.get_pixmap(dpi=50)
            assert pix.width > 0 and pix.height > 0
            assert len(set(pix.samples)) > 2, f"page {i} is blank"
            text = page.get_text()
            assert f"— {i} —" in text  # page numbers as GB/T 9704 prints them


def test_pdf_text_has_departments_figures_and_verdicts(report: ReportFiles):
    pages = pdf_text(report.pdf)
    text = squash("".join(pages))
    assert "关于2026年3月大连市信用信息双公示报送质量情况的通报" in text
    assert "大信用通〔2026〕3号" in text  # report_issuer.yml
    for name, _ in DEPTS.values():
        assert name in text
    # per-department 合规率 / 迟报率, recomputed here from the fixture's counts
    for dept in DEPTS:
        rec, comp, late, readable, check, err, confl = dept_counts(dept)
        assert pct(Fraction(comp, rec)) in text, dept
        assert pct(Fraction(late, readable)) in text, dept
    assert "5.88%" in text and "2.000%" in text  # zsq_scjgj 迟报率, 重错码率
    # headline figures
    totals = [sum(x) for x in zip(*(dept_counts(d) for d in DEPTS))]
    assert totals[0] == 870
    assert "共归集“双公示”信用信息870条" in text
    assert f"合规率{pct(Fraction(totals[1], totals[0]))}" in text  # 97.24%
    assert f"迟报率{pct(Fraction(totals[2], totals[3]))}" in text
    assert "应报送部门4个，实际报送4个；漏报1项，涉及1个部门" in text

    # 表扬 / 通报批评 as the thresholds say
    assert report.praised == ("scjgj",)
    assert report.criticised == ("xgq_scjgj", "zsq_scjgj")  # in ranking order
    assert "对市场监督管理局1个部门予以表扬" in text
    assert "对西岗区市场监督管理局、中山区市场监督管理局2个部门予以通报批评" in text
    praise = text[text.index("表5表扬名单") : text.index("表6通报批评名单")]
    praise = praise[: praise.rindex("对西岗区")]  # table 5 only, without the next sentence
    assert "市场监督管理局" in praise
    assert "西岗区" not in praise and "中山区" not in praise and "税务局" not in praise
    assert "合规率不低于98%（本月合规率99.00%）" in praise
    criticise = text[text.index("表6通报批评名单") : text.index("五、趋势和高频问题")]
    assert "西岗区市场监督管理局" in criticise and "中山区市场监督管理局" in criticise
    assert "税务局" not in criticise
    assert "存在漏报（未报送：行政许可）" in criticise
    for reason in ("合规率低于95%（本月合规率90.00%）", "迟报率高于5%", "重错码率高于0.005%"):
        assert reason in criticise
    # thresholds and definitions are printed so anyone can recompute
    for s in ("附表1表扬与通报批评标准", "附表2指标口径", "按合规率从高到低排序"):
        assert s in text
    assert "compliance_rate" not in text  # field names stay in the Excel
    # the most frequent violation is named; the late rule counts as one rule (5 + 1 + 1)
    assert "违反次数最多的规则是“统一社会信用代码校验位错误”，共8次" in text
    assert "超过7个工作日报送72" in text  # label, count, departments (the rule id only in the Excel)
    assert "LATE" not in text
    assert "第12个工作日报送" not in text


def test_ranking_order_and_month_on_month(report: ReportFiles):
    import openpyxl

    ws = openpyxl.load_workbook(report.xlsx)["部门排名"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    # 市直部门 and 区（县）部门 ranked apart, by the composite score (seed report_ranking_weights 0.5/0.3/0.2):
    # 市场监管 50·0.99 + 30·(1 − 3/500) + 20·1 = 99.32 > 税务 48.25 + 30·0.975 + 20 = 97.50;
    # 西岗区 100 (but 漏报: criticised) and 中山区 45 + 30·112/119 + 20·0.98 = 92.84, both criticised
    assert [r["部门编码"] for r in rows] == ["scjgj", "swj", "xgq_scjgj", "zsq_scjgj"]
    assert [r["分组"] for r in rows] == ["市直部门", "市直部门", "区（县）部门", "区（县）部门"]
    assert [r["排名"] for r in rows] == [1, 2, 1, 2]
    assert [r["综合得分"] for r in rows] == ["99.32", "97.50", "100.00", "92.84"]
    sc = rows[0]
    assert sc["合规率"] == pytest.approx(0.99)
    # 2026-02: 391/400 = 97.75%  ->  +1.25 百分点
    assert sc["合规率环比（百分点）"] == pytest.approx(1.25)
    assert sc["评定"] == "表扬" and rows[2]["评定"] == "通报批评" and rows[1]["评定"] is None


# --------------------------------------------------------------------------- CJK glyphs


def test_font_comes_from_the_mplfonts_package():
    import mplfonts

    from dagster_project.report.fonts import cjk_font_path

    path = cjk_font_path()
    assert path.name == "NotoSerifCJKsc-Regular.otf"  # OFL: may be redistributed
    assert Path(mplfonts.__file__).resolve().parent in path.parents
    assert not str(path).startswith(("/usr/share", "/usr/local/share", "/etc"))


def _render_title(fname: str) -> tuple[bytes, list[str]]:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = Figure(figsize=(3, 1), dpi=100)
        FigureCanvasAgg(fig)
        fig.suptitle("合规率与迟报率趋势", fontproperties=FontProperties(fname=fname, size=14))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue(), [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_renders_as_glyphs_not_boxes(report: ReportFiles):
    import matplotlib
    import pymupdf
    from pypdf import PdfReader

    from dagster_project.report.fonts import cjk_font_path

    cjk_png, cjk_missing = _render_title(str(cjk_font_path()))
    assert cjk_missing == []
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"  # no CJK glyphs
    box_png, box_missing = _render_title(str(dejavu))
    assert box_missing, "a font without CJK should have warned about missing glyphs"
    assert cjk_png != box_png

    # the PDF embeds the CJK TrueType font (subset) and its text extracts back as Chinese
    with pymupdf.open(report.pdf) as doc:
        fonts = {f[3] for page in doc for f in page.get_fonts()}
        assert any(name.endswith("NotoSerifCJKSC") for name in fonts), fonts  # 宋体-style body
        assert any(name.endswith("NotoSansCJKSCRegular") for name in fonts), fonts  # 黑体-style headings
        first = doc[0].get_text()
    assert "市公共信用信息中心" in first and "总体情况" in first
    reader = PdfReader(report.pdf)
    page1 = reader.pages[0]
    font_files = []
    for font in page1["/Resources"]["/Font"].values():
        desc = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        font_files.append("/FontFile2" in desc or "/FontFile3" in desc)
    assert font_files and all(font_files)  # embedded font programs, not references
    assert "信用信息双公示报送质量情况的通报" in squash(first)
    assert "\ufffd" not in first


def test_html_is_self_contained_with_cjk_font(report: ReportFiles):
    import base64
    import io

    from fontTools.ttLib import TTFont

    html = report.html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "关于2026年3月大连市信用信息" in html and "双公示报送质量情况的通报" in html
    for name, _ in DEPTS.values():
        assert name in html
    assert "99.00%" in html and "<thead>" in html and "<script" not in html
    assert html.count("data:image/png;base64,") == 2  # both charts inline
    m = re.search(r'url\("data:font/woff;base64,([A-Za-z0-9+/=]+)"\)', html)
    assert m, "CJK font should be embedded"
    font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
    cmap = font.getBestCmap()
    for ch in "".join(n for n, _ in DEPTS.values()) + "合规率迟报率重错码率表扬通报批评":
        assert ord(ch) in cmap, ch


# --------------------------------------------------------------------------- Excel


def test_excel_sheets_numbers_and_formats(report: ReportFiles):
    import openpyxl

    wb = openpyxl.load_workbook(report.xlsx)
    assert wb.sheetnames == list(MAIN_SHEETS)
    head = wb["总体情况"]
    values = {r[0].value: r for r in head.iter_rows(min_row=2)}
    assert values["归集记录数（条）"][1].value == 870
    rate = values["合规率"][1]
    assert rate.data_type == "n" and rate.value == pytest.approx(846 / 870)
    assert rate.number_format == "0.00%"
    ranking = wb["部门排名"]
    header = [c.value for c in ranking[1]]
    cell = ranking.cell(row=2, column=header.index("重错码率") + 1)
    assert cell.data_type == "n" and cell.number_format.endswith("%")
    assert [r[0].value for r in wb["评定标准"].iter_rows(min_row=2)] == ["表扬"] * 2 + ["通报批评"] * 4
    summary = [[c.value for c in r] for r in wb["整改清单汇总"].iter_rows(min_row=1)]
    assert summary[0][:6] == ["部门编码", "部门", "不合规问题（条）", "迟报问题（条）", "提示（条）", "涉及记录（条）"]
    assert [r[:6] for r in summary[1:]] == [["scjgj", "市场监督管理局", 1, 0, 1, 2],
                                            ["zsq_scjgj", "中山区市场监督管理局", 4, 1, 0, 5]]
    detail = wb["部门数据集明细"]
    assert detail.max_row - 1 == sum(1 for (_, m, _) in COUNTS if m == MONTH)


def test_rectification_list_is_text_not_formula(report: ReportFiles):
    import openpyxl

    path = report.rectification_for("zsq_scjgj")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(RECTIFICATION_SHEETS)
    ws = wb["整改清单"]
    header = [c.value for c in ws[1]]
    assert header[:10] == ["决定文书号", "相对人名称", "决定日期", "报送日期", "问题类型", "违反规则",
                           "字段", "报送值", "来源文件", "行号"]
    assert ws.max_row - 1 == sum(1 for it in ITEMS if it[0] == "zsq_scjgj")
    col = header.index("报送值") + 1
    cells = {ws.cell(row=r, column=col).value: ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)}
    injected = cells[INJECTION]
    assert injected.data_type == "s" and injected.value.startswith("=")
    for raw in ("+86 1000", "@SUM(A1)"):
        assert cells[raw].data_type == "s"
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    kinds = {ws.cell(row=r, column=header.index("问题类型") + 1).value for r in range(2, ws.max_row + 1)}
    assert kinds == {"不合规", "迟报"}
    row_no = ws.cell(row=2, column=header.index("行号") + 1)
    assert row_no.data_type == "n"
    assert ws.cell(row=2, column=header.index("决定日期") + 1).is_date
    other = openpyxl.load_workbook(report.rectification_for("scjgj"))["整改清单"]
    assert other.cell(row=2, column=col).value == "-12345"
    assert other.cell(row=2, column=col).data_type == "s"
    assert other.cell(row=3, column=header.index("问题类型") + 1).value == "提示（不影响合规）"
    assert other.cell(row=3, column=col).value == "50000"  # raw value: text, as sent


# --------------------------------------------------------------------------- determinism, errors


def test_rerender_gives_identical_output(report: ReportFiles, warehouse, tmp_path):
    again = render_monthly_report(warehouse, MONTH, tmp_path / "again")
    assert pdf_text(again.pdf) == pdf_text(report.pdf)
    assert again.pdf.read_bytes() == report.pdf.read_bytes()
    assert again.xlsx.read_bytes() == report.xlsx.read_bytes()
    assert again.html.read_bytes() == report.html.read_bytes()
    assert again.summary == report.summary
    for a, b in zip(again.rectification, report.rectification, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_month_without_data_is_a_clear_error(warehouse, tmp_path):
    with pytest.raises(NoDataError, match="2025-06 没有任何报送数据"):
        render_monthly_report(warehouse, "2025-06", tmp_path / "none")
    assert not (tmp_path / "none").exists()
    with pytest.raises(ReportError, match="YYYY-MM"):
        render_monthly_report(warehouse, "2026-13", tmp_path / "none")
    with pytest.raises(ReportError, match="找不到数据仓库文件"):
        render_monthly_report(tmp_path / "nope.duckdb", MONTH, tmp_path / "none")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ReportError, match="缺少生成通报所需的表"):
        render_monthly_report(empty, MONTH, tmp_path / "none")


def test_month_where_nothing_arrived_is_no_data(warehouse, tmp_path):
    # the mart lists expected departments as 漏报 even when nothing at all arrived
    with pytest.raises(NoDataError, match="2026-04 没有任何报送数据：当月未收到任何记录"):
        render_monthly_report(warehouse, "2026-04", tmp_path / "apr")


def test_first_month_without_previous_month(warehouse, tmp_path):
    files = render_monthly_report(warehouse, "2026-01", tmp_path / "jan", as_of=date(2026, 2, 6))
    assert files.praised == ("swj",)  # 147/150 is exactly 98.00%: "≥ 98%" holds
    assert files.criticised == ("zsq_scjgj",)  # 行政许可 漏报, and 合规率 87.50%
    text = squash("".join(pdf_text(files.pdf)))
    assert "2026年2月6日" in text and "大信用通〔2026〕1号" in text
    assert "（上月无数据，不计环比）" in text
    assert "西岗区" not in text  # not in the mart that month
    assert "87.50%" in text


def test_thresholds_are_configuration(warehouse, tmp_path):
    from dagster_project.report.model import load_month
    from dagster_project.report.thresholds import load_thresholds

    csv = tmp_path / "t.csv"
    csv.write_text(
        "action,metric,comparator,value,description_zh\n"
        "praise,compliance_rate,>=,0.99,合规率不低于99%\n"
        "criticise,compliance_rate,<,0.92,合规率低于92%\n",
        encoding="utf-8",
    )
    md = load_month(warehouse, MONTH, load_thresholds(csv))
    verdicts = {d.department: d.verdict for d in md.departments}
    # scjgj is exactly 495/500 = 0.99: "≥ 99%" holds (exact comparison, no float slop)
    assert verdicts == {"xgq_scjgj": "praise", "scjgj": "praise", "swj": None, "zsq_scjgj": "criticise"}
    bad = tmp_path / "bad.csv"
    bad.write_text("action,metric,comparator,value,description_zh\npraise,speed,>=,1,x\n", encoding="utf-8")
    with pytest.raises(ReportError, match="未知指标"):
        load_thresholds(bad)


def test_default_thresholds_seed():
    from dagster_project.report.thresholds import load_thresholds

    ts = load_thresholds()
    praise = {(t.metric, t.comparator, t.value) for t in ts if t.action == "praise"}
    criticise = {(t.metric, t.comparator, t.value) for t in ts if t.action == "criticise"}
    assert praise == {("compliance_rate", ">=", Fraction(98, 100)), ("late_rate", "<=", Fraction(1, 100))}
    assert criticise == {
        ("compliance_rate", "<", Fraction(95, 100)),
        ("late_rate", ">", Fraction(5, 100)),
        ("code_error_rate", ">", Fraction(5, 100000)),
        ("missing_report_count", ">=", 1),
    }


# --------------------------------------------------------------------------- layout details


def test_long_table_repeats_its_header_on_every_page(tmp_path):
    import pymupdf

    from dagster_project.report.content import Document, TableBlock
    from dagster_project.report.pdf import render_pdf
    from dagster_project.report.tables import Col, Table

    table = Table(
        key="long",
        sheet="长表",
        title="长表测试",
        columns=[Col("表头甲", "text", 60), Col("表头乙", "int", 30), Col("表头丙", "rate", 30)],
        rows=[[f"部门{i:03d}", i, Fraction(i, 200)] for i in range(150)],
    )
    doc = Document(month=MONTH, issuer="测试中心", doc_no="测〔2026〕1号", title="长表", running_title="长表",
                   as_of=date(2026, 4, 1), recipients="各部门：", blocks=[TableBlock(table)])
    out = tmp_path / "long.pdf"
    render_pdf(doc, out)
    with pymupdf.open(out) as pdf:
        assert pdf.page_count >= 3
        for page in pdf:
            text = page.get_text()
            if "部门1" in text:  # a page carrying rows of the table
                assert "表头甲" in text and "表头乙" in text and "表头丙" in text


def test_line_breaking_keeps_punctuation_off_line_starts():
    from fpdf import FPDF

    from dagster_project.report.fonts import cjk_font_path
    from dagster_project.report.pdf import NO_LINE_START, wrap_lines

    pdf = FPDF()
    pdf.add_font("cjk", "", str(cjk_font_path()))
    pdf.set_font("cjk", size=11)
    text = "合规率97.24%，环比上升0.17个百分点；迟报率1.73%，环比下降0.14个百分点。" * 6
    for width in (40, 57, 61, 90, 123):
        lines = wrap_lines(pdf, text, width)
        assert "".join(lines) == text
        assert all(pdf.get_string_width(line) <= width + 1e-6 for line in lines)
        assert not any(line[:1] in NO_LINE_START for line in lines[1:])
        assert not any(re.search(r"\d\.$", line) for line in lines)  # 97.24% is not split


def test_the_workbook_and_the_document_hold_the_same_tables(warehouse):
    """The 通报's tables are built for the document and again for the workbook (whole, in MAIN_SHEETS order):
    each table the document shows is its sheet, row for row (the document's violations are the top ones, its
    definitions without the rules in words, which the workbook adds)."""
    from dagster_project.report.content import TableBlock, build_document
    from dagster_project.report.issuer import load_issuer
    from dagster_project.report.model import load_month
    from dagster_project.report.render import workbook_sheets

    md = load_month(warehouse, MONTH)
    files = {d: f"{RECTIFICATION_DIR}/{d}.xlsx" for d in md.items}
    sheets = workbook_sheets(md, files)
    assert tuple(t.sheet for t in sheets) == MAIN_SHEETS
    doc = build_document(md, as_of=date(2026, 4, 10), issuer=load_issuer(), trend_png=b"", violations_png=b"",
                         rectification_files=files, xlsx_name="通报.xlsx")
    by_key = {t.key: t for t in sheets}
    shown = [b.table for b in doc.all_blocks() if isinstance(b, TableBlock)]
    # 部门数据集明细 is the workbook's alone; the document shows refused files and 整改进展 when there are any
    # (this warehouse has neither)
    assert {t.key for t in shown} == set(by_key) - {"detail", "intake", "rectification_progress"}
    for table in shown:
        sheet = by_key[table.key]
        assert table.sheet == sheet.sheet and table.columns == sheet.columns, table.key
        rows = sheet.rows[:len(table.rows)] if table.key in ("violations", "definitions") else sheet.rows
        assert table.rows == rows and table.row_styles == sheet.row_styles, table.key
