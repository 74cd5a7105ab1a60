"""Nightly operations: schedules, the drops sensor and the failure notifier, evaluated with Dagster's own
test helpers."""
from __future__ import annotations

import json

import dagster as dg

from dagster_project import operations
from dagster_project.definitions import defs


def test_nightly_schedule_runs_the_build_at_the_configured_time_and_zone():
    schedule = defs.resolve_schedule_def("nightly_build_schedule")
    assert schedule.cron_schedule == operations.NIGHTLY_CRON == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_build"
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=None))
    assert len(result.run_requests) == 1


def test_monthly_report_schedule_asks_for_last_months_partition():
    from datetime import datetime
    schedule = defs.resolve_schedule_def("monthly_report_schedule")
    assert schedule.job_name == "monthly_report_job"
    tick = datetime(2026, 12, 3, 8, 0)
    with dg.instance_for_test() as instance:
        result = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=tick))
    assert [r.partition_key for r in result.run_requests] == ["2026-11-01"]


def test_drops_sensor_starts_a_build_only_for_new_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDIT_DROPS", str(tmp_path))
    (tmp_path / "swj" / "2026-11-17").mkdir(parents=True)
    (tmp_path / ".hidden" / "x").mkdir(parents=True)
    sensor = defs.resolve_sensor_def("new_drops_sensor")

    first = sensor.evaluate_tick(dg.build_sensor_context())
    assert len(first.run_requests) == 1 and "swj/2026-11-17" in first.run_requests[0].tags["credit/new_folders"]
    assert json.loads(first.cursor) == ["swj/2026-11-17"]

    again = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert not again.run_requests and again.skip_message

    (tmp_path / "zjj" / "2026-11-18").mkdir(parents=True)
    third = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert len(third.run_requests) == 1 and third.run_requests[0].tags["credit/new_folders"] == "zjj/2026-11-18"


def test_failure_is_written_where_an_operator_looks(tmp_path):
    log = tmp_path / "credit.duckdb.failures.log"
    line = operations.failure_report("run-1", "nightly_build", "gate marts_public_disclosure failed")
    operations.notify_failure(line, log, webhook_url="http://127.0.0.1:9/unreachable")
    text = log.read_text(encoding="utf-8")
    assert "run-1 (nightly_build) FAILED: gate marts_public_disclosure failed" in text
    assert "webhook failed" in text   # a dead webhook is noted, and the failure line is still there


def test_nightly_job_runs_one_step_at_a_time():
    # every step writes the same DuckDB file: the code location's executor is in-process
    job = defs.resolve_job_def("nightly_build")
    assert job.executor_def.name == "in_process"
