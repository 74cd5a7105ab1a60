"""The one Dagster code location: ingest -> calendar -> dbt -> gates (blocking asset checks) -> publish -> report.

`dagster dev` and the headless `credit run` execute this same graph (the CLI runs the `nightly_build` job
in process). Every step writes the same DuckDB file, so the whole graph runs on the in-process executor:
one writer at a time, by construction.
"""

import errno
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets
from pydantic import Field

from dagster_project import gates
from dagster_project.dbt_project import (  # noqa: F401  (CreditDbtCliResource: the `dbt` resource's class)
    CreditDbtCliResource, dbt_environment, dbt_project, dbt_resource,
    forget_reference_data_fingerprint, invocation_target_path, keep_partial_parse, keep_reference_data_fingerprint,
    prepare_manifest, prune_dbt_runs, reference_data_unchanged,
)
from dagster_project.gates.datadocs import make_offline, write_index, write_site_summary
from dagster_project.engines import builds_in_duckdb, check_engine, engine_from_env, spark_available
from dagster_project.spark_mirror import export_environment, mirror_spark_build
from dagster_project.ingest import ingest_drops
from dagster_project.ingest.seeds import DATASETS
from dagster_project.operations import build_operations
from dagster_project.person_key import PersonKeyError, resolve as resolve_person_key
from dagster_project.paths import EXPECTATIONS_DIR
from dagster_project.progress import stage
from dagster_project.publish import publish
from dagster_project.settings import (DEFAULT_DROPS, BuildSettings, connect_duckdb, dbt_build_args, dbt_target_dir,
                                      gate_docs_dir, parse_as_of, warehouse_from_env)
from dagster_project.workdays import write_workday_calendar

# raw.<dataset> for every dataset of the seeds, and ingestion's bookkeeping tables
RAW_TABLES = (*DATASETS, "ingest_ledger", "rejected_rows", "quarantine")
RAW_KEYS = [dg.AssetKey(["raw", t]) for t in RAW_TABLES]
WORKDAY_CALENDAR = dg.AssetKey(["raw", "workday_calendar"])

DBT_MANIFEST = prepare_manifest()
# read once: the owners and freshness of every Python asset come from it (a 2 MB file; was read per asset)
_MANIFEST = json.loads(DBT_MANIFEST.read_text(encoding="utf-8"))


def group_owners(group: str) -> list[str]:
    """The owners of a dbt group (dbt_credit/models/_groups.yml): the one place owners are written; the Python
    assets beside the dbt models take theirs from there, as dagster-dbt does for the models."""
    groups = _MANIFEST.get("groups", {})
    owner = groups.get(f"group.credit.{group}", {}).get("owner") or {}
    return [owner["email"]] if owner.get("email") else []


_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def source_freshness(table: str) -> dg.FreshnessPolicy | None:
    """dbt's source freshness for raw.<table> (dbt_credit/models/staging/_raw__sources.yml and _raw__datasets.yml) as the
    raw asset's Dagster freshness policy: the UI marks the asset late after warn_after and failed after
    error_after without a materialization, as `dbt source freshness` judges the rows' loaded_at."""
    sources = _MANIFEST.get("sources", {})
    freshness = (sources.get(f"source.credit.raw.{table}") or {}).get("freshness") or {}

    def window(key: str) -> timedelta | None:
        w = freshness.get(key) or {}
        return timedelta(seconds=w["count"] * _SECONDS[w["period"]]) if w.get("count") else None

    fail = window("error_after")
    return dg.FreshnessPolicy.time_window(fail_window=fail, warn_window=window("warn_after")) if fail else None


def table_metadata(con, relation: str) -> dict:
    """Row count and column types of one relation, under Dagster's standard keys (dagster/row_count,
    dagster/column_schema): the UI's asset page shows them, as it does for the dbt models."""
    schema, name = relation.split(".")
    columns = con.execute("select column_name, data_type from information_schema.columns where table_schema = ? "
                          "and table_name = ? order by ordinal_position", [schema, name]).fetchall()
    rows = con.execute(f'select count(*) from {schema}."{name}"').fetchall()[0][0]
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/table_name": dg.MetadataValue.text(relation),
        "dagster/column_schema": dg.MetadataValue.table_schema(
            dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in columns])),
    }


class WarehouseResource(dg.ConfigurableResource):
    """The build's settings: `credit run` passes them as this resource's run config; in the UI they are the
    launchpad's resources.warehouse.config. A value left empty is read from the CREDIT_* environment of the
    process running the job (`dagster dev`'s), at run time; nothing is written to it."""

    drops_root: str = Field(default="", description="drops root DIR/<department>/<YYYY-MM-DD>/<file> (empty: CREDIT_DROPS, else the sample drops)")
    warehouse: str = Field(default="", description="the published DuckDB file analysts read (empty: CREDIT_WAREHOUSE, else build/credit.duckdb)")
    as_of: str = Field(default="", description="YYYY-MM-DD fixing 'today' for every date rule (empty: CREDIT_AS_OF, else today)")
    engine: str = Field(default="", description="what runs the dbt models: duckdb, spark or spark_cluster (empty: CREDIT_ENGINE, else duckdb)")

    @classmethod
    def of(cls, settings: BuildSettings) -> "WarehouseResource":
        return cls(drops_root=str(settings.drops_root), warehouse=str(settings.warehouse),
                   as_of=settings.as_of.isoformat(), engine=settings.engine)

    def run_config(self) -> dict:
        """This resource's config as a run's run_config entry (`credit run` passes it to the job)."""
        return {"resources": {"warehouse": {"config": self.model_dump()}}}

    def settings(self) -> BuildSettings:
        return BuildSettings(
            drops_root=Path(self.drops_root or os.environ.get("CREDIT_DROPS") or DEFAULT_DROPS).resolve(),
            warehouse=Path(self.warehouse).resolve() if self.warehouse else warehouse_from_env(),
            as_of=parse_as_of(self.as_of or os.environ.get("CREDIT_AS_OF")),
            engine=check_engine(self.engine) if self.engine else engine_from_env(),
        )


# a transient failure (a file still being copied, a share briefly unreachable) gets two more tries
@dg.multi_asset(
    name="raw_drops",
    specs=[dg.AssetSpec(k, group_name="ingest", description=f"归集层 raw.{k.path[-1]}", kinds={"python", "parquet"},
                        owners=group_owners("intake"), tags={"layer": "raw"},
                        freshness_policy=source_freshness(k.path[-1])) for k in RAW_KEYS],
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30),
    description="归集: every not-yet-loaded file under the drops root, loaded into raw.* with lineage; bad files quarantined with a reason.",
)
def raw_drops(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    stage("归集 ingest")
    s = warehouse.settings()
    if not s.drops_root.is_dir():
        raise dg.Failure(f"报送目录不存在 / drops folder not found: {s.drops_root}", allow_retries=False)
    # the first step of every nightly run (UI, schedule, sensor, `credit run`): a missing or different person
    # key stops the run before it writes anything; the first build records the key's fingerprint
    try:
        resolve_person_key(s.warehouse, record=True)
    except PersonKeyError as e:
        raise dg.Failure(str(e), allow_retries=False) from None
    s.work_db.parent.mkdir(parents=True, exist_ok=True)
    con = connect_duckdb(s.work_db)
    try:
        result = ingest_drops(con, s.drops_root, s.raw_dir, load_id=context.run_id)
        tables = {key: table_metadata(con, ".".join(key.path)) for key in RAW_KEYS}
    except OSError as e:
        if e.errno == errno.ENOSPC:  # a full disk stays full for the next try: fail now, say where
            raise dg.Failure(f"No space left on device: '{e.filename or s.raw_dir}' ({e})",
                             allow_retries=False) from None
        raise
    except Exception as e:
        if "No space left on device" in str(e) or "Could not write" in str(e):  # DuckDB's IO errors
            raise dg.Failure(str(e), allow_retries=False) from e
        raise
    finally:
        con.close()
    context.log.info(result.summary_line())
    # the counts, and this run's quarantines (unknown_department …) and notes: the build summary lists them
    summary = result.metadata()
    for key in RAW_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={
            **tables[key], **(summary if key.path[-1] == "ingest_ledger" else {})})


@dg.asset(key=WORKDAY_CALENDAR, deps=RAW_KEYS, group_name="ingest", kinds={"python", "parquet"},
          owners=group_owners("intake"), tags={"layer": "raw"},
          description="Official working days with 调休 (chinesecalendar) covering every drop date; fails loudly for a year the calendar does not know.")
def workday_calendar(warehouse: WarehouseResource) -> dg.MaterializeResult:
    stage("工作日历 calendar")
    s = warehouse.settings()
    con = connect_duckdb(s.work_db)
    try:
        first, last = write_workday_calendar(con, s.raw_dir, s.as_of)
        table = table_metadata(con, "raw.workday_calendar")
    finally:
        con.close()
    return dg.MaterializeResult(metadata={**table, "first_year": first, "last_year": last})


class CreditDbtTranslator(DagsterDbtTranslator):
    """Models and seeds keyed by schema and name (marts/public_disclosure), as analysts name them."""

    def get_asset_key(self, dbt_resource_props):
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            config = dbt_resource_props.get("config", {})
            schema = config.get("schema") or dbt_resource_props["schema"]
            name = config.get("alias") or dbt_resource_props["name"]
            return dg.AssetKey([schema, name])
        return super().get_asset_key(dbt_resource_props)

    def get_tags(self, dbt_resource_props):
        """dbt's tags, plus the layer (the schema: staging, intermediate, marts, ref, audit, history)."""
        tags = dict(super().get_tags(dbt_resource_props))
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            tags["layer"] = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return tags

    def get_group_name(self, dbt_resource_props):
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return f"dbt_{(dbt_resource_props.get('config', {}).get('schema') or 'models')}"
        return super().get_group_name(dbt_resource_props)


def _run_dbt(context: dg.AssetExecutionContext, dbt: CreditDbtCliResource, warehouse: WarehouseResource):
    stage("dbt 模型 models")
    s = warehouse.settings()
    if s.engine == "spark" and (why := spark_available()):
        raise dg.Failure(why, allow_retries=False)
    # dbt runs as a subprocess; it reads CREDIT_ENGINE (its target), CREDIT_WAREHOUSE and CREDIT_RAW_DIR (its
    # profile, Spark's raw tables), CREDIT_AS_OF (macro as_of()), CREDIT_PERSON_KEY and
    # CREDIT_DUCKDB_MEMORY_LIMIT from the environment built here, for its process alone
    try:
        env = dbt_environment(s)
    except PersonKeyError as e:  # a dbt step started on its own (the UI) is guarded too
        raise dg.Failure(str(e), allow_retries=False) from None
    if not builds_in_duckdb(s.engine):  # Spark exports the published schemas as the build's last step
        env.update(export_environment(s.warehouse))
    full_refresh = context.run.tags.get("credit/full_refresh") == "true"
    target = dbt_target_dir(s.warehouse)
    # The seeds (reference data) change with the code, not with the drops: a whole night leaves them and their
    # tests out when the working database holds them as the code defines them (dbt_project.reference_data_*);
    # a subset run from the UI builds what was selected. Spark keeps its tables elsewhere: it always loads them.
    keep_seeds = (builds_in_duckdb(s.engine) and not full_refresh and not context.is_subset
                  and reference_data_unchanged(_MANIFEST, target, s.work_db))
    if keep_seeds:
        context.log.info("参考数据未变 / reference data (dbt seeds) unchanged since the last build: "
                         "not reloaded, their tests not re-run")
    else:
        forget_reference_data_fingerprint(target)
    # artifacts in <warehouse>.dbt/target/<step>-<run>-<id>/
    invocation = dbt.cli(dbt_build_args(full_refresh=full_refresh, keep_reference_data=keep_seeds),
                         context=context, env=env, target_path=invocation_target_path(context, s.warehouse))
    yield from _events_with_table_metadata(invocation)
    if builds_in_duckdb(s.engine) and not keep_seeds and not context.is_subset and invocation.is_successful():
        keep_reference_data_fingerprint(_MANIFEST, target)
    keep_partial_parse(invocation.target_path, target)  # the next step and the next night parse warm
    prune_dbt_runs(target)
    if not builds_in_duckdb(s.engine):
        # the gates and publish read the working DuckDB database: bring Spark's marts there
        counts = mirror_spark_build(s)
        context.log.info(f"Spark build mirrored into {s.work_db}: {len(counts)} tables, {sum(counts.values()):,} rows")


RELATION_METADATA = "credit.relation_metadata "  # the line macros/relation_metadata.sql logs after each node


def _events_with_table_metadata(invocation):
    """dbt's events as they stream, each model's, seed's and snapshot's materialization with its column types
    and (tables only) row count under Dagster's standard keys (dagster/column_schema, dagster/row_count,
    dagster/table_name), so the UI's Columns table and row-count chart are filled.

    dbt reports them itself: a project post-hook (macros/relation_metadata.sql) logs one line per node, which
    arrives before that node's result. The events are written as dbt goes, alongside it: DuckDB admits one
    writing process, so reading the working database here would mean holding every event of the night until
    dbt exits. Not dagster-dbt's fetch_column_metadata(): through dbt's adapter it reports every VARCHAR as
    "character varying(256)", a length DuckDB does not have. Spark builds get neither (the macro is DuckDB's)."""
    reported: dict[str, dict] = {}
    for event in invocation.stream_raw_events():
        info = event.raw_event.get("info", {})
        message = info.get("msg") or ""
        if info.get("name") == "JinjaLogInfo" and message.startswith(RELATION_METADATA):
            report = json.loads(message[len(RELATION_METADATA):])
            meta = {"dagster/column_schema": dg.MetadataValue.table_schema(dg.TableSchema(
                        columns=[dg.TableColumn(name, data_type) for name, data_type in report["columns"]])),
                    "dagster/table_name": dg.MetadataValue.text(report["relation"])}
            if report.get("row_count") is not None:
                meta["dagster/row_count"] = dg.MetadataValue.int(int(report["row_count"]))
            reported[report["unique_id"]] = meta
            continue
        for out in event.to_default_asset_events(
                manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=invocation.context, target_path=invocation.target_path, project=invocation.project):
            if isinstance(out, (dg.Output, dg.AssetMaterialization)) and "unique_id" in out.metadata:
                extra = reported.pop(out.metadata["unique_id"].value, None)
                if extra:
                    out = out.with_metadata({**out.metadata, **extra})
            yield out


# One dbt invocation a night (one dbt start, one parse): dbt build orders every model, seed, snapshot and test
# itself. The incremental models (tag row_incremental) are backfilled or fully refreshed on their own by selecting
# them in the UI (a subset run: dagster-dbt passes the selection), with the tag credit/full_refresh=true.
@dbt_assets(manifest=DBT_MANIFEST, project=dbt_project, dagster_dbt_translator=CreditDbtTranslator(), name="credit_dbt")
def credit_dbt(context: dg.AssetExecutionContext, dbt: CreditDbtCliResource, warehouse: WarehouseResource):
    yield from _run_dbt(context, dbt, warehouse)


def _gate_check(suite: gates.Suite) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(suite.table.split("."))

    @dg.asset_check(asset=asset_key, name=f"gate_{suite.name}", blocking=True,
                    description=f"Great Expectations suite expectations/{suite.path.name} on {suite.table}")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        stage(f"闸门 gate {suite.name}")
        s = warehouse.settings()
        # CREDIT_EXPECTATIONS_DIR lets an operator (or a test) point the gates at another copy of the suites;
        # a suite missing there is a failed check, never a skipped one
        suites_dir = Path(os.environ.get("CREDIT_EXPECTATIONS_DIR", str(EXPECTATIONS_DIR)))
        # Great Expectations Data Docs of the last run, one site per suite: <warehouse>.gate-docs/<suite>/
        docs_dir = gate_docs_dir(s.warehouse) / suite.name
        shutil.rmtree(docs_dir, ignore_errors=True)
        params = {"as_of": s.as_of.isoformat()}

        def run_suite():
            return gates.run_suites(s.work_db, [suite.name], run_id=context.run.run_id, suites_dir=suites_dir,
                                    docs_dir=docs_dir, params=params)[0]

        outcome = run_suite()
        held = []
        # hold the record, not the night: rows a blocking check blames are held and the suite checked again
        blamed = gates.blamed_records(s.work_db, suite, outcome, params)
        if blamed:
            held = gates.hold_records(s.work_db, suite, blamed, run_id=context.run.run_id)
            context.log.warning(f"{suite.table}: {len(held)} record(s) held by the gate: "
                                + ", ".join(f"{h.record_id} ({h.reasons})" for h in held[:20]))
            outcome = run_suite()
        failed = [r for r in outcome.results if not r.success]
        # the site opens offline; one index over every suite (<warehouse>.gate-docs/index.html)
        make_offline(docs_dir)
        write_site_summary(docs_dir, {
            "suite": suite.name, "table": suite.table, "passed": not failed, "blocking_failed": outcome.blocking_failed,
            "expectations": len(outcome.results), "failed": len(failed), "held_records": len(held),
            "checked_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"), "run_id": context.run.run_id})
        index = write_index(gate_docs_dir(s.warehouse))
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocking_failed else dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(outcome.results),
                "failed": len(failed),
                "held_records": len(held),
                "held": dg.MetadataValue.json([h.__dict__ for h in held[:200]]),
                "data_docs": dg.MetadataValue.path(str(docs_dir / "index.html")),
                "data_docs_index": dg.MetadataValue.path(str(index)),
                "failures": dg.MetadataValue.md("\n".join(
                    f"- [{r.severity}] {r.expectation_type} {r.kwargs_json}: {r.observed_value or r.error}" for r in failed
                ) or "none"),
            },
        )

    return _check


gate_checks = [_gate_check(suite) for suite in gates.discover_suites(EXPECTATIONS_DIR)]



@dg.asset(
    key="published_warehouse",
    deps=[dg.AssetKey(["marts", n]) for n in ("dim_entity", "fct_credit_record", "public_disclosure",
                                              "dual_disclosure_compliance", "fct_rectification_item")]
         + [dg.AssetKey(["audit", "reconciliation"])],
    group_name="publish", kinds={"python", "duckdb"}, owners=group_owners("credit_archive"), tags={"layer": "published"},
    description="The DuckDB file analysts and the website read: tonight's marts, swapped in atomically after every blocking gate passed.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    stage("发布 publish")
    s = warehouse.settings()
    result = publish(s.warehouse, run_id=context.run_id, as_of=s.as_of)
    return dg.MaterializeResult(metadata={
        "path": str(result.warehouse), **{t: n for t, n in result.tables.items() if t.startswith("marts.")}
    })


nightly_build = dg.define_asset_job(
    "nightly_build",
    selection=dg.AssetSelection.all() - dg.AssetSelection.keys("monthly_report"),
    description="One nightly build: ingest new drops, rebuild, gate, publish.",
    tags={"credit/kind": "nightly"},
)

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2025-01-01", timezone="Asia/Shanghai")


@dg.asset(key="monthly_report", deps=["published_warehouse"], partitions_def=monthly_partitions,
          group_name="report", kinds={"python", "pdf", "excel"}, owners=group_owners("compliance"),
          tags={"layer": "report"},
          description="The monthly 通报 (HTML, PDF, Excel) and each department's 整改清单, as a draft (（草稿）, "
                      "with correction lines for months already issued); issuing it is `credit report --issue`.")
def monthly_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from dagster_project.report.issuance import report_month

    s = warehouse.settings()
    month = context.partition_key[:7]
    out_dir = s.warehouse.parent / "reports" / month
    result = report_month(s.warehouse, month, out_dir, as_of=s.as_of)
    return dg.MaterializeResult(metadata={"out_dir": str(out_dir), "files": str(result.files), "draft": True,
                                          "corrections": len(result.corrections)})


gate_and_publish = dg.define_asset_job(
    "gate_and_publish",
    selection=dg.AssetSelection.keys("published_warehouse")
    | dg.AssetSelection.checks(*[key for c in gate_checks for key in c.check_keys]),
    description="Re-run every gate on the current working build and publish it if they pass (no ingest, no dbt).",
)

monthly_report_job = dg.define_asset_job(
    "monthly_report_job", selection=dg.AssetSelection.keys("monthly_report"), partitions_def=monthly_partitions,
    description="The monthly 通报 for one month (partition).",
)
schedules, sensors = build_operations(nightly_build, monthly_report_job)

defs = dg.Definitions(
    assets=[raw_drops, workday_calendar, credit_dbt, published_warehouse,
            monthly_report],
    asset_checks=gate_checks,
    jobs=[nightly_build, gate_and_publish, monthly_report_job],
    schedules=schedules,
    sensors=sensors,
    resources={
        "dbt": dbt_resource(),
        "warehouse": WarehouseResource(),
    },
    executor=dg.in_process_executor,
)
