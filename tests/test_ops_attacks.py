"""Operational attacks on a nightly run: the disk fills up mid-build, the parent of a dbt process is killed,
a build fails. Each ends in one clear line and the right exit code, leaves yesterday's published file, and
leaves no orphan dbt process behind."""
from __future__ import annotations

import ast
import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli

AS_OF = "2026-11-22"


# ------------------------------------------------------------------------------------------- disk full

@pytest.fixture(scope="module")
def small_drops(tmp_path_factory) -> Path:
    from dagster_project.sample import generate_sample

    drops = tmp_path_factory.mktemp("ops_drops") / "drops"
    generate_sample(drops, 40, 11)
    return drops


def yesterdays_published(warehouse: Path) -> bytes:
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts; create table marts.dim_entity as select 'yesterday' as entity_id")
    con.close()
    return warehouse.read_bytes()


def _enospc(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _duckdb_full(path):
    return duckdb.IOException(f'IO Error: Could not write file "{path}": No space left on device')


@pytest.mark.parametrize("make_error", [_enospc, _duckdb_full], ids=["OSError", "duckdb"])
def test_disk_full_during_ingest_is_one_line_and_publishes_nothing(small_drops, tmp_path, monkeypatch, capsys,
                                                                   make_error):
    from dagster_project.ingest import raw_store

    warehouse = tmp_path / "credit.duckdb"
    yesterday = yesterdays_published(warehouse)
    full_at = tmp_path / "credit.duckdb.raw" / "penalty" / "part-0.parquet"

    def write_batch(self, batch_id, tables):
        raise make_error(full_at)

    monkeypatch.setattr(raw_store.RawStore, "write_batch", write_batch)
    started = time.monotonic()
    code = cli.main(["run", "--drops", str(small_drops), "--warehouse", str(warehouse), "--as-of", AS_OF])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == cli.EXIT_BUILD_FAILED == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "磁盘空间不足" in err and "disk full" in err and str(full_at) in err
    assert "nothing published" in err and "free space" in err
    assert warehouse.read_bytes() == yesterday
    assert elapsed < 25, f"a full disk is not retried (took {elapsed:.0f} s)"


def test_disk_full_anywhere_in_a_run_is_one_line(tmp_path, monkeypatch, capsys):
    """Where the traceback escaped before: the run's own log file could not be written (the Dagster run
    itself had already failed or finished)."""
    (tmp_path / "drops").mkdir()

    def execute(settings, dagster_home=None):
        raise _enospc(Path(str(settings.warehouse) + ".logs") / "run.log")

    monkeypatch.setattr(cli, "_execute_nightly", execute)
    code = cli.main(["run", "--drops", str(tmp_path / "drops"), "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "磁盘空间不足" in err and "disk full" in err and "w.duckdb.logs" in err


def test_disk_full_inside_dbt_is_recognised_in_the_step_error():
    """dbt runs as a subprocess: its DuckDB error reaches us as the text of Dagster's step error."""
    from dagster._utils.error import SerializableErrorInfo

    inner = SerializableErrorInfo(
        message='Runtime Error in model int_records: IO Error: Could not write all bytes to file '
                '"/data/credit.duckdb.work.wal": wanted=4096 wrote=0\n', stack=[], cls_name="DbtRuntimeError")
    outer = SerializableErrorInfo(message="dbt build failed", stack=[], cls_name="Failure", cause=inner)
    assert cli.disk_full_path(cli._root_cause(outer)) == "/data/credit.duckdb.work.wal"
    assert cli.disk_full_path("[Errno 28] No space left on device: '/x/y.parquet'") == "/x/y.parquet"
    assert cli.disk_full_path("Binder Error: column x not found") is None


def test_a_failed_build_is_its_own_error_class(tmp_path, monkeypatch, capsys):
    (tmp_path / "drops").mkdir()

    def execute(settings, dagster_home=None):
        raise cli.BuildFailed("build failed, nothing published: check gate_x failed")

    monkeypatch.setattr(cli, "_execute_nightly", execute)
    assert cli.main(["run", "--drops", str(tmp_path / "drops"), "--warehouse", str(tmp_path / "w.duckdb")]) == 1
    assert issubclass(cli.BuildFailed, cli.UserError)
    capsys.readouterr()
    # a usage problem whose text happens to mention a failed build is still a usage problem
    monkeypatch.setattr(cli, "_execute_nightly", lambda s, home=None: (_ for _ in ()).throw(cli.UserError("构建失败? no")))
    assert cli.main(["run", "--drops", str(tmp_path / "drops"), "--warehouse", str(tmp_path / "w.duckdb")]) == 2


# --------------------------------------------------------------------------- dbt children die with parent

def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper (a container's PID 1 may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _kill_parent_and_watch_child(parent_code: str) -> tuple[int, bool]:
    """Start a parent Python process running parent_code (which prints its child's pid), kill -9 it, and
    return (child pid, whether the child was still alive 5 s later)."""
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(parent_code)], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        line = parent.stdout.readline()
        assert line.strip().isdigit(), f"the parent printed {line!r}"
        child = int(line)
        assert _alive(child)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    survived = _alive(child)
    if survived:
        os.kill(child, signal.SIGKILL)
    return child, survived


needs_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")


@needs_linux
def test_without_the_guard_a_child_outlives_its_killed_parent():
    """The attack itself: a plain child keeps running after kill -9 of its parent."""
    _, survived = _kill_parent_and_watch_child("""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(child.pid, flush=True)
        time.sleep(60)
    """)
    assert survived


@needs_linux
def test_a_child_started_through_the_helper_dies_with_its_parent():
    _, survived = _kill_parent_and_watch_child("""
        import subprocess, sys, time
        from dagster_project.settings import dies_with_parent
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=dies_with_parent())
        print(child.pid, flush=True)
        time.sleep(60)
    """)
    assert not survived


@needs_linux
def test_dagster_dbts_dbt_process_dies_with_its_parent(tmp_path):
    """The dbt process dagster-dbt's resource starts (Popen inside dagster_dbt) carries the same guard."""
    fake_dbt = tmp_path / "dbt"
    fake_dbt.write_text(f"#!{sys.executable}\nimport sys, time\n"
                        "if '--version' in sys.argv: print('Core: 1.11.0'); sys.exit(0)\n"
                        "time.sleep(60)\n")
    fake_dbt.chmod(0o755)
    _, survived = _kill_parent_and_watch_child(f"""
        import os, sys, time
        os.environ.setdefault("CREDIT_WAREHOUSE", {str(tmp_path / 'w.duckdb')!r})
        from dagster_project.dbt_project import dbt_project
        from dagster_project.definitions import CreditDbtCliResource
        dbt = CreditDbtCliResource(project_dir=dbt_project, dbt_executable={str(fake_dbt)!r})
        invocation = dbt.cli(["build"], raise_on_error=False)
        print(invocation.process.pid, flush=True)
        time.sleep(60)
    """)
    assert not survived


def test_every_dbt_process_is_started_through_the_one_resource():
    """dbt is started in one place, dbt_project's CreditDbtCliResource (the nightly steps, the manifest's parse,
    the Spark export, `credit docs`, the tests' fixture): its Popen carries the guard (the test above). No other
    module of the package starts a process with subprocess or names dbt's Python entry point."""
    from dagster_project.paths import PACKAGE_DIR

    starts = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                    and n.func.value.id == "subprocess"
                    and n.func.attr in ("run", "Popen", "check_output", "check_call", "call")):
                starts.append(f"{path.relative_to(PACKAGE_DIR)}:{n.lineno}")
            elif isinstance(n, ast.Constant) and n.value == "dbt.cli.main":
                starts.append(f"{path.relative_to(PACKAGE_DIR)}:{n.lineno} (dbt.cli.main)")
    assert [s.split(":")[0] for s in starts] == ["dbt_project.py"], starts


def test_each_error_class_carries_its_exit_code(tmp_path, monkeypatch, capsys):
    """errors.py is where an error's exit code lives: busy 3, failed build or full disk 1, anything else 2 —
    whatever the message says."""
    from dagster_project import errors

    (tmp_path / "drops").mkdir()
    cases = [(errors.BuildBusy("构建失败 busy"), 3), (errors.BuildFailed("some gate"), 1),
             (errors.DiskFull(None, where=tmp_path), 1), (errors.UserError("构建失败，未发布"), 2)]
    for error, code in cases:
        monkeypatch.setattr(cli, "_execute_nightly", lambda *a, e=error: (_ for _ in ()).throw(e))
        assert cli.main(["run", "--drops", str(tmp_path / "drops"), "--warehouse", str(tmp_path / "w.duckdb")]) == code
        assert capsys.readouterr().err.strip() == f"credit: {error}"
    assert cli.UserError is errors.UserError and cli.BuildFailed is errors.BuildFailed  # one class, two names
