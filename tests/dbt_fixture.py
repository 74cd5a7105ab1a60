"""Build the dbt project over a hand-made raw layer (for rule tests that need exact cases)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.settings import dbt_build_args


def dbt_build(warehouse: Path, as_of: date, target_path: Path, extra: list[str] | None = None) -> None:
    """`dbt build` into work_db_path(warehouse); raises with dbt's output when anything fails."""
    env = dict(os.environ, CREDIT_WAREHOUSE=str(warehouse), CREDIT_PERSON_KEY="test-key", CREDIT_AS_OF=as_of.isoformat())
    cmd = [sys.executable, "-m", "dbt.cli.main", *dbt_build_args(), "--project-dir", str(DBT_PROJECT_DIR),
           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target_path),
           "--log-path", str(target_path / "logs"), *(extra or [])]  # nothing written into the dbt project
    result = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
