"""The 通报 as a sequence of blocks (headings, paragraphs, tables, figures), in Chinese.

PDF and HTML both render this one structure, so they say exactly the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import tables as T
from .fmt import date_zh, fmt_int, fmt_pct, fmt_pp, month_zh
from .model import MonthData, delta

REPORT_NAME = "信用信息双公示报送质量通报"
DEFAULT_ISSUER = "市公共信用信息中心"
DEFAULT_DOC_PREFIX = "信用通报"


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


@dataclass
class Document:
    month: str
    issuer: str
    doc_no: str
    title: str
    running_title: str
    as_of: date
    recipients: str
    blocks: list = field(default_factory=list)

    def all_text(self) -> str:
        """Every string the document shows (to check font coverage)."""
        parts = [self.issuer, self.doc_no, self.title, self.running_title, self.recipients,
                 "第页共0123456789 —"]
        for b in self.blocks:
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


def build_document(
    md: MonthData,
    *,
    as_of: date,
    issuer: str,
    doc_prefix: str,
    trend_png: bytes,
    violations_png: bytes,
    rectification_files: dict[str, str],
    xlsx_name: str,
) -> Document:
    y, m = (int(p) for p in md.month.split("-"))
    mz = month_zh(md.month)
    doc = Document(
        month=md.month,
        issuer=issuer,
        doc_no=f"{doc_prefix}〔{y}〕{m}号",
        title=f"关于{mz}信用信息双公示报送质量情况的通报",
        running_title=f"{REPORT_NAME}（{mz}）",
        as_of=as_of,
        recipients="各有关部门：",
    )
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
        add(Para("数据仓库中没有归集结果表（marts.fct_intake_file），本月未统计无法读取的文件和被拒收的数据。"))
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
    add(
        Para(
            f"本通报各表完整数据（含各部门分数据集明细）见同名 Excel 文件《{xlsx_name}》。",
            small=True,
        )
    )
    add(Signature(issuer, date_zh(as_of)))

    # 附件
    add(PageBreak())
    add(Heading("附件：评定标准与指标口径"))
    add(TableBlock(T.threshold_table(md)))
    add(TableBlock(T.definition_table()))
    add(
        Para(
            "数据来源：信用数据仓库 marts.dual_disclosure_compliance（部门×月份×数据集报送质量）、"
            "marts.fct_rule_violation_summary（规则违反汇总）、marts.fct_rectification_item（整改清单）、"
            "marts.fct_intake_file 和 marts.fct_intake_rejection_summary（报送文件归集结果），"
            f"报送月份 {md.month}。",
            small=True,
        )
    )
    return doc
