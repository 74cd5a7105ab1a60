"""Data-quality gates: GX 1.x suites from expectations/*.yml, run on the DuckDB warehouse.

    from dagster_project.gates import run_suites, raise_if_blocked
    outcomes = run_suites(db_path, run_id=run_id, params={"as_of": "2026-11-22"}, docs_dir=docs)
    raise_if_blocked(outcomes)   # or: any(o.blocking_failed for o in outcomes)

Importing this package does not import Great Expectations (that happens when a suite runs, so
a broken GX install shows up as failed gate results, not as an import error here).
"""
from dagster_project.gates.hold import HeldRecord, blamed_records, hold_records
from dagster_project.gates.audit import AUDIT_TABLE, write_gate_results
from dagster_project.gates.results import GateAuditWriteError, GateBlocked, GateResult, SuiteOutcome, raise_if_blocked
from dagster_project.gates.runner import resolve_params, run_suite, run_suites
from dagster_project.gates.suites import (
    SEVERITIES,
    ExpectationSpec,
    Suite,
    SuiteError,
    check_suite_with_gx,
    discover_suites,
    list_suites,
    load_suite,
)

__all__ = [
    "AUDIT_TABLE",
    "SEVERITIES",
    "ExpectationSpec",
    "GateAuditWriteError",
    "GateBlocked",
    "GateResult",
    "HeldRecord",
    "Suite",
    "SuiteError",
    "SuiteOutcome",
    "blamed_records",
    "check_suite_with_gx",
    "discover_suites",
    "list_suites",
    "hold_records",
    "load_suite",
    "raise_if_blocked",
    "resolve_params",
    "run_suite",
    "run_suites",
    "write_gate_results",
]
