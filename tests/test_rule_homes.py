"""Rules with one home that Python states too: the lateness deadline (var publication_workdays in
dbt_credit/dbt_project.yml) is read by int_submission_timeliness and stated by the 通报 and the 整改清单 from
there. A dbt unit test (int_submission_timeliness.yml, lateness_follows_the_publication_workdays_var) proves the
SQL follows the var; this proves nothing else states the number."""
from __future__ import annotations

import re

import yaml

from dagster_project.paths import DBT_PROJECT_DIR, PACKAGE_DIR
from dagster_project.project_vars import publication_workdays
from dagster_project.report.rule_text import metric_definitions


def test_the_publication_deadline_is_the_var_and_the_report_states_it():
    var = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert publication_workdays() == int(var["publication_workdays"])
    assert f"第 {publication_workdays()} 个工作日" in dict(metric_definitions())["迟报率"]


def test_no_code_states_the_deadline_itself():
    n = publication_workdays()
    stated = re.compile(rf"第\s*{n}\s*个工作日|(?<![0-9]){n}\s*个工作日|publication_workdays\s*=\s*{n}\b")
    sources = [*PACKAGE_DIR.rglob("*.py"), *(DBT_PROJECT_DIR / "models").rglob("*.sql"),
               *(DBT_PROJECT_DIR / "macros").rglob("*.sql")]
    assert DBT_PROJECT_DIR / "models" / "intermediate" / "int_submission_timeliness.sql" in sources  # it looked
    offenders = [str(p.relative_to(PACKAGE_DIR.parent)) for p in sources
                 if "_bundled" not in p.parts and stated.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], f"state the deadline from var publication_workdays (project_vars.py): {offenders}"
