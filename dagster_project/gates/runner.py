"""Run suites against the DuckDB warehouse with Great Expectations and record the results.

A check that could not run is a failed result, never a pass: a missing or invalid suite file,
a missing database or table, a GX import error, an expectation GX could not evaluate. Such a
result always has severity `fail` (whatever the file declared) and carries the error text.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from dagster_project.gates.suites import (
    GX_SEVERITY,
    ExpectationSpec,
    Suite,
    SuiteError,
    expand_spec,
    list_suites,
    load_suite,
)

log = logging.getLogger(__name__)

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

# Synthetic expectation types for checks that could not run at all.
GATE_LOAD_SUITE = "gate.load_suite"
GATE_OPEN_DATABASE = "gate.open_database"
GATE_IMPORT_GX = "gate.import_gx"
GATE_TABLE_EXISTS = "gate.table_exists"
GATE_RUN_SUITE = "gate.run_suite"

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
DOCS_SITE_NAME = "credit_gates"
CHINA_TZ = timezone(timedelta(hours=8))

MAX_SAMPLE_CHARS = 200
# Checks of our own, run in Python rather than by GX: the privacy scan uses the one ID-number definition
# (dagster_project/pii.py: shape, birth date, check character), which no regex alone can express.
NO_ID_NUMBERS = "expect_table_to_hold_no_id_numbers"
BUILTIN_TYPES = frozenset({NO_ID_NUMBERS})


@dataclass(frozen=True)
class GateResult:
    suite_name: str
    table_name: str
    expectation_type: str
    kwargs: dict[str, Any]
    severity: str  # fail | warn
    success: bool
    observed_value: Any = None  # JSON-able
    error: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "fail" and not self.success

    @property
    def kwargs_json(self) -> str:
        return _dumps(self.kwargs)

    @property
    def observed_value_json(self) -> str | None:
        return None if self.observed_value is None else _dumps(self.observed_value)


@dataclass
class SuiteOutcome:
    suite_name: str
    table_name: str
    run_id: str
    results: list[GateResult]
    checked_at: datetime = field(default_factory=lambda: _utcnow())

    @property
    def blocking_failed(self) -> bool:
        """True when any `fail`-severity expectation failed (or could not run)."""
        return any(r.blocking for r in self.results)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def failures(self) -> list[GateResult]:
        return [r for r in self.results if not r.success]

    @property
    def warnings(self) -> list[GateResult]:
        return [r for r in self.results if not r.success and r.severity == "warn"]

    def summary(self) -> str:
        failed = self.failures
        state = "BLOCKED" if self.blocking_failed else ("WARN" if failed else "OK")
        lines = [f"{self.suite_name} ({self.table_name}): {state}, {len(self.results) - len(failed)}/{len(self.results)} passed"]
        for r in failed:
            what = r.kwargs.get("column") or r.kwargs.get("column_list") or ""
            detail = r.error or _dumps(r.observed_value)
            lines.append(f"  [{r.severity}] {r.expectation_type} {what}: {detail}"[:400])
        return "\n".join(lines)


class GateBlocked(RuntimeError):
    """Raised by `raise_if_blocked` when a blocking expectation failed."""

    def __init__(self, outcomes: list[SuiteOutcome]):
        self.outcomes = outcomes
        blocked = [o for o in outcomes if o.blocking_failed]
        super().__init__("quality gate blocked publication:\n" + "\n".join(o.summary() for o in blocked))


class GateAuditWriteError(RuntimeError):
    """The results could not be written to audit.gate_results; `.outcomes` still holds them."""

    def __init__(self, message: str, outcomes: list[SuiteOutcome]):
        super().__init__(message)
        self.outcomes = outcomes


def raise_if_blocked(outcomes: Iterable[SuiteOutcome]) -> None:
    outcomes = list(outcomes)
    if any(o.blocking_failed for o in outcomes):
        raise GateBlocked(outcomes)


# --------------------------------------------------------------------------- public entry points


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
    checked_at = _utcnow()

    outcomes: list[SuiteOutcome | None] = []
    if suite_names is None:
        names = list_suites(suites_dir)
        if not names:  # an empty suite directory must not look like "all gates passed"
            outcomes.append(_failed_outcome("*", "", run_id, checked_at, GATE_LOAD_SUITE,
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
            outcomes[i] = _failed_outcome(str(name), "", run_id, checked_at, GATE_LOAD_SUITE, str(exc))
        except Exception as exc:  # noqa: BLE001 - anything else reading the file is still a failed check
            outcomes[i] = _failed_outcome(str(name), "", run_id, checked_at, GATE_LOAD_SUITE,
                                          f"{type(exc).__name__}: {exc}")

    if to_run:
        if not db_path.is_file():
            for i, suite in to_run:
                outcomes[i] = _failed_outcome(suite.name, suite.table, run_id, checked_at,
                                              GATE_OPEN_DATABASE, f"database file not found: {db_path}")
        else:
            builtin = {i: _run_builtin(db_path, suite) for i, suite in to_run}
            gx_part = [(i, replace(suite, expectations=tuple(e for e in suite.expectations
                                                              if e.type not in BUILTIN_TYPES)))
                       for i, suite in to_run]
            _run_with_gx(db_path, [(i, suite) for i, suite in gx_part if suite.expectations], outcomes,
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


# --------------------------------------------------------------------------- our own checks


def _run_builtin(db_path: Path, suite: Suite) -> list[GateResult]:
    results = []
    for spec in suite.expectations:
        if spec.type != NO_ID_NUMBERS:
            continue
        key = spec.kwargs.get("key_column")
        try:
            offenders = id_number_offenders(db_path, suite.table, key)
        except LookupError as exc:  # the table is missing: GX's part reports it, else this result does
            if all(e.type in BUILTIN_TYPES for e in suite.expectations):
                results.append(_failed(suite, GATE_TABLE_EXISTS, {"table": suite.table}, str(exc)))
            return results
        except Exception as exc:  # noqa: BLE001 - a scan that could not run is a failed check
            results.append(_failed(suite, spec.type, spec.kwargs, f"{type(exc).__name__}: {exc}"))
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
    import duckdb

    from dagster_project import pii

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
        pattern = pii.spelling()["pattern"]
        key_sql = f'"{key_column}"' if key_column else "cast(rowid as varchar)"
        offenders: dict[str, list[str]] = {}
        for column in text_columns:
            rows = con.execute(
                f'select {key_sql}, "{column}" from {schema}."{name}" where regexp_matches("{column}", ?)',
                [pattern]).fetchall()
            for key, value in rows:
                if pii.contains_id_number(value):
                    offenders.setdefault(str(key), []).append(column)
        return offenders
    finally:
        con.close()


# --------------------------------------------------------------------------- GX part


def _run_with_gx(
    db_path: Path,
    to_run: list[tuple[int, Suite]],
    outcomes: list[SuiteOutcome | None],
    *,
    run_id: str,
    params: dict[str, Any],
    docs_dir: Path | None,
    checked_at: datetime,
) -> None:
    try:
        context = _make_context(docs_dir)
    except Exception as exc:  # noqa: BLE001 - ImportError and any GX start-up failure alike
        for i, suite in to_run:
            outcomes[i] = _failed_outcome(suite.name, suite.table, run_id, checked_at, GATE_IMPORT_GX,
                                          f"Great Expectations unavailable: {type(exc).__name__}: {exc}")
        return

    stored_any = False
    for i, suite in to_run:
        outcome, stored = _validate_suite(context, db_path, suite, run_id=run_id, params=params,
                                          checked_at=checked_at, store_for_docs=docs_dir is not None)
        outcomes[i] = outcome
        stored_any = stored_any or stored

    if docs_dir is not None:
        try:
            Path(docs_dir).mkdir(parents=True, exist_ok=True)
            context.build_data_docs(site_names=[DOCS_SITE_NAME])
        except Exception:  # noqa: BLE001 - docs are a by-product; the results already stand
            log.exception("could not build Data Docs in %s", docs_dir)


def _make_context(docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name=DOCS_SITE_NAME,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(Path(docs_dir).resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _validate_suite(
    context: Any,
    db_path: Path,
    suite: Suite,
    *,
    run_id: str,
    params: dict[str, Any],
    checked_at: datetime,
    store_for_docs: bool,
) -> tuple[SuiteOutcome, bool]:
    from dagster_project.gates import gx_duckdb

    outcome = SuiteOutcome(suite.name, suite.table, run_id, [], checked_at)
    datasource = None
    try:
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        datasource = context.data_sources.add_sql(
            name=f"gate__{suite.name}", connection_string=f"duckdb:///{db_path.resolve()}"
        )
        engine = gx_duckdb.prepare_execution_engine(datasource, suite.schema_name)
        columns = gx_duckdb.table_columns(engine, suite.schema_name, suite.table_name)
        if not columns:
            outcome.results.append(_failed(suite, GATE_TABLE_EXISTS, {"table": suite.table},
                                           f"table {suite.table} does not exist in {db_path.name}"))
            return outcome, False

        # Expand per-column templates against the live table and build the GX expectations.
        concrete: dict[str, ExpectationSpec] = {}
        expectations = []
        for index, spec in enumerate(suite.expectations):
            expanded = expand_spec(spec, columns)
            if not expanded:
                outcome.results.append(_failed(
                    suite, spec.type, {**spec.kwargs, "for_each_column": spec.for_each_column},
                    f"for_each_column matched no column of {suite.table} "
                    f"(types {spec.for_each_column['data_types']}); the check could not run",
                ))
                continue
            for sub, concrete_spec in enumerate(expanded):
                key = f"{index}.{sub}"
                missing = sorted(_parameter_names(concrete_spec.kwargs) - set(params))
                if missing:
                    outcome.results.append(_failed(suite, concrete_spec.type, concrete_spec.kwargs,
                                                   f"no value given for suite parameter(s) {missing}",
                                                   declared=concrete_spec.severity))
                    continue
                try:
                    config = ExpectationConfiguration(
                        type=concrete_spec.type,
                        kwargs=concrete_spec.kwargs,
                        meta={**concrete_spec.meta, "gate_key": key},
                        severity=GX_SEVERITY[concrete_spec.severity],
                    )
                    expectations.append(config.to_domain_obj())
                    concrete[key] = concrete_spec
                except Exception as exc:  # noqa: BLE001 - an invalid expectation is a failed check
                    outcome.results.append(_failed(suite, concrete_spec.type, concrete_spec.kwargs,
                                                   f"invalid expectation: {type(exc).__name__}: {exc}",
                                                   declared=concrete_spec.severity))
        if not expectations:
            return outcome, False

        gx_suite = context.suites.add(
            gx.ExpectationSuite(name=suite.name, expectations=expectations,
                                meta={"table": suite.table, **{k: v for k, v in suite.meta.items() if k != "table"}})
        )
        asset = datasource.add_table_asset(name=suite.table_name, table_name=suite.table_name,
                                           schema_name=suite.schema_name)
        batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
        validation = batch.validate(gx_suite, result_format=RESULT_FORMAT, expectation_parameters=params)

        seen = set()
        for evr in validation.results:
            evr.result = _scrub(evr.result or {})
            key = (evr.expectation_config.meta or {}).get("gate_key")
            spec = concrete.get(key)
            if spec is None:
                continue
            seen.add(key)
            outcome.results.append(_from_evr(suite, spec, evr))
        for key, spec in concrete.items():
            if key not in seen:
                outcome.results.append(_failed(suite, spec.type, spec.kwargs,
                                               "Great Expectations returned no result for this expectation",
                                               declared=spec.severity))
        stored = False
        if store_for_docs:
            stored = _store_for_docs(context, suite, validation, batch, run_id, checked_at)
        return outcome, stored
    except Exception as exc:  # noqa: BLE001 - the suite could not run: a failed check, not a crash
        log.exception("suite %s could not run", suite.name)
        outcome.results.append(_failed(suite, GATE_RUN_SUITE, {"table": suite.table},
                                       f"{type(exc).__name__}: {exc}"))
        return outcome, False
    finally:
        try:
            gx_duckdb.dispose(datasource)
        except Exception:  # noqa: BLE001
            log.exception("could not close the GX engines of suite %s", suite.name)


def _store_for_docs(context: Any, suite: Suite, validation: Any, batch: Any, run_id: str,
                    checked_at: datetime) -> bool:
    try:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        rid = RunIdentifier(run_name=run_id, run_time=checked_at.replace(tzinfo=timezone.utc))
        validation.meta["run_id"] = rid
        validation.meta["validation_time"] = rid.run_time
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=rid,
            batch_identifier=batch.id,
        )
        context.validation_results_store.set(key, validation)
        return True
    except Exception:  # noqa: BLE001 - docs only
        log.exception("could not store the results of %s for Data Docs", suite.name)
        return False


def _from_evr(suite: Suite, spec: ExpectationSpec, evr: Any) -> GateResult:
    kwargs = {k: v for k, v in dict(evr.expectation_config.kwargs).items() if k != "batch_id"}
    error = _exception_text(evr.exception_info)
    success = bool(evr.success) and error is None
    severity = spec.severity
    if error is not None and severity != "fail":
        error = f"{error} (declared severity {severity}; a check that could not run counts as fail)"
        severity = "fail"
    return GateResult(
        suite_name=suite.name,
        table_name=suite.table,
        expectation_type=spec.type,
        kwargs=_jsonable(kwargs),
        severity=severity,
        success=success,
        observed_value=_observed(evr.result),
        error=error,
    )


def _parameter_names(value: Any) -> set[str]:
    """Names used as {"$PARAMETER": name} anywhere in kwargs."""
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"} and isinstance(value["$PARAMETER"], str):
            return {value["$PARAMETER"]}
        return set().union(*(_parameter_names(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_parameter_names(v) for v in value)) if value else set()
    return set()


def _exception_text(info: Any) -> str | None:
    """GX reports errors either flat or keyed by metric id; collect every raised message."""
    if not info:
        return None
    messages: list[str] = []
    candidates = [info] + [v for v in info.values() if isinstance(v, dict)]
    for entry in candidates:
        if entry.get("raised_exception"):
            msg = entry.get("exception_message") or "unknown error"
            if msg not in messages:
                messages.append(str(msg))
    return _mask_text("; ".join(messages))[:2000] if messages else None


def _observed(result: Mapping[str, Any] | None) -> Any:
    if not result:
        return None
    if "observed_value" in result:
        return _jsonable(result["observed_value"])
    keys = ("element_count", "unexpected_count", "unexpected_percent", "missing_count", "partial_unexpected_list")
    summary = {k: result[k] for k in keys if k in result}
    return _jsonable(summary) if summary else None


# --------------------------------------------------------------------------- helpers


def _failed(suite: Suite, expectation_type: str, kwargs: Mapping[str, Any], error: str,
            declared: str | None = None) -> GateResult:
    if declared and declared != "fail":
        error = f"{error} (declared severity {declared}; a check that could not run counts as fail)"
    return GateResult(suite.name, suite.table, expectation_type, _jsonable(dict(kwargs)), "fail",
                      False, None, _mask_text(error))


def _failed_outcome(suite_name: str, table: str, run_id: str, checked_at: datetime,
                    expectation_type: str, error: str) -> SuiteOutcome:
    result = GateResult(suite_name, table, expectation_type, {}, "fail", False, None, _mask_text(error))
    return SuiteOutcome(suite_name, table, run_id, [result], checked_at)


def _mask_text(text: str) -> str:
    """Samples of unexpected values are scrubbed before they reach the audit table or Data Docs, so a gate
    never republishes an ID number."""
    from dagster_project import pii

    return pii.scrub(text)


def _scrub(obj: Any) -> Any:
    """Mask ID numbers in, and shorten, every string of a GX result (samples of unexpected values)."""
    if isinstance(obj, str):
        masked = _mask_text(obj)
        return masked if len(masked) <= MAX_SAMPLE_CHARS else masked[:MAX_SAMPLE_CHARS] + "…"
    if isinstance(obj, dict):
        return {k: _scrub(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_scrub(v) for v in obj]
    return obj


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=_json_default))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


# --------------------------------------------------------------------------- audit table


def write_gate_results(db_path: Path, outcomes: list[SuiteOutcome]) -> int:
    """Write the results to audit.gate_results (replacing rows of the same run_id and suite)."""
    import duckdb

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
