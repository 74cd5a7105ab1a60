"""The report's tables, built once and rendered identically to PDF, HTML and Excel."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .fmt import (
    DASH,
    dataset_zh,
    fmt_int,
    fmt_pct,
    fmt_pp,
    month_zh,
)
from .model import INTAKE_FILE_REFUSED, Group, MonthData, delta
from . import judgement as J
from .thresholds import ACTION_ZH, COMPARATOR_ZH, pct_exact

# Column kinds: how a value is shown (PDF/HTML) and written (Excel).
#   text | int | rate (2 dp %) | rate3 (3 dp %) | ratex (% unrounded, for thresholds)
#   | pp (Δ in percentage points, 2 dp) | pp3 | num (shown as is)
PCT_DIGITS = {"rate": 2, "rate3": 3, "pp": 2, "pp3": 3}


@dataclass(frozen=True)
class Col:
    label: str
    kind: str = "text"
    width: float = 10.0  # relative PDF width
    pdf: bool = True  # shown in the PDF/HTML (Excel always has every column)


@dataclass(frozen=True)
class V:
    """A cell whose kind differs from its column's (e.g. the 总体情况 table)."""

    value: Any
    kind: str


@dataclass
class Table:
    key: str
    sheet: str  # Excel sheet name (Chinese, ≤ 31 chars)
    title: str
    columns: list[Col]
    rows: list[list[Any]]
    note: str = ""
    row_styles: list[str | None] = field(default_factory=list)  # "praise"/"criticise"/None

    def pdf_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.pdf]


def cell_kind(col: Col, value: Any) -> tuple[Any, str]:
    if isinstance(value, V):
        return value.value, value.kind
    return value, col.kind


def fmt_cell(col: Col, value: Any) -> str:
    value, kind = cell_kind(col, value)
    if value is None:
        return DASH
    if kind == "int":
        return fmt_int(value)
    if kind in ("rate", "rate3"):
        return fmt_pct(value, PCT_DIGITS[kind])
    if kind in ("pp", "pp3"):
        return fmt_pp(value, PCT_DIGITS[kind])
    if kind == "ratex":
        return pct_exact(Fraction(value))
    return str(value)


def excel_value(col: Col, value: Any) -> tuple[Any, str]:
    """(value for Excel, kind). Rates as floats 0-1; Δ as float percentage points."""
    value, kind = cell_kind(col, value)
    if value is None:
        return None, kind
    if kind in ("rate", "rate3", "ratex"):
        return float(Fraction(value)), kind
    if kind in ("pp", "pp3"):
        return float(Fraction(value) * 100), kind
    if kind == "int":
        return int(value), kind
    if kind == "num" and isinstance(value, Fraction):
        return float(value), kind
    return value, kind


# --------------------------------------------------------------------------- definitions

# The ranking of rollups by their rates (表3 districts, and the period 通报's departments). The monthly 通报 ranks
# departments by the build's rules (judgement.ranking_rule_zh), stated from the same data it ranked with.
RANKING_RULE = (
    "排名规则：按合规率从高到低排序；合规率相同的，按迟报率从低到高排序；两项均相同的并列同一名次"
    "（按部门编码先后列示）。当月未报送任何数据的部门不参与排名，列于表末。"
    "环比为本月比率减上月比率，单位为百分点；上月无数据的记为“—”。"
)

JUDGING_RULE = (
    "评定规则：每个部门按其当月全部数据集（行政处罚、行政许可）的记录数合计后重新计算比率（不对比率取平均）；"
    "全部表扬条件同时满足的予以表扬；任一通报批评条件满足的予以通报批评；被通报批评的部门不予表扬；"
    "比率分母为零（无法计算）的，该项条件视为不满足。判定以未经四舍五入的精确比值为准，"
    "表中比率保留两位小数（重错码率保留三位）。"
)

METRIC_DEFINITIONS: list[tuple[str, str]] = [
    ("报送月份", "按报送日期（数据报送到信用中心的日期）所在月份统计。"),
    (
        "报送条数（记录数）",
        "当月收到的记录数；同一部门此前已报送、各字段内容（解码、去空格后）完全相同的重复记录不计；"
        "更正或撤销后重新报送的决定，计为到达当月的新记录。",
    ),
    (
        "合规率",
        "合规记录数 ÷ 记录数。合规记录指通过所属数据集全部字段规则（必填项、代码表、统一社会信用代码等标识校验、"
        "日期与金额格式、日期先后、条件必填）的记录。标识与代码值统一全角与半角字符、去空格、转大写后判断。",
    ),
    (
        "迟报率",
        "迟报记录数 ÷ 决定日期可识别的记录数。迟报指报送日期晚于决定日期后第 7 个工作日"
        "（按国务院公布的节假日及调休安排计算），以该决定首次报送为准，后续更正不再重复计为迟报。",
    ),
    (
        "重错码率",
        "（错码记录数 ＋ 重码记录数）÷ 行政相对人类别为“法人及非法人组织”或“个体工商户”的记录数。"
        "错码：统一社会信用代码缺失或不符合 GB 32100-2015 校验规则；"
        "重码：同一统一社会信用代码对应两个及以上不同的（规范化后非空）名称。",
    ),
    ("漏报", "应报送某数据集的部门当月未报送任何该数据集记录，每个部门×数据集计一项；报送了文件但全部无法读取或被拒收的部门计为“报送失败”，不计漏报。"),
    (
        "报送失败",
        "部门当月报送了文件，但没有任何一条数据入库：文件全部无法读取（已隔离），或其中的数据行全部被拒收。"
        "报送失败的部门不参与排名，其文件和原因见“报送文件无法读取及被拒收的数据”。",
    ),
    (
        "完整率",
        "已填写的必填数据项数 ÷ 数据集要求填写的必填数据项数（每条记录按其数据集的必填项计）；必填项全部填写即为100%。"
        "选填数据项的填写率另行列示（选填项填写率），不影响完整率。按部门×数据集列示于“部门数据集明细”。",
    ),
    (
        "合规率（评定口径）",
        "表扬、通报批评和排名使用的合规率：一个问题只计一次，已由重错码率计量的统一社会信用代码问题不再计为不合规。"
        "公布的合规率仍按全部字段规则计算。",
    ),
    ("综合得分", "按附件所列权重，由合规率（评定口径）、迟报率、重错码率加权计算的0–100分，用于分组排名。"),
    ("应报送部门", "当月应报送至少一个数据集的部门（含当月有报送的部门）。"),
]


# --------------------------------------------------------------------------- builders


def headline_table(md: MonthData) -> Table:
    cur, prev = md.total, md.prev_total
    prev_depts = md.prev_departments
    prev_reporting = sum(1 for d in prev_depts.values() if d.reported) if prev_depts else None
    prev_missing = sum(d.missing_report_count for d in prev_depts.values()) if prev_depts else None
    prev_missing_depts = sum(1 for d in prev_depts.values() if d.missing_datasets) if prev_depts else None

    def int_row(label, a, b):
        diff = None if a is None or b is None else a - b
        return [label, V(a, "int"), V(b, "int"), V(diff, "int")]

    def rate_row(label, a, b, kind="rate"):
        pk = "pp3" if kind == "rate3" else "pp"
        return [label, V(a, kind), V(b, kind), V(delta(a, b), pk)]

    rows = [
        int_row("归集记录数（条）", cur.records, prev.records if prev else None),
        int_row("合规记录数（条）", cur.compliant, prev.compliant if prev else None),
        rate_row("合规率", cur.compliance_rate, prev.compliance_rate if prev else None),
        int_row("迟报记录数（条）", cur.late, prev.late if prev else None),
        rate_row("迟报率", cur.late_rate, prev.late_rate if prev else None),
        rate_row("重错码率", cur.code_error_rate, prev.code_error_rate if prev else None, "rate3"),
        int_row("应报送部门数（个）", md.expected_departments, len(prev_depts) if prev_depts else None),
        int_row("实际报送部门数（个）", md.reporting_departments, prev_reporting),
        int_row("漏报项数（部门×数据集）", md.missing_reports, prev_missing),
        int_row("漏报部门数（个）", md.missing_departments, prev_missing_depts),
        int_row("报送失败部门数（个）", len(md.failed_departments),
                sum(1 for d in prev_depts.values() if d.submission_failed) if prev_depts else None),
        int_row("表扬部门数（个）", len(md.praised), None),
        int_row("通报批评部门数（个）", len(md.criticised), None),
    ]
    return Table(
        key="headline",
        sheet="总体情况",
        title="表1  总体情况",
        columns=[
            Col("指标", "text", 40),
            Col(f"本月（{month_zh(md.month)}）", "text", 25),
            Col(f"上月（{month_zh(md.prev_month)}）", "text", 25),
            Col("环比（比率为百分点）", "text", 25),
        ],
        rows=rows,
    )


def _verdict_zh(v: str | None) -> str:
    return ACTION_ZH.get(v, "") if v else ""


def department_table(md: MonthData) -> Table:
    rows, styles = [], []
    for d in md.departments:
        c, p = d.counts, d.prev
        rows.append(
            [
                d.rank,
                d.department,
                d.department_name,
                d.tier_zh or None,
                d.district,
                c.records,
                c.compliant,
                c.compliance_rate,
                delta(c.compliance_rate, p.compliance_rate if p else None),
                c.late,
                c.date_readable,
                c.late_rate,
                delta(c.late_rate, p.late_rate if p else None),
                c.code_check,
                c.code_error,
                c.code_conflict,
                c.code_error_rate,
                d.missing_zh,
                d.status_zh,
                J.score_zh(d.score),
                _verdict_zh(d.verdict),
            ]
        )
        styles.append(d.verdict or ("criticise" if d.submission_failed else None))
    return Table(
        key="departments",
        sheet="部门排名",
        title="表2  各部门报送质量排名",
        columns=[
            Col("排名", "num", 9),
            Col("部门编码", "text", 14, pdf=False),
            Col("部门", "text", 34),
            Col("分组", "text", 15),
            Col("所属区域", "text", 15, pdf=False),
            Col("报送条数", "int", 15),
            Col("合规条数", "int", 14, pdf=False),
            Col("合规率", "rate", 16),
            Col("合规率环比（百分点）", "pp", 16),
            Col("迟报条数", "int", 14, pdf=False),
            Col("决定日期可识别条数", "int", 14, pdf=False),
            Col("迟报率", "rate", 15),
            Col("迟报率环比（百分点）", "pp", 16),
            Col("重错码校验条数", "int", 14, pdf=False),
            Col("错码条数", "int", 14, pdf=False),
            Col("重码条数", "int", 14, pdf=False),
            Col("重错码率", "rate3", 16),
            Col("漏报", "text", 15),
            Col("报送状态", "text", 15),
            Col("综合得分", "text", 14, pdf=False),  # Excel; the PDF's table is at its width limit
            Col("评定", "text", 15),
        ],
        rows=rows,
        note=J.ranking_rule_zh(md.rules) if md.rules else RANKING_RULE,
        row_styles=styles,
    )


def _group_rows(groups: list[Group], first_cols) -> list[list]:
    rows = []
    for g in groups:
        c, p = g.counts, g.prev
        rows.append(
            first_cols(g)
            + [
                g.departments,
                g.reporting,
                c.records,
                c.compliant,
                c.compliance_rate,
                delta(c.compliance_rate, p.compliance_rate if p else None),
                c.late,
                c.date_readable,
                c.late_rate,
                delta(c.late_rate, p.late_rate if p else None),
                c.code_check,
                c.code_error + c.code_conflict,
                c.code_error_rate,
                g.missing,
            ]
        )
    return rows


_GROUP_COLS = [
    Col("部门数", "int", 11),
    Col("报送部门数", "int", 13),
    Col("报送条数", "int", 15),
    Col("合规条数", "int", 14, pdf=False),
    Col("合规率", "rate", 15),
    Col("合规率环比（百分点）", "pp", 16),
    Col("迟报条数", "int", 14, pdf=False),
    Col("决定日期可识别条数", "int", 14, pdf=False),
    Col("迟报率", "rate", 15),
    Col("迟报率环比（百分点）", "pp", 16),
    Col("重错码校验条数", "int", 14, pdf=False),
    Col("错码及重码条数", "int", 14, pdf=False),
    Col("重错码率", "rate3", 16),
    Col("漏报项数", "int", 12),
]


def district_table(md: MonthData) -> Table:
    return Table(
        key="districts",
        sheet="区域汇总",
        title="表3  分区域汇总",
        columns=[Col("排名", "num", 9), Col("区域", "text", 20)] + _GROUP_COLS,
        rows=_group_rows(md.districts, lambda g: [g.rank, g.label]),
        note="按部门所属区域汇总各部门记录数后计算比率；按合规率从高到低排序，合规率相同的按迟报率从低到高排序。",
    )


def dataset_table(md: MonthData) -> Table:
    cols = [Col("数据集", "text", 20)] + [
        Col("涉及部门数", c.kind, c.width, c.pdf) if c.label == "部门数" else c for c in _GROUP_COLS
    ]
    return Table(
        key="datasets",
        sheet="数据集汇总",
        title="表4  分数据集汇总",
        columns=cols,
        rows=_group_rows(md.datasets, lambda g: [g.label]),
        note="漏报项数：应报送该数据集而当月未报送的部门数。",
    )


def praise_table(md: MonthData) -> Table:
    rows = [
        [
            d.department_name,
            d.district,
            d.counts.records,
            d.counts.compliance_rate,
            d.counts.late_rate,
            "；\n".join(d.reasons),
        ]
        for d in md.praised
    ]
    return Table(
        key="praise",
        sheet="表扬名单",
        title="表5  表扬名单",
        columns=[
            Col("部门", "text", 34),
            Col("所属区域", "text", 16),
            Col("报送条数", "int", 16),
            Col("合规率", "rate", 16),
            Col("迟报率", "rate", 16),
            Col("表扬理由（满足的全部条件）", "text", 82),
        ],
        rows=rows,
        row_styles=["praise"] * len(rows),
    )


def criticise_table(md: MonthData) -> Table:
    rows = [
        [
            d.department_name,
            d.district,
            d.counts.records,
            d.counts.compliance_rate,
            d.counts.late_rate,
            d.counts.code_error_rate,
            d.missing_zh,
            "；\n".join(d.reasons),
        ]
        for d in md.criticised
    ]
    return Table(
        key="criticise",
        sheet="通报批评名单",
        title="表6  通报批评名单",
        columns=[
            Col("部门", "text", 30),
            Col("所属区域", "text", 14),
            Col("报送条数", "int", 14),
            Col("合规率", "rate", 15),
            Col("迟报率", "rate", 15),
            Col("重错码率", "rate3", 15),
            Col("漏报", "text", 14),
            Col("批评理由（触及的条件）", "text", 63),
        ],
        rows=rows,
        row_styles=["criticise"] * len(rows),
    )


TOP_VIOLATIONS = 10


def violation_table(md: MonthData, limit: int | None = None) -> Table:
    total_v = sum(v.count for v in md.violations)
    vs = md.violations if limit is None else md.violations[:limit]
    rows = [
        [i, v.rule_id, v.rule_message_zh, v.count, v.departments, Fraction(v.count, total_v)]
        for i, v in enumerate(vs, start=1)
    ]
    note = f"本月问题（含迟报）共 {fmt_int(total_v)} 次，涉及 {len(md.violations)} 条规则。"
    if limit is not None and len(md.violations) > limit:
        note += f"表中列出前 {limit} 条，完整列表见 Excel 附表“高频问题”。"
    return Table(
        key="violations",
        sheet="高频问题",
        title="表7  高频问题（按违反次数排序）",
        columns=[
            Col("序号", "int", 9),
            Col("规则编号", "text", 27, pdf=False),  # rule ids are for analysts (Excel only)
            Col("问题（违反的规则）", "text", 85),
            Col("违反次数", "int", 18),
            Col("涉及部门数", "int", 18),
            Col("占比", "rate", 16),
        ],
        rows=rows,
        note=note,
    )


def trend_table(md: MonthData) -> Table:
    rows = []
    for t in md.trend:
        c = t.counts
        if c is None:
            rows.append([t.month, None, None, None, None, None, None, None])
        else:
            rows.append(
                [
                    t.month,
                    c.records,
                    c.compliance_rate,
                    c.late_rate,
                    c.code_error_rate,
                    t.expected,
                    t.reporting,
                    t.missing,
                ]
            )
    return Table(
        key="trend",
        sheet="月度趋势",
        title="表8  近12个月趋势",
        columns=[
            Col("报送月份", "text", 20),
            Col("报送条数", "int", 20),
            Col("合规率", "rate", 20),
            Col("迟报率", "rate", 20),
            Col("重错码率", "rate3", 20),
            Col("应报送部门数", "int", 20),
            Col("实际报送部门数", "int", 20),
            Col("漏报项数", "int", 20),
        ],
        rows=rows,
        note="“—”表示该月仓库中无数据。",
    )


def rectification_departments(md: MonthData) -> dict[str, str]:
    """Department code -> name of every department with a 整改清单: refused files or rows, or items."""
    names = {d.department: d.department_name for d in md.departments}
    out = {dept: ps[0].department_name for dept, ps in md.intake.items()}
    out.update({dept: items[0].department_name for dept, items in md.items.items()})
    return {dept: names.get(dept, out[dept]) for dept in sorted(out)}


def rectification_table(md: MonthData, filenames: dict[str, str]) -> Table:
    rows = []
    for dept, name in rectification_departments(md).items():
        items = md.items.get(dept, [])
        records = {(it.dataset, it.record_id, it.source_file, it.source_row) for it in items}
        rows.append(
            [
                dept,
                name,
                sum(1 for it in items if it.issue_kind == "violation" and not it.is_warning),
                sum(1 for it in items if it.issue_kind == "late"),
                sum(1 for it in items if it.is_warning),
                len(records),
                len(md.intake.get(dept, [])),
                filenames.get(dept, ""),
            ]
        )
    return Table(
        key="rectification",
        sheet="整改清单汇总",
        title="表9  整改清单汇总",
        columns=[
            Col("部门编码", "text", 14, pdf=False),
            Col("部门", "text", 38),
            Col("不合规问题（条）", "int", 20),
            Col("迟报问题（条）", "int", 18),
            Col("提示（条）", "int", 14),
            Col("涉及记录（条）", "int", 18),
            Col("文件拒收问题（项）", "int", 18),
            Col("整改清单文件", "text", 60, pdf=False),  # file names: Excel only (the 附件说明 lists them)
        ],
        rows=rows,
        note="一条记录违反多条规则的，每条规则列为一个问题；“提示”为不影响合规判定的疑似问题，请核实。"
        "文件拒收问题：无法读取的文件（工作表），以及每个文件按原因汇总的被拒收数据行（见“报送文件无法读取及被拒收的数据”部分）。",
    )


INTAKE_COLUMNS = [
    Col("部门编码", "text", 14, pdf=False),
    Col("部门", "text", 22),
    Col("报送日期", "text", 22),
    Col("文件名", "text", 34),
    Col("工作表", "text", 14, pdf=False),
    Col("处理结果", "text", 16),
    Col("原因代码", "text", 16, pdf=False),
    Col("原因", "text", 40),
    Col("拒收行数", "int", 12),
    Col("拒收行号", "text", 14, pdf=False),
    Col("整改要求", "text", 44),
]


def intake_rows(problems) -> list[list]:
    return [
        [
            p.department,
            p.department_name,
            p.drop_date,
            p.file_name,
            p.sheet_name,
            p.kind,
            p.reason_code,
            p.reason_zh,
            p.rows,
            p.rows_zh,
            p.what_to_do_zh,
        ]
        for p in problems
    ]


def intake_table(md: MonthData) -> Table:
    problems = [p for ps in md.intake.values() for p in ps]
    files = sum(1 for p in problems if p.kind == INTAKE_FILE_REFUSED)
    rows_refused = sum(p.rows or 0 for p in problems if p.kind != INTAKE_FILE_REFUSED)
    failed = md.failed_departments
    note = (
        f"本月无法读取的文件（工作表）{files}个，被拒收的数据行{fmt_int(rows_refused)}行，涉及{len(md.intake)}个部门"
        + (f"；报送失败（报送的文件全部未能入库）的部门{len(failed)}个：{'、'.join(d.department_name for d in failed)}"
           if failed else "")
        + "。被拒收数据行只列行数和行号，不列报送内容。"
    )
    return Table(
        key="intake",
        sheet="报送文件拒收情况",
        title="表10  报送文件无法读取及被拒收的数据",
        columns=list(INTAKE_COLUMNS),
        rows=intake_rows(problems),
        note=note,
        row_styles=["criticise" if p.department in {d.department for d in failed} else None for p in problems],
    )


def detail_table(md: MonthData) -> Table:
    rows = []
    for r in md.rows:
        c = r.counts
        rows.append(
            [
                r.department,
                r.department_name,
                r.district,
                dataset_zh(r.dataset),
                "是" if r.is_missing_report else "否",
                c.records,
                c.compliant,
                r.compliance_rate,
                c.late,
                c.date_readable,
                r.late_rate,
                r.on_time_rate,
                c.code_check,
                c.code_error,
                c.code_conflict,
                r.code_error_rate,
                r.completeness_rate,
                r.optional_completeness_rate,
            ]
        )
    return Table(
        key="detail",
        sheet="部门数据集明细",
        title="部门×数据集明细（数据源 marts.dual_disclosure_compliance）",
        columns=[
            Col("部门编码"),
            Col("部门"),
            Col("所属区域"),
            Col("数据集"),
            Col("漏报"),
            Col("报送条数", "int"),
            Col("合规条数", "int"),
            Col("合规率", "rate"),
            Col("迟报条数", "int"),
            Col("决定日期可识别条数", "int"),
            Col("迟报率", "rate"),
            Col("按时率", "rate"),
            Col("重错码校验条数", "int"),
            Col("错码条数", "int"),
            Col("重码条数", "int"),
            Col("重错码率", "rate3"),
            Col("完整率", "rate"),
            Col("选填项填写率", "rate"),
        ],
        rows=rows,
    )


def threshold_table(md: MonthData) -> Table:
    rows = [
        [
            ACTION_ZH[t.action],
            t.metric_zh,
            t.metric,
            COMPARATOR_ZH[t.comparator],
            V(t.value, "ratex") if t.is_rate else V(int(t.value), "int"),
            t.condition_zh(),
            J.threshold_base_zh(t),
            t.description_zh,
        ]
        for t in md.thresholds
    ]
    return Table(
        key="thresholds",
        sheet="评定标准",
        title="附表1  表扬与通报批评标准",
        columns=[
            Col("评定", "text", 20),
            Col("指标", "text", 22),
            Col("指标字段", "text", 34, pdf=False),  # the mart column, for analysts (Excel only)
            Col("比较", "text", 10),
            Col("阈值", "text", 18),
            Col("条件", "text", 30),
            Col("最低基数（条）", "text", 30),
            Col("说明", "text", 46),
        ],
        rows=rows,
        note=J.judging_rule_zh(md.rules) if md.rules else JUDGING_RULE,
    )


def definition_table(md: MonthData | None = None) -> Table:
    """``md``: the month's 通报 (its ranking rule, from the build's rules); without it the rollups' rule."""
    return Table(
        key="definitions",
        sheet="指标口径",
        title="附表2  指标口径",
        columns=[Col("指标", "text", 34), Col("口径", "text", 146)],
        rows=[[a, b] for a, b in METRIC_DEFINITIONS],
        note=J.ranking_rule_zh(md.rules) if md is not None and md.rules else RANKING_RULE,
    )
