"""The dataset list has one home, the seeds: the generated dbt files (macros/seed_datasets.sql,
models/staging/_raw__datasets.yml) are what the seeds give, and a seed change reaches them."""
from __future__ import annotations

import shutil

import yaml

from dagster_project import dbt_datasets
from dagster_project.ingest.seeds import DATASETS, DUAL_DISCLOSURE_DATASETS, load_seeds
from dagster_project.paths import SEEDS_DIR


def test_committed_files_are_what_the_seeds_give():
    assert dbt_datasets.stale() == [], "run: python -m dagster_project.dbt_datasets"


def test_the_python_list_is_the_seeds():
    assert DATASETS[:2] == DUAL_DISCLOSURE_DATASETS == ("penalty", "license")
    assert {"repair", "objection", "credit_list", "commitment", "other_action"} <= set(DATASETS)


def _seed_copy(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    return seeds


def test_a_new_dataset_is_seed_rows_only(tmp_path):
    seeds = _seed_copy(tmp_path)
    with open(seeds / "datasets.csv", "a", encoding="utf-8") as f:
        f.write("fine_notice,罚款催告,Fine reminders,催告|fine_notice,true\n")
    with open(seeds / "dataset_columns.csv", "a", encoding="utf-8") as f:
        f.write("fine_notice,notice_no,催告文书号,true,Notice number,true\n"
                "fine_notice,notice_memo,备注说明,false,Free text,false\n")
    files = dbt_datasets.rendered(seeds)
    macro = files[dbt_datasets.MACRO_FILE]
    assert "'other_action', 'fine_notice']" in macro
    assert "\"fine_notice\": ['notice_no', 'notice_memo']" in macro
    assert "\"fine_notice\": ['party_name'," in macro and "'remarks', 'notice_no']" in macro  # in_standard only
    sources = yaml.safe_load(files[dbt_datasets.SOURCES_FILE])["sources"][0]
    table = next(t for t in sources["tables"] if t["name"] == "fine_notice")
    assert table["freshness"]["error_after"] == {"count": 14, "period": "day"}  # a 双公示 dataset
    assert [c["name"] for c in table["columns"]] == load_seeds(seeds).canonical_names("fine_notice")
    assert load_seeds(seeds).dual_disclosure_datasets == ("penalty", "license", "fine_notice")
    assert dbt_datasets.stale(seeds_dir=seeds) == [dbt_datasets.MACRO_FILE, dbt_datasets.SOURCES_FILE]


def test_freshness_follows_is_dual_disclosure(tmp_path):
    seeds = _seed_copy(tmp_path)
    text = (seeds / "datasets.csv").read_text(encoding="utf-8")
    (seeds / "datasets.csv").write_text(text.replace("xzxk|xuke,true", "xzxk|xuke,false"), encoding="utf-8")
    sources = yaml.safe_load(dbt_datasets.rendered(seeds)[dbt_datasets.SOURCES_FILE])["sources"][0]
    fresh = {t["name"] for t in sources["tables"] if "freshness" in t}
    assert fresh == {"penalty"}
