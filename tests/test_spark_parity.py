"""The same raw layer built on DuckDB and on Spark (dbt-spark, session method) gives the same marts, row for row.

The raw layer is test_rules' (every dataset and rule) plus text that trips engines up: quotes, backslashes,
line breaks, a vertical tab, no-break spaces, full-width forms, year 0000, Excel serials, odd amounts. It is
written as the ingestion contract has it (Parquet under $CREDIT_RAW_DIR/<table>/, sub-folders, an older file
without a newer column, an empty-schema.parquet). Each engine's build (models, seeds, the snapshot: `dbt build`
without the data tests, which test_spark_engine.py runs on Spark as a night's gates) and its export
(`run-operation export_relations`, the marts schema) run in one Python process, so on Spark in one JVM.
Slow (a JVM, ~3 minutes on 2 cores); skipped where pyspark or Java is missing.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import ensure_raw_schema
from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.settings import work_db_path
from tests.dbt_fixture import ENGINE_BOOKKEEPING
from tests.raw_fixture import write_raw
from tests.test_rules import AS_OF, build_archive_rows, build_rows, penalty

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
                       reason="needs pyspark (dbt-spark[session]) and Java"),
]


def adversarial_rows() -> list[dict]:
    return [
        penalty("ADV-APOS'1", party_name="O'Brien 贸易\\有限公司", violation_facts="含'引号'与\\反斜杠\\d 与 '' 双引号"),
        penalty("ADV-NL", fine_amount="5万\n", decision_date="2026年3月5日"),
        penalty("ADV-NL2", decision_date="2026-03-05\n", valid_until="2027-3-5日"),
        penalty("ADV-SLASH", decision_date="2026/3/5 10:00:00", valid_until="20270305"),
        penalty("ADV-SERIAL", decision_date="45000", valid_until="45000.00"),
        penalty("ADV-SERIAL-DOT0", decision_date="46086.0", valid_until="2958465", fine_amount="1e3",
                confiscated_amount="1E-2"),
        penalty("ADV-ID-SPELLED", violation_facts="身份证 1101 0519 4912 3100 2X、110105-19491231-002x、210202901010123",
                party_name="大连某商行２１０２０２１９９０１０１０１２３Ｘ"),
        penalty("ADV-BADDAY", decision_date="2026.02.30", valid_until="20260230"),
        penalty("ADV-YEAR0", decision_date="0000-01-01", valid_until="00001231"),
        penalty("ADV-FW-DATE", decision_date="２０２６－０３－０５", fine_amount="１,２３４.５万元"),
        penalty("ADV-AMT", fine_amount="5元", confiscated_amount="abc"),
        penalty("ADV-AMT2", fine_amount="-3", confiscated_amount="1,000 万"),
        penalty("ADV-FW-NAME", party_name="ＡＢＣ　贸易（大连）有限公司【分部】", uscc="9135-0100m000100y43"),
        penalty("ADV-CAT", penalty_category="罚款；警告,  ,没收违法所得、"),
        penalty("ADV-CAT2", penalty_category="警告；警告"),
        penalty("ADV-PERSON", party_name="张三", party_type="自然人", uscc=None, id_type="身份证", id_no="11010519491231002X"),
        penalty("ADV-PERSON2", party_name="李 四", party_type="自然人", uscc=None, id_type="身份证", id_no="110105194902300021"),
        penalty("ADV-PERSON3", party_name="王五", party_type="自然人", uscc=None, id_type="身份证",
                id_no="１１０１０５１９４９１２３１００２ｘ"),
        penalty("ADV-VT", party_name="大连\x0b贸易\t有限公司", remarks="\t", legal_rep=" \u00a0赵六 "),
        penalty("ADV-BACKSLASH", decision_no="大\\市监罚〔2026〕1号"),
        penalty("ADV-ID-TEXT", violation_facts="身份证11010519491231002X\n及110105194912310021x"),
        penalty("ADV-DOLLAR", violation_facts="罚款$5 \\1 $1"),
    ]


def export_raw_as_parquet(work_db: Path, raw_dir: Path) -> None:
    """raw.<table> -> raw_dir/<table>/: half the rows in a department=/drop_date= sub-folder without the
    extra_columns column (an older file), the other half at the top, and a zero-row empty-schema.parquet."""
    con = duckdb.connect(str(work_db))
    try:
        for (table,) in con.execute("select table_name from information_schema.tables where table_schema = 'raw'"
                                    " order by 1").fetchall():
            cols = [c for (c,) in con.execute("select column_name from information_schema.columns where table_schema = 'raw'"
                                              " and table_name = ? order by ordinal_position", [table]).fetchall()]
            older = raw_dir / table / "department=x" / "drop_date=2026-01-01"
            older.mkdir(parents=True)
            numbered = f"(select *, row_number() over () as row_n from raw.{table})"
            con.execute(f"copy (select {', '.join(c for c in cols if c != 'extra_columns')} from {numbered}"
                        f" where row_n % 2 = 0) to '{older}/part-0.parquet' (format parquet)")
            con.execute(f"copy (select * exclude (row_n) from {numbered} where row_n % 2 = 1)"
                        f" to '{raw_dir / table}/part-1.parquet' (format parquet)")
            con.execute(f"copy (select * from raw.{table} limit 0) to '{raw_dir / table}/empty-schema.parquet' (format parquet)")
    finally:
        con.close()


# dbt's build and the export in one Python process (dbt's programmatic runner): on Spark the export reuses the
# build's SparkSession (dbt-spark's session method gets or creates it per statement) instead of starting a
# second JVM, and parses warm (the same target path)
RUN_DBT_COMMANDS = """
import json, sys
from dbt.cli.main import dbtRunner
for args in json.loads(sys.argv[1]):
    result = dbtRunner().invoke(args)
    if not result.success:
        sys.exit(f"dbt {args[0]} failed: {result.exception or 'see the log above'}")
"""


def dbt(commands: list[list[str]], env: dict, target_path: Path) -> None:
    common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
              "--target-path", str(target_path), "--log-path", str(target_path / "logs")]  # nothing written into the dbt project
    cmd = [sys.executable, "-c", RUN_DBT_COMMANDS, json.dumps([[*args, *common] for args in commands])]
    result = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"dbt failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")


def mart_rows(folder: Path) -> dict[str, list[tuple]]:
    """Each mart's rows, order-free: values as text, floats rounded to 6 places."""
    def norm(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, float):
            return repr(round(v, 6))
        return repr(v)
    con = duckdb.connect()
    out = {}
    for exported in sorted(p.name for p in folder.iterdir()):  # <schema>.<mart>/
        rel = con.sql(f"select * from read_parquet('{folder / exported}/*.parquet')")
        # compared by column name: the contract marts' columns come in their YAML order on DuckDB (an enforced
        # contract orders them) and in the SQL's order on Spark (contracts are enforced on the DuckDB target only)
        rel = rel.select(*[f'"{c}"' for c in sorted(rel.columns) if c not in ENGINE_BOOKKEEPING])
        out[exported.split(".", 1)[1]] = (rel.columns, sorted((tuple(norm(v) for v in row) for row in rel.fetchall()), key=repr))
    return out


@pytest.fixture(scope="module")
def both_builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark_parity")
    rows_p, rows_l = build_rows()
    archive = build_archive_rows()
    fixture = root / "fixture" / "credit.duckdb"
    fixture.parent.mkdir()
    write_raw(fixture, penalty=rows_p + archive.pop("penalty") + adversarial_rows(), license=rows_l, as_of=AS_OF,
              **archive)
    raw_dir = root / "raw"
    export_raw_as_parquet(work_db_path(fixture), raw_dir)
    marts = {}
    for target in ("duckdb", "spark"):
        warehouse = root / target / "credit.duckdb"
        warehouse.parent.mkdir()
        env = dict(os.environ, CREDIT_WAREHOUSE=str(warehouse), CREDIT_PERSON_KEY="test-key",
                   CREDIT_AS_OF=AS_OF.isoformat(), CREDIT_RAW_DIR=str(raw_dir), LANG="C.UTF-8")
        if target == "duckdb":  # on DuckDB the ingestion maps the raw layer (raw.* views over the same files)
            con = duckdb.connect(str(work_db_path(warehouse)))
            ensure_raw_schema(con, raw_dir)
            con.close()
        out = root / target / "export"
        out.mkdir()
        # models, seeds and the snapshot; the dbt tests run on Spark in test_spark_engine.py (as gates of a night)
        dbt([["build", "--target", target, "--exclude-resource-type", "test"],
             ["run-operation", "export_relations", "--args", f"{{dir: '{out}', schemas: [marts]}}", "--target", target]],
            env, root / target / "target")
        marts[target] = mart_rows(out)
    return marts


def test_spark_publishes_the_same_marts(both_builds):
    assert sorted(both_builds["spark"]) == sorted(both_builds["duckdb"])


@pytest.mark.parametrize("mart", ["dim_entity", "fct_credit_record", "dual_disclosure_compliance", "public_disclosure",
                                  "fct_rule_violation", "fct_rule_violation_summary", "fct_credit_list_membership",
                                  "fct_rectification_item", "fct_department_month", "fct_department_verdict_condition",
                                  "fct_department_verdict"])
def test_mart_is_equal_row_for_row(both_builds, mart):
    duck_columns, duck_rows = both_builds["duckdb"][mart]
    spark_columns, spark_rows = both_builds["spark"][mart]
    assert spark_columns == duck_columns
    assert duck_rows, "the fixture should give every mart rows"
    assert spark_rows == duck_rows
