"""The Great Expectations part of a gate run: an ephemeral GX context, one SQL datasource per suite on the DuckDB
file, per-column templates expanded against the live table, GX's validation results turned into ours, and the
Data Docs site. Great Expectations is imported here only when a suite runs."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from dagster_project.gates.masking import mask_text, scrub_result
from dagster_project.gates.results import (
    GATE_IMPORT_GX,
    GATE_RUN_SUITE,
    GATE_TABLE_EXISTS,
    GateResult,
    SuiteOutcome,
    failed,
    failed_outcome,
    jsonable,
)
from dagster_project.gates.suites import GX_SEVERITY, ExpectationSpec, Suite, expand_spec

log = logging.getLogger(__name__)

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
DOCS_SITE_NAME = "credit_gates"


def run_with_gx(
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
            outcomes[i] = failed_outcome(suite.name, suite.table, run_id, checked_at, GATE_IMPORT_GX,
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
            outcome.results.append(failed(suite, GATE_TABLE_EXISTS, {"table": suite.table},
                                           f"table {suite.table} does not exist in {db_path.name}"))
            return outcome, False

        # Expand per-column templates against the live table and build the GX expectations.
        concrete: dict[str, ExpectationSpec] = {}
        expectations = []
        for index, spec in enumerate(suite.expectations):
            expanded = expand_spec(spec, columns)
            if not expanded:
                outcome.results.append(failed(
                    suite, spec.type, {**spec.kwargs, "for_each_column": spec.for_each_column},
                    f"for_each_column matched no column of {suite.table} "
                    f"(types {spec.for_each_column['data_types']}); the check could not run",
                ))
                continue
            for sub, concrete_spec in enumerate(expanded):
                key = f"{index}.{sub}"
                missing = sorted(_parameter_names(concrete_spec.kwargs) - set(params))
                if missing:
                    outcome.results.append(failed(suite, concrete_spec.type, concrete_spec.kwargs,
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
                    outcome.results.append(failed(suite, concrete_spec.type, concrete_spec.kwargs,
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
            evr.result = scrub_result(evr.result or {})
            key = (evr.expectation_config.meta or {}).get("gate_key")
            spec = concrete.get(key)
            if spec is None:
                continue
            seen.add(key)
            outcome.results.append(_from_evr(suite, spec, evr))
        for key, spec in concrete.items():
            if key not in seen:
                outcome.results.append(failed(suite, spec.type, spec.kwargs,
                                               "Great Expectations returned no result for this expectation",
                                               declared=spec.severity))
        stored = False
        if store_for_docs:
            stored = _store_for_docs(context, suite, validation, batch, run_id, checked_at)
        return outcome, stored
    except Exception as exc:  # noqa: BLE001 - the suite could not run: a failed check, not a crash
        log.exception("suite %s could not run", suite.name)
        outcome.results.append(failed(suite, GATE_RUN_SUITE, {"table": suite.table},
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
        kwargs=jsonable(kwargs),
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
    return mask_text("; ".join(messages))[:2000] if messages else None


def _observed(result: Mapping[str, Any] | None) -> Any:
    if not result:
        return None
    if "observed_value" in result:
        return jsonable(result["observed_value"])
    keys = ("element_count", "unexpected_count", "unexpected_percent", "missing_count", "partial_unexpected_list")
    summary = {k: result[k] for k in keys if k in result}
    return jsonable(summary) if summary else None
