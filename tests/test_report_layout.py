"""The October 通报 of the sample warehouse, rendered page by page, reads like an official document (issue 19).

Page picture test: every PDF page is rendered (PyMuPDF) and read as a reader would — the 公文 parts from
report_issuer.yml in GB/T 9704 order (发文机关标志, 文号, 标题, 主送, 正文, 附件说明, 落款 with 成文日期, 附注,
附件, 版记 with 抄送 and 印发), no page nearly empty, no text outside the margins, no ASCII identifiers such as
``compliance_rate``, tables and figures numbered in order, table headers not broken inside a word, body text in
3号 and nothing smaller than 六号, chart labels that do not overlap.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from dagster_project.report import render_monthly_report
from dagster_project.report.errors import ReportError
from dagster_project.report.fmt import date_zh
from dagster_project.report.issuer import load_issuer

MONTH = "2026-10"
SIGNED = date(2026, 11, 20)
MM = 72 / 25.4  # points per mm
# GB/T 9704 版心: 天头 37 mm, 订口 28 mm, 156 × 225 mm; page numbers 7 mm under it
LEFT, TOP, WIDTH, HEIGHT = 28 * MM, 37 * MM, 156 * MM, 225 * MM
SLACK = 1.5 * MM
ALLOWED_ASCII_WORDS = {"GB"}  # standard numbers (GB 32100-2015) are how the standards are cited


@pytest.fixture(scope="module")
def october(sample_build, tmp_path_factory):
    warehouse, _ = sample_build
    files = render_monthly_report(warehouse, MONTH, tmp_path_factory.mktemp("layout") / MONTH, as_of=SIGNED)
    import pymupdf

    doc = pymupdf.open(files.pdf)
    pages = []
    for page in doc:
        page.get_pixmap(dpi=40)  # every page renders
        pages.append(page.get_text("dict"))
    yield files, doc, pages
    doc.close()


def _lines(page_dict):
    for block in page_dict["blocks"]:
        for line in block.get("lines", []):
            text = "".join(s["text"] for s in line["spans"])
            if text.strip():
                yield text, line["bbox"], line["spans"]


def _is_page_number(text: str) -> bool:
    return re.fullmatch(r"— \d+ —", text.strip()) is not None


def _body_text(pages) -> list[str]:
    return ["".join(t for t, _, _ in _lines(p) if not _is_page_number(t)) for p in pages]


def test_issuer_file_is_complete_and_names_a_city(tmp_path):
    issuer = load_issuer()
    assert issuer.city == "大连市" and issuer.issuer.startswith("大连市")
    assert issuer.doc_no(2026, 10) == f"{issuer.doc_no_prefix}〔2026〕10号"
    assert issuer.recipients and issuer.cc and issuer.contact_phone
    bad = tmp_path / "issuer.yml"
    text = Path(issuer.source).read_text(encoding="utf-8")
    bad.write_text(text.replace("city: 大连市", "city: 市"), encoding="utf-8")
    with pytest.raises(ReportError, match="城市全称"):
        load_issuer(bad)
    bad.write_text(text.replace("cc:", "unknown_key: 1\ncc:"), encoding="utf-8")
    with pytest.raises(ReportError, match="不认识的键"):
        load_issuer(bad)


def test_official_parts_from_configuration_in_order(october):
    files, doc, pages = october
    issuer = load_issuer()
    text = [re.sub(r"\s+", "", t) for t in _body_text(pages)]
    first = text[0]
    assert first.startswith(issuer.issuer_mark)  # 红头
    assert issuer.doc_no(2026, 10) in first
    assert f"关于2026年10月{issuer.city}信用信息双公示报送质量情况的通报" in first
    assert issuer.recipients_line in first
    whole = "".join(text)
    signed = date_zh(SIGNED)
    order = [
        issuer.issuer_mark, issuer.doc_no(2026, 10), "双公示报送质量情况的通报", issuer.recipients_line,
        "一、总体情况", "七、整改要求", "附件：1.评定标准与指标口径", "2.各部门整改清单",
        issuer.issuer + signed, issuer.note_line, "附件评定标准与指标口径", "抄送：" + issuer.cc_line,
        issuer.printed_by + signed + "印发",
    ]
    at = [whole.find(s) for s in order]
    assert all(i >= 0 for i in at), [s for s, i in zip(order, at) if i < 0]
    assert at == sorted(at), "公文 parts out of GB/T 9704 order"
    # the 版记 is the foot of the last page
    assert "抄送：" in text[-1] and "印发" in text[-1]
    # the 落款 page also carries 正文 (never a page holding only the signature)
    sig = next(i for i, t in enumerate(text) if issuer.issuer + signed in t)
    before = text[sig][: text[sig].index("附件：1.")]
    assert len(before) >= 10, f"page {sig + 1} holds only the signature"


def test_no_ascii_identifiers_anywhere(october):
    files, doc, pages = october
    words = {w for t in _body_text(pages) for w in re.findall(r"[A-Za-z_]+", t)}
    assert words <= ALLOWED_ASCII_WORDS, words - ALLOWED_ASCII_WORDS
    html = files.html.read_text(encoding="utf-8")
    shown = re.sub(r"<style>.*?</style>|<[^>]+>|data:[^\"]+", " ", html, flags=re.S)
    for ident in ("compliance_rate", "late_rate", "marts.", "fct_", "LATE", ".xlsx"):
        assert ident not in shown, ident


def test_pages_not_nearly_empty_and_text_inside_margins(october):
    files, doc, pages = october
    assert doc.page_count >= 3
    for n, (page, d) in enumerate(zip(doc, pages), start=1):
        covered = []
        for text, (x0, y0, x1, y1), _ in _lines(d):
            if _is_page_number(text):
                assert y0 >= TOP + HEIGHT and y1 <= TOP + HEIGHT + 14 * MM, f"page {n}: page number at {y0}"
                continue
            assert x0 >= LEFT - SLACK and x1 <= LEFT + WIDTH + SLACK, f"page {n}: {text!r} outside the margins"
            assert y0 >= TOP - SLACK and y1 <= TOP + HEIGHT + SLACK, f"page {n}: {text!r} outside the margins"
            covered.append((y0, y1))
        for img in page.get_image_info():
            x0, y0, x1, y1 = img["bbox"]
            assert x0 >= LEFT - SLACK and x1 <= LEFT + WIDTH + SLACK, f"page {n}: a figure outside the margins"
            covered.append((y0, y1))
        covered.sort()
        height, end = 0.0, 0.0
        for y0, y1 in covered:  # union of the occupied bands
            height += max(0.0, y1 - max(y0, end))
            end = max(end, y1)
        # 10% of the 版心 (22 mm): a page holding only the 落款 (署名, 日期, 附注) or only the 版记 has less
        assert height >= 0.1 * HEIGHT, f"page {n} is nearly empty ({height / MM:.0f} mm of text)"


def test_type_sizes_and_fonts(october):
    files, doc, pages = october
    sizes: dict[float, int] = {}
    fonts = set()
    for d in pages:
        for text, _, spans in _lines(d):
            for s in spans:
                if s["text"].strip():
                    sizes[round(s["size"], 1)] = sizes.get(round(s["size"], 1), 0) + len(s["text"])
                    fonts.add(s["font"])
    assert min(sizes) >= 7.4, sizes  # nothing under 六号 (7.5 pt)
    body = [t for d in pages[:3] for t, _, spans in _lines(d) if spans[0]["size"] >= 15.9 and len(t) > 20]
    assert len(body) >= 5  # the 正文 runs in 3号 (16 pt)
    assert any("NotoSerif" in f for f in fonts) and any("NotoSans" in f for f in fonts), fonts


def test_tables_and_figures_numbered_in_order_and_references_resolve(october):
    files, doc, pages = october
    lines = [t.strip() for d in pages for t, _, _ in _lines(d)]
    tables = [int(m.group(1)) for t in lines if (m := re.match(r"^表(\d+)\s", t))]
    figures = [int(m.group(1)) for t in lines if (m := re.match(r"^图(\d+)\s", t))]
    annex = [int(m.group(1)) for t in lines if (m := re.match(r"^附表(\d+)\s", t))]
    for seq in (tables, figures, annex):
        firsts = list(dict.fromkeys(seq))  # a table continued on the next page repeats no caption, but be safe
        assert firsts == list(range(1, len(firsts) + 1)), seq
    whole = "".join(_body_text(pages))
    for n in re.findall(r"(?<!附)表(\d+)", whole):
        assert int(n) in tables, f"表{n} is referred to but not printed"
    for n in re.findall(r"图(\d+)", whole):
        assert int(n) in figures, f"图{n} is referred to but not printed"


def test_table_headers_do_not_break_inside_a_word(october):
    from dagster_project.report.pdf import header_segments

    files, doc, pages = october
    lines = [re.sub(r"\s+", "", t) for d in pages for t, _, _ in _lines(d)]
    for label in ("合规率环比（百分点）", "迟报率环比（百分点）", "实际报送部门数", "问题（违反的规则）"):
        for seg in header_segments(label):
            assert any(seg in ln for ln in lines), f"header piece {seg!r} of {label!r} is split over lines"


def test_header_lines_break_only_between_segments():
    from fpdf import FPDF

    from dagster_project.report.fonts import cjk_font_path
    from dagster_project.report.pdf import header_lines

    pdf = FPDF()
    pdf.add_font("cjk", "", str(cjk_font_path()))
    pdf.set_font("cjk", size=9)
    one = pdf.get_string_width("合")
    assert header_lines(pdf, "合规率环比（百分点）", one * 6) == ["合规率环比", "（百分点）"]
    assert header_lines(pdf, "合规率环比（百分点）", one * 11) == ["合规率环比（百分点）"]
    assert header_lines(pdf, "报送条数", one * 4.2) == ["报送条数"]


def test_chart_labels_do_not_overlap(sample_build):
    from dagster_project.report.charts import trend_chart, violations_chart
    from dagster_project.report.model import load_month
    from dagster_project.report.thresholds import load_thresholds

    md = load_month(sample_build[0], MONTH, load_thresholds())
    overlaps: list = []
    trend_chart(md, overlaps)
    violations_chart(md, 10, overlaps)
    assert overlaps == []
