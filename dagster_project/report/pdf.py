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
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from . import tables as T
from .content import REPORT_NAME, Document, Figure, Heading, PageBreak, Para, Signature, TableBlock
from .fonts import cjk_font_path, fallback_covers, fallback_font_path, heading_font_path, missing_in_primary

log = logging.getLogger(__name__)

FONT = "cjk"  # 宋体-style body (Noto Serif CJK SC)
HEI = "hei"  # 黑体-style headings (Noto Sans CJK SC)
FALLBACK = "cjkfb"
RED = (200, 16, 16)
CHINA_TZ = timezone(timedelta(hours=8))
VERDICT_COLORS = {"praise": (0, 110, 40), "criticise": (190, 20, 20)}
TABLE_PADDING = (0.8, 0.9)  # vertical, horizontal (mm)
PT = 25.4 / 72  # mm per point

# 禁则: characters that may not begin / end a line in Chinese typesetting
NO_LINE_START = set("，。、；：？！）》」』】〕〉〗”’％%·…—～,.;:?!)]}")
NO_LINE_END = set("（《「『【〔〈〖“‘([{")
_TOKEN = re.compile(r"[!-~]+|\s|.", re.S)
#: a table header may break only before an opening bracket: "合规率环比" / "（百分点）", never inside a word
_HEADER_BREAK = re.compile(r"(?=（)")


@dataclass(frozen=True)
class Layout:
    left: float
    top: float
    right: float
    bottom: float
    body_pt: float
    line_mm: float  # body line pitch
    heading_pt: float
    small_pt: float
    table_pts: tuple[float, ...]  # table font sizes tried, largest first
    official: bool  # GB/T 9704 page furniture (no running title, — N — page numbers)


#: The plain report layout (the entity report).
REPORT_LAYOUT = Layout(18, 18, 18, 18, 11, 6.8, 13, 9, (8, 7.5, 7), False)
#: GB/T 9704-2012: 版心 156 × 225 mm from 天头 37 / 订口 28; 3号 body, 22 lines; tables 五号 down to 六号.
GBT_LAYOUT = Layout(28, 37, 26, 35, 16, 225 / 22, 16, 12, (10.5, 10, 9, 8, 7.5), True)
TITLE_PT = 22  # 2号
MARK_PT = 30  # 发文机关标志 (at most; narrowed to the 版心 if long)
COLOPHON_PT = 14  # 4号: 抄送, 印发
PAGE_NO_PT = 14


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


def header_segments(label: str) -> list[str]:
    """The pieces a table header may be broken into (it never breaks inside one)."""
    out: list[str] = []
    for line in label.split("\n"):
        out += [s for s in _HEADER_BREAK.split(line) if s]
    return out


def header_lines(pdf: FPDF, label: str, width: float) -> list[str]:
    """``label`` packed into lines of at most ``width``, breaking only between its segments."""
    lines: list[str] = []
    for seg in header_segments(label):
        if lines and pdf.get_string_width(lines[-1] + seg) <= width:
            lines[-1] += seg
        elif pdf.get_string_width(seg) <= width:
            lines.append(seg)
        else:  # only when the table cannot fit at the smallest size (logged by the layout)
            lines += wrap_lines(pdf, seg, width)
    return lines


class _ReportPDF(FPDF):
    def __init__(self, running_title: str, layout: Layout = REPORT_LAYOUT):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.layout = layout
        self.set_margins(layout.left, layout.top, layout.right)
        self.set_auto_page_break(True, margin=layout.bottom)

    def header(self):
        if self.layout.official:
            self.set_y(self.layout.top)
            return
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
        if self.layout.official:
            # GB/T 9704 7.5: 4号 numerals between two 一字线, 7 mm under the 版心; odd pages right, even left
            self.set_y(self.h - self.layout.bottom + 7)
            self.set_font(FONT, size=PAGE_NO_PT)
            one_char = PAGE_NO_PT * PT
            self.set_x(self.l_margin + (0 if self.page_no() % 2 else one_char))
            self.cell(self.epw - one_char, 6, f"— {self.page_no()} —",
                      align="R" if self.page_no() % 2 else "L")
            return
        self.set_y(-12)
        self.set_font(FONT, size=9)
        self.set_text_color(60, 60, 60)
        self.cell(0, 5, f"第 {self.page_no()} 页  共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


def new_report_pdf(running_title: str, all_text: str, as_of, what: str,
                   layout: Layout = REPORT_LAYOUT) -> "_ReportPDF":
    """An A4 report PDF with the CJK fonts embedded (and a fallback font for characters the body font lacks),
    dated as_of so the same inputs give the same bytes. Shared by the 通报 and the entity credit report."""
    pdf = _ReportPDF(running_title, layout)
    pdf.add_font(FONT, "", str(cjk_font_path()))
    pdf.add_font(HEI, "", str(heading_font_path()))
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
        return _figure_size(pdf, block)[1] + 10
    if isinstance(block, TableBlock):
        return 32
    return pdf.layout.line_mm * 2


def _block(pdf: FPDF, block, following=None) -> None:
    if isinstance(block, Heading):
        if following is not None and pdf.will_page_break(pdf.layout.line_mm + _start_height(pdf, following)):
            pdf.add_page()  # a heading never ends a page: it goes with the start of what it heads
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
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.7)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
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


def _para(pdf: FPDF, p: Para) -> None:
    L = pdf.layout
    size = L.small_pt if p.small else L.body_pt
    pdf.set_font(FONT, size=size)
    if p.small:
        pdf.set_text_color(70, 70, 70)
    text = ("\u3000\u3000" if p.indent else "") + p.text
    if L.official:
        _lines(pdf, text, L.line_mm if not p.small else size * PT * 1.7)
    else:
        _lines(pdf, text, size * 0.62)
        pdf.ln(1.5)
    pdf.set_text_color(0, 0, 0)


def _lines(pdf: FPDF, text: str, height: float) -> None:
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


def _table(pdf: FPDF, t: T.Table) -> None:
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
        _lines(pdf, "注：" + t.note, line_h)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _figure_size(pdf: FPDF, f: Figure) -> tuple[float, float]:
    from PIL import Image

    with Image.open(io.BytesIO(f.png)) as im:
        w_px, h_px = im.size
    width = min(f.width_mm, pdf.epw)
    return width, width * h_px / w_px


def _figure(pdf: FPDF, f: Figure) -> None:
    width, h = _figure_size(pdf, f)
    if pdf.will_page_break(h + 10):
        pdf.add_page()
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(f.png), x=x, w=width, h=h, title=f.caption, alt_text=f.caption)
    size = pdf.layout.table_pts[0] + 1
    pdf.set_font(HEI if pdf.layout.official else FONT, size=size)
    pdf.cell(0, size * PT * 2, f.caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _signature(pdf: FPDF, s: Signature) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, s.issuer, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 7, s.when, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


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
        _lines(pdf, "\u3000\u3000" + doc.note, L.line_mm)


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
