"""The raw layer on disk (dagster_project/ingest/raw_store.py): the Parquet contract every engine reads,
all-or-nothing batches, columns added later, and warehouses built before the layer moved to Parquet."""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.ingest import RawStore, ensure_raw_schema, ingest_drops, raw_table_columns
from dagster_project.ingest.raw_store import COMMITTED, EMPTY_SCHEMA_FILE, PENDING, arrow_schema, partition_name
from dagster_project.ingest.schema import LEDGER_COLUMNS
from tests.ingest_fixtures import penalty_csv



def write_drop(root, department, day, name, n_rows):
    path = root / department / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(penalty_csv(n_rows), encoding="utf-8")


def ledger_rows(columns=LEDGER_COLUMNS, n=1, **values) -> pa.Table:
    base = {name: [None] * n for name, _t in columns}
    base.update({k: [v] * n for k, v in values.items()})
    return pa.table(base, schema=arrow_schema(columns))


def test_every_loaded_row_lands_as_parquet_in_department_and_drop_date_folders(tmp_path):
    drops, raw = tmp_path / "drops", tmp_path / "raw"
    write_drop(drops, "scjgj", "2026-11-01", "a.csv", 3)
    write_drop(drops, "swj", "2026-11-02", "b.csv", 2)
    result = ingest_drops(duckdb.connect(), drops, raw)
    assert result.rows_loaded == 5
    files = sorted(p.relative_to(raw / "penalty").parent.as_posix()
                   for p in (raw / "penalty").rglob("*.parquet") if p.name != EMPTY_SCHEMA_FILE)
    assert files == ["department=scjgj/drop_date=2026-11-01", "department=swj/drop_date=2026-11-02"]
    # every column is inside the files (no partition inference needed), with the contract's types
    one = pq.read_table(next((raw / "penalty" / "department=swj").rglob("*.parquet")))
    assert one.schema == arrow_schema(raw_table_columns()["penalty"])
    assert set(one.column("department").to_pylist()) == {"swj"}
    assert set(one.column("drop_date").to_pylist()) == {date(2026, 11, 2)}
    # another engine's reader (plain DuckDB, no views) sees the same rows the warehouse does
    plain = duckdb.connect().execute(
        f"select count(*) from read_parquet('{raw}/penalty/**/*.parquet', hive_partitioning = false)")
    assert plain.fetchall() == [(5,)]
    assert not (raw / PENDING).exists() or not any((raw / PENDING).iterdir())


def test_a_batch_without_its_commit_marker_is_dropped_and_one_with_it_is_finished(tmp_path):
    store = RawStore(tmp_path)
    con = duckdb.connect()
    ensure_raw_schema(con, tmp_path)
    for batch, committed in (("dead-before-commit", False), ("dead-after-commit", True)):
        staged = tmp_path / PENDING / batch / "ingest_ledger" / "department=x" / "drop_date=2026-11-01"
        staged.mkdir(parents=True)
        pq.write_table(ledger_rows(load_id=batch, department="x", drop_date=date(2026, 11, 1)),
                       staged / f"{batch}.parquet")
        if committed:
            (tmp_path / PENDING / batch / COMMITTED).write_text(batch)
    assert con.execute("select count(*) from raw.ingest_ledger").fetchone()[0] == 0  # staged rows are invisible
    assert sorted(store.recover()) == ["dead-after-commit", "dead-before-commit"]
    assert con.execute("select load_id from raw.ingest_ledger").fetchall() == [("dead-after-commit",)]
    assert not any((tmp_path / PENDING).iterdir())


def test_a_column_added_to_the_seed_later_reads_as_null_for_older_files(tmp_path):
    old = [c for c in LEDGER_COLUMNS if c[0] != "encoding"]
    store = RawStore(tmp_path)
    store.ensure_table("ingest_ledger", old)
    store.write_batch("old", [("ingest_ledger", ledger_rows(old, load_id="old", department="x",
                                                            drop_date=date(2026, 1, 1)))])
    con = duckdb.connect()
    ensure_raw_schema(con, tmp_path)  # today's columns: the schema file is rewritten, old data files stay
    store.write_batch("new", [("ingest_ledger", ledger_rows(load_id="new", encoding="gbk", department="x",
                                                            drop_date=date(2026, 1, 2)))])
    got = con.execute("select load_id, encoding from raw.ingest_ledger order by load_id").fetchall()
    assert got == [("new", "gbk"), ("old", None)]
    assert [r[0] for r in con.execute("describe raw.ingest_ledger").fetchall()] == [n for n, _t in LEDGER_COLUMNS]


def test_a_warehouse_with_raw_base_tables_moves_them_to_parquet_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.quarantine (load_id varchar, department varchar, drop_date date,"
                " file_path varchar, file_hash varchar, reason_code varchar, reason varchar,"
                " quarantined_at timestamp)")
    con.execute("insert into raw.quarantine values ('L1', 'swj', '2026-11-01', 'swj/2026-11-01/x.csv', 'h',"
                " 'empty_file', '文件为空', '2026-11-01 02:00:00')")
    ensure_raw_schema(con, tmp_path / "raw")
    ensure_raw_schema(con, tmp_path / "raw")  # the second time there is nothing left to move
    assert con.execute("select table_type from information_schema.tables where table_schema = 'raw'"
                       " and table_name = 'quarantine'").fetchone()[0] == "VIEW"
    assert con.execute("select load_id, reason_code, quarantined_at from raw.quarantine").fetchall() == [
        ("L1", "empty_file", datetime(2026, 11, 1, 2))]


@pytest.mark.parametrize("value, name", [
    ("scjgj", "scjgj"), ("市场监管局", "市场监管局"), ("a/b", "a%2Fb"), (None, "__null__"),
    (date(2026, 11, 1), "2026-11-01"), ("", "%20")])
def test_partition_folder_names_are_safe_and_readable(value, name):
    assert partition_name(value) == name


def test_a_retried_run_with_the_same_load_id_adds_to_what_its_first_attempt_wrote(tmp_path):
    """Dagster retries a step under the same run id (= load id): the retry's batches must not overwrite the
    files the first attempt committed."""
    drops, raw = tmp_path / "drops", tmp_path / "raw"
    write_drop(drops, "scjgj", "2026-11-01", "a.csv", 3)
    con = duckdb.connect()
    assert ingest_drops(con, drops, raw, load_id="run-1").rows_loaded == 3
    write_drop(drops, "scjgj", "2026-11-01", "b.csv", 4)  # same department and day: the same folder
    assert ingest_drops(con, drops, raw, load_id="run-1").rows_loaded == 4
    assert con.execute("select count(*) from raw.penalty").fetchall() == [(7,)]
    assert con.execute("select sum(rows_loaded) from raw.ingest_ledger").fetchall() == [(7,)]
