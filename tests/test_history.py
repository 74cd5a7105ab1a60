"""History: dbt snapshots stamped with each build's as-of date answer "what did the public site show on
day D?" and "when did this record's status change?"."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from dagster_project.settings import work_db_path
from tests.dbt_fixture import dbt_build
from tests.raw_fixture import write_raw
from tests.test_rules import penalty

DAY_1, DAY_2 = date(2026, 11, 22), date(2026, 11, 23)


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    warehouse = root / "credit.duckdb"
    write_raw(warehouse, penalty=[
        # shown through 2026-11-22 (3 years from 2023-11-22, old regime: 民法典 第二百零二条, the period ends on the
        # corresponding day), expired from 2026-11-23
        penalty("H-ENDS", decision_date="2023-11-22", drop_date=date(2023, 11, 23)),
        penalty("H-STAYS", decision_date="2026-11-06", drop_date=date(2026, 11, 17)),
    ], as_of=DAY_2)
    dbt_build(warehouse, DAY_1, root / "target")
    dbt_build(warehouse, DAY_2, root / "target")
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    yield con
    con.close()


def shown_on(con, day: date) -> set[str]:
    return {r[0] for r in con.execute("""
        select decision_no from history.snap_credit_record_status
        where disclosure_status = 'public' and dbt_valid_from <= ? and (dbt_valid_to is null or dbt_valid_to > ?)""",
        [day, day]).fetchall()}


def test_status_change_is_recorded_on_the_as_of_date(history_db):
    versions = history_db.execute("""select disclosure_status, cast(dbt_valid_from as date), cast(dbt_valid_to as date)
        from history.snap_credit_record_status where decision_no = 'H-ENDS' order by dbt_valid_from""").fetchall()
    assert versions == [("public", DAY_1, DAY_2), ("expired", DAY_2, None)]


def test_history_answers_what_the_site_showed_on_a_day(history_db):
    assert shown_on(history_db, DAY_1) == {"H-ENDS", "H-STAYS"}
    assert shown_on(history_db, DAY_2) == {"H-STAYS"}


def test_history_answers_when_a_status_changed(history_db):
    when = history_db.execute("""select min(cast(dbt_valid_from as date)) from history.snap_credit_record_status
        where decision_no = 'H-ENDS' and disclosure_status = 'expired'""").fetchall()[0][0]
    assert when == DAY_2
