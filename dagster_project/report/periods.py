"""The periods a 通报 is issued for: a month (2026-10), a quarter (2026-Q3) or a year (2026)."""
from __future__ import annotations

import re

from .errors import ReportError
from .fmt import month_zh, shift_month
from .month_data import MONTH_RE

QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR_RE = re.compile(r"^\d{4}$")


def period_kind(period: str) -> str:
    """'month' (2026-10), 'quarter' (2026-Q3) or 'year' (2026); ReportError otherwise."""
    if isinstance(period, str):
        if MONTH_RE.match(period):
            return "month"
        if QUARTER_RE.match(period):
            return "quarter"
        if YEAR_RE.match(period):
            return "year"
    raise ReportError(f"期间格式应为 YYYY-MM、YYYY-Qn 或 YYYY（如 2026-10、2026-Q3、2026），收到 {period!r}")


def months_of(period: str) -> list[str]:
    kind = period_kind(period)
    if kind == "month":
        return [period]
    if kind == "quarter":
        y, q = QUARTER_RE.match(period).groups()
        return [f"{y}-{m:02d}" for m in range(3 * int(q) - 2, 3 * int(q) + 1)]
    return [f"{period}-{m:02d}" for m in range(1, 13)]


def previous_period(period: str) -> str:
    kind = period_kind(period)
    if kind == "month":
        return shift_month(period, -1)
    if kind == "quarter":
        y, q = (int(x) for x in QUARTER_RE.match(period).groups())
        return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
    return str(int(period) - 1)


def period_zh(period: str) -> str:
    kind = period_kind(period)
    if kind == "month":
        return month_zh(period)
    if kind == "quarter":
        y, q = QUARTER_RE.match(period).groups()
        return f"{y}年第{'一二三四'[int(q) - 1]}季度"
    return f"{period}年"
