"""Working-day arithmetic on day numbers (days since 1970-01-01) with chinese_calendar."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)


def day_no(d: date) -> int:
    return (d - EPOCH).days


def from_day_no(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def is_workday(d: date) -> tuple[bool, bool]:
    """(is working day, known to chinese_calendar). Unknown years fall back to Mon–Fri."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(d)), True
    except NotImplementedError:
        return d.weekday() < 5, False


class WorkCalendar:
    """Working days over [lo, hi] (day numbers)."""

    def __init__(self, lo: date, hi: date):
        self.lo = day_no(lo)
        self.hi = day_no(hi)
        n = self.hi - self.lo + 1
        flags = [is_workday(lo + timedelta(days=i)) for i in range(n)]
        self.work = np.array([f[0] for f in flags], dtype=bool)
        self.fallback_days = int(sum(1 for f in flags if not f[1]))
        self.workdays = np.flatnonzero(self.work) + self.lo          # day numbers of working days
        self.cum = np.cumsum(self.work)                                # working days <= day

    def is_work(self, days: np.ndarray) -> np.ndarray:
        return self.work[np.asarray(days) - self.lo]

    def next_workday(self, day: int) -> int:
        i = np.searchsorted(self.workdays, day)
        return int(self.workdays[min(i, len(self.workdays) - 1)])

    def workday_pos(self, days: np.ndarray) -> np.ndarray:
        """Index into ``workdays`` of working days ``days``."""
        return np.searchsorted(self.workdays, days)

    def between(self, d: np.ndarray, D: np.ndarray) -> np.ndarray:
        """Working days strictly between decision day d and drop day D (negative if d > D)."""
        d = np.asarray(d) - self.lo
        D = np.asarray(D) - self.lo
        return self.cum[D - 1] - self.cum[d]

    def is_late(self, d: np.ndarray, D: np.ndarray) -> np.ndarray:
        """Drop day later than the 7th working day after the decision day."""
        return self.between(d, D) >= 7
