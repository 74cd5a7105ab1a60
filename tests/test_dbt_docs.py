"""The dbt project's documentation and key tests stay complete.

Fast tests: `dbt parse` (no database) into a temporary target, then read the manifest: every model of
staging / intermediate / marts / audit and every seed has a description, every documented column has a
bilingual description (at least one CJK character and one ASCII letter), and the key data tests exist.

Slow test: against the built work warehouse (fixture `built_warehouse`, provided by conftest), every column
of every built model is documented and no documented column is stale.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT_DIR = REPO / "dbt_credit"
LAYERS = ("staging", "intermediate", "marts", "audit")
SEEDS_FILE = "seeds/_seeds.yml"

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
ASCII_LETTER = re.compile(r"[A-Za-z]")

# Models and seeds as the files on disk name them (collected at import so each gets its own test id).
MODEL_FILES = {p.stem: p for layer in LAYERS for p in sorted((PROJECT_DIR / "models" / layer).glob("*.sql"))}
SEED_FILES = {p.stem: p for p in sorted((PROJECT_DIR / "seeds").glob("*.csv"))}


def _is_bilingual(text: str | None) -> bool:
    return bool(text and text.strip() and CJK.search(text) and ASCII_LETTER.search(text))


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """`dbt parse` into a private target folder (never the shared dbt_credit/target) and load the manifest."""
    tmp = tmp_path_factory.mktemp("dbt_docs")
    target = tmp / "target"
    env = {
        **os.environ,
        "CREDIT_WAREHOUSE": str(tmp / "parse_only.duckdb"),  # the profile needs a path; parse never opens it
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", "parse",
         "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(tmp / "logs"), "--no-partial-parse"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"dbt parse failed:\n{result.stdout}\n{result.stderr}"
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["package_name"] == "credit"}


def _seeds(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "seed" and n["package_name"] == "credit"}


def _tests_on(manifest: dict, node_name: str) -> list[dict]:
    """Generic data tests attached to a model or seed: [{'name', 'column_name', 'kwargs'}]."""
    out = []
    for n in manifest["nodes"].values():
        if n["resource_type"] != "test" or not n.get("test_metadata"):
            continue
        attached = n.get("attached_node") or ""
        if attached.split(".")[-1] != node_name:
            continue
        kwargs = n["test_metadata"].get("kwargs", {})
        out.append({"name": n["test_metadata"]["name"], "column_name": kwargs.get("column_name"),
                    "kwargs": kwargs, "config": n.get("config", {})})
    return out


def _has_test(manifest: dict, node_name: str, test: str, column: str) -> bool:
    return any(t["name"] == test and t["column_name"] == column for t in _tests_on(manifest, node_name))


# ----------------------------------------------------------------------------------------- fast: documentation

def test_models_found_on_disk():
    assert {"stg_raw__penalty", "int_records", "fct_credit_record", "public_disclosure",
            "dual_disclosure_compliance", "audit_reconciliation"} <= set(MODEL_FILES)


@pytest.mark.parametrize("model", sorted(MODEL_FILES))
def test_model_documented_in_its_own_yaml(manifest, model):
    """models/<layer>/<model>.yml beside <model>.sql (docs/dbt-conventions.md: one properties file per model)."""
    node = _models(manifest).get(model)
    assert node is not None, f"{model} is not in the manifest"
    own = MODEL_FILES[model].with_suffix(".yml").relative_to(PROJECT_DIR).as_posix()
    patch = node.get("patch_path") or ""
    assert patch.endswith(own), f"{model} must be described in {own} (found: {patch or 'no properties file'})"
    assert _is_bilingual(node["description"]), f"{model}: description must be non-empty, Chinese and English"
    assert node["columns"], f"{model}: no column is documented"


@pytest.mark.parametrize("model", sorted(MODEL_FILES))
def test_every_documented_model_column_is_bilingual(manifest, model):
    node = _models(manifest)[model]
    bad = {name: col.get("description") for name, col in node["columns"].items()
           if not _is_bilingual(col.get("description"))}
    assert not bad, f"{model}: columns without a Chinese + English description: {bad}"


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_seed_documented(manifest, seed):
    node = _seeds(manifest).get(seed)
    assert node is not None, f"seed {seed} is not in the manifest"
    assert (node.get("patch_path") or "").endswith(SEEDS_FILE), f"seed {seed} must be described in {SEEDS_FILE}"
    assert _is_bilingual(node["description"]), f"seed {seed}: description must be Chinese and English"
    header = SEED_FILES[seed].read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    documented = set(node["columns"])
    assert documented == set(header), (
        f"seed {seed}: documented columns {sorted(documented)} differ from the CSV header {sorted(header)}")
    bad = [c for c, col in node["columns"].items() if not _is_bilingual(col.get("description"))]
    assert not bad, f"seed {seed}: columns without a Chinese + English description: {bad}"


def test_properties_files_are_version_2():
    import yaml

    for rel in [*(p.with_suffix(".yml").relative_to(PROJECT_DIR).as_posix() for p in MODEL_FILES.values()), SEEDS_FILE]:
        doc = yaml.safe_load((PROJECT_DIR / rel).read_text(encoding="utf-8"))
        assert doc.get("version") == 2, rel


# ----------------------------------------------------------------------------------------- fast: key tests

KEYS = {
    # the stg_raw__ views are tested where their rows are materialized (int_submissions_checked)
    "int_submissions_checked": "submission_id",
    "stg_calendar__workdays": "calendar_date",
    "int_submissions": "submission_id",
    "int_decision_versions": "submission_id",
    "int_entity_resolution": "submission_id",
    "int_submission_timeliness": "submission_id",
    "int_rule_violations": "violation_id",
    "int_records": "record_id",
    "fct_credit_record": "record_id",
    "public_disclosure": "record_id",
    "dim_entity": "entity_id",
    "fct_rule_violation": "violation_id",
}


@pytest.mark.parametrize("model,key", sorted(KEYS.items()))
def test_key_is_unique_and_not_null(manifest, model, key):
    assert _has_test(manifest, model, "unique", key), f"{model}.{key} lacks a unique test"
    assert _has_test(manifest, model, "not_null", key), f"{model}.{key} lacks a not_null test"


@pytest.mark.parametrize("model,column,values", [
    ("fct_credit_record", "disclosure_status", {"public", "expired", "repaired", "revoked", "not_public", "held"}),
    ("dim_entity", "entity_type", {"法人及非法人组织", "自然人", "个体工商户"}),
])
def test_accepted_values(manifest, model, column, values):
    found = [t for t in _tests_on(manifest, model) if t["name"] == "accepted_values" and t["column_name"] == column]
    assert found, f"{model}.{column} lacks an accepted_values test"
    assert set(found[0]["kwargs"]["values"]) == values


def test_public_disclosure_never_lists_natural_persons(manifest):
    found = [t for t in _tests_on(manifest, "public_disclosure")
             if t["name"] == "accepted_values" and t["column_name"] == "entity_type"]
    assert found and "自然人" not in found[0]["kwargs"]["values"]


def test_credit_record_entity_relationship(manifest):
    found = [t for t in _tests_on(manifest, "fct_credit_record")
             if t["name"] == "relationships" and t["column_name"] == "entity_id"]
    assert found, "fct_credit_record.entity_id lacks a relationships test to dim_entity"
    assert "dim_entity" in found[0]["kwargs"]["to"] and found[0]["kwargs"]["field"] == "entity_id"


def test_compliance_grain_is_unique(manifest):
    names = {t["column_name"] for t in _tests_on(manifest, "dual_disclosure_compliance") if t["name"] == "unique"}
    assert "department || '|' || month || '|' || dataset" in names


# ----------------------------------------------------------------------------------------- slow: built warehouse

@pytest.mark.slow
def test_built_models_columns_match_documentation(manifest, built_warehouse):
    """Every column of every built model is documented, and every documented column exists (no stale docs)."""
    import duckdb

    try:
        con = duckdb.connect(str(built_warehouse), read_only=True)
    except duckdb.ConnectionException:  # already open in this process with another configuration
        con = duckdb.connect(str(built_warehouse))
    try:
        actual: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "ORDER BY table_schema, table_name, ordinal_position"
        ).fetchall():
            actual.setdefault((schema, table), []).append(column)
    finally:
        con.close()

    problems = []
    checked = 0
    for name, node in sorted(_models(manifest).items()):
        relation = (node["schema"], node.get("alias") or name)
        if relation not in actual:
            if node["schema"] in ("marts", "audit"):
                problems.append(f"{name}: {'.'.join(relation)} is not in the built warehouse")
            continue
        checked += 1
        built, documented = actual[relation], set(node["columns"])
        undocumented = [c for c in built if c not in documented]
        stale = sorted(documented - set(built))
        if undocumented:
            problems.append(f"{name}: undocumented columns {undocumented}")
        if stale:
            problems.append(f"{name}: documented columns that the model no longer has {stale}")
    assert checked, "no model relation found in the built warehouse"
    assert not problems, "\n".join(problems)
