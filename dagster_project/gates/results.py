"""What a gate run yields: one result per expectation, one outcome per suite, and the failures that stop
publication. A check that could not run is a failed result (severity ``fail``) with the error text, masked."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

from dagster_project.gates.masking import mask_text
from dagster_project.gates.suites import Suite

# Synthetic expectation types for checks that could not run at all.
GATE_LOAD_SUITE = "gate.load_suite"
GATE_OPEN_DATABASE = "gate.open_database"
GATE_IMPORT_GX = "gate.import_gx"
GATE_TABLE_EXISTS = "gate.table_exists"
GATE_RUN_SUITE = "gate.run_suite"


@dataclass(frozen=True)
class GateResult:
    suite_name: str
    table_name: str
    expectation_type: str
    kwargs: dict[str, Any]
    severity: str  # fail | warn
    success: bool
    observed_value: Any = None  # JSON-able
    error: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "fail" and not self.success

    @property
    def kwargs_json(self) -> str:
        return dumps(self.kwargs)

    @property
    def observed_value_json(self) -> str | None:
        return None if self.observed_value is None else dumps(self.observed_value)


@dataclass
class SuiteOutcome:
    suite_name: str
    table_name: str
    run_id: str
    results: list[GateResult]
    checked_at: datetime = field(default_factory=lambda: utcnow())

    @property
    def blocking_failed(self) -> bool:
        """True when any `fail`-severity expectation failed (or could not run)."""
        return any(r.blocking for r in self.results)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def failures(self) -> list[GateResult]:
        return [r for r in self.results if not r.success]

    @property
    def warnings(self) -> list[GateResult]:
        return [r for r in self.results if not r.success and r.severity == "warn"]

    def summary(self) -> str:
        failed = self.failures
        state = "BLOCKED" if self.blocking_failed else ("WARN" if failed else "OK")
        lines = [f"{self.suite_name} ({self.table_name}): {state}, {len(self.results) - len(failed)}/{len(self.results)} passed"]
        for r in failed:
            what = r.kwargs.get("column") or r.kwargs.get("column_list") or ""
            detail = r.error or dumps(r.observed_value)
            lines.append(f"  [{r.severity}] {r.expectation_type} {what}: {detail}"[:400])
        return "\n".join(lines)


class GateBlocked(RuntimeError):
    """Raised by `raise_if_blocked` when a blocking expectation failed."""

    def __init__(self, outcomes: list[SuiteOutcome]):
        self.outcomes = outcomes
        blocked = [o for o in outcomes if o.blocking_failed]
        super().__init__("quality gate blocked publication:\n" + "\n".join(o.summary() for o in blocked))


class GateAuditWriteError(RuntimeError):
    """The results could not be written to audit.gate_results; `.outcomes` still holds them."""

    def __init__(self, message: str, outcomes: list[SuiteOutcome]):
        super().__init__(message)
        self.outcomes = outcomes


def raise_if_blocked(outcomes: Iterable[SuiteOutcome]) -> None:
    outcomes = list(outcomes)
    if any(o.blocking_failed for o in outcomes):
        raise GateBlocked(outcomes)


def failed(suite: Suite, expectation_type: str, kwargs: Mapping[str, Any], error: str,
            declared: str | None = None) -> GateResult:
    if declared and declared != "fail":
        error = f"{error} (declared severity {declared}; a check that could not run counts as fail)"
    return GateResult(suite.name, suite.table, expectation_type, jsonable(dict(kwargs)), "fail",
                      False, None, mask_text(error))


def failed_outcome(suite_name: str, table: str, run_id: str, checked_at: datetime,
                    expectation_type: str, error: str) -> SuiteOutcome:
    result = GateResult(suite_name, table, expectation_type, {}, "fail", False, None, mask_text(error))
    return SuiteOutcome(suite_name, table, run_id, [result], checked_at)


def json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=json_default, sort_keys=True)


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=json_default))


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
