"""The figures of one month's 通报 as the report works with them: counts per department, district and dataset,
the 整改 items and their progress, what the intake refused (dataclasses; no SQL and no verdict rules here).

Everything a department is judged on is recomputed from integer counts summed over its
rows (never by averaging rates), and kept as exact fractions until it is formatted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Iterable

from . import judgement as J
from .fmt import dataset_zh
from .thresholds import Threshold

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TREND_MONTHS = 12

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
