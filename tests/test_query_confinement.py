"""`credit query` is confined to the published warehouse: the attacks of issue 16 ("Query confinement").

Each attack is tried through dagster_project.query.main (the CLI's path) and must be refused with one line and
exit code 2 — and, beyond the message, nothing may have been read or written: no secret appears in the
output, no file appears, the raw layer and the key are unchanged. A second layer is proven on its own: the
connection query.connect() returns refuses the same reads and configuration changes even when the statement
guard (check_read_only) is bypassed.

The attacks run against a copy of the session's sample build (published file, working database, raw layer
and a person key created for the copy), so a regression can never damage the shared build.
"""
from __future__ import annotations

import csv
import io
import shutil
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project import query
from dagster_project.settings import (gate_docs_dir, history_dir, lock_path, person_key_path, raw_dir_path,
                                      work_db_path)

KEY_TEXT = "confinement-test-person-key-0f3c9a"
RAW_SECRET_MARK = "rejected_rows"  # a raw-layer table name: its rows must never come out of `credit query`


@pytest.fixture(scope="module")
def wh(sample_build, tmp_path_factory) -> Path:
    """A copy of the sample build with everything that lies beside a real warehouse, plus a person key."""
    src = sample_build[0]
    dst = tmp_path_factory.mktemp("confined") / "credit.duckdb"
    shutil.copy2(src, dst)
    shutil.copy2(work_db_path(src), work_db_path(dst))
    shutil.copytree(raw_dir_path(src), raw_dir_path(dst))
    person_key_path(dst).write_text(KEY_TEXT)
    person_key_path(dst).chmod(0o600)
    Path(str(dst) + ".logs").mkdir()
    (Path(str(dst) + ".logs") / "run.log").write_text("a log line\n")
    return dst


@pytest.fixture(scope="module")
def raw_files(wh) -> list[Path]:
    files = sorted(raw_dir_path(wh).rglob("*.parquet"))
    assert files, "the sample build has no raw-layer files"
    return files


def _snapshot(paths) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in paths}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = query.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, out: str, err: str, *, what: str = "refused") -> str:
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}; stdout {out[:300]!r}; stderr {err[:300]!r}"
    assert len(lines) == 1, f"expected one line, got {err!r}"
    assert what in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


def _beside(wh: Path) -> set[str]:
    return {p.name for p in wh.parent.iterdir()}


# ------------------------------------------------------------------------------------- reading other files

def _reads(wh: Path, raw_file: Path) -> dict[str, str]:
    work, key, raw = work_db_path(wh), person_key_path(wh), raw_dir_path(wh)
    return {
        "read_text_passwd": "select * from read_text('/etc/passwd')",
        "read_blob_passwd": "select * from read_blob('/etc/passwd')",
        "read_csv_passwd": "select * from read_csv('/etc/passwd', header = false, sep = ':')",
        "read_json_passwd": "select * from read_json('/etc/passwd')",
        "from_path_passwd": "from '/etc/passwd'",
        "sniff_passwd": "select * from sniff_csv('/etc/passwd')",
        "glob_etc": "select * from glob('/etc/*')",
        "read_text_work": f"select content from read_text('{work}')",
        "read_blob_work": f"select content from read_blob('{work}')",
        "read_csv_work": f"select * from read_csv('{work}')",
        "read_parquet_work": f"select * from read_parquet('{work}')",
        "read_duckdb_work": f"select * from read_duckdb('{work}', table_name = 'stg_penalty')",
        "attach_work": f"attach '{work}' as w (read_only)",
        "attach_work_then_read": f"attach '{work}' as w (read_only); select count(*) from w.raw.penalty",
        "read_text_key": f"select content from read_text('{key}')",
        "read_csv_key": f"select * from read_csv('{key}', header = false)",
        "read_parquet_raw_glob": f"select count(*) from read_parquet('{raw}/**/*.parquet', union_by_name = true)",
        "read_parquet_raw_file": f"select * from read_parquet('{raw_file}')",
        "from_raw_file": f"from '{raw_file}'",
        "parquet_metadata_raw": f"select * from parquet_metadata('{raw_file}')",
        "glob_raw": f"select * from glob('{raw}/**')",
        "subquery_read": f"select (select count(*) from read_text('{key}')) as n",
        "lateral_read": f"select * from range(1) r, lateral (select * from read_text('{key}'))",
        "cte_read": f"with k as (from read_text('{key}')) select * from k",
        "union_read": f"select 'x' as a union all select content from read_text('{key}')",
        "explain_analyze_read": f"explain analyze select * from read_text('{key}')",
        "describe_read": f"describe select * from read_text('{key}')",
        "summarize_read": f"summarize select * from read_text('{key}')",
        "pivot_read": f"pivot (select content, 1 as n from read_text('{key}')) on content using sum(n)",
        "call_read": f"call read_text('{key}')",
        "qualified_read": f"select * from system.main.read_text('{key}')",
        "quoted_read": f"select * from \"read_text\"('{key}')",
        "upper_read": f"SELECT * FROM READ_TEXT('{key}')",
        "path_in_describe": f"describe '{raw_file}'",
        "query_function": f"select * from query('select * from read_text(''{key}'')')",
        "query_table_function": "select * from query_table('marts.dim_entity')",
        "serialized_sql": "select * from json_execute_serialized_sql(json_serialize_sql('select 1'))",
        "https_url": "select * from 'https://example.com/data.csv'",
        "https_read_csv": "select * from read_csv('https://example.com/data.csv')",
        "s3_url": "select * from read_parquet('s3://bucket/data.parquet')",
        "unlock_then_read": "set enable_external_access = true; select * from read_text('/etc/passwd')",
        "unlock_then_read_pragma": "pragma enable_external_access = true; select * from read_text('/etc/passwd')",
        "reset_then_read": "reset enable_external_access; select * from read_text('/etc/passwd')",
        "lock_off_then_read": "set lock_configuration = false; select * from read_text('/etc/passwd')",
    }


READ_KINDS = sorted(_reads(Path("/x/credit.duckdb"), Path("/x/f.parquet")))


@pytest.mark.parametrize("kind", READ_KINDS)
def test_reading_anything_but_the_warehouse_is_refused(capsys, wh, raw_files, kind):
    sql = _reads(wh, raw_files[-1])[kind]
    before = _beside(wh)
    started = time.monotonic()
    code, out, err = run(capsys, sql, "--warehouse", wh, "--format", "csv")
    assert_refused(code, out, err)
    assert out == "", f"{kind} printed {out[:300]!r}"
    assert "root:" not in err and KEY_TEXT not in err
    assert time.monotonic() - started < 30, f"{kind} took too long (network?)"
    assert _beside(wh) == before, f"{kind} left files beside the warehouse"


def test_refusals_name_what_was_refused(capsys, wh):
    code, out, err = run(capsys, "select * from read_text('/etc/passwd')", "--warehouse", wh)
    assert err.strip() == ("credit: 受限查询，只能读取已发布的数据仓库 / confined to the published warehouse: "
                           "refused read_text()")
    code, out, err = run(capsys, "call enable_logging(storage = 'file', storage_path = '/tmp')", "--warehouse", wh)
    assert err.strip() == "credit: 只读查询，拒绝执行写操作 / read-only: refused enable_logging()"
    code, out, err = run(capsys, "from '/etc/passwd'", "--warehouse", wh)
    assert err.strip().startswith("credit: 受限查询") and "'/etc/passwd'" in err


@pytest.mark.parametrize("kind", ["read_text_passwd", "read_text_work", "read_parquet_raw_glob", "read_text_key",
                                  "from_raw_file", "attach_work", "https_url", "unlock_then_read"])
def test_shell_refuses_the_same_reads(capsys, monkeypatch, wh, raw_files, kind):
    sql = _reads(wh, raw_files[-1])[kind]
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{sql};\nselect 41 + 1 as answer;\n"))
    code, out, err = run(capsys, "--warehouse", wh, "--format", "csv")
    assert code == 2  # a piped script that had a failure says so
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "refused" in lines[0], err
    assert out.splitlines() == ["answer", "42"]
    assert KEY_TEXT not in out + err and "root:" not in out + err


# --------------------------------------------------------------------- the connection on its own (layer 2)

@pytest.fixture
def confined(wh):
    con = query.connect(wh)
    yield con
    con.close()


@pytest.mark.parametrize("sql", [
    "select * from read_text('/etc/passwd')",
    "select * from read_csv('/etc/passwd')",
    "from '{raw_file}'",
    "select * from glob('/etc/*')",
    "select * from read_text('{key}')",
    "select * from read_blob('{work}')",
    "select * from read_duckdb('{work}')",
    "attach '{work}' as w (read_only)",
    "select count(*) from read_parquet('{raw}/**/*.parquet', union_by_name = true)",
    "select * from 'https://example.com/data.csv'",
])
def test_the_connection_itself_cannot_read_files(confined, wh, raw_files, sql):
    """Behind the statement guard: even a statement the guard never saw cannot read a file."""
    sql = sql.format(key=person_key_path(wh), work=work_db_path(wh), raw=raw_dir_path(wh), raw_file=raw_files[-1])
    with pytest.raises(duckdb.Error) as info:
        confined.execute(sql).fetchall()
    assert "disabled by configuration" in str(info.value) or "Permission" in str(info.value), str(info.value)


@pytest.mark.parametrize("sql", [
    "set enable_external_access = true", "reset enable_external_access", "set lock_configuration = false",
    "set memory_limit = '64GB'", "set temp_directory = '/tmp/elsewhere'", "set max_temp_directory_size = '1TB'",
    "set autoinstall_known_extensions = true", "set autoload_known_extensions = true", "set threads = 64",
    "set enable_logging = true", "call enable_logging()", "pragma enable_profiling",
    "set profiling_output = '/tmp/profile.json'", "load httpfs",
])
def test_the_connection_itself_cannot_be_reconfigured(confined, sql):
    with pytest.raises(duckdb.Error) as info:
        confined.execute(sql).fetchall()
    assert any(s in str(info.value) for s in ("locked", "disabled", "Permission")), str(info.value)


def test_the_connection_settings(confined, wh):
    settings = dict(confined.execute(
        "select name, value from duckdb_settings() where name in ('enable_external_access', 'lock_configuration', "
        "'autoinstall_known_extensions', 'autoload_known_extensions', 'allow_community_extensions', "
        "'allow_unsigned_extensions', 'python_enable_replacements', 'temp_directory', 'memory_limit')").fetchall())
    assert settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["allow_community_extensions"] == "false"
    assert settings["allow_unsigned_extensions"] == "false"
    assert settings["python_enable_replacements"] == "false"
    assert settings["memory_limit"] == "1.8 GiB"  # 2GB, the default
    temp = Path(settings["temp_directory"])
    assert Path(confined.temp_dir) in temp.parents and Path(confined.temp_dir).is_dir()
    assert not str(temp).startswith(str(wh.parent))  # never beside the warehouse (DuckDB's default)
    # the published file is the only database, attached read-only; the writable in-memory default is gone
    dbs = confined.execute("select database_name, path, readonly from duckdb_databases() where not internal").fetchall()
    assert dbs == [("credit", str(wh.resolve()), True)]
    with pytest.raises(duckdb.Error, match="read-only"):
        confined.execute("create table marts.scratch as select 1 as a")
    with pytest.raises(duckdb.Error):
        confined.execute("create table memory.main.scratch as select 1 as a")


def test_the_private_temp_dir_is_removed_on_close(wh):
    con = query.connect(wh)
    temp = Path(con.temp_dir)
    assert temp.is_dir()
    con.close()
    assert not temp.exists()


def test_spilling_goes_to_the_private_temp_dir(capsys, wh):
    """A sort beyond the memory limit spills (to the connection's own temp dir) and still answers; nothing is
    written beside the warehouse (DuckDB's default would be <warehouse>.tmp/)."""
    before = _beside(wh)
    code, out, err = run(capsys, SPILLING_SQL, "--warehouse", wh, "--format", "csv", "--memory-limit", "64MB")
    assert code == 0, err
    assert out.splitlines() == ["n,first", "4000000,0000023f507999464aa2b78875b7e5d6"]
    assert _beside(wh) == before

    con = query.connect(wh, memory_limit="64MB")
    seen: set[str] = set()
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.update(str(p) for p in Path(con.temp_dir).rglob("*") if p.is_file())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        assert con.execute(SPILLING_SQL).fetchall() == [(4000000, "0000023f507999464aa2b78875b7e5d6")]
    finally:
        done.set()
        watcher.join()
        temp = Path(con.temp_dir)
        con.close()
    assert seen, "the sort did not spill: make SPILLING_SQL bigger"
    assert not temp.exists()
    assert _beside(wh) == before


SPILLING_SQL = ("select count(*) as n, min(h) as first from "
                "(select md5(i::varchar) as h from range(4000000) r(i) order by h)")


# ----------------------------------------------------------------------------- writing and configuring

def test_enable_logging_to_a_folder_is_refused_and_writes_nothing(capsys, wh, tmp_path):
    drop = tmp_path / "drop-folder"
    drop.mkdir()
    for sql in (f"call enable_logging(storage = 'file', storage_path = '{drop}')",
                f"select * from enable_logging(storage = 'file', storage_path = '{drop}')",
                f"call enable_logging(storage = 'file', storage_path = '{drop}'); select count(*) from dim_entity",
                f"select 1; call enable_logging(storage = 'file', storage_path = '{drop}')",
                "set logging_storage = 'file'; select 1"):
        code, out, err = run(capsys, sql, "--warehouse", wh)
        assert_refused(code, out, err)
        assert out == ""
    # and on the connection itself, behind the guard
    con = query.connect(wh)
    try:
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute(f"call enable_logging(storage = 'file', storage_path = '{drop}')")
        con.execute("select count(*) from marts.dim_entity").fetchall()
    finally:
        con.close()
    assert list(drop.iterdir()) == []


@pytest.mark.parametrize("sql", [
    "call disable_logging()", "call truncate_duckdb_logs()", "call checkpoint()", "call force_checkpoint()",
    "call enable_profiling()", "call disable_profiling()", "checkpoint", "force checkpoint",
    "select * from checkpoint()", "select * from force_checkpoint()", "select * from truncate_duckdb_logs()",
    "select * from disable_logging()", "select 1 where exists (from checkpoint())",
    "call pragma_table_info('marts.dim_entity'); call checkpoint()",
    "call register_external_resource_type('x')", "call main.checkpoint()", "call system.main.enable_logging()",
    "call \"checkpoint\"()", "CALL ENABLE_LOGGING()", "pragma enable_logging", "pragma disable_logging",
    "pragma enable_profiling", "pragma profiling_output = '/tmp/p.json'", "pragma enable_checkpoint_on_shutdown",
    "explain call checkpoint()", "call query('select 1')", "call seq_scan()",
])
def test_writing_or_configuring_calls_are_refused(capsys, wh, sql):
    code, out, err = run(capsys, sql, "--warehouse", wh)
    assert_refused(code, out, err)
    assert out == ""


@pytest.mark.parametrize("sql", ["install httpfs", "load httpfs", "force install httpfs",
                                 "install httpfs from community",
                                 "install '/tmp/evil.duckdb_extension'", "load '/tmp/evil.duckdb_extension'",
                                 "update extensions", "select * from read_xlsx('/tmp/x.xlsx')"])
def test_extensions_are_never_installed_or_loaded(capsys, wh, sql):
    started = time.monotonic()
    code, out, err = run(capsys, sql, "--warehouse", wh)
    assert_refused(code, out, err)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("sql", [
    "call duckdb_tables()", "call pragma_table_info('marts.dim_entity')", "call duckdb_settings()",
    "select count(*) as n from duckdb_columns() where schema_name = 'marts'",
    "select * from pragma_version()", "select * from range(3)", "select * from generate_series(1, 3)",
    "select * from unnest([1, 2, 3])", "summarize marts.dim_entity", "describe marts.dim_entity",
    "show tables", "select * from duckdb_logs",
])
def test_reading_calls_and_table_functions_still_work(capsys, wh, sql):
    code, out, err = run(capsys, sql, "--warehouse", wh, "--format", "csv")
    assert code == 0, err


# -------------------------------------------------------------------------------------------- --out

def test_out_into_the_raw_layer_is_refused(capsys, wh, raw_files):
    victims = _snapshot(raw_files)
    raw = raw_dir_path(wh)
    existing = raw_files[-1]
    targets = [existing, existing.parent / "new-batch.parquet", raw / "penalty" / "forged.parquet",
               raw / "forged.parquet", existing.parent / ".." / existing.parent.name / existing.name]
    (raw / "penalty").mkdir(exist_ok=True)
    for target in targets:
        for extra in ([], ["--force"]):
            code, out, err = run(capsys, "select 1 as penalty", "--warehouse", wh, "--format", "parquet",
                                 "--out", target, *extra)
            assert_refused(code, out, err, what="--out")
    assert _snapshot(raw_files) == victims
    assert sorted(raw.rglob("*.parquet")) == raw_files
    assert not list(raw.rglob("*.tmp")) and not list(raw.rglob(".*"))


@pytest.mark.parametrize("which", ["warehouse", "work", "key", "lock", "history", "gate_docs", "logs_folder",
                                   "log_file", "new_sibling", "wal"])
def test_out_into_any_of_the_warehouse_files_is_refused(capsys, wh, which, tmp_path):
    targets = {
        "warehouse": wh, "work": work_db_path(wh), "key": person_key_path(wh), "lock": lock_path(wh),
        "history": history_dir(wh) / "x.csv", "gate_docs": gate_docs_dir(wh) / "index.html",
        "logs_folder": Path(str(wh) + ".logs") / "forged.log", "log_file": Path(str(wh) + ".logs") / "run.log",
        "new_sibling": Path(str(wh) + ".anything.csv"), "wal": Path(str(wh) + ".wal"),
    }
    target = targets[which]
    target.parent.mkdir(parents=True, exist_ok=True)
    before = target.read_bytes() if target.is_file() else None
    existed = target.exists()
    for fmt in ("csv", "parquet", "table"):
        code, out, err = run(capsys, "select 1 as a", "--warehouse", wh, "--format", fmt, "--out", target, "--force")
        assert_refused(code, out, err, what="--out")
    assert target.exists() == existed
    if before is not None:
        assert target.read_bytes() == before


def test_out_through_a_symlink_into_the_raw_layer_is_refused(capsys, wh, raw_files, tmp_path):
    victims = _snapshot(raw_files)
    to_file = tmp_path / "innocent.parquet"
    to_file.symlink_to(raw_files[-1])
    to_dir = tmp_path / "innocent-dir"
    to_dir.symlink_to(raw_dir_path(wh))
    dangling = tmp_path / "dangling.parquet"
    dangling.symlink_to(raw_files[-1].parent / "not-yet.parquet")
    to_key = tmp_path / "innocent.csv"
    to_key.symlink_to(person_key_path(wh))
    for target, fmt in ((to_file, "parquet"), (to_dir / "x.parquet", "parquet"), (dangling, "parquet"),
                        (to_key, "csv")):
        code, out, err = run(capsys, "select 1 as a", "--warehouse", wh, "--format", fmt, "--out", target, "--force")
        assert_refused(code, out, err, what="--out")
    assert _snapshot(raw_files) == victims
    assert not (raw_files[-1].parent / "not-yet.parquet").exists()
    assert person_key_path(wh).read_text() == KEY_TEXT


def test_out_through_a_symlinked_warehouse_folder_is_refused(capsys, wh, tmp_path):
    """The raw layer may be a link to storage elsewhere (settings.py): writing there by its real path is refused."""
    real_raw = tmp_path / "mounted-raw"
    shutil.copytree(raw_dir_path(wh), real_raw)
    linked = tmp_path / "credit.duckdb"
    shutil.copy2(wh, linked)
    raw_dir_path(linked).symlink_to(real_raw)
    victim = sorted(real_raw.rglob("*.parquet"))[-1]
    before = victim.read_bytes()
    code, out, err = run(capsys, "select 1 as a", "--warehouse", linked, "--format", "parquet", "--out", victim,
                         "--force")
    assert_refused(code, out, err, what="--out")
    assert victim.read_bytes() == before


def test_out_into_the_drops_folder_is_refused(capsys, wh, tmp_path, monkeypatch):
    """A file written into $CREDIT_DROPS would be loaded as a department's drop by the next build."""
    drops = tmp_path / "drops"
    (drops / "sthjj" / "2026-11-23").mkdir(parents=True)
    monkeypatch.setenv("CREDIT_DROPS", str(drops))
    target = drops / "sthjj" / "2026-11-23" / "penalty.csv"
    code, out, err = run(capsys, "select 'forged' as decision_no", "--warehouse", wh, "--format", "csv",
                         "--out", target)
    assert_refused(code, out, err, what="--out")
    assert not target.exists()


def test_out_never_overwrites_an_existing_file_without_force(capsys, wh, tmp_path):
    target = tmp_path / "result.csv"
    target.write_text("precious\n")
    for fmt in ("csv", "parquet", "table"):
        code, out, err = run(capsys, "select 1 as a", "--warehouse", wh, "--format", fmt, "--out", target)
        line = assert_refused(code, out, err, what="--force")
        assert "存在" in line and "exists" in line
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.csv"]

    code, out, err = run(capsys, "select 7 as a", "--warehouse", wh, "--format", "csv", "--out", target, "--force")
    assert code == 0, err
    assert target.read_text() == "a\n7\n"

    import pyarrow.parquet as pq

    pq_target = tmp_path / "result.parquet"
    pq_target.write_bytes(b"old")
    code, out, err = run(capsys, "select 8 as a", "--warehouse", wh, "--format", "parquet", "--out", pq_target,
                         "--force")
    assert code == 0, err
    assert pq.read_table(pq_target).to_pylist() == [{"a": 8}]


@pytest.mark.parametrize("target", ["/dev/null", "folder"])
def test_out_must_be_a_regular_file(capsys, wh, tmp_path, target):
    if target == "folder":
        target = tmp_path
    code, out, err = run(capsys, "select 1 as a", "--warehouse", wh, "--format", "csv", "--out", target, "--force")
    assert_refused(code, out, err, what="--out")


# ------------------------------------------------------------------------------------------- limits

def test_a_query_that_never_ends_is_stopped_by_timeout(capsys, wh, tmp_path):
    forever = "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) as n from r"
    for fmt, extra in (("table", []), ("csv", []), ("parquet", ["--out", tmp_path / "never.parquet"])):
        started = time.monotonic()
        code, out, err = run(capsys, forever, "--warehouse", wh, "--timeout", 2, "--format", fmt, *extra)
        elapsed = time.monotonic() - started
        line = assert_refused(code, out, err, what="timed out")
        assert "查询超时" in line and "2 s" in line
        assert elapsed < 15, f"{fmt}: stopped after {elapsed:.1f} s"
    assert list(tmp_path.iterdir()) == []


def test_the_shell_has_the_time_limit_too(capsys, monkeypatch, wh):
    forever = "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) as n from r"
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{forever};\nselect 41 + 1 as answer;\n"))
    started = time.monotonic()
    code, out, err = run(capsys, "--warehouse", wh, "--timeout", 2, "--format", "csv")
    assert time.monotonic() - started < 15
    assert code == 2
    assert err.strip().splitlines() == ["错误 error: 查询超时 / query timed out after 2 s"]
    assert out.splitlines() == ["answer", "42"]  # the shell goes on after a timeout


def test_a_query_within_the_time_limit_is_unaffected(capsys, wh):
    code, out, err = run(capsys, "select count(*) as n from range(1000)", "--warehouse", wh, "--timeout", 1,
                         "--format", "csv")
    assert code == 0 and out.splitlines() == ["n", "1000"], err
    time.sleep(1.2)  # the timer was cancelled: nothing fires after the query


def test_memory_limit_flag(capsys, wh):
    code, out, err = run(capsys, "select current_setting('memory_limit') as m", "--warehouse", wh,
                         "--memory-limit", "100MB", "--format", "csv")
    assert code == 0, err
    assert out.splitlines() == ["m", "95.3 MiB"]


@pytest.mark.parametrize("argv", [["--memory-limit", "lots"], ["--memory-limit", ""], ["--timeout", "0"],
                                  ["--timeout", "-3"]])
def test_bad_limits_are_one_line(capsys, wh, argv):
    code, out, err = run(capsys, "select 1", "--warehouse", wh, *argv)
    assert_refused(code, out, err, what=argv[0])


# ------------------------------------------------------------------------------------- still works

def test_ordinary_queries_still_work(capsys, wh, sample_build, tmp_path):
    import pyarrow.parquet as pq

    con = duckdb.connect(str(sample_build[0]), read_only=True)
    try:
        expected = con.execute("select entity_type, count(*) from marts.dim_entity group by 1 order by 1").fetchall()
    finally:
        con.close()
    sql = "select entity_type, count(*) as n from marts.dim_entity group by 1 order by 1"

    code, out, err = run(capsys, sql, "--warehouse", wh, "--format", "csv")
    assert code == 0, err
    assert [tuple(r) for r in csv.reader(io.StringIO(out))][1:] == [(t, str(n)) for t, n in expected]

    code, out, err = run(capsys, sql, "--warehouse", wh)
    assert code == 0, err
    assert f"({len(expected)} 行" in out

    target = tmp_path / "counts.parquet"
    code, out, err = run(capsys, sql, "--warehouse", wh, "--format", "parquet", "--out", target)
    assert code == 0, err
    assert [tuple(r.values()) for r in pq.read_table(target).to_pylist()] == expected

    target = tmp_path / "counts.csv"
    code, out, err = run(capsys, sql, "--warehouse", wh, "--format", "csv", "--out", target)
    assert code == 0, err
    assert target.read_text(encoding="utf-8").splitlines()[1:] == [f"{t},{n}" for t, n in expected]


def test_a_plain_connection_held_elsewhere_in_the_process_does_not_conflict(capsys, wh):
    """A notebook (or a test) holding its own connection to the published file does not stop `credit query`
    in the same process: the confined connection is its own database instance."""
    other = duckdb.connect(str(wh), read_only=True)
    try:
        code, out, err = run(capsys, "select count(*) > 0 as ok from marts.dim_entity", "--warehouse", wh,
                             "--format", "csv")
        assert code == 0 and out.splitlines() == ["ok", "true"], err
        assert other.execute("select count(*) > 0 from marts.dim_entity").fetchone() == (True,)
    finally:
        other.close()
