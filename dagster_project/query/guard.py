"""Layer 1 of `credit query` (see dagster_project/query/__init__.py): the statement guard. Every statement is
parsed by DuckDB's own parser and only reading statements, and only allow-listed table functions, run;
DuckDB's errors become one user-facing line."""
from __future__ import annotations

import json
import re

from dagster_project.errors import UserError


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


def check_read_only(sql: str) -> list[str]:
    """The statements of ``sql`` if every one only reads the warehouse; else raise UserError naming the refused
    one (one line: REFUSED_PREFIX for writes and settings, CONFINED_PREFIX for reaching outside the file)."""
    import duckdb

    if not sql or not sql.strip():
        raise UserError("SQL 为空 / empty SQL")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.ParserException as e:
        raise UserError(f"SQL 语法错误 / syntax error: {_first_line(e)}") from None
    if not statements:
        raise UserError("SQL 为空 / empty SQL")
    out = []
    with _Parser() as parser:
        for stmt in statements:
            refusal = _refusal(stmt, parser)
            if refusal:
                prefix, what = refusal
                raise UserError(f"{prefix} {what}")
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
        return UserError(f"{REFUSED_PREFIX} {_keyword(sql)} ({msg})" if sql else f"{REFUSED_PREFIX} ({msg})")
    if (isinstance(err, duckdb.PermissionException) or "disabled by configuration" in msg
            or "configuration has been locked" in msg or "disabled through configuration" in msg):
        return UserError(f"{CONFINED_PREFIX} ({msg})")
    return UserError(f"查询失败 / query failed: {msg}")


def _finish(con) -> None:
    """Drop whatever is left of the current result."""
    try:
        con.abort()
    except Exception:  # nothing open
        pass
