"""Hand-made raw layers for dbt rule tests: rows given as dicts of canonical column -> text."""
from __future__ import annotations

import csv
from datetime import date, datetime

from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.ingest import ensure_raw_schema, raw_table_columns
from dagster_project.ingest.raw_store import arrow_schema
from dagster_project.paths import SEEDS_DIR
from dagster_project.settings import raw_dir_path, work_db_path
from dagster_project.workdays import write_workday_calendar


def canonical_columns(dataset: str) -> list[str]:
    with open(SEEDS_DIR / "dataset_columns.csv", encoding="utf-8") as f:
        return [r["column_name"] for r in csv.DictReader(f) if r["dataset"] in ("common", dataset)]


def write_raw(warehouse, penalty: list[dict] = (), license: list[dict] = (), as_of: date = date(2026, 11, 22),
              load_id: str = "fixture-load", loaded_at: datetime = datetime(2026, 11, 22, 1, 0, 0),
              **datasets: list[dict]):
    """Write rows into the raw layer of `warehouse` (raw.<dataset>, through the ingestion's own writer):
    penalty=, license= and any other dataset of the seeds by name (repair=[...], credit_list=[...]).
    Each row may set department, drop_date, file_path, source_row. A second call with another load_id (and a
    later loaded_at) is another night's load."""
    warehouse = Path(warehouse)
    con = duckdb.connect(str(work_db_path(warehouse)))
    try:
        raw_dir = raw_dir_path(warehouse)
        store = ensure_raw_schema(con, raw_dir)
        batch = []
        for dataset, rows in (("penalty", penalty), ("license", license), *datasets.items()):
            cols = canonical_columns(dataset)
            records = []
            for i, row in enumerate(rows, start=2):
                department = row.get("department", "scjgj")
                file_path = row.get("file_path", f"{department}/fixture_{dataset}.csv")
                records.append({**{c: row.get(c) for c in cols}, "extra_columns": None,
                                "department": department,
                                "drop_date": row.get("drop_date", date(2026, 11, 2)),
                                "file_path": file_path,
                                "file_hash": row.get("file_hash", f"hash_{dataset}_{row.get('file_path', 'f')}"),
                                "sheet_name": row.get("sheet_name"),
                                "source_row": row.get("source_row", i),
                                "load_id": load_id,
                                "loaded_at": loaded_at})
            schema = arrow_schema(raw_table_columns()[dataset])
            batch.append((dataset, pa.Table.from_pylist(records, schema=schema)))
        store.write_batch(load_id, batch)
        write_workday_calendar(con, raw_dir, as_of)
    finally:
        con.close()
