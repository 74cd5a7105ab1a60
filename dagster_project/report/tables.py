"""The report's tables, built once and rendered identically to PDF, HTML and Excel: the 通报 body's tables here;
the cells they are made of in cells.py, the annex tables in annex_tables.py (both re-exported: ``T.Col``,
``T.detail_table``), the wording of the rules in rule_text.py."""
from __future__ import annotations

from fractions import Fraction

from . import judgement as J
from .annex_tables import (  # noqa: F401 - re-exported: the writers take every table from here
    INTAKE_COLUMNS,
    definition_table,
    detail_table,
    intake_rows,
    intake_table,
    rectification_departments,
    rectification_table,
    threshold_table,
)
from .cells import PCT_DIGITS, Col, Table, V, cell_kind, excel_value, fmt_cell  # noqa: F401 - re-exported
from .fmt import fmt_int, month_zh
from .month_data import Group, MonthData, delta
from .rule_text import JUDGING_RULE, RANKING_RULE, metric_definitions  # noqa: F401 - re-exported
from .thresholds import ACTION_ZH


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
