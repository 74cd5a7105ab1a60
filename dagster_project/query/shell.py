"""The interactive shell of `credit query` (no SQL argument; also reads a piped script): one confined
connection, statements ended by `;`, dot-commands, the same guard, limits and output as one-off queries."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from dagster_project.errors import UserError
from .guard import check_read_only
from .connection import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT, connect, time_limit
from .writers import DEFAULT_MAX_ROWS, run_table, write_csv


PROMPT = "credit> "


CONTINUATION = "   ...> "


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
