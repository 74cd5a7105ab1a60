"""The 通报's annex tables: the 整改清单 summary, what the intake refused, the per department × dataset detail,
the thresholds as the build published them and the definitions of the figures."""
from __future__ import annotations

from . import judgement as J
from .cells import Col, Table, V
from .fmt import dataset_zh, fmt_int
from .month_data import INTAKE_FILE_REFUSED, MonthData
from .rule_text import JUDGING_RULE, RANKING_RULE, metric_definitions
from .thresholds import ACTION_ZH, COMPARATOR_ZH

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
        rows=[[a, b] for a, b in metric_definitions()],
        note=J.ranking_rule_zh(md.rules) if md is not None and md.rules else RANKING_RULE,
    )
