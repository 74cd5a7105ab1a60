"""Which engine runs the dbt project: DuckDB (one machine, the default) or Apache Spark (scale-out).

One configuration value, CREDIT_ENGINE (or `credit run --engine`), picks it; dbt's profile reads the same
variable as its target, so Dagster and dbt can never disagree. Everything around dbt stays the same on both:
ingestion writes the Parquet raw layer (<warehouse>.raw) that both engines read, and the gates, publish and
reports read the DuckDB working database. On Spark the models live in Spark's catalog, so after the build
the relations the gates and publish read (the marts, audit and history schemas) are exported to Parquet by
Spark and loaded into the working DuckDB database (spark_mirror.py, a layer above settings and publish): analysts'
tools do not change.
"""
from __future__ import annotations

import os
import shutil

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
