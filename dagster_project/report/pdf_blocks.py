"""Drawing the blocks of a document on a PDF page: headings, paragraphs (with widow control), tables laid out from
their content, figures and the signature. The 通报 (pdf.py) and the entity report draw with these."""
from __future__ import annotations

import io
import logging

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from . import tables as T
from .content import Figure, Heading, Para, Signature
from .pdf_page import FONT, HEI, PT, RED, TABLE_PADDING, VERDICT_COLORS, _TOKEN, header_lines, header_segments, wrap_lines

log = logging.getLogger(__name__)


def draw_heading(pdf: FPDF, h: Heading) -> None:
    L = pdf.layout
    if pdf.will_page_break(L.line_mm * 3):  # a heading keeps at least two lines of its section
        pdf.add_page()
    if L.official:
        pdf.set_font(HEI if h.level == 1 else FONT, size=L.heading_pt)
        indent = "\u3000\u3000"  # 一级标题 "一、" is indented two characters like the 正文
        for line in wrap_lines(pdf, indent + h.text, pdf.epw):
            pdf.cell(pdf.epw, L.line_mm, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.ln(3)
    pdf.set_font(FONT, size=13 if h.level == 1 else 11)
    pdf.cell(0, 8, h.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def draw_para(pdf: FPDF, p: Para) -> None:
    L = pdf.layout
    size = L.small_pt if p.small else L.body_pt
    pdf.set_font(FONT, size=size)
    if p.small:
        pdf.set_text_color(70, 70, 70)
    text = ("\u3000\u3000" if p.indent else "") + p.text
    if L.official:
        draw_lines(pdf, text, L.line_mm if not p.small else size * PT * 1.7)
    else:
        draw_lines(pdf, text, size * 0.62)
        pdf.ln(1.5)
    pdf.set_text_color(0, 0, 0)


def draw_lines(pdf: FPDF, text: str, height: float) -> None:
    lines = wrap_lines(pdf, text, pdf.epw)
    # widow control: a paragraph never leaves its last line alone at the top of a page (two lines go over, or a
    # two-line paragraph goes over whole)
    room = int((pdf.page_break_trigger - pdf.get_y()) / height + 1e-6)
    for i, line in enumerate(lines):
        if len(lines) >= 2 and len(lines) - room == 1 and i == room - 1:
            pdf.add_page()
        pdf.cell(pdf.epw, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _align(kind: str) -> str:
    if kind == "text":
        return "LEFT"
    if kind == "num":
        return "CENTER"
    return "RIGHT"


def _unbreakable(text: str) -> list[str]:
    """Pieces of a cell's text that wrap_lines keeps whole (ASCII runs such as 97.70%), plus short CJK words."""
    return [tok for tok in _TOKEN.findall(text) if not tok.isspace()]


def column_widths(pdf: FPDF, t: T.Table, idx: list[int], size: float) -> tuple[list[float], bool]:
    """Column widths (mm) for ``t`` at font ``size`` across the page width, and whether they fit: every
    column at least its longest header segment and its widest number; text columns (at least four
    characters) take what is left in proportion to what they would need on one line."""
    pdf.set_font(FONT, size=size)
    pad = 2 * TABLE_PADDING[1] + 0.6
    mins, nats = [], []
    for i in idx:
        c = t.columns[i]
        cells = [T.fmt_cell(c, r[i]) for r in t.rows] or [""]
        head = [pdf.get_string_width(s) for s in header_segments(c.label)]
        lines = [ln for v in cells for ln in v.split("\n")]
        natural = max([pdf.get_string_width(ln) for ln in lines] + [pdf.get_string_width(c.label.replace("\n", ""))])
        if c.kind == "text":
            pieces = [pdf.get_string_width(tok) for v in cells for tok in _unbreakable(v) if len(tok) > 1]
            least = max(head + pieces + [min(natural, 4 * size * PT)])
        else:
            least = max(head + [pdf.get_string_width(ln) for ln in lines])
        mins.append(least + pad)
        nats.append(max(natural, least) + pad)
    width = pdf.epw
    if sum(nats) <= width:
        spare = width - sum(nats)
        weights = [t.columns[i].width for i in idx]
        return [n + spare * w / sum(weights) for n, w in zip(nats, weights)], True
    if sum(mins) <= width:
        stretch = [n - m for n, m in zip(nats, mins)]
        spare = width - sum(mins)
        return [m + spare * s / sum(stretch) for m, s in zip(mins, stretch)], True
    return [width * m / sum(mins) for m in mins], False


def draw_table(pdf: FPDF, t: T.Table) -> None:
    L = pdf.layout
    idx = t.pdf_columns()
    cols = [t.columns[i] for i in idx]
    for size in L.table_pts:
        widths, fits = column_widths(pdf, t, idx, size)
        if fits:
            break
    else:
        log.warning("表格“%s”在最小字号下仍超出版心宽度，表头可能在词中换行", t.title)
    line_h = size * PT * 1.35
    # keep the table title with the head of its table
    if pdf.will_page_break(line_h * 6 + 8):
        pdf.add_page()
    pdf.ln(1)
    pdf.set_font(HEI, size=size + 1)
    pdf.cell(0, (size + 1) * PT * 1.8, t.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=size)
    headings = FontFace(family=HEI, emphasis="", size_pt=size, fill_color=(222, 228, 240))
    inner = [w - 2 * TABLE_PADDING[1] - 0.3 for w in widths]

    def fit(text: str, k: int) -> str:
        return "\n".join(wrap_lines(pdf, text, inner[k]))

    with pdf.table(
        col_widths=tuple(widths),
        width=pdf.epw,
        text_align=tuple(_align(c.kind) for c in cols),
        headings_style=headings,
        line_height=line_h,
        wrapmode=WrapMode.CHAR,
        padding=TABLE_PADDING,
        repeat_headings=1,
        v_align="MIDDLE",
    ) as table:
        head = table.row()
        pdf.set_font(HEI, size=size)
        for k, c in enumerate(cols):
            head.cell("\n".join(header_lines(pdf, c.label, inner[k])), align="CENTER")
        pdf.set_font(FONT, size=size)
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
        pdf.set_font(FONT, size=size)
        pdf.set_text_color(80, 80, 80)
        draw_lines(pdf, "注：" + t.note, line_h)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def figure_size(pdf: FPDF, f: Figure) -> tuple[float, float]:
    from PIL import Image

    with Image.open(io.BytesIO(f.png)) as im:
        w_px, h_px = im.size
    width = min(f.width_mm, pdf.epw)
    return width, width * h_px / w_px


def draw_figure(pdf: FPDF, f: Figure) -> None:
    width, h = figure_size(pdf, f)
    if pdf.will_page_break(h + 10):
        pdf.add_page()
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(f.png), x=x, w=width, h=h, title=f.caption, alt_text=f.caption)
    size = pdf.layout.table_pts[0] + 1
    pdf.set_font(HEI if pdf.layout.official else FONT, size=size)
    pdf.cell(0, size * PT * 2, f.caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def draw_signature(pdf: FPDF, s: Signature) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, s.issuer, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 7, s.when, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def draw_red_rule(pdf: FPDF, y: float, line_width: float) -> None:
    """A red rule across the page at ``y``: the 公文's 分隔线 under the 文号, and the mastheads'."""
    pdf.set_draw_color(*RED)
    pdf.set_line_width(line_width)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
