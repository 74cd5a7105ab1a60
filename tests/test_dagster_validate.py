"""The code location passes Dagster's own definitions check (issue 21: `dg check defs` is the newer tooling's name
for it; the pinned Dagster 1.13 ships it as `dagster definitions validate`, and dagster-dg-cli is not a dependency)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_project.paths import PACKAGE_DIR


def test_dagster_definitions_validate(tmp_path):
    dagster = Path(sys.executable).with_name("dagster")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    r = subprocess.run([str(dagster), "definitions", "validate", "-m", "dagster_project.definitions"],
                       cwd=tmp_path, env={**env, "PYTHONPATH": str(PACKAGE_DIR.parent)},
                       capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    assert "All code locations passed validation" in out
