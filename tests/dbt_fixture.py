"""Build the dbt project over a hand-made raw layer (for rule tests that need exact cases)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from dagster_project.dbt_project import dbt_failure, run_dbt
from dagster_project.settings import dbt_build_args


def dbt_build(warehouse: Path, as_of: date, target_path: Path, extra: list[str] | None = None) -> None:
    """`dbt build` into work_db_path(warehouse), through the resource every dbt command of the package uses;
    raises with dbt's errors when anything fails. Artifacts and dbt.log in target_path, nothing written into
    the dbt project."""
    env = {"CREDIT_WAREHOUSE": str(warehouse), "CREDIT_PERSON_KEY": "test-key", "CREDIT_AS_OF": as_of.isoformat()}
    result = run_dbt([*dbt_build_args(), *(extra or [])], env=env, target_path=target_path)
    if not result.is_successful():
        raise AssertionError(f"dbt build failed:\n{dbt_failure(result)[-8000:]}")


# mart columns stamped with the start of the dbt invocation that computed the row (int_records' recorded_at, which
# fct_credit_record carries; dim_entity's built_at): two builds of the same data differ there by construction
INVOCATION_STAMPS = ("recorded_at", "built_at")
# and what an engine compares besides: dim_entity's rules_digest covers the macros as the engine renders them
ENGINE_BOOKKEEPING = (*INVOCATION_STAMPS, "rules_digest")
