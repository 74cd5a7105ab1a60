"""The raw (归集) schema: the exact contract dbt reads."""
from __future__ import annotations

import duckdb

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
]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dataset_table_columns(seeds: Seeds, dataset: str) -> list[tuple[str, str]]:
    return [(c, "VARCHAR") for c in seeds.canonical_names(dataset)] + LINEAGE_COLUMNS


def _ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> None:
    cols = ", ".join(f"{_q(n)} {t}" for n, t in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({cols})")
    existing = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?",
            [table],
        ).fetchall()
    }
    for n, t in columns:  # a column added to the seed later is appended (inserts name their columns)
        if n not in existing:
            con.execute(f"ALTER TABLE raw.{table} ADD COLUMN {_q(n)} {t}")


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, seeds: Seeds | None = None) -> None:
    """Create schema `raw` and its tables if missing (and add any canonical column the seed gained)."""
    seeds = seeds or load_seeds()
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for dataset in seeds.datasets:
        _ensure_table(con, dataset, dataset_table_columns(seeds, dataset))
    _ensure_table(con, "rejected_rows", REJECTED_COLUMNS)
    _ensure_table(con, "quarantine", QUARANTINE_COLUMNS)
    _ensure_table(con, "ingest_ledger", LEDGER_COLUMNS)
