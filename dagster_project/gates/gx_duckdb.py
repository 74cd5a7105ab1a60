"""Great Expectations 1.x on a DuckDB file through duckdb-engine: the fixes this pairing needs.

Every fix is applied to the execution engine of a datasource we created (instance attributes and
an engine event listener); no GX, SQLAlchemy or duckdb-engine class is patched, so nothing else in
the process changes behaviour. Each fix is covered by tests/test_gates.py.

1. Empty metric results (GX issue #11579). `SqlAlchemyExecutionEngine.execute_query` executes in
   `with engine.connect() as c:` and hands back the *unfetched* result; leaving the block rolls the
   connection back, and a DuckDB cursor is its connection, so the pending result is dropped:
   `fetchall()` returns `[]` and every bundled metric fails with "list index out of range"
   (every expectation then "fails" with no observed value). Fix: the engine keeps one connection
   open, as GX already does for sqlite/mssql/bigquery/databricks (`get_connection` per instance),
   and rolls it back after a failed statement so one bad query cannot poison the next.
2. Column reflection. With SQLAlchemy 2.1, duckdb-engine 0.17's `Inspector.get_columns` fails
   (the PostgreSQL reflection query joins `pg_catalog.pg_collation`, which DuckDB lacks). GX then
   falls back to `SELECT * FROM <table> LIMIT 1` *without the schema*, so every table outside
   `main` "does not exist" and every column expectation errors. Fix: `SET search_path` to the
   suite's schema on each connection of the engine.
3. Regular expressions. GX picks the regex operator from `execution_engine.dialect_module`, which
   it only sets for dialects it knows; for duckdb it is None and regex expectations raise
   "Regex is not supported for dialect duckdb". (duckdb-engine's dialect derives from the psycopg2
   PostgreSQL dialect, but SQLAlchemy 2.1's default PostgreSQL dialect, which GX tests against, is
   psycopg 3, so GX does not recognise it either.) Fix: a dialect_module whose `dialect` is the
   PostgreSQL one, so GX emits PostgreSQL's `~` / `!~`, which DuckDB evaluates as a *partial*
   match like PostgreSQL does (tested: an ID number inside a longer text is found).
4. Lingering file handles. GX never closes its engines, and the datasource holds a second engine
   (for connection tests and reflection); an open DuckDB handle keeps the file lock. `dispose`
   closes the kept connection and disposes both engines.
"""
from __future__ import annotations

import types
from contextlib import contextmanager
from typing import Any, Iterator

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql  # noqa: F401 - makes sa.dialects.postgresql available

TABLE_COLUMNS_SQL = sa.text(
    "SELECT column_name, data_type FROM information_schema.columns "
    "WHERE table_catalog = current_database() AND table_schema = :schema AND table_name = :table "
    "ORDER BY ordinal_position"
)


@contextmanager
def _kept_connection(self) -> Iterator[Any]:
    """Replacement for SqlAlchemyExecutionEngine.get_connection (bound per instance): one open connection."""
    conn = self._connection
    if conn is None or conn.closed or conn.invalidated:
        conn = self._connection = self.engine.connect()
    try:
        yield conn
    except BaseException:
        # DuckDB aborts the transaction on a failed statement; without a rollback every later
        # query on this connection would fail with "Current transaction is aborted".
        try:
            conn.rollback()
        except Exception:  # noqa: BLE001 - the original error matters, not this one
            pass
        raise


def prepare_execution_engine(datasource: Any, schema: str) -> Any:
    """Apply fixes 1-3 to the datasource's execution engine (before it first connects)."""
    engine = datasource.get_execution_engine()
    if engine.dialect_name != "duckdb":
        raise ValueError(f"expected a duckdb execution engine, got {engine.dialect_name!r}")
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"invalid schema name {schema!r}")

    engine.get_connection = types.MethodType(_kept_connection, engine)
    engine.dialect_module = types.SimpleNamespace(dialect=sa.dialects.postgresql.dialect, __name__="duckdb_engine")

    def _set_search_path(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"SET search_path = '{schema}'")

    sa.event.listen(engine.engine, "connect", _set_search_path)
    return engine


def table_columns(execution_engine: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """(column_name, data_type) of a table or view, in order; [] when it does not exist."""
    rows = execution_engine.execute_query(
        TABLE_COLUMNS_SQL.bindparams(schema=schema, table=table)
    ).fetchall()
    return [(str(name), str(dtype)) for name, dtype in rows]


def dispose(datasource: Any) -> None:
    """Close every connection GX opened for this datasource (fix 4). Safe to call more than once."""
    if datasource is None:
        return
    execution_engine = getattr(datasource, "_execution_engine", None)
    if execution_engine is not None:
        conn = getattr(execution_engine, "_connection", None)
        if conn is not None:
            try:
                conn.close()
            finally:
                execution_engine._connection = None
        execution_engine.engine.dispose()
    engine = getattr(datasource, "_engine", None)
    if engine is not None:
        engine.dispose()
