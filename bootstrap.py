#!/usr/bin/env python3
"""Set up and run the credit warehouse on a fresh machine with only Python 3.11.

    python3 bootstrap.py demo    # install into .venv (first time), then `credit demo`
    python3 bootstrap.py test    # install into .venv (first time), then the whole test suite

Installs only from the package registry, exactly the versions pinned in pyproject.toml (the dev and spark
extras included: the tests build on Spark too). Re-installs when
pyproject.toml changes. Any further arguments go to the command (e.g. `bootstrap.py test -m "not slow"`);
`test` runs two pytest workers on a machine with two cores or more (`-n 0` for one).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".credit-installed"
BIN = VENV / "bin"


def _installed_for() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_env() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"bootstrap: Python 3.11 is required, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("bootstrap: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _installed_for():
        return
    print("bootstrap: installing pinned dependencies (first run takes a few minutes)", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    log = VENV / "install.log"
    with open(log, "w") as out:  # pip's and setuptools' chatter goes to the log; shown only on failure
        for step in (["install", "--upgrade", "pip"], ["install", "-e", f"{ROOT}[dev,spark]"]):
            if subprocess.run(pip + step, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                sys.stdout.write(log.read_text()[-5000:])
                sys.exit(f"bootstrap: pip {' '.join(step)} failed (full log: {log})")
    STAMP.write_text(_installed_for())


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test", "install"):
        print(__doc__)
        return 2
    ensure_env()
    command, extra = sys.argv[1], sys.argv[2:]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if command == "install":
        return 0
    if command == "demo":
        return subprocess.call([str(BIN / "credit"), "demo", *extra], cwd=ROOT, env=env)
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *_parallel(extra), *extra], cwd=ROOT, env=env)


def _parallel(extra: list[str]) -> list[str]:
    """Two pytest workers where there are two cores (pytest-xdist): most of the suite's time is dbt builds in
    subprocesses, which one worker runs one after another. `--dist loadfile` keeps a module's tests, and its
    module-scoped builds, on one worker; tests/conftest.py orders the long modules first. `-n 0` runs serially."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses", "-pno:xdist")) for a in extra) or "no:xdist" in extra:
        return []
    workers = min(os.cpu_count() or 1, 2)
    return ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"] if workers > 1 else []


if __name__ == "__main__":
    sys.exit(main())
