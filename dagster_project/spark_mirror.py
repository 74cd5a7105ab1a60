"""The Spark engine's mirror: after a Spark build, the relations the gates and publish read (the schemas publish
copies) are exported from Spark's catalog as Parquet and loaded into the working DuckDB database.

It sits above settings and publish (it needs both: the working database, dbt's environment and the published
schemas), so that engines.py, which settings reads for the engine's name, imports neither.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from dagster_project.publish import PUBLISHED_SCHEMAS
from dagster_project.settings import connect_duckdb, dies_with_parent


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


def mirror_spark_build(settings, dbt_executable: str, project_dir: Path) -> dict[str, int]:
    """After a Spark build: export the mirrored schemas from Spark and load them into the working DuckDB."""
    target = export_dir(settings.warehouse)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    env = {**os.environ, **settings.environment()}
    where = ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    done = subprocess.run([dbt_executable, *export_args(target), *where], cwd=project_dir, env=env,
                          capture_output=True, text=True, preexec_fn=dies_with_parent())
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise RuntimeError(f"Spark 导出失败 / exporting the Spark build failed:\n{tail}")
    con = connect_duckdb(settings.work_db)
    try:
        return load_export_into_duckdb(con, target)
    finally:
        con.close()
