"""Hold the record, not the night.

When a blocking gate on a table with a `hold_key` (suite meta) fails because of particular rows, those
records are held: taken out of the checked table, marked `held` in marts.fct_credit_record (and in the
history snapshot's current version), put on their department's 整改清单 (marts.fct_rectification_item)
and listed in audit.gate_held_records; the caller then runs the suite again, which must pass. A failure
that no row explains (an expectation about the whole table, a check that could not run, or a row-level
check whose rows cannot be found) holds nothing: it still blocks publishing.

Which rows a failed expectation blames is the expectation's own predicate, restated in SQL for the
row-level types below; any other type is not attributable.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster_project.gates.id_scan import id_number_offenders
from dagster_project.gates.results import SuiteOutcome
from dagster_project.gates.suites import NO_ID_NUMBERS, Suite
from dagster_project.settings import quote_identifier

HELD_TABLE = "audit.gate_held_records"
HELD_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_held_records (
    run_id        varchar not null,
    suite_name    varchar not null,
    table_name    varchar not null,
    record_id     varchar not null,
    department    varchar,
    dataset       varchar,
    reasons       varchar not null,   -- the failed checks, e.g. expect_table_to_hold_no_id_numbers(entity_name)
    held_at       timestamp not null default current_timestamp
);
"""
DEFAULT_MESSAGE_ZH = "发布前质量闸门发现该记录含有不得公示的内容，已暂缓公示；请核对后更正重新报送"


@dataclass(frozen=True)
class HeldRecord:
    record_id: str
    department: str | None
    dataset: str | None
    reasons: str


def _sql_name(table: str) -> str:
    return ".".join(quote_identifier(p) for p in table.split("."))


def _columns(con, table: str) -> set[str]:
    schema, name = table.split(".")
    return {c for (c,) in con.execute("select column_name from information_schema.columns "
                                      "where table_schema = ? and table_name = ?", [schema, name]).fetchall()}


def _literal(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _resolve(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"$PARAMETER"}:
        return params.get(value["$PARAMETER"])
    return value


def _row_predicate(expectation_type: str, kwargs: dict[str, Any], params: dict[str, Any], table_sql: str) -> str | None:
    """SQL that is true for the rows the expectation finds unexpected; None when it blames no row."""
    column = kwargs.get("column")
    if column is None:
        return None
    col = quote_identifier(column)
    if expectation_type == "expect_column_values_to_not_be_in_set":
        return f"{col} in ({', '.join(_literal(v) for v in kwargs['value_set'])})"
    if expectation_type == "expect_column_values_to_be_in_set":
        return f"{col} is not null and {col} not in ({', '.join(_literal(v) for v in kwargs['value_set'])})"
    if expectation_type == "expect_column_values_to_not_be_null":
        return f"{col} is null"
    if expectation_type == "expect_column_values_to_not_match_regex":
        return f"regexp_matches({col}, {_literal(kwargs['regex'])})"
    if expectation_type == "expect_column_values_to_be_between":
        low, high = _resolve(kwargs.get("min_value"), params), _resolve(kwargs.get("max_value"), params)
        parts = []
        if low is not None:
            parts.append(f"{col} < {_literal(low)}")
        if high is not None:
            parts.append(f"{col} > {_literal(high)}")
        return " or ".join(parts) or None
    if expectation_type == "expect_column_values_to_be_unique":
        return f"{col} in (select {col} from {table_sql} group by {col} having count(*) > 1)"
    return None


def blamed_records(db_path: Path, suite: Suite, outcome: SuiteOutcome, params: dict[str, Any]) -> dict[str, list[str]] | None:
    """record key -> the failed checks that blame it; None when some blocking failure blames no row."""
    import duckdb

    key = suite.meta.get("hold_key")
    if not key or not outcome.blocking_failed:
        return None
    blocking = [r for r in outcome.results if r.blocking]
    blamed: dict[str, list[str]] = {}
    table_sql = ".".join(quote_identifier(p) for p in suite.table.split("."))
    for result in blocking:
        if result.error is not None:
            return None  # a check that could not run explains nothing
        label = f"{result.expectation_type}({result.kwargs.get('column') or ''})"
        if result.expectation_type == NO_ID_NUMBERS:
            rows = {k: cols for k, cols in id_number_offenders(db_path, suite.table, key).items()}
            for k, cols in rows.items():
                blamed.setdefault(k, []).append(f"{result.expectation_type}({', '.join(cols)})")
            if not rows:
                return None
            continue
        predicate = _row_predicate(result.expectation_type, result.kwargs, params, table_sql)
        if predicate is None:
            return None
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            keys = [r[0] for r in con.execute(f"select distinct cast({quote_identifier(key)} as varchar) from {table_sql} "
                                                f"where {predicate}").fetchall()]
        finally:
            con.close()
        if not keys or any(k is None for k in keys):
            return None
        for k in keys:
            blamed.setdefault(k, []).append(label)
    return blamed or None


def hold_records(db_path: Path, suite: Suite, blamed: dict[str, list[str]], *, run_id: str) -> list[HeldRecord]:
    """Take the blamed records out of the checked table and hold them (see the module docstring)."""
    import duckdb

    key = suite.meta["hold_key"]
    message = suite.meta.get("hold_message_zh", DEFAULT_MESSAGE_ZH)
    table_sql = _sql_name(suite.table)
    rows = [(k, "; ".join(v)) for k, v in sorted(blamed.items())]
    con = duckdb.connect(str(db_path))
    try:
        con.execute(HELD_DDL)
        con.execute("begin transaction")
        con.execute("create temp table held_now (record_id varchar, reasons varchar)")
        con.executemany("insert into held_now values (?, ?)", rows)
        has = {t for (t,) in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables").fetchall()}
        facts = "marts.fct_credit_record" in has
        # the department and dataset of each record, from the checked table (before its rows go) or the facts
        origin = "null::varchar as department, null::varchar as dataset"
        for source in (suite.table, "marts.fct_credit_record"):
            if source in has and {"department", "dataset", key} <= _columns(con, source):
                origin = (f"(select department from {_sql_name(source)} as o where cast(o.{quote_identifier(key)} as varchar) "
                          f"= h.record_id limit 1) as department, (select dataset from {_sql_name(source)} as o "
                          f"where cast(o.{quote_identifier(key)} as varchar) = h.record_id limit 1) as dataset")
                break
        con.execute(f"delete from {HELD_TABLE} where run_id = ? and suite_name = ?", [run_id, suite.name])
        con.execute(
            f"insert into {HELD_TABLE} (run_id, suite_name, table_name, record_id, department, dataset, reasons) "
            f"select ?, ?, ?, h.record_id, o.department, o.dataset, h.reasons "
            f"from held_now as h, lateral (select {origin}) as o",
            [run_id, suite.name, suite.table])
        con.execute(f"delete from {table_sql} where cast({quote_identifier(key)} as varchar) in (select record_id from held_now)")
        for target, current in (("marts.fct_credit_record", ""),
                                ("history.snap_credit_record_status", " and dbt_valid_to is null")):
            if target not in has or target == suite.table:
                continue
            reason = ", disclosure_reason_zh = ?" if "disclosure_reason_zh" in _columns(con, target) else ""
            con.execute(f"update {target} set disclosure_status = 'held'{reason} "
                        f"where record_id in (select record_id from held_now){current}", [message] if reason else [])
        if facts and {"marts.fct_rectification_item", "intermediate.int_decision_versions", "ref.departments"} <= has:
            _add_rectification_items(con, message)
        held = [HeldRecord(*r) for r in con.execute(
            f"select record_id, department, dataset, reasons from {HELD_TABLE} where run_id = ? and suite_name = ? "
            "order by department, record_id", [run_id, suite.name]).fetchall()]
        con.execute("commit")
        return held
    except BaseException:
        try:
            con.execute("rollback")
        except Exception:  # noqa: BLE001 - nothing open
            pass
        raise
    finally:
        con.close()


def _add_rectification_items(con, message: str) -> None:
    """One 整改清单 row per held record, in the month of its latest drop, with the file and row it came from."""
    columns = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'fct_rectification_item' order by ordinal_position").fetchall()]
    values = {
        "department": "f.department", "department_name": "coalesce(d.department_name, f.department)",
        "month": "strftime(f.latest_drop_date, '%Y-%m')", "dataset": "f.dataset", "record_id": "f.record_id",
        "submission_id": "f.latest_submission_id", "decision_no": "f.decision_no", "party_name": "f.party_name",
        "decision_date": "f.decision_date", "drop_date": "f.latest_drop_date", "issue_kind": "'violation'",
        "rule_id": "'GATE_HELD'", "severity": "'error'", "rule_message_zh": "?",
        "column_label_zh": "'发布前质量闸门'", "offending_value": "null", "workdays_to_drop": "null",
        "source_file": "v.file_path", "source_row": "v.source_row",
        # listed in its month only (the record is not a 整改事项 of int_rectification_cases): not tracked
        "first_listed_month": "strftime(f.latest_drop_date, '%Y-%m')", "item_status": "'not_tracked'",
        "is_overdue": "false", "superseded_on": "null", "column_name": "null",
        "notice_date": "dl.notice_date", "rectification_deadline": "dl.rectification_deadline",
    }
    deadlines = "intermediate.int_rectification_deadlines"
    has_deadlines = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'intermediate' "
        "and table_name = 'int_rectification_deadlines'").fetchone()[0] > 0
    deadline_join = (f"left join {deadlines} as dl on dl.month = strftime(f.latest_drop_date, '%Y-%m') "
                     if has_deadlines else "left join (select null::date as notice_date, "
                     "null::date as rectification_deadline) as dl on true ")
    select = ", ".join(values.get(c, "null") for c in columns)
    con.execute(
        "delete from marts.fct_rectification_item where rule_id = 'GATE_HELD' "
        "and record_id in (select record_id from held_now)")
    con.execute(
        f"insert into marts.fct_rectification_item ({', '.join(quote_identifier(c) for c in columns)}) "
        f"select {select} from held_now as h "
        "inner join marts.fct_credit_record as f on f.record_id = h.record_id "
        "left join intermediate.int_decision_versions as v on v.submission_id = f.latest_submission_id "
        "left join ref.departments as d on d.department = f.department "
        + deadline_join,
        [message])

