"""Read the marts (read-only) and compute the figures of one month's 通报.

Everything a department is judged on is recomputed from integer counts summed over its
rows (never by averaging rates), and kept as exact fractions until it is formatted.
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Iterable

from .errors import NoDataError, ReportError
from .fmt import DATASET_ORDER, dataset_zh, fmt_int, fmt_pct, shift_month
from . import judgement as J
from .thresholds import Threshold

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TREND_MONTHS = 12

COMPLIANCE_TABLE = "marts.dual_disclosure_compliance"
ITEM_TABLE = "marts.fct_rectification_item"
VIOLATION_TABLE = "marts.fct_rule_violation_summary"
#: What each drop became (optional: a warehouse built before issue 17 lacks them; the section then says so).
INTAKE_TABLE = "marts.fct_intake_file"
REJECTION_TABLE = "marts.fct_intake_rejection_summary"
#: 整改 to closure (optional: a warehouse built before it lacks the table and the item lifecycle columns).
PROGRESS_TABLE = "marts.rectification_progress"
BUILD_INFO_TABLE = "audit.build_info"

SUBMISSION_FAILED = "报送失败"
STATUS_REPORTED = "已报送"
STATUS_MISSING = "漏报"
STATUS_NOTHING = "未报送"
INTAKE_FILE_REFUSED = "文件无法读取"
INTAKE_ROWS_REFUSED = "数据行被拒收"


def _ratio(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


@dataclass(frozen=True)
class Counts:
    records: int = 0
    compliant: int = 0
    late: int = 0
    date_readable: int = 0
    code_check: int = 0
    code_error: int = 0
    code_conflict: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (
            self.records,
            self.compliant,
            self.late,
            self.date_readable,
            self.code_check,
            self.code_error,
            self.code_conflict,
        )

    @property
    def compliance_rate(self) -> Fraction | None:
        return _ratio(self.compliant, self.records)

    @property
    def late_rate(self) -> Fraction | None:
        return _ratio(self.late, self.date_readable)

    @property
    def code_error_rate(self) -> Fraction | None:
        return _ratio(self.code_error + self.code_conflict, self.code_check)

    def rate(self, metric: str) -> Fraction | None:
        return getattr(self, metric)


def total(counts: Iterable[Counts]) -> Counts:
    out = Counts()
    for c in counts:
        out = out + c
    return out


def delta(cur: Fraction | None, prev: Fraction | None) -> Fraction | None:
    return None if cur is None or prev is None else cur - prev


@dataclass(frozen=True)
class MartRow:
    department: str
    department_name: str
    district: str
    month: str
    dataset: str
    counts: Counts
    is_missing_report: bool
    compliance_rate: float | None
    late_rate: float | None
    on_time_rate: float | None
    code_error_rate: float | None
    completeness_rate: float | None
    # compliant as judged (a defect another metric owns not counted twice); None: the warehouse predates it
    judged_compliant: int | None = None
    optional_completeness_rate: float | None = None  # optional items filled (完整率 counts required items)


@dataclass
class Department:
    department: str
    department_name: str
    district: str
    counts: Counts
    datasets: tuple[str, ...]
    missing_datasets: tuple[str, ...]
    prev: Counts | None = None
    rank: int | None = None
    verdict: str | None = None  # "praise" | "criticise" | None
    reasons: tuple[str, ...] = ()
    # sent files in the month, every one refused (quarantined or every row rejected): 报送失败, not 漏报
    submission_failed: bool = False
    # 整改事项 still open past their 整改时限 at the month's cut-off: praise is withheld (marts.rectification_progress)
    overdue_items: int = 0
    praise_withheld: bool = False  # met every praise condition, but has overdue items
    # fair judgement (report/judgement.py): compliant as judged, ranking tier, composite score, conditions not judged
    judged_compliant: int | None = None
    tier_zh: str = ""
    tier_order: int = 0
    score: Fraction | float | None = None
    below_min_base: tuple[str, ...] = ()  # criticise conditions not judged: the base is below their minimum

    @property
    def status_zh(self) -> str:
        """报送状态: 报送失败 (sent, nothing could be loaded) / 已报送 / 漏报 (expected, sent nothing) / 未报送."""
        if self.submission_failed:
            return SUBMISSION_FAILED
        if self.reported:
            return STATUS_REPORTED
        return STATUS_MISSING if self.missing_datasets else STATUS_NOTHING

    @property
    def missing_report_count(self) -> int:
        return len(self.missing_datasets)

    @property
    def reported(self) -> bool:
        return self.counts.records > 0

    def metric(self, name: str) -> Fraction | int | None:
        """A metric as judged: 合规率 without the defects another metric owns (when the warehouse has the count)."""
        if name == "missing_report_count":
            return self.missing_report_count
        if name == "compliance_rate" and self.judged_compliant is not None:
            return _ratio(self.judged_compliant, self.counts.records)
        return self.counts.rate(name)

    def base(self, name: str) -> int | None:
        """The denominator of a rate metric (None for a count)."""
        c = self.counts
        return {"compliance_rate": c.records, "late_rate": c.date_readable,
                "code_error_rate": c.code_check}.get(name)

    def numerator(self, name: str) -> int:
        c = self.counts
        if name == "compliance_rate":
            return c.compliant if self.judged_compliant is None else self.judged_compliant
        return {"late_rate": c.late, "code_error_rate": c.code_error + c.code_conflict}.get(
            name, self.missing_report_count)

    @property
    def missing_zh(self) -> str:
        return "、".join(dataset_zh(d) for d in self.missing_datasets)


@dataclass
class Group:
    """A rollup (district or dataset) of department rows."""

    key: str
    label: str
    counts: Counts
    prev: Counts | None
    departments: int
    reporting: int
    missing: int  # department × dataset missing reports
    rank: int | None = None


@dataclass
class MonthTotal:
    month: str
    counts: Counts | None  # None: no rows at all that month
    reporting: int = 0
    expected: int = 0
    missing: int = 0


@dataclass(frozen=True)
class Violation:
    rule_id: str
    rule_message_zh: str
    count: int
    departments: int


@dataclass(frozen=True)
class Item:
    department: str
    department_name: str
    month: str
    dataset: str
    record_id: str | None
    decision_no: str | None
    party_name: str | None
    decision_date: date | None
    drop_date: date | None
    issue_kind: str
    rule_id: str | None
    rule_message_zh: str | None
    column_label_zh: str | None
    offending_value: str | None
    source_file: str | None
    source_row: int | None
    severity: str | None = None  # 'error' | 'warn' (optional column of the mart)
    # 整改 to closure (None on a warehouse without the lifecycle columns). A held record's problems belong to its
    # 整改事项 (case_id) and are listed every month until it closes; the other rows only in their own month.
    column_name: str | None = None
    case_id: str | None = None
    first_listed_month: str | None = None
    opened_on: date | None = None
    notice_date: date | None = None  # the 通报 the deadline counts from
    rectification_deadline: date | None = None  # 整改时限
    publication_deadline: date | None = None  # a late record: the last on-time day (7th working day)
    workdays_to_drop: int | None = None  # a late record: working days from decision to drop
    closed_on: date | None = None  # as of the report's cut-off (later closings are not known to that month)
    close_reason: str | None = None
    days_outstanding: int | None = None  # at the cut-off (or to the closing day)
    is_overdue: bool = False  # at the cut-off: open, deadline before it
    carried_over: bool = False  # listed from an earlier month, still open

    @property
    def is_warning(self) -> bool:
        return self.issue_kind == "violation" and (self.severity or "").lower() in ("warn", "warning")

    @property
    def is_tracked(self) -> bool:
        return self.case_id is not None

    @property
    def status_zh(self) -> str:
        """整改状态 at the report's cut-off, in words."""
        if not self.is_tracked:
            return "说明原因" if self.issue_kind == "late" else ("请核实" if self.is_warning else "请更正")
        if self.closed_on is not None:
            return "已撤销" if self.close_reason == "withdrawn" else "已整改"
        return "逾期未整改" if self.is_overdue else "未整改"


@dataclass(frozen=True)
class Progress:
    """整改进展 of one department in one month (marts.rectification_progress): 整改事项 = held records."""

    department: str
    department_name: str
    month: str
    cutoff_date: date | None
    open_at_start: int
    opened: int
    closed: int
    withdrawn: int
    closed_late: int
    open: int
    carried_over: int
    overdue: int

    @property
    def due(self) -> int:
        """应整改: open at the month's start plus opened in the month (the rate's denominator)."""
        return self.open_at_start + self.opened

    @property
    def rate(self) -> Fraction | None:
        """整改完成率 = closed in the month ÷ (open at the start + opened), exact."""
        return _ratio(self.closed, self.due)


@dataclass(frozen=True)
class IntakeProblem:
    """A file (or sheet) of the month that could not be read, or the rows of one file refused for one reason.
    Never the refused cells: names, reasons, counts and row numbers only."""

    department: str
    department_name: str
    drop_date: date | None
    file_name: str
    file_path: str
    sheet_name: str | None
    kind: str  # INTAKE_FILE_REFUSED | INTAKE_ROWS_REFUSED
    reason_code: str | None
    reason_zh: str | None  # the file's own reason (a refused file) or the code's label (refused rows)
    what_to_do_zh: str | None
    rows: int | None = None  # refused rows (INTAKE_ROWS_REFUSED)
    first_row: int | None = None
    last_row: int | None = None

    @property
    def rows_zh(self) -> str | None:
        if self.first_row is None:
            return None
        if self.last_row is None or self.last_row == self.first_row:
            return f"第{self.first_row}行"
        return f"第{self.first_row}–{self.last_row}行"


@dataclass
class MonthData:
    month: str
    prev_month: str
    rows: list[MartRow]  # this month's mart rows
    departments: list[Department]  # ranked order
    districts: list[Group]
    datasets: list[Group]
    total: Counts
    prev_total: Counts | None
    trend: list[MonthTotal]
    violations: list[Violation]
    items: dict[str, list[Item]]  # department -> items, departments sorted
    thresholds: tuple[Threshold, ...]
    prev_departments: dict[str, Department] = field(default_factory=dict)
    intake: dict[str, list[IntakeProblem]] = field(default_factory=dict)  # department -> refused files, rows
    intake_available: bool = True  # the warehouse has the intake tables
    rules: "J.Rules | None" = None  # the judgement's rules (report/judgement.py), as the build published them
    # 整改进展 (marts.rectification_progress): department -> this month's and last month's figures
    progress: dict[str, Progress] = field(default_factory=dict)
    prev_progress: dict[str, Progress] = field(default_factory=dict)
    progress_available: bool = False
    cutoff: date | None = None  # the day the month's 整改 status is judged at (month end, or the build's as-of)

    @property
    def overdue_departments(self) -> list[Progress]:
        """Departments with 整改事项 overdue at the cut-off, most overdue first."""
        return sorted((p for p in self.progress.values() if p.overdue),
                      key=lambda p: (-p.overdue, p.department))

    @property
    def failed_departments(self) -> list[Department]:
        return [d for d in self.departments if d.submission_failed]

    @property
    def expected_departments(self) -> int:
        return len(self.departments)

    @property
    def reporting_departments(self) -> int:
        return sum(1 for d in self.departments if d.reported)

    @property
    def missing_reports(self) -> int:
        return sum(d.missing_report_count for d in self.departments)

    @property
    def missing_departments(self) -> int:
        return sum(1 for d in self.departments if d.missing_datasets)

    @property
    def praised(self) -> list[Department]:
        return [d for d in self.departments if d.verdict == "praise"]

    @property
    def criticised(self) -> list[Department]:
        return [d for d in self.departments if d.verdict == "criticise"]

    def dataset_total(self, dataset: str) -> Counts:
        return total(r.counts for r in self.rows if r.dataset == dataset)


# --------------------------------------------------------------------------- loading


def _connect(warehouse: Path):
    import duckdb

    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise ReportError(f"找不到数据仓库文件 {warehouse}（请先运行构建）")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # e.g. locked by a running build
        raise ReportError(f"无法以只读方式打开数据仓库 {warehouse}：{exc}") from exc


def _check_tables(con) -> None:
    have = {
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    missing = [t for t in (COMPLIANCE_TABLE, ITEM_TABLE, VIOLATION_TABLE) if t not in have]
    if missing:
        raise ReportError(
            "数据仓库中缺少生成通报所需的表：" + "、".join(missing) + "（请先运行 dbt 构建 marts）"
        )


_MONTH_SQL = "left(cast(month as varchar), 7)"


def _load_rows(con, first: str, last: str) -> list[MartRow]:
    have = _columns(con, COMPLIANCE_TABLE)  # a warehouse built before fair judgement lacks the last two
    judged = "judged_compliant_records" if "judged_compliant_records" in have else "null"
    optional = "optional_completeness_rate" if "optional_completeness_rate" in have else "null"
    sql = f"""
        select department, department_name, district, {_MONTH_SQL} as m, dataset,
               coalesce(records, 0), coalesce(compliant_records, 0), coalesce(late_records, 0),
               coalesce(date_readable_records, 0), coalesce(code_check_records, 0),
               coalesce(code_error_records, 0), coalesce(code_conflict_records, 0),
               coalesce(is_missing_report, false),
               compliance_rate, late_rate, on_time_rate, code_error_rate, completeness_rate,
               {judged}, {optional}
        from {COMPLIANCE_TABLE}
        where {_MONTH_SQL} between ? and ?
        order by m, department, dataset
    """
    out = []
    for r in con.execute(sql, [first, last]).fetchall():
        out.append(
            MartRow(
                department=str(r[0]),
                department_name=str(r[1] if r[1] is not None else r[0]),
                district=str(r[2]) if r[2] is not None else "未注明",
                month=r[3],
                dataset=str(r[4]),
                counts=Counts(*(int(x) for x in r[5:12])),
                is_missing_report=bool(r[12]),
                compliance_rate=_f(r[13]),
                late_rate=_f(r[14]),
                on_time_rate=_f(r[15]),
                code_error_rate=_f(r[16]),
                completeness_rate=_f(r[17]),
                judged_compliant=None if r[18] is None else int(r[18]),
                optional_completeness_rate=_f(r[19]),
            )
        )
    return out


def _f(x) -> float | None:
    return None if x is None else float(x)


def _load_violations(con, month: str) -> list[Violation]:
    """Violations of the month per rule. A rule whose message varies (e.g. the late rule,
    whose message names the number of working days) is labelled by the messages' common
    part, so that it counts as one rule."""
    sql = f"""
        select coalesce(cast(rule_id as varchar), ''), coalesce(cast(rule_message_zh as varchar), ''),
               sum(coalesce(violation_count, 0))::bigint, list(distinct department order by department)
        from {VIOLATION_TABLE}
        where {_MONTH_SQL} = ?
        group by 1, 2
        having sum(coalesce(violation_count, 0)) > 0
        order by 1, 3 desc, 2
    """
    by_rule: dict[str, list[tuple[str, int, list[str]]]] = defaultdict(list)
    for rule_id, message, count, depts in con.execute(sql, [month]).fetchall():
        by_rule[rule_id].append((message, int(count), list(depts)))
    out = []
    for rule_id, rows in by_rule.items():
        messages = [m for m, _, _ in rows]
        out.append(
            Violation(
                rule_id=rule_id,
                rule_message_zh=_common_label(messages, rule_id),
                count=sum(c for _, c, _ in rows),
                departments=len({d for _, _, ds in rows for d in ds}),
            )
        )
    out.sort(key=lambda v: (-v.count, v.rule_id))
    return out


def _common_label(messages: list[str], rule_id: str) -> str:
    messages = sorted({m for m in messages if m})
    if not messages:
        return rule_id or "（未注明）"
    if len(messages) == 1:
        return messages[0]
    prefix = os.path.commonprefix(messages)
    depth = 0
    cut = len(prefix)
    for i, ch in enumerate(prefix):  # drop an unclosed bracket and what follows it
        if ch in "（(":
            if depth == 0:
                cut = i
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                cut = len(prefix)
    label = prefix[:cut] if depth > 0 else prefix
    label = label.rstrip("0123456789第，,、；;：: ")
    return label if len(label) >= 4 else messages[0]


def _columns(con, table: str) -> set[str]:
    schema, name = table.split(".")
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }


_LIFECYCLE_COLUMNS = {"case_id", "first_listed_month", "superseded_on", "closed_on", "rectification_deadline"}


def _month_end(month: str) -> date:
    y, m = (int(p) for p in shift_month(month, 1).split("-"))
    return date.fromordinal(date(y, m, 1).toordinal() - 1)


def _cutoff(con, month: str) -> date:
    """The day the month's 整改 status is judged at: the month's last day, or the build's as-of date if earlier
    (the same cut-off marts.rectification_progress uses)."""
    end = _month_end(month)
    if _has_tables(con, BUILD_INFO_TABLE):
        row = con.execute(f"select max(as_of) from {BUILD_INFO_TABLE}").fetchone()
        if row and row[0] is not None and row[0] < end:
            return row[0]
    return end


def _load_items(con, month: str, cutoff: date | None = None) -> dict[str, list[Item]]:
    """The month's 整改清单 rows: every problem sent in the month, and every problem of a held record listed in an
    earlier month whose 整改事项 is still open at ``cutoff`` (its latest held version's problems: a version replaced
    by a later one by then is not listed again)."""
    have = _columns(con, ITEM_TABLE)
    severity = "cast(severity as varchar)" if "severity" in have else "null"
    lifecycle = _LIFECYCLE_COLUMNS <= have and cutoff is not None

    def col(name: str, cast: str = "varchar") -> str:
        return f"try_cast({name} as {cast})" if name in have else f"null::{cast}"

    extra = ", ".join([col("column_name"), col("case_id"), col("first_listed_month"), col("opened_on", "date"),
                       col("notice_date", "date"), col("rectification_deadline", "date"),
                       col("publication_deadline", "date"), col("workdays_to_drop", "bigint"),
                       col("closed_on", "date"), col("close_reason")])
    carried = ("""
           or (case_id is not null and {m} < ? and (superseded_on is null or superseded_on > ?)
               and (closed_on is null or closed_on > ?))""".format(m=_MONTH_SQL) if lifecycle else "")
    params: list = [month] + ([month, cutoff, cutoff] if lifecycle else [])
    sql = f"""
        select department, department_name, {_MONTH_SQL}, dataset, cast(record_id as varchar),
               cast(decision_no as varchar), cast(party_name as varchar),
               try_cast(decision_date as date), try_cast(drop_date as date),
               issue_kind, cast(rule_id as varchar), cast(rule_message_zh as varchar),
               cast(column_label_zh as varchar), cast(offending_value as varchar),
               cast(source_file as varchar), try_cast(source_row as bigint), {severity}, {extra}
        from {ITEM_TABLE}
        where {_MONTH_SQL} = ?{carried}
        order by department,
                 {"first_listed_month," if lifecycle else ""}
                 case dataset when 'penalty' then 0 when 'license' then 1 else 2 end, dataset,
                 source_file nulls last, source_row nulls last, decision_date nulls last,
                 issue_kind, rule_id nulls last, record_id nulls last,
                 column_label_zh nulls last, offending_value nulls last
    """
    out: dict[str, list[Item]] = defaultdict(list)
    for r in con.execute(sql, params).fetchall():
        case_id, first_listed, opened_on, deadline, closed_on = r[18], r[19], r[20], r[22], r[25]
        if closed_on is not None and cutoff is not None and closed_on > cutoff:
            closed_on = None  # closed after this month's cut-off: still open as this month saw it
        tracked = case_id is not None
        until = closed_on or cutoff
        out[str(r[0])].append(
            Item(
                department=str(r[0]),
                department_name=str(r[1] if r[1] is not None else r[0]),
                month=r[2],
                dataset=str(r[3]),
                record_id=r[4],
                decision_no=r[5],
                party_name=r[6],
                decision_date=r[7],
                drop_date=r[8],
                issue_kind=str(r[9]),
                rule_id=r[10],
                rule_message_zh=r[11],
                column_label_zh=r[12],
                offending_value=r[13],
                source_file=r[14],
                source_row=None if r[15] is None else int(r[15]),
                severity=r[16],
                column_name=r[17],
                case_id=case_id,
                first_listed_month=first_listed or r[2],
                opened_on=opened_on,
                notice_date=r[21],
                rectification_deadline=deadline,
                publication_deadline=r[23],
                workdays_to_drop=None if r[24] is None else int(r[24]),
                closed_on=closed_on if tracked else None,
                close_reason=r[26] if tracked and closed_on is not None else None,
                days_outstanding=(until - opened_on).days if tracked and opened_on and until else None,
                is_overdue=bool(tracked and closed_on is None and deadline is not None and cutoff is not None
                                and deadline < cutoff),
                carried_over=r[2] != month,
            )
        )
    return dict(sorted(out.items()))


def _load_progress(con, month: str) -> dict[str, Progress]:
    sql = f"""
        select department, department_name, month, try_cast(cutoff_date as date), open_at_start_items,
               opened_items, closed_items, withdrawn_items, closed_late_items, open_items, carried_over_items,
               overdue_items
        from {PROGRESS_TABLE}
        where {_MONTH_SQL} = ?
        order by department
    """
    return {
        str(r[0]): Progress(str(r[0]), str(r[1] if r[1] is not None else r[0]), r[2], r[3],
                            *(int(x or 0) for x in r[4:12]))
        for r in con.execute(sql, [month]).fetchall()
    }


def _has_tables(con, *tables: str) -> bool:
    have = {
        f"{s}.{t}"
        for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    return all(t in have for t in tables)


def _load_intake_status(con, first: str, last: str) -> dict[tuple[str, str], tuple[str, str, bool]]:
    """(department, month) -> (name, district, failed) for registered departments that sent files:
    failed when some file or row was refused and nothing of the month's latest attempts was loaded."""
    sql = f"""
        select department, {_MONTH_SQL} as m, any_value(department_name), any_value(district),
               count(*) filter (where is_refused or rows_rejected > 0) > 0
               and coalesce(sum(rows_loaded), 0) = 0
               and count(*) filter (where status = 'already_loaded') = 0
        from {INTAKE_TABLE}
        where is_known_department and is_latest_attempt and {_MONTH_SQL} between ? and ?
        group by 1, 2
    """
    return {(str(r[0]), r[1]): (str(r[2] or r[0]), str(r[3] or "未注明"), bool(r[4]))
            for r in con.execute(sql, [first, last]).fetchall()}


def _load_intake_problems(con, month: str) -> dict[str, list[IntakeProblem]]:
    sql = f"""
        select department, department_name, try_cast(drop_date as date), file_name, file_path, sheet_name,
               kind, reason_code, reason_zh, what_to_do_zh, rows, first_row, last_row
        from (
            select department, department_name, drop_date, file_name, file_path, sheet_name,
                   0 as k, '{INTAKE_FILE_REFUSED}' as kind, reason_code,
                   coalesce(reason_zh, reason_label_zh) as reason_zh, what_to_do_zh,
                   null::bigint as rows, null::bigint as first_row, null::bigint as last_row
            from {INTAKE_TABLE}
            where is_refused and is_known_department and is_latest_attempt and {_MONTH_SQL} = ?
            union all
            select r.department, r.department_name, r.drop_date, r.file_name, r.file_path, r.sheet_name,
                   1, '{INTAKE_ROWS_REFUSED}', r.reason_code, r.reason_label_zh, r.what_to_do_zh,
                   r.rejected_rows, r.first_source_row, r.last_source_row
            from {REJECTION_TABLE} as r
            inner join {INTAKE_TABLE} as f using (intake_file_id)
            where f.is_known_department and f.is_latest_attempt and {_MONTH_SQL.replace("month", "r.month")} = ?
        )
        order by department, drop_date nulls last, file_path, sheet_name nulls first, k, reason_code
    """
    out: dict[str, list[IntakeProblem]] = defaultdict(list)
    for r in con.execute(sql, [month, month]).fetchall():
        out[str(r[0])].append(
            IntakeProblem(
                department=str(r[0]),
                department_name=str(r[1] if r[1] is not None else r[0]),
                drop_date=r[2],
                file_name=str(r[3] or r[4]),
                file_path=str(r[4]),
                sheet_name=r[5],
                kind=str(r[6]),
                reason_code=r[7],
                reason_zh=r[8],
                what_to_do_zh=r[9],
                rows=None if r[10] is None else int(r[10]),
                first_row=None if r[11] is None else int(r[11]),
                last_row=None if r[12] is None else int(r[12]),
            )
        )
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- computing


def _departments(rows: list[MartRow], intake: dict[str, tuple[str, str, bool]] | None = None
                 ) -> dict[str, Department]:
    """Departments of the month's mart rows, plus registered departments that sent only files nothing of which
    reached the mart (``intake``: department -> (name, district, failed)); a failed department is 报送失败, so none
    of its datasets counts as 漏报."""
    intake = intake or {}
    by: dict[str, list[MartRow]] = defaultdict(list)
    for r in rows:
        by[r.department].append(r)
    out = {}
    for dept, (name, district, failed) in intake.items():
        if failed and dept not in by:
            out[dept] = Department(department=dept, department_name=name, district=district, counts=Counts(),
                                   datasets=(), missing_datasets=(), submission_failed=True)
    for dept, rs in sorted(by.items()):
        rs = sorted(rs, key=lambda r: (DATASET_ORDER.get(r.dataset, 9), r.dataset))
        out[dept] = Department(
            department=dept,
            department_name=rs[0].department_name,
            district=rs[0].district,
            counts=total(r.counts for r in rs),
            datasets=tuple(r.dataset for r in rs),
            missing_datasets=tuple(r.dataset for r in rs if r.is_missing_report),
            submission_failed=intake.get(dept, ("", "", False))[2] and not any(r.counts.records for r in rs),
            judged_compliant=(sum(r.judged_compliant for r in rs)  # type: ignore[misc]
                              if all(r.judged_compliant is not None for r in rs) else None),
        )
    return dict(sorted(out.items()))


def _sort_key(counts: Counts, tiebreak: str):
    """合规率 desc, then 迟报率 asc (unknown last), then code; no records: last."""
    cr = counts.compliance_rate
    lr = counts.late_rate
    return (
        cr is None,
        -(cr if cr is not None else 0),
        lr is None,
        lr if lr is not None else 0,
        tiebreak,
    )


def _assign_ranks(items: list, counts_of) -> None:
    """Competition ranking (1, 2, 2, 4) on (合规率, 迟报率); rows without records get none."""
    prev_key = None
    prev_rank = 0
    for i, it in enumerate(items, start=1):
        c = counts_of(it)
        if c.records == 0:
            it.rank = None
            continue
        key = (c.compliance_rate, c.late_rate)
        it.rank = prev_rank if key == prev_key else i
        prev_key, prev_rank = key, it.rank


def _judge(dept: Department, thresholds: tuple[Threshold, ...],
           conditions: dict[str, tuple[bool, bool]] | None = None) -> None:
    """Praise or criticise ``dept`` by ``thresholds``. ``conditions`` (threshold id -> (holds, below its minimum
    base)): the build's own evaluation (marts.fct_department_verdict_condition); without it the same rules are
    evaluated here (a warehouse without the verdict mart)."""
    praise = [t for t in thresholds if t.action == "praise"]
    criticise = [t for t in thresholds if t.action == "criticise"]

    def holds(t: Threshold) -> bool:
        if conditions is not None and t.threshold_id in conditions:
            return conditions[t.threshold_id][0]
        return t.judge(dept.numerator(t.metric), dept.base(t.metric))

    def below(t: Threshold) -> bool:
        if conditions is not None and t.threshold_id in conditions:
            return conditions[t.threshold_id][1]
        return t.below_min_base(dept.base(t.metric))

    # conditions a small volume kept from being judged, that its rate would have met: the 通报 names them
    dept.below_min_base = tuple(_reason(dept, t) for t in criticise if below(t) and t.holds(dept.metric(t.metric)))
    hits = [t for t in criticise if holds(t)]
    if hits:
        dept.verdict = "criticise"
        dept.reasons = tuple(_reason(dept, t) for t in hits)
        return
    if praise and all(t.holds(dept.metric(t.metric)) for t in praise):
        if dept.overdue_items:  # 整改 overdue: no praise, whatever the month's figures (issue 17)
            dept.praise_withheld = True
            return
        dept.verdict = "praise"
        dept.reasons = tuple(_reason(dept, t) for t in praise)


def _reason(dept: Department, t: Threshold) -> str:
    label = t.description_zh or t.condition_zh()
    if t.metric == "missing_report_count":
        return f"{label}（未报送：{dept.missing_zh}）"
    actual = dept.metric(t.metric)
    digits = 3 if t.metric == "code_error_rate" else 2
    shown = fmt_pct(actual, digits) if t.is_rate else fmt_int(actual)  # type: ignore[arg-type]
    if t.metric == "compliance_rate" and actual is not None and actual != dept.counts.compliance_rate:
        # one defect counted once: the judged 合规率 leaves out what another metric (重错码率) already counts
        owned = (dept.judged_compliant or 0) - dept.counts.compliant
        return (f"{label}（本月评定口径合规率 {shown}；公布的合规率 {fmt_pct(dept.counts.compliance_rate)}，"
                f"其中{fmt_int(owned)}条仅因已计入重错码率的问题不合规，不重复计算）")
    base = dept.base(t.metric)
    if t.below_min_base(base):
        return f"{label}（本月{t.metric_zh} {shown}，基数{fmt_int(base)}条，少于{fmt_int(t.min_base)}条，不作评定）"
    return f"{label}（本月{t.metric_zh} {shown}）"


def _groups(depts: list[Department], prev: dict[str, Department], key_of, label_of) -> list[Group]:
    by: dict[str, list[Department]] = defaultdict(list)
    for d in depts:
        by[key_of(d)].append(d)
    prev_by: dict[str, list[Department]] = defaultdict(list)
    for d in prev.values():
        prev_by[key_of(d)].append(d)
    out = []
    for k, ds in by.items():
        out.append(
            Group(
                key=k,
                label=label_of(k),
                counts=total(d.counts for d in ds),
                prev=total(d.counts for d in prev_by[k]) if prev_by.get(k) else None,
                departments=len(ds),
                reporting=sum(1 for d in ds if d.reported),
                missing=sum(d.missing_report_count for d in ds),
            )
        )
    return out


def _dataset_groups(rows: list[MartRow], prev_rows: list[MartRow]) -> list[Group]:
    out = []
    keys = sorted({r.dataset for r in rows}, key=lambda d: (DATASET_ORDER.get(d, 9), d))
    for ds in keys:
        rs = [r for r in rows if r.dataset == ds]
        ps = [r for r in prev_rows if r.dataset == ds]
        out.append(
            Group(
                key=ds,
                label=dataset_zh(ds),
                counts=total(r.counts for r in rs),
                prev=total(r.counts for r in ps) if ps else None,
                departments=len({r.department for r in rs}),
                reporting=len({r.department for r in rs if r.counts.records > 0}),
                missing=sum(1 for r in rs if r.is_missing_report),
            )
        )
    return out


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
    con = _connect(warehouse)
    try:
        _check_tables(con)
        intake_available = _has_tables(con, INTAKE_TABLE, REJECTION_TABLE)
        status = _load_intake_status(con, min(first, prev_month), month) if intake_available else {}
        failed = {k for k, v in status.items() if v[2]}
        # a department that sent files, all refused, is 报送失败 that month: none of its datasets is 漏报
        all_rows = [
            dataclasses.replace(r, is_missing_report=False)
            if (r.department, r.month) in failed and r.is_missing_report else r
            for r in _load_rows(con, min(first, prev_month), month)
        ]
        if frozen:  # issued months keep their issued figures (never the report's own month)
            all_rows = [r for r in all_rows if r.month == month or r.month not in frozen] + [
                r for m, rs in frozen.items() if m != month for r in rs]
        rows = [r for r in all_rows if r.month == month]
        sent = {d for (d, m) in status if m == month}
        if not rows and not sent:
            have = con.execute(
                f"select min({_MONTH_SQL}), max({_MONTH_SQL}), count(*) from {COMPLIANCE_TABLE}"
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
        violations = _load_violations(con, month)
        cutoff = _cutoff(con, month)
        items = _load_items(con, month, cutoff)
        progress_available = _has_tables(con, PROGRESS_TABLE)
        progress = _load_progress(con, month) if progress_available else {}
        prev_progress = _load_progress(con, prev_month) if progress_available else {}
        intake = _load_intake_problems(con, month) if intake_available else {}
        rules = J.load_rules(con, thresholds=thresholds)
        mart_verdicts = J.load_mart_verdicts(con, month) if thresholds is None else None
    finally:
        con.close()

    def intake_of(m: str) -> dict[str, tuple[str, str, bool]]:
        return {d: v for (d, mm), v in status.items() if mm == m}

    prev_rows = [r for r in all_rows if r.month == prev_month]
    depts = _departments(rows, intake_of(month))
    prev_depts = _departments(prev_rows, intake_of(prev_month))
    for code, d in depts.items():
        if code in prev_depts:
            d.prev = prev_depts[code].counts
        if code in progress:
            d.overdue_items = progress[code].overdue
        mart = (mart_verdicts or {}).get(code)
        _judge(d, rules.thresholds, mart.conditions if mart is not None else None)
    # within its tier, by the composite score; a criticised department after every uncriticised one
    ranked = J.rank_in_tiers(list(depts.values()), rules, mart_verdicts)

    districts = _groups(ranked, prev_depts, lambda d: d.district, lambda k: k)
    districts.sort(key=lambda g: _sort_key(g.counts, g.key))
    _assign_ranks(districts, lambda g: g.counts)

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
        datasets=_dataset_groups(rows, prev_rows),
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
