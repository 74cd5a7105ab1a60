"""Choosing the engine (dagster_project/engines.py): one value for Dagster and dbt, and the way a Spark
build reaches the DuckDB working database the gates and publish read."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.engines import ENGINES, EngineError, check_engine, engine_from_env
from dagster_project.spark_mirror import export_args, export_dir, export_environment, load_export_into_duckdb
from dagster_project.publish import PUBLISHED_SCHEMAS
from dagster_project.settings import BuildSettings


def test_engine_is_one_value_dbt_sees_too(monkeypatch):
    monkeypatch.delenv("CREDIT_ENGINE", raising=False)
    assert engine_from_env() == "duckdb"
    monkeypatch.setenv("CREDIT_ENGINE", " Spark ")
    assert engine_from_env() == "spark"
    s = BuildSettings.from_env()
    env = s.environment()
    assert env["CREDIT_ENGINE"] == "spark"  # profiles.yml: target: env_var('CREDIT_ENGINE')
    assert env["CREDIT_RAW_DIR"] == str(s.warehouse) + ".raw"
    with pytest.raises(EngineError, match="trino"):
        check_engine("trino")


def test_profile_target_follows_the_engine_variable():
    import yaml

    from dagster_project.paths import DBT_PROJECT_DIR

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))["credit"]
    assert "env_var('CREDIT_ENGINE'" in profile["target"]
    for engine in ENGINES:  # every engine the CLI offers is an output dbt can pick
        assert engine in profile["outputs"]
    assert profile["outputs"]["spark_cluster"]["method"] == "thrift"


def test_export_mirrors_what_publish_copies():
    args = export_args(Path("/x/out"))
    assert args[:2] == ["run-operation", "export_relations"]
    assert json.loads(args[3]) == {"dir": "/x/out", "schemas": ["marts", "audit", "history"]}
    assert set(PUBLISHED_SCHEMAS) == {"marts", "audit", "history"}


def test_a_spark_night_exports_what_publish_copies_as_its_last_step(tmp_path):
    """The night's export is the build's on-run-end hook: the variables name the same schemas; the folder starts empty."""
    import yaml

    from dagster_project.paths import DBT_PROJECT_DIR

    warehouse = tmp_path / "credit.duckdb"
    (export_dir(warehouse) / "marts.stale").mkdir(parents=True)
    env = export_environment(warehouse)
    assert env["CREDIT_SPARK_EXPORT_DIR"] == str(export_dir(warehouse)) and not any(export_dir(warehouse).iterdir())
    assert env["CREDIT_SPARK_EXPORT_SCHEMAS"].split(",") == list(PUBLISHED_SCHEMAS)
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["on-run-end"] == ["{{ export_relations_on_run_end(results) }}"]


def test_an_exported_build_replaces_the_tables_and_reads_utc_instants_as_local_times(tmp_path):
    """Spark writes timestamps as UTC instants (DuckDB reads TIMESTAMP WITH TIME ZONE); the DuckDB build's
    are zone-less: the mirror must give back the same wall-clock values and types."""
    out = tmp_path / "export" / "marts.dim_entity"
    out.mkdir(parents=True)
    src = duckdb.connect()
    src.execute("set timezone = 'Asia/Shanghai'")
    src.execute(f"copy (select 'E1' as entity_id, date '2026-11-22' as as_of,"
                f" timestamptz '2026-11-22 01:00:00+00' as built_at) to '{out}/part-0.parquet' (format parquet)")
    work = duckdb.connect(str(tmp_path / "w.duckdb"))
    work.execute("create schema marts")
    work.execute("create table marts.dim_entity as select 'OLD' as entity_id")
    counts = load_export_into_duckdb(work, tmp_path / "export")
    assert counts == {"marts.dim_entity": 1}
    assert work.execute("select * from marts.dim_entity").fetchall() == [
        ("E1", date(2026, 11, 22), datetime(2026, 11, 22, 1, 0))]
    assert work.execute("select data_type from information_schema.columns where table_name = 'dim_entity'"
                        " and column_name = 'built_at'").fetchall() == [("TIMESTAMP",)]


def test_cli_refuses_an_unknown_engine_before_doing_anything(tmp_path, capsys):
    from dagster_project.cli import main

    with pytest.raises(SystemExit) as e:
        main(["run", "--drops", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"), "--engine", "oracle"])
    assert e.value.code == 2
    assert "invalid choice: 'oracle'" in capsys.readouterr().err
