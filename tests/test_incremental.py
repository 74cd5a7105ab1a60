"""Night by night equals all at once, and a backfill of a past night reproduces what that night built.

Builds the same generated drops twice through the real graph: in two nights (the second incremental) and
in one go; then re-runs the first night as a backfill on the warehouse that has seen both. Slow (4 builds)."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import run_build
from dagster_project.sample import generate_sample

pytestmark = pytest.mark.slow


# Which night's load brought a file (the intake marts' load_id, and intake_file_id made from it) differs between
# two nights and one by construction: everything else must be equal.
LOAD_LINEAGE = ("load_id", "intake_file_id")


def mart_tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for n in names:
            cols = [c for (c,) in con.execute("select column_name from information_schema.columns where "
                                              "table_schema = 'marts' and table_name = ? order by ordinal_position",
                                              [n]).fetchall() if c not in LOAD_LINEAGE]
            out[n] = sorted(con.execute(f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from marts.{n}')
                            .fetchall(), key=repr)
        return out
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


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    sample = root / "sample"
    generate_sample(sample, 300, seed=11, start=date(2026, 9, 1), end=date(2026, 10, 30), bad_files=False)
    dates, first, second = drop_dates_in_two_halves(sample)
    night1_as_of, final_as_of = first[-1], "2026-11-02"

    nightly, nightly_wh = root / "nightly_drops", root / "nightly" / "credit.duckdb"
    nightly_wh.parent.mkdir()
    copy_nights(sample, nightly, first)
    run_build(nightly, nightly_wh, night1_as_of)
    after_night1 = mart_tables(nightly_wh)
    copy_nights(sample, nightly, second)
    run_build(nightly, nightly_wh, final_as_of)

    at_once, at_once_wh = root / "at_once_drops", root / "at_once" / "credit.duckdb"
    at_once_wh.parent.mkdir()
    copy_nights(sample, at_once, dates)
    run_build(at_once, at_once_wh, final_as_of)
    return {"nightly": nightly_wh, "at_once": at_once_wh, "after_night1": after_night1,
            "night1_as_of": night1_as_of, "drops": nightly}


def test_night_by_night_equals_all_at_once(two_nights):
    nightly, at_once = mart_tables(two_nights["nightly"]), mart_tables(two_nights["at_once"])
    assert nightly.keys() == at_once.keys() and "fct_credit_record" in nightly
    for table in nightly:
        assert nightly[table] == at_once[table], f"marts.{table} differs between incremental and full builds"
    assert len(nightly["fct_credit_record"]) > 100


def test_backfill_of_a_past_night_reproduces_it(two_nights):
    # the warehouse has now seen both nights; rebuilding as of night 1 must give night 1's marts back
    run_build(two_nights["drops"], two_nights["nightly"], two_nights["night1_as_of"])
    again = mart_tables(two_nights["nightly"])
    for table, rows in two_nights["after_night1"].items():
        assert again[table] == rows, f"marts.{table} differs from what night 1 built"
