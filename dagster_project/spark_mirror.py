"""The Spark engine's mirror: after a Spark build, the relations the gates and publish read (the schemas publish
copies) are exported from Spark's catalog as Parquet and loaded into the working DuckDB database.

It sits above settings and publish (it needs both: the working database, dbt's environment and the published
schemas), so that engines.py, which settings reads for the engine's name, imports neither.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from dagster_project.publish import PUBLISHED_SCHEMAS
from dagster_project.settings import connect_duckdb, dbt_target_dir


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


def mirror_spark_build(settings, env: Mapping[str, str]) -> dict[str, int]:
    """After a Spark build: export the mirrored schemas from Spark and load them into the working DuckDB.
    `env`: the build's dbt environment (dbt_project.dbt_environment)."""
    from dagster_project.dbt_project import dbt_failure, run_dbt  # dagster-dbt, loaded only for a Spark build

    target = export_dir(settings.warehouse)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    done = run_dbt(export_args(target), env=env, target_path=dbt_target_dir(settings.warehouse) / "spark-export")
    if not done.is_successful():
        raise RuntimeError(f"Spark 导出失败 / exporting the Spark build failed:\n{dbt_failure(done)}")
    con = connect_duckdb(settings.work_db)
    try:
        return load_export_into_duckdb(con, target)
    finally:
        con.close()
