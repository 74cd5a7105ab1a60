"""Reading the marts one month's 通报 is made of (read-only): the SQL and nothing else. What the rows mean is
month_data.py's; what is judged of them, verdicts.py and judgement.py."""
from __future__ import annotations

import os
from collections import defaultdict
from datetime import date
from pathlib import Path

from .errors import ReportError
from .fmt import dataset_order_sql, shift_month
from .month_data import INTAKE_FILE_REFUSED, INTAKE_ROWS_REFUSED, Counts, IntakeProblem, Item, MartRow, Progress, Violation

COMPLIANCE_TABLE = "marts.dual_disclosure_compliance"
ITEM_TABLE = "marts.fct_rectification_item"
VIOLATION_TABLE = "marts.fct_rule_violation_summary"
#: What each drop became (optional: a warehouse built before issue 17 lacks them; the section then says so).
INTAKE_TABLE = "marts.fct_intake_file"
REJECTION_TABLE = "marts.fct_intake_rejection_summary"
#: 整改 to closure (optional: a warehouse built before it lacks the table and the item lifecycle columns).
PROGRESS_TABLE = "marts.rectification_progress"
BUILD_INFO_TABLE = "audit.build_info"


def connect(warehouse: Path):
    import duckdb

    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise ReportError(f"找不到数据仓库文件 {warehouse}（请先运行构建）")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # e.g. locked by a running build
        raise ReportError(f"无法以只读方式打开数据仓库 {warehouse}：{exc}") from exc


def check_tables(con) -> None:
    have = {
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    missing = [t for t in (COMPLIANCE_TABLE, ITEM_TABLE, VIOLATION_TABLE) if t not in have]
    if missing:
        raise ReportError(
            "数据仓库中缺少生成通报所需的表：" + "、".join(missing) + "（请先运行 dbt 构建 marts）"
        )


MONTH_SQL = "left(cast(month as varchar), 7)"


def load_rows(con, first: str, last: str) -> list[MartRow]:
    have = _columns(con, COMPLIANCE_TABLE)  # a warehouse built before fair judgement lacks the last two
    judged = "judged_compliant_records" if "judged_compliant_records" in have else "null"
    optional = "optional_completeness_rate" if "optional_completeness_rate" in have else "null"
    sql = f"""
        select department, department_name, district, {MONTH_SQL} as m, dataset,
               coalesce(records, 0), coalesce(compliant_records, 0), coalesce(late_records, 0),
               coalesce(date_readable_records, 0), coalesce(code_check_records, 0),
               coalesce(code_error_records, 0), coalesce(code_conflict_records, 0),
               coalesce(is_missing_report, false),
               compliance_rate, late_rate, on_time_rate, code_error_rate, completeness_rate,
               {judged}, {optional}
        from {COMPLIANCE_TABLE}
        where {MONTH_SQL} between ? and ?
        order by m, department, dataset
    """
    out = []
    for r in con.execute(sql, [first, last]).fetchall():
        out.append(
            MartRow(
                department=str(r[0]),
                department_name=str(r[1] if r[1] is not None else r[0]),
                district=str(r[2]) if r[2] is not None else "未注明",
                month=r[3],
                dataset=str(r[4]),
                counts=Counts(*(int(x) for x in r[5:12])),
                is_missing_report=bool(r[12]),
                compliance_rate=_f(r[13]),
                late_rate=_f(r[14]),
                on_time_rate=_f(r[15]),
                code_error_rate=_f(r[16]),
                completeness_rate=_f(r[17]),
                judged_compliant=None if r[18] is None else int(r[18]),
                optional_completeness_rate=_f(r[19]),
            )
        )
    return out


def _f(x) -> float | None:
    return None if x is None else float(x)


def load_violations(con, month: str) -> list[Violation]:
    """Violations of the month per rule. A rule whose message varies (e.g. the late rule,
    whose message names the number of working days) is labelled by the messages' common
    part, so that it counts as one rule."""
    sql = f"""
        select coalesce(cast(rule_id as varchar), ''), coalesce(cast(rule_message_zh as varchar), ''),
               sum(coalesce(violation_count, 0))::bigint, list(distinct department order by department)
        from {VIOLATION_TABLE}
        where {MONTH_SQL} = ?
        group by 1, 2
        having sum(coalesce(violation_count, 0)) > 0
        order by 1, 3 desc, 2
    """
    by_rule: dict[str, list[tuple[str, int, list[str]]]] = defaultdict(list)
    for rule_id, message, count, depts in con.execute(sql, [month]).fetchall():
        by_rule[rule_id].append((message, int(count), list(depts)))
    out = []
    for rule_id, rows in by_rule.items():
        messages = [m for m, _, _ in rows]
        out.append(
            Violation(
                rule_id=rule_id,
                rule_message_zh=_common_label(messages, rule_id),
                count=sum(c for _, c, _ in rows),
                departments=len({d for _, _, ds in rows for d in ds}),
            )
        )
    out.sort(key=lambda v: (-v.count, v.rule_id))
    return out


def _common_label(messages: list[str], rule_id: str) -> str:
    messages = sorted({m for m in messages if m})
    if not messages:
        return rule_id or "（未注明）"
    if len(messages) == 1:
        return messages[0]
    prefix = os.path.commonprefix(messages)
    depth = 0
    cut = len(prefix)
    for i, ch in enumerate(prefix):  # drop an unclosed bracket and what follows it
        if ch in "（(":
            if depth == 0:
                cut = i
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                cut = len(prefix)
    label = prefix[:cut] if depth > 0 else prefix
    label = label.rstrip("0123456789第，,、；;：: ")
    return label if len(label) >= 4 else messages[0]


def _columns(con, table: str) -> set[str]:
    schema, name = table.split(".")
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }


_LIFECYCLE_COLUMNS = {"case_id", "first_listed_month", "superseded_on", "closed_on", "rectification_deadline"}


def _month_end(month: str) -> date:
    y, m = (int(p) for p in shift_month(month, 1).split("-"))
    return date.fromordinal(date(y, m, 1).toordinal() - 1)


def cutoff(con, month: str) -> date:
    """The day the month's 整改 status is judged at: the month's last day, or the build's as-of date if earlier
    (the same cut-off marts.rectification_progress uses)."""
    end = _month_end(month)
    if has_tables(con, BUILD_INFO_TABLE):
        row = con.execute(f"select max(as_of) from {BUILD_INFO_TABLE}").fetchone()
        if row and row[0] is not None and row[0] < end:
            return row[0]
    return end


def load_items(con, month: str, cutoff: date | None = None) -> dict[str, list[Item]]:
    """The month's 整改清单 rows: every problem sent in the month, and every problem of a held record listed in an
    earlier month whose 整改事项 is still open at ``cutoff`` (its latest held version's problems: a version replaced
    by a later one by then is not listed again)."""
    have = _columns(con, ITEM_TABLE)
    severity = "cast(severity as varchar)" if "severity" in have else "null"
    lifecycle = _LIFECYCLE_COLUMNS <= have and cutoff is not None

    def col(name: str, cast: str = "varchar") -> str:
        return f"try_cast({name} as {cast})" if name in have else f"null::{cast}"

    extra = ", ".join([col("column_name"), col("case_id"), col("first_listed_month"), col("opened_on", "date"),
                       col("notice_date", "date"), col("rectification_deadline", "date"),
                       col("publication_deadline", "date"), col("workdays_to_drop", "bigint"),
                       col("closed_on", "date"), col("close_reason")])
    carried = ("""
           or (case_id is not null and {m} < ? and (superseded_on is null or superseded_on > ?)
               and (closed_on is null or closed_on > ?))""".format(m=MONTH_SQL) if lifecycle else "")
    params: list = [month] + ([month, cutoff, cutoff] if lifecycle else [])
    sql = f"""
        select department, department_name, {MONTH_SQL}, dataset, cast(record_id as varchar),
               cast(decision_no as varchar), cast(party_name as varchar),
               try_cast(decision_date as date), try_cast(drop_date as date),
               issue_kind, cast(rule_id as varchar), cast(rule_message_zh as varchar),
               cast(column_label_zh as varchar), cast(offending_value as varchar),
               cast(source_file as varchar), try_cast(source_row as bigint), {severity}, {extra}
        from {ITEM_TABLE}
        where {MONTH_SQL} = ?{carried}
        order by department,
                 {"first_listed_month," if lifecycle else ""}
                 {dataset_order_sql("dataset")}, dataset,
                 source_file nulls last, source_row nulls last, decision_date nulls last,
                 issue_kind, rule_id nulls last, record_id nulls last,
                 column_label_zh nulls last, offending_value nulls last
    """
    out: dict[str, list[Item]] = defaultdict(list)
    for r in con.execute(sql, params).fetchall():
        case_id, first_listed, opened_on, deadline, closed_on = r[18], r[19], r[20], r[22], r[25]
        if closed_on is not None and cutoff is not None and closed_on > cutoff:
            closed_on = None  # closed after this month's cut-off: still open as this month saw it
        tracked = case_id is not None
        until = closed_on or cutoff
        out[str(r[0])].append(
            Item(
                department=str(r[0]),
                department_name=str(r[1] if r[1] is not None else r[0]),
                month=r[2],
                dataset=str(r[3]),
                record_id=r[4],
                decision_no=r[5],
                party_name=r[6],
                decision_date=r[7],
                drop_date=r[8],
                issue_kind=str(r[9]),
                rule_id=r[10],
                rule_message_zh=r[11],
                column_label_zh=r[12],
                offending_value=r[13],
                source_file=r[14],
                source_row=None if r[15] is None else int(r[15]),
                severity=r[16],
                column_name=r[17],
                case_id=case_id,
                first_listed_month=first_listed or r[2],
                opened_on=opened_on,
                notice_date=r[21],
                rectification_deadline=deadline,
                publication_deadline=r[23],
                workdays_to_drop=None if r[24] is None else int(r[24]),
                closed_on=closed_on if tracked else None,
                close_reason=r[26] if tracked and closed_on is not None else None,
                days_outstanding=(until - opened_on).days if tracked and opened_on and until else None,
                is_overdue=bool(tracked and closed_on is None and deadline is not None and cutoff is not None
                                and deadline < cutoff),
                carried_over=r[2] != month,
            )
        )
    return dict(sorted(out.items()))


def load_progress(con, month: str) -> dict[str, Progress]:
    sql = f"""
        select department, department_name, month, try_cast(cutoff_date as date), open_at_start_items,
               opened_items, closed_items, withdrawn_items, closed_late_items, open_items, carried_over_items,
               overdue_items
        from {PROGRESS_TABLE}
        where {MONTH_SQL} = ?
        order by department
    """
    return {
        str(r[0]): Progress(str(r[0]), str(r[1] if r[1] is not None else r[0]), r[2], r[3],
                            *(int(x or 0) for x in r[4:12]))
        for r in con.execute(sql, [month]).fetchall()
    }


def has_tables(con, *tables: str) -> bool:
    have = {
        f"{s}.{t}"
        for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    return all(t in have for t in tables)


def load_intake_status(con, first: str, last: str) -> dict[tuple[str, str], tuple[str, str, bool]]:
    """(department, month) -> (name, district, failed) for registered departments that sent files:
    failed when some file or row was refused and nothing of the month's latest attempts was loaded."""
    sql = f"""
        select department, {MONTH_SQL} as m, any_value(department_name), any_value(district),
               count(*) filter (where is_refused or rows_rejected > 0) > 0
               and coalesce(sum(rows_loaded), 0) = 0
               and count(*) filter (where status = 'already_loaded') = 0
        from {INTAKE_TABLE}
        where is_known_department and is_latest_attempt and {MONTH_SQL} between ? and ?
        group by 1, 2
    """
    return {(str(r[0]), r[1]): (str(r[2] or r[0]), str(r[3] or "未注明"), bool(r[4]))
            for r in con.execute(sql, [first, last]).fetchall()}


def load_intake_problems(con, month: str) -> dict[str, list[IntakeProblem]]:
    sql = f"""
        select department, department_name, try_cast(drop_date as date), file_name, file_path, sheet_name,
               kind, reason_code, reason_zh, what_to_do_zh, rows, first_row, last_row
        from (
            select department, department_name, drop_date, file_name, file_path, sheet_name,
                   0 as k, '{INTAKE_FILE_REFUSED}' as kind, reason_code,
                   coalesce(reason_zh, reason_label_zh) as reason_zh, what_to_do_zh,
                   null::bigint as rows, null::bigint as first_row, null::bigint as last_row
            from {INTAKE_TABLE}
            where is_refused and is_known_department and is_latest_attempt and {MONTH_SQL} = ?
            union all
            select r.department, r.department_name, r.drop_date, r.file_name, r.file_path, r.sheet_name,
                   1, '{INTAKE_ROWS_REFUSED}', r.reason_code, r.reason_label_zh, r.what_to_do_zh,
                   r.rejected_rows, r.first_source_row, r.last_source_row
            from {REJECTION_TABLE} as r
            inner join {INTAKE_TABLE} as f using (intake_file_id)
            where f.is_known_department and f.is_latest_attempt and {MONTH_SQL.replace("month", "r.month")} = ?
        )
        order by department, drop_date nulls last, file_path, sheet_name nulls first, k, reason_code
    """
    out: dict[str, list[IntakeProblem]] = defaultdict(list)
    for r in con.execute(sql, [month, month]).fetchall():
        out[str(r[0])].append(
            IntakeProblem(
                department=str(r[0]),
                department_name=str(r[1] if r[1] is not None else r[0]),
                drop_date=r[2],
                file_name=str(r[3] or r[4]),
                file_path=str(r[4]),
                sheet_name=r[5],
                kind=str(r[6]),
                reason_code=r[7],
                reason_zh=r[8],
                what_to_do_zh=r[9],
                rows=None if r[10] is None else int(r[10]),
                first_row=None if r[11] is None else int(r[11]),
                last_row=None if r[12] is None else int(r[12]),
            )
        )
    return dict(sorted(out.items()))
