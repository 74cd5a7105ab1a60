"""The gates' own check, run in Python rather than by GX: ``expect_table_to_hold_no_id_numbers`` scans every text
column with the one ID-number definition (dagster_project/pii.py: shape, birth date, check character), which no
regex alone can express."""
from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project import pii
from dagster_project.gates.results import GATE_TABLE_EXISTS, GateResult, failed
from dagster_project.gates.suites import BUILTIN_TYPES, NO_ID_NUMBERS, Suite
from dagster_project.settings import quote_identifier


def run_builtin_checks(db_path: Path, suite: Suite) -> list[GateResult]:
    results = []
    for spec in suite.expectations:
        if spec.type != NO_ID_NUMBERS:
            continue
        key = spec.kwargs.get("key_column")
        try:
            offenders = id_number_offenders(db_path, suite.table, key)
        except LookupError as exc:  # the table is missing: GX's part reports it, else this result does
            if all(e.type in BUILTIN_TYPES for e in suite.expectations):
                results.append(failed(suite, GATE_TABLE_EXISTS, {"table": suite.table}, str(exc)))
            return results
        except Exception as exc:  # noqa: BLE001 - a scan that could not run is a failed check
            results.append(failed(suite, spec.type, spec.kwargs, f"{type(exc).__name__}: {exc}"))
            continue
        observed = {"unexpected_count": len(offenders),
                    "columns": sorted({c for cols in offenders.values() for c in cols}),
                    "keys_sample": sorted(offenders)[:10]}
        results.append(GateResult(suite.name, suite.table, spec.type, dict(spec.kwargs), spec.severity,
                                  not offenders, observed))
    return results


def id_number_offenders(db_path: Path, table: str, key_column: str | None) -> dict[str, list[str]]:
    """Rows of ``table`` with an ID number (dagster_project.pii) in any text column: key -> the columns.
    Without a key column, the row number stands in for it. Reads through a read-only connection."""
    schema, name = table.split(".")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        text_columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "and data_type = 'VARCHAR' order by ordinal_position", [schema, name]).fetchall()]
        if not text_columns:
            exists = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                                 "and table_name = ?", [schema, name]).fetchall()[0][0]
            if not exists:
                raise LookupError(f"table {table} does not exist in {Path(db_path).name}")
            return {}
        key_sql = quote_identifier(key_column) if key_column else "cast(rowid as varchar)"
        offenders: dict[str, list[str]] = {}
        for column in text_columns:
            rows = con.execute(
                f"select {key_sql}, {quote_identifier(column)} "
                f"from {quote_identifier(schema)}.{quote_identifier(name)} "
                f"where {pii.sql_may_hold_id_number(quote_identifier(column))}"
            ).fetchall()
            for key, value in rows:
                if pii.contains_id_number(value):
                    offenders.setdefault(str(key), []).append(column)
        return offenders
    finally:
        con.close()
