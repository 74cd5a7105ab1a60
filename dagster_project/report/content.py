"""The 通报 as a sequence of blocks (headings, paragraphs, tables, figures), in Chinese.

PDF and HTML both render this one structure, so they say exactly the same thing.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date

from . import rectification as R
from . import judgement as J
from . import tables as T
from .fmt import date_zh, fmt_int, fmt_pct, fmt_pp, month_zh
from .issuer import Issuer, load_issuer
from .model import MonthData, delta

REPORT_NAME = "信用信息双公示报送质量通报"
#: The issuer named in report_issuer.yml (the entity report signs with it too).
DEFAULT_ISSUER = load_issuer().issuer


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    indent: bool = True
    small: bool = False


@dataclass(frozen=True)
class TableBlock:
    table: T.Table


@dataclass(frozen=True)
class Figure:
    png: bytes
    caption: str
    width_mm: float = 170.0


@dataclass(frozen=True)
class Signature:
    issuer: str
    when: str


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Annex:
    """A 附件: starts on a new page headed 附件N and its title; listed in the 附件说明."""

    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    month: str
    issuer: str
    doc_no: str
    title: str
    running_title: str
    as_of: date
    recipients: str
    blocks: list = field(default_factory=list)  # 正文
    # --- the 公文 frame (GB/T 9704-2012); empty for a document that is not a 公文 (the entity report)
    issuer_mark: str = ""  # 发文机关标志 (红头)
    title_lines: tuple[str, ...] = ()  # the title broken where its words allow (回行词意完整)
    annexes: list = field(default_factory=list)  # Annex, each on its own pages after the 落款
    other_attachments: tuple[str, ...] = ()  # 附件说明 entries sent separately (另发), not printed here
    signed_date: str = ""  # 成文日期, e.g. 2026年11月1日
    note: str = ""  # 附注: （联系人：…，电话：…）
    cc: str = ""  # 版记: 抄送
    printed_by: str = ""  # 版记: 印发机关 (印发日期 = 成文日期)

    @property
    def is_official(self) -> bool:
        return bool(self.issuer_mark)

    @property
    def attachment_lines(self) -> list[str]:
        """附件说明: 附件：1. … / 2. … (one entry without a number)."""
        names = [a.title for a in self.annexes] + list(self.other_attachments)
        if len(names) == 1:
            return [f"附件：{names[0]}"]
        return [("附件：" if i == 1 else "") + f"{i}. {n}" for i, n in enumerate(names, start=1)]

    def all_blocks(self) -> list:
        return list(self.blocks) + [b for a in self.annexes for b in a.blocks]

    def all_text(self) -> str:
        """Every string the document shows (to check font coverage)."""
        parts = [self.issuer, self.doc_no, self.title, self.running_title, self.recipients,
                 "第页共0123456789 —", self.issuer_mark, self.signed_date, self.note, self.cc,
                 self.printed_by, "附件：. 抄送印发", *self.attachment_lines]
        for b in self.all_blocks():
            if isinstance(b, (Heading, Para)):
                parts.append(b.text)
            elif isinstance(b, TableBlock):
                t = b.table
                parts += [t.title, t.note] + [c.label for c in t.columns]
                parts += [T.fmt_cell(c, v) for r in t.rows for c, v in zip(t.columns, r)]
            elif isinstance(b, Figure):
                parts.append(b.caption)
            elif isinstance(b, Signature):
                parts += [b.issuer, b.when]
        return "".join(parts)


def _change(cur, prev) -> str:
    d = delta(cur, prev)
    if d is None:
        return ""
    text = fmt_pp(d)
    if text.startswith("+"):
        return f"，环比上升{text[1:]}个百分点"
    if text.startswith("-"):
        return f"，环比下降{text[1:]}个百分点"
    return "，与上月持平"


def _names(depts) -> str:
    return "、".join(d.department_name for d in depts)


def official_document(
    issuer: Issuer,
    *,
    month: str,
    title: str,
    doc_no: str,
    as_of: date,
    running_title: str,
    title_lines: tuple[str, ...] = (),
    body: list | None = None,
    annexes: list[Annex] | None = None,
    other_attachments: tuple[str, ...] = (),
) -> Document:
    """The 公文 frame of a 通报 (monthly, quarterly, annual): 版头 (发文机关标志, 文号), 标题, 主送 from
    ``issuer`` (report_issuer.yml); the caller's ``body`` (正文 blocks) and ``annexes``; then the renderers add
    附件说明, 落款 (署名, 成文日期 ``as_of``, room for the seal), 附注 (联系人), the annexes on their own pages, and
    the 版记 (抄送, 印发机关 and 印发日期) at the foot of the last page."""
    return Document(
        month=month,
        issuer=issuer.issuer,
        doc_no=doc_no,
        title=title,
        running_title=running_title,
        as_of=as_of,
        recipients=issuer.recipients_line,
        blocks=list(body or []),
        issuer_mark=issuer.issuer_mark,
        title_lines=tuple(title_lines),
        annexes=list(annexes or []),
        other_attachments=tuple(other_attachments),
        signed_date=date_zh(as_of),
        note=issuer.note_line,
        cc=issuer.cc_line,
        printed_by=issuer.printed_by,
    )


_TABLE_REF = re.compile(r"(?<!附)表(\d+)")
_ANNEX_TABLE_REF = re.compile(r"附表(\d+)")
_FIGURE_REF = re.compile(r"图(\d+)")
_CAPTION = re.compile(r"^(附表|表|图)(\d+)")


def number_in_order(doc: Document) -> None:
    """Number tables (表), annex tables (附表) and figures (图) in the order they appear, and rewrite every
    reference in the text (paragraphs, captions, table notes) to the new numbers: a table left out (no one
    praised) or moved leaves no gap and no forward jump."""
    maps: dict[str, dict[str, str]] = {"表": {}, "附表": {}, "图": {}}
    for b in doc.all_blocks():
        caption = b.table.title if isinstance(b, TableBlock) else b.caption if isinstance(b, Figure) else None
        m = _CAPTION.match(caption or "")
        if m and m.group(2) not in maps[m.group(1)]:
            maps[m.group(1)][m.group(2)] = str(len(maps[m.group(1)]) + 1)

    def fix(text: str) -> str:
        if not text:
            return text
        text = _ANNEX_TABLE_REF.sub(lambda m: "附表" + maps["附表"].get(m.group(1), m.group(1)), text)
        text = _TABLE_REF.sub(lambda m: "表" + maps["表"].get(m.group(1), m.group(1)), text)
        return _FIGURE_REF.sub(lambda m: "图" + maps["图"].get(m.group(1), m.group(1)), text)

    def renumber(blocks: list) -> list:
        out = []
        for b in blocks:
            if isinstance(b, TableBlock):
                b = TableBlock(dataclasses.replace(b.table, title=fix(b.table.title), note=fix(b.table.note)))
            elif isinstance(b, Figure):
                b = dataclasses.replace(b, caption=fix(b.caption))
            elif isinstance(b, Para):
                b = dataclasses.replace(b, text=fix(b.text))
            out.append(b)
        return out

    doc.blocks[:] = renumber(doc.blocks)
    doc.annexes[:] = [Annex(a.title, renumber(a.blocks)) for a in doc.annexes]


def build_document(
    md: MonthData,
    *,
    as_of: date,
    issuer: Issuer,
    trend_png: bytes,
    violations_png: bytes,
    rectification_files: dict[str, str],
    xlsx_name: str,
    doc_number: int | None = None,
) -> Document:
    """The monthly 通报. ``doc_number``: the 发文顺序号 (default: the month's number)."""
    y, m = (int(p) for p in md.month.split("-"))
    mz = month_zh(md.month)
    doc = official_document(
        issuer,
        month=md.month,
        doc_no=issuer.doc_no(y, doc_number if doc_number is not None else m),
        title=f"关于{mz}{issuer.city}信用信息双公示报送质量情况的通报",
        title_lines=(f"关于{mz}{issuer.city}信用信息", "双公示报送质量情况的通报"),
        running_title=f"{REPORT_NAME}（{mz}）",
        as_of=as_of,
        other_attachments=(f"各部门整改清单（{len(rectification_files)}份，另发）",) if rectification_files else (),
    )
    issuer = issuer.issuer  # the sections below name the issuer in the text
    add = doc.blocks.append
    cur, prev = md.total, md.prev_total
    last_day = date(y + (m == 12), m % 12 + 1, 1)
    partial = as_of < last_day

    add(
        Para(
            f"为提升“双公示”信用信息归集质量，{issuer}对{mz}各部门报送的行政许可、行政处罚信息"
            f"（按报送日期统计）进行了质量检查，现将有关情况通报如下。"
            + (f"本通报数据截至{date_zh(as_of)}，当月数据尚不完整。" if partial else "")
        )
    )

    # 一、总体情况
    add(Heading("一、总体情况"))
    by_ds = "、".join(f"{g.label}{fmt_int(g.counts.records)}条" for g in md.datasets)
    no_prev = "" if prev is not None else "（上月无数据，不计环比）"
    if cur.records:
        figures = (
            f"{mz}共归集“双公示”信用信息{fmt_int(cur.records)}条（{by_ds}）。"
            f"合规率{fmt_pct(cur.compliance_rate)}{_change(cur.compliance_rate, prev.compliance_rate if prev else None)}；"
            f"迟报率{fmt_pct(cur.late_rate)}{_change(cur.late_rate, prev.late_rate if prev else None)}；"
            f"重错码率{fmt_pct(cur.code_error_rate, 3)}。{no_prev}"
        )
    else:
        figures = f"{mz}未归集到“双公示”信用信息，各项比率无法计算。"
    add(
        Para(
            figures
            + f"应报送部门{md.expected_departments}个，实际报送{md.reporting_departments}个；"
            f"漏报{md.missing_reports}项，涉及{md.missing_departments}个部门"
            + (f"；报送失败{len(md.failed_departments)}个部门（{_names(md.failed_departments)}）"
               if md.failed_departments else "")
            + "。"
        )
    )
    add(TableBlock(T.headline_table(md)))

    # 二、部门排名
    add(Heading("二、各部门报送质量排名"))
    if md.rules:
        tiers = "、".join(t.tier_zh for t in sorted(md.rules.tiers, key=lambda t: t.tier_order))
        add(Para(f"各部门报送质量排名见表2（{tiers}分别排名；组内按综合得分从高到低排序，"
                 "被通报批评的部门排在未被通报批评的部门之后；排名和评定规则见附件）。"))
    else:
        add(Para("各部门报送质量排名见表2（按合规率从高到低排序，合规率相同的按迟报率从低到高排序）。"))
    add(TableBlock(T.department_table(md)))

    # 三、区域与数据集
    add(Heading("三、分区域、分数据集情况"))
    add(TableBlock(T.district_table(md)))
    add(TableBlock(T.dataset_table(md)))

    # 四、表扬与通报批评
    add(Heading("四、表扬和通报批评"))
    praised, criticised = md.praised, md.criticised
    add(
        Para(
            f"根据评定标准（见附件），对{_names(praised)}{len(praised)}个部门予以表扬。"
            if praised
            else "根据评定标准（见附件），本月无部门达到表扬标准。"
        )
    )
    if praised:
        add(TableBlock(T.praise_table(md)))
    add(
        Para(
            f"对{_names(criticised)}{len(criticised)}个部门予以通报批评。"
            if criticised
            else "本月无部门触及通报批评标准。"
        )
    )
    if criticised:
        add(TableBlock(T.criticise_table(md)))
    # a small volume is not judged (min_base): say so, so that no department is passed over silently
    small = [d for d in md.departments if d.below_min_base and d.verdict != "criticise"]
    if small:
        add(Para("以下部门本月记录数少于评定标准规定的最低条数，相应指标不作通报批评评定："
                 + "；".join(f"{d.department_name}：{'，'.join(d.below_min_base)}" for d in small) + "。"))

    # 五、趋势与高频问题
    add(Heading("五、趋势和高频问题"))
    add(Figure(trend_png, f"图1  近12个月合规率与迟报率趋势（{md.trend[0].month} 至 {md.month}）"))
    add(TableBlock(T.trend_table(md)))
    if md.violations:
        top = md.violations[0]
        add(
            Para(
                f"{mz}违反次数最多的规则是“{top.rule_message_zh}”，共{fmt_int(top.count)}次，"
                f"涉及{top.departments}个部门。高频问题见图2和表7。"
            )
        )
    else:
        add(Para(f"{mz}未发现不合规或迟报的记录。"))
    add(Figure(violations_png, "图2  本月高频问题"))
    add(TableBlock(T.violation_table(md, limit=T.TOP_VIOLATIONS)))

    # 六、报送文件无法读取及被拒收的数据
    add(Heading("六、报送文件无法读取及被拒收的数据"))
    if not md.intake_available:
        add(Para("数据仓库中没有报送文件归集结果表，本月未统计无法读取的文件和被拒收的数据。"))
    elif md.intake:
        failed = md.failed_departments
        add(
            Para(
                f"{mz}有{len(md.intake)}个部门报送的文件无法读取或部分数据行被拒收，这些数据未能归集，"
                "不计入上述各项指标。"
                + (f"其中{_names(failed)}报送的文件全部未能入库，本月记为“报送失败”（不计漏报，不参与排名）。"
                   if failed else "")
                + "请有关部门按表10所列原因和整改要求修正后重新报送；各部门整改清单首先列出这些文件。"
            )
        )
        add(TableBlock(T.intake_table(md)))
    else:
        add(Para(f"{mz}各部门报送的文件均已读取，没有被拒收的数据。"))

    # 七、整改要求
    add(Heading("七、整改要求"))
    rect = T.rectification_departments(md)
    if rect:
        add(
            Para(
                f"请以下{len(rect)}个部门对照所附整改清单，"
                + ("先处理无法读取、被拒收的文件，再" if md.intake else "")
                + "逐条核实不合规、迟报记录，"
                "更正后重新报送；被通报批评的部门要分析原因、落实责任，在下一报送周期内完成整改。"
            )
        )
        add(TableBlock(T.rectification_table(md, rectification_files)))
    else:
        add(Para("本月无需整改的记录。"))
    # 整改 to closure: held records of earlier months stay listed until corrected; overdue departments named
    for line in R.progress_lines(md):
        add(Para(line))
    if md.progress:
        add(TableBlock(R.progress_table(md)))
    add(Para(f"本通报各表完整数据（含各部门分数据集明细）见随文印发的电子表格《{REPORT_NAME}（{mz}）》。"))

    # 附件 (own pages, after the 落款; listed in the 附件说明 with the 整改清单 sent separately)
    doc.annexes.append(Annex("评定标准与指标口径", [
        # the rules in words, from the rows judged with: 评定规则 (附表1's note), 排名规则 (附表2's note) and this
        *([Para(J.defects_rule_zh(md.rules))] if md.rules else []),
        TableBlock(T.threshold_table(md)),
        TableBlock(T.definition_table(md)),
        Para(
            "数据来源：信用数据仓库中各部门按月、按数据集汇总的报送质量表，规则违反汇总表，整改明细表，"
            f"以及报送文件归集结果表；报送月份为{mz}。",
            small=True,
        ),
    ]))
    number_in_order(doc)
    return doc
