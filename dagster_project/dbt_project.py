"""The dbt project as Dagster sees it, and where dbt's artifacts go.

dbt's artifacts (target/, logs/, partial_parse.msgpack) live beside the warehouse, in `<warehouse>.dbt/`
(settings.dbt_dir), never in the dbt project: an installed package is read-only, and two warehouses built on
one machine must not share parse state. dagster-dbt gives every dbt invocation its own folder under
DBT_TARGET_PATH and seeds it with DBT_TARGET_PATH/partial_parse.msgpack; keep_partial_parse() hands the
invocation's fresh copy back so the next one starts warm, and prune_dbt_runs() keeps the last KEEP_BUILDS runs.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.settings import KEEP_BUILDS, dbt_target_dir, dies_with_parent, warehouse_from_env

PARTIAL_PARSE = "partial_parse.msgpack"


def manifest_target_dir() -> Path:
    """Where the manifest Dagster loads at import lives: DBT_TARGET_PATH when set (a run's environment), else
    the target folder of CREDIT_WAREHOUSE (or the default warehouse)."""
    env = os.environ.get("DBT_TARGET_PATH")
    if env and Path(env).is_absolute():
        return Path(env)
    return dbt_target_dir(warehouse_from_env())


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=manifest_target_dir())


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "snapshots", "tests"):
        for p in (project_dir / folder).rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    for name in ("dbt_project.yml", "profiles.yml"):
        newest = max(newest, (project_dir / name).stat().st_mtime)
    return newest


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """`dbt parse` when the manifest is missing or older than the project's files.

    Dagster needs the manifest to define the dbt assets; a headless run (`credit run`, cron, tests) on a fresh
    clone or install must make it. Parsing takes a few seconds, once; a lock keeps two processes of one
    warehouse from parsing into the same folder at once. The parse also leaves partial_parse.msgpack there,
    which dagster-dbt copies into each dbt invocation."""
    manifest = Path(project.manifest_path)
    target = manifest.parent
    if _fresh(manifest):
        return manifest
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _fresh(manifest):  # another process parsed while this one waited
            return manifest
        result = subprocess.run(
            [sys.executable, "-m", "dbt.cli.main", "parse", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
             "--log-path", str(target.parent / "logs"), "--quiet"],
            cwd=DBT_PROJECT_DIR, capture_output=True, text=True, preexec_fn=dies_with_parent(),
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},  # else dbt writes <project>/.user.yml
        )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return manifest


def _fresh(manifest: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(DBT_PROJECT_DIR)


def keep_partial_parse(invocation_dir: Path, target_dir: Path) -> None:
    """Hand an invocation's partial_parse.msgpack back to the warehouse's target folder (atomically: a
    concurrent reader sees the old file or the new one), so the next dbt command re-parses only what changed."""
    fresh = Path(invocation_dir) / PARTIAL_PARSE
    if not fresh.is_file() or Path(invocation_dir).resolve() == Path(target_dir).resolve():
        return
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".{PARTIAL_PARSE}.{os.getpid()}"
    shutil.copyfile(fresh, tmp)
    os.replace(tmp, target_dir / PARTIAL_PARSE)


# dagster-dbt names an invocation's folder <op name>-<first 7 of the run id>-<7 random hex>
_INVOCATION_DIR = re.compile(r"^(?P<op>.+)-(?P<run>[0-9a-f]{7})-(?P<uuid>[0-9a-f]{7})$")


def prune_dbt_runs(target_dir: Path, keep: int = KEEP_BUILDS) -> list[Path]:
    """Delete the per-invocation folders of all but the newest `keep` runs (a run's two dbt steps count as
    one); ~8 MB each, twice a night, they would otherwise grow by gigabytes a year. Returns what was removed."""
    if not target_dir.is_dir():
        return []
    runs: dict[str, list[Path]] = {}
    for d in target_dir.iterdir():
        m = _INVOCATION_DIR.match(d.name)
        if m and d.is_dir():
            runs.setdefault(m["run"], []).append(d)
    newest_first = sorted(runs.values(), key=lambda ds: max(d.stat().st_mtime for d in ds), reverse=True)
    removed = [d for ds in newest_first[keep:] for d in ds]
    for d in removed:
        shutil.rmtree(d, ignore_errors=True)
    return removed

