"""The Spark engine's mirror: a Spark build exports the relations the gates and publish read (the schemas publish
copies) from Spark's catalog as Parquet as its last step (dbt's on-run-end, in the build's own JVM), and they are
loaded into the working DuckDB database. `export_args` is the same export as a dbt command of its own (by hand,
docs/spark.md).

It sits above settings and publish (it needs both: the working database, dbt's environment and the published
schemas), so that engines.py, which settings reads for the engine's name, imports neither.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from dagster_project.publish import PUBLISHED_SCHEMAS
from dagster_project.settings import connect_duckdb


def export_dir(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".spark-export")


def export_args(target_dir: Path) -> list[str]:
    """dbt arguments of the export step (pure, for tests): Spark writes each relation of the schemas publish
    copies (which the gates read besides raw.*) to <dir>/<schema>.<table>/ as Parquet."""
    return ["run-operation", "export_relations",
            "--args", json.dumps({"dir": str(target_dir), "schemas": list(PUBLISHED_SCHEMAS)})]


def load_export_into_duckdb(con, target_dir: Path) -> dict[str, int]:
    """Replace <schema>.<table> in the DuckDB working database with each exported folder <schema>.<table>/;
    row counts. Spark writes its (zone-aware) timestamps as UTC instants; the DuckDB build's are zone-less,
    so they are read back as zone-less UTC to match."""
    counts: dict[str, int] = {}
    con.execute("set timezone = 'UTC'")
    for folder in sorted(p for p in target_dir.iterdir() if p.is_dir()):
        schema, table = folder.name.split(".", 1)
        files = str(folder / "*.parquet").replace("'", "''")
        described = con.execute(f"describe select * from read_parquet('{files}')").fetchall()
        cols = ", ".join(
            f'cast("{name}" as timestamp) as "{name}"' if kind == "TIMESTAMP WITH TIME ZONE" else f'"{name}"'
            for name, kind, *_ in described)
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f'create or replace table "{schema}"."{table}" as '
                    f"select {cols} from read_parquet('{files}')")
        counts[f"{schema}.{table}"] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
    return counts


def export_environment(warehouse: Path) -> dict[str, str]:
    """What makes a Spark build export the published schemas as its last step (on-run-end hook
    export_relations_on_run_end, in the build's own JVM): the folder, emptied here, and the schemas."""
    target = export_dir(warehouse)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    return {"CREDIT_SPARK_EXPORT_DIR": str(target), "CREDIT_SPARK_EXPORT_SCHEMAS": ",".join(PUBLISHED_SCHEMAS)}


def mirror_spark_build(settings) -> dict[str, int]:
    """After a Spark build run with export_environment(): load what it exported into the working DuckDB."""
    target = export_dir(settings.warehouse)
    if not target.is_dir() or not any(p.is_dir() for p in target.iterdir()):
        raise RuntimeError(f"Spark 导出缺失 / the Spark build exported nothing to {target}: was it started "
                           "with spark_mirror.export_environment()?")
    con = connect_duckdb(settings.work_db)
    try:
        return load_export_into_duckdb(con, target)
    finally:
        con.close()
