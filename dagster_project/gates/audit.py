"""audit.gate_results: every result of every gate run, written in one transaction per call."""
from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.gates.results import SuiteOutcome

AUDIT_TABLE = "audit.gate_results"
AUDIT_COLUMNS = (
    "run_id", "suite_name", "table_name", "expectation_type", "kwargs_json", "severity",
    "success", "observed_value", "error", "checked_at",
)
AUDIT_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.gate_results (
    run_id           VARCHAR   NOT NULL,
    suite_name       VARCHAR   NOT NULL,
    table_name       VARCHAR,
    expectation_type VARCHAR   NOT NULL,
    kwargs_json      VARCHAR,
    severity         VARCHAR   NOT NULL,   -- fail | warn
    success          BOOLEAN   NOT NULL,
    observed_value   VARCHAR,              -- JSON
    error            VARCHAR,
    checked_at       TIMESTAMP NOT NULL    -- UTC
);
"""

def write_gate_results(db_path: Path, outcomes: list[SuiteOutcome]) -> int:
    """Write the results to audit.gate_results (replacing rows of the same run_id and suite)."""
    rows = [
        (o.run_id, r.suite_name, r.table_name, r.expectation_type, r.kwargs_json, r.severity,
         r.success, r.observed_value_json, r.error, o.checked_at)
        for o in outcomes
        for r in o.results
    ]
    con = duckdb.connect(str(db_path))   # a few rows; shares a connection the caller may hold
    try:
        con.execute(AUDIT_DDL)
        con.execute("BEGIN TRANSACTION")
        try:
            for run_id, suite_name in sorted({(o.run_id, o.suite_name) for o in outcomes}):
                con.execute("DELETE FROM audit.gate_results WHERE run_id = ? AND suite_name = ?",
                            [run_id, suite_name])
            if rows:
                con.executemany(
                    f"INSERT INTO audit.gate_results ({', '.join(AUDIT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})",
                    rows,
                )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return len(rows)
