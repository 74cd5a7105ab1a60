"""The PDF page both reports are set on: the CJK fonts, the two layouts (plain report, GB/T 9704 公文), the A4
page with its running title and page numbers, and line breaking (no punctuation at a line's start, headers broken
only before "（")."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos

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



class ReportPDF(FPDF):
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
                   layout: Layout = REPORT_LAYOUT) -> "ReportPDF":
    """An A4 report PDF with the CJK fonts embedded (and a fallback font for characters the body font lacks),
    dated as_of so the same inputs give the same bytes. Shared by the 通报 and the entity credit report."""
    pdf = ReportPDF(running_title, layout)
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
