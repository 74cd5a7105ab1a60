"""Attacks on ingestion (issue 16, items 6 and 7). Each bad input must fail with a clear message (a reason
code, Chinese then English), lose nothing (every row of every file is loaded, rejected with a reason, or in a
quarantined file or sheet; the ledger reconciles) and leave the rest of the night alone.

Fast except the tests marked `slow` (a dbt build, a Spark session)."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dagster_project.ingest import REASON_CODES, IngestResult, ingest_drops  # noqa: E402
from dagster_project.ingest import loader as loader_module  # noqa: E402
from dagster_project.ingest.limits import LIMITS_FILE, IngestLimits, load_limits  # noqa: E402
from dagster_project.ingest.seeds import load_seeds  # noqa: E402
from dagster_project.paths import DBT_PROJECT_DIR, SEEDS_DIR  # noqa: E402
from ingest_fixtures import (append_rows_xml, columns, dataset_rows, empty_string_rows, labels,  # noqa: E402
                             penalty_csv, rewrite_xlsx, write_xlsx, write_xlsx_formulas, write_xlsx_states)

DEPT, DAY = "scjgj", "2026-11-01"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------------------------- helpers


def put(root: Path, rel: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return p


def ingest(root: Path, con: duckdb.DuckDBPyConnection | None = None, **kw) -> tuple[duckdb.DuckDBPyConnection, IngestResult]:
    con = con or duckdb.connect()
    return con, ingest_drops(con, root, root.with_name(root.name + ".raw"), **kw)


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()[0]


def rel(root: Path, p: Path) -> str:
    return p.relative_to(root).as_posix()


def assert_clear(reason: str, *must: str) -> None:
    """One sentence in Chinese, ' / ', the same in English; naming what it must name."""
    zh, sep, en = reason.partition(" / ")
    assert sep and CHINESE.search(zh) and re.search(r"[A-Za-z]{3}", en), reason
    for m in must:
        assert m in reason, (m, reason)


def assert_nothing_lost(con, sent: dict[tuple[str, str | None], int]) -> None:
    """`sent`: (file path, sheet or None) -> data rows the department sent. Each is loaded (rows_read = rows sent
    = rows in raw.<dataset> + raw.rejected_rows for that file and sheet) or sits in quarantine (the whole file, or
    that sheet) with a reason. The ledger balances, and nothing is loaded that was not sent."""
    ledger = rows(con, "select file_path, sheet_name, status, dataset, rows_read, rows_loaded, rows_rejected"
                       " from raw.ingest_ledger")
    assert all(r[4] == r[5] + r[6] for r in ledger)
    by_key = {(r[0], r[1]): r for r in ledger}
    quarantined_files = {p for (p,) in rows(con, "select distinct file_path from raw.quarantine")}
    for (path, sheet), n in sent.items():
        whole = by_key.get((path, None))
        if whole and whole[2] == "quarantined":
            assert path in quarantined_files, path
            continue
        r = by_key.get((path, sheet))
        assert r is not None, (path, sheet, "not in the ledger")
        status, dataset, read, loaded, rejected = r[2], r[3], r[4], r[5], r[6]
        if status == "quarantined":
            assert path in quarantined_files and read == 0, (path, sheet)
            continue
        assert status == "loaded", (path, sheet, status)
        assert read == n, (path, sheet, read, n)
        got = scalar(con, f"select count(*) from raw.{dataset} where file_path = ? and sheet_name is not distinct from ?",
                     path, sheet)
        rej = scalar(con, "select count(*) from raw.rejected_rows where file_path = ? and sheet_name is not distinct from ?",
                     path, sheet)
        assert (got, rej) == (loaded, rejected), (path, sheet)
    loaded_paths = {p for (p,) in rows(con, "select distinct file_path from raw.penalty union select distinct file_path from raw.license")}
    assert loaded_paths <= {p for p, _s in sent}


def quarantine(con) -> dict[str, tuple[str, str]]:
    """file_path -> (reason_code, reason) (one row per file here)."""
    return {p: (c, r) for p, c, r in rows(con, "select file_path, reason_code, reason from raw.quarantine")}


# --------------------------------------------------------------------------------------------- 1. unknown department


def test_unknown_department_folder_is_quarantined_and_never_loaded(tmp_path):
    a = put(tmp_path, f"nosuchdept/{DAY}/a.csv", penalty_csv(3))
    b = write_xlsx(tmp_path / "nosuchdept" / DAY / "b.xlsx", {"处罚": [labels("penalty")] + dataset_rows("penalty", 2, 10)})
    bad_date = put(tmp_path, "nosuchdept/20261101/c.csv", penalty_csv(1, 20))
    good = put(tmp_path, f"{DEPT}/{DAY}/ok.csv", penalty_csv(4, 30))
    con, res = ingest(tmp_path)
    q = quarantine(con)
    for p in (a, b, bad_date):
        code, reason = q[rel(tmp_path, p)]
        assert code == "unknown_department"
        assert_clear(reason, "nosuchdept", "departments.csv", "部门代码")
        assert "移" in reason and "add" in reason and "move" in reason  # what to do, both languages
    assert "unknown_department" in REASON_CODES
    # nothing of it reaches the raw tables dbt reads (so nothing is ranked or criticised)
    assert rows(con, "select distinct department from raw.penalty") == [(DEPT,)]
    assert scalar(con, "select count(*) from raw.rejected_rows") == 0
    # counted in the ledger and the result: every file is somewhere
    assert rows(con, "select department, status, rows_read from raw.ingest_ledger where file_path = ?", rel(tmp_path, a)) == [
        ("nosuchdept", "quarantined", 0)]
    assert res.files_seen == 4 and res.files_quarantined == 3 and res.files_loaded == 1
    assert res.quarantine_codes == {"unknown_department": 3}
    assert_nothing_lost(con, {(rel(tmp_path, a), None): 3, (rel(tmp_path, b), "处罚"): 2,
                              (rel(tmp_path, bad_date), None): 1, (rel(tmp_path, good), None): 4})
    # the summary (Dagster metadata) names each file and its reason
    meta = res.metadata()
    listed = {e["file"]: e for e in meta["quarantined"]}
    assert set(listed) == {rel(tmp_path, p) for p in (a, b, bad_date)}
    assert listed[rel(tmp_path, a)]["code"] == "unknown_department" and "nosuchdept" in listed[rel(tmp_path, a)]["reason"]
    json.dumps(meta)  # plain JSON for Dagster
    # the next night: nothing new
    _, res2 = ingest(tmp_path, con)
    assert res2.files_already_quarantined == 3 and res2.rows_read == 0


def test_unknown_department_loads_once_the_code_is_registered(tmp_path, monkeypatch):
    a = put(tmp_path, f"newdept/{DAY}/a.csv", penalty_csv(3))
    con, res = ingest(tmp_path)
    assert quarantine(con)[rel(tmp_path, a)][0] == "unknown_department" and res.rows_loaded == 0
    # the operator adds the department to departments.csv: the same bytes are read again without a retry flag
    seeds = load_seeds()
    seeds.departments = frozenset(seeds.departments | {"newdept"})
    monkeypatch.setattr(loader_module, "load_seeds", lambda: seeds)
    _, res2 = ingest(tmp_path, con)
    assert res2.rows_loaded == 3 and res2.files_loaded == 1
    assert rows(con, "select distinct department from raw.penalty") == [("newdept",)]
    _, res3 = ingest(tmp_path, con)
    assert res3.rows_read == 0 and res3.files_already_loaded == 1


def test_unknown_department_reason_suggests_the_code_it_resembles(tmp_path):
    a = put(tmp_path, f"SCJGJ/{DAY}/a.csv", penalty_csv(2))
    con, _ = ingest(tmp_path)
    code, reason = quarantine(con)[rel(tmp_path, a)]
    assert code == "unknown_department" and "「scjgj」" in reason and "'scjgj'" in reason


def test_departments_are_read_from_the_seed():
    with open(SEEDS_DIR / "departments.csv", encoding="utf-8-sig", newline="") as f:
        codes = {r["department"].strip() for r in csv.DictReader(f)}
    assert load_seeds().departments == codes and "scjgj" in codes


def test_run_summary_lists_quarantined_files_with_reasons_then_how_many_more(tmp_path, capsys):
    from dagster_project.cli import _print_run_summary

    for k in range(25):
        put(tmp_path, f"dept{k:02d}/{DAY}/a.csv", penalty_csv(1, k))
    put(tmp_path, f"{DEPT}/{DAY}/ok.csv", penalty_csv(2, 100))
    _, res = ingest(tmp_path)
    summary = {"assets": {"raw/ingest_ledger": res.metadata()}, "checks": {}, "log_file": "x.log"}
    _print_run_summary(summary, tmp_path / "w.duckdb")
    out = capsys.readouterr().out
    listed = [ln for ln in out.splitlines() if "unknown_department" in ln]
    assert len(listed) == 20
    assert "dept00/2026-11-01/a.csv" in listed[0] and "不是已登记的部门代码" in listed[0]
    assert "… and 5 more" in out
    assert "25 quarantined" in out
    # a summary without the list (older metadata) still prints
    _print_run_summary({"assets": {"raw/ingest_ledger": {"files_loaded": 1, "files_quarantined": 0}}, "checks": {},
                        "log_file": "x.log"}, tmp_path / "w.duckdb")
    assert "归集 ingest" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------- 2. content hash per department


def test_same_bytes_from_another_department_are_credited_to_it(tmp_path):
    text = penalty_csv(5)
    a = put(tmp_path, f"{DEPT}/2026-11-01/a.csv", text)
    b = put(tmp_path, "swj/2026-11-02/转发.csv", text)        # the same bytes, another department
    con, res = ingest(tmp_path)
    assert res.files_loaded == 2 and res.files_already_loaded == 0 and res.rows_loaded == 10
    assert rows(con, "select department, count(*) from raw.penalty group by 1 order by 1") == [(DEPT, 5), ("swj", 5)]
    # the same bytes from the same department under another name still add nothing
    c = put(tmp_path, "swj/2026-11-03/again.csv", text)
    _, res2 = ingest(tmp_path, con)
    assert res2.files_already_loaded == 3 and res2.rows_read == 0
    assert rows(con, "select department, status, rows_read from raw.ingest_ledger where file_path = ?", rel(tmp_path, c)) == [
        ("swj", "already_loaded", 0)]
    assert scalar(con, "select count(*) from raw.penalty") == 10
    assert_nothing_lost(con, {(rel(tmp_path, a), None): 5, (rel(tmp_path, b), None): 5})
    _, res3 = ingest(tmp_path, con)
    assert res3.rows_read == 0 and scalar(con, "select count(*) from raw.ingest_ledger") == 3


# --------------------------------------------------------------------------------------------- 3, 4. serial dates, scientific amounts (dbt macros)

DATE_CASES = {
    "46086": date(2026, 3, 5), "46086.0": date(2026, 3, 5), "46086.00": date(2026, 3, 5), " 46086.0 ": date(2026, 3, 5),
    "４６０８６": date(2026, 3, 5), "20260305": date(2026, 3, 5), "2026-03-05": date(2026, 3, 5),
    "2026.3.5": date(2026, 3, 5), "2026年3月5日": date(2026, 3, 5),
    # Excel's 1900 system: 1 = 1900-01-01; 60 is its 1900-02-29, a day that never was; 61 = 1900-03-01
    "1": date(1900, 1, 1), "59": date(1900, 2, 28), "60": None, "61": date(1900, 3, 1),
    "2958465": date(9999, 12, 31), "2958466": None, "0": None, "00": None,
    "46086.5": None, "-46086": None, "46086.0.0": None, "4.6086e4": None, "46086.": None, "20261305": None,
}
AMOUNT_CASES = {
    "1e3": None, "1E3": None, "1.5e-2": None, "1e+3": None, "2E2万元": None, "１e３": None, "1_000": None,
    "inf": None, "NaN": None, "0x10": None, "五万": None, "1.2.3": None,
    "1,234.5万元": Decimal("1234.5"), "5万": Decimal("5"), "５": Decimal("5"), "-3": Decimal("-3"),
    ".5": Decimal("0.5"), "5.": Decimal("5"), "+2": Decimal("2"), "1 000": Decimal("1000"), "0005": Decimal("5"),
}


def _sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _cases_sql(macro: str, cases: dict) -> str:
    union = " union all ".join(f"select {_sql_literal(v)} as v" for v in cases)
    return f"select v, {{{{ {macro}('v') }}}} as got from ({union}) as cases"


def compile_inline(sql: str, target: str, tmp_path: Path) -> str:
    """The SQL dbt compiles `sql` to for `target` (duckdb or spark): the project's own macros, no database."""
    env = dict(os.environ, CREDIT_WAREHOUSE=str(tmp_path / "w.duckdb"), CREDIT_PERSON_KEY="test-key",
               CREDIT_AS_OF="2026-11-22", CREDIT_SPARK_DIR=str(tmp_path / "spark"))
    cmd = [sys.executable, "-m", "dbt.cli.main", "compile", "--quiet", "--no-populate-cache", "--inline", sql,
           "--target", target, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(tmp_path / f"target_{target}"), "--log-path", str(tmp_path / "logs")]
    r = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout.strip()


@pytest.fixture(scope="module")
def duckdb_macros(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("macros")
    con = duckdb.connect()
    out = {}
    for macro, cases in (("parse_date", DATE_CASES), ("parse_amount_wan", AMOUNT_CASES)):
        out[macro] = dict(con.execute(compile_inline(_cases_sql(macro, cases), "duckdb", tmp)).fetchall())
    return out


def test_excel_serial_dates_parse_and_yyyymmdd_stays_a_date(duckdb_macros):
    got = duckdb_macros["parse_date"]
    assert {v: got[v] for v in DATE_CASES} == DATE_CASES


def test_scientific_notation_amounts_are_unparseable(duckdb_macros):
    got = duckdb_macros["parse_amount_wan"]
    assert {v: (None if got[v] is None else Decimal(got[v]).normalize()) for v in AMOUNT_CASES} == {
        v: (None if e is None else e.normalize()) for v, e in AMOUNT_CASES.items()}


def test_the_amount_rule_that_holds_them_says_what_is_wrong():
    """NULL from parse_amount_wan with text sent = AMOUNT_UNPARSEABLE (int_rule_violations): its message."""
    with open(SEEDS_DIR / "rules.csv", encoding="utf-8-sig", newline="") as f:
        rule = {r["rule_id"]: r for r in csv.DictReader(f)}["AMOUNT_UNPARSEABLE"]
    assert rule["dataset"] == "penalty" and rule["severity"] == "error"
    assert "不是数字" in rule["message_zh"] and "万元" in rule["message_zh"]


# The Spark forms of parse_date and parse_amount_wan are held to the DuckDB ones by tests/test_spark_parity.py,
# whose adversarial rows carry these cases (a serial with .0, scientific notation): one Spark session, not two.


def test_serials_and_scientific_amounts_arrive_in_raw_as_sent(tmp_path):
    """Ingestion keeps values as sent (a CSV's '46086.0', an Excel number cell's '46086', a date cell's date):
    parse_date reads them all; '1e3' stays '1e3' for the amount rule to report."""
    cols = columns("penalty")
    rec = dataset_rows("penalty", 3)
    rec[0][cols.index("decision_date")] = "46086.0"
    rec[1][cols.index("fine_amount")] = "1e3"
    p = put(tmp_path, f"{DEPT}/{DAY}/a.csv", "\r\n".join(",".join(r) for r in [labels("penalty")] + rec) + "\r\n")
    xrec: list[list[object]] = [list(r) for r in dataset_rows("penalty", 2, 10)]
    xrec[0][cols.index("decision_date")] = 46086.0           # a plain number cell
    xrec[1][cols.index("decision_date")] = date(2026, 3, 5)  # a date-formatted cell
    x = write_xlsx(tmp_path / DEPT / DAY / "b.xlsx", {"处罚": [labels("penalty")] + xrec})
    con, _ = ingest(tmp_path)
    got = dict(rows(con, "select decision_no, decision_date from raw.penalty"))
    assert got[rec[0][cols.index("decision_no")]] == "46086.0"
    assert got[xrec[0][cols.index("decision_no")]] == "46086" and got[xrec[1][cols.index("decision_no")]] == "2026-03-05"
    assert scalar(con, "select fine_amount from raw.penalty where decision_no = ?", rec[1][cols.index("decision_no")]) == "1e3"
    assert_nothing_lost(con, {(rel(tmp_path, p), None): 3, (rel(tmp_path, x), "处罚"): 2})


def _build(tmp_path: Path, drops: Path, select: str) -> Path:
    from dagster_project.settings import raw_dir_path, work_db_path
    from dagster_project.workdays import write_workday_calendar
    from tests.dbt_fixture import dbt_build

    as_of = date(2026, 11, 22)
    warehouse = tmp_path / "credit.duckdb"
    con = duckdb.connect(str(work_db_path(warehouse)))
    ingest_drops(con, drops, raw_dir_path(warehouse))
    write_workday_calendar(con, raw_dir_path(warehouse), as_of)
    con.close()
    dbt_build(warehouse, as_of, tmp_path / "target", extra=["--select", select, "--indirect-selection", "cautious"])
    return work_db_path(warehouse)


def _penalty_csv_rows(recs: list[dict]) -> str:
    from tests.test_rules import penalty

    cols = columns("penalty")
    out = [labels("penalty")]
    for over in recs:
        r = penalty(**over)
        out.append([r.get(c) or "" for c in cols])
    buf = __import__("io").StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(out)
    return buf.getvalue()


@pytest.mark.slow
def test_through_dbt_serials_parse_scientific_amounts_are_held_unknown_departments_stay_out(tmp_path):
    drops = tmp_path / "drops"
    put(drops, f"{DEPT}/2026-03-10/a.csv", _penalty_csv_rows([
        dict(no="E-SERIAL", decision_date="46086.0", valid_until="46450"),
        dict(no="E-SCI", fine_amount="1e3", decision_date="2026-03-05"),
        dict(no="E-OK", decision_date="2026-03-05"),
    ]))
    put(drops, "nosuchdept/2026-03-10/b.csv", _penalty_csv_rows([dict(no="E-GHOST", decision_date="2026-03-05")]))
    db = _build(tmp_path, drops, "+int_rule_violations +audit_reconciliation")
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert rows(con, "select decision_no, decision_date, valid_until from intermediate.int_submissions"
                         " where decision_no = 'E-SERIAL'") == [("E-SERIAL", date(2026, 3, 5), date(2027, 3, 4))]
        violations = rows(con, """select s.decision_no, v.rule_id, v.offending_value, v.rule_message_zh
            from intermediate.int_rule_violations v join intermediate.int_submissions s using (submission_id)
            order by 1, 2""")
        assert [(n, r, o) for n, r, o, _m in violations] == [("E-SCI", "AMOUNT_UNPARSEABLE", "1e3")]
        assert "不是数字" in violations[0][3]
        assert scalar(con, "select count(*) from intermediate.int_submissions where department <> ?", DEPT) == 0
        assert scalar(con, "select count(*) from audit.reconciliation where rows_read <> rows_loaded + rows_rejected"
                           " or raw_rows <> clean_rows + rejected_rows") == 0
        assert scalar(con, "select sum(rows_read) from audit.reconciliation") == 3
    finally:
        con.close()


@pytest.mark.slow
def test_through_dbt_the_same_file_from_two_departments_builds_and_reconciles(tmp_path):
    drops = tmp_path / "drops"
    text = _penalty_csv_rows([dict(no="E-SHARED", decision_date="2026-03-05")])
    put(drops, f"{DEPT}/2026-03-10/a.csv", text)
    put(drops, "swj/2026-03-11/a.csv", text)
    db = _build(tmp_path, drops, "+audit_reconciliation")
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert rows(con, "select department, count(*) from intermediate.int_submissions group by 1 order by 1") == [
            (DEPT, 1), ("swj", 1)]
        assert scalar(con, "select count(*) from audit.reconciliation where raw_rows <> clean_rows + rejected_rows") == 0
    finally:
        con.close()


# --------------------------------------------------------------------------------------------- 5. Excel limits


def test_ingest_limits_are_data_in_their_yaml(tmp_path):
    import yaml

    data = yaml.safe_load(LIMITS_FILE.read_text(encoding="utf-8"))
    limits = load_limits()
    assert limits == IngestLimits(**{k: v for k, v in data["xlsx"].items()})
    assert limits.max_rows_per_sheet >= 100_000 and limits.max_expansion_ratio >= 20 and limits.max_uncompressed_mb >= 100
    custom = tmp_path / "limits.yml"
    custom.write_text("xlsx:\n  max_rows_per_sheet: 10\n  max_expansion_ratio: 2.5\n  max_uncompressed_mb: 1\n")
    assert load_limits(custom) == IngestLimits(max_rows_per_sheet=10, max_expansion_ratio=2.5, max_uncompressed_mb=1)
    for bad in ("xlsx:\n  max_rows_per_sheet: -1\n", "xlsx:\n  max_rows: 10\n", "xlsx:\n  max_expansion_ratio: many\n"):
        custom.write_text(bad)
        with pytest.raises(ValueError, match="limits"):
            load_limits(custom)


def test_zip_bomb_is_quarantined_before_it_is_parsed(tmp_path, monkeypatch):
    src = write_xlsx(tmp_path / "src" / "ok.xlsx", {"处罚": [labels("penalty")] + dataset_rows("penalty", 3)}).read_bytes()
    # 60 MB of zeros: ~60 KB in the zip, a ratio of ~500
    bomb = put(tmp_path / "drops", f"{DEPT}/{DAY}/bomb.xlsx", rewrite_xlsx(src, add={"xl/media/pad.bin": bytes(60 << 20)}))
    good = put(tmp_path / "drops", f"{DEPT}/{DAY}/ok.xlsx", src)
    from dagster_project.ingest import excel_reader

    opened = []
    real = excel_reader._open_workbook
    monkeypatch.setattr(excel_reader, "_open_workbook", lambda raw: (opened.append(1), real(raw))[1])
    con, res = ingest(tmp_path / "drops")
    code, reason = quarantine(con)[rel(tmp_path / "drops", bomb)]
    assert code == "suspicious_expansion" and "suspicious_expansion" in REASON_CODES
    assert_clear(reason, "压缩", "100", "ingest_limits.yml", "expand")
    assert len(opened) == 1  # only the good workbook was opened
    assert res.rows_loaded == 3
    assert_nothing_lost(con, {(rel(tmp_path / "drops", bomb), "处罚"): 3, (rel(tmp_path / "drops", good), "处罚"): 3})


def test_expansion_and_size_limits_come_from_the_limits(tmp_path):
    src = write_xlsx(tmp_path / DEPT / DAY / "ok.xlsx", {"处罚": [labels("penalty")] + dataset_rows("penalty", 30)})
    con, res = ingest(tmp_path, limits=IngestLimits(max_rows_per_sheet=1000, max_expansion_ratio=1.5, max_uncompressed_mb=100))
    assert quarantine(con)[rel(tmp_path, src)][0] == "suspicious_expansion" and res.rows_loaded == 0
    shutil.rmtree(tmp_path.with_name(tmp_path.name + ".raw"))
    con, res = ingest(tmp_path, limits=IngestLimits(max_rows_per_sheet=1000, max_expansion_ratio=100, max_uncompressed_mb=0.01))
    code, reason = quarantine(con)[rel(tmp_path, src)]
    assert code == "suspicious_expansion" and "MB" in reason
    shutil.rmtree(tmp_path.with_name(tmp_path.name + ".raw"))
    con, res = ingest(tmp_path, limits=IngestLimits(max_rows_per_sheet=1000, max_expansion_ratio=100, max_uncompressed_mb=100))
    assert res.rows_loaded == 30


def test_sheet_over_the_row_cap_is_quarantined_and_the_other_sheets_load(tmp_path):
    p = write_xlsx(tmp_path / DEPT / DAY / "big.xlsx", {
        "处罚": [["行政处罚信息"], labels("penalty")] + dataset_rows("penalty", 150),
        "许可": [labels("license")] + dataset_rows("license", 5),
    })
    con, res = ingest(tmp_path, limits=IngestLimits(max_rows_per_sheet=100, max_expansion_ratio=100, max_uncompressed_mb=100))
    ledger = dict(rows(con, "select sheet_name, status from raw.ingest_ledger"))
    assert ledger == {"处罚": "quarantined", "许可": "loaded"}
    code, reason = quarantine(con)[rel(tmp_path, p)]
    assert code == "too_many_rows" and "too_many_rows" in REASON_CODES
    assert_clear(reason, "处罚", "152", "100", "ingest_limits.yml", "split")
    assert res.rows_loaded == 5
    assert_nothing_lost(con, {(rel(tmp_path, p), "处罚"): 150, (rel(tmp_path, p), "许可"): 5})


def _with_trailing_empty_rows(src: bytes, first: int, last: int, width: int = 3) -> bytes:
    return rewrite_xlsx(src, {"xl/worksheets/sheet1.xml": lambda x: append_rows_xml(x, empty_string_rows(first, last, width))})


def test_trailing_empty_rows_are_ignored_not_counted_nor_read(tmp_path, monkeypatch):
    src = write_xlsx(tmp_path / "src" / "a.xlsx", {"处罚": [labels("penalty")] + dataset_rows("penalty", 50)}).read_bytes()
    p = put(tmp_path / "drops", f"{DEPT}/{DAY}/a.xlsx", _with_trailing_empty_rows(src, 52, 20_000))
    # a data row far below, past the cap, is not trailing: the sheet is over the cap
    over = put(tmp_path / "drops", f"{DEPT}/{DAY}/b.xlsx", rewrite_xlsx(_with_trailing_empty_rows(src, 52, 20_000), {
        "xl/worksheets/sheet1.xml": lambda x: append_rows_xml(x, '<row r="20001"><c r="A20001" t="inlineStr"><is><t>x</t></is></c></row>')}))
    from dagster_project.ingest import excel_reader

    heights = []
    real = excel_reader._sheet_rows
    monkeypatch.setattr(excel_reader, "_sheet_rows", lambda wb, name: (lambda r: (heights.append(len(r)), r)[1])(real(wb, name)))
    con, res = ingest(tmp_path / "drops", limits=IngestLimits(max_rows_per_sheet=1000, max_expansion_ratio=100,
                                                              max_uncompressed_mb=100))
    assert rows(con, "select file_path, status, rows_read from raw.ingest_ledger order by 1") == [
        (rel(tmp_path / "drops", p), "loaded", 50), (rel(tmp_path / "drops", over), "quarantined", 0)]
    code, reason = quarantine(con)[rel(tmp_path / "drops", over)]
    assert code == "too_many_rows" and "20001" in reason
    assert heights and max(heights) <= 1000  # the reader never held the 20,000 empty rows
    assert_nothing_lost(con, {(rel(tmp_path / "drops", p), "处罚"): 50, (rel(tmp_path / "drops", over), "处罚"): 51})


def test_a_million_empty_rows_in_a_few_megabytes_cost_little(tmp_path):
    """The attack as sent: ~5 MB of xlsx whose sheet runs to row 1,000,000 with empty cells. Read in a child process
    to measure its peak memory (the reader alone would hold ~1.3 GB for it)."""
    src = write_xlsx(tmp_path / "src" / "a.xlsx", {"处罚": [labels("penalty")] + dataset_rows("penalty", 10)}).read_bytes()
    bomb = _with_trailing_empty_rows(src, 12, 1_000_000, width=2)
    assert len(bomb) < 8 << 20
    put(tmp_path / "drops", f"{DEPT}/{DAY}/a.xlsx", bomb)
    script = textwrap.dedent(f"""
        import json, duckdb
        from pathlib import Path
        from dagster_project.ingest import ingest_drops
        r = ingest_drops(duckdb.connect(), Path({str(tmp_path / 'drops')!r}), Path({str(tmp_path / 'raw')!r}))
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child of a large pytest process would
        # report the parent's size; the high-water mark belongs to this program's own memory
        hwm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
        print(json.dumps(dict(rows=r.rows_loaded, read=r.rows_read, q=r.quarantine_codes, rss_mb=hwm_kb / 1024)))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert (got["rows"], got["read"], got["q"]) == (10, 10, {})
    assert got["rss_mb"] < 700, got


# --------------------------------------------------------------------------------------------- 6. hidden sheets


def test_hidden_sheets_are_skipped_and_logged(tmp_path):
    p = write_xlsx_states(tmp_path / DEPT / DAY / "h.xlsx", {
        "处罚": [labels("penalty")] + dataset_rows("penalty", 4),
        "旧数据": [labels("penalty")] + dataset_rows("penalty", 3, 50),
        "字典": [labels("license")] + dataset_rows("license", 2),
    }, {"旧数据": "hidden", "字典": "veryHidden"})
    con, res = ingest(tmp_path)
    assert res.rows_loaded == 4 and res.tables_skipped == 2
    ledger = {s: (st, note) for s, st, note in rows(con, "select sheet_name, status, note from raw.ingest_ledger")}
    assert ledger["处罚"] == ("loaded", None)
    for sheet, state in (("旧数据", "hidden"), ("字典", "veryHidden")):
        status, note = ledger[sheet]
        assert status == "skipped"
        assert_clear(note, sheet, "隐藏", "hidden", "skipped")
        assert state in note
    notes = res.metadata()["notes"]
    assert any("旧数据" in n and "hidden" in n and "skipped" in n for n in notes)
    assert_nothing_lost(con, {(rel(tmp_path, p), "处罚"): 4})


def test_workbook_with_data_only_in_hidden_sheets_is_quarantined(tmp_path):
    p = write_xlsx_states(tmp_path / DEPT / DAY / "h.xlsx", {
        "说明": [],
        "数据": [labels("penalty")] + dataset_rows("penalty", 3),
    }, {"数据": "hidden"})
    con, res = ingest(tmp_path)
    code, reason = quarantine(con)[rel(tmp_path, p)]
    assert code == "hidden_sheets_only" and "hidden_sheets_only" in REASON_CODES
    assert_clear(reason, "数据", "隐藏", "hidden", "unhide")
    assert res.rows_loaded == 0 and res.files_quarantined == 1


# --------------------------------------------------------------------------------------------- 7. formulas without a cached value


def _penalty_sheet(n: int, **formulas) -> list[list[object]]:
    """Header + n penalty rows + an unmapped 序号 column of =ROW()-1; `formulas`: column -> formula text for every
    row, or a function row index -> formula text or None."""
    cols = columns("penalty")
    out: list[list[object]] = [labels("penalty") + ["序号"]]
    for k, r in enumerate(dataset_rows("penalty", n)):
        r = list(r) + ["=ROW()-1"]
        for col, f in formulas.items():
            text = f(k) if callable(f) else f
            if text is not None:
                r[cols.index(col)] = text
        out.append(r)
    return out


def test_formula_without_a_cached_value_rejects_its_row_naming_the_column(tmp_path):
    sheet = _penalty_sheet(4, decision_date=lambda k: "=DATE(2026,3,5)" if k == 2 else None)
    p = write_xlsx_formulas(tmp_path / DEPT / DAY / "f.xlsx", {"处罚": sheet})
    con, res = ingest(tmp_path)
    assert (res.rows_loaded, res.rows_rejected) == (3, 1)
    src, reason, raw = rows(con, "select source_row, reason, raw_text from raw.rejected_rows")[0]
    assert src == 4
    assert reason.startswith("formula_without_value: ") and "formula_without_value" in REASON_CODES
    col = columns("penalty").index("decision_date")
    from ingest_fixtures import _col_letters
    assert_clear(reason, "处罚决定日期", "decision_date", f"{_col_letters(col)}4", "=DATE(2026,3,5)", "Excel")
    assert json.loads(raw)[col] == "=DATE(2026,3,5)"  # the cell as sent
    # a formula in an unmapped column keeps its text in extra_columns (nothing silently lost, nothing rejected)
    extras = {json.loads(e)["序号"] for (e,) in rows(con, "select extra_columns from raw.penalty")}
    assert extras == {"=ROW()-1"}
    assert_nothing_lost(con, {(rel(tmp_path, p), "处罚"): 4})


def test_a_column_of_formulas_without_values_quarantines_the_sheet(tmp_path):
    p = write_xlsx_formulas(tmp_path / DEPT / DAY / "f.xlsx", {
        "处罚": _penalty_sheet(5, party_name="=Sheet2!A1"),
        "许可": [labels("license")] + dataset_rows("license", 2),
    })
    con, res = ingest(tmp_path)
    assert dict(rows(con, "select sheet_name, status from raw.ingest_ledger")) == {"处罚": "quarantined", "许可": "loaded"}
    code, reason = quarantine(con)[rel(tmp_path, p)]
    assert code == "formula_without_value"
    assert_clear(reason, "处罚", "行政相对人名称", "party_name", "Excel")
    assert res.rows_loaded == 2 and res.rows_rejected == 0
    assert_nothing_lost(con, {(rel(tmp_path, p), "处罚"): 5, (rel(tmp_path, p), "许可"): 2})


def test_a_sheet_of_nothing_but_uncached_formulas_is_not_taken_for_empty(tmp_path):
    header = labels("penalty")
    p = write_xlsx_formulas(tmp_path / DEPT / DAY / "f.xlsx", {
        "处罚": [header] + dataset_rows("penalty", 2),
        "汇总": [[f"=处罚!{chr(65 + c)}{r}" for c in range(5)] for r in range(1, 4)],
    })
    con, res = ingest(tmp_path)
    ledger = dict(rows(con, "select sheet_name, status from raw.ingest_ledger"))
    assert ledger == {"处罚": "loaded", "汇总": "quarantined"}
    assert quarantine(con)[rel(tmp_path, p)][0] == "formula_without_value"


def test_formula_with_a_cached_value_loads_that_value(tmp_path):
    import xlsxwriter

    path = tmp_path / DEPT / DAY / "cached.xlsx"
    path.parent.mkdir(parents=True)
    cols = columns("penalty")
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("处罚")
    for c, h in enumerate(labels("penalty")):
        ws.write_string(0, c, h)
    for r, rec in enumerate(dataset_rows("penalty", 2), start=1):
        for c, v in enumerate(rec):
            if cols[c] == "decision_date":
                ws.write_formula(r, c, '=TEXT(DATE(2026,3,5),"yyyy-mm-dd")', None, "2026-03-05")
            elif v:
                ws.write_string(r, c, v)
    wb.close()
    con, res = ingest(tmp_path)
    assert (res.rows_loaded, res.rows_rejected) == (2, 0)
    assert rows(con, "select distinct decision_date from raw.penalty") == [("2026-03-05",)]


# --------------------------------------------------------------------------------------------- docs


def test_new_reason_codes_are_documented():
    readme = (Path(loader_module.__file__).parent / "README.md").read_text(encoding="utf-8")
    for code in ("unknown_department", "suspicious_expansion", "too_many_rows", "hidden_sheets_only",
                 "formula_without_value"):
        assert code in REASON_CODES and f"`{code}`" in readme, code
    assert "ingest_limits.yml" in readme and "note" in readme
