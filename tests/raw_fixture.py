"""Hand-made raw layers for dbt rule tests: rows given as dicts of canonical column -> text."""
from __future__ import annotations

import csv
from datetime import date, datetime

import duckdb

from dagster_project.paths import SEEDS_DIR
from dagster_project.ingest import ensure_raw_schema
from dagster_project.workdays import write_workday_calendar


def canonical_columns(dataset: str) -> list[str]:
    with open(SEEDS_DIR / "dataset_columns.csv", encoding="utf-8") as f:
        return [r["column_name"] for r in csv.DictReader(f) if r["dataset"] in ("common", dataset)]


def write_raw(db_path, penalty: list[dict] = (), license: list[dict] = (), as_of: date = date(2026, 11, 22),
              **datasets: list[dict]):
    """Create the raw schema and insert rows into raw.<dataset>: penalty=, license= and any other dataset of the
    seeds by name (repair=[...], credit_list=[...]). Each row may set department, drop_date, file_path, source_row."""
    con = duckdb.connect(str(db_path))
    try:
        ensure_raw_schema(con)
        for dataset, rows in (("penalty", penalty), ("license", license), *datasets.items()):
            cols = canonical_columns(dataset)
            for i, row in enumerate(rows, start=2):
                values = [row.get(c) for c in cols]
                lineage = [
                    row.get("department", "scjgj"),
                    row.get("drop_date", date(2026, 11, 2)),
                    row.get("file_path", f"{row.get('department', 'scjgj')}/fixture_{dataset}.csv"),
                    row.get("file_hash", f"hash_{dataset}_{row.get('file_path', 'f')}"),
                    row.get("sheet_name"),
                    row.get("source_row", i),
                    "fixture-load",
                    datetime(2026, 11, 22, 1, 0, 0),
                ]
                placeholders = ", ".join(["?"] * (len(cols) + 1 + len(lineage)))
                con.execute(
                    f"insert into raw.{dataset} ({', '.join(cols)}, extra_columns, department, drop_date, file_path,"
                    f" file_hash, sheet_name, source_row, load_id, loaded_at) values ({placeholders})",
                    values + [None] + lineage,
                )
        write_workday_calendar(con, as_of)
    finally:
        con.close()
