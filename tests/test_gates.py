"""Quality gates: suites in expectations/, run by GX 1.x on DuckDB files built here in tmp_path."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.gates import (
    GateBlocked,
    GateResult,
    SuiteOutcome,
    SuiteError,
    check_suite_with_gx,
    discover_suites,
    list_suites,
    load_suite,
    raise_if_blocked,
    run_suite,
    run_suites,
)

AS_OF = {"as_of": "2026-11-22"}
ID_NUMBER = "11010519491231002X"  # a valid 居民身份证号码 (GB 11643 check character X)

EXPECTED_SUITES = {
    "raw_penalty": "raw.penalty",
    "raw_license": "raw.license",
    "marts_dim_entity": "marts.dim_entity",
    "marts_fct_credit_record": "marts.fct_credit_record",
    "marts_public_disclosure": "marts.public_disclosure",
    "marts_dual_disclosure_compliance": "marts.dual_disclosure_compliance",
    "audit_reconciliation": "audit.reconciliation",
}

GOOD_SQL = """
CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA audit;

CREATE TABLE raw.penalty (
  party_name VARCHAR, decision_no VARCHAR, penalty_content VARCHAR,
  department VARCHAR, drop_date DATE, file_path VARCHAR, file_hash VARCHAR, sheet_name VARCHAR,
  source_row INTEGER, load_id VARCHAR, loaded_at TIMESTAMP);
INSERT INTO raw.penalty VALUES
  ('大连某某贸易有限公司', '大市监罚〔2026〕1号', '罚款1.5万元', 'scjgj', DATE '2026-11-02', 'scjgj/p.csv', 'h1', NULL, 2, 'L1', TIMESTAMP '2026-11-22 01:00:00'),
  ('张三', '大市监罚〔2026〕2号', '警告', 'scjgj', DATE '2026-11-02', 'scjgj/p.csv', 'h1', NULL, 3, 'L1', TIMESTAMP '2026-11-22 01:00:00');
CREATE TABLE raw.license AS SELECT * FROM raw.penalty;

CREATE TABLE marts.dim_entity (entity_id VARCHAR, entity_type VARCHAR, entity_name VARCHAR, uscc VARCHAR);
INSERT INTO marts.dim_entity VALUES
  ('E1', '法人及非法人组织', '大连某某贸易有限公司', '91350100M000100Y43'),
  ('E2', '自然人', '张三', NULL),
  ('E3', '个体工商户', '李四烧烤店', '92210200MA0XXXXX1X');

CREATE TABLE marts.fct_credit_record (
  record_id VARCHAR, entity_id VARCHAR, dataset VARCHAR, disclosure_status VARCHAR,
  decision_date DATE, fine_amount_wan DECIMAL(18,6));
INSERT INTO marts.fct_credit_record VALUES
  ('R1', 'E1', 'penalty', 'public', DATE '2026-10-20', 1.5),
  ('R2', 'E2', 'penalty', 'not_public', DATE '2026-10-21', 0.2),
  ('R3', 'E3', 'license', 'public', DATE '2026-09-01', NULL),
  ('R4', 'E1', 'penalty', 'expired', DATE '2021-01-05', 3),
  ('R5', 'E1', 'penalty', 'held', NULL, NULL);

CREATE TABLE marts.public_disclosure (
  record_id VARCHAR, entity_id VARCHAR, entity_type VARCHAR, entity_name VARCHAR, uscc VARCHAR,
  dataset VARCHAR, decision_no VARCHAR, decision_date DATE, authority VARCHAR, department VARCHAR,
  violation_facts VARCHAR, penalty_content VARCHAR, fine_amount_wan DECIMAL(18,6),
  disclosure_from DATE, disclosure_until DATE);
INSERT INTO marts.public_disclosure VALUES
  ('R1', 'E1', '法人及非法人组织', '大连某某贸易有限公司', '91350100M000100Y43', 'penalty', '大市监罚〔2026〕1号',
   DATE '2026-10-20', '大连市市场监督管理局', 'scjgj', '销售过期食品，法定代表人证件号码 110101********1234',
   '罚款1.5万元（罚款金额 15000 元，账号 6222021234567890123）', 1.5, DATE '2026-10-20', DATE '2027-01-20'),
  ('R3', 'E3', '个体工商户', '李四烧烤店', '92210200MA0XXXXX1X', 'license', '大市监许〔2026〕9号',
   DATE '2026-09-01', '大连市市场监督管理局', 'scjgj', NULL, NULL, NULL, DATE '2026-09-01', NULL),
  ('R6', 'E1', '法人及非法人组织', '大连某某贸易有限公司', '91350100M000100Y43', 'penalty', '大市监罚〔2026〕6号',
   DATE '2026-08-22', '大连市市场监督管理局', 'scjgj', '未按规定公示年报', '警告', NULL, DATE '2026-08-22', DATE '2026-11-22');

CREATE TABLE marts.dual_disclosure_compliance (
  department VARCHAR, month VARCHAR, dataset VARCHAR, records INTEGER, compliant INTEGER,
  compliance_rate DOUBLE, late_rate DOUBLE, code_error_rate DOUBLE);
INSERT INTO marts.dual_disclosure_compliance VALUES
  ('scjgj', '2026-11', 'penalty', 2, 2, 1.0, 0.0, 0.0),
  ('scjgj', '2026-11', 'license', 1, 0, 0.0, 1.0, NULL),
  ('swj',   '2026-11', 'penalty', 0, 0, NULL, NULL, NULL);

CREATE TABLE audit.reconciliation (
  load_id VARCHAR, file_path VARCHAR, sheet_name VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
  rows_rejected BIGINT, raw_rows BIGINT, clean_rows BIGINT, rejected_rows BIGINT);
INSERT INTO audit.reconciliation VALUES
  ('L1', 'scjgj/p.csv', NULL, 3, 2, 1, 3, 2, 1),
  ('L1', 'scjgj/l.xlsx', 'Sheet1', 5, 5, 0, 5, 5, 0);
"""


def build_db(path: Path, extra_sql: str = "") -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute(GOOD_SQL)
        if extra_sql:
            con.execute(extra_sql)
    finally:
        con.close()
    return path


def audit_rows(db: Path, where: str = "true") -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM audit.gate_results WHERE {where} ORDER BY suite_name, expectation_type")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def failed(outcome: SuiteOutcome) -> list[GateResult]:
    return [r for r in outcome.results if not r.success]


def only(results: list[GateResult], expectation_type: str, column: str | None = None) -> GateResult:
    hits = [r for r in results if r.expectation_type == expectation_type
            and (column is None or r.kwargs.get("column") == column)]
    assert len(hits) == 1, (expectation_type, column, results)
    return hits[0]


# ------------------------------------------------------------------ the shipped suite files


def test_shipped_suites_are_well_formed_and_build_with_gx():
    assert set(list_suites()) >= set(EXPECTED_SUITES)
    for name, table in EXPECTED_SUITES.items():
        suite = load_suite(name)
        assert suite.table == table
        assert all(spec.severity in ("fail", "warn") for spec in suite.expectations)
        assert check_suite_with_gx(suite) == [], name


def test_discover_suites_is_loud_about_broken_files(tmp_path):
    assert {s.name: s.table for s in discover_suites()} == {n: t for n, t in EXPECTED_SUITES.items()}
    (tmp_path / "ok.yml").write_text(
        "name: ok\nmeta: {table: marts.dim_entity}\nexpectations:\n"
        "  - {type: expect_column_values_to_be_unique, kwargs: {column: entity_id}, meta: {severity: fail}}\n",
        encoding="utf-8")
    (tmp_path / "bad.yml").write_text("name: bad\nexpectations: []\n", encoding="utf-8")
    with pytest.raises(SuiteError, match="bad.yml"):
        discover_suites(tmp_path)
    assert [s.name for s in discover_suites(tmp_path, strict=False)] == ["ok"]


# ------------------------------------------------------------------ good data: one full run


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("good")
    db = build_db(base / "good.duckdb")
    docs = base / "docs"
    outcomes = run_suites(db, run_id="good-run", params=AS_OF, docs_dir=docs)
    return db, docs, outcomes


def test_every_suite_passes_on_good_data(good_run):
    _, _, outcomes = good_run
    assert {o.suite_name for o in outcomes} == set(list_suites())
    for outcome in outcomes:
        assert outcome.table_name == EXPECTED_SUITES.get(outcome.suite_name, outcome.table_name)
        assert outcome.success, outcome.summary()
        assert not outcome.blocking_failed
        assert outcome.results
        for r in outcome.results:
            assert r.error is None
            assert r.observed_value is not None


def test_id_number_check_covers_every_text_column(tmp_path):
    """The privacy scan reads every text column of the live table (a column added later too), in any
    spelling of an ID number (dagster_project/pii.py)."""
    spellings = [ID_NUMBER, "1101 0519 4912 3100 2X", "110105-19491231-002X", "１１０１０５１９４９１２３１００２Ｘ",
                 "110105.19491231002x", "110105491231002"]
    db = build_db(tmp_path / "every.duckdb", "ALTER TABLE marts.public_disclosure ADD COLUMN remark VARCHAR")
    con = duckdb.connect(str(db))
    try:
        text_columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
            "AND table_name = 'public_disclosure' AND data_type = 'VARCHAR' AND column_name <> 'record_id'").fetchall()]
        for i, column in enumerate(text_columns):
            con.execute(f"UPDATE marts.public_disclosure SET {column} = ? WHERE record_id = 'R1'",
                        [f"见{spellings[i % len(spellings)]}号"])
    finally:
        con.close()
    outcome = run_suite(db, "marts_public_disclosure", run_id="every", params=AS_OF)
    result = only(failed(outcome), "expect_table_to_hold_no_id_numbers", None)
    assert result.observed_value["columns"] == sorted(text_columns)
    assert result.observed_value["keys_sample"] == ["R1"]


def test_a_date_stamped_number_is_not_an_id_number(tmp_path):
    """Shape alone is not enough: 210200202611050001 (region, date, serial) fails the check character."""
    db = build_db(tmp_path / "serial.duckdb",
                  "UPDATE marts.public_disclosure SET entity_name = '罚字〔2026〕210200202611050001号' WHERE record_id = 'R1'")
    assert not run_suite(db, "marts_public_disclosure", run_id="serial", params=AS_OF).blocking_failed


def test_results_are_written_to_audit_gate_results(good_run):
    db, _, outcomes = good_run
    rows = audit_rows(db, "run_id = 'good-run'")
    assert len(rows) == sum(len(o.results) for o in outcomes)
    assert set(rows[0]) == {"run_id", "suite_name", "table_name", "expectation_type", "kwargs_json", "severity",
                            "success", "observed_value", "error", "checked_at"}
    row = next(r for r in rows if r["suite_name"] == "marts_public_disclosure"
               and r["expectation_type"] == "expect_column_values_to_be_between")
    assert json.loads(row["kwargs_json"]) == {"column": "disclosure_until", "min_value": "2026-11-22"}
    assert row["severity"] == "fail" and row["success"] is True
    assert json.loads(row["observed_value"])["unexpected_count"] == 0


def test_data_docs_are_built(good_run):
    _, docs, _ = good_run
    index = docs / "index.html"
    assert index.is_file()
    html = index.read_text(encoding="utf-8")
    assert "marts_public_disclosure" in html
    assert list((docs / "validations").rglob("*.html"))


def test_database_is_writable_by_another_process_afterwards(good_run):
    db, _, _ = good_run
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute('CREATE OR REPLACE TABLE main.after_gates AS SELECT 1 AS x'); c.close(); print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-2000:]


# ------------------------------------------------------------------ each failure is caught


BLOCKING_CASES = {
    "id_number_in_public_text": (
        "marts_public_disclosure",
        f"UPDATE marts.public_disclosure SET violation_facts = '当事人张三（身份证号 {ID_NUMBER}）销售过期食品' "
        "WHERE record_id = 'R1'",
        ("expect_table_to_hold_no_id_numbers", None),
    ),
    "id_number_in_a_new_text_column": (
        "marts_public_disclosure",
        "ALTER TABLE marts.public_disclosure ADD COLUMN remark VARCHAR; "
        "UPDATE marts.public_disclosure SET remark = '联系人 1101 0119 9003 0712 33' WHERE record_id = 'R3'",
        ("expect_table_to_hold_no_id_numbers", None),
    ),
    "natural_person_published": (
        "marts_public_disclosure",
        "INSERT INTO marts.public_disclosure (record_id, entity_type, entity_name, dataset, disclosure_until) "
        "VALUES ('R9', '自然人', '王五', 'penalty', DATE '2027-01-01')",
        ("expect_column_values_to_not_be_in_set", "entity_type"),
    ),
    "record_past_disclosure_until": (
        "marts_public_disclosure",
        "UPDATE marts.public_disclosure SET disclosure_until = DATE '2026-11-21' WHERE record_id = 'R1'",
        ("expect_column_values_to_be_between", "disclosure_until"),
    ),
    "public_record_twice": (
        "marts_public_disclosure",
        "INSERT INTO marts.public_disclosure SELECT * FROM marts.public_disclosure WHERE record_id = 'R1'",
        ("expect_column_values_to_be_unique", "record_id"),
    ),
    "reconciliation_read_gap": (
        "audit_reconciliation",
        "UPDATE audit.reconciliation SET rows_loaded = 1 WHERE file_path = 'scjgj/p.csv'",
        ("unexpected_rows_expectation", None),
    ),
    "reconciliation_clean_gap": (
        "audit_reconciliation",
        "UPDATE audit.reconciliation SET clean_rows = 4 WHERE file_path = 'scjgj/l.xlsx'",
        ("unexpected_rows_expectation", None),
    ),
    "reconciliation_null_count": (
        "audit_reconciliation",
        "UPDATE audit.reconciliation SET rows_rejected = NULL WHERE file_path = 'scjgj/p.csv'",
        ("unexpected_rows_expectation", None),
    ),
    "rate_above_one": (
        "marts_dual_disclosure_compliance",
        "UPDATE marts.dual_disclosure_compliance SET late_rate = 1.2 WHERE dataset = 'license'",
        ("expect_column_values_to_be_between", "late_rate"),
    ),
    "compliance_key_duplicated": (
        "marts_dual_disclosure_compliance",
        "INSERT INTO marts.dual_disclosure_compliance VALUES ('scjgj', '2026-11', 'penalty', 1, 1, 1.0, 0.0, 0.0)",
        ("expect_compound_columns_to_be_unique", None),
    ),
    "entity_id_duplicated": (
        "marts_dim_entity",
        "INSERT INTO marts.dim_entity VALUES ('E1', '法人及非法人组织', '另一家公司', '91350100M000100Y43')",
        ("expect_column_values_to_be_unique", "entity_id"),
    ),
    "uscc_wrong_length": (
        "marts_dim_entity",
        "UPDATE marts.dim_entity SET uscc = '91350100M000100Y4' WHERE entity_id = 'E1'",
        ("expect_column_value_lengths_to_equal", "uscc"),
    ),
    "unknown_entity_type": (
        "marts_dim_entity",
        "UPDATE marts.dim_entity SET entity_type = '法人' WHERE entity_id = 'E1'",
        ("expect_column_values_to_be_in_set", "entity_type"),
    ),
    "record_id_duplicated": (
        "marts_fct_credit_record",
        "INSERT INTO marts.fct_credit_record VALUES ('R1', 'E1', 'penalty', 'public', DATE '2026-10-20', 1.5)",
        ("expect_column_values_to_be_unique", "record_id"),
    ),
    "unknown_disclosure_status": (
        "marts_fct_credit_record",
        "UPDATE marts.fct_credit_record SET disclosure_status = 'shown' WHERE record_id = 'R1'",
        ("expect_column_values_to_be_in_set", "disclosure_status"),
    ),
    "raw_row_without_lineage": (
        "raw_penalty",
        "UPDATE raw.penalty SET file_hash = NULL WHERE source_row = 3",
        ("expect_column_values_to_not_be_null", "file_hash"),
    ),
}


@pytest.mark.parametrize("case", sorted(BLOCKING_CASES))
def test_blocking_failure_is_caught(tmp_path, case):
    suite, sql, (etype, column) = BLOCKING_CASES[case]
    db = build_db(tmp_path / "bad.duckdb", sql)
    outcome = run_suite(db, suite, run_id=f"bad-{case}", params=AS_OF)
    assert outcome.blocking_failed, outcome.summary()
    bad = failed(outcome)
    assert len(bad) == 1, outcome.summary()
    result = bad[0]
    assert result.expectation_type == etype and result.severity == "fail" and result.error is None
    if column is not None:
        assert result.kwargs["column"] == column
    rows = audit_rows(db, f"run_id = 'bad-{case}' AND NOT success")
    assert [(r["expectation_type"], r["severity"]) for r in rows] == [(etype, "fail")]


def test_id_numbers_found_never_reach_results_audit_or_docs(tmp_path):
    suite, sql, _ = BLOCKING_CASES["id_number_in_public_text"]
    db = build_db(tmp_path / "pii.duckdb", sql)
    docs = tmp_path / "docs"
    outcome = run_suite(db, suite, run_id="pii", params=AS_OF, docs_dir=docs)
    result = failed(outcome)[0]
    assert result.observed_value["unexpected_count"] == 1
    assert result.observed_value["columns"] == ["violation_facts"]
    dumped = json.dumps([(r["observed_value"], r["error"]) for r in audit_rows(db, "run_id = 'pii'")],
                        ensure_ascii=False)
    assert ID_NUMBER not in dumped
    for page in docs.rglob("*.html"):
        assert ID_NUMBER not in page.read_text(encoding="utf-8"), page


def test_as_of_is_a_runtime_parameter(tmp_path):
    db = build_db(tmp_path / "asof.duckdb")  # R6 is shown until 2026-11-22 inclusive
    assert not run_suite(db, "marts_public_disclosure", run_id="a1", params={"as_of": "2026-11-22"}).blocking_failed
    later = run_suite(db, "marts_public_disclosure", run_id="a2", params={"as_of": "2026-11-23"})
    result = only(failed(later), "expect_column_values_to_be_between", "disclosure_until")
    assert result.kwargs["min_value"] == "2026-11-23"
    assert result.observed_value["partial_unexpected_list"] == ["2026-11-22"]


# ------------------------------------------------------------------ warn severity


def test_warn_failure_is_recorded_but_not_blocking(tmp_path):
    db = build_db(tmp_path / "warn.duckdb",
                  "UPDATE marts.fct_credit_record SET decision_date = DATE '1899-12-31' WHERE record_id = 'R4'; "
                  "UPDATE marts.fct_credit_record SET fine_amount_wan = -1 WHERE record_id = 'R2'; "
                  "DELETE FROM raw.license")
    fct, lic = run_suites(db, ["marts_fct_credit_record", "raw_license"], run_id="warn", params=AS_OF)
    for outcome in (fct, lic):
        assert not outcome.success and not outcome.blocking_failed, outcome.summary()
        assert all(r.severity == "warn" and r.error is None for r in failed(outcome))
    assert {r.kwargs["column"] for r in failed(fct)} == {"decision_date", "fine_amount_wan"}
    assert only(failed(lic), "expect_table_row_count_to_be_between").observed_value == 0
    rows = audit_rows(db, "run_id = 'warn' AND NOT success")
    assert len(rows) == 3 and {r["severity"] for r in rows} == {"warn"}
    raise_if_blocked([fct, lic])  # warnings do not block


def test_raise_if_blocked(tmp_path):
    db = build_db(tmp_path / "b.duckdb", BLOCKING_CASES["rate_above_one"][1])
    outcomes = run_suites(db, ["marts_dual_disclosure_compliance"], run_id="b", params=AS_OF)
    with pytest.raises(GateBlocked, match="late_rate"):
        raise_if_blocked(outcomes)


# ------------------------------------------------------------------ checks that cannot run fail


def test_missing_suite_file_is_a_failed_result(tmp_path):
    db = build_db(tmp_path / "db.duckdb")
    missing, ok = run_suites(db, ["no_such_suite", "raw_penalty"], run_id="m", params=AS_OF)
    assert missing.blocking_failed and not missing.success
    [result] = missing.results
    assert result.expectation_type == "gate.load_suite" and result.severity == "fail"
    assert "not found" in result.error
    assert ok.success
    assert [r["expectation_type"] for r in audit_rows(db, "run_id = 'm' AND suite_name = 'no_such_suite'")] == [
        "gate.load_suite"]


@pytest.mark.parametrize("content, message", [
    ("name: broken\nexpectations: [\n", "cannot read"),
    ("name: broken\nmeta: {table: marts.dim_entity}\nexpectations:\n"
     "  - {type: expect_column_values_to_be_unique, kwargs: {column: entity_id}}\n", "severity"),
    ("name: broken\nmeta: {table: dim_entity}\nexpectations:\n"
     "  - {type: expect_column_values_to_be_unique, kwargs: {column: entity_id}, meta: {severity: fail}}\n",
     "schema.table"),
    ("name: broken\nmeta: {table: marts.dim_entity}\nexpectations:\n"
     "  - {type: expect_column_values_to_be_unique, kwargs: {column: entity_id}, meta: {severity: fatal}}\n",
     "severity"),
])
def test_invalid_suite_file_is_a_failed_result(tmp_path, content, message):
    db = build_db(tmp_path / "db.duckdb")
    (tmp_path / "broken.yml").write_text(content, encoding="utf-8")
    [outcome] = run_suites(db, ["broken"], run_id="inv", params=AS_OF, suites_dir=tmp_path)
    [result] = outcome.results
    assert outcome.blocking_failed and result.expectation_type == "gate.load_suite"
    assert message in result.error


def test_empty_suite_directory_is_a_failed_result(tmp_path):
    db = build_db(tmp_path / "db.duckdb")
    (tmp_path / "suites").mkdir()
    [outcome] = run_suites(db, run_id="none", params=AS_OF, suites_dir=tmp_path / "suites")
    assert outcome.blocking_failed and outcome.results[0].expectation_type == "gate.load_suite"
    assert len(audit_rows(db, "run_id = 'none'")) == 1


def test_missing_table_is_a_failed_result(tmp_path):
    db = build_db(tmp_path / "db.duckdb", "DROP TABLE marts.public_disclosure")
    outcome = run_suite(db, "marts_public_disclosure", run_id="t", params=AS_OF)
    [result] = outcome.results
    assert outcome.blocking_failed
    assert result.expectation_type == "gate.table_exists" and not result.success and result.severity == "fail"
    assert "marts.public_disclosure" in result.error


def test_missing_database_is_a_failed_result_and_no_file_is_created(tmp_path):
    db = tmp_path / "nowhere.duckdb"
    [outcome] = run_suites(db, ["raw_penalty"], run_id="nodb", params=AS_OF)
    assert outcome.blocking_failed and outcome.results[0].expectation_type == "gate.open_database"
    assert not db.exists()


def test_gx_import_error_is_a_failed_result(tmp_path, monkeypatch):
    db = build_db(tmp_path / "db.duckdb")
    monkeypatch.setitem(sys.modules, "great_expectations", None)  # `import great_expectations` now fails
    outcomes = run_suites(db, ["raw_penalty", "marts_dim_entity"], run_id="nogx", params=AS_OF)
    for outcome in outcomes:
        [result] = outcome.results
        assert outcome.blocking_failed and result.expectation_type == "gate.import_gx"
        assert "ImportError" in result.error or "ModuleNotFoundError" in result.error
    assert len(audit_rows(db, "run_id = 'nogx'")) == 2


def test_expectation_that_raises_is_a_failed_result_and_others_still_run(tmp_path):
    db = build_db(tmp_path / "db.duckdb")
    suite = {
        "name": "mixed",
        "meta": {"table": "marts.public_disclosure"},
        "expectations": [
            {"type": "unexpected_rows_expectation",
             "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE no_such_column = 1"},
             "meta": {"severity": "warn"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"},
             "meta": {"severity": "warn"}},
            {"type": "expect_column_values_to_be_between",
             "kwargs": {"column": "disclosure_until", "min_value": {"$PARAMETER": "not_given"}},
             "meta": {"severity": "warn"}},
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "record_id"},
             "meta": {"severity": "fail"}},
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1},
             "meta": {"severity": "warn"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "entity_id"},
             "meta": {"severity": "warn"}},
        ],
    }
    (tmp_path / "mixed.yml").write_text(yaml.safe_dump(suite, allow_unicode=True), encoding="utf-8")
    outcome = run_suite(db, "mixed", run_id="mixed", params=AS_OF, suites_dir=tmp_path)
    bad = failed(outcome)
    assert len(bad) == 3 and outcome.blocking_failed
    for result in bad:
        assert result.severity == "fail" and result.error and "declared severity warn" in result.error
    assert "no_such_column" in only(bad, "unexpected_rows_expectation").error
    assert "not_given" in only(bad, "expect_column_values_to_be_between").error
    passed = [r for r in outcome.results if r.success]
    assert len(passed) == 3 and all(r.error is None for r in passed)


def test_caller_holding_a_connection_gets_failed_results_not_passes(tmp_path):
    db = build_db(tmp_path / "db.duckdb")
    held = duckdb.connect(str(db))  # DuckDB refuses duckdb-engine's differently configured connection
    try:
        outcome = run_suite(db, "raw_penalty", run_id="held", params=AS_OF)
        [result] = outcome.results
        assert outcome.blocking_failed and result.expectation_type == "gate.run_suite"
        assert held.execute("SELECT count(*) FROM audit.gate_results WHERE run_id = 'held'").fetchone() == (1,)
    finally:
        held.close()


def test_rerun_with_the_same_run_id_replaces_its_rows(tmp_path):
    db = build_db(tmp_path / "db.duckdb")
    first = run_suite(db, "raw_penalty", run_id="same", params=AS_OF)
    run_suite(db, "raw_penalty", run_id="same", params=AS_OF)
    run_suite(db, "raw_penalty", run_id="other", params=AS_OF)
    assert len(audit_rows(db, "run_id = 'same'")) == len(first.results)
    assert len(audit_rows(db, "run_id = 'other'")) == len(first.results)


def test_failed_statement_does_not_poison_the_kept_connection(tmp_path):
    """Fix 1 keeps one connection per engine; a failed query must not break the next one."""
    import great_expectations as gx
    import sqlalchemy as sa

    from dagster_project.gates import gx_duckdb

    db = build_db(tmp_path / "db.duckdb")
    context = gx.get_context(mode="ephemeral")
    datasource = context.data_sources.add_sql(name="probe", connection_string=f"duckdb:///{db}")
    try:
        engine = gx_duckdb.prepare_execution_engine(datasource, "marts")
        with pytest.raises(Exception):
            engine.execute_query(sa.text("SELECT no_such_column FROM dim_entity")).fetchall()
        assert engine.execute_query(sa.text("SELECT count(*) FROM dim_entity")).fetchall() == [(3,)]
        assert gx_duckdb.table_columns(engine, "raw", "no_such_table") == []
    finally:
        gx_duckdb.dispose(datasource)
    done = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()", str(db)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


# ------------------------------------------------------------------ hold the record, not the night


def test_rows_a_blocking_check_blames_are_held_and_the_suite_then_passes(tmp_path):
    from dagster_project.gates import blamed_records, hold_records

    db = build_db(tmp_path / "hold.duckdb",
                  "UPDATE marts.public_disclosure SET entity_name = '张三 1101 0519 4912 3100 2X' WHERE record_id = 'R1'; "
                  "INSERT INTO marts.public_disclosure (record_id, entity_type, entity_name, dataset, disclosure_until) "
                  "VALUES ('R9', '自然人', '王五', 'penalty', DATE '2027-01-01')")
    suite = load_suite("marts_public_disclosure")
    outcome = run_suite(db, suite.name, run_id="hold", params=AS_OF)
    assert outcome.blocking_failed
    blamed = blamed_records(db, suite, outcome, AS_OF)
    assert set(blamed) == {"R1", "R9"}
    held = hold_records(db, suite, blamed, run_id="hold")
    assert {h.record_id for h in held} == {"R1", "R9"}
    assert "entity_name" in next(h.reasons for h in held if h.record_id == "R1")
    again = run_suite(db, suite.name, run_id="hold-again", params=AS_OF)
    assert not again.blocking_failed, again.summary()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT record_id FROM marts.public_disclosure ORDER BY 1").fetchall() == [("R3",), ("R6",)]
        assert con.execute("SELECT disclosure_status FROM marts.fct_credit_record WHERE record_id = 'R1'").fetchall() \
            == [("held",)]
        rows = con.execute("SELECT record_id, department, dataset FROM audit.gate_held_records ORDER BY 1").fetchall()
        assert rows == [("R1", "scjgj", "penalty"), ("R9", None, "penalty")]
        # nothing of the ID number is in what the gate wrote
        dumped = json.dumps(con.execute("SELECT * FROM audit.gate_held_records").fetchall(), default=str)
        assert "4912" not in dumped
    finally:
        con.close()


def test_a_failure_no_row_explains_still_blocks(tmp_path):
    from dagster_project.gates import blamed_records

    db = build_db(tmp_path / "nohold.duckdb", "DROP TABLE marts.public_disclosure")
    suite = load_suite("marts_public_disclosure")
    outcome = run_suite(db, suite.name, run_id="nohold", params=AS_OF)
    assert outcome.blocking_failed and blamed_records(db, suite, outcome, AS_OF) is None
    # a suite without hold_key never holds: its failures block
    db2 = build_db(tmp_path / "nokey.duckdb",
                   "UPDATE marts.fct_credit_record SET disclosure_status = 'shown' WHERE record_id = 'R1'")
    other = load_suite("marts_fct_credit_record")
    outcome2 = run_suite(db2, other.name, run_id="nokey", params=AS_OF)
    assert outcome2.blocking_failed and blamed_records(db2, other, outcome2, AS_OF) is None
