"""`credit query`: ad-hoc SQL over the PUBLISHED warehouse, read-only and confined to it.

    credit query "select * from marts.dual_disclosure_compliance limit 5" --warehouse /data/credit.duckdb
    credit query "select ..." --warehouse W --format csv [--out result.csv [--force]]
    credit query "select ..." --warehouse W --format parquet --out result.parquet
    credit query "select ..." --warehouse W --timeout 60 --memory-limit 1GB
    credit query --warehouse W                 # interactive shell (also reads a piped script)

What a query can do: read the tables of the published file (schemas marts, audit) and DuckDB's own metadata.
Nothing else — three independent layers, each enough on its own for the attacks it names:

  1. The statement guard (check_read_only): every statement is parsed first (DuckDB's own parser) and only
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
  2. The connection (connect): a private in-memory DuckDB instance that ATTACHes the published file
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
  3. The output (--out): the resolved path (symlinks followed, a dangling one too) may not be the warehouse,
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
`python -m dagster_project.query ...` runs the same command on its own.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as _dt
import decimal
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import unicodedata
import weakref
from pathlib import Path

PROMPT = "credit> "
CONTINUATION = "   ...> "
DEFAULT_MAX_ROWS = 200
MAX_CELL_WIDTH = 48
DEFAULT_MEMORY_LIMIT = "2GB"  # DuckDB's memory_limit of a query connection (--memory-limit)
DEFAULT_TIMEOUT = 300.0  # seconds (--timeout)
MAX_TEMP_SIZE = "4GB"  # what a query may spill into its private temp folder

REFUSED_PREFIX = "只读查询，拒绝执行写操作 / read-only: refused"
CONFINED_PREFIX = "受限查询，只能读取已发布的数据仓库 / confined to the published warehouse: refused"

# Table functions a statement may name (FROM, subquery, CTE, lateral, CALL): they read the catalog, DuckDB's own
# state or generate rows. Everything else is refused (read_*, glob, sniff_csv, parquet_*, query/query_table,
# enable/disable_logging, truncate_duckdb_logs, checkpoint, force_checkpoint, profiling, *_external_resource*,
# the Python/Arrow scans, and whatever a later DuckDB adds).
_ALLOWED_TABLE_FUNCTIONS = frozenset({
    # catalog and engine metadata
    "duckdb_approx_database_count", "duckdb_available_metrics", "duckdb_columns", "duckdb_connection_count",
    "duckdb_constraints", "duckdb_coordinate_systems", "duckdb_databases", "duckdb_dependencies", "duckdb_dialects",
    "duckdb_extensions", "duckdb_functions", "duckdb_indexes", "duckdb_keywords", "duckdb_log_contexts",
    "duckdb_logs", "duckdb_logs_parsed", "duckdb_memory", "duckdb_optimizers", "duckdb_prepared_statements",
    "duckdb_schemas", "duckdb_sequences", "duckdb_settings", "duckdb_tables", "duckdb_temporary_files",
    "duckdb_types", "duckdb_variables", "duckdb_views",
    # the reading pragmas as table functions
    "pragma_collations", "pragma_database_size", "pragma_metadata_info", "pragma_platform", "pragma_show",
    "pragma_storage_info", "pragma_table_info", "pragma_user_agent", "pragma_version",
    # row generators and helpers
    "range", "generate_series", "unnest", "repeat", "repeat_row", "summary", "json_each", "json_tree",
    "histogram", "histogram_values", "icu_calendar_names", "pg_timezone_names", "test_all_types",
    "test_vector_types",
})
# Refused table functions that write or reconfigure: named with the read-only prefix rather than the confined one.
_WRITING_TABLE_FUNCTIONS = frozenset({
    "checkpoint", "force_checkpoint", "enable_logging", "disable_logging", "truncate_duckdb_logs",
    "enable_profiling", "disable_profiling", "register_external_resource", "register_external_resource_type",
    "create_external_resource", "deregister_external_resource", "destroy_external_resource",
})
# A table "name" that DuckDB would read as a file or URL (replacement scan): `from '/etc/passwd'`, `from 'x.csv'`.
_PATH_LIKE = re.compile(r"[/\\:*?.~]")

# PRAGMAs that only read (anything of the form `pragma x = y` parses as SET and is refused anyway).
_READING_PRAGMAS = frozenset({
    "table_info", "show", "show_tables", "show_tables_expanded", "show_databases", "database_list",
    "database_size", "storage_info", "metadata_info", "version", "platform", "functions", "collations",
    "user_agent", "estimated_row_count",
})
_EXPLAIN = re.compile(r"^explain\s+(?:analy[sz]e\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


# ----------------------------------------------------------------------------------------------- CLI wiring

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


def _user_error(message: str) -> Exception:
    from dagster_project.errors import UserError

    return UserError(message)


def cmd_query(args) -> int:
    given = _given_warehouse(args.warehouse)
    warehouse = resolve_warehouse(args.warehouse)
    fmt = args.format
    out: Path | None = args.out.expanduser() if args.out is not None else None
    if fmt == "parquet" and out is None:
        raise _user_error("--format parquet 需要 --out 文件 / --format parquet needs --out FILE")
    if args.max_rows is not None and args.max_rows < 1:
        raise _user_error("--max-rows 必须为正数 / --max-rows must be positive")
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    memory_limit = getattr(args, "memory_limit", DEFAULT_MEMORY_LIMIT)
    _check_limits(timeout, memory_limit)

    if args.sql is None:
        if fmt == "parquet" or out is not None:
            raise _user_error("交互模式只支持 table/csv 输出到屏幕 / the shell prints to the screen: "
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


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(b|bytes?|kb|mb|gb|tb|kib|mib|gib|tib)\s*", re.IGNORECASE)


def _check_limits(timeout, memory_limit) -> None:
    if timeout is None or not (timeout > 0) or timeout == float("inf"):
        raise _user_error(f"--timeout 必须为正数秒 / --timeout must be a positive number of seconds: {timeout}")
    if not isinstance(memory_limit, str) or not _SIZE.fullmatch(memory_limit):
        raise _user_error(f"--memory-limit 应为大小，如 2GB 或 500MB / --memory-limit must be a size such as 2GB "
                          f"or 500MB: {memory_limit!r}")


def _given_warehouse(path: Path | None) -> Path | None:
    """The warehouse as named (absolute, symlinks kept): its <name>.* siblings are the build's files even if the
    name itself is a link."""
    raw = path if path is not None else os.environ.get("CREDIT_WAREHOUSE")
    return Path(os.path.abspath(Path(raw).expanduser())) if raw else None


def protected_paths(warehouse: Path, given: Path | None = None) -> list[Path]:
    """Every path `--out` may not equal or lie inside: the warehouse and everything the build keeps beside it
    (settings.py names them <warehouse>.<something>), by name and by where each link among them points; and
    $CREDIT_DROPS when set (a file written there would be loaded as a department's drop)."""
    from dagster_project.settings import (gate_docs_dir, history_dir, lock_path, person_key_path, raw_dir_path,
                                          work_db_path)

    found: list[Path] = []
    for w in {warehouse, *([given] if given is not None else [])}:
        named = [w, work_db_path(w), raw_dir_path(w), history_dir(w), person_key_path(w), lock_path(w),
                 gate_docs_dir(w), Path(str(w) + ".logs")]
        try:
            named += [p for p in w.parent.iterdir() if p.name.startswith(w.name + ".")]
        except OSError:
            pass
        for p in named:
            found += [p, Path(os.path.realpath(p))]
    drops = os.environ.get("CREDIT_DROPS")
    if drops:
        found += [Path(os.path.abspath(drops)), Path(os.path.realpath(drops))]
    return sorted(set(found))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _check_out(out: Path, warehouse: Path, *, force: bool = False, given: Path | None = None) -> Path:
    """The file --out writes: its real path (symlinks followed), outside the warehouse's own files and folders,
    and new unless --force (then an existing regular file)."""
    target = Path(os.path.realpath(out))
    if target.is_dir():
        raise _user_error(f"--out 是一个目录 / --out is a folder, expected a file: {out}")
    wh_names = {w.name + "." for w in (warehouse, given) if w is not None}
    wh_dirs = {w.parent for w in (warehouse, given) if w is not None}
    for candidate in (Path(os.path.abspath(out)), target):
        lexical = [candidate, *candidate.parents]
        if any(a.parent in wh_dirs and any(a.name.startswith(n) for n in wh_names) for a in lexical):
            raise _user_error(f"--out 不能写入数据仓库自己的文件或目录 / --out would overwrite or write inside the "
                              f"warehouse's own files: {out}")
    for root in protected_paths(warehouse, given):
        if _inside(target, root) or _inside(Path(os.path.abspath(out)), root):
            raise _user_error(f"--out 不能写入数据仓库自己的文件或目录 / --out would overwrite or write inside the "
                              f"warehouse's own files: {out} (-> {root})")
    if not target.parent.is_dir():
        raise _user_error(f"输出目录不存在 / output folder not found: {target.parent}")
    if os.path.lexists(out) or os.path.lexists(target):
        if not force:
            raise _user_error(f"--out 文件已存在，加 --force 才覆盖 / --out exists, not overwritten without --force: "
                              f"{out}")
        if os.path.lexists(target) and not target.is_file():
            raise _user_error(f"--out 不是普通文件，不能覆盖 / --out is not a regular file, not overwritten: {out}")
    return target


def _write_atomically(out: Path, write, *, binary: bool = False):
    """Write through a temporary file beside ``out``, renamed into place only when the query succeeded."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        try:
            with (open(tmp, "xb") if binary else open(tmp, "x", encoding="utf-8", newline="")) as handle:
                result = write(handle)
            os.replace(tmp, out)
        except OSError as e:
            raise _user_error(f"无法写出 / cannot write {out}: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return result


def resolve_warehouse(path: Path | None) -> Path:
    if path is None:
        env = os.environ.get("CREDIT_WAREHOUSE")
        if not env:
            raise _user_error("请指定 --warehouse（或设置 CREDIT_WAREHOUSE）/ --warehouse is required "
                              "(or set CREDIT_WAREHOUSE)")
        path = Path(env)
    path = path.expanduser().resolve()
    if not path.is_file():
        raise _user_error(f"数据仓库不存在 / warehouse not found: {path}")
    return path


class ConfinedConnection:
    """A DuckDB connection (every attribute passes through) that also owns its private temp folder, removed
    on close (or, failing that, when the object is collected or the interpreter exits)."""

    def __init__(self, con, temp_dir: str):
        self._con = con
        self.temp_dir = temp_dir
        self._remove_temp = weakref.finalize(self, shutil.rmtree, temp_dir, True)

    def __getattr__(self, name):
        return getattr(self._con, name)

    def close(self) -> None:
        try:
            self._con.close()
        finally:
            self._remove_temp()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _catalog_name(warehouse: Path) -> str:
    """The name DuckDB itself would give the file (credit.duckdb -> credit), unless it is taken by DuckDB."""
    name = warehouse.name.split(".")[0] or "warehouse"
    return "warehouse" if name.lower() in ("memory", "system", "temp", "main") else name


def connect(warehouse: Path, *, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> ConfinedConnection:
    """The confined, read-only connection every query runs on (the shell's too).

    A private in-memory DuckDB instance (never shared with another connection in this process, so it cannot
    clash with one a notebook holds) attaches the published file READ_ONLY, drops its own writable in-memory
    database, then switches external access off and, last, locks the configuration. It keeps reading the
    build it opened even if a publish swaps the file meanwhile (rename keeps the old inode alive)."""
    import duckdb

    temp_dir = tempfile.mkdtemp(prefix="credit-query-")
    config = {
        # no extension is ever fetched or loaded (load/install is refused by the guard and, with external
        # access off, by DuckDB; an empty private folder leaves nothing to load)
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "extension_directory": os.path.join(temp_dir, "extensions"),
        "allow_persistent_secrets": False,
        "python_enable_replacements": False,  # `from some_python_variable` reads nothing from this process
        "memory_limit": memory_limit,
        "temp_directory": os.path.join(temp_dir, "spill"),  # DuckDB's default is <warehouse>.tmp/, beside it
        "max_temp_directory_size": MAX_TEMP_SIZE,
    }
    try:
        raw = duckdb.connect(":memory:", config=config)
    except duckdb.Error as e:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise _user_error(f"无法创建查询连接 / cannot set up the query connection (--memory-limit "
                          f"{memory_limit!r}?): {_first_line(e)}") from None
    con = ConfinedConnection(raw, temp_dir)
    name = _catalog_name(warehouse)
    try:
        raw.execute(f"attach {_sql_string(str(warehouse))} as \"{name}\" (read_only)")
        raw.execute(f"use \"{name}\"")
        raw.execute("detach memory")
        # unqualified names find the contract tables: `select * from dim_entity` = marts.dim_entity
        raw.execute("set search_path = 'marts,audit,main'")
        raw.execute("set enable_external_access = false")
        raw.execute("set lock_configuration = true")  # last: from here on no SET/RESET/PRAGMA/CALL changes a setting
    except duckdb.Error as e:
        con.close()
        raise _user_error(f"无法打开数据仓库 / cannot open warehouse {warehouse}: {_first_line(e)}") from None
    return con


@contextlib.contextmanager
def time_limit(con, seconds: float | None):
    """Interrupt the connection's running statement after ``seconds``; the statement's error then becomes
    "查询超时 / query timed out after N s". DuckDB errors raised while fetching become one line as well."""
    import duckdb

    fired = threading.Event()

    def stop():
        fired.set()
        try:
            con.interrupt()
        except Exception:  # closed meanwhile
            pass

    timer = None
    if seconds:
        timer = threading.Timer(seconds, stop)
        timer.daemon = True
        timer.start()
    try:
        yield
    except Exception as e:
        if fired.is_set():
            raise _user_error(f"查询超时 / query timed out after {seconds:g} s") from None
        if isinstance(e, duckdb.Error):
            raise _error_line(e, "") from None
        raise
    finally:
        if timer is not None:
            timer.cancel()


# ----------------------------------------------------------------------------------------- read-only guard

def check_read_only(sql: str) -> list[str]:
    """The statements of ``sql`` if every one only reads the warehouse; else raise UserError naming the refused
    one (one line: REFUSED_PREFIX for writes and settings, CONFINED_PREFIX for reaching outside the file)."""
    import duckdb

    if not sql or not sql.strip():
        raise _user_error("SQL 为空 / empty SQL")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.ParserException as e:
        raise _user_error(f"SQL 语法错误 / syntax error: {_first_line(e)}") from None
    if not statements:
        raise _user_error("SQL 为空 / empty SQL")
    out = []
    with _Parser() as parser:
        for stmt in statements:
            refusal = _refusal(stmt, parser)
            if refusal:
                prefix, what = refusal
                raise _user_error(f"{prefix} {what}")
            out.append(stmt.query)
    return out


def refused_reason(stmt) -> str | None:
    """None if the parsed statement only reads the warehouse; else a short name of what it is (e.g. 'COPY ... TO',
    'read_text()')."""
    with _Parser() as parser:
        refusal = _refusal(stmt, parser)
    return refusal[1] if refusal else None


class _Parser:
    """DuckDB's parser, for the table functions and table names a statement refers to (json_serialize_sql only
    parses: nothing is bound or run). Its own in-memory instance with external access off."""

    def __enter__(self):
        import duckdb

        self.con = duckdb.connect(":memory:", config={"enable_external_access": False,
                                                      "autoinstall_known_extensions": False,
                                                      "autoload_known_extensions": False})
        self._table_functions = None
        return self

    def __exit__(self, *exc):
        self.con.close()

    def references(self, sql: str) -> list[tuple[str, str]] | None:
        """[('function', name) | ('table', name)] for every table function and table a SELECT names anywhere
        (subqueries, CTEs, joins, set operations); None if DuckDB cannot serialize the statement."""
        try:
            text = self.con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0]
            tree = json.loads(text)
        except Exception:
            return None
        if not isinstance(tree, dict) or tree.get("error"):
            return None
        found: list[tuple[str, str]] = []

        def walk(node):
            if isinstance(node, dict):
                kind = node.get("type")
                if kind == "TABLE_FUNCTION":
                    function = node.get("function") or {}
                    found.append(("function", str(function.get("function_name") or "?")))
                elif kind == "BASE_TABLE":
                    found.append(("table", str(node.get("table_name") or "")))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(tree)
        return found

    def table_functions(self) -> frozenset[str]:
        """Every table function (and table macro) this DuckDB knows."""
        if self._table_functions is None:
            rows = self.con.execute("select distinct lower(function_name) from duckdb_functions() "
                                    "where function_type in ('table', 'table_macro')").fetchall()
            self._table_functions = frozenset(r[0] for r in rows)
        return self._table_functions


def _function_refusal(name: str) -> tuple[str, str] | None:
    low = name.lower()
    if low in _ALLOWED_TABLE_FUNCTIONS:
        return None
    prefix = REFUSED_PREFIX if low in _WRITING_TABLE_FUNCTIONS else CONFINED_PREFIX
    return prefix, f"{name}()"


def _select_refusal(sql: str, parser: _Parser) -> tuple[str, str] | None:
    """A SELECT-like statement: every table function it names must be allowed, no table name may be a path."""
    refs = parser.references(sql)
    if refs is None:
        return _lexical_refusal(sql, parser)
    for kind, name in refs:
        if kind == "function":
            refusal = _function_refusal(name)
            if refusal:
                return refusal
        elif _PATH_LIKE.search(name):
            return CONFINED_PREFIX, f"'{name}' (文件或网址 / a file or URL)"
    return None


def _lexical_refusal(sql: str, parser: _Parser) -> tuple[str, str] | None:
    """For what DuckDB cannot serialize (PIVOT): any `name(` that is a table function not on the allow-list."""
    known = parser.table_functions()
    for m in re.finditer(r"([A-Za-z_][A-Za-z_0-9]*)\"?\s*\(", sql):
        name = m.group(1)
        if name.lower() in known:
            refusal = _function_refusal(name)
            if refusal:
                return refusal
    return None


def _refusal(stmt, parser: _Parser) -> tuple[str, str] | None:
    """None if the parsed statement only reads the warehouse; else (prefix, what)."""
    import duckdb

    try:
        kind = stmt.type.name
    except ValueError:  # a statement type this DuckDB build cannot even name (e.g. UPDATE EXTENSIONS)
        return REFUSED_PREFIX, _keyword(stmt.query)
    text = _strip_comments(stmt.query)
    word = _keyword(text)
    if kind == "SELECT":
        return _select_refusal(text, parser)
    if kind == "MULTI":  # PIVOT / UNPIVOT expand to several statements, all reading
        if word not in ("PIVOT", "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER"):
            return REFUSED_PREFIX, word
        return _lexical_refusal(text, parser)
    if kind == "TRANSACTION":
        return None
    if kind == "SET":
        return None if word == "USE" else (REFUSED_PREFIX, word)  # USE only changes this session's default schema
    if kind == "PRAGMA":
        m = re.match(r"pragma\s+([A-Za-z_]+)", text, re.IGNORECASE)
        return None if m and m.group(1).lower() in _READING_PRAGMAS else (REFUSED_PREFIX, word)
    if kind == "CALL":
        # CALL f(...) runs a table function: judged as `select * from f(...)`. Bare CHECKPOINT / FORCE CHECKPOINT
        # parse as CALL too.
        m = re.match(r"call\s", text, re.IGNORECASE)
        if not m:
            return REFUSED_PREFIX, word
        refs = parser.references("select * from " + text[m.end():])
        if not refs or refs[0][0] != "function":
            return REFUSED_PREFIX, word
        return _select_refusal("select * from " + text[m.end():], parser)
    if kind == "EXPLAIN":  # EXPLAIN ANALYZE runs its statement: judge what it explains
        inner = _EXPLAIN.sub("", text, count=1)
        try:
            parts = duckdb.extract_statements(inner)
        except (duckdb.Error, ValueError):
            return REFUSED_PREFIX, "EXPLAIN"
        for part in parts:
            refusal = _refusal(part, parser)
            if refusal:
                return refusal[0], f"EXPLAIN {refusal[1]}"
        return None
    if kind == "COPY":
        return REFUSED_PREFIX, ("COPY ... TO" if re.search(r"\bto\b", text, re.IGNORECASE) else "COPY ... FROM")
    if kind == "LOAD":
        return REFUSED_PREFIX, word  # INSTALL or LOAD
    return REFUSED_PREFIX, word or kind


def _strip_comments(sql: str) -> str:
    text = sql.strip()
    while True:
        if text.startswith("--"):
            text = text.split("\n", 1)[1].strip() if "\n" in text else ""
        elif text.startswith("/*") and "*/" in text:
            text = text.split("*/", 1)[1].strip()
        else:
            return text


def _keyword(sql: str) -> str:
    m = _FIRST_WORD.search(_strip_comments(sql).lstrip("( "))
    return m.group(0).upper() if m else "?"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _execute(con, sql: str):
    """Run one statement on the connection itself (so USE and BEGIN carry over to the next statement) and
    return it, positioned on the result. Every caller reads the result to its end or aborts it: DuckDB allows
    one open result per connection. DuckDB's errors become one line."""
    import duckdb

    try:
        con.execute(sql)
    except duckdb.Error as e:
        raise _error_line(e, sql) from None
    return con


def _error_line(err: BaseException, sql: str) -> Exception:
    """DuckDB's error as one user-facing line: its read-only and confinement refusals read like the guard's."""
    import duckdb

    msg = _first_line(err)
    if "read-only" in msg or "read_only" in msg:
        return _user_error(f"{REFUSED_PREFIX} {_keyword(sql)} ({msg})" if sql else f"{REFUSED_PREFIX} ({msg})")
    if (isinstance(err, duckdb.PermissionException) or "disabled by configuration" in msg
            or "configuration has been locked" in msg or "disabled through configuration" in msg):
        return _user_error(f"{CONFINED_PREFIX} ({msg})")
    return _user_error(f"查询失败 / query failed: {msg}")


def _finish(con) -> None:
    """Drop whatever is left of the current result."""
    try:
        con.abort()
    except Exception:  # nothing open
        pass


# ----------------------------------------------------------------------------------------------- outputs

def run_table(con, sql: str, stream, *, max_rows: int | None = DEFAULT_MAX_ROWS) -> int:
    """Run one statement and print its result as an aligned table; returns the number of rows shown."""
    cur = _execute(con, sql)
    try:
        columns = [d[0] for d in cur.description] if cur.description else []
        limit = max_rows if max_rows is not None else None
        rows = cur.fetchall() if limit is None else cur.fetchmany(limit + 1)
        more = limit is not None and len(rows) > limit
        if more:
            rows = rows[:limit]
        if not columns or (columns == ["Success"] and not rows):  # USE, BEGIN, COMMIT …
            stream.write("OK\n")
            return 0
        stream.write(render_table(columns, rows))
        n = len(rows)
        if more:
            stream.write(f"(仅显示前 {n} 行 / first {n} rows shown; --max-rows N or --format csv for more)\n")
        else:
            stream.write(f"({n} 行 / {_rows(n)})\n")
        return n
    finally:
        _finish(con)


def write_csv(con, sql: str, stream) -> int:
    """Every row as CSV (UTF-8, header line); NULL is an empty field, lists/structs are JSON."""
    cur = _execute(con, sql)
    try:
        if cur.description is None:
            raise _user_error("该语句没有结果集 / the statement returns no rows to write")
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([d[0] for d in cur.description])
        n = 0
        while True:
            chunk = cur.fetchmany(10_000)
            if not chunk:
                break
            writer.writerows([_csv_value(v) for v in row] for row in chunk)
            n += len(chunk)
        return n
    finally:
        _finish(con)


def write_parquet(con, sql: str, out: Path) -> int:
    import duckdb
    import pyarrow.parquet as pq

    try:
        rel = con.sql(sql)
        table = rel.to_arrow_table() if rel is not None else None
    except duckdb.Error as e:
        raise _error_line(e, sql) from None
    if table is None:
        raise _user_error("该语句没有结果集 / the statement returns no rows to write")

    def write(handle):
        pq.write_table(table, handle)

    _write_atomically(out, write, binary=True)
    return table.num_rows


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v if isinstance(v, (str, int, float, decimal.Decimal)) else _cell(v)


def _cell(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat(sep=" ") if isinstance(v, _dt.datetime) else v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_cell(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_cell(x)}" for k, x in v.items()) + "}"
    text = str(v)
    return text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", " ")


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide/fullwidth characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _truncate(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out, width = [], 0
    for ch in text:
        w = display_width(ch)
        if width + w > limit - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def render_table(columns: list[str], rows: list[tuple], *, max_cell: int = MAX_CELL_WIDTH) -> str:
    """An aligned text table (CJK-width aware); numbers right-aligned."""
    cells = [[_truncate(_cell(v), max_cell) for v in row] for row in rows]
    heads = [_truncate(c, max_cell) for c in columns]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float, decimal.Decimal)) and not isinstance(r[i], bool)
                                  for r in rows if r[i] is not None) and any(r[i] is not None for r in rows)
               for i in range(len(columns))]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(heads)]
    lines = [" │ ".join(_pad(h, w, False) for h, w in zip(heads, widths)),
             "─┼─".join("─" * w for w in widths)]
    for r in cells:
        lines.append(" │ ".join(_pad(v, w, numeric[i]) for i, (v, w) in enumerate(zip(r, widths))))
    return "\n".join(line.rstrip() for line in lines) + "\n"


# ------------------------------------------------------------------------------------------- the shell

HELP = """\
输入 SQL，以 ; 结束（可多行）/ type SQL ending with ; (may span lines)
  .tables            已发布的表 / the published tables
  .schema TABLE      表的列 / columns of a table (e.g. .schema marts.dim_entity)
  .help              本说明 / this help
  .quit  .exit       退出 / leave (or Ctrl-D)
只读：写操作会被拒绝 / read-only: writes are refused
受限：只能读取已发布的数据仓库，不能读写其他文件或加载扩展 / confined: no other file, URL or extension
"""


class Shell:
    """A small REPL: `credit> ` prompt, statements end with ';', dot commands, works with piped stdin.

    Before each statement it checks whether the published file was swapped (a build published) and, if so,
    reconnects so the next answer comes from the new build.
    """

    def __init__(self, warehouse: Path, *, fmt: str = "table", max_rows: int = DEFAULT_MAX_ROWS,
                 out=None, err=None, memory_limit: str = DEFAULT_MEMORY_LIMIT, timeout: float | None = DEFAULT_TIMEOUT):
        self.warehouse = warehouse
        self.fmt = fmt
        self.max_rows = max_rows
        self.memory_limit = memory_limit
        self.timeout = timeout
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.con = None
        self._inode = None
        self.failures = 0

    # connection ------------------------------------------------------------------------------------
    def _ensure_connection(self) -> None:
        try:
            inode = os.stat(self.warehouse).st_ino
        except FileNotFoundError:
            inode = None
        if self.con is not None and inode is not None and inode != self._inode:
            # DuckDB caches a database per path within a process: close first, then reopen the new file
            self.con.close()
            self.con = None
            print("（数据仓库已重新发布，已重新连接 / the warehouse was republished: reconnected）", file=self.err)
        if self.con is None:
            self.con = connect(self.warehouse, memory_limit=self.memory_limit)  # the same confined connection
            self._inode = inode

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    # statements ------------------------------------------------------------------------------------
    def execute(self, sql: str) -> bool:
        """Run one buffer of SQL (one or more statements); print results or one error line."""
        from dagster_project.errors import UserError

        try:
            statements = check_read_only(sql)
            self._ensure_connection()
            with time_limit(self.con, self.timeout):
                for stmt in statements:
                    if self.fmt == "csv":
                        write_csv(self.con, stmt, self.out)
                    else:
                        run_table(self.con, stmt, self.out, max_rows=self.max_rows)
            return True
        except UserError as e:
            self.failures += 1
            print(f"错误 error: {e}", file=self.err)
            return False

    def dot(self, line: str) -> bool:
        """A dot command; returns False to leave the shell."""
        cmd, _, arg = line.strip().partition(" ")
        cmd, arg = cmd.lower(), arg.strip().rstrip(";").strip()
        if cmd in (".quit", ".exit", ".q"):
            return False
        if cmd == ".help":
            self.out.write(HELP)
        elif cmd == ".tables":
            self.execute("select table_schema || '.' || table_name as \"table\" from information_schema.tables "
                         "where table_schema not in ('information_schema', 'pg_catalog') order by 1")
        elif cmd == ".schema":
            if not arg or not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)?", arg):
                print("用法 usage: .schema marts.dim_entity", file=self.err)
                self.failures += 1
            else:
                schema, _, table = arg.rpartition(".")
                where = f"table_name = '{table}'" + (f" and table_schema = '{schema}'" if schema else "")
                self.execute("select table_schema || '.' || table_name as \"table\", column_name, data_type "
                             f"from information_schema.columns where {where} order by table_schema, ordinal_position")
        else:
            print(f"未知命令 unknown command: {cmd} (.help)", file=self.err)
            self.failures += 1
        return True

    # the loop --------------------------------------------------------------------------------------
    def run(self, stdin) -> int:
        interactive = hasattr(stdin, "isatty") and stdin.isatty()
        if interactive:
            try:
                import readline  # noqa: F401  (line editing and history for input())
            except ImportError:
                pass
            print(f"信用数据仓库（只读）/ credit warehouse, read-only: {self.warehouse}\n"
                  "输入 .help 查看帮助 / .help for help", file=self.out)
        buffer: list[str] = []
        try:
            while True:
                prompt = CONTINUATION if buffer else PROMPT
                try:
                    if interactive:
                        line = input(prompt)
                    else:
                        line = stdin.readline()
                        if not line:
                            break
                        line = line.rstrip("\n")
                except EOFError:
                    if interactive:
                        print(file=self.out)
                    break
                except KeyboardInterrupt:
                    print("^C", file=self.out)
                    buffer = []
                    continue
                if not buffer and line.strip().startswith("."):
                    if not self.dot(line):
                        break
                    continue
                if not buffer and not line.strip():
                    continue
                buffer.append(line)
                if _complete(buffer):
                    self.execute("\n".join(buffer))
                    buffer = []
            if buffer and "".join(buffer).strip():
                self.execute("\n".join(buffer))  # a last statement without its ';'
        finally:
            self.close()
        # a script (piped stdin) reports failure; an interactive session ends normally
        return 2 if (self.failures and not interactive) else 0


def _complete(lines: list[str]) -> bool:
    """A statement is complete when its text, outside quotes and comments, ends with ';'."""
    text = "\n".join(lines)
    in_single = in_double = in_line_comment = in_block = False
    last = ""
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if in_line_comment:
            if ch == "\n":
                in_line_comment = False
        elif in_block:
            if ch == "*" and nxt == "/":
                in_block = False
                i += 1
        elif in_single:
            if ch == "'":
                in_single = False
        elif in_double:
            if ch == '"':
                in_double = False
        elif ch == "'":
            in_single = True
        elif ch == '"':
            in_double = True
        elif ch == "-" and nxt == "-":
            in_line_comment = True
        elif ch == "/" and nxt == "*":
            in_block = True
            i += 1
        elif not ch.isspace():
            last = ch
        i += 1
    return last == ";" and not (in_single or in_double or in_block)


# ----------------------------------------------------------------------------------------- standalone

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="credit")
    register(p.add_subparsers(dest="command", required=True))
    return p


def main(argv: list[str] | None = None) -> int:
    """`python -m dagster_project.query ...` (also what the tests call): same arguments as `credit query`,
    same one-line errors and exit codes as dagster_project.cli.main."""
    from dagster_project.errors import UserError

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "query":
        argv = ["query", *argv]
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as e:
        print(f"credit: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
