"""PDF rendering with fpdf2: A4, the CJK fonts from mplfonts (embedded subsets), fixed metadata (byte-stable).

A ``Document`` with a 公文 frame (``doc.is_official``: the 通报) is laid out as GB/T 9704-2012 asks: 天头 37 mm,
订口 28 mm, 版心 156 × 225 mm, 22 lines of 3号 (16 pt) 宋体-style body text, 一级标题 in the 黑体-style font, the
发文机关标志 in red over 文号 and the red rule, the title in 2号 (22 pt), 主送, 正文, 附件说明, 落款 (署名 and 成文
日期 with room for the seal, never alone on a page), 附注, each 附件 on its own pages, and the 版记 (抄送, 印发机关
and 印发日期) at the foot of the last page; page numbers "— 1 —" outside the 版心 (odd pages right, even left).
Other documents (the entity report) keep the plain report layout (18 mm margins, running title, 第 N 页 共 M 页).

Tables are laid out from their content: a column is at least as wide as its longest unbreakable piece (a number,
a header word — headers break only before "（"), the rest of the width goes where text wraps, and the font steps
down (五号 to 六号) until the table fits the 版心.

The page (fonts, layouts, line breaking) is pdf_page.py's; drawing headings, paragraphs, tables and figures,
pdf_blocks.py's; this module lays out the document: the 公文's head, its blocks kept together, the closing parts.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode, WrapMode, XPos, YPos

from .content import REPORT_NAME, Document, Figure, Heading, PageBreak, Para, Signature, TableBlock
from .pdf_blocks import (  # noqa: F401 - column_widths re-exported
    column_widths,
    draw_figure,
    draw_heading,
    draw_lines,
    draw_para,
    draw_red_rule,
    draw_signature,
    draw_table,
    figure_size,
)
from .pdf_page import (  # noqa: F401 - re-exported: the tests and the entity report take the page from here
    COLOPHON_PT,
    FONT,
    GBT_LAYOUT,
    HEI,
    MARK_PT,
    NO_LINE_END,
    NO_LINE_START,
    PT,
    RED,
    REPORT_LAYOUT,
    TITLE_PT,
    Layout,
    ReportPDF,
    header_lines,
    header_segments,
    new_report_pdf,
    wrap_lines,
)


class _Move(Exception):
    """A closing element (落款, 版记) would stand alone on a page: render again with block ``index`` moved down."""

    def __init__(self, index: int):
        self.index = index


def render_pdf(doc: Document, path: Path) -> None:
    breaks: set[int] = set()
    while True:
        try:
            pdf = _render(doc, frozenset(breaks))
            break
        except _Move as move:
            if move.index in breaks or move.index < 0:  # cannot do better: the page stays as it is
                pdf = _render(doc, frozenset(breaks), allow_alone=True)
                break
            breaks.add(move.index)
    pdf.output(str(path))


def _render(doc: Document, breaks: frozenset[int], allow_alone: bool = False) -> FPDF:
    layout = GBT_LAYOUT if doc.is_official else REPORT_LAYOUT
    pdf = new_report_pdf(doc.running_title, doc.all_text(), doc.as_of, "通报", layout)
    pdf.set_title(f"{REPORT_NAME}_{doc.month}")
    pdf.set_subject(doc.title)
    pdf.set_author(doc.issuer)
    pdf.set_creator("credit warehouse 通报生成器")
    pdf.set_keywords(f"双公示 报送质量 通报 {doc.month}")
    pdf.set_lang("zh-CN")
    pdf.set_display_mode(zoom="fullwidth")

    pdf.add_page()
    if doc.is_official:
        _official_head(pdf, doc)
    else:
        _masthead(pdf, doc)
    index = 0
    for k, block in enumerate(doc.blocks):
        if index in breaks:
            pdf.add_page()
        _block(pdf, block, doc.blocks[k + 1] if k + 1 < len(doc.blocks) else None)
        index += 1
    if not doc.is_official:
        return pdf

    # 附件说明, 落款, 附注 stay on the page of the last lines of the 正文
    closing = _closing_height(pdf, doc)
    if pdf.will_page_break(closing) and not allow_alone:
        raise _Move(len(doc.blocks) - 1)
    _closing(pdf, doc)

    for n, annex in enumerate(doc.annexes, start=1):
        pdf.add_page()
        _annex_head(pdf, n if len(doc.annexes) > 1 else None, annex.title)
        for k, block in enumerate(annex.blocks):
            if index in breaks:
                pdf.add_page()
            page = pdf.page_no()
            _block(pdf, block, annex.blocks[k + 1] if k + 1 < len(annex.blocks) else None)
            last = n == len(doc.annexes) and k == len(annex.blocks) - 1
            if last and k > 0 and isinstance(block, Para) and pdf.page_no() > page and not allow_alone:
                # a closing paragraph that ran over alone would leave a nearly empty last page: move the
                # block before it down too, so the 版记's page carries text
                raise _Move(index - 1)
            index += 1
    # 版记 at the foot of the last page, never a page of its own
    h = _colophon_height(pdf, doc)
    if pdf.get_y() + h > pdf.h - pdf.b_margin:
        if not allow_alone:
            last = doc.annexes[-1].blocks if doc.annexes and doc.annexes[-1].blocks else doc.blocks
            # a short closing paragraph alone would leave the 版记 page nearly empty: take the block before too
            raise _Move(index - 2 if len(last) > 1 and isinstance(last[-1], Para) else index - 1)
        pdf.add_page()
    _colophon(pdf, doc)
    return pdf


def _start_height(pdf: FPDF, block) -> float:
    """How much of ``block`` must follow a heading on the same page: a whole figure, a table's title, head
    and first rows, two lines of text."""
    if isinstance(block, Figure):
        return figure_size(pdf, block)[1] + 10
    if isinstance(block, TableBlock):
        return 32
    return pdf.layout.line_mm * 2


def _block(pdf: FPDF, block, following=None) -> None:
    if isinstance(block, Heading):
        if following is not None and pdf.will_page_break(pdf.layout.line_mm + _start_height(pdf, following)):
            pdf.add_page()  # a heading never ends a page: it goes with the start of what it heads
        draw_heading(pdf, block)
    elif isinstance(block, Para):
        draw_para(pdf, block)
    elif isinstance(block, TableBlock):
        draw_table(pdf, block.table)
    elif isinstance(block, Figure):
        draw_figure(pdf, block)
    elif isinstance(block, Signature):
        draw_signature(pdf, block)
    elif isinstance(block, PageBreak):
        pdf.add_page()


def _title_lines(pdf: FPDF, doc: Document, width: float) -> list[str]:
    """The title as given in ``doc.title_lines`` (broken where the words allow; a mark appended later, e.g.
    （草稿）, joins the last line), else balanced lines."""
    lines = list(doc.title_lines)
    joined = "".join(lines)
    if lines and doc.title.startswith(joined):
        lines[-1] += doc.title[len(joined):]
        if all(pdf.get_string_width(s) <= width for s in lines):
            return lines
    n = len(wrap_lines(pdf, doc.title, width))
    return wrap_lines(pdf, doc.title, pdf.get_string_width(doc.title) / n + pdf.font_size * 1.01)


def _bold_cell(pdf: FPDF, h: float, text: str, **kwargs) -> None:
    """A cell in a 小标宋-like weight from the regular serif: the outline stroked with the fill (no bold face
    is shipped). In a local graphics context: the text render mode must not leak into later text."""
    with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.28):
        pdf.cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, **kwargs)


def _official_head(pdf: FPDF, doc: Document) -> None:
    """版头 and the head of the 主体 (GB/T 9704 7.2, 7.3.1-7.3.2)."""
    L = pdf.layout
    pdf.set_text_color(*RED)
    pdf.set_draw_color(*RED)
    size = MARK_PT
    pdf.set_font(FONT, size=size)
    while pdf.get_string_width(doc.issuer_mark) > pdf.epw and size > 16:
        size -= 1
        pdf.set_font(FONT, size=size)
    pdf.set_y(L.top + 35 - size * PT * 0.15)  # 发文机关标志: upper edge 35 mm below the 版心's
    _bold_cell(pdf, size * PT * 1.2, doc.issuer_mark, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(L.line_mm * 2 - size * PT * 1.2 + L.line_mm * 0.3)  # 空二行: the 文号
    pdf.set_font(FONT, size=L.body_pt)
    pdf.cell(0, L.line_mm, doc.doc_no, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 4 - (L.line_mm - L.body_pt * PT) / 2  # red rule 4 mm under the 文号
    draw_red_rule(pdf, y, 0.7)
    pdf.set_y(y + L.line_mm * 2)  # 空二行: the title
    pdf.set_font(FONT, size=TITLE_PT)
    for line in _title_lines(pdf, doc, pdf.epw):
        _bold_cell(pdf, TITLE_PT * PT * 1.45, line, align="C")
    pdf.ln(L.line_mm)  # 空一行: 主送
    pdf.set_font(FONT, size=L.body_pt)
    for line in wrap_lines(pdf, doc.recipients, pdf.epw):
        pdf.cell(pdf.epw, L.line_mm, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _masthead(pdf: FPDF, doc: Document) -> None:
    """Plain masthead: issuer in red, report name, 文号, a red rule, the title and the recipients."""
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
    draw_red_rule(pdf, y, 0.8)
    pdf.set_y(y + 7)
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(0, 9, doc.title, align="C", wrapmode=WrapMode.CHAR,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, doc.recipients, new_x=XPos.LMARGIN, new_y=YPos.NEXT)



# --------------------------------------------------------------------------- the 公文's closing parts

SEAL_MM = 42  # a 42 mm seal presses on the 署名 and 成文日期; its top within one line of the text above


def _attachment_lines(pdf: FPDF, doc: Document) -> list[str]:
    """附件说明 (GB/T 9704 7.3.4): 左空二字 "附件：", further entries aligned under the first name."""
    pdf.set_font(FONT, size=pdf.layout.body_pt)
    out = []
    for i, entry in enumerate(doc.attachment_lines):
        prefix = "\u3000\u3000" if i == 0 else "\u3000\u3000\u3000\u3000\u3000"
        out += wrap_lines(pdf, prefix + entry, pdf.epw)
    return out


def _closing_height(pdf: FPDF, doc: Document) -> float:
    L = pdf.layout
    lines = len(_attachment_lines(pdf, doc))
    note = len(wrap_lines(pdf, "\u3000\u3000" + doc.note, pdf.epw)) if doc.note else 0
    # 空一行, 附件说明, 空两行 (the seal's upper part), 署名, 成文日期, 附注
    return L.line_mm * ((1 if lines else 0) + lines + 2 + 2 + note)


def _closing(pdf: FPDF, doc: Document) -> None:
    L = pdf.layout
    pdf.set_font(FONT, size=L.body_pt)
    att = _attachment_lines(pdf, doc)
    if att:
        pdf.ln(L.line_mm)
        for line in att:
            pdf.cell(pdf.epw, L.line_mm, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(L.line_mm * 2)  # room for the seal's upper half
    # 成文日期 右空四字; the 署名 centred over the date (GB/T 9704 7.3.5.1)
    char = L.body_pt * PT
    date_w = pdf.get_string_width(doc.signed_date)
    date_x = pdf.w - pdf.r_margin - 4 * char - date_w
    centre = date_x + date_w / 2
    name_w = pdf.get_string_width(doc.issuer)
    name_x = min(centre - name_w / 2, pdf.w - pdf.r_margin - name_w)
    y = pdf.get_y()
    pdf.set_xy(name_x, y)
    pdf.cell(name_w, L.line_mm, doc.issuer)
    pdf.set_xy(date_x, y + L.line_mm)
    pdf.cell(date_w, L.line_mm, doc.signed_date, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.note:  # 附注: 居左空二字, in brackets, the line under the 成文日期
        draw_lines(pdf, "\u3000\u3000" + doc.note, L.line_mm)


def _annex_head(pdf: FPDF, number: int | None, title: str) -> None:
    """附件 (GB/T 9704 8): "附件" in 3号黑体 on the first line, the title centred on the third."""
    L = pdf.layout
    pdf.set_font(HEI, size=L.heading_pt)
    pdf.cell(0, L.line_mm, f"附件{number or ''}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(L.line_mm)
    pdf.set_font(FONT, size=TITLE_PT)
    for line in wrap_lines(pdf, title, pdf.epw):
        _bold_cell(pdf, TITLE_PT * PT * 1.45, line, align="C")
    pdf.ln(L.line_mm * 0.5)


def _colophon_lines(pdf: FPDF, doc: Document) -> list[str]:
    pdf.set_font(FONT, size=COLOPHON_PT)
    one = COLOPHON_PT * PT
    return wrap_lines(pdf, f"抄送：{doc.cc}", pdf.epw - 2 * one) if doc.cc else []


def _colophon_height(pdf: FPDF, doc: Document) -> float:
    row = COLOPHON_PT * PT * 1.9
    return row * (len(_colophon_lines(pdf, doc)) + 1) + 2


def _colophon(pdf: FPDF, doc: Document) -> None:
    """版记 (GB/T 9704 7.4) at the foot of the last page: 抄送 and 印发机关/印发日期 between rules
    (the first and last heavier), each indented one character."""
    row = COLOPHON_PT * PT * 1.9
    one = COLOPHON_PT * PT
    cc = _colophon_lines(pdf, doc)
    top = pdf.h - pdf.b_margin - _colophon_height(pdf, doc)
    x0, x1 = pdf.l_margin, pdf.w - pdf.r_margin
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.35)
    pdf.line(x0, top, x1, top)
    y = top + 1
    pdf.set_font(FONT, size=COLOPHON_PT)
    for line in cc:
        pdf.set_xy(x0 + one, y)
        pdf.cell(pdf.epw - 2 * one, row, line)
        y += row
    if cc:
        pdf.set_line_width(0.25)
        pdf.line(x0, y, x1, y)
    pdf.set_xy(x0 + one, y)
    pdf.cell(pdf.epw / 2, row, doc.printed_by)
    printed = f"{doc.signed_date}印发"
    pdf.set_xy(x1 - one - pdf.get_string_width(printed), y)
    pdf.cell(pdf.get_string_width(printed), row, printed)
    y += row + 1
    pdf.set_line_width(0.35)
    pdf.line(x0, y, x1, y)
    pdf.set_line_width(0.2)
    pdf.set_y(y)
