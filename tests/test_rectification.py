"""Issue 17 "整改 to closure" and issue 19 "The 整改清单": a held record stays on its department's 整改清单 every
month until a corrected resubmission passes (or the decision is withdrawn), with the month it was first listed,
days outstanding and a 整改时限; per department × month, 整改事项 opened / closed / still open / overdue and the
整改完成率; the 通报 names departments with overdue items and withholds their praise.

One build (`credit run` through the real Dagster graph, as of 2026-11-20) of 应急管理局 (yjglj, expected to send
行政处罚 only) over four months; decision numbers 连应急罚〔2026〕N号:

  2026-08-10  A 201  处罚内容 empty (REQUIRED)          held — never corrected
              B 202  处罚类别 “罚金” (CODE_LIST)        held — corrected 2026-10-15
              C 203  处罚内容 empty                     held — 2026-09-14 a correction that still fails
              D 204  good
  2026-09-14  C 203  处罚类别 “罚金”, 处罚内容 filled   still held: the case of 2026-08 continues
              E 205  处罚内容 empty                     held — withdrawn (当前状态 撤销) 2026-11-05
  2026-10-15  B 202  corrected: passes                  closes B
              L 206  good, decided 2026-09-28            late: due 2026-10-13, dropped on the 9th working day
  2026-11-05  E 205  当前状态 撤销                        closes E (withdrawn)
              F 207, G 208, H 209  good

The 整改时限 (seeds/rectification_deadlines.csv: the 通报 on the 5th working day of the next month, 15 working days
after it), worked out by hand on the official 2026 calendar (chinesecalendar 1.11):
  2026-08 items: 通报 Mon 2026-09-07 (Sep 1, 2, 3, 4, 7); 15 working days: Sep 8 9 10 11 14 15 16 17 18,
                 Sun Sep 20 (调休, worked), 21 22 23 24, then 中秋 Sep 25-27 off, Mon Sep 28 -> 2026-09-28.
  2026-09 items: 通报 Tue 2026-10-13 (国庆 Oct 1-7 off: Oct 8, 9, Sat Oct 10 调休 worked, 12, 13);
                 15 working days: Oct 14 15 16 19 20 21 22 23 26 27 28 29 30, Nov 2 3 -> 2026-11-03.
  2026-10 items: 通报 Fri 2026-11-06 (Nov 2-6); 15 working days -> Fri 2026-11-27.
  L decided Mon 2026-09-28: 7th working day after it: Sep 29, 30, Oct 8, 9, 10 (调休), 12, 13 -> due 2026-10-13;
                 dropped 2026-10-15: Oct 14 (8), Oct 15 (9) -> 9 working days.

Hand-counted 整改进展 of yjglj (cut-off: month end; November: the as-of date 2026-11-20):
  month    start opened closed withdrawn late  open carried overdue  rate
  2026-08    0     3      0       0       0     3     0       0     0/3
  2026-09    3     1      0       0       0     4     3       3     0/4   (A B C past 09-28 on 09-30)
  2026-10    4     0      1       0       1     3     3       2     1/4   (B closed 10-15 > 09-28: late)
  2026-11    3     0      1       1       1     2     2       2     1/3   (E withdrawn 11-05 > 11-03: late)
"""
from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from tests.test_privacy_scan import PARTY_USCC, PENALTY_HEADER, penalty

AS_OF = "2026-11-20"
DEPT = "yjglj"
DEPT_NAME = "应急管理局"
MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11")
AUTHORITY_NAME = "大连市应急管理局"


def no(n: int) -> str:
    return f"连应急罚〔2026〕{n}号"


A, B, C, D, E, L, F, G, H = (no(n) for n in range(201, 210))


def _row(number: str, decided: str, **over) -> dict:
    y = int(decided[:4])
    base = dict(处罚决定日期=decided, 处罚有效期=f"{y + 1}{decided[4:]}", 处罚机关=AUTHORITY_NAME,
                数据来源单位=AUTHORITY_NAME, 法定代表人证件号码="", 法定代表人证件类型="",
                行政相对人名称="大连整改测试有限公司", 统一社会信用代码=PARTY_USCC, 违法行为类型="安全生产违法",
                处罚依据="《安全生产法》第九十七条")
    base.update(over)
    return penalty(number, **base)


DROPS: dict[str, list[dict]] = {
    "2026-08-10": [
        _row(A, "2026-08-05", 处罚内容=""),
        _row(B, "2026-08-05", 处罚类别="罚金"),
        _row(C, "2026-08-05", 处罚内容=""),
        _row(D, "2026-08-05"),
    ],
    "2026-09-14": [
        _row(C, "2026-08-05", 处罚类别="罚金"),
        _row(E, "2026-09-10", 处罚内容=""),
    ],
    "2026-10-15": [
        _row(B, "2026-08-05"),
        _row(L, "2026-09-28"),
    ],
    "2026-11-05": [
        _row(E, "2026-09-10", 当前状态="撤销"),
        _row(F, "2026-11-02"),
        _row(G, "2026-11-02"),
        _row(H, "2026-11-02"),
    ],
}

# (open_at_start, opened, closed, withdrawn, closed_late, open, carried_over, overdue, rate)
PROGRESS = {
    "2026-08": (0, 3, 0, 0, 0, 3, 0, 0, Fraction(0, 3)),
    "2026-09": (3, 1, 0, 0, 0, 4, 3, 3, Fraction(0, 4)),
    "2026-10": (4, 0, 1, 0, 1, 3, 3, 2, Fraction(1, 4)),
    "2026-11": (3, 0, 1, 1, 1, 2, 2, 2, Fraction(1, 3)),
}
# what each month's 整改清单 lists: decision number -> (first listed month, status)
LISTED = {
    "2026-08": {A: ("2026年8月", "未整改"), B: ("2026年8月", "未整改"), C: ("2026年8月", "未整改")},
    "2026-09": {A: ("2026年8月", "逾期未整改"), B: ("2026年8月", "逾期未整改"), C: ("2026年8月", "逾期未整改"),
                E: ("2026年9月", "未整改")},
    "2026-10": {A: ("2026年8月", "逾期未整改"), C: ("2026年8月", "逾期未整改"), E: ("2026年9月", "未整改"),
                L: ("2026年10月", "说明原因")},
    "2026-11": {A: ("2026年8月", "逾期未整改"), C: ("2026年8月", "逾期未整改")},
}


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=PENALTY_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from dagster_project.cli import run_build
    from dagster_project.report import render_monthly_report

    root = tmp_path_factory.mktemp("rectification")
    for day, rows in DROPS.items():
        folder = root / "drops" / DEPT / day
        folder.mkdir(parents=True)
        (folder / f"行政处罚_{day}.csv").write_bytes(_csv(rows))
    warehouse = root / "credit.duckdb"
    summary = run_build(root / "drops", warehouse, AS_OF)
    reports = {m: render_monthly_report(warehouse, m, root / "reports" / m) for m in MONTHS}
    return warehouse, reports, summary


def _rows(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _sheet(path: Path, name: str) -> list[dict]:
    import openpyxl

    ws = openpyxl.load_workbook(path)[name]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]


# ------------------------------------------------------------------------------------------ fast: rules as data


def test_allowed_values_come_from_the_code_list_seed():
    from dagster_project.report.rectification import allowed_values

    shown = allowed_values("penalty", "penalty_category").split("；")
    with (Path(__file__).resolve().parents[1] / "dbt_credit/seeds/code_lists.csv").open(encoding="utf-8") as fh:
        seed = [r["code"] for r in csv.DictReader(fh) if r["dataset"] == "penalty" and r["column_name"] == "penalty_category"]
    assert shown == seed and "罚款" in shown and "警告" in shown
    assert allowed_values("penalty", "party_type") == "法人及非法人组织；自然人；个体工商户"
    assert allowed_values("penalty", "party_name") is None


def test_the_deadline_rule_is_one_seed_row_in_force():
    with (Path(__file__).resolve().parents[1] / "dbt_credit/seeds/rectification_deadlines.csv").open(
            encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["notice_workday"], r["deadline_workdays"]) for r in rows] == [("5", "15")]
    assert all(r["effective_from"] <= r["effective_to"] for r in rows)


# ------------------------------------------------------------------------------------------ the build


@pytest.mark.slow
def test_deadlines_around_mid_autumn_national_day_and_tiaoxiu(built):
    warehouse, _, summary = built
    assert summary["success"]
    items = _rows(warehouse, """
        select decision_no, month, first_listed_month, notice_date, rectification_deadline, publication_deadline,
               workdays_to_drop
        from marts.fct_rectification_item where department = ? order by decision_no, month""", [DEPT])
    by = {(r[0], r[1]): r[2:] for r in items}
    aug = ("2026-08", date(2026, 9, 7), date(2026, 9, 28), None, None)
    assert by[(A, "2026-08")] == aug and by[(B, "2026-08")] == aug and by[(C, "2026-08")] == aug
    # C's failing correction of September keeps the case's first listing and deadline
    assert by[(C, "2026-09")] == aug
    assert by[(E, "2026-09")] == ("2026-09", date(2026, 10, 13), date(2026, 11, 3), None, None)
    # the late record: due on the 7th working day after 2026-09-28, dropped on the 9th
    assert by[(L, "2026-10")] == ("2026-10", date(2026, 11, 6), date(2026, 11, 27), date(2026, 10, 13), 9)


@pytest.mark.slow
def test_each_case_lives_until_corrected_or_withdrawn(built):
    warehouse, _, _ = built
    rows = _rows(warehouse, """
        select decision_no, month, item_status, closed_on, close_reason, days_outstanding, is_overdue
        from marts.fct_rectification_item where department = ? and issue_kind = 'violation'
        order by decision_no, month""", [DEPT])
    assert rows == [
        (A, "2026-08", "open", None, None, (date(2026, 11, 20) - date(2026, 8, 10)).days, True),
        (B, "2026-08", "closed", date(2026, 10, 15), "corrected", (date(2026, 10, 15) - date(2026, 8, 10)).days,
         False),
        (C, "2026-08", "superseded", None, None, (date(2026, 11, 20) - date(2026, 8, 10)).days, True),
        (C, "2026-09", "open", None, None, (date(2026, 11, 20) - date(2026, 8, 10)).days, True),
        (E, "2026-09", "closed", date(2026, 11, 5), "withdrawn", (date(2026, 11, 5) - date(2026, 9, 14)).days,
         False),
    ]


@pytest.mark.slow
def test_progress_month_on_month_matches_the_hand_count(built):
    warehouse, reports, _ = built
    rows = _rows(warehouse, """
        select month, open_at_start_items, opened_items, closed_items, withdrawn_items, closed_late_items, open_items,
               carried_over_items, overdue_items, rectification_rate, has_overdue_items, cutoff_date
        from marts.rectification_progress where department = ? order by month""", [DEPT])
    assert [r[0] for r in rows] == list(MONTHS)
    for r in rows:
        want = PROGRESS[r[0]]
        assert r[1:9] == want[:8], r[0]
        assert r[9] == pytest.approx(float(want[8])), r[0]
        assert r[10] is (want[7] > 0)
        assert r[1] + r[2] - r[3] == r[6]  # open at the end = open at the start + opened - closed
    assert rows[-1][11] == date(2026, 11, 20) and rows[2][11] == date(2026, 10, 31)
    access = dict(_rows(warehouse, "select table_name, audience from audit.table_access"))
    assert access["marts.rectification_progress"] == "internal"
    # the 通报's workbook carries the same figures (sheet 整改进展)
    for month, files in reports.items():
        sheet = {r["部门编码"]: r for r in _sheet(files.xlsx, "整改进展")}
        got = sheet[DEPT]
        want = PROGRESS[month]
        assert (got["月初未整改（项）"], got["本月新增（项）"], got["本月销项（项）"], got["月末未整改（项）"],
                got["其中结转（项）"], got["逾期（项）"]) == (want[0], want[1], want[2], want[5], want[6], want[7])
        assert got["整改完成率"] == pytest.approx(float(want[8]))


@pytest.mark.slow
def test_a_held_record_stays_on_every_later_list_until_it_passes(built):
    _, reports, _ = built
    for month, files in reports.items():
        path = files.rectification_for(DEPT)
        assert path is not None, month
        rows = _sheet(path, "整改清单")
        listed = {r["决定文书号"]: (r["首次列入月份"], r["整改状态"]) for r in rows}
        assert listed == LISTED[month], month
        for r in rows:  # every row: a 整改时限, and blank feedback columns for the department
            assert r["整改时限"] is not None, (month, r["决定文书号"])
            assert r["整改情况"] is None and r["完成日期"] is None and r["说明"] is None
    oct_rows = {r["决定文书号"]: r for r in _sheet(reports["2026-10"].rectification_for(DEPT), "整改清单")}
    assert oct_rows[A]["挂账天数"] == (date(2026, 10, 31) - date(2026, 8, 10)).days
    assert oct_rows[E]["挂账天数"] == (date(2026, 10, 31) - date(2026, 9, 14)).days
    assert oct_rows[A]["整改时限"].date() == date(2026, 9, 28)
    assert oct_rows[E]["整改时限"].date() == date(2026, 11, 3)
    late = oct_rows[L]
    assert late["问题类型"] == "迟报" and late["决定日期"].date() == date(2026, 9, 28)
    assert late["应报送截止日"].date() == date(2026, 10, 13) and late["决定至报送工作日数"] == 9
    assert late["整改时限"].date() == date(2026, 11, 27)
    aug = {r["决定文书号"]: r for r in _sheet(reports["2026-08"].rectification_for(DEPT), "整改清单")}
    assert aug[B]["报送值"] == "罚金"
    assert aug[B]["允许值（代码表）"].split("；")[:2] == ["警告", "罚款"]
    assert aug[A]["允许值（代码表）"] is None
    nov = {r["决定文书号"]: r for r in _sheet(reports["2026-11"].rectification_for(DEPT), "整改清单")}
    assert nov[A]["挂账天数"] == (date(2026, 11, 20) - date(2026, 8, 10)).days


@pytest.mark.slow
def test_the_list_is_print_ready_and_says_held_records_are_not_published(built):
    import openpyxl

    _, reports, _ = built
    wb = openpyxl.load_workbook(reports["2026-10"].rectification_for(DEPT))
    ws = wb["整改清单"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (1 is the format's default, left out of the file), as many pages tall as needed
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$1"
    assert ws.freeze_panes == "B2"
    assert "暂缓公示" in ws.oddHeader.center.text  # on every printed page, under the title
    assert ws.auto_filter.ref == f"A1:V{ws.max_row}"
    info = {r["项目"]: r["内容"] for r in _sheet(reports["2026-10"].rectification_for(DEPT), "说明")}
    assert "暂缓公示" in info["暂缓公示"] and "不予公示" in info["暂缓公示"]
    assert "2026-11-27" in info["整改时限"] and "第15个工作日" in info["整改时限"]
    assert info["整改事项：本月销项"] == 1 and info["整改完成率"] == "25.00%"


@pytest.mark.slow
def test_the_circular_names_overdue_departments_and_withholds_praise(built):
    from dagster_project.report.model import load_month
    from dagster_project.report.thresholds import load_thresholds

    warehouse, reports, _ = built
    md = load_month(warehouse, "2026-11", load_thresholds())
    dept = next(d for d in md.departments if d.department == DEPT)
    # November alone would earn praise (4 records, all compliant, none late) — but two items are overdue
    assert dept.counts.records == 4 and dept.counts.compliant == 4 and dept.counts.late == 0
    assert dept.overdue_items == 2 and dept.verdict != "praise" and dept.praise_withheld
    assert [p.department for p in md.overdue_departments] == [DEPT]
    # the published verdict says the same (marts.fct_department_verdict reads marts.rectification_progress)
    assert _rows(warehouse, """select verdict, overdue_items, is_praise_withheld from marts.fct_department_verdict
                               where department = ? and month = '2026-11'""", [DEPT]) == [(None, 2, True)]
    html = reports["2026-11"].html.read_text(encoding="utf-8")
    assert f"{DEPT_NAME}（2项）" in html
    assert "不予表扬" in html
    assert reports["2026-11"].summary.praised == ()
    aug = load_month(warehouse, "2026-08", load_thresholds())
    assert aug.overdue_departments == []
    assert "本月各部门没有逾期未整改的事项" in reports["2026-08"].html.read_text(encoding="utf-8")
