"""One month's 通报 figures: read the marts (marts.py), judge the departments (verdicts.py, judgement.py) and
assemble the MonthData (month_data.py, whose names are re-exported here for the report's modules).

Everything a department is judged on is recomputed from integer counts summed over its
rows (never by averaging rates), and kept as exact fractions until it is formatted.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from . import judgement as J
from . import marts
from .errors import NoDataError, ReportError
from .fmt import DATASET_ORDER, shift_month
from .marts import COMPLIANCE_TABLE, INTAKE_TABLE, PROGRESS_TABLE, REJECTION_TABLE
from .month_data import (  # noqa: F401 - re-exported: the report's modules import the figures from here
    INTAKE_FILE_REFUSED,
    INTAKE_ROWS_REFUSED,
    MONTH_RE,
    STATUS_MISSING,
    STATUS_NOTHING,
    STATUS_REPORTED,
    SUBMISSION_FAILED,
    TREND_MONTHS,
    Counts,
    Department,
    Group,
    IntakeProblem,
    Item,
    MartRow,
    MonthData,
    MonthTotal,
    Progress,
    Violation,
    delta,
    total,
)
from .thresholds import Threshold
from .verdicts import assign_ranks, dataset_groups, departments, groups, judge, sort_key


def load_month(warehouse: Path, month: str, thresholds: tuple[Threshold, ...] | None = None,
               frozen: dict[str, list[MartRow]] | None = None) -> MonthData:
    """``frozen``: earlier months already issued (report/issuance.py) -> the rows as issued; they replace the
    mart's rows of those months, so 上月 and the trend show what was sent out, never a silent change.

    ``thresholds`` None (the normal case): the rules and the verdicts are the build's own (marts.report_rule_*,
    marts.fct_department_verdict; report/judgement.py). Given: a what-if — these conditions are applied here to the
    warehouse's figures, with the build's weights and tiers."""
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise ReportError(f"月份格式应为 YYYY-MM（如 2026-03），收到 {month!r}")
    first = shift_month(month, -(TREND_MONTHS - 1))
    prev_month = shift_month(month, -1)
    con = marts.connect(warehouse)
    try:
        marts.check_tables(con)
        intake_available = marts.has_tables(con, INTAKE_TABLE, REJECTION_TABLE)
        status = marts.load_intake_status(con, min(first, prev_month), month) if intake_available else {}
        failed = {k for k, v in status.items() if v[2]}
        # a department that sent files, all refused, is 报送失败 that month: none of its datasets is 漏报
        all_rows = [
            dataclasses.replace(r, is_missing_report=False)
            if (r.department, r.month) in failed and r.is_missing_report else r
            for r in marts.load_rows(con, min(first, prev_month), month)
        ]
        if frozen:  # issued months keep their issued figures (never the report's own month)
            all_rows = [r for r in all_rows if r.month == month or r.month not in frozen] + [
                r for m, rs in frozen.items() if m != month for r in rs]
        rows = [r for r in all_rows if r.month == month]
        sent = {d for (d, m) in status if m == month}
        if not rows and not sent:
            have = con.execute(
                f"select min({marts.MONTH_SQL}), max({marts.MONTH_SQL}), count(*) from {COMPLIANCE_TABLE}"
            ).fetchone()
            span = (
                f"仓库中现有数据的报送月份为 {have[0]} 至 {have[1]}"
                if have and have[2]
                else "仓库中尚无任何报送质量数据"
            )
            raise NoDataError(
                f"{month} 没有任何报送数据（{COMPLIANCE_TABLE} 中无该月记录），无法生成该月通报；{span}。"
            )
        received = sum(r.counts.records for r in rows)
        if received == 0 and not sent:
            missing = sum(1 for r in rows if r.is_missing_report)
            raise NoDataError(
                f"{month} 没有任何报送数据：当月未收到任何记录（{COMPLIANCE_TABLE} 中该月 {len(rows)} 行"
                f"记录数均为 0，其中漏报 {missing} 项），无法生成该月通报；请确认该月的报送是否已入库。"
            )
        violations = marts.load_violations(con, month)
        cutoff = marts.cutoff(con, month)
        items = marts.load_items(con, month, cutoff)
        progress_available = marts.has_tables(con, PROGRESS_TABLE)
        progress = marts.load_progress(con, month) if progress_available else {}
        prev_progress = marts.load_progress(con, prev_month) if progress_available else {}
        intake = marts.load_intake_problems(con, month) if intake_available else {}
        rules = J.load_rules(con, thresholds=thresholds)
        mart_verdicts = J.load_mart_verdicts(con, month) if thresholds is None else None
    finally:
        con.close()

    def intake_of(m: str) -> dict[str, tuple[str, str, bool]]:
        return {d: v for (d, mm), v in status.items() if mm == m}

    prev_rows = [r for r in all_rows if r.month == prev_month]
    depts = departments(rows, intake_of(month))
    prev_depts = departments(prev_rows, intake_of(prev_month))
    for code, d in depts.items():
        if code in prev_depts:
            d.prev = prev_depts[code].counts
        if code in progress:
            d.overdue_items = progress[code].overdue
        mart = (mart_verdicts or {}).get(code)
        judge(d, rules.thresholds, mart.conditions if mart is not None else None)
    # within its tier, by the composite score; a criticised department after every uncriticised one
    ranked = J.rank_in_tiers(list(depts.values()), rules, mart_verdicts)

    districts = groups(ranked, prev_depts, lambda d: d.district, lambda k: k)
    districts.sort(key=lambda g: sort_key(g.counts, g.key))
    assign_ranks(districts, lambda g: g.counts)

    trend = []
    for i in range(TREND_MONTHS - 1, -1, -1):
        m = shift_month(month, -i)
        rs = [r for r in all_rows if r.month == m]
        if not rs:
            trend.append(MonthTotal(m, None))
            continue
        trend.append(
            MonthTotal(
                month=m,
                counts=total(r.counts for r in rs),
                reporting=len({r.department for r in rs if r.counts.records > 0}),
                expected=len({r.department for r in rs}),
                missing=sum(1 for r in rs if r.is_missing_report),
            )
        )

    return MonthData(
        month=month,
        prev_month=prev_month,
        rows=sorted(rows, key=lambda r: (r.department, DATASET_ORDER.get(r.dataset, 9), r.dataset)),
        departments=ranked,
        districts=districts,
        datasets=dataset_groups(rows, prev_rows),
        total=total(r.counts for r in rows),
        prev_total=total(r.counts for r in prev_rows) if prev_rows else None,
        trend=trend,
        violations=violations,
        items=items,
        thresholds=rules.thresholds,
        rules=rules,
        prev_departments=prev_depts,
        intake=intake,
        intake_available=intake_available,
        progress=progress,
        prev_progress=prev_progress,
        progress_available=progress_available,
        cutoff=cutoff,
    )
