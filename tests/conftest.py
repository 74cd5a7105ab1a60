"""Shared fixtures: the sample warehouse is built once per session, through the real Dagster graph."""
from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.paths import REALDATA_DIR, SAMPLE_DROPS_DIR
from dagster_project.settings import work_db_path

SAMPLE_AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory):
    """No test inherits an engineer's CREDIT_* settings or a real person key."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CREDIT_")}
    os.environ["CREDIT_PERSON_KEY"] = "test-person-key"
    os.environ.pop("DAGSTER_HOME", None)
    yield
    for k in [k for k in os.environ if k.startswith("CREDIT_")]:
        del os.environ[k]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """`credit run` over the committed sample drops: returns (published warehouse, run summary)."""
    from dagster_project.cli import run_build

    root = tmp_path_factory.mktemp("sample_build")
    drops = root / "drops"
    shutil.copytree(SAMPLE_DROPS_DIR, drops, symlinks=True)
    warehouse = root / "credit.duckdb"
    summary = run_build(drops, warehouse, SAMPLE_AS_OF.isoformat())
    return warehouse, summary


@pytest.fixture(scope="session")
def built_warehouse(sample_build) -> Path:
    """The working database of the sample build (raw layer + every dbt model)."""
    return work_db_path(sample_build[0])


@pytest.fixture
def work_con(built_warehouse):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture
def published_con(sample_build):
    con = duckdb.connect(str(sample_build[0]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def realdata_dir() -> Path:
    if not REALDATA_DIR.is_dir():
        pytest.skip(f"real public files not found at {REALDATA_DIR}: ../shared sits beside the clone in CI only")
    return REALDATA_DIR


# `bootstrap.py test` runs two pytest workers (pytest-xdist, `--dist loadfile`: a module's tests and its
# module-scoped builds stay on one worker). Workers take modules in collection order, so the modules whose
# fixtures are long builds go first and the two workers finish together, instead of one of them starting the
# Spark build last; the two Spark modules first and second, so they land on different workers (a worker whose
# first module has two tests or fewer is handed the next one at once). Order only: no test depends on it.
LONG_MODULES_FIRST = (
    "test_spark_engine", "test_spark_parity", "test_incremental", "test_incremental_cases", "test_install",
    "test_issuance_pipeline", "test_lint", "test_pipeline", "test_rectification",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the rest keep their order


_exit_status = {"code": None}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Leave without interpreter teardown, where DuckDB 2.0's bindings print pages of harmless nanobind
    "leaked" noise to stderr after the summary (the test outcome and exit code are already settled)."""
    if os.environ.get("CREDIT_KEEP_TEARDOWN"):
        return
    if hasattr(config, "workerinput"):  # an xdist worker still reports to the controller after this hook:
        devnull = os.open(os.devnull, os.O_WRONLY)  # it exits normally, its teardown noise goes nowhere
        os.dup2(devnull, 2)
        return
    if _exit_status["code"] is not None:
        import sys
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])
