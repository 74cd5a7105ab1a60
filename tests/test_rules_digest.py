"""int_records keeps the digest of the rules each record was computed with (macro rules_digest) and recomputes
every record when tonight's differs: a rule change must never leave a stale status on the public site. The
digest must therefore move with every rule a record reads — a seed row, a model's SQL, a macro the model calls —
and stay put when nothing changed. Compiled (dbt compile, no build) from copies of the dbt project, against the
sample warehouse's. Slow: three dbt invocations that each parse a project."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dagster_project.dbt_project import DBT_PROJECT_DIR, dbt_executable

pytestmark = pytest.mark.slow

DIGEST = re.compile(r"'([0-9a-f]{32})' as rules_digest")


def compiled_digest(project: Path, tmp: Path) -> str:
    target = tmp / "target"
    env = dict(os.environ, CREDIT_WAREHOUSE=str(tmp / "credit.duckdb"), CREDIT_PERSON_KEY="test-key",
               CREDIT_AS_OF="2026-11-22", CREDIT_ENGINE="duckdb")
    done = subprocess.run([dbt_executable(), "compile", "--select", "int_records", "--project-dir", str(project),
                           "--profiles-dir", str(project), "--target-path", str(target), "--log-path", str(tmp)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    sql = (target / "compiled" / "credit" / "models" / "intermediate" / "int_records.sql").read_text()
    found = DIGEST.findall(sql)
    assert len(found) == 1, "int_records carries no rules_digest"
    return found[0]


def project_copy(tmp: Path) -> Path:
    copy = tmp / "dbt_credit"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return copy


def test_the_digest_moves_with_a_seed_row_and_with_a_called_macro(tmp_path, work_con):
    # the sample warehouse was built from this project: its records carry the project's digest, and a compile of
    # the same project gives the same one (that it stays put night after night is also what lets
    # test_incremental_cases' second night take the incremental path)
    (original,), = work_con.execute("select distinct rules_digest from intermediate.int_records").fetchall()
    assert compiled_digest(project_copy(tmp_path / "unchanged"), tmp_path / "unchanged") == original

    # the general minimum window 3 → 6 months (a new regulation), and the window's end counted one day later
    changed = project_copy(tmp_path / "changed")
    windows = changed / "seeds" / "disclosure_windows.csv"
    rows = windows.read_text(encoding="utf-8").splitlines(keepends=True)
    assert ",any,general,true,3,36," in rows[1]
    rows[1] = rows[1].replace(",any,general,true,3,36,", ",any,general,true,6,36,")
    windows.write_text("".join(rows), encoding="utf-8")
    seed_changed = compiled_digest(changed, tmp_path / "changed")
    assert seed_changed != original

    macro_file = changed / "macros" / "dates_portable.sql"
    text = macro_file.read_text(encoding="utf-8")
    window_end = "cast({{ date_expr }} + to_months({{ months }}) as date)"
    assert text.count(window_end) == 1
    macro_file.write_text(text.replace(window_end, window_end.replace(") as date", ") + 1 as date")),
                          encoding="utf-8")
    assert compiled_digest(changed, tmp_path / "macro") not in (original, seed_changed)
