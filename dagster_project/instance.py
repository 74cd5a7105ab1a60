"""The persistent Dagster instance a headless `credit run` records its runs in.

A run the CLI (cron, CI) starts is recorded — run, step events, materializations with their row counts and
columns, asset check results — in a Dagster instance on disk, by default beside the warehouse
(`<warehouse>.dagster/`). Point `dagster dev` at the same folder (DAGSTER_HOME) and its UI shows the CLI's
runs beside the scheduled ones (README: "The Dagster UI").

Which folder: `credit run --dagster-home DIR`, else the DAGSTER_HOME environment variable (Dagster's own
setting), else `<warehouse>.dagster`.
"""
from __future__ import annotations

import os
from pathlib import Path

# written only into a folder this module creates: an operator's own DAGSTER_HOME keeps its own dagster.yaml
_DEFAULT_CONFIG = """\
# The Dagster instance of one credit warehouse (dagster_project/instance.py): `credit run` records its runs
# here; `DAGSTER_HOME=<this folder> dagster dev` shows them beside scheduled runs. SQLite storage in this folder.
telemetry:
  enabled: false   # an intranet system: nothing is sent anywhere
"""


def default_dagster_home(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".dagster")


def dagster_home(warehouse: Path, override: Path | None = None) -> Path:
    """--dagster-home, else $DAGSTER_HOME, else beside the warehouse."""
    if override is not None:
        return Path(override).expanduser().resolve()
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"]).expanduser().resolve()
    return default_dagster_home(warehouse)


def open_instance(home: Path):
    """The DagsterInstance stored in `home` (created with a dagster.yaml on first use)."""
    import dagster as dg

    if not home.exists():
        home.mkdir(parents=True)
        (home / "dagster.yaml").write_text(_DEFAULT_CONFIG, encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))
