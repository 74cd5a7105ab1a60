"""Layer 2 of `credit query` (see dagster_project/query/__init__.py): the confined, read-only connection (a private
DuckDB instance with the published file attached READ_ONLY, external access off, configuration locked), its
private temp folder, and the time and memory limits."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

from dagster_project.errors import UserError
from .guard import _error_line, _first_line


DEFAULT_MEMORY_LIMIT = "2GB"  # DuckDB's memory_limit of a query connection (--memory-limit)


DEFAULT_TIMEOUT = 300.0  # seconds (--timeout)


MAX_TEMP_SIZE = "4GB"  # what a query may spill into its private temp folder


_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(b|bytes?|kb|mb|gb|tb|kib|mib|gib|tib)\s*", re.IGNORECASE)


def _check_limits(timeout, memory_limit) -> None:
    if timeout is None or not (timeout > 0) or timeout == float("inf"):
        raise UserError(f"--timeout 必须为正数秒 / --timeout must be a positive number of seconds: {timeout}")
    if not isinstance(memory_limit, str) or not _SIZE.fullmatch(memory_limit):
        raise UserError(f"--memory-limit 应为大小，如 2GB 或 500MB / --memory-limit must be a size such as 2GB "
                          f"or 500MB: {memory_limit!r}")


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
        raise UserError(f"无法创建查询连接 / cannot set up the query connection (--memory-limit "
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
        raise UserError(f"无法打开数据仓库 / cannot open warehouse {warehouse}: {_first_line(e)}") from None
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
            raise UserError(f"查询超时 / query timed out after {seconds:g} s") from None
        if isinstance(e, duckdb.Error):
            raise _error_line(e, "") from None
        raise
    finally:
        if timer is not None:
            timer.cancel()
