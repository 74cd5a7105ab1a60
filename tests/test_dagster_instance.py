"""What a Dagster user expects (issue 21): kinds, owners and tags on every asset; a `credit run` recorded in a
persistent instance (beside the warehouse by default) that `dagster dev` can show; row counts and column types on
the materializations, read back from that instance's event log."""
from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from dagster_project import cli
from dagster_project.instance import dagster_home, default_dagster_home, open_instance
from dagster_project.settings import work_db_path

OWNERS = {"intake": "intake@credit-center.example", "credit_archive": "data@credit-center.example",
          "compliance": "supervision@credit-center.example"}


@pytest.fixture(scope="module")
def asset_graph():
    from dagster_project.definitions import defs

    return defs.resolve_asset_graph()


@pytest.mark.parametrize("key, kinds, owner, layer", [
    (["raw", "penalty"], {"python", "parquet"}, "intake", "raw"),
    (["raw", "workday_calendar"], {"python", "parquet"}, "intake", "raw"),
    (["staging", "stg_raw__penalty"], {"dbt", "duckdb"}, "intake", "staging"),
    (["intermediate", "int_records"], {"dbt", "duckdb"}, "credit_archive", "intermediate"),
    (["marts", "public_disclosure"], {"dbt", "duckdb"}, "credit_archive", "marts"),
    (["marts", "dual_disclosure_compliance"], {"dbt", "duckdb"}, "compliance", "marts"),
    (["audit", "reconciliation"], {"dbt", "duckdb"}, "intake", "audit"),
    (["published_warehouse"], {"python", "duckdb"}, "credit_archive", "published"),
    (["monthly_report"], {"python", "pdf", "excel"}, "compliance", "report"),
])
def test_assets_declare_kinds_owners_and_layer(asset_graph, key, kinds, owner, layer):
    node = asset_graph.get(dg.AssetKey(key))
    assert set(node.kinds) == kinds
    assert list(node.owners) == [OWNERS[owner]]
    assert node.tags.get("layer") == layer


def test_every_asset_has_a_kind_and_an_owner(asset_graph):
    """Every model, Python asset and (model-owning) seed: no asset without a kind; every model has an owner."""
    missing_kind = [k.to_user_string() for k in asset_graph.get_all_asset_keys() if not asset_graph.get(k).kinds]
    assert missing_kind == []
    models = [k for k in asset_graph.get_all_asset_keys()
              if k.path[0] in ("staging", "intermediate", "marts", "audit", "raw")]
    assert [k.to_user_string() for k in models if not asset_graph.get(k).owners] == []


def test_dagster_home_precedence(tmp_path, monkeypatch):
    warehouse = tmp_path / "w" / "credit.duckdb"
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home(warehouse) == default_dagster_home(warehouse) == tmp_path / "w" / "credit.duckdb.dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dh"))
    assert dagster_home(warehouse) == tmp_path / "dh"
    assert dagster_home(warehouse, tmp_path / "flag") == tmp_path / "flag"  # --dagster-home wins


def test_run_creates_a_missing_warehouse_folder(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(cli, "_execute_nightly", lambda settings, home=None: seen.setdefault("s", settings) and {})
    drops = tmp_path / "drops"
    drops.mkdir()
    warehouse = tmp_path / "new" / "deeper" / "credit.duckdb"
    cli.run_build(drops, warehouse, "2026-11-22")
    assert warehouse.parent.is_dir() and seen["s"].warehouse == warehouse


@pytest.fixture(scope="module")
def recorded(sample_build):
    warehouse, summary = sample_build
    home = default_dagster_home(warehouse)
    with open_instance(home) as instance:
        yield warehouse, summary, home, instance


def test_a_cli_run_is_visible_in_the_persistent_instance(recorded):
    warehouse, summary, home, instance = recorded
    assert summary["dagster_home"] == str(home) and (home / "dagster.yaml").is_file()
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"credit/trigger": "cli"}))
    assert [r.run_id for r in runs] == [summary["run_id"]]
    run = runs[0]
    assert run.job_name == "nightly_build" and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["credit/as_of"] == "2026-11-22"
    # the gates' results are in the same instance: the UI's asset checks tab shows them
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(["marts", "public_disclosure"]), "gate_marts_public_disclosure")])
    assert list(check.values())[0].run_id == run.run_id


def _schema(con, relation: str) -> list[tuple[str, str]]:
    schema, name = relation.split(".")
    return con.execute("select column_name, data_type from information_schema.columns where table_schema = ? "
                       "and table_name = ? order by ordinal_position", [schema, name]).fetchall()


@pytest.mark.parametrize("key, relation, counted", [
    (["marts", "public_disclosure"], "marts.public_disclosure", True),       # dbt table
    (["marts", "dual_disclosure_compliance"], "marts.dual_disclosure_compliance", True),
    (["staging", "stg_raw__penalty"], "staging.stg_raw__penalty", False),    # dbt view: types, no count
    (["raw", "penalty"], "raw.penalty", True),                               # Python asset
    (["raw", "workday_calendar"], "raw.workday_calendar", True),
])
def test_materializations_carry_row_counts_and_column_types(recorded, key, relation, counted):
    warehouse, summary, _, instance = recorded
    event = instance.get_latest_materialization_event(dg.AssetKey(key))
    assert event is not None and event.run_id == summary["run_id"]
    metadata = event.asset_materialization.metadata
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        expected_columns = _schema(con, relation)
        rows = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
    finally:
        con.close()
    columns = metadata["dagster/column_schema"].value.columns
    assert [(c.name, c.type.upper()) for c in columns] == [(n, t.upper()) for n, t in expected_columns]
    assert any(t != "" for _, t in expected_columns)
    if counted:
        assert metadata["dagster/row_count"].value == rows > 0
    else:
        assert "dagster/row_count" not in metadata
