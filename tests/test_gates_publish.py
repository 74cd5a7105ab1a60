"""Only a gated build is published: each injected failure stops publication and leaves yesterday's
warehouse answering; a warning is recorded and publishes; readers are never blocked by a publish."""
from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.cli import _summarise
from dagster_project.settings import person_key_path, work_db_path

AS_OF = "2026-11-22"


@pytest.fixture
def warehouse_copy(sample_build, tmp_path, monkeypatch):
    """A private copy of the sample's published and working databases."""
    src, _ = sample_build
    dst = tmp_path / "credit.duckdb"
    for a, b in ((src, dst), (work_db_path(src), work_db_path(dst))):
        shutil.copy2(a, b)
    if person_key_path(src).exists():
        shutil.copy2(person_key_path(src), person_key_path(dst))
    monkeypatch.setenv("CREDIT_WAREHOUSE", str(dst))
    monkeypatch.setenv("CREDIT_DROPS", str(src.parent / "drops"))
    monkeypatch.setenv("CREDIT_AS_OF", AS_OF)
    return dst


def published_run_id(warehouse) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select run_id from audit.build_info").fetchall()[0][0]
    finally:
        con.close()


def tamper(warehouse, sql: str) -> None:
    con = duckdb.connect(str(work_db_path(warehouse)))
    try:
        con.execute(sql)
    finally:
        con.close()


def gate_and_publish() -> dict:
    from dagster_project.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("gate_and_publish").execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
        return _summarise(result)


def assert_blocked(warehouse, before: str, summary: dict, gate: str) -> None:
    assert not summary["success"]
    assert summary["checks"][gate].startswith("FAILED (ERROR)")
    assert "published_warehouse" not in summary["assets"]
    assert published_run_id(warehouse) == before          # yesterday's build is still the published one
    con = duckdb.connect(str(warehouse), read_only=True)  # and it still answers
    assert con.execute("select count(*) from marts.public_disclosure").fetchall()[0][0] > 0
    con.close()


# rows the public gate can blame: those records are held and the rest of the night publishes
HELD_INJECTIONS = {
    "id_number_in_public_text": "update marts.public_disclosure set penalty_content = '当事人 110105-19491231-002X' "
                                "where record_id = (select min(record_id) from marts.public_disclosure)",
    "natural_person_published": "update marts.public_disclosure set entity_type = '自然人' "
                                "where record_id = (select min(record_id) from marts.public_disclosure)",
    "record_past_its_window": f"update marts.public_disclosure set disclosure_until = date '{AS_OF}' - 1 "
                              "where record_id = (select min(record_id) from marts.public_disclosure)",
}
# failures no row explains: publishing stops
INJECTIONS = {
    "reconciliation_gap": (
        "update audit.reconciliation set clean_rows = clean_rows - 1 "
        "where file_path = (select min(file_path) from audit.reconciliation)", "gate_audit_reconciliation"),
    "public_view_missing": ("drop table marts.public_disclosure", "gate_marts_public_disclosure"),
}


@pytest.mark.parametrize("name", sorted(INJECTIONS))
def test_injected_failure_blocks_publication(warehouse_copy, name):
    sql, gate = INJECTIONS[name]
    before = published_run_id(warehouse_copy)
    tamper(warehouse_copy, sql)
    assert_blocked(warehouse_copy, before, gate_and_publish(), gate)


@pytest.mark.parametrize("name", sorted(HELD_INJECTIONS))
def test_a_record_the_public_gate_blames_is_held_and_the_night_publishes(warehouse_copy, name):
    con = duckdb.connect(str(work_db_path(warehouse_copy)), read_only=True)
    record = con.execute("select min(record_id) from marts.public_disclosure").fetchall()[0][0]
    public_before = con.execute("select count(*) from marts.public_disclosure").fetchall()[0][0]
    con.close()
    tamper(warehouse_copy, HELD_INJECTIONS[name])
    summary = gate_and_publish()
    assert summary["success"] and "published_warehouse" in summary["assets"]
    assert summary["checks"]["gate_marts_public_disclosure"] == "passed"
    assert [h["record_id"] for h in summary["held"]] == [record]
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    try:
        assert con.execute("select count(*) from marts.public_disclosure").fetchall()[0][0] == public_before - 1
        assert con.execute("select disclosure_status from marts.fct_credit_record where record_id = ?",
                           [record]).fetchall() == [("held",)]
        assert con.execute("select count(*) from audit.gate_held_records where record_id = ?",
                           [record]).fetchall() == [(1,)]
        # on the department's 整改清单
        assert con.execute("select count(*) from marts.fct_rectification_item where record_id = ? "
                           "and rule_id = 'GATE_HELD'", [record]).fetchall() == [(1,)]
        assert not con.execute("select count(*) from marts.public_disclosure where penalty_content like '%002X%'"
                               ).fetchall()[0][0]
    finally:
        con.close()


def test_a_killed_publish_leaves_no_file_behind_after_the_next(warehouse_copy):
    """A publish killed mid-way leaves <warehouse>.publishing-<pid>; the next publish removes it (its process is
    gone), and leaves a live publisher's file alone."""
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = warehouse_copy.parent / f"{warehouse_copy.name}.publishing-{dead.stdout.strip()}"
    stale.write_bytes(b"half a database")
    live = warehouse_copy.parent / f"{warehouse_copy.name}.publishing-1"   # pid 1 is always alive
    live.write_bytes(b"someone else's")
    assert gate_and_publish()["success"]
    assert not stale.exists() and live.exists()


def test_missing_suite_file_is_a_failed_gate(warehouse_copy, tmp_path, monkeypatch):
    from dagster_project.paths import EXPECTATIONS_DIR

    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    (suites / "marts_public_disclosure.yml").unlink()
    monkeypatch.setenv("CREDIT_EXPECTATIONS_DIR", str(suites))
    before = published_run_id(warehouse_copy)
    assert_blocked(warehouse_copy, before, gate_and_publish(), "gate_marts_public_disclosure")


def test_clean_build_publishes_and_records_every_result(warehouse_copy):
    before = published_run_id(warehouse_copy)
    summary = gate_and_publish()
    assert summary["success"] and "published_warehouse" in summary["assets"]
    after = published_run_id(warehouse_copy)
    assert after != before
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    rows = con.execute("select suite_name, severity, success from audit.gate_results where run_id = ?", [after]).fetchall()
    con.close()
    assert {r[0] for r in rows} >= {"marts_public_disclosure", "audit_reconciliation", "raw_penalty"}


def test_warning_failure_is_recorded_and_still_publishes(warehouse_copy):
    # a negative fine is a department's data problem: a warning in the figures, not a reason to stop the city
    tamper(warehouse_copy, "update marts.fct_credit_record set fine_amount_wan = -5 "
                           "where record_id = (select min(record_id) from marts.fct_credit_record)")
    summary = gate_and_publish()
    assert summary["success"]
    assert summary["checks"]["gate_marts_fct_credit_record"] == "FAILED (WARN)"
    run_id = published_run_id(warehouse_copy)
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    warned = con.execute("""select count(*) from audit.gate_results where run_id = ? and suite_name = 'marts_fct_credit_record'
                            and severity = 'warn' and not success""", [run_id]).fetchall()[0][0]
    con.close()
    assert warned >= 1


def test_reader_keeps_reading_while_a_build_publishes(warehouse_copy):
    reader = duckdb.connect(str(warehouse_copy), read_only=True)
    before = reader.execute("select run_id from audit.build_info").fetchall()[0][0]
    summary = gate_and_publish()
    assert summary["success"]
    # the open reader still answers from the file it opened; a new reader sees tonight's build
    assert reader.execute("select run_id from audit.build_info").fetchall()[0][0] == before
    assert reader.execute("select count(*) from marts.dim_entity").fetchall()[0][0] > 0
    reader.close()
    assert published_run_id(warehouse_copy) != before
