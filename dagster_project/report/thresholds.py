"""表扬 / 通报批评 thresholds, read from ``dbt_credit/seeds/report_thresholds.csv``.

Semantics (stated in the report too; the dbt mart marts.fct_department_verdict_condition applies the same):
- ``praise``: a department is praised when *every* praise condition holds;
- ``criticise``: a department is criticised when *any* criticise condition holds;
- a department that is criticised is not praised;
- a condition on a rate that cannot be computed (no denominator) does not hold, nor one whose denominator is
  below the row's ``min_base`` (a small volume cannot earn criticism);
- ``compliance_rate`` is judged without the defects another metric owns (seed report_defect_owners).

A published warehouse carries the rules it was built with (marts.report_rule_thresholds): the report reads them
there (report/judgement.py); this file's reader serves warehouses without that table.

Comparisons are exact: rates are compared as fractions of the integer counts, so
98/100 is "≥ 98%" whatever binary floating point would say.
"""
from __future__ import annotations

import csv
import operator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from ..paths import SEEDS_DIR
from .errors import ReportError

DEFAULT_THRESHOLDS_CSV = SEEDS_DIR / "report_thresholds.csv"

ACTIONS = ("praise", "criticise")
ACTION_ZH = {"praise": "表扬", "criticise": "通报批评"}

#: metric -> (Chinese label, kind). kind: "rate" (a fraction 0-1) or "count".
METRICS: dict[str, tuple[str, str]] = {
    "compliance_rate": ("合规率", "rate"),
    "late_rate": ("迟报率", "rate"),
    "code_error_rate": ("重错码率", "rate"),
    "missing_report_count": ("漏报数据集数", "count"),
}

COMPARATORS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
COMPARATOR_ZH = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}

REQUIRED_COLUMNS = ("action", "metric", "comparator", "value", "description_zh")
OPTIONAL_COLUMNS = ("threshold_id", "min_base")


@dataclass(frozen=True)
class Threshold:
    action: str
    metric: str
    comparator: str
    value: Fraction
    value_text: str
    description_zh: str
    threshold_id: str = ""
    min_base: int | None = None  # a rate's denominator below this: the condition does not hold

    @property
    def metric_zh(self) -> str:
        return METRICS[self.metric][0]

    @property
    def is_rate(self) -> bool:
        return METRICS[self.metric][1] == "rate"

    def holds(self, actual: Fraction | int | None) -> bool:
        if actual is None:
            return False
        return COMPARATORS[self.comparator](Fraction(actual), self.value)

    def below_min_base(self, base: int | None) -> bool:
        return self.min_base is not None and base is not None and base < self.min_base

    def judge(self, numerator: int, base: int | None) -> bool:
        """Whether the condition holds for ``numerator`` over ``base`` (a count: ``base`` None)."""
        if base is None:
            return self.holds(numerator)
        if base == 0 or self.below_min_base(base):
            return False
        return self.holds(Fraction(numerator, base))

    def condition_zh(self) -> str:
        """E.g. ``合规率 ≥ 98%``."""
        if self.is_rate:
            shown = pct_exact(self.value)
        else:
            shown = self.value_text
        return f"{self.metric_zh} {COMPARATOR_ZH[self.comparator]} {shown}"


def pct_exact(value: Fraction) -> str:
    """A threshold as a percentage without rounding: 0.00005 -> '0.005%'."""
    d = Decimal(value.numerator) / Decimal(value.denominator) * 100
    text = format(d.normalize(), "f")
    return f"{text}%"


def load_thresholds(path: Path | None = None) -> tuple[Threshold, ...]:
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS_CSV
    if not path.is_file():
        raise ReportError(f"找不到评定标准文件 {path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ReportError(f"评定标准文件 {path} 缺少列：{', '.join(missing)}")
        return parse_thresholds(list(reader), f"评定标准文件 {path.name}", first_line=2)


def parse_thresholds(rows: list[dict], where_zh: str, first_line: int = 1) -> tuple[Threshold, ...]:
    """Rows of seed report_thresholds (from the CSV, or the warehouse's marts.report_rule_thresholds) checked."""
    out: list[Threshold] = []
    for lineno, row in enumerate(rows, start=first_line):
        action = _text(row.get("action")).lower()
        metric = _text(row.get("metric"))
        comparator = _text(row.get("comparator"))
        value_text = _text(row.get("value"))
        where = f"{where_zh} 第 {lineno} 行"
        if action not in ACTIONS:
            raise ReportError(f"{where}：action 应为 {'/'.join(ACTIONS)}，实为 {action!r}")
        if metric not in METRICS:
            raise ReportError(f"{where}：未知指标 {metric!r}（可用：{', '.join(METRICS)}）")
        if comparator not in COMPARATORS:
            raise ReportError(f"{where}：未知比较符 {comparator!r}")
        try:
            value = Fraction(Decimal(value_text))
        except (InvalidOperation, ValueError):
            raise ReportError(f"{where}：阈值 {value_text!r} 不是数字") from None
        min_text = _text(row.get("min_base"))
        try:
            min_base = int(Decimal(min_text)) if min_text else None
        except (InvalidOperation, ValueError):
            raise ReportError(f"{where}：最低基数 {min_text!r} 不是整数") from None
        if min_base is not None and METRICS[metric][1] != "rate":
            raise ReportError(f"{where}：最低基数只适用于比率指标（{metric} 是计数）")
        out.append(
            Threshold(
                action=action,
                metric=metric,
                comparator=comparator,
                value=value,
                value_text=_value_text(value) if not isinstance(row.get("value"), str) else value_text,
                description_zh=_text(row.get("description_zh")),
                threshold_id=_text(row.get("threshold_id")) or f"{action}_{metric}_{lineno}",
                min_base=min_base,
            )
        )
    if not any(t.action == "praise" for t in out):
        raise ReportError(f"{where_zh}中没有表扬（praise）条件")
    if not any(t.action == "criticise" for t in out):
        raise ReportError(f"{where_zh}中没有通报批评（criticise）条件")
    return tuple(out)


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _value_text(value: Fraction) -> str:
    """A threshold read as a number (the warehouse's decimal) written back without trailing zeros."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return format(d.normalize(), "f")
