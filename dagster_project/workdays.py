"""The official working-day calendar (with 调休) the lateness rule counts on.

`chinesecalendar` knows 2004 up to the year of its release and raises for later years; we let that
become a loud, clear failure instead of guessing (the `holidays` package guesses unknown years silently).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import duckdb
import pyarrow as pa

from dagster_project.ingest import ensure_raw_schema
from dagster_project.ingest.seeds import DUAL_DISCLOSURE_DATASETS

FIRST_KNOWN_YEAR = 2004


class CalendarYearUnknown(RuntimeError):
    """The official calendar for a year the build needs has not been published in chinesecalendar yet."""


def last_known_year() -> int:
    return max(d.year for d in chinese_calendar.constants.holidays)


def workday_calendar(first_year: int, last_year: int) -> pa.Table:
    """Every day of [first_year, last_year] with is_workday; raises CalendarYearUnknown past the known years."""
    first_year = max(first_year, FIRST_KNOWN_YEAR)
    known = last_known_year()
    if last_year > known:
        raise CalendarYearUnknown(
            f"工作日历缺少 {last_year} 年（chinesecalendar 只收录到 {known} 年）：请升级 chinesecalendar 后重跑。"
            f" The official working-day calendar for {last_year} is unknown to chinesecalendar "
            f"(it knows {FIRST_KNOWN_YEAR}-{known}); upgrade the package (it is updated each November) and re-run."
        )
    days, flags = [], []
    d, end = date(first_year, 1, 1), date(last_year, 12, 31)
    while d <= end:
        days.append(d)
        flags.append(chinese_calendar.is_workday(d))
        d += timedelta(days=1)
    return pa.table({"calendar_date": pa.array(days, pa.date32()), "is_workday": pa.array(flags, pa.bool_())})


def nth_workday_after(start: date, n: int) -> date:
    """The n-th working day after `start` (the 7-working-day publication deadline is nth_workday_after(d, 7))."""
    d, count = start, 0
    while count < n:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            count += 1
    return d


def write_workday_calendar(con: duckdb.DuckDBPyConnection, raw_dir: Path | str, as_of: date) -> tuple[int, int]:
    """(Re)write raw.workday_calendar in the raw layer under `raw_dir` to cover every drop date in the raw
    layer and the as-of year; `con` is the warehouse whose raw.* views read it."""
    store = ensure_raw_schema(con, raw_dir)
    last_year = as_of.year
    for table in DUAL_DISCLOSURE_DATASETS:
        max_drop = con.execute(f"select max(drop_date) from raw.{table}").fetchall()[0][0]
        if max_drop is not None:
            last_year = max(last_year, max_drop.year)
    calendar = workday_calendar(FIRST_KNOWN_YEAR, last_year)
    store.replace_table("workday_calendar", calendar)
    return FIRST_KNOWN_YEAR, last_year
