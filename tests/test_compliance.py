"""双公示 metrics on a hand-made set of drops whose answers are written here, through the real chain:
CSV drops -> ingest -> calendar -> dbt -> marts -> monthly 通报 and 整改清单."""
from __future__ import annotations

import csv
from datetime import date

import duckdb
import holidays
import pytest
from openpyxl import load_workbook

from dagster_project.ingest import ingest_drops
from dagster_project.paths import SEEDS_DIR
from dagster_project.settings import raw_dir_path, work_db_path
from dagster_project.workdays import last_known_year, nth_workday_after, write_workday_calendar
from tests.dbt_fixture import dbt_build
from tests.test_rules import SECOND_USCC, penalty

AS_OF = date(2026, 11, 22)
NATIONAL_DAY_EVE = date(2026, 9, 30)    # its 7th working day counts the 调休 Saturday 2026-10-10
FRIDAY_BEFORE_TIAOXIU = date(2026, 10, 9)


def labels(dataset: str) -> dict[str, str]:
    with open(SEEDS_DIR / "dataset_columns.csv", encoding="utf-8") as f:
        return {r["column_name"]: r["label_zh"] for r in csv.DictReader(f) if r["dataset"] in ("common", dataset)}


def write_drop(root, department: str, drop: date, name: str, rows: list[dict], encoding="utf-8") -> None:
    cols = labels("penalty")
    folder = root / department / drop.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(cols.values())
        for r in rows:
            w.writerow([r.get(c, "") or "" for c in cols])


def row(no, **over):
    r = penalty(no, **over)
    for k in ("department", "drop_date"):
        r.pop(k)
    return r


@pytest.fixture(scope="module")
def compliance_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("compliance")
    drops = root / "drops"
    on_time = nth_workday_after(NATIONAL_DAY_EVE, 7)
    late = nth_workday_after(NATIONAL_DAY_EVE, 8)
    clean = row("C-1", decision_date="2026-10-12")
    write_drop(drops, "swj", on_time, "a.csv", [
        clean,
        row("C-ONTIME", decision_date=NATIONAL_DAY_EVE.isoformat()),
        row("C-CODEERR", uscc="", party_name="无码公司", decision_date="2026-10-12"),
        row("C-CONFLICT-1", uscc=SECOND_USCC, party_name="甲物流有限公司", decision_date="2026-10-12"),
        row("C-CONFLICT-2", uscc=SECOND_USCC, party_name="乙贸易有限公司", decision_date="2026-10-12"),
        row("C-FORMULA", penalty_category='=HYPERLINK("http://x","y")', decision_date="2026-10-12"),
    ])
    write_drop(drops, "swj", late, "b.csv", [row("C-LATE", decision_date=NATIONAL_DAY_EVE.isoformat())])
    write_drop(drops, "swj", date(2026, 10, 20), "c.csv", [
        row("C-LATE-2", decision_date=FRIDAY_BEFORE_TIAOXIU.isoformat())])
    # the same row again, GBK this time, in a later drop: an exact resubmission is not a new record
    write_drop(drops, "swj", date(2026, 10, 28), "again.csv", [clean], encoding="gbk")
    # another department, clean and on time (its license is expected too: 漏报)
    write_drop(drops, "zjj", date(2026, 10, 14), "z.csv", [row("Z-1", decision_date="2026-10-12")])

    warehouse = root / "credit.duckdb"
    con = duckdb.connect(str(work_db_path(warehouse)))
    result = ingest_drops(con, drops, raw_dir_path(warehouse))
    assert result.files_quarantined == 0 and result.rows_rejected == 0
    write_workday_calendar(con, raw_dir_path(warehouse), AS_OF)
    con.close()
    dbt_build(warehouse, AS_OF, root / "target")
    return warehouse


def metrics(warehouse, department, month, dataset):
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        cur = con.execute("select * from marts.dual_disclosure_compliance where department = ? and month = ? and dataset = ?",
                          [department, month, dataset])
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    assert len(rows) == 1
    return dict(zip(cols, rows[0]))


def test_the_tiaoxiu_cases_are_what_they_claim():
    assert nth_workday_after(NATIONAL_DAY_EVE, 7) == date(2026, 10, 15)      # counts Saturday 2026-10-10
    assert nth_workday_after(FRIDAY_BEFORE_TIAOXIU, 7) == date(2026, 10, 19)  # a naive Mon-Fri count says 10-20


def test_department_month_metrics_match_hand_counts(compliance_db):
    m = metrics(compliance_db, "swj", "2026-10", "penalty")
    # C-1, C-ONTIME, C-CODEERR, C-CONFLICT-1, C-CONFLICT-2, C-FORMULA, C-LATE, C-LATE-2 (the GBK copy of C-1 is not new)
    assert m["records"] == 8
    assert m["compliant_records"] == 6                 # C-CODEERR (no USCC) and C-FORMULA (bad 处罚类别) break rules
    assert m["compliance_rate"] == pytest.approx(6 / 8)
    assert m["late_records"] == 2                      # C-LATE (8th working day) and C-LATE-2 (across the 调休 Saturday)
    assert m["date_readable_records"] == 8
    assert m["late_rate"] == pytest.approx(2 / 8)
    assert m["code_check_records"] == 8
    assert m["code_error_records"] == 1
    assert m["code_conflict_records"] == 2
    assert m["code_error_rate"] == pytest.approx(3 / 8)
    assert m["is_missing_report"] is False


def test_missing_report_row(compliance_db):
    m = metrics(compliance_db, "swj", "2026-10", "license")
    assert m["records"] == 0 and m["is_missing_report"] is True and m["compliance_rate"] is None
    assert metrics(compliance_db, "zjj", "2026-10", "penalty")["compliance_rate"] == 1.0


def test_report_figures_and_formula_injection_as_text(compliance_db, tmp_path):
    from dagster_project.report import render_monthly_report

    files = render_monthly_report(compliance_db.parent / "credit.duckdb.work", "2026-10", tmp_path / "r", as_of=AS_OF)
    workbook = next(p for p in files.rectification if p.name.startswith("swj_"))
    ws = load_workbook(workbook).active
    cells = [c for r in ws.iter_rows() for c in r if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells, "the offending value sent by the department must be listed"
    assert all(c.data_type == "s" for c in cells)      # text, not a formula
    import pymupdf
    text = "".join(page.get_text() for page in pymupdf.open(files.pdf))
    assert "税务局" in text and "75.00%" in text        # swj: 6 of 8 compliant across the month


def test_calendar_agrees_with_holidays_package_2020_to_last_known_year():
    """Two independent sources of the official calendar (with 调休) agree on every day."""
    import chinese_calendar
    cn = holidays.country_holidays("CN", years=range(2020, last_known_year() + 1))
    d, disagreements = date(2020, 1, 1), []
    while d.year <= last_known_year():
        if cn.is_working_day(d) != chinese_calendar.is_workday(d):
            disagreements.append(d)
        d = date.fromordinal(d.toordinal() + 1)
    assert not disagreements
    assert not chinese_calendar.is_workday(date(2026, 10, 1)) and chinese_calendar.is_workday(date(2026, 10, 10))


def test_a_year_the_calendar_does_not_know_fails_loudly():
    from dagster_project.workdays import CalendarYearUnknown, workday_calendar
    with pytest.raises(CalendarYearUnknown, match="chinesecalendar"):
        workday_calendar(2026, last_known_year() + 1)


def test_dataset_in_seed_reads_the_seed(compliance_db, tmp_path):
    """The generic test dataset_in_seed (dbt_credit/tests/generic) ran on every column that names a dataset, and
    its SQL fails a value the seed does not allow: `repair` where only the 双公示 datasets may be."""
    import json
    import re

    target = compliance_db.parent / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = [r for r in results if r["unique_id"].startswith("test.credit.dataset_in_seed_")]
    assert len(ran) >= 10 and {r["status"] for r in ran} == {"pass"}
    compiled = next((target / "compiled").rglob("dataset_in_seed_fct_credit_record_dataset*.sql")).read_text(
        encoding="utf-8")
    con = duckdb.connect()
    con.execute("attach ':memory:' as credit")
    relations = set(re.findall(r'"credit"\."(\w+)"\."(\w+)"', compiled))
    assert ("ref", "datasets") in relations
    for schema, name in relations:
        con.execute(f'create schema if not exists credit."{schema}"')
        if (schema, name) == ("ref", "datasets"):
            con.execute("create table credit.ref.datasets as select * from read_csv(?, header = true)",
                        [str(SEEDS_DIR / "datasets.csv")])
        else:
            con.execute(f'create table credit."{schema}"."{name}" as select * from (values (\'penalty\'), '
                        "('license'), ('repair'), (null)) as t(dataset)")
    assert con.execute(compiled).fetchall() == [("repair",)]
