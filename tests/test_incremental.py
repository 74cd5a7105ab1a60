"""Night by night equals all at once, through the real graph, on a generated sample: a backfill of a past night
reproduces what that night built, and a late folder carrying an older copy of rows already kept is re-judged.

One sample, one set of builds (5 nights through Dagster, each paying the night's fixed cost once):
  nightly   night 1 (the first half of the drop dates), night 2 (the second half, incremental), night 3 (a late
            folder, dated after night 1 but before the original it copies: one CSV of night 2, same rows,
            different bytes), then a backfill as of night 1 on that warehouse (the late folder is after that
            date, so night 1's drops are exactly what night 1 saw)
  at once   every drop and the late folder in one build, as of night 3
The late copy: int_submissions_checked keeps the exact-resubmission flag and, on an incremental night,
recomputes it only for the groups of identical rows that gain a member; the late, older copy is the original
(the earlier drop), so an already kept row's flag flips. The dbt-only cases (a correction, a withdrawal, a
repair, an entity gaining a USCC, a window ending between nights, a backfill) are tests/test_incremental_cases.py.
Slow (5 builds)."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import run_build
from dagster_project.sample import generate_sample
from dagster_project.settings import work_db_path
from tests.dbt_fixture import INVOCATION_STAMPS

pytestmark = pytest.mark.slow


# Which night's load brought a file (the intake marts' load_id, and intake_file_id made from it), when it was
# loaded, when a run resolved, versioned or checked it, and the as-of a record was computed at differ between
# two nights and one by construction: everything else must be equal.
BUILD_LINEAGE = ("load_id", "intake_file_id", "loaded_at", "resolved_at", "versioned_at", "checked_at",
                 "built_as_of", "violations_checked_from", *INVOCATION_STAMPS)
NIGHT_2_AS_OF, NIGHT_3_AS_OF = "2026-11-02", "2026-11-03"


# Beside the marts, int_records (every record, with the columns the marts leave out), int_entity_resolution and
# int_decision_versions (kept night by night, incrementally): compared whole, so a stale value the marts do not
# show is caught too.
RECORD_TABLES = (("intermediate", "int_records"), ("intermediate", "int_entity_resolution"),
                 ("intermediate", "int_decision_versions"))


def mart_tables(path: Path) -> dict[str, list[tuple]]:
    """The working database's marts and RECORD_TABLES, each table's rows order-free."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [("marts", r[0]) for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for schema, n in names + list(RECORD_TABLES):
            cols = [c for (c,) in con.execute("select column_name from information_schema.columns where "
                                              "table_schema = ? and table_name = ? order by ordinal_position",
                                              [schema, n]).fetchall() if c not in BUILD_LINEAGE]
            out[n] = sorted(con.execute(f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from {schema}.{n}')
                            .fetchall(), key=repr)
        return out
    finally:
        con.close()


def flags(warehouse: Path) -> dict[str, bool]:
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        return dict(con.execute(
            "select submission_id, is_exact_resubmission from intermediate.int_submissions_checked").fetchall())
    finally:
        con.close()


def copy_nights(src: Path, dst: Path, dates: list[str]) -> None:
    for dept in src.iterdir():
        if not dept.is_dir() or dept.name.startswith("."):
            continue
        for day in dept.iterdir():
            if day.name in dates:
                shutil.copytree(day, dst / dept.name / day.name, dirs_exist_ok=True)


def drop_dates_in_two_halves(sample: Path) -> tuple[list[str], list[str], list[str]]:
    """Every drop date of a generated sample, and its first and second half (two nights)."""
    dates = sorted({d.name for dept in sample.iterdir() if dept.is_dir() and not dept.name.startswith(".")
                    for d in dept.iterdir()})
    return dates, dates[: len(dates) // 2], dates[len(dates) // 2:]


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def write_late_copy(sample: Path, dates: list[str], night_1_as_of: str, second: list[str]) -> str:
    """One CSV of night 2, delivered again in a folder dated before the original but after night 1 (so a backfill
    as of night 1 does not see it) on a date no other drop has (so only night 3 brings it): same rows, different
    bytes (a BOM), so ingestion loads it rather than skipping a file it has seen. Returns the late folder's date."""
    for day in reversed(second):
        late_days = [d for d in (date.fromisoformat(day) - timedelta(days=k) for k in range(1, 7))
                     if night_1_as_of < d.isoformat() and d.isoformat() not in dates]
        originals = [p for p in sorted(sample.glob(f"*/{day}/*.csv")) if _is_utf8(p)]
        if late_days and originals:
            original, late_day = originals[0], late_days[0].isoformat()
            late_copy = sample / original.parent.parent.name / late_day / original.name
            late_copy.parent.mkdir(parents=True)
            data = original.read_bytes()
            bom = b"\xef\xbb\xbf"
            late_copy.write_bytes(data[len(bom):] if data.startswith(bom) else bom + data)
            return late_day
    raise AssertionError("the sample has no night-2 CSV to deliver again late")


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    sample = root / "sample"
    generate_sample(sample, 300, seed=11, start=date(2026, 9, 1), end=date(2026, 10, 30), bad_files=False)
    dates, first, second = drop_dates_in_two_halves(sample)
    night1_as_of = first[-1]
    late_day = write_late_copy(sample, dates, night1_as_of, second)

    nightly, nightly_wh = root / "nightly_drops", root / "nightly" / "credit.duckdb"
    nightly_wh.parent.mkdir()
    copy_nights(sample, nightly, first)
    run_build(nightly, nightly_wh, night1_as_of)
    after_night1 = mart_tables(work_db_path(nightly_wh))
    copy_nights(sample, nightly, second)
    run_build(nightly, nightly_wh, NIGHT_2_AS_OF)
    before_late_copy = flags(nightly_wh)
    copy_nights(sample, nightly, [late_day])
    run_build(nightly, nightly_wh, NIGHT_3_AS_OF)

    at_once, at_once_wh = root / "at_once_drops", root / "at_once" / "credit.duckdb"
    at_once_wh.parent.mkdir()
    copy_nights(sample, at_once, dates + [late_day])
    run_build(at_once, at_once_wh, NIGHT_3_AS_OF)
    # read now: test_backfill_of_a_past_night_reproduces_it rebuilds the nightly warehouse as of night 1
    return {"nightly": mart_tables(work_db_path(nightly_wh)), "at_once": mart_tables(work_db_path(at_once_wh)),
            "after_night1": after_night1,
            "flags_before_late_copy": before_late_copy, "flags_nightly": flags(nightly_wh),
            "flags_at_once": flags(at_once_wh), "warehouse": nightly_wh, "night1_as_of": night1_as_of,
            "drops": nightly}


def test_night_by_night_equals_all_at_once(nights):
    nightly, at_once = nights["nightly"], nights["at_once"]
    assert nightly.keys() == at_once.keys() and "fct_credit_record" in nightly
    for table in nightly:
        assert nightly[table] == at_once[table], f"marts.{table} differs between incremental and full builds"
    assert len(nightly["fct_credit_record"]) > 100


def test_late_older_copy_flips_the_kept_rows_flag(nights):
    before, after = nights["flags_before_late_copy"], nights["flags_nightly"]
    flipped = [sid for sid, was in before.items() if not was and after[sid]]
    assert flipped, "no kept row became the exact resubmission of the late, older copy"
    assert after == nights["flags_at_once"]


def test_backfill_of_a_past_night_reproduces_it(nights):
    # the warehouse has now seen every night; rebuilding as of night 1 must give night 1's marts back
    run_build(nights["drops"], nights["warehouse"], nights["night1_as_of"])
    again = mart_tables(work_db_path(nights["warehouse"]))
    for table, rows in nights["after_night1"].items():
        assert again[table] == rows, f"marts.{table} differs from what night 1 built"
