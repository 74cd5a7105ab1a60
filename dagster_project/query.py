"""`credit query`: ad-hoc SQL over the PUBLISHED warehouse, read-only.

    credit query "select * from marts.dual_disclosure_compliance limit 5" --warehouse /data/credit.duckdb
    credit query "select ..." --warehouse W --format csv [--out result.csv]
    credit query "select ..." --warehouse W --format parquet --out result.parquet
    credit query --warehouse W                 # interactive shell (also reads a piped script)

Read-only twice over:
  1. every statement is parsed first (DuckDB's own parser) and only reading statements run: SELECT (incl.
     SHOW / DESCRIBE / SUMMARIZE / PIVOT), EXPLAIN of a reading statement, reading PRAGMAs, CALL of a table
     function, USE, BEGIN/COMMIT. Anything else — INSERT, UPDATE, DELETE, CREATE (even TEMP), DROP, ALTER,
     ATTACH, DETACH, COPY (a read-only connection could still COPY ... TO a file), EXPORT/IMPORT DATABASE,
     INSTALL/LOAD, SET/RESET, CHECKPOINT, VACUUM, PREPARE/EXECUTE — is refused with one line, exit 2;
  2. the connection is opened with read_only=True, and DuckDB's read-only error is mapped to the same line.

Builds never block a reader: publish writes a new file and swaps it in by rename, so an open connection keeps
reading the build it opened, and the next connection (or the shell's next statement) reads the new one.

Errors are raised as dagster_project.cli.UserError (imported lazily: cli imports this module), so the CLI
prints one line and exits 2. `python -m dagster_project.query ...` runs the same command on its own.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import decimal
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

PROMPT = "credit> "
CONTINUATION = "   ...> "
DEFAULT_MAX_ROWS = 200
MAX_CELL_WIDTH = 48

REFUSED_PREFIX = "只读查询，拒绝执行写操作 / read-only: refused"

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
        description="只读查询已发布的数据仓库（schemas marts, audit）/ read-only SQL over the published warehouse. "
                    "Without SQL: an interactive shell (credit> ; statements end with ';', .tables, .quit).")
    q.add_argument("sql", nargs="?", default=None, help="SQL to run; omit for the interactive shell")
    q.add_argument("--warehouse", type=Path, default=None,
                   help="the published DuckDB file (default: $CREDIT_WAREHOUSE)")
    q.add_argument("--format", choices=("table", "csv", "parquet"), default="table",
                   help="table (default, readable), csv (stdout or --out) or parquet (needs --out)")
    q.add_argument("--out", type=Path, default=None, help="write the result to this file")
    q.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS,
                   help=f"rows shown by --format table (default {DEFAULT_MAX_ROWS}; csv/parquet write all)")
    q.set_defaults(handler=cmd_query)
    return q


def _user_error(message: str) -> Exception:
    from dagster_project.cli import UserError

    return UserError(message)


def cmd_query(args) -> int:
    warehouse = resolve_warehouse(args.warehouse)
    fmt = args.format
    out: Path | None = args.out.expanduser() if args.out is not None else None
    if fmt == "parquet" and out is None:
        raise _user_error("--format parquet 需要 --out 文件 / --format parquet needs --out FILE")
    if args.max_rows is not None and args.max_rows < 1:
        raise _user_error("--max-rows 必须为正数 / --max-rows must be positive")

    if args.sql is None:
        if fmt == "parquet" or out is not None:
            raise _user_error("交互模式只支持 table/csv 输出到屏幕 / the shell prints to the screen: "
                              "use --out with a SQL argument")
        return Shell(warehouse, fmt=fmt, max_rows=args.max_rows).run(sys.stdin)

    if out is not None:
        out = _check_out(out, warehouse)
    statements = check_read_only(args.sql)
    con = connect(warehouse)
    try:
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


def _check_out(out: Path, warehouse: Path) -> Path:
    out = out.resolve()
    if not out.parent.is_dir():
        raise _user_error(f"输出目录不存在 / output folder not found: {out.parent}")
    if out.is_dir():
        raise _user_error(f"--out 是一个目录 / --out is a folder, expected a file: {out}")
    if out == warehouse or out.name.startswith(warehouse.name + "."):
        raise _user_error(f"不能覆盖数据仓库文件 / --out would overwrite the warehouse's files: {out}")
    return out


def _write_atomically(out: Path, write):
    """Write through a temporary file beside ``out``, renamed into place only when the query succeeded."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            result = write(handle)
        os.replace(tmp, out)
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


def connect(warehouse: Path):
    """A read-only connection to the published file. It keeps reading the build it opened even if a
    publish swaps the file meanwhile (rename keeps the old inode alive until the connection closes)."""
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as e:
        raise _user_error(f"无法打开数据仓库 / cannot open warehouse {warehouse}: {_first_line(e)}") from None
    # unqualified names find the contract tables: `select * from dim_entity` = marts.dim_entity
    con.execute("set search_path = 'marts,audit,main'")
    return con


# ----------------------------------------------------------------------------------------- read-only guard

def check_read_only(sql: str) -> list[str]:
    """The statements of ``sql`` if every one only reads; else raise UserError naming the refused one."""
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
    for stmt in statements:
        refused = refused_reason(stmt)
        if refused:
            raise _user_error(f"{REFUSED_PREFIX} {refused}")
        out.append(stmt.query)
    return out


def refused_reason(stmt) -> str | None:
    """None if the parsed statement only reads; else a short name of what it is (e.g. 'COPY ... TO')."""
    import duckdb

    try:
        kind = stmt.type.name
    except ValueError:  # a statement type this DuckDB build cannot even name (e.g. UPDATE EXTENSIONS)
        return _keyword(stmt.query)
    text = _strip_comments(stmt.query)
    word = _keyword(text)
    if kind == "SELECT":
        return None
    if kind == "MULTI":  # PIVOT / UNPIVOT expand to several statements, all reading
        return None if word in ("PIVOT", "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER") else word
    if kind == "TRANSACTION":
        return None
    if kind == "SET":
        return None if word == "USE" else word  # USE only changes this session's default schema
    if kind == "PRAGMA":
        m = re.match(r"pragma\s+([A-Za-z_]+)", text, re.IGNORECASE)
        return None if m and m.group(1).lower() in _READING_PRAGMAS else word
    if kind == "CALL":
        m = re.match(r"call\s+([A-Za-z_][A-Za-z_0-9.]*)", text, re.IGNORECASE)
        if not m or "checkpoint" in m.group(1).lower():  # bare CHECKPOINT parses as CALL too
            return word
        return None
    if kind == "EXPLAIN":  # EXPLAIN ANALYZE runs its statement: judge what it explains
        inner = _EXPLAIN.sub("", text, count=1)
        try:
            parts = duckdb.extract_statements(inner)
        except (duckdb.Error, ValueError):
            return "EXPLAIN"
        for part in parts:
            reason = refused_reason(part)
            if reason:
                return f"EXPLAIN {reason}"
        return None
    if kind == "COPY":
        return "COPY ... TO" if re.search(r"\bto\b", text, re.IGNORECASE) else "COPY ... FROM"
    if kind == "LOAD":
        return word  # INSTALL or LOAD
    return word or kind


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
        msg = _first_line(e)
        if "read-only" in msg or "read_only" in msg:
            raise _user_error(f"{REFUSED_PREFIX} {_keyword(sql)} ({msg})") from None
        raise _user_error(f"查询失败 / query failed: {msg}") from None
    return con


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
        raise _user_error(f"查询失败 / query failed: {_first_line(e)}") from None
    if table is None:
        raise _user_error("该语句没有结果集 / the statement returns no rows to write")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
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
"""


class Shell:
    """A small REPL: `credit> ` prompt, statements end with ';', dot commands, works with piped stdin.

    Before each statement it checks whether the published file was swapped (a build published) and, if so,
    reconnects so the next answer comes from the new build.
    """

    def __init__(self, warehouse: Path, *, fmt: str = "table", max_rows: int = DEFAULT_MAX_ROWS,
                 out=None, err=None):
        self.warehouse = warehouse
        self.fmt = fmt
        self.max_rows = max_rows
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
            self.con = connect(self.warehouse)
            self._inode = inode

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    # statements ------------------------------------------------------------------------------------
    def execute(self, sql: str) -> bool:
        """Run one buffer of SQL (one or more statements); print results or one error line."""
        from dagster_project.cli import UserError

        try:
            statements = check_read_only(sql)
            self._ensure_connection()
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
    from dagster_project.cli import UserError

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
