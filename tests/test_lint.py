"""Lint is part of the suite (issue 21): ruff over the Python (config: pyproject.toml [tool.ruff]) and sqlfluff
over the dbt models (config: .sqlfluff, dbt templater, DuckDB dialect), both clean."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff_is_clean():
    r = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


@pytest.mark.slow
def test_sqlfluff_is_clean_over_the_dbt_models(tmp_path):
    # the dbt templater compiles the project: its artifacts go to a temporary folder, never into dbt_credit/
    env = {**os.environ, "CREDIT_WAREHOUSE": str(tmp_path / "lint.duckdb"), "CREDIT_ENGINE": "duckdb",
           "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    r = subprocess.run([str(BIN / "sqlfluff"), "lint", "dbt_credit/models", "--disable-progress-bar"], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
