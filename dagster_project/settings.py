"""Where a build reads and writes, derived from one environment variable.

CREDIT_WAREHOUSE names the published DuckDB file analysts read. Everything the build needs beside it is
derived from that one name, by these pure functions, in Python and in dbt's profiles.yml alike:
  <warehouse>.work        the working database: dbt's models, and raw.* views over the raw layer
  <warehouse>.raw/        the raw layer: every loaded row as Parquet (ingest/raw_store.py); a Spark cluster
                          reads it where it is (make it a mount of, or a link to, storage the cluster sees)
  <warehouse>.spark/      the Spark engine only: Spark's tables and metastore (profiles.yml, CREDIT_SPARK_DIR)
  <warehouse>.spark-export/  the Spark engine only: the night's marts on their way into .work (spark_mirror.py)
  <warehouse>.history/    the last N published builds
  <warehouse>.key         the key that hashes natural persons' ID numbers (never committed; back it up)
  <warehouse>.key-fingerprint  which key the warehouse was built with (not the key): person_key.py
  <warehouse>.gate-docs/  Great Expectations Data Docs of the last run
  <warehouse>.logs/       one log file per `credit run`
  <warehouse>.dbt/        dbt's artifacts: target/ (DBT_TARGET_PATH: partial_parse.msgpack, the manifest Dagster
                          loads, one folder per dbt invocation of the last KEEP_BUILDS runs) and logs/; never in
                          the (possibly installed, read-only) dbt project, never shared by two warehouses
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project.engines import engine_from_env
from dagster_project.paths import INSTALLED, PROJECT_ROOT, SAMPLE_DROPS_DIR

# a checkout builds into its own build/ folder; an installed package never writes under itself: ./build
DEFAULT_WAREHOUSE = (Path("build") if INSTALLED else PROJECT_ROOT / "build") / "credit.duckdb"
DEFAULT_DROPS = SAMPLE_DROPS_DIR
# DuckDB's memory_limit for every connection a build opens (dbt's too: profiles.yml reads the same variable).
# The Dagster process (~0.7 GB: Dagster, ingest buffers, GX) stays alive beside dbt's DuckDB, so 2.5GB keeps
# the whole build under 4 GiB; DuckDB spills to disk beyond it (benchmarks/README.md: memory).
DEFAULT_DUCKDB_MEMORY_LIMIT = "2.5GB"
# How many nights of output are kept beside the warehouse: published builds (publish.py) and dbt's
# per-invocation artifact folders (dbt_project.prune_dbt_runs) alike.
KEEP_BUILDS = 7
# A night patches the published file in place of copying it whole (publish.py); rows it deletes leave space DuckDB
# does not always give back, so once the file has grown to this many times its size when last copied whole, the
# night copies it whole again.
PUBLISH_REGROWTH = 1.5


def work_db_path(warehouse: Path) -> Path:
    """The working database dbt builds into (profiles.yml derives the same path from CREDIT_WAREHOUSE)."""
    return Path(str(warehouse) + ".work")


def raw_dir_path(warehouse: Path) -> Path:
    """The raw layer's root. Derived, never configured separately: two warehouses can never share (or
    swap) raw layers. dbt learns it as CREDIT_RAW_DIR (BuildSettings.environment)."""
    return Path(str(warehouse) + ".raw")


def history_dir(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".history")


def gate_docs_dir(warehouse: Path) -> Path:
    """Great Expectations Data Docs of the last run, one site per suite."""
    return Path(str(warehouse) + ".gate-docs")


def dbt_dir(warehouse: Path) -> Path:
    """dbt's artifacts for this warehouse (target/ and logs/), beside it: a non-editable install cannot write
    into its package, and two warehouses on one machine must not share dbt's partial-parse state."""
    return Path(str(warehouse) + ".dbt")


def dbt_target_dir(warehouse: Path) -> Path:
    """DBT_TARGET_PATH of every dbt command a build runs (dagster-dbt puts one sub-folder per invocation here
    and seeds it with this folder's partial_parse.msgpack)."""
    return dbt_dir(warehouse) / "target"


def dbt_log_dir(warehouse: Path) -> Path:
    return dbt_dir(warehouse) / "logs"


def warehouse_from_env() -> Path:
    """CREDIT_WAREHOUSE, else the default; no other setting is read (nothing here can fail)."""
    return Path(os.environ.get("CREDIT_WAREHOUSE", str(DEFAULT_WAREHOUSE))).resolve()


def person_key_path(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".key")


def lock_path(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".lock")


def parse_as_of(value: str | None) -> date:
    """--as-of YYYY-MM-DD, or today."""
    if not value:
        return date.today()
    return date.fromisoformat(value)


@dataclass(frozen=True)
class BuildSettings:
    drops_root: Path
    warehouse: Path
    as_of: date
    engine: str = "duckdb"  # which engine runs dbt: engines.ENGINES (CREDIT_ENGINE)

    @classmethod
    def from_env(cls) -> "BuildSettings":
        return cls(
            drops_root=Path(os.environ.get("CREDIT_DROPS", str(DEFAULT_DROPS))).resolve(),
            warehouse=warehouse_from_env(),
            as_of=parse_as_of(os.environ.get("CREDIT_AS_OF")),
            engine=engine_from_env(),
        )

    @property
    def work_db(self) -> Path:
        return work_db_path(self.warehouse)

    @property
    def raw_dir(self) -> Path:
        return raw_dir_path(self.warehouse)

    def environment(self) -> dict[str, str]:
        """The variables a dbt process of this build reads (dbt_project.dbt_environment adds the person key);
        handed to that process, never written into this one's os.environ."""
        return {
            "CREDIT_DROPS": str(self.drops_root),
            "CREDIT_WAREHOUSE": str(self.warehouse),
            "CREDIT_RAW_DIR": str(self.raw_dir),
            "CREDIT_ENGINE": self.engine,  # dbt's profile picks its target from it
            "CREDIT_AS_OF": self.as_of.isoformat(),
            "CREDIT_DUCKDB_MEMORY_LIMIT": duckdb_memory_limit(),
            # dbt's artifacts beside the warehouse, for dagster-dbt's invocations and any other dbt command
            "DBT_TARGET_PATH": str(dbt_target_dir(self.warehouse)),
            "DBT_LOG_PATH": str(dbt_log_dir(self.warehouse)),
            # no usage statistics from an intranet system, and no .user.yml written into the dbt project
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }


def duckdb_memory_limit() -> str:
    """CREDIT_DUCKDB_MEMORY_LIMIT (a DuckDB size such as 3GB or 800MB), else the default."""
    return os.environ.get("CREDIT_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT


def quote_identifier(name: str) -> str:
    """A DuckDB identifier, double-quoted (SQL that names a table or column it read from a catalog, a seed or a
    suite: whatever the name holds, it stays one identifier)."""
    return '"' + name.replace('"', '""') + '"'


def connect_duckdb(path: Path, **kwargs):
    """A DuckDB connection for a build step, held to the build's memory limit (spilling beyond it).

    Set after connecting rather than as connect-time config: DuckDB refuses a second connection to a file
    with a different configuration from one this process already holds (a test's, a notebook's)."""
    import duckdb

    con = duckdb.connect(str(path), **kwargs)
    con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    return con


def dbt_build_args(*, select: str | None = None, exclude: str | None = None, full_refresh: bool = False,
                   keep_reference_data: bool = False) -> list[str]:
    """The dbt command for one build; a pure function so tests can pin it. The as-of date reaches dbt as
    CREDIT_AS_OF (BuildSettings.environment, macro as_of()), not --vars: changed --vars make dbt re-parse
    the whole project, every night. dbt's unit tests (`unit_tests:` in the models' YAML) test the SQL, not the
    night's data: they run in the test suite (tests/test_rules.py), not every night, as dbt advises.

    keep_reference_data: leave out the seeds and the tests defined on them alone (seeds/: the CSVs and
    seeds/_seeds.yml), for a night whose working database already holds them as the code defines them
    (dbt_project.reference_data_unchanged). `cautious` so that a model's test that also reads a seed (a
    relationship to one, dataset_in_seed) still runs: dbt's default drops every test touching an excluded node."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    if select:
        args += ["--select", select]
    excluded = [e for e in (exclude, "path:seeds" if keep_reference_data else None) if e]
    if excluded:
        args += ["--exclude", *excluded]
    if keep_reference_data:
        args += ["--indirect-selection", "cautious"]
    if full_refresh:
        args.append("--full-refresh")
    return args


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def dies_with_parent(sig: int = 9):
    """A subprocess preexec_fn making the child die (SIGKILL by default) when its parent dies, even by kill -9,
    so no dbt process outlives the run that started it (Linux: prctl PR_SET_PDEATHSIG; elsewhere None, no
    guard). Use it for every dbt process: subprocess.run(..., preexec_fn=dies_with_parent()).

    Linux ties the signal to the parent *thread*: start the child from a thread that outlives it (the run's
    own thread, as every caller here does), not from a short-lived worker thread. A grandchild (a JVM that
    dbt-spark starts) is not covered."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    parent = os.getpid()

    def _preexec() -> None:  # in the child, between fork and exec: nothing but the system call
        prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the guard was set
            os._exit(1)

    return _preexec
