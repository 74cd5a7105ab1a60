"""The product end to end: `credit run` over the committed sample, the CLI's failure paths, the Dagster
definitions, idempotent re-runs, the one-writer lock and atomic publication."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.dbt_project import reference_data_fingerprint, reference_data_unchanged
from dagster_project.definitions import DBT_MANIFEST
from dagster_project.settings import dbt_build_args, dbt_target_dir, history_dir, lock_path, work_db_path

MANIFEST = json.loads(DBT_MANIFEST.read_text(encoding="utf-8"))  # the manifest the dbt assets are defined from

CONTRACT = {
    "dim_entity": ["entity_id", "entity_type", "uscc", "entity_name"],
    "fct_credit_record": ["record_id", "entity_id", "dataset", "decision_no", "decision_date", "authority",
                          "department", "fine_amount_wan", "disclosure_status"],
    "public_disclosure": ["record_id", "entity_id", "disclosure_from", "disclosure_until"],
    "dual_disclosure_compliance": ["department", "month", "dataset", "records", "compliant_records",
                                   "compliance_rate", "late_records", "late_rate", "code_error_records",
                                   "code_error_rate"],
}


def test_sample_build_publishes_the_contract_tables(published_con):
    for table, columns in CONTRACT.items():
        cols = {r[0] for r in published_con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
            [table]).fetchall()}
        assert set(columns) <= cols, f"marts.{table} misses {set(columns) - cols}"
        assert published_con.execute(f"select count(*) from marts.{table}").fetchall()[0][0] > 0, table


def test_published_file_holds_marts_not_the_raw_layer(published_con):
    schemas = {r[0] for r in published_con.execute("select distinct table_schema from information_schema.tables").fetchall()}
    assert schemas == {"marts", "audit", "history"}
    assert published_con.execute("select as_of from audit.build_info").fetchall() == [(date(2026, 11, 22),)]


def test_run_summary_reports_ingest_and_gates(sample_build):
    _, summary = sample_build
    ingest = summary["assets"]["raw/ingest_ledger"]
    assert ingest["files_loaded"] > 0 and ingest["files_quarantined"] > 0
    gates = {k: v for k, v in summary["checks"].items() if k.startswith("gate_")}
    assert len(gates) >= 7
    assert all(not v.startswith("FAILED (ERROR)") for v in gates.values())


def test_rerun_of_the_same_night_adds_nothing(sample_build, tmp_path):
    # on a private copy of the whole warehouse (databases, raw layer, history, Dagster instance, drops): the session's
    # sample warehouse is read by other modules that expect exactly the one run that built it
    source, _ = sample_build
    for path in [source.parent / "drops", *source.parent.glob(source.name + "*")]:
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, tmp_path / path.name)
    warehouse = tmp_path / source.name
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    before = {t: con.execute(f"select count(*) from raw.{t}").fetchall()[0][0]
              for t in ("penalty", "license", "ingest_ledger", "quarantine", "rejected_rows")}
    con.close()
    drops = warehouse.parent / "drops"
    summary = cli.run_build(drops, warehouse, "2026-11-22")
    ingest = summary["assets"]["raw/ingest_ledger"]
    assert ingest["files_loaded"] == 0 and ingest["rows_loaded"] == 0
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    after = {t: con.execute(f"select count(*) from raw.{t}").fetchall()[0][0] for t in before}
    con.close()
    assert after == before
    assert len(list(history_dir(warehouse).glob("*.duckdb"))) >= 1  # yesterday's build was kept
    # the seeds did not change since the first night: not reloaded, their tests not re-run; every model's test ran
    first_checks = sample_build[1]["checks"]
    seed_tests = {n["name"] for n in MANIFEST["nodes"].values()
                  if n["resource_type"] == "test" and n["original_file_path"].startswith("seeds/")}
    assert len(seed_tests) > 50 and seed_tests <= set(first_checks)
    assert not seed_tests & set(summary["checks"])
    assert summary["checks"] == {k: v for k, v in first_checks.items() if k not in seed_tests}
    assert "ref/code_lists" not in summary["assets"] and "ref/code_lists" in sample_build[1]["assets"]


def test_reference_data_is_reloaded_when_anything_it_is_made_of_changes(sample_build, tmp_path):
    """The fingerprint that lets a night leave the seeds out changes with a seed's CSV, its config, a test on
    it, a macro that test calls, and dbt's version; and the seeds are reloaded when a seed table is missing."""
    import copy

    warehouse, _ = sample_build
    target, work_db = dbt_target_dir(warehouse), work_db_path(warehouse)
    assert reference_data_unchanged(MANIFEST, target, work_db)
    base = reference_data_fingerprint(MANIFEST)

    def changed(edit) -> bool:
        manifest = copy.deepcopy(MANIFEST)
        edit(manifest)
        return reference_data_fingerprint(manifest) != base and not reference_data_unchanged(manifest, target, work_db)

    nodes = MANIFEST["nodes"]
    seed = "seed.credit.code_lists"
    seed_test = next(u for u, n in nodes.items() if n["resource_type"] == "test" and n["original_file_path"]
                     .startswith("seeds/") and "dataset_in_seed" in n["depends_on"]["macros"][0])
    macro = nodes[seed_test]["depends_on"]["macros"][0]
    assert changed(lambda m: m["nodes"][seed]["checksum"].update(checksum="0" * 64))
    assert changed(lambda m: m["nodes"][seed]["config"].update(column_types={"code": "varchar"}))
    assert changed(lambda m: m["nodes"][seed_test]["test_metadata"]["kwargs"].update(also=["none"]))
    assert changed(lambda m: m["macros"][macro].update(macro_sql=m["macros"][macro]["macro_sql"] + " "))
    assert changed(lambda m: m["metadata"].update(dbt_version="9.9.9"))
    # a model's change is the night's business, not the reference data's
    model = "model.credit.int_records"
    manifest = copy.deepcopy(MANIFEST)
    manifest["nodes"][model]["checksum"]["checksum"] = "0" * 64
    assert reference_data_fingerprint(manifest) == base
    # a seed table missing from the working database (dropped by hand, a restored file): reloaded
    manifest = copy.deepcopy(MANIFEST)
    manifest["nodes"]["seed.credit.not_built"] = {**nodes[seed], "name": "not_built", "alias": "not_built",
                                                 "original_file_path": "seeds/not_built.csv"}
    assert not reference_data_unchanged(manifest, target, work_db)
    # no fingerprint kept (a new warehouse; a build that failed after it started loading them): reloaded
    assert not reference_data_unchanged(MANIFEST, tmp_path, work_db)


@pytest.mark.parametrize("argv, needle", [
    (["run", "--drops", "/nonexistent/drops", "--warehouse", "{tmp}/w.duckdb"], "drops folder not found"),
    # a missing warehouse folder is created (test_dagster_instance.py); one that cannot be is a clear line
    (["run", "--drops", "{tmp}", "--warehouse", "/dev/null/dir/w.duckdb"], "cannot create the warehouse folder"),
    (["report", "--month", "2026-10", "--warehouse", "{tmp}/missing.duckdb", "--out", "{tmp}/r"], "warehouse not found"),
])
def test_cli_user_errors_are_one_clear_line(tmp_path, capsys, argv, needle):
    code = cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [
    ["run", "--drops", ".", "--warehouse", "w.duckdb", "--as-of", "2026-13-01"],
    ["report", "--month", "2026/10", "--warehouse", "w.duckdb", "--out", "r"],
])
def test_cli_rejects_bad_dates(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_console_script_failure_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dagster_project.cli", "run", "--drops", str(tmp_path / "nope"),
                             "--warehouse", str(tmp_path / "w.duckdb")], capture_output=True, text=True)
    assert result.returncode == cli.EXIT_USAGE
    assert result.stderr.strip().startswith("credit: ") and "Traceback" not in result.stderr
    assert "leaked" not in result.stderr


def test_second_writer_is_refused_with_a_clear_message(tmp_path, capsys):
    import fcntl
    warehouse = tmp_path / "credit.duckdb"
    (tmp_path / "drops").mkdir()
    with open(lock_path(warehouse), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = cli.main(["run", "--drops", str(tmp_path / "drops"), "--warehouse", str(warehouse)])
    assert code == cli.EXIT_BUSY
    assert "another build is already running" in capsys.readouterr().err


def test_dbt_build_args_are_pinned():
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(select="tag:x", full_refresh=True) == [
        "build", "--exclude-resource-type", "unit_test", "--select", "tag:x", "--full-refresh"]
    assert dbt_build_args(keep_reference_data=True) == [
        "build", "--exclude-resource-type", "unit_test", "--exclude", "path:seeds", "--indirect-selection", "cautious"]


def test_definitions_load_with_every_stage():
    import dagster as dg
    from dagster_project.definitions import defs

    dg.Definitions.validate_loadable(defs)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/penalty", "raw/license", "raw/workday_calendar", "marts/public_disclosure",
            "marts/dual_disclosure_compliance", "published_warehouse", "monthly_report"} <= keys
    check_names = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert {"gate_marts_public_disclosure", "gate_audit_reconciliation", "gate_raw_penalty"} <= check_names
    assert defs.resolve_job_def("nightly_build") is not None
    assert {s.name for s in defs.schedules} >= {"nightly_build_schedule", "monthly_report_schedule"}
    assert {s.name for s in defs.sensors} >= {"new_drops_sensor", "build_failure_notifier"}


def test_every_sample_record_is_clean_or_says_why(work_con):
    """On the messy sample: every received record is clean or has at least one violation with a reason."""
    counts = work_con.execute("""select rule_id, count(*) from intermediate.int_rule_violations
        group by 1 order by 2 desc""").fetchall()
    print("\nviolations per rule on the sample:")
    for rule, n in counts:
        print(f"  {rule:28s} {n}")
    assert work_con.execute("""select count(*) from intermediate.int_rule_violations
        where rule_message_zh is null or rule_message_zh = ''""").fetchall()[0][0] == 0
    fired = {r for r, _ in counts}
    # the defects the generator plants, each caught by its rule
    assert {"USCC_INVALID", "USCC_REQUIRED", "REQUIRED", "CODE_LIST", "DATE_UNPARSEABLE", "DECISION_AFTER_DROP",
            "VALIDITY_ORDER", "AMOUNT_LOOKS_LIKE_YUAN", "AMOUNT_NEGATIVE", "ID_NO_INVALID"} <= fired
    held_without_reason = work_con.execute("""select count(*) from marts.fct_credit_record r
        where disclosure_status = 'held' and disclosure_reason_zh is null""").fetchall()[0][0]
    assert held_without_reason == 0


def test_no_id_number_anywhere_in_the_published_public_mart(published_con):
    pattern = r"[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    cols = [r[0] for r in published_con.execute("""select column_name from information_schema.columns
        where table_schema = 'marts' and table_name = 'public_disclosure'""").fetchall()]
    for col in cols:
        if col == "uscc":  # an all-digit USCC can fit the pattern; it is checked as a USCC instead
            continue
        hits = published_con.execute(
            f"select count(*) from marts.public_disclosure where regexp_matches(cast({col} as varchar), '{pattern}')"
        ).fetchall()[0][0]
        assert hits == 0, col


def test_gate_results_and_data_docs_of_the_last_run(sample_build, published_con):
    from dagster_project.settings import gate_docs_dir
    warehouse, _ = sample_build
    assert (gate_docs_dir(warehouse) / "marts_public_disclosure" / "index.html").is_file()
    rows = published_con.execute("select count(*), count(distinct suite_name) from audit.gate_results").fetchall()[0]
    assert rows[0] > 20 and rows[1] >= 7


def test_dbt_resource_runs_the_venv_dbt_and_knows_its_version_without_asking_it():
    """`.venv/bin/credit` works without an activated venv (dbt beside the interpreter), and the version
    dagster-dbt needs is read from the installed package instead of a `dbt --version` subprocess — the
    same answer the subprocess gives."""
    from dagster_project.definitions import defs

    resource = defs.resources["dbt"]
    assert resource.dbt_executable == str(Path(sys.executable).parent / "dbt")
    out = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, check=True).stdout
    assert f"installed: {resource._cli_version}" in out


def test_one_duckdb_memory_limit_for_dbt_and_the_python_steps(tmp_path, monkeypatch):
    """CREDIT_DUCKDB_MEMORY_LIMIT holds dbt's DuckDB (profiles.yml) and the ingest/gate/publish connections
    alike, with the same default in both places."""
    from dagster_project.paths import DBT_PROJECT_DIR
    from dagster_project.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, BuildSettings, connect_duckdb

    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert f"env_var('CREDIT_DUCKDB_MEMORY_LIMIT', '{DEFAULT_DUCKDB_MEMORY_LIMIT}')" in profile

    def limit_of(con) -> str:
        return con.execute("select current_setting('memory_limit')").fetchone()[0]

    monkeypatch.delenv("CREDIT_DUCKDB_MEMORY_LIMIT", raising=False)
    con = connect_duckdb(tmp_path / "a.duckdb")
    default = limit_of(con)
    con.close()
    monkeypatch.setenv("CREDIT_DUCKDB_MEMORY_LIMIT", "700MB")
    con = connect_duckdb(tmp_path / "b.duckdb")
    assert limit_of(con) == "667.5 MiB"   # DuckDB shows 700 MB (10^6) in MiB
    con.close()
    assert default != "667.5 MiB" and default.endswith("GiB") and float(default.split()[0]) < 2.5
    env = BuildSettings(tmp_path, tmp_path / "w.duckdb", date(2026, 1, 2)).environment()
    assert env["CREDIT_DUCKDB_MEMORY_LIMIT"] == "700MB"


def test_monthly_report_asset_makes_the_draft_the_cli_makes(sample_build):
    """The Dagster monthly_report asset renders what `credit report --month` renders: a draft (（草稿）), never
    an issued 通报 (issuing freezes figures: the staff's act, `credit report --issue`)."""
    import dagster as dg

    from dagster_project.definitions import WarehouseResource, monthly_report
    from dagster_project.report.issuance import DRAFT_MARK

    warehouse, _summary = sample_build
    result = dg.materialize([monthly_report], partition_key="2026-10-01", instance=dg.DagsterInstance.ephemeral(),
                            resources={"warehouse": WarehouseResource(warehouse=str(warehouse), as_of="2026-11-22")})
    assert result.success
    out_dir = warehouse.parent / "reports" / "2026-10"
    html = next(out_dir.glob("*.html")).read_text(encoding="utf-8")
    assert DRAFT_MARK in html
    assert not (Path(str(warehouse) + ".issued") / "2026-10").exists(), "a draft issues nothing"
