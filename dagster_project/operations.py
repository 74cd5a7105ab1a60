"""Nightly operations: when builds run, what starts them, and where a failure is reported."""
from __future__ import annotations

import json
import os
import urllib.request
from datetime import datetime
from pathlib import Path

import dagster as dg

from dagster_project.settings import BuildSettings

NIGHTLY_CRON = os.environ.get("CREDIT_NIGHTLY_CRON", "0 2 * * *")
MONTHLY_REPORT_CRON = os.environ.get("CREDIT_MONTHLY_REPORT_CRON", "0 8 3 * *")
TIMEZONE = os.environ.get("CREDIT_TIMEZONE", "Asia/Shanghai")


def drop_folders(drops_root: Path) -> list[str]:
    """Every <department>/<date> folder under the drops root, as 'dept/date', sorted (hidden ones skipped)."""
    if not drops_root.is_dir():
        return []
    return sorted(
        f"{dept.name}/{day.name}"
        for dept in drops_root.iterdir() if dept.is_dir() and not dept.name.startswith(".")
        for day in dept.iterdir() if day.is_dir() and not day.name.startswith(".")
    )


def new_drop_folders(current: list[str], cursor: str | None) -> list[str]:
    seen = set(json.loads(cursor)) if cursor else set()
    return [f for f in current if f not in seen]


def failure_report(run_id: str, job_name: str, message: str) -> str:
    return f"{datetime.now().isoformat(timespec='seconds')} run {run_id} ({job_name}) FAILED: {message}"


def notify_failure(line: str, log_file: Path, webhook_url: str | None) -> None:
    """Append to the operator's log; POST to a webhook when one is configured (never raises)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    if webhook_url:
        try:
            req = urllib.request.Request(webhook_url, data=json.dumps({"text": line}).encode("utf-8"),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=10).close()
        except Exception as exc:  # the log line above is the record; a dead webhook must not hide it
            with open(log_file, "a", encoding="utf-8") as f:
                f.write(f"  (webhook failed: {exc})\n")


def build_operations(nightly_job: dg.UnresolvedAssetJobDefinition, report_job: dg.UnresolvedAssetJobDefinition):
    nightly_schedule = dg.ScheduleDefinition(
        name="nightly_build_schedule", job=nightly_job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Every night: ingest what arrived, rebuild, gate, publish.",
    )
    monthly_schedule = dg.build_schedule_from_partitioned_job(
        report_job, name="monthly_report_schedule", hour_of_day=8, day_of_month=3,
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )

    @dg.sensor(job=nightly_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts a build when a new <department>/<date> folder appears under CREDIT_DROPS.")
    def new_drops_sensor(context: dg.SensorEvaluationContext):
        current = drop_folders(BuildSettings.from_env().drops_root)
        fresh = new_drop_folders(current, context.cursor)
        if not fresh:
            return dg.SkipReason("no new drop folders")
        context.update_cursor(json.dumps(current))
        return dg.RunRequest(run_key=f"drops:{fresh[-1]}:{len(current)}", tags={"credit/new_folders": ",".join(fresh[:20])})

    @dg.run_failure_sensor(name="build_failure_notifier", default_status=dg.DefaultSensorStatus.RUNNING)
    def build_failure_notifier(context: dg.RunFailureSensorContext):
        settings = BuildSettings.from_env()
        line = failure_report(context.dagster_run.run_id, context.dagster_run.job_name, context.failure_event.message or "")
        notify_failure(line, Path(str(settings.warehouse) + ".failures.log"), os.environ.get("CREDIT_FAILURE_WEBHOOK"))

    return [nightly_schedule, monthly_schedule], [new_drops_sensor, build_failure_notifier]
