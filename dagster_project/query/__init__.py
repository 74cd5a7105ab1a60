"""`credit query`: ad-hoc SQL over the PUBLISHED warehouse, read-only and confined to it.

    credit query "select * from marts.dual_disclosure_compliance limit 5" --warehouse /data/credit.duckdb
    credit query "select ..." --warehouse W --format csv [--out result.csv [--force]]
    credit query "select ..." --warehouse W --format parquet --out result.parquet
    credit query "select ..." --warehouse W --timeout 60 --memory-limit 1GB
    credit query --warehouse W                 # interactive shell (also reads a piped script)

What a query can do: read the tables of the published file (schemas marts, audit) and DuckDB's own metadata.
Nothing else — three independent layers, each enough on its own for the attacks it names:

  1. The statement guard (guard.py, check_read_only): every statement is parsed first (DuckDB's own parser) and only
     reading statements run: SELECT (incl. SHOW / DESCRIBE / SUMMARIZE / PIVOT), EXPLAIN of a reading
     statement, reading PRAGMAs, USE, BEGIN/COMMIT, and CALL of an allow-listed table function. Every table
     function a statement names — in FROM, a subquery, a CTE, a lateral join, a CALL — must be on the
     allow-list _ALLOWED_TABLE_FUNCTIONS (DuckDB's catalog metadata duckdb_*(), the reading pragma_*()
     functions, range/generate_series/unnest/summary …): refused by default, so read_text/read_csv/
     read_parquet/read_json/read_blob/read_duckdb/glob/sniff_csv, enable_logging/disable_logging/
     truncate_duckdb_logs, checkpoint/force_checkpoint, query()/query_table() (SQL hidden in a string) and any
     function a later DuckDB adds are refused. A table name that looks like a file or URL (`from '/etc/passwd'`)
     is refused. Also refused: INSERT, UPDATE, DELETE, CREATE (even TEMP), DROP, ALTER, ATTACH, DETACH, COPY,
     EXPORT/IMPORT DATABASE, INSTALL/LOAD, SET/RESET, CHECKPOINT, VACUUM, PREPARE/EXECUTE.
  2. The connection (connection.py, connect): a private in-memory DuckDB instance that ATTACHes the published file
     READ_ONLY, detaches its own writable in-memory database, and only then sets enable_external_access =
     false (no other file, URL or database file can be read, attached or written — DuckDB refuses it even for
     a statement the guard let through) and, last, lock_configuration = true (no SET/RESET/PRAGMA/CALL can
     change a global setting back, nor enable logging or profiling to a file). Extensions are never installed
     or loaded (autoinstall/autoload off, community and unsigned extensions off, an empty private extension
     folder); Python replacement scans are off. Limits: memory_limit (--memory-limit, default 2GB; beyond it and the
     spill space a query fails with DuckDB's out-of-memory error); spilling goes only to a private temp folder
     (max 4GB), removed when the connection closes — never beside the warehouse; --timeout (default 300 s, for
     the whole command; per statement in the shell) interrupts the query with one line, "查询超时 / query timed
     out after N s" (a recursive CTE that never ends is stopped by it or by the memory limit). The published
     file is the only database in the instance; DuckDB's own read-only error is mapped to the guard's line.
     Being its own instance, it never conflicts with another connection to the file held in the same process.
  3. The output (writers.py, --out): the resolved path (symlinks followed, a dangling one too) may not be the warehouse,
     nor equal to or inside anything named <warehouse>.<something> beside it (the working database .work,
     the raw layer .raw/, .history/, .key, .lock, .gate-docs/, .logs/, .spark/ …, or where such a link
     points), nor inside $CREDIT_DROPS when set; an existing file is only replaced with --force, and only a
     regular file. This is checked before the query runs; the result is written to a new temporary file beside
     the target and renamed into place, so a failed or interrupted query leaves nothing.

What it cannot stop: it reads everything in the published file (that file is what analysts may see), and with
--out it writes the result wherever the user running it may write, outside the warehouse's own paths.

Builds never block a reader: publish writes a new file and swaps it in by rename, so an open connection keeps
reading the build it opened, and the next connection (or the shell's next statement) reads the new one.

Every refusal and error is one line (Chinese / English), exit code 2: they are raised as
dagster_project.errors.UserError, so the CLI prints one line.
`python -m dagster_project.query ...` runs the same command on its own (__main__.py); the interactive shell is
shell.py. This module is the command itself: its arguments, and which of the layers' parts a call puts together.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dagster_project.errors import UserError
from .guard import _execute, _finish, check_read_only
from .connection import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT, MAX_TEMP_SIZE, _check_limits, connect, time_limit
from .writers import DEFAULT_MAX_ROWS, _check_out, _rows, _write_atomically, run_table, write_csv, write_parquet
from .shell import Shell
from .writers import display_width  # noqa: F401  (tests measure the table output's width with it)


def register(subparsers) -> argparse.ArgumentParser:
    """Add the `query` subcommand to the CLI's subparsers (dagster_project.cli.build_parser)."""
    q = subparsers.add_parser(
        "query", help="read-only SQL over the published warehouse (no SQL: an interactive shell)",
        description="只读查询已发布的数据仓库（schemas marts, audit）/ read-only SQL over the published warehouse, "
                    "confined to it: no other file, URL, extension or setting can be reached. "
                    "Without SQL: an interactive shell (credit> ; statements end with ';', .tables, .quit).")
    q.add_argument("sql", nargs="?", default=None, help="SQL to run; omit for the interactive shell")
    q.add_argument("--warehouse", type=Path, default=None,
                   help="the published DuckDB file (default: $CREDIT_WAREHOUSE)")
    q.add_argument("--format", choices=("table", "csv", "parquet"), default="table",
                   help="table (default, readable), csv (stdout or --out) or parquet (needs --out)")
    q.add_argument("--out", type=Path, default=None,
                   help="write the result to this file (never inside the warehouse's own files and folders)")
    q.add_argument("--force", action="store_true", help="replace --out if it exists (a regular file only)")
    q.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS,
                   help=f"rows shown by --format table (default {DEFAULT_MAX_ROWS}; csv/parquet write all)")
    q.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT,
                   help=f"DuckDB memory limit of the query (default {DEFAULT_MEMORY_LIMIT}; beyond it DuckDB spills "
                        f"to a private temp folder, at most {MAX_TEMP_SIZE})")
    q.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop a query running longer (default {DEFAULT_TIMEOUT:g}; in the shell: per statement)")
    q.set_defaults(handler=cmd_query)
    return q


def cmd_query(args) -> int:
    given = _given_warehouse(args.warehouse)
    warehouse = resolve_warehouse(args.warehouse)
    fmt = args.format
    out: Path | None = args.out.expanduser() if args.out is not None else None
    if fmt == "parquet" and out is None:
        raise UserError("--format parquet 需要 --out 文件 / --format parquet needs --out FILE")
    if args.max_rows is not None and args.max_rows < 1:
        raise UserError("--max-rows 必须为正数 / --max-rows must be positive")
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    memory_limit = getattr(args, "memory_limit", DEFAULT_MEMORY_LIMIT)
    _check_limits(timeout, memory_limit)

    if args.sql is None:
        if fmt == "parquet" or out is not None:
            raise UserError("交互模式只支持 table/csv 输出到屏幕 / the shell prints to the screen: "
                              "use --out with a SQL argument")
        return Shell(warehouse, fmt=fmt, max_rows=args.max_rows, memory_limit=memory_limit,
                     timeout=timeout).run(sys.stdin)

    if out is not None:
        out = _check_out(out, warehouse, force=getattr(args, "force", False), given=given)
    statements = check_read_only(args.sql)
    con = connect(warehouse, memory_limit=memory_limit)
    try:
        with time_limit(con, timeout):
            if fmt == "table":
                if out is not None:
                    def write_tables(handle):
                        for stmt in statements:
                            run_table(con, stmt, handle, max_rows=None)
                    _write_atomically(out, write_tables)
                    print(f"已写出 / wrote: {out}", file=sys.stderr)
                else:
                    for stmt in statements:
                        run_table(con, stmt, sys.stdout, max_rows=args.max_rows)
            else:
                *before, last = statements
                for stmt in before:  # e.g. `use audit; select ...`: earlier statements run, the last one is written
                    _execute(con, stmt)
                    _finish(con)
                if fmt == "csv":
                    if out is not None:
                        n = _write_atomically(out, lambda handle: write_csv(con, last, handle))
                        print(f"已写出 {n} 行 / wrote {_rows(n)}: {out}", file=sys.stderr)
                    else:
                        write_csv(con, last, sys.stdout)
                else:
                    n = write_parquet(con, last, out)
                    print(f"已写出 {n} 行 / wrote {_rows(n)}: {out}", file=sys.stderr)
    finally:
        con.close()
    return 0


def _given_warehouse(path: Path | None) -> Path | None:
    """The warehouse as named (absolute, symlinks kept): its <name>.* siblings are the build's files even if the
    name itself is a link."""
    raw = path if path is not None else os.environ.get("CREDIT_WAREHOUSE")
    return Path(os.path.abspath(Path(raw).expanduser())) if raw else None


def resolve_warehouse(path: Path | None) -> Path:
    if path is None:
        env = os.environ.get("CREDIT_WAREHOUSE")
        if not env:
            raise UserError("请指定 --warehouse（或设置 CREDIT_WAREHOUSE）/ --warehouse is required "
                              "(or set CREDIT_WAREHOUSE)")
        path = Path(env)
    path = path.expanduser().resolve()
    if not path.is_file():
        raise UserError(f"数据仓库不存在 / warehouse not found: {path}")
    return path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="credit")
    register(p.add_subparsers(dest="command", required=True))
    return p


def main(argv: list[str] | None = None) -> int:
    """`python -m dagster_project.query ...` (also what the tests call): same arguments as `credit query`,
    same one-line errors and exit codes as dagster_project.cli.main."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "query":
        argv = ["query", *argv]
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as e:
        print(f"credit: {e}", file=sys.stderr)
        return e.exit_code
