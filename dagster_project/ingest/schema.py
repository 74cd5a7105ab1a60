"""The raw (归集) schema: the exact contract dbt reads (stored as Parquet, raw_store.py)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from .raw_store import RawStore, create_views
from .seeds import Seeds, load_seeds

LINEAGE_COLUMNS = [
    ("extra_columns", "VARCHAR"),
    ("department", "VARCHAR"),
    ("drop_date", "DATE"),
    ("file_path", "VARCHAR"),
    ("file_hash", "VARCHAR"),
    ("sheet_name", "VARCHAR"),
    ("source_row", "INTEGER"),
    ("load_id", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
]

REJECTED_COLUMNS = [
    ("load_id", "VARCHAR"),
    ("department", "VARCHAR"),
    ("drop_date", "DATE"),
    ("file_path", "VARCHAR"),
    ("file_hash", "VARCHAR"),
    ("sheet_name", "VARCHAR"),
    ("source_row", "INTEGER"),
    ("dataset", "VARCHAR"),
    ("raw_text", "VARCHAR"),
    ("reason", "VARCHAR"),
]

QUARANTINE_COLUMNS = [
    ("load_id", "VARCHAR"),
    ("department", "VARCHAR"),
    ("drop_date", "DATE"),
    ("file_path", "VARCHAR"),
    ("file_hash", "VARCHAR"),
    ("reason_code", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("quarantined_at", "TIMESTAMP"),
    ("rules_version", "VARCHAR"),  # rules_fingerprint the file was judged by: a change retries it (loader.py)
]

LEDGER_COLUMNS = [
    ("load_id", "VARCHAR"),
    ("department", "VARCHAR"),
    ("drop_date", "DATE"),
    ("file_path", "VARCHAR"),
    ("file_hash", "VARCHAR"),
    ("file_format", "VARCHAR"),
    ("encoding", "VARCHAR"),
    ("sheet_name", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("header_row", "INTEGER"),
    ("status", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_rejected", "BIGINT"),
    ("loaded_at", "TIMESTAMP"),
    ("note", "VARCHAR"),  # why a sheet was skipped (hidden, empty, chart) or a copy not loaded again; else NULL
]


WORKDAY_CALENDAR_COLUMNS = [
    ("calendar_date", "DATE"),
    ("is_workday", "BOOLEAN"),
]


def dataset_table_columns(seeds: Seeds, dataset: str) -> list[tuple[str, str]]:
    return [(c, "VARCHAR") for c in seeds.canonical_names(dataset)] + LINEAGE_COLUMNS


def raw_table_columns(seeds: Seeds | None = None) -> dict[str, list[tuple[str, str]]]:
    """Every raw table and its columns (name, DuckDB type): the contract every engine reads."""
    seeds = seeds or load_seeds()
    tables = {d: dataset_table_columns(seeds, d) for d in seeds.datasets}
    tables.update(rejected_rows=REJECTED_COLUMNS, quarantine=QUARANTINE_COLUMNS, ingest_ledger=LEDGER_COLUMNS,
                  workday_calendar=WORKDAY_CALENDAR_COLUMNS)
    return tables


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, raw_dir: Path | str, seeds: Seeds | None = None) -> RawStore:
    """The raw layer under `raw_dir` ready to write (a batch a dead run left half-written is finished or
    dropped; every table has its folder and empty-schema file with today's columns), and raw.<table> in the
    DuckDB warehouse as views over it. Idempotent."""
    store = RawStore(raw_dir)
    store.recover()
    tables = raw_table_columns(seeds)
    for table, columns in tables.items():
        store.ensure_table(table, columns)
    create_views(con, store, tables)
    return store
