"""The vars of dbt_credit/dbt_project.yml that Python code states too: each rule keeps one home, the dbt
project, and the report's wording or pii's scans read it from there."""
from __future__ import annotations

import functools

import yaml

from dagster_project.paths import DBT_PROJECT_DIR


@functools.lru_cache(maxsize=1)
def project_vars() -> dict:
    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]


def publication_workdays() -> int:
    """Working days a 双公示 decision has to be online (var publication_workdays; int_submission_timeliness)."""
    return int(project_vars()["publication_workdays"])
