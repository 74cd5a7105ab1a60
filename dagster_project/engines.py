"""Which engine runs the dbt project: DuckDB (one machine, the default) or Apache Spark (scale-out).

One configuration value, CREDIT_ENGINE (or `credit run --engine`), picks it; dbt's profile reads the same
variable as its target, so Dagster and dbt can never disagree. Everything around dbt stays the same on both:
ingestion writes the Parquet raw layer (<warehouse>.raw) that both engines read, and the gates, publish and
reports read the DuckDB working database. On Spark the models live in Spark's catalog, so after the build
the relations the gates and publish read (the marts, audit and history schemas) are exported to Parquet by
Spark and loaded into the working DuckDB database (`mirror_spark_build`): analysts' tools do not change.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

# each is an output of dbt_credit/profiles.yml: spark = a local session in the dbt process (tests, one machine);
# spark_cluster = a Spark Thrift Server (docs/scale-out.md; written, not run here: no cluster is reachable)
ENGINES = ("duckdb", "spark", "spark_cluster")
DEFAULT_ENGINE = "duckdb"


class EngineError(ValueError):
    pass


def engine_from_env() -> str:
    return check_engine(os.environ.get("CREDIT_ENGINE") or DEFAULT_ENGINE)


def check_engine(name: str) -> str:
    name = name.strip().lower()
    if name not in ENGINES:
        raise EngineError(f"不支持的计算引擎 / unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    return name


def builds_in_duckdb(engine: str) -> bool:
    """Whether dbt's tables land in the working DuckDB file itself (else they are mirrored there after)."""
    return engine == "duckdb"


def spark_available() -> str | None:
    """None when a local Spark session can start here, else why not (what to install)."""
    import importlib.util

    missing = [m for m in ("pyspark", "dbt.adapters.spark") if importlib.util.find_spec(m) is None]
    if missing:
        return ("the Spark engine needs the optional `spark` extra: pip install -e '.[spark]' "
                f"(missing: {', '.join(missing)})")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "the Spark engine needs Java 17 (java on PATH or JAVA_HOME)"
    return None


def export_dir(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".spark-export")


def export_args(target_dir: Path) -> list[str]:
    """dbt arguments of the export step (pure, for tests): Spark writes each relation of the schemas publish
    copies (which the gates read besides raw.*) to <dir>/<schema>.<table>/ as Parquet."""
    from dagster_project.publish import PUBLISHED_SCHEMAS  # here: publish -> settings -> this module

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
    from dagster_project.settings import connect_duckdb, dies_with_parent

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
