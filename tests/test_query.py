"""`credit query`: read-only SQL over the published warehouse.

Everything runs against the session's sample build (fixture `sample_build`); the swap test works on a copy.
The confinement attacks (other files, URLs, extensions, settings, --out into the warehouse's own paths,
limits) are in test_query_confinement.py.
The command is exercised through dagster_project.query.main (same parser, errors and exit codes as the
CLI), through `python -m dagster_project.query` with piped stdin, and through dagster_project.cli.main once
the subcommand is wired there.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project import query
from dagster_project.settings import work_db_path

REPO = Path(__file__).resolve().parents[1]

DEPT_SQL = ("select department, department_name, sum(records)::bigint as records "
            "from marts.dual_disclosure_compliance group by all order by department")


@pytest.fixture(scope="module")
def warehouse(sample_build) -> Path:
    return sample_build[0]


@pytest.fixture(scope="module")
def expected_departments(sample_build) -> list[tuple]:
    con = duckdb.connect(str(sample_build[0]), read_only=True)
    try:
        return con.execute(DEPT_SQL).fetchall()
    finally:
        con.close()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = query.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _cli_has(command: str) -> bool:
    from dagster_project import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return command in sub.choices and command in getattr(cli, "COMMANDS", {})


# ----------------------------------------------------------------------------------------------- outputs

def test_table_output_known_values(capsys, warehouse, expected_departments):
    code, out, err = run(capsys, DEPT_SQL, "--warehouse", warehouse)
    assert code == 0, err
    lines = out.rstrip("\n").splitlines()
    assert lines[0].split("│")[0].strip() == "department"
    assert [c.strip() for c in lines[0].split("│")] == ["department", "department_name", "records"]
    body = lines[2:-1]
    assert len(body) == len(expected_departments)
    for line, (dept, name, records) in zip(body, expected_departments):
        assert [c.strip() for c in line.split("│")] == [dept, name, str(records)]
    assert f"({len(expected_departments)} 行" in lines[-1]
    # CJK-aware alignment: every row of the table is as wide on screen as the header (before rstrip of padding)
    widths = {query.display_width(line.rsplit("│", 1)[0]) for line in [lines[0], *body]}
    assert len(widths) == 1, f"columns are not aligned: {widths}"


def test_table_output_limits_rows(capsys, warehouse):
    code, out, err = run(capsys, "select * from marts.fct_credit_record", "--warehouse", warehouse, "--max-rows", 3)
    assert code == 0, err
    lines = out.rstrip("\n").splitlines()
    assert len(lines) == 2 + 3 + 1 and "first 3 rows" in lines[-1]


def test_unqualified_names_find_the_marts(capsys, warehouse, expected_departments):
    code, out, err = run(capsys, "select count(distinct department) as n from dual_disclosure_compliance",
                         "--warehouse", warehouse)
    assert code == 0, err
    assert out.splitlines()[2].strip() == str(len(expected_departments))


def test_csv_to_stdout_known_values(capsys, warehouse, expected_departments):
    code, out, err = run(capsys, DEPT_SQL, "--warehouse", warehouse, "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["department", "department_name", "records"]
    assert [tuple(r) for r in rows[1:]] == [(d, n, str(r)) for d, n, r in expected_departments]


def test_csv_to_file_values_nulls_and_lists(capsys, warehouse, tmp_path):
    out_file = tmp_path / "entities.csv"
    sql = ("select 'E1' as id, '大连 测试, 有限公司' as name, null as missing, [1, 2] as nums, true as flag, "
           "date '2026-11-22' as d")
    code, out, err = run(capsys, sql, "--warehouse", warehouse, "--format", "csv", "--out", out_file)
    assert code == 0, err
    assert out == "" and "wrote 1 row:" in err
    rows = list(csv.reader(out_file.open(encoding="utf-8", newline="")))
    assert rows == [["id", "name", "missing", "nums", "flag", "d"],
                    ["E1", "大连 测试, 有限公司", "", "[1, 2]", "true", "2026-11-22"]]


def test_parquet_output(capsys, warehouse, tmp_path, expected_departments):
    import pyarrow.parquet as pq

    out_file = tmp_path / "departments.parquet"
    code, out, err = run(capsys, DEPT_SQL, "--warehouse", warehouse, "--format", "parquet", "--out", out_file)
    assert code == 0, err
    table = pq.read_table(out_file)
    assert table.column_names == ["department", "department_name", "records"]
    assert [tuple(r.values()) for r in table.to_pylist()] == expected_departments


def test_failed_query_leaves_no_file(capsys, warehouse, tmp_path):
    for fmt in ("csv", "parquet", "table"):
        code, out, err = run(capsys, "select * from marts.no_such_table", "--warehouse", warehouse,
                             "--format", fmt, "--out", tmp_path / f"result.{fmt}")
        assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["warehouse", "work"])
def test_out_never_overwrites_the_warehouse(capsys, sample_build, tmp_path, target):
    wh = _copy_build(sample_build[0], tmp_path)
    victim = wh if target == "warehouse" else work_db_path(wh)
    before = victim.read_bytes()
    code, out, err = run(capsys, "select 1", "--warehouse", wh, "--format", "csv", "--out", victim)
    assert code == 2 and "overwrite" in err and len(err.strip().splitlines()) == 1
    assert victim.read_bytes() == before


def test_parquet_needs_out(capsys, warehouse):
    code, out, err = run(capsys, "select 1", "--warehouse", warehouse, "--format", "parquet")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--out" in err


def test_use_carries_to_the_next_statement(capsys, warehouse):
    code, out, err = run(capsys, "use audit; select count(*) as n from build_info", "--warehouse", warehouse,
                         "--format", "csv")
    assert code == 0, err
    assert out.splitlines() == ["n", "1"]


# ------------------------------------------------------------------------------------------ refused writes

def _writes(tmp: Path) -> dict[str, str]:
    return {
        "insert": "insert into marts.dim_entity select * from marts.dim_entity limit 1",
        "update": "update marts.dim_entity set entity_name = 'x'",
        "delete": "delete from marts.fct_credit_record",
        "truncate": "truncate marts.fct_credit_record",
        "create": "create table marts.scratch as select 1 as a",
        "create_temp": "create temp table scratch as select 1 as a",
        "create_view": "create view v as select 1 as a",
        "create_macro": "create macro m() as 1",
        "drop": "drop table marts.dim_entity",
        "alter": "alter table marts.dim_entity add column x int",
        "comment": "comment on table marts.dim_entity is 'x'",
        "merge": "merge into marts.dim_entity t using marts.dim_entity s on t.entity_id = s.entity_id "
                 "when matched then delete",
        "attach": f"attach '{tmp / 'other.duckdb'}' as other",
        "detach": "detach credit",
        "copy_table_to": f"copy marts.dim_entity to '{tmp / 'leak.csv'}'",
        "copy_query_to": f"copy (select * from marts.public_disclosure) to '{tmp / 'leak.parquet'}' (format parquet)",
        "copy_from": f"copy marts.dim_entity from '{tmp / 'in.csv'}'",
        "export": f"export database '{tmp / 'export'}'",
        "import": f"import database '{tmp / 'export'}'",
        "install": "install httpfs",
        "load": "load httpfs",
        "set": "set threads = 1",
        "reset": "reset threads",
        "set_variable": "set variable x = 1",
        "pragma_set": "pragma threads = 1",
        "checkpoint": "checkpoint",
        "force_checkpoint": "force checkpoint",
        "vacuum": "vacuum",
        "prepare": "prepare p as select 1",
        "explain_analyze_copy": f"explain analyze copy (select 1) to '{tmp / 'explained.csv'}'",
        "hidden_after_select": "select 1; drop table marts.dim_entity",
        "after_comment": "-- just a comment\ninsert into marts.dim_entity select * from marts.dim_entity",
        "update_extensions": "update extensions",
    }


WRITE_KINDS = sorted(_writes(Path("/x")))


@pytest.mark.parametrize("kind", WRITE_KINDS)
def test_write_is_refused_with_one_line(capsys, warehouse, tmp_path, kind):
    sql = _writes(tmp_path)[kind]
    code, out, err = run(capsys, sql, "--warehouse", warehouse)
    assert code == 2, f"{kind}: exit {code}, stdout {out!r}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{kind}: expected one line, got {err!r}"
    assert "只读" in lines[0] and "read-only" in lines[0] and "refused" in lines[0]
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [], f"{kind} wrote files: {list(tmp_path.iterdir())}"


def test_refusals_left_the_warehouse_unchanged(warehouse, expected_departments):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute(DEPT_SQL).fetchall() == expected_departments
        assert con.execute("select count(*) from information_schema.tables where table_name = 'scratch'").fetchall() \
            == [(0,)]
    finally:
        con.close()


def test_duckdb_read_only_error_is_mapped_too(warehouse):
    """Behind the statement check, the connection itself is read-only; its error reads the same."""
    from dagster_project.cli import UserError

    con = query.connect(warehouse)
    try:
        with pytest.raises(UserError, match="read-only: refused INSERT"):
            query._execute(con, "insert into marts.dim_entity select * from marts.dim_entity limit 1")
    finally:
        con.close()


@pytest.mark.parametrize("sql", [
    "select 1", "show tables", "describe marts.dim_entity", "summarize marts.dim_entity",
    "pragma table_info('marts.dim_entity')", "call duckdb_tables()", "explain select * from marts.dim_entity",
    "explain analyze select 1", "with a as (select 1 as x) select * from a", "from marts.dim_entity limit 1",
    "pivot marts.dim_entity on entity_type using count(*)", "use marts", "begin; select 1; commit",
])
def test_reading_statements_are_allowed(sql):
    assert query.check_read_only(sql)


def test_syntax_error_is_one_line(capsys, warehouse):
    code, out, err = run(capsys, "selec 1", "--warehouse", warehouse)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "syntax" in err


def test_unknown_table_is_one_line(capsys, warehouse):
    code, out, err = run(capsys, "select * from marts.no_such_table", "--warehouse", warehouse)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "query failed" in err


def test_missing_warehouse(capsys, tmp_path):
    code, out, err = run(capsys, "select 1", "--warehouse", tmp_path / "nowhere.duckdb")
    assert code == 2 and out == ""
    missing = (tmp_path / "nowhere.duckdb").resolve()
    assert err.strip().splitlines() == [f"credit: 数据仓库不存在 / warehouse not found: {missing}"]


def test_missing_warehouse_argument(capsys, monkeypatch):
    monkeypatch.delenv("CREDIT_WAREHOUSE", raising=False)
    code, out, err = run(capsys, "select 1")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--warehouse" in err


def test_warehouse_from_environment(capsys, monkeypatch, warehouse):
    monkeypatch.setenv("CREDIT_WAREHOUSE", str(warehouse))
    code, out, err = run(capsys, "select count(*) as n from audit.build_info", "--format", "csv")
    assert code == 0 and out.splitlines() == ["n", "1"], err


# ----------------------------------------------------------------------------------------------- the shell

SCRIPT = """\
.tables
select department, sum(records)::bigint as records
  from marts.dual_disclosure_compliance
  group by department
  order by department;
select 'a;b' as s;  -- a semicolon inside a string
.schema audit.build_info
.quit
select 'never reached' as s;
"""


def test_shell_with_piped_stdin(capsys, monkeypatch, warehouse, expected_departments):
    monkeypatch.setattr(sys, "stdin", io.StringIO(SCRIPT))
    code, out, err = run(capsys, "--warehouse", warehouse)
    assert code == 0, err
    assert "marts.dim_entity" in out and "audit.build_info" in out  # .tables
    for dept, _name, records in expected_departments:
        assert any(line.split("│")[0].strip() == dept and line.split("│")[1].strip() == str(records)
                   for line in out.splitlines()), dept
    assert "a;b" in out
    assert "published_at" in out  # .schema
    assert "never reached" not in out
    assert "credit> " not in out  # no prompts when stdin is not a terminal


def test_shell_reports_refused_write_and_goes_on(capsys, monkeypatch, warehouse):
    script = "drop table marts.dim_entity;\nselect 41 + 1 as answer;\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    code, out, err = run(capsys, "--warehouse", warehouse)
    assert code == 2  # a piped script that had a failure says so
    assert err.strip().splitlines() == ["错误 error: 只读查询，拒绝执行写操作 / read-only: refused DROP"]
    assert "42" in out


def test_shell_runs_a_last_statement_without_semicolon(capsys, monkeypatch, warehouse):
    monkeypatch.setattr(sys, "stdin", io.StringIO("select 7 as seven"))
    code, out, err = run(capsys, "--warehouse", warehouse, "--format", "csv")
    assert code == 0 and out.splitlines() == ["seven", "7"], err


def test_shell_as_a_process_with_piped_stdin(warehouse):
    env = {k: v for k, v in os.environ.items() if k != "CREDIT_WAREHOUSE"}
    result = subprocess.run(
        [sys.executable, "-m", "dagster_project.query", "--warehouse", str(warehouse)],
        input="select count(*) as n from marts.dim_entity;\ninsert into marts.dim_entity values (1);\n.quit\n",
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert result.returncode == 2
    assert "(1 行 / 1 row)" in result.stdout
    assert result.stderr.strip().splitlines() == ["错误 error: 只读查询，拒绝执行写操作 / read-only: refused INSERT"]


# --------------------------------------------------------------------------------- reading during a publish

def _copy_build(src: Path, dst_dir: Path) -> Path:
    dst = dst_dir / "credit.duckdb"
    shutil.copy2(src, dst)
    shutil.copy2(work_db_path(src), work_db_path(dst))
    return dst


def _tonights_build(warehouse: Path, drop_dataset: str, run_id: str):
    """Stand-in for a nightly build: change the working database, then publish (copy + atomic rename)."""
    from dagster_project.publish import publish

    con = duckdb.connect(str(work_db_path(warehouse)))
    try:
        con.execute("delete from marts.fct_credit_record where dataset = ?", [drop_dataset])
    finally:
        con.close()
    return publish(warehouse, run_id=run_id, as_of=date(2026, 11, 22))


COUNT_SQL = "select (select run_id from audit.build_info) as run_id, count(*) as n from marts.fct_credit_record"


def test_query_answers_while_a_publish_swaps_the_file(sample_build, tmp_path, capsys):
    wh = _copy_build(sample_build[0], tmp_path)
    con = query.connect(wh)
    try:
        run_before, n_before = con.execute(COUNT_SQL).fetchall()[0]
        inode_before = wh.stat().st_ino

        result = _tonights_build(wh, "license", "swap-test-1")
        assert wh.stat().st_ino != inode_before, "publish did not swap the file"
        assert result.archived_to is not None and result.archived_to.exists()

        # the open connection keeps answering, from the build it opened
        assert con.execute(COUNT_SQL).fetchall() == [(run_before, n_before)]

        # another process (an analyst's terminal) reads tonight's build at once
        proc = subprocess.run([sys.executable, "-m", "dagster_project.query", COUNT_SQL, "--warehouse", str(wh),
                               "--format", "csv"], capture_output=True, text=True, cwd=REPO, timeout=120)
        assert proc.returncode == 0, proc.stderr
        run_after, n_after = proc.stdout.splitlines()[1].split(",")
        assert run_after == "swap-test-1" and 0 < int(n_after) < n_before
    finally:
        con.close()

    # and so does the next connection in this process, once the old one is closed
    code, out, err = run(capsys, COUNT_SQL, "--warehouse", wh, "--format", "csv")
    assert code == 0 and out.splitlines()[1] == f"swap-test-1,{n_after}", err


def test_shell_reconnects_after_a_publish(sample_build, tmp_path):
    wh = _copy_build(sample_build[0], tmp_path)
    out, err = io.StringIO(), io.StringIO()
    shell = query.Shell(wh, fmt="csv", out=out, err=err)
    try:
        assert shell.execute(COUNT_SQL)
        first = out.getvalue().splitlines()[1]
        _tonights_build(wh, "penalty", "swap-test-2")
        assert shell.execute(COUNT_SQL)
        second = out.getvalue().splitlines()[3]
    finally:
        shell.close()
    assert first.split(",")[0] != "swap-test-2"
    assert second.split(",")[0] == "swap-test-2" and int(second.split(",")[1]) < int(first.split(",")[1])
    assert "reconnected" in err.getvalue()


# ------------------------------------------------------------------------------------------------- wiring

def test_register_adds_the_query_subcommand():
    import argparse

    parser = argparse.ArgumentParser(prog="credit")
    sub = parser.add_subparsers(dest="command", required=True)
    query.register(sub)
    args = parser.parse_args(["query", "select 1", "--warehouse", "w.duckdb", "--format", "csv"])
    assert args.command == "query" and args.sql == "select 1" and args.format == "csv"
    assert args.handler is query.cmd_query
    assert (args.force, args.timeout, args.memory_limit) == (False, query.DEFAULT_TIMEOUT, query.DEFAULT_MEMORY_LIMIT)
    assert parser.parse_args(["query", "--warehouse", "w.duckdb"]).sql is None
    args = parser.parse_args(["query", "select 1", "--out", "r.csv", "--force", "--timeout", "5",
                              "--memory-limit", "1GB"])
    assert (args.force, args.timeout, args.memory_limit) == (True, 5.0, "1GB")


def test_through_the_credit_cli(capsys, warehouse):
    if not _cli_has("query"):
        pytest.skip("`query` is not wired into dagster_project.cli yet")
    from dagster_project import cli

    assert cli.main(["query", "select 42 as answer", "--warehouse", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["answer", "42"]
    assert cli.main(["query", "drop table marts.dim_entity", "--warehouse", str(warehouse)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
