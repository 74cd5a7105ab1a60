"""The quarterly and annual 通报 (``credit report --quarter 2026-Q3`` / ``--year 2026``), from frozen months only.

A period's figures are the sums of its months' figures as issued (report/issuance.py: the latest version of each
month's 通报), never tonight's marts: what was sent out adds up. Rates are recomputed from the summed counts
(合规率 = Σ合规条数 ÷ Σ报送条数 …), never averaged over months. A period with a month that was not issued is
refused, naming the months to issue first; the previous period is compared only when all of its months were
issued too. 表扬 and 通报批评 are the months' verdicts as issued (how many months each department was praised or
criticised), not a new judgement; the 整改 figures are those of the months' 整改清单 as issued. Changes since a
month was issued are listed (issued vs now) in 更正情况 but do not change the period's figures.

The period's ranking is the monthly one (report/judgement.py rank_in_tiers, the one scorer): within the tiers
(市直部门 / 区（县）部门), by the composite score of the period's rates recomputed from the summed counts (合规率 as
judged: Σ评定口径合规条数 ÷ Σ报送条数), with the rules the period's last month was judged by (rules.json of its
issue, report/issuance.py — never today's seeds). "Criticised" for a period means 通报批评 in any issued month of the
period (what the departments were told; no new verdict is made for a quarter or a year): such a department ranks
after every department of its tier that was never criticised in the period.
"""
from __future__ import annotations

import contextlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path

from dagster_project import pii

from . import tables as T
from .charts import _Canvas, _pct_formatter, _style_ticks, font_properties
from .content import REPORT_NAME, Annex, Document, Figure, Heading, Para, TableBlock, number_in_order, official_document
from .errors import ReportError
from .excel import write_report_workbook
from .fmt import DATASET_ORDER, dataset_zh, fmt_int, fmt_pct, month_zh
from .html import render_html
from .issuer import Issuer, load_issuer
from .issuance import (
    CORRECTION_MARK, DRAFT_MARK, Correction, Issue, IssueError, IssuedStore, build_info, correction_table,
    department_rows, figure_rows, find_corrections, mark_title, months_of, period_kind, period_zh, previous_period,
    _check_issue_allowed,
)
from . import judgement as J
from . import verdicts as V
from . import period_ranking as PR
from .model import Counts, Department, Group, MartRow, MonthData, MonthTotal, Violation, total
from .verdicts import assign_ranks, sort_key
from .pdf import render_pdf

#: Sheets of a quarterly or annual workbook, in order.
PERIOD_SHEETS = ("总体情况", "部门排名", "区域汇总", "数据集汇总", "逐月趋势", "部门逐月合规率", "表扬与通报批评",
                 "高频问题", "整改情况", "已通报数据变动", "所据月度通报", "指标口径")
#: 发文字号 numbers: a month's 通报 uses its month (1-12); a quarter's 12 + n, the year's 17, so none collide.
DOC_NUMBER = {"quarter": lambda q: 12 + q, "year": lambda _: 17}

PERIOD_RULE = (
    "本通报的数字为本期各月已印发通报冻结的数字之和（各月以最新印发的版本为准），比率由合计的条数重新计算"
    "（如合规率＝各月合规条数之和÷各月报送条数之和），不对各月比率取平均；排名规则同月度通报，综合得分按本期合计"
    "重新计算的比率和本期末月通报所据的评定规则计算；本期任一月被通报批评的部门排在本组从未被通报批评的部门之后。"
    "表扬、通报批评为各月通报的评定次数。各月通报印发后数据的变动列于“已通报数据变动”，不改变本期数字。"
)


@dataclass
class PeriodData:
    period: str
    kind: str
    months: list[str]
    issues: dict[str, Issue]  # month -> the issue whose figures are used
    md: MonthData  # the period as a MonthData (rows, departments ranked, groups, trend, violations)
    monthly: dict[str, dict[str, Counts]]  # month -> department -> counts as issued
    verdicts: dict[str, dict[str, dict]]  # month -> department -> issued department row
    prev_available: bool
    corrections: list[Correction] = field(default_factory=list)
    rules: J.Rules | None = None  # the rules the ranking used: those the period's last month was judged by
    rules_month: str | None = None  # the month whose issue kept them (None: the published build's, see rules_note)
    criticised: frozenset = frozenset()  # departments criticised in any issued month of the period
    month_rules: dict = field(default_factory=dict)  # month -> the Rules its issue kept (None: not kept)

    @property
    def rules_note(self) -> str:
        return PR.rules_note(self.months, self.month_rules, self.rules, self.rules_month)


def _sum_rows(period: str, rows: list[MartRow]) -> list[MartRow]:
    """department × dataset over the months: counts summed; 漏报 when missing in every month."""
    by: dict[tuple[str, str], list[MartRow]] = defaultdict(list)
    for r in rows:
        by[(r.department, r.dataset)].append(r)
    out = []
    for (dept, ds), rs in sorted(by.items()):
        c = total(r.counts for r in rs)
        last = rs[-1]
        out.append(MartRow(dept, last.department_name, last.district, period, ds, c,
                           is_missing_report=all(r.is_missing_report for r in rs),
                           compliance_rate=_f(c.compliance_rate), late_rate=_f(c.late_rate),
                           on_time_rate=_f(Fraction(c.date_readable - c.late, c.date_readable)
                                           if c.date_readable else None),
                           code_error_rate=_f(c.code_error_rate), completeness_rate=None,
                           judged_compliant=None if any(r.judged_compliant is None for r in rs)
                           else sum(r.judged_compliant for r in rs)))
    return out


def _f(x):
    return None if x is None else float(x)


def load_period(warehouse: Path, period: str, store: IssuedStore | None = None) -> PeriodData:
    kind = period_kind(period)
    if kind == "month":
        raise ReportError(f"{period} 是月份：月度通报请用 --month / use --month for a month")
    months = months_of(period)
    store = store or IssuedStore(warehouse)
    issued = store.issued_months()
    missing = [m for m in months if m not in issued]
    if missing:
        raise IssueError(
            f"{period_zh(period)}通报只用各月已印发（冻结）的数字，{'、'.join(missing)} 的月度通报尚未印发；请先逐月印发"
            f"（credit report --month {missing[0]} --issue …）/ {period}: months not issued yet: {', '.join(missing)}")
    issues = {m: issued[m] for m in months}
    monthly_rows = {m: store.figures(issues[m]) for m in months}
    verdicts = {m: store.departments(issues[m]) for m in months}
    rows = _sum_rows(period, [r for m in months for r in monthly_rows[m]])
    month_rules, rules, rules_month = PR.period_rules(warehouse, store, issues)
    criticised = frozenset(code for m in months for code, v in verdicts[m].items() if v.get("verdict") == "criticise")

    prev = previous_period(period)
    prev_months = months_of(prev)
    prev_available = all(m in issued for m in prev_months)
    prev_rows = _sum_rows(prev, [r for m in prev_months for r in store.figures(issued[m])]) if prev_available else []

    def departments(rs: list[MartRow]) -> dict[str, Department]:
        by: dict[str, list[MartRow]] = defaultdict(list)
        for r in rs:
            by[r.department].append(r)
        return {d: Department(d, x[-1].department_name, x[-1].district, total(r.counts for r in x),
                              tuple(r.dataset for r in x), tuple(r.dataset for r in x if r.is_missing_report),
                              judged_compliant=PR.judged_sum(x))
                for d, x in sorted(by.items())}

    # departments that sent nothing any month but were 报送失败 in an issued month still belong in the period
    for m in months:
        for code, v in verdicts[m].items():
            if v.get("status_zh") is not None and not any(r.department == code for r in rows):
                rows.append(MartRow(code, v["department_name"], v["district"] or "未注明", period, "", Counts(),
                                    False, None, None, None, None, None))
    depts = departments([r for r in rows if r.dataset] + [r for r in rows if not r.dataset])
    prev_depts = departments(prev_rows)
    for code, d in depts.items():
        d.prev = prev_depts[code].counts if code in prev_depts else None
        d.datasets = tuple(x for x in d.datasets if x)
    # the monthly ranking (tiers, composite score, criticised last), by the period's recomputed rates
    ranked = J.rank_in_tiers(list(depts.values()), rules, None, criticised=lambda d: d.department in criticised)

    def groups(key_of, label_of, cur: list[Department], before: dict[str, Department], missing_of) -> list[Group]:
        out = V.groups(cur, before, key_of, label_of, missing_of)
        out.sort(key=lambda g: sort_key(g.counts, g.key))
        assign_ranks(out, lambda g: g.counts)
        return out

    all_month_rows = [r for m in months for r in monthly_rows[m]]
    districts = groups(lambda d: d.district, lambda k: k, ranked, prev_depts,
                       lambda k: sum(1 for r in all_month_rows if r.district == k and r.is_missing_report))
    datasets = []
    for ds in sorted({r.dataset for r in rows if r.dataset}, key=lambda d: (DATASET_ORDER.get(d, 9), d)):
        rs = [r for r in rows if r.dataset == ds]
        ps = [r for r in prev_rows if r.dataset == ds]
        datasets.append(Group(ds, dataset_zh(ds), total(r.counts for r in rs),
                              total(r.counts for r in ps) if ps else None, len({r.department for r in rs}),
                              len({r.department for r in rs if r.counts.records}),
                              sum(1 for r in all_month_rows if r.dataset == ds and r.is_missing_report)))
    trend = [MonthTotal(m, total(r.counts for r in monthly_rows[m]),
                        reporting=len({r.department for r in monthly_rows[m] if r.counts.records}),
                        expected=len({r.department for r in monthly_rows[m]}),
                        missing=sum(1 for r in monthly_rows[m] if r.is_missing_report)) for m in months]
    violations: dict[str, list] = {}
    for m in months:
        for rule_id, msg, count, _ in store.violations(issues[m]):
            v = violations.setdefault(rule_id, [msg, 0])
            v[1] += count
    md = MonthData(
        month=period, prev_month=prev,
        rows=sorted([r for r in rows if r.dataset], key=lambda r: (r.department, DATASET_ORDER.get(r.dataset, 9))),
        departments=ranked, districts=districts, datasets=datasets,
        total=total(r.counts for r in rows), prev_total=total(r.counts for r in prev_rows) if prev_rows else None,
        trend=trend,
        violations=sorted((Violation(k, msg, n, 0) for k, (msg, n) in violations.items()),
                          key=lambda v: (-v.count, v.rule_id)),
        items={}, thresholds=(), prev_departments=prev_depts,
    )
    monthly = {m: {d: c for d, c in _by_dept(monthly_rows[m]).items()} for m in months}
    md.rules = rules
    return PeriodData(period, kind, months, issues, md, monthly, verdicts, prev_available, rules=rules,
                      rules_month=rules_month, criticised=criticised, month_rules=month_rules)


def _by_dept(rows: list[MartRow]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for r in rows:
        out[r.department] = out.get(r.department, Counts()) + r.counts
    return out


# --------------------------------------------------------------------------- tables


def headline_table(pd: PeriodData) -> T.Table:
    md, cur, prev = pd.md, pd.md.total, pd.md.prev_total
    praised = sum(1 for m in pd.months for v in pd.verdicts[m].values() if v.get("verdict") == "praise")
    criticised = sum(1 for m in pd.months for v in pd.verdicts[m].values() if v.get("verdict") == "criticise")
    failed = sum(1 for m in pd.months for v in pd.verdicts[m].values() if v.get("submission_failed"))
    missing = sum(t.missing for t in md.trend)

    def int_row(label, a, b):
        return [label, T.V(a, "int"), T.V(b, "int"), T.V(None if a is None or b is None else a - b, "int")]

    def rate_row(label, a, b, kind="rate"):
        return [label, T.V(a, kind), T.V(b, kind), T.V(None if a is None or b is None else a - b,
                                                        "pp3" if kind == "rate3" else "pp")]

    p = prev if pd.prev_available else None
    return T.Table(
        key="headline", sheet="总体情况", title="表1  总体情况",
        columns=[T.Col("指标", "text", 40), T.Col(f"本期（{period_zh(pd.period)}）", "text", 25),
                 T.Col(f"上期（{period_zh(md.prev_month)}）", "text", 25), T.Col("环比（比率为百分点）", "text", 25)],
        rows=[
            int_row("归集记录数（条）", cur.records, p.records if p else None),
            int_row("合规记录数（条）", cur.compliant, p.compliant if p else None),
            rate_row("合规率", cur.compliance_rate, p.compliance_rate if p else None),
            int_row("迟报记录数（条）", cur.late, p.late if p else None),
            rate_row("迟报率", cur.late_rate, p.late_rate if p else None),
            rate_row("重错码率", cur.code_error_rate, p.code_error_rate if p else None, "rate3"),
            int_row("涉及部门数（个）", len(md.departments), len(md.prev_departments) if p else None),
            int_row("漏报项次（部门×数据集×月）", missing, None),
            int_row("报送失败部门次（部门×月）", failed, None),
            int_row("表扬部门次（部门×月）", praised, None),
            int_row("通报批评部门次（部门×月）", criticised, None),
        ],
        note="上期" + ("各月均已印发，按其冻结数字计算环比。" if pd.prev_available else "有月份未印发，不计环比（记为“—”）。"),
    )


def department_table(pd: PeriodData) -> T.Table:
    rows = []
    for d in pd.md.departments:
        c, p = d.counts, d.prev
        months_missing = sum(1 for m in pd.months if pd.verdicts[m].get(d.department, {}).get("missing_datasets"))
        praised = sum(1 for m in pd.months if pd.verdicts[m].get(d.department, {}).get("verdict") == "praise")
        criticised = sum(1 for m in pd.months if pd.verdicts[m].get(d.department, {}).get("verdict") == "criticise")
        failed = sum(1 for m in pd.months if pd.verdicts[m].get(d.department, {}).get("submission_failed"))
        rows.append([d.rank, d.department, d.department_name, d.tier_zh or None, d.district, c.records, c.compliant,
                     c.compliance_rate,
                     None if p is None else _delta(c.compliance_rate, p.compliance_rate), c.late, c.date_readable,
                     c.late_rate, None if p is None else _delta(c.late_rate, p.late_rate), c.code_check,
                     c.code_error + c.code_conflict, c.code_error_rate, months_missing, failed, praised, criticised,
                     J.score_zh(d.score)])
    return T.Table(
        key="departments", sheet="部门排名", title="表2  各部门本期报送质量排名",
        columns=[T.Col("排名", "num", 9), T.Col("部门编码", "text", 14, pdf=False), T.Col("部门", "text", 34),
                 T.Col("分组", "text", 15), T.Col("所属区域", "text", 15, pdf=False), T.Col("报送条数", "int", 15), T.Col("合规条数", "int", 14, pdf=False),
                 T.Col("合规率", "rate", 16), T.Col("合规率环比（百分点）", "pp", 16),
                 T.Col("迟报条数", "int", 14, pdf=False), T.Col("决定日期可识别条数", "int", 14, pdf=False),
                 T.Col("迟报率", "rate", 15), T.Col("迟报率环比（百分点）", "pp", 16, pdf=False),
                 T.Col("重错码校验条数", "int", 14, pdf=False), T.Col("错码及重码条数", "int", 14, pdf=False),
                 T.Col("重错码率", "rate3", 16), T.Col("漏报月数", "int", 12), T.Col("报送失败月数", "int", 12, pdf=False),
                 T.Col("表扬（次）", "int", 12), T.Col("通报批评（次）", "int", 13),
                 T.Col("综合得分", "text", 14, pdf=False)],
        rows=rows, note=PR.ranking_rule_zh(pd.rules, pd.rules_note),
        row_styles=[None] * len(rows),
    )


def _delta(a, b):
    return None if a is None or b is None else a - b


def monthly_department_table(pd: PeriodData) -> T.Table:
    """合规率 of each department month by month (as issued), then the period's."""
    in_pdf = pd.kind == "quarter"
    rows = []
    for d in pd.md.departments:
        rows.append([d.department_name] + [pd.monthly[m].get(d.department, Counts()).compliance_rate
                                           for m in pd.months] + [d.counts.compliance_rate])
    return T.Table(
        key="dept_trend", sheet="部门逐月合规率", title="表5  各部门逐月合规率（各月为已通报数）",
        columns=[T.Col("部门", "text", 40)] + [T.Col(month_zh(m), "rate", 22, pdf=in_pdf) for m in pd.months]
        + [T.Col("本期", "rate", 22)],
        rows=rows, note="" if in_pdf else "逐月数字见 Excel 附表“部门逐月合规率”。",
    )


def trend_table(pd: PeriodData) -> T.Table:
    t = T.trend_table(pd.md)
    t.title = "表4  本期逐月趋势（各月为已通报数）"
    t.rows = [r + [f"第{pd.issues[r[0]].version}版"] for r in t.rows]
    t.columns = t.columns + [T.Col("所据通报版本", "text", 18)]
    t.note = ""
    return t


def verdict_table(pd: PeriodData) -> T.Table:
    rows = []
    for d in sorted(pd.md.departments, key=lambda d: (d.rank is None, d.rank or 0, d.department)):
        praised = [m for m in pd.months if pd.verdicts[m].get(d.department, {}).get("verdict") == "praise"]
        criticised = [m for m in pd.months if pd.verdicts[m].get(d.department, {}).get("verdict") == "criticise"]
        if praised or criticised:
            rows.append([d.department_name, len(praised), "、".join(month_zh(m) for m in praised),
                         len(criticised), "、".join(month_zh(m) for m in criticised)])
    return T.Table(
        key="verdicts", sheet="表扬与通报批评", title="表6  本期各月表扬和通报批评情况",
        columns=[T.Col("部门", "text", 36), T.Col("表扬（次）", "int", 14), T.Col("表扬月份", "text", 50),
                 T.Col("通报批评（次）", "int", 16), T.Col("通报批评月份", "text", 50)],
        rows=rows, row_styles=[None] * len(rows),
    )


def violation_table(pd: PeriodData) -> T.Table:
    vs = pd.md.violations
    n = sum(v.count for v in vs)
    rows = [[i, v.rule_id, v.rule_message_zh, v.count, Fraction(v.count, n)] for i, v in enumerate(vs, start=1)]
    limit = T.TOP_VIOLATIONS
    return T.Table(
        key="violations", sheet="高频问题", title="表7  本期高频问题（各月违反次数之和）",
        columns=[T.Col("序号", "int", 9), T.Col("规则编号", "text", 27), T.Col("问题（违反的规则）", "text", 95),
                 T.Col("违反次数", "int", 20), T.Col("占比", "rate", 18)],
        rows=rows, note=f"本期问题（含迟报）共 {fmt_int(n)} 次，涉及 {len(vs)} 条规则。"
        + (f"PDF 列出前 {limit} 条，完整列表见 Excel。" if len(vs) > limit else ""),
    )


def period_progress(pd: PeriodData, code: str) -> tuple | None:
    """整改进展 of ``code`` over the period from the months' issued figures (None when no month stated one):
    期初未整改 (the first month's open at start), 新增 and 销项 (sums), 期末未整改 and 逾期 (the last month's), and
    整改完成率 = Σ销项 ÷ (期初未整改 + Σ新增), the monthly rate's definition over the period."""
    rows = [pd.verdicts[m].get(code, {}) for m in pd.months]
    if all(r.get("rectification_open") is None for r in rows):
        return None
    first = next((r for r in rows if r.get("rectification_open_at_start") is not None), {})
    last = next((r for r in reversed(rows) if r.get("rectification_open") is not None), {})
    start = int(first.get("rectification_open_at_start") or 0)
    opened = sum(int(r.get("rectification_opened") or 0) for r in rows)
    closed = sum(int(r.get("rectification_closed") or 0) for r in rows)
    due = start + opened
    return (start, opened, closed, int(last.get("rectification_open") or 0),
            int(last.get("rectification_overdue") or 0), Fraction(closed, due) if due else None)


def rectification_table(pd: PeriodData) -> T.Table:
    rows = []
    keys = ("rectification_violations", "rectification_late", "rectification_warnings", "rectification_records",
            "intake_problems")
    names = {d.department: d.department_name for d in pd.md.departments}
    for m in pd.months:
        for code, v in pd.verdicts[m].items():
            names.setdefault(code, v.get("department_name") or code)
    for code in sorted({c for m in pd.months for c in pd.verdicts[m]}):
        sums = [sum(int(pd.verdicts[m].get(code, {}).get(k) or 0) for m in pd.months) for k in keys]
        listed = [m for m in pd.months if any(int(pd.verdicts[m].get(code, {}).get(k) or 0) for k in keys)]
        progress = period_progress(pd, code)
        if listed or (progress and any(progress[:5])):
            rows.append([code, names.get(code, code), len(listed), *sums, *(progress or (None,) * 6),
                         "、".join(month_zh(m) for m in listed)])
    return T.Table(
        key="rectification", sheet="整改情况", title="表8  本期整改情况（各月已通报的整改清单和整改进展）",
        columns=[T.Col("部门编码", "text", 14, pdf=False), T.Col("部门", "text", 30),
                 T.Col("列入整改清单月数", "int", 14, pdf=False),
                 T.Col("不合规问题（条）", "int", 14), T.Col("迟报问题（条）", "int", 14), T.Col("提示（条）", "int", 12, pdf=False),
                 T.Col("涉及记录（条）", "int", 14, pdf=False), T.Col("文件拒收问题（项）", "int", 14, pdf=False),
                 T.Col("期初未整改（项）", "int", 14), T.Col("本期新增（项）", "int", 13), T.Col("本期销项（项）", "int", 13),
                 T.Col("期末未整改（项）", "int", 14), T.Col("期末逾期（项）", "int", 13), T.Col("本期整改完成率", "rate", 15),
                 T.Col("列入月份", "text", 40, pdf=False)],
        rows=rows,
        note="问题条数为各月整改清单所列之和（同一记录连续多月未整改的，每月各计一次）。整改进展按各月通报所载："
             "期初未整改为本期首月月初数，期末未整改、逾期为本期末月数，本期整改完成率＝本期销项÷（期初未整改＋本期新增）。"
             "“—”表示所据通报未载整改进展。",
    )


def sources_table(pd: PeriodData) -> T.Table:
    rows = []
    for m in pd.months:
        i = pd.issues[m]
        rows.append([m, i.version, i.doc_no, i.issued_on, "是" if i.meta.get("is_correction") else "否",
                     i.meta.get("build_run_id"), i.meta.get("build_as_of"), i.meta.get("issued_at")])
    return T.Table(
        key="sources", sheet="所据月度通报", title="附表1  本期所据的各月通报（冻结的数字）",
        columns=[T.Col("月份", "text", 16), T.Col("版本", "int", 10), T.Col("文号", "text", 34),
                 T.Col("成文日期", "text", 20), T.Col("更正版", "text", 12), T.Col("构建编号", "text", 30, pdf=False),
                 T.Col("构建数据截至", "text", 20), T.Col("印发时间（UTC）", "text", 24, pdf=False)],
        rows=rows, note="冻结的数字见数据仓库 audit.issued_figure（period、version 对应本表的月份、版本）。",
    )


def _period_trend_chart(pd: PeriodData) -> bytes:
    """合规率 and 迟报率 by month of the period (as issued)."""
    months = [t.month for t in pd.md.trend]
    fp = font_properties(7.5)
    with _Canvas(170, 90) as c:
        ax1, ax2 = c.fig.subplots(2, 1, sharex=True)
        x = list(range(len(months)))
        for ax, metric, color, name in ((ax1, "compliance_rate", "#1f4e9a", "合规率"),
                                        (ax2, "late_rate", "#d9822b", "迟报率")):
            ys = [float("nan") if t.counts is None or getattr(t.counts, metric) is None
                  else float(getattr(t.counts, metric)) for t in pd.md.trend]
            ax.plot(x, ys, marker="o", markersize=3.5, linewidth=1.6, color=color, zorder=3)
            finite = [y for y in ys if not math.isnan(y)]
            if finite:
                lo, hi = min(finite), max(finite)
                pad = max((hi - lo) * 0.15, 0.005)
                ax.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad))
            ax.yaxis.set_major_formatter(_pct_formatter(1))
            ax.set_ylabel(name, fontproperties=fp)
            ax.grid(axis="y", linewidth=0.4, alpha=0.6)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            _style_ticks(ax, fp)
        ax2.set_xticks(x)
        ax2.set_xticklabels(months, rotation=45, ha="right", fontproperties=fp)
        ax2.set_xlim(-0.5, len(months) - 0.5)
        ax1.set_title(f"{period_zh(pd.period)}逐月合规率与迟报率（已通报数）", fontproperties=font_properties(10))
    return c.png


# --------------------------------------------------------------------------- the document


def _default_as_of(period: str) -> date:
    last = months_of(period)[-1]
    y, m = int(last[:4]), int(last[5:])
    return date(y + (m == 12), m % 12 + 1, 1)


def build_period_document(pd: PeriodData, *, as_of: date, issuer_cfg: Issuer) -> tuple[Document, list]:
    """The document (the 公文 frame of report_issuer.yml, as the monthly 通报) and the workbook's tables (same
    order as PERIOD_SHEETS)."""
    pz = period_zh(pd.period)
    y = int(pd.period[:4])
    num = DOC_NUMBER[pd.kind](int(pd.period[-1]) if pd.kind == "quarter" else 0)
    city = issuer_cfg.city
    doc = official_document(
        issuer_cfg, month=pd.period, doc_no=issuer_cfg.doc_no(y, num),
        title=f"关于{pz}{city}信用信息双公示报送质量情况的通报",
        title_lines=(f"关于{pz}{city}信用信息", "双公示报送质量情况的通报"),
        running_title=f"{REPORT_NAME}（{pz}）", as_of=as_of)
    issuer = issuer_cfg.issuer
    md, cur, prev = pd.md, pd.md.total, (pd.md.prev_total if pd.prev_available else None)
    add = doc.blocks.append
    headline, depts = headline_table(pd), department_table(pd)
    districts, datasets = T.district_table(md), T.dataset_table(md)
    districts.note = "按部门所属区域汇总本期各部门记录数后计算比率；按合规率从高到低排序，合规率相同的按迟报率从低到高排序。"
    datasets.note = "漏报项数：应报送该数据集而当月未报送的部门×月数。"
    trend, dept_trend = trend_table(pd), monthly_department_table(pd)
    verdicts, violations, rect = verdict_table(pd), violation_table(pd), rectification_table(pd)
    corrections = correction_table(pd.corrections, title="表9  各月通报印发后的数据变动（更正）")
    sources, definitions = sources_table(pd), T.definition_table()
    definitions.rows = definitions.rows + [["季度、年度通报", PERIOD_RULE], ["本期排名规则", PR.ranking_rule_zh(pd.rules, pd.rules_note)]]

    add(Para(f"为提升“双公示”信用信息归集质量，{issuer}对{pz}（{month_zh(pd.months[0])}至{month_zh(pd.months[-1])}）"
             "各部门报送的行政许可、行政处罚信息的质量情况进行了汇总，现将有关情况通报如下。"
             f"本通报的数字为各月已印发通报冻结的数字之和，比率由合计的条数重新计算，不对各月比率取平均。"))
    add(Heading("一、总体情况"))
    change = ""
    if prev is not None and cur.compliance_rate is not None and prev.compliance_rate is not None:
        d = cur.compliance_rate - prev.compliance_rate
        change = ("，较上期上升" if d > 0 else "，较上期下降" if d < 0 else "，与上期持平") + (
            f"{abs(float(d)) * 100:.2f}个百分点" if d else "")
    add(Para(f"{pz}共归集“双公示”信用信息{fmt_int(cur.records)}条"
             f"（{'、'.join(f'{g.label}{fmt_int(g.counts.records)}条' for g in md.datasets)}），"
             f"合规率{fmt_pct(cur.compliance_rate)}{change}；迟报率{fmt_pct(cur.late_rate)}；"
             f"重错码率{fmt_pct(cur.code_error_rate, 3)}。"
             + ("" if pd.prev_available else f"{period_zh(md.prev_month)}有月份的通报未印发，不计环比。")))
    add(TableBlock(headline))
    add(Heading("二、各部门报送质量排名"))
    tiers = "、".join(t.tier_zh for t in sorted(pd.rules.tiers, key=lambda t: t.tier_order))
    add(Para(f"各部门本期报送质量排名见表2（{tiers}分别排名；组内按本期合计计算的综合得分从高到低排序，"
             "本期任一月被通报批评的部门排在从未被通报批评的部门之后；排名规则见附件）。"))
    add(TableBlock(depts))
    add(Heading("三、分区域、分数据集情况"))
    add(TableBlock(districts))
    add(TableBlock(datasets))
    add(Heading("四、逐月趋势"))
    add(Figure(_period_trend_chart(pd), f"图1  {pz}逐月合规率与迟报率"))
    add(TableBlock(trend))
    add(TableBlock(dept_trend))
    add(Heading("五、表扬和通报批评情况"))
    add(Para(f"{pz}各月通报共表扬{sum(r[1] for r in verdicts.rows)}个部门次、通报批评"
             f"{sum(r[3] for r in verdicts.rows)}个部门次，见表6。" if verdicts.rows
             else f"{pz}各月通报均未表扬或通报批评部门。"))
    if verdicts.rows:
        add(TableBlock(verdicts))
    add(Heading("六、高频问题和整改情况"))
    pdf_violations = T.Table(**{**violations.__dict__, "rows": violations.rows[:T.TOP_VIOLATIONS]})
    add(TableBlock(pdf_violations))
    add(Para(f"{pz}共{len(rect.rows)}个部门被列入整改清单，见表8；请有关部门对照各月整改清单逐条整改。"
             if rect.rows else f"{pz}各月均无需整改的记录。"))
    if rect.rows:
        add(TableBlock(rect))
    add(Heading("七、数据更正情况"))
    if pd.corrections:
        add(Para(f"各月通报印发后，{len({c.department for c in pd.corrections})}个部门的数据发生变动（迟报数据到达、"
                 "更正后重新报送或规则更正），见表9。本期数字仍以各月已印发的为准。"))
        add(TableBlock(corrections))
    else:
        add(Para("各月通报印发后，本期各月的数据未发生变动。"))
    doc.annexes.append(Annex("所据通报与指标口径", [TableBlock(sources), TableBlock(definitions)]))
    number_in_order(doc)
    sheets = [headline, depts, districts, datasets, trend, dept_trend, verdicts, violations, rect, corrections,
              sources, definitions]
    for t, name in zip(sheets, PERIOD_SHEETS):
        t.sheet = name
    return doc, sheets


@dataclass(frozen=True)
class PeriodFiles:
    html: Path
    pdf: Path
    xlsx: Path
    period: str
    version: int | None  # None: a draft

    def all_files(self) -> list[Path]:
        return [self.html, self.pdf, self.xlsx]


def report_period(warehouse: Path, period: str, out_dir: Path, *, issue: bool = False, reissue: bool = False,
                  reason: str | None = None, as_of: date | None = None) -> tuple[PeriodFiles, PeriodData]:
    """Render (draft) or issue the quarterly/annual 通报 of ``period`` into ``out_dir``."""
    if issue and reissue:
        raise IssueError("--issue 与 --reissue 只能选一个 / choose one of --issue and --reissue")
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise ReportError(f"找不到数据仓库文件 {warehouse}（请先运行构建）")
    kind = period_kind(period)
    store = IssuedStore(warehouse)
    freezing = issue or reissue
    with (store.lock() if freezing else contextlib.nullcontext()):
        versions = store.versions(period)
        _check_issue_allowed(period, versions, issue=issue, reissue=reissue)
        previous = versions[-1] if versions else None
        build = build_info(warehouse)
        pd = load_period(warehouse, period, store)
        months = pd.months
        pd.corrections = find_corrections(store, warehouse, None, months=months, since_reported=False)
        pd = pii.scrub_deep(pd)
        as_of = as_of or _default_as_of(period)
        issuer_cfg = load_issuer()
        issuer = issuer_cfg.issuer
        doc, sheets = build_period_document(pd, as_of=as_of, issuer_cfg=issuer_cfg)
        if reissue:
            mark_title(doc, CORRECTION_MARK)
            doc.blocks.insert(0, Para(f"更正说明：本通报是对{previous.issued_on}印发的{previous.doc_no}（第{previous.version}版）"
                                      f"的更正（第{previous.version + 1}版），原通报同时作废。"
                                      + (f"更正原因：{reason}。" if reason else "")))
        elif not freezing:
            mark_title(doc, DRAFT_MARK)
            doc.blocks.insert(0, Para("本稿为草稿，未印发：印发时以 credit report --issue 生成的版本为准。", small=True))
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{REPORT_NAME}_{period}"
        files = PeriodFiles(out_dir / f"{stem}.html", out_dir / f"{stem}.pdf", out_dir / f"{stem}.xlsx", period,
                            None)
        render_pdf(doc, files.pdf)
        render_html(doc, files.html)
        write_report_workbook(files.xlsx, sheets, title=doc.title, author=issuer, as_of=as_of)
        if not freezing:
            return files, pd
        if build_info(warehouse) != build:
            raise IssueError("印发期间发布了新的构建，未印发；请重新运行 / a new build was published while issuing: "
                             "run the command again")
        version = previous.version + 1 if previous else 1
        meta = {
            "period": period, "kind": kind, "version": version, "is_correction": previous is not None,
            "supersedes_version": previous.version if previous else None, "reason_zh": reason,
            "doc_no": doc.doc_no, "title": doc.title, "as_of": as_of.isoformat(),
            "issued_at": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds"),
            "build_run_id": build.get("run_id"), "build_as_of": build.get("as_of"),
            "build_published_at": build.get("published_at"), "months": months,
            "month_versions": {m: pd.issues[m].version for m in months},
        }
        tables = {
            "issued_figure": figure_rows(period, kind, version, pd.md.rows),
            "issued_department": department_rows(period, kind, version, pd.md),
            "issued_violation": [(period, kind, version, v.rule_id, v.rule_message_zh, v.count, None)
                                 for v in pd.md.violations],
        }
        store.write(period, version, meta, tables, files.all_files(), out_dir)
        return PeriodFiles(files.html, files.pdf, files.xlsx, period, version), pd
