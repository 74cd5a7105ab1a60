"""PDF rendering with fpdf2: A4, the CJK TrueType font from mplfonts, page numbers,
table headings repeated on every page a table spans, fixed metadata (byte-stable)."""
from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from . import tables as T
from .content import REPORT_NAME, Document, Figure, Heading, PageBreak, Para, Signature, TableBlock
from .fonts import cjk_font_path, fallback_covers, fallback_font_path, missing_in_primary

log = logging.getLogger(__name__)

FONT = "cjk"
FALLBACK = "cjkfb"
RED = (200, 16, 16)
CHINA_TZ = timezone(timedelta(hours=8))
VERDICT_COLORS = {"praise": (0, 110, 40), "criticise": (190, 20, 20)}
TABLE_PADDING = (0.8, 1.2)  # vertical, horizontal (mm)

# 禁则: characters that may not begin / end a line in Chinese typesetting
NO_LINE_START = set("，。、；：？！）》」』】〕〉〗”’％%·…—～,.;:?!)]}")
NO_LINE_END = set("（《「『【〔〈〖“‘([{")
_TOKEN = re.compile(r"[!-~]+|\s|.", re.S)


def wrap_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` at the current font.

    CJK text breaks between any two characters, but never before closing punctuation
    or after opening punctuation (the previous character moves down instead), and a run
    of ASCII (a number such as ``97.24%``, a code, a file name) is kept whole when it fits.
    """
    out: list[str] = []
    for para in text.split("\n"):
        tokens: list[str] = []
        for tok in _TOKEN.findall(para):
            if len(tok) > 1 and pdf.get_string_width(tok) > width:
                tokens.extend(tok)  # too long for one line: may break anywhere
            else:
                tokens.append(tok)
        lines: list[list[str]] = [[]]
        cur_w = 0.0
        for tok in tokens:
            w = pdf.get_string_width(tok)
            line = lines[-1]
            if line and cur_w + w > width:
                new: list[str] = []
                # pull characters down so that no line starts/ends with forbidden punctuation
                while len(line) > 1 and ((tok if not new else new[0])[0] in NO_LINE_START
                                         or line[-1][-1] in NO_LINE_END):
                    new.insert(0, line.pop())
                while line and line[-1].isspace():
                    line.pop()
                if tok.isspace() and not new:
                    lines.append([])
                    cur_w = 0.0
                    continue
                lines.append(new + [tok])
                cur_w = sum(pdf.get_string_width(t) for t in lines[-1])
            else:
                if not line and tok.isspace() and len(lines) > 1:
                    continue
                line.append(tok)
                cur_w += w
        out.extend("".join(line) for line in lines)
    return out


class _ReportPDF(FPDF):
    def __init__(self, running_title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(110, 110, 110)
        self.set_y(9)
        self.cell(0, 4, self.running_title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(170, 170, 170)
        self.set_line_width(0.2)
        self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_y(18)
        self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, size=9)
        self.set_text_color(60, 60, 60)
        self.cell(0, 5, f"第 {self.page_no()} 页  共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


def new_report_pdf(running_title: str, all_text: str, as_of, what: str) -> "_ReportPDF":
    """An A4 report PDF with the CJK font embedded (and a fallback font for characters it lacks), dated
    as_of so the same inputs give the same bytes. Shared by the 通报 and the entity credit report."""
    pdf = _ReportPDF(running_title)
    pdf.add_font(FONT, "", str(cjk_font_path()))
    missing = missing_in_primary(all_text)
    if missing:
        covered = fallback_covers(missing)
        if covered:
            pdf.add_font(FALLBACK, "", str(fallback_font_path()))
            pdf.set_fallback_fonts([FALLBACK])
        if missing - covered:
            log.warning("%s PDF 中有字体无法显示的字符：%s", what, "".join(sorted(missing - covered)))
    pdf.set_creation_date(datetime(as_of.year, as_of.month, as_of.day, tzinfo=CHINA_TZ))
    return pdf


def render_pdf(doc: Document, path: Path) -> None:
    pdf = new_report_pdf(doc.running_title, doc.all_text(), doc.as_of, "通报")
    pdf.set_title(f"{REPORT_NAME}_{doc.month}")
    pdf.set_subject(doc.title)
    pdf.set_author(doc.issuer)
    pdf.set_creator("credit warehouse 通报生成器")
    pdf.set_keywords(f"双公示 报送质量 通报 {doc.month}")
    pdf.set_lang("zh-CN")
    pdf.set_display_mode(zoom="fullwidth")

    pdf.add_page()
    _masthead(pdf, doc)
    for block in doc.blocks:
        if isinstance(block, Heading):
            _heading(pdf, block)
        elif isinstance(block, Para):
            _para(pdf, block)
        elif isinstance(block, TableBlock):
            _table(pdf, block.table)
        elif isinstance(block, Figure):
            _figure(pdf, block)
        elif isinstance(block, Signature):
            _signature(pdf, block)
        elif isinstance(block, PageBreak):
            pdf.add_page()
    pdf.output(str(path))


def _masthead(pdf: FPDF, doc: Document) -> None:
    """红头: issuer in red, 文号, a red rule, the title and the recipients."""
    pdf.set_y(24)
    pdf.set_text_color(*RED)
    pdf.set_font(FONT, size=26)
    pdf.cell(0, 14, doc.issuer, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=14)
    pdf.cell(0, 8, REPORT_NAME, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, doc.doc_no, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1.5
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(y + 7)
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(0, 9, doc.title, align="C", wrapmode=WrapMode.CHAR,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, doc.recipients, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, h: Heading) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, size=13 if h.level == 1 else 11)
    pdf.cell(0, 8, h.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _para(pdf: FPDF, p: Para) -> None:
    size = 9 if p.small else 11
    pdf.set_font(FONT, size=size)
    if p.small:
        pdf.set_text_color(70, 70, 70)
    text = ("\u3000\u3000" if p.indent else "") + p.text
    _lines(pdf, text, size * 0.62)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def _lines(pdf: FPDF, text: str, height: float) -> None:
    for line in wrap_lines(pdf, text, pdf.epw):
        pdf.cell(pdf.epw, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _align(kind: str) -> str:
    if kind == "text":
        return "LEFT"
    if kind == "num":
        return "CENTER"
    return "RIGHT"


def _table(pdf: FPDF, t: T.Table) -> None:
    idx = t.pdf_columns()
    cols = [t.columns[i] for i in idx]
    # keep the table title with the head of its table
    if pdf.will_page_break(28):
        pdf.add_page()
    pdf.ln(1)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 7, t.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=8)
    headings = FontFace(family=FONT, emphasis="", size_pt=8, fill_color=(222, 228, 240))
    total_w = sum(c.width for c in cols)
    inner = [pdf.epw * c.width / total_w - 2 * TABLE_PADDING[1] - 0.3 for c in cols]

    def fit(text: str, k: int) -> str:
        return "\n".join(wrap_lines(pdf, text, inner[k]))

    with pdf.table(
        col_widths=tuple(c.width for c in cols),
        width=pdf.epw,
        text_align=tuple(_align(c.kind) for c in cols),
        headings_style=headings,
        line_height=4.2,
        wrapmode=WrapMode.CHAR,
        padding=TABLE_PADDING,
        repeat_headings=1,
        v_align="MIDDLE",
    ) as table:
        head = table.row()
        for k, c in enumerate(cols):
            head.cell(fit(c.label, k), align="CENTER")
        if not t.rows:
            row = table.row()
            row.cell("（无）", colspan=len(cols), align="CENTER")
        for r_i, r in enumerate(t.rows):
            style_key = t.row_styles[r_i] if r_i < len(t.row_styles) else None
            row = table.row()
            for k, (i, c) in enumerate(zip(idx, cols)):
                _, kind = T.cell_kind(c, r[i])
                style = None
                if c.label == "评定" and style_key in VERDICT_COLORS:
                    style = FontFace(color=VERDICT_COLORS[style_key])
                row.cell(fit(T.fmt_cell(c, r[i]), k), style=style, align=_align(kind))
    if t.note:
        pdf.ln(0.8)
        pdf.set_font(FONT, size=8)
        pdf.set_text_color(80, 80, 80)
        _lines(pdf, "注：" + t.note, 4.2)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _figure(pdf: FPDF, f: Figure) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(f.png)) as im:
        w_px, h_px = im.size
    h = f.width_mm * h_px / w_px
    if pdf.will_page_break(h + 10):
        pdf.add_page()
    x = (pdf.w - f.width_mm) / 2
    pdf.image(io.BytesIO(f.png), x=x, w=f.width_mm, h=h, title=f.caption, alt_text=f.caption)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 6, f.caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _signature(pdf: FPDF, s: Signature) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, s.issuer, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 7, s.when, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
