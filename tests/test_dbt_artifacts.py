"""dbt's artifacts (target, logs, partial parse) live beside the warehouse, never in the dbt project, are pruned
like the published history, and two warehouses never share them (issue 21)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from dagster_project.dbt_project import PARTIAL_PARSE, keep_partial_parse, prune_dbt_runs
from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.settings import KEEP_BUILDS, BuildSettings, dbt_target_dir


def _settings(warehouse: Path) -> BuildSettings:
    from datetime import date

    return BuildSettings(drops_root=warehouse.parent, warehouse=warehouse, as_of=date(2026, 11, 22))


def test_two_warehouses_get_their_own_dbt_folders(tmp_path):
    a = _settings(tmp_path / "a" / "credit.duckdb").environment()
    b = _settings(tmp_path / "b" / "credit.duckdb").environment()
    assert a["DBT_TARGET_PATH"] == str(tmp_path / "a" / "credit.duckdb.dbt" / "target")
    assert a["DBT_LOG_PATH"] == str(tmp_path / "a" / "credit.duckdb.dbt" / "logs")
    assert a["DBT_TARGET_PATH"] != b["DBT_TARGET_PATH"] and a["DBT_LOG_PATH"] != b["DBT_LOG_PATH"]
    for env in (a, b):
        assert not Path(env["DBT_TARGET_PATH"]).is_relative_to(DBT_PROJECT_DIR)


def _invocation(target: Path, step: str, run: str, uid: str, age_s: float) -> Path:
    d = target / f"{step}-{run}-{uid}"
    d.mkdir(parents=True)
    (d / "run_results.json").write_text("{}")
    t = time.time() - age_s
    os.utime(d, (t, t))
    return d


def test_prune_keeps_the_last_runs_both_steps_each(tmp_path):
    target = tmp_path / "w.duckdb.dbt" / "target"
    runs = [f"{i:07x}" for i in range(KEEP_BUILDS + 2)]  # run 0 is the newest
    folders = {r: [_invocation(target, "credit_dbt_incremental", r, f"a{i:06x}", i * 3600 + 5),
                   _invocation(target, "credit_dbt_models", r, f"b{i:06x}", i * 3600)]
               for i, r in enumerate(runs)}
    (target / PARTIAL_PARSE).write_bytes(b"state")
    (target / "manifest.json").write_text("{}")
    (target / "not-an-invocation").mkdir()

    removed = prune_dbt_runs(target)

    assert sorted(removed) == sorted(folders[runs[-1]] + folders[runs[-2]])  # the two oldest runs, both steps
    kept = [d for r in runs[:KEEP_BUILDS] for d in folders[r]]
    assert all(d.is_dir() for d in kept)
    assert (target / PARTIAL_PARSE).read_bytes() == b"state"
    assert (target / "manifest.json").exists() and (target / "not-an-invocation").is_dir()


def test_partial_parse_is_handed_back_to_the_warehouse_target(tmp_path):
    target = tmp_path / "target"
    inv = target / "credit_dbt_models-abcdef0-1234567"
    inv.mkdir(parents=True)
    (target / PARTIAL_PARSE).write_bytes(b"old")
    (inv / PARTIAL_PARSE).write_bytes(b"new")
    keep_partial_parse(inv, target)
    assert (target / PARTIAL_PARSE).read_bytes() == b"new"
    assert [p.name for p in target.iterdir() if p.is_file()] == [PARTIAL_PARSE]  # no temp file left
    keep_partial_parse(target / "credit_dbt_models-0000000-0000000", target)  # a failed dbt wrote none
    assert (target / PARTIAL_PARSE).read_bytes() == b"new"


def test_a_build_keeps_dbt_artifacts_beside_its_warehouse(sample_build):
    warehouse, _ = sample_build
    target = dbt_target_dir(warehouse)
    steps = sorted(d.name.split("-")[0] for d in target.iterdir() if d.is_dir())
    assert steps == ["credit_dbt"]  # one folder for the one dbt invocation of the one run
    for d in target.iterdir():
        if d.is_dir():
            assert (d / "run_results.json").is_file() and (d / "dbt.log").is_file()
    assert (target / PARTIAL_PARSE).is_file()  # the next night parses warm
