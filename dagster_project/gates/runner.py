"""Run suites against the DuckDB warehouse and record the results: the orchestration of a gate run.

A check that could not run is a failed result, never a pass: a missing or invalid suite file,
a missing database or table, a GX import error, an expectation GX could not evaluate. Such a
result always has severity `fail` (whatever the file declared) and carries the error text.

The parts: results.py (what a run yields), id_scan.py (our own check), gx_validate.py (the GX part),
masking.py, audit.py (audit.gate_results).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping

from dagster_project.gates.audit import AUDIT_TABLE, write_gate_results
from dagster_project.gates.gx_validate import run_with_gx
from dagster_project.gates.id_scan import run_builtin_checks
from dagster_project.gates.results import (
    GATE_LOAD_SUITE,
    GATE_OPEN_DATABASE,
    GateAuditWriteError,
    SuiteOutcome,
    failed_outcome,
    utcnow,
)
from dagster_project.gates.suites import BUILTIN_TYPES, Suite, SuiteError, list_suites, load_suite

log = logging.getLogger(__name__)

CHINA_TZ = timezone(timedelta(hours=8))


def run_suite(
    db_path: Path,
    suite_name: str,
    *,
    run_id: str,
    params: Mapping[str, Any] | None = None,
    docs_dir: Path | None = None,
    suites_dir: Path | None = None,
    write_audit: bool = True,
) -> SuiteOutcome:
    """Run one suite; see `run_suites`."""
    return run_suites(
        db_path, [suite_name], run_id=run_id, params=params, docs_dir=docs_dir,
        suites_dir=suites_dir, write_audit=write_audit,
    )[0]


def run_suites(
    db_path: Path,
    suite_names: list[str] | None = None,
    *,
    run_id: str,
    docs_dir: Path | None = None,
    params: Mapping[str, Any] | None = None,
    suites_dir: Path | None = None,
    write_audit: bool = True,
) -> list[SuiteOutcome]:
    """Validate tables in the DuckDB file with the named suites (default: every suite file).

    params: suite parameters, referenced in suite files as {"$PARAMETER": name}. `as_of`
        (the build's "today", YYYY-MM-DD) defaults to today's date in China (UTC+8).
    docs_dir: when given, GX Data Docs for this run are built there (index.html).
    Returns one SuiteOutcome per suite name, in order. Results are written to
    audit.gate_results (rows of the same run_id and suite are replaced). Every connection to the
    file is closed on return.

    The caller must not hold its own DuckDB connection to `db_path` while this runs: DuckDB refuses
    a second in-process connection with another configuration, and duckdb-engine always sets one
    (custom_user_agent). That case, like a file locked by another process, yields failed results
    and then GateAuditWriteError if the audit table cannot be written either.
    """
    if not run_id:
        raise ValueError("run_id is required")
    db_path = Path(db_path)
    params = resolve_params(params)
    checked_at = utcnow()

    outcomes: list[SuiteOutcome | None] = []
    if suite_names is None:
        names = list_suites(suites_dir)
        if not names:  # an empty suite directory must not look like "all gates passed"
            outcomes.append(failed_outcome("*", "", run_id, checked_at, GATE_LOAD_SUITE,
                                            f"no suite files found in {suites_dir or 'expectations/'}"))
    else:
        names = list(dict.fromkeys(suite_names))  # each suite once, in the order given

    outcomes += [None] * len(names)
    offset = len(outcomes) - len(names)
    to_run: list[tuple[int, Suite]] = []
    for i, name in enumerate(names, start=offset):
        try:
            to_run.append((i, load_suite(name, suites_dir)))
        except SuiteError as exc:
            outcomes[i] = failed_outcome(str(name), "", run_id, checked_at, GATE_LOAD_SUITE, str(exc))
        except Exception as exc:  # noqa: BLE001 - anything else reading the file is still a failed check
            outcomes[i] = failed_outcome(str(name), "", run_id, checked_at, GATE_LOAD_SUITE,
                                          f"{type(exc).__name__}: {exc}")

    if to_run:
        if not db_path.is_file():
            for i, suite in to_run:
                outcomes[i] = failed_outcome(suite.name, suite.table, run_id, checked_at,
                                              GATE_OPEN_DATABASE, f"database file not found: {db_path}")
        else:
            builtin = {i: run_builtin_checks(db_path, suite) for i, suite in to_run}
            gx_part = [(i, replace(suite, expectations=tuple(e for e in suite.expectations
                                                              if e.type not in BUILTIN_TYPES)))
                       for i, suite in to_run]
            run_with_gx(db_path, [(i, suite) for i, suite in gx_part if suite.expectations], outcomes,
                         run_id=run_id, params=params, docs_dir=docs_dir, checked_at=checked_at)
            for i, suite in to_run:
                if outcomes[i] is None:
                    outcomes[i] = SuiteOutcome(suite.name, suite.table, run_id, [], checked_at)
                outcomes[i].results[:0] = builtin[i]

    final = [o for o in outcomes if o is not None]
    for outcome in final:
        (log.warning if outcome.failures else log.info)("%s", outcome.summary())
    if write_audit and db_path.is_file():
        try:
            write_gate_results(db_path, final)
        except Exception as exc:
            raise GateAuditWriteError(f"could not write {AUDIT_TABLE} in {db_path}: {exc}", final) from exc
    return final


def resolve_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Suite parameters with defaults filled in; `as_of` normalised to YYYY-MM-DD."""
    resolved = dict(params or {})
    as_of = resolved.get("as_of")
    if as_of is None:
        as_of = datetime.now(CHINA_TZ).date()
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)  # ValueError on a malformed date: a caller's bug
    if not isinstance(as_of, date):
        raise ValueError(f"as_of must be a date or YYYY-MM-DD, got {as_of!r}")
    resolved["as_of"] = as_of.isoformat()
    return resolved
