"""`credit docs`, the committed data dictionary, and the dbt exposures.

Fast: a `dbt parse` (no database) into a temporary target; the committed docs/data-dictionary.md must equal
what the YAML generates now; the exposures name who reads which mart.
Against the sample build: `dbt docs generate` on its working database (read-only) writes the site (~15 s).
"""
from __future__ import annotations

import argparse
import json
import threading
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dagster_project import docs_site
from dagster_project.settings import work_db_path

REPO = Path(__file__).resolve().parents[1]
CONTRACT = ("dim_entity", "fct_credit_record", "public_disclosure", "dual_disclosure_compliance")
EXPOSURES = {
    "monthly_circular": {"dual_disclosure_compliance", "fct_rectification_item", "fct_rule_violation_summary",
                         "rectification_progress",
                         "fct_department_verdict", "fct_department_verdict_condition", "report_rule_thresholds",
                         "report_rule_ranking_weights", "report_rule_tiers", "report_rule_defect_owners",
                         "fct_intake_file", "fct_intake_rejection_summary"},
    "public_website_feed": {"public_disclosure"},
    "notebook_entity_archive": {"dim_entity", "fct_credit_record", "public_disclosure", "fct_rectification_item"},
    "notebook_department_quality_trend": {"dual_disclosure_compliance"},
    "notebook_cross_list_questions": {"fct_credit_record", "dim_entity", "dual_disclosure_compliance"},
}


@pytest.fixture(scope="module")
def manifest_path(tmp_path_factory) -> Path:
    return docs_site.parse_manifest(tmp_path_factory.mktemp("dbt_parse"))


@pytest.fixture(scope="module")
def manifest(manifest_path) -> dict:
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def _marts(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["package_name"] == "credit" and n["schema"] == "marts"}


# ----------------------------------------------------------------------------------------- data dictionary

def test_data_dictionary_is_up_to_date(manifest_path, tmp_path):
    fresh = docs_site.write_data_dictionary(manifest_path, tmp_path / "data-dictionary.md").read_text(encoding="utf-8")
    committed = docs_site.DATA_DICTIONARY.read_text(encoding="utf-8")
    assert committed == fresh, (
        "docs/data-dictionary.md is out of date with the dbt YAML: run "
        "`python -m dagster_project.docs_site dictionary` and commit the result")


def test_data_dictionary_lists_every_mart_column(manifest):
    text = docs_site.render_data_dictionary(manifest)
    marts = _marts(manifest)
    assert set(CONTRACT) <= set(marts)
    for name, node in marts.items():
        assert f"\n## marts.{name}\n" in text, name
        section = text.split(f"\n## marts.{name}\n", 1)[1].split("\n## ", 1)[0]
        for column, col in node["columns"].items():
            assert f"| `{column}` | {docs_site._md(col['description'])} |" in section, f"{name}.{column}"
    # the four contract tables come first, in the README's order
    headings = [line[3:] for line in text.splitlines() if line.startswith("## marts.")]
    assert headings[:4] == [f"marts.{t}" for t in CONTRACT]


def test_data_dictionary_is_deterministic(manifest):
    assert docs_site.render_data_dictionary(manifest) == docs_site.render_data_dictionary(manifest)


# ----------------------------------------------------------------------------------------------- exposures

def test_exposures_name_what_they_read(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == set(EXPOSURES)
    marts = _marts(manifest)
    group_owners = {(g["owner"]["name"], g["owner"]["email"]) for g in manifest["groups"].values()}
    for name, reads in EXPOSURES.items():
        e = exposures[name]
        # owned by one of the center's desks that own the models (dbt groups, models/_groups.yml)
        assert (e["owner"]["name"], e["owner"]["email"]) in group_owners, name
        assert {marts[m]["unique_id"] for m in reads} == set(e["depends_on"]["nodes"]), name
        assert e["description"] and e["label"]
        path = (e.get("meta") or {}).get("path")
        if path:
            assert (REPO / path).exists(), f"{name}: meta.path {path} does not exist"
    assert exposures["monthly_circular"]["maturity"] == "high"
    assert {e["type"] for n, e in exposures.items() if n.startswith("notebook_")} == {"notebook"}


def test_monthly_circular_exposure_lists_every_mart_the_report_reads(manifest):
    """Every ``marts.<name>`` the report code names (dagster_project/report/*.py) is a mart the monthly_circular
    exposure depends on: a table the report starts reading shows in the lineage, or this fails."""
    import re

    import io
    import tokenize

    named = set()
    for path in sorted((REPO / "dagster_project" / "report").glob("*.py")):
        # in the code's strings (its SQL) only: `marts.connect(...)` calls the module report/marts.py; a whole
        # identifier only: the docstrings' "marts.report_rule_*" (a family, not a table) does not match
        strings = [t.string for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
                   if t.type == tokenize.STRING]
        named |= set(re.findall(r"\bmarts\.(?!py\b)([a-z][a-z0-9_]*[a-z0-9])\b(?!\*)", "\n".join(strings)))  # not report/marts.py
    assert {"dual_disclosure_compliance", "fct_intake_file", "rectification_progress"} <= named  # the scan works
    marts = _marts(manifest)
    assert named <= set(marts), f"not a mart: {sorted(named - set(marts))}"
    exposure = next(e for e in manifest["exposures"].values() if e["name"] == "monthly_circular")
    missing = {n for n in named if marts[n]["unique_id"] not in exposure["depends_on"]["nodes"]}
    assert not missing, f"dbt_credit/models/exposures.yml monthly_circular lacks {sorted(missing)}"


def test_notebook_exposures_match_the_notebooks(manifest):
    paths = {(e.get("meta") or {}).get("path") for e in manifest["exposures"].values() if e["type"] == "notebook"}
    assert paths == {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")}


# ----------------------------------------------------------------------------------------------- wiring

def test_register_adds_the_docs_subcommand():
    parser = argparse.ArgumentParser(prog="credit")
    sub = parser.add_subparsers(dest="command", required=True)
    docs_site.register(sub)
    args = parser.parse_args(["docs", "--warehouse", "w.duckdb", "--serve", "8080"])
    assert args.handler is docs_site.cmd_docs and args.serve == 8080 and args.out is None


def test_missing_working_database_is_one_clear_error(tmp_path):
    from dagster_project.cli import UserError

    with pytest.raises(UserError, match="no working database"):
        docs_site.generate_docs(tmp_path / "credit.duckdb", tmp_path / "site")


# ----------------------------------------------------------------------------------------------- the site

def test_docs_generate_writes_the_site(sample_build, tmp_path):
    warehouse = sample_build[0]
    out = tmp_path / "site"
    # an analyst (or the test suite) holding the working database read-only does not stop the docs:
    # they open it read-only too, so they never block a build either
    reader = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        written = docs_site.generate_docs(warehouse, out)
    finally:
        reader.close()
    assert {p.name for p in written} >= {"index.html", "manifest.json", "catalog.json"}

    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    for mart in (*CONTRACT, "fct_rectification_item", "fct_rule_violation", "fct_rule_violation_summary"):
        node = catalog["nodes"].get(f"model.credit.{mart}")
        assert node is not None, f"{mart} missing from the catalog"
        assert node["metadata"]["schema"] == "marts" and node["columns"], mart
    assert "entity_id" in catalog["nodes"]["model.credit.dim_entity"]["columns"]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(EXPOSURES) == {e["name"] for e in manifest["exposures"].values()}
    assert manifest["metadata"]["project_name"] == "credit"

    # the key that hashes ID numbers (conftest sets it) never reaches the site
    for name in ("manifest.json", "catalog.json", "index.html", "static_index.html"):
        path = out / name
        if path.exists():
            assert "test-person-key" not in path.read_text(encoding="utf-8", errors="replace"), name
    if (out / "static_index.html").exists():  # one file with the manifest and catalog inside: works offline
        assert "model.credit.dim_entity" in (out / "static_index.html").read_text(encoding="utf-8")

    server = docs_site.make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=10) as r:
            assert r.status == 200 and b"<html" in r.read(4096).lower()
        with urllib.request.urlopen(f"http://{host}:{port}/catalog.json", timeout=10) as r:
            assert r.status == 200 and json.loads(r.read())["nodes"]
    finally:
        server.shutdown()
        server.server_close()
