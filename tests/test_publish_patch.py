"""A night's publish patches the published file instead of copying it whole (publish.py): the result must be
the file a whole copy would write, row for row, and no ID number may reach it by the shortcut — neither in a
row written tonight nor in a kept row whose run of digits only becomes an ID number when its birth date comes.

Working databases are made by hand here (no dbt): publish reads only the marts, audit and history schemas."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from dagster_project import pii, publish as publish_module
from dagster_project.identifiers import ric_check_char
from dagster_project.publish import RECHECK_TABLE, publish
from dagster_project.settings import work_db_path

AS_OF = dt.date(2026, 12, 1)
FIRST_DAY = dt.date(2026, 12, 8)


def id_number(first17: str) -> str:
    return first17 + ric_check_char(first17)


# born the day after FIRST_DAY: no ID number on FIRST_DAY, one from the next day on
BORN_TOMORROW = id_number("21020220261209001")
BORN_LONG_AGO = id_number("21020219800101001")


def working_db(warehouse: Path, statements: str) -> None:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(work_db_path(warehouse)))
    try:
        con.execute(statements)
    finally:
        con.close()


FIRST_NIGHT = """
create schema marts; create schema audit; create schema history;
create table marts.fct_credit_record as
    select 'R' || i as record_id, 'public' as disclosure_status, date '2026-01-01' + cast(i as integer) as decision_date,
           '违法事实' || i as violation_facts, i * 1.5 as fine_amount
    from range(1000) as t(i);
create table marts.dim_entity as select 'E' || i as entity_id, '大连测试' || i || '有限公司' as entity_name
    from range(300) as t(i);
create table history.snap_credit_record_status as
    select 'R' || i as record_id, 'public' as disclosure_status, date '2026-01-01' as dbt_valid_from,
           null::date as dbt_valid_to from range(1000) as t(i);
-- a table with rows repeated whole (no key): what counts is how many times each row is there
create table marts.fct_rule_violation_summary as select 'swj' as department, 3 as n from range(4);
create table audit.reconciliation as select 'swj' as department, 1000 as rows_loaded;
create table marts.to_be_dropped as select 1 as x;
"""

# the second night: corrections, deletions, new rows (one with an ID number in its text), a repeated row fewer,
# a table whose columns changed, a table gone and a new one
SECOND_NIGHT = f"""
update marts.fct_credit_record set disclosure_status = 'expired' where record_id in ('R1', 'R2', 'R3');
update marts.fct_credit_record set violation_facts = '当事人 {BORN_LONG_AGO} 虚假宣传' where record_id = 'R4';
delete from marts.fct_credit_record where record_id in ('R10', 'R11');
insert into marts.fct_credit_record values ('R5000', 'public', date '2026-11-30', '新增' , 2.0);
update history.snap_credit_record_status set dbt_valid_to = date '2026-12-01' where record_id in ('R1', 'R2', 'R3');
insert into history.snap_credit_record_status
    select record_id, 'expired', date '2026-12-01', null from marts.fct_credit_record where record_id in ('R1', 'R2', 'R3');
delete from marts.fct_rule_violation_summary;
insert into marts.fct_rule_violation_summary select 'swj', 3 from range(3);
alter table marts.dim_entity add column entity_type varchar default '法人及非法人组织';
drop table marts.to_be_dropped;
create table marts.fct_new as select 'new' as y;
"""


def published_rows(path: Path) -> dict[str, list[tuple]]:
    """Every published table's rows, sorted (a table is a multiset: order is not part of it)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select table_schema || '.' || table_name from information_schema.tables "
                             "where table_schema in ('marts', 'audit', 'history')").fetchall()
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr)
                for (t,) in tables if t != "audit.build_info"}
    finally:
        con.close()


def whole_copy(warehouse: Path, tmp_path: Path, name: str) -> Path:
    """What a publish with no base writes from ``warehouse``'s working database."""
    other = tmp_path / name / "credit.duckdb"
    other.parent.mkdir()
    os.symlink(work_db_path(warehouse), work_db_path(other))
    assert publish(other, run_id=name, as_of=AS_OF).patched == {}
    return other


@pytest.fixture
def on_day(monkeypatch):
    """Set the day the scrub and publish take as today."""
    def set_day(day: dt.date) -> None:
        class Day(dt.date):
            @classmethod
            def today(cls):
                return day
        monkeypatch.setattr(pii, "date", Day)
        monkeypatch.setattr(publish_module, "date", Day)
    return set_day


def test_a_patched_night_writes_what_a_whole_copy_writes(tmp_path, on_day):
    on_day(FIRST_DAY)
    warehouse = tmp_path / "w" / "credit.duckdb"
    working_db(warehouse, FIRST_NIGHT)
    assert publish(warehouse, run_id="night-1", as_of=AS_OF).patched == {}  # nothing to start from
    reader = duckdb.connect(str(warehouse), read_only=True)  # a reader holding last night's file
    working_db(warehouse, SECOND_NIGHT)
    result = publish(warehouse, run_id="night-2", as_of=AS_OF)
    # the tables whose columns did not change were patched, with just their changed rows
    assert result.patched["marts.fct_credit_record"] == (6, 5)  # R1-R4 rewritten, R10 and R11 gone, R5000 new
    assert result.patched["history.snap_credit_record_status"] == (3, 6)
    assert result.patched["marts.fct_rule_violation_summary"] == (4, 3)
    assert result.patched["audit.reconciliation"] == (0, 0)
    assert "marts.dim_entity" not in result.patched and "marts.fct_new" not in result.patched
    # last night's file was copied, not changed: its reader still sees last night (closed before the file is
    # opened again: DuckDB would hand this process the reader's instance, on the old file)
    assert reader.execute("select disclosure_status from marts.fct_credit_record where record_id = 'R1'"
                          ).fetchall() == [("public",)]
    reader.close()
    assert published_rows(warehouse) == published_rows(whole_copy(warehouse, tmp_path, "whole"))
    # the row written tonight was scrubbed on the way in
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select violation_facts from marts.fct_credit_record where record_id = 'R4'").fetchall() == [
            (f"当事人 {pii.ID_REDACTED} 虚假宣传",)]
        assert con.execute("select count(*) from information_schema.tables where table_name = 'to_be_dropped'"
                           ).fetchone() == (0,)
    finally:
        con.close()


def test_a_kept_row_is_scrubbed_again_when_the_birth_date_in_it_comes(tmp_path, on_day):
    on_day(FIRST_DAY)
    warehouse = tmp_path / "w" / "credit.duckdb"
    working_db(warehouse, FIRST_NIGHT + f"""
        update marts.fct_credit_record set violation_facts = '文号 {BORN_TOMORROW} 的处罚' where record_id = 'R7';""")
    publish(warehouse, run_id="night-1", as_of=AS_OF)

    def facts() -> str:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute("select violation_facts from marts.fct_credit_record where record_id = 'R7'").fetchone()[0]
        finally:
            con.close()

    assert facts() == f"文号 {BORN_TOMORROW} 的处罚"  # not an ID number yet
    assert publish(warehouse, run_id="night-2", as_of=AS_OF).patched["marts.fct_credit_record"] == (0, 0)
    assert BORN_TOMORROW in facts()  # the same day again: still none, and nothing rewritten
    on_day(FIRST_DAY + dt.timedelta(days=1))  # nothing in the working database changes, only the date
    result = publish(warehouse, run_id="night-3", as_of=AS_OF)
    assert result.patched["marts.fct_credit_record"] == (1, 1)
    assert facts() == f"文号 {pii.ID_REDACTED} 的处罚"
    assert published_rows(warehouse) == published_rows(whole_copy(warehouse, tmp_path, "whole"))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute(f"select count(*) from {RECHECK_TABLE}").fetchone() == (0,)  # nothing left to recheck
    finally:
        con.close()


def test_a_base_under_other_scrub_rules_or_grown_too_far_is_copied_whole(tmp_path, on_day, monkeypatch):
    on_day(FIRST_DAY)
    warehouse = tmp_path / "w" / "credit.duckdb"
    working_db(warehouse, FIRST_NIGHT)
    publish(warehouse, run_id="night-1", as_of=AS_OF)
    assert publish(warehouse, run_id="night-2", as_of=AS_OF).patched  # the same rules: patched
    monkeypatch.setattr(publish_module, "scrub_rules_digest", lambda: "another spelling")
    assert publish(warehouse, run_id="night-3", as_of=AS_OF).patched == {}
    assert publish(warehouse, run_id="night-4", as_of=AS_OF).patched  # recorded: patched again
    monkeypatch.setattr(publish_module, "PUBLISH_REGROWTH", 0.5)
    assert publish(warehouse, run_id="night-5", as_of=AS_OF).patched == {}
