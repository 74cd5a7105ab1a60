"""The dbt project as Dagster sees it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.settings import dies_with_parent

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "snapshots", "tests"):
        for p in (project_dir / folder).rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    for name in ("dbt_project.yml", "profiles.yml"):
        newest = max(newest, (project_dir / name).stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """`dbt parse` when target/manifest.json is missing or older than the project's files.

    Dagster needs the manifest to define the dbt assets; `dagster dev` prepares it itself, but a headless
    run (`credit run`, cron, tests) on a fresh clone must too. Parsing takes a few seconds, once.
    """
    manifest = dbt_project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(DBT_PROJECT_DIR):
        return manifest
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", "parse", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, preexec_fn=dies_with_parent(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return manifest
