"""The product runs from a non-editable install (issue 21): `pip install .` into a fresh venv, then, in an empty
folder, `credit sample` + `credit run`, and the sample drops `credit demo` reads shipped as package data, with no file
written under the installed package.

Fast and honest: the fresh venv gets this package from a wheel built from a copy of the working tree
(`pip install --no-deps`), and the already installed, pinned dependencies through a .pth line naming this
.venv's site-packages. What the test is about — which files the *package* carries and where it writes — is
exactly what a full install gives: the package comes only from the wheel (the fresh site-packages is earlier
on sys.path, and a .pth path line does not run .venv's own .pth files, so the editable finder that maps
`dagster_project` to the checkout is not loaded — asserted below); the dependencies are the very versions
pyproject.toml pins. Downloading ~100 dependency wheels again would prove nothing more about our package.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from dagster_project.paths import PACKAGE_DIR, SAMPLE_DROPS_DIR

CHECKOUT = PACKAGE_DIR.parent
# what a source tree holds that is not source: never copied into the build
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "demo", "dist", "__pycache__", "*.pyc", "*.egg-info",
                                     "target", "logs", "dbt_packages", ".pytest_cache", "benchmarks", "notebooks",
                                     "*.duckdb*", ".dagster_home")


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def _run(args: list, cwd: Path, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{args} exited {r.returncode}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


@pytest.mark.slow
def test_installed_wheel_builds_the_sample_without_writing_into_the_package(tmp_path):
    source = tmp_path / "src"  # a copy: an in-tree build writes build/ and *.egg-info into the source folder
    shutil.copytree(CHECKOUT, source, ignore=_NOT_SOURCE)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CREDIT_", "DBT_", "DAGSTER_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["CREDIT_PERSON_KEY"] = "test-person-key"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", source], tmp_path, env)
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "_credit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # dbt itself (a dependency) is .venv's console script; the package's own `credit` is the fresh venv's
    env["PATH"] = os.pathsep.join([str(venv / "bin"), str(Path(sys.executable).parent), env.get("PATH", "")])

    installed = site / "dagster_project"
    where = _run([python, "-c", "import dagster_project.paths as p; print(p.PACKAGE_DIR, p.INSTALLED, p.DBT_PROJECT_DIR)"],
                 tmp_path, env).stdout.split()
    assert where == [str(installed), "True", str(installed / "_bundled" / "dbt_credit")]
    assert (installed / "_bundled" / "raw_drops" / "sample" / ".sample_manifest.json").is_file()
    assert not (installed / "_bundled" / "dbt_credit" / "target").exists()
    before = _snapshot(installed)

    empty = tmp_path / "empty"
    empty.mkdir()
    credit = venv / "bin" / "credit"
    _run([credit, "sample", "--out", "drops", "--records", "200", "--seed", "7"], empty, env)
    _run([credit, "run", "--drops", "drops", "--warehouse", "wh/credit.duckdb", "--as-of", "2026-11-22"], empty, env)
    assert (empty / "wh" / "credit.duckdb").is_file()
    assert (empty / "wh" / "credit.duckdb.dbt" / "target" / "partial_parse.msgpack").is_file()
    # `credit demo` is `credit run` over the sample drops plus the report: what the installed package must bring is
    # the drops themselves (a whole sample build here would add ~2 min and prove nothing `credit run` did not)
    demo_drops = _run([python, "-c", "import dagster_project.paths as p; print(p.SAMPLE_DROPS_DIR)"], tmp_path, env).stdout.strip()
    assert demo_drops == str(installed / "_bundled" / "raw_drops" / "sample")
    shipped = sorted(str(f.relative_to(demo_drops)) for f in Path(demo_drops).rglob("*") if f.is_file())
    assert shipped == sorted(str(f.relative_to(SAMPLE_DROPS_DIR)) for f in SAMPLE_DROPS_DIR.rglob("*") if f.is_file())

    assert _snapshot(installed) == before, "files written under the installed package"
