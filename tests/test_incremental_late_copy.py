"""A late folder carrying an older copy of rows already kept: the night that loads it must re-judge which
copy is the exact resubmission (the earlier drop is the original), exactly as a build of everything at once.

int_submissions_checked keeps the exact-resubmission flag and, on an incremental night, recomputes it only
for the groups of identical rows that gain a member; this is the case where an already kept row's flag
flips. Slow (3 builds)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import run_build
from dagster_project.sample import generate_sample
from dagster_project.settings import work_db_path
from test_incremental import copy_nights, drop_dates_in_two_halves, mart_tables

pytestmark = pytest.mark.slow


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def flags(warehouse: Path) -> dict[str, bool]:
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        return dict(con.execute(
            "select submission_id, is_exact_resubmission from intermediate.int_submissions_checked").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def late_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("late_copy")
    sample = root / "sample"
    generate_sample(sample, 200, seed=5, start=date(2026, 9, 1), end=date(2026, 10, 30), bad_files=False)
    dates, first, second = drop_dates_in_two_halves(sample)
    # one CSV of night 1, delivered again in night 2 in a folder dated before the original: same rows,
    # different bytes (a BOM), so ingestion loads it rather than skipping a file it has seen
    original = next(p for day in reversed(first) for p in sorted(sample.glob(f"*/{day}/*.csv")) if _is_utf8(p))
    late_day = (date.fromisoformat(first[0]) - timedelta(days=3)).isoformat()
    late_copy = sample / original.parent.parent.name / late_day / original.name
    late_copy.parent.mkdir(parents=True)
    data = original.read_bytes()
    bom = b"\xef\xbb\xbf"
    late_copy.write_bytes(data[len(bom):] if data.startswith(bom) else bom + data)

    nightly, nightly_wh = root / "nightly_drops", root / "nightly" / "credit.duckdb"
    nightly_wh.parent.mkdir()
    copy_nights(sample, nightly, first)
    run_build(nightly, nightly_wh, first[-1])
    before = flags(nightly_wh)
    copy_nights(sample, nightly, second + [late_day])
    run_build(nightly, nightly_wh, "2026-11-02")

    at_once, at_once_wh = root / "at_once_drops", root / "at_once" / "credit.duckdb"
    at_once_wh.parent.mkdir()
    copy_nights(sample, at_once, dates + [late_day])
    run_build(at_once, at_once_wh, "2026-11-02")
    return {"nightly": nightly_wh, "at_once": at_once_wh, "before": before}


def test_late_older_copy_flips_the_kept_rows_flag(late_copy):
    before, after = late_copy["before"], flags(late_copy["nightly"])
    flipped = [sid for sid, was in before.items() if not was and after[sid]]
    assert flipped, "no kept row became the exact resubmission of the late, older copy"
    assert after == flags(late_copy["at_once"])


def test_marts_equal_a_build_of_everything_at_once(late_copy):
    nightly, at_once = mart_tables(late_copy["nightly"]), mart_tables(late_copy["at_once"])
    for table in nightly:
        assert nightly[table] == at_once[table], f"marts.{table} differs between incremental and full builds"
