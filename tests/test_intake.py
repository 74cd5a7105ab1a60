"""Issue 17, first bullet: intake visible to the department. One full build (credit run, through the real Dagster
graph) of a tiny drops folder, then the monthly 通报 of 2026-10:

  swj (税务局), 2026-10-15:     行政处罚_202610.csv  header + 2 good rows + 1 row with too many fields (line 4)
                                 说明.txt             unsupported_extension
  sthjj (生态环境局), 2026-10-20: 处罚_<ID number>.csv  NUL bytes: binary_file  — its only file of the month

Hand-counted answers: marts.fct_intake_file holds exactly those 3 files of 2026-10 (loaded 2 / rejected 1;
refused; refused), marts.fct_intake_rejection_summary one line (wrong_field_count, 1 row, line 4); `credit query`
answers which files of sthjj were refused in October and why; the 通报 lists the refused files and rows by
department with sthjj as 报送失败 (not 漏报), and sthjj's 整改清单 lists the refused file first. Nothing published
or reported holds the refused row's cells or the ID number in the file name.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project import pii
from tests.test_privacy_scan import IDS, PENALTY_HEADER, penalty

AS_OF = "2026-11-05"
MONTH = "2026-10"
MARKER = "拒收行原文标记QX7"  # a cell of the refused row: must never be published or reported
GOOD_CSV = "行政处罚_202610.csv"
TXT = "说明.txt"
BAD_ID = IDS[3]
BAD_CSV = f"处罚_{BAD_ID}.csv"
BAD_CSV_SHOWN = f"处罚_{pii.ID_REDACTED}.csv"


def _good_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=PENALTY_HEADER, lineterminator="\n")
    writer.writeheader()
    for no in ("税罚〔2026〕101号", "税罚〔2026〕102号"):
        writer.writerow(penalty(no, 处罚决定日期="2026-10-09", 处罚有效期="2027-10-09", 处罚机关="国家税务总局大连市税务局",
                                数据来源单位="国家税务总局大连市税务局", 法定代表人证件号码=""))
    buf.write(",".join([MARKER] * (len(PENALTY_HEADER) + 3)) + "\n")  # line 4: too many fields
    return buf.getvalue().encode("utf-8-sig")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from dagster_project.cli import run_build
    from dagster_project.report import render_monthly_report

    root = tmp_path_factory.mktemp("intake")
    a = root / "drops" / "swj" / "2026-10-15"
    b = root / "drops" / "sthjj" / "2026-10-20"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    (a / GOOD_CSV).write_bytes(_good_csv())
    (a / TXT).write_text("本月数据见附件", encoding="utf-8")
    (b / BAD_CSV).write_bytes(b"\x00\x01\x02PK garbage \x00\xff\xfe" * 40)
    warehouse = root / "credit.duckdb"
    summary = run_build(root / "drops", warehouse, AS_OF)
    files = render_monthly_report(warehouse, MONTH, root / "reports", as_of=date(2026, 11, 5))
    return warehouse, files, summary


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_published_intake_table_holds_every_file_with_its_outcome(built):
    warehouse, _, summary = built
    assert summary["success"]
    rows = _rows(warehouse, """
        select department, department_name, cast(drop_date as varchar), month, file_name, status, is_refused,
               rows_read, rows_loaded, rows_rejected, reason_code, is_latest_attempt
        from marts.fct_intake_file order by department, file_name""")
    assert rows == [
        ("sthjj", "生态环境局", "2026-10-20", MONTH, BAD_CSV_SHOWN, "quarantined", True, 0, 0, 0, "binary_file", True),
        ("swj", "税务局", "2026-10-15", MONTH, GOOD_CSV, "loaded", False, 3, 2, 1, None, True),
        ("swj", "税务局", "2026-10-15", MONTH, TXT, "quarantined", True, 0, 0, 0, "unsupported_extension", True),
    ]
    reasons = dict(_rows(warehouse, "select reason_code, reason_zh || '|' || reason_label_zh || '|' || what_to_do_zh "
                                    "from marts.fct_intake_file where is_refused"))
    assert set(reasons) == {"binary_file", "unsupported_extension"}
    for text in reasons.values():
        assert "请" in text and not any(ch.isascii() and ch.isalpha() for ch in text.split("|")[1])
    summary_rows = _rows(warehouse, """
        select department, file_name, reason_code, rejected_rows, first_source_row, last_source_row, what_to_do_zh
        from marts.fct_intake_rejection_summary""")
    assert [r[:6] for r in summary_rows] == [("swj", GOOD_CSV, "wrong_field_count", 1, 4, 4)]
    assert summary_rows[0][6]
    access = dict(_rows(warehouse, "select table_name, audience from audit.table_access"))
    assert access["marts.fct_intake_file"] == access["marts.fct_intake_rejection_summary"] == "internal"


def test_nothing_published_holds_the_refused_cells_or_the_id_number(built):
    warehouse, _, _ = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in ("fct_intake_file", "fct_intake_rejection_summary"):
            cols = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
                [table]).fetchall()]
            assert "raw_text" not in cols
            for row in con.execute(f"select * from marts.{table}").fetchall():
                for cell in row:
                    if isinstance(cell, str):
                        assert MARKER not in cell and BAD_ID not in cell and not pii.find_id_numbers(cell), cell
    finally:
        con.close()


def test_credit_query_answers_which_files_were_refused_and_why(built, capsys):
    from dagster_project import query

    warehouse, _, _ = built
    sql = ("select file_name, drop_date, reason_code, reason_zh, what_to_do_zh from marts.fct_intake_file "
           "where department = 'sthjj' and month = '2026-10' and is_refused order by file_name")
    capsys.readouterr()
    code = query.main([sql, "--warehouse", str(warehouse), "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0].startswith("file_name,drop_date,reason_code,reason_zh,what_to_do_zh")
    assert len(lines) == 2 and BAD_CSV_SHOWN in lines[1] and "binary_file" in lines[1] and "2026-10-20" in lines[1]


def _report_text(files) -> str:
    from tests.test_report import pdf_text, squash

    return squash("".join(pdf_text(files.pdf)))


def test_report_has_the_intake_section_and_submission_failure(built):
    import openpyxl

    _, files, _ = built
    html = files.html.read_text(encoding="utf-8")
    text = _report_text(files)
    for doc in (html, text):
        assert "报送文件无法读取及被拒收的数据" in doc
        assert BAD_CSV_SHOWN in doc and TXT in doc and GOOD_CSV in doc
        assert "报送失败" in doc
        assert MARKER not in doc and BAD_ID not in doc
    wb = openpyxl.load_workbook(files.xlsx)
    ws = wb["报送文件拒收情况"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    by_file = {(r["部门编码"], r["文件名"], r["原因代码"]): r for r in rows}
    assert set(by_file) == {("sthjj", BAD_CSV_SHOWN, "binary_file"), ("swj", TXT, "unsupported_extension"),
                            ("swj", GOOD_CSV, "wrong_field_count")}
    assert by_file[("swj", GOOD_CSV, "wrong_field_count")]["拒收行数"] == 1
    assert by_file[("sthjj", BAD_CSV_SHOWN, "binary_file")]["报送日期"].date() == date(2026, 10, 20)
    assert by_file[("sthjj", BAD_CSV_SHOWN, "binary_file")]["整改要求"]
    ranking = wb["部门排名"]
    header = [c.value for c in ranking[1]]
    status = {r[header.index("部门编码")].value: r for r in ranking.iter_rows(min_row=2)}
    assert status["sthjj"][header.index("报送状态")].value == "报送失败"
    assert status["sthjj"][header.index("漏报")].value in (None, "")  # sent files: not 漏报
    assert status["swj"][header.index("报送状态")].value == "已报送"
    assert status["zjj"][header.index("报送状态")].value == "漏报"  # expected, sent nothing
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for cell in row:
                assert not (isinstance(cell, str) and (MARKER in cell or BAD_ID in cell)), (ws.title, cell)


def test_rectification_list_of_the_failed_department_lists_the_refused_file_first(built):
    import openpyxl

    _, files, _ = built
    path = files.rectification_for("sthjj")
    assert path is not None and path.is_file()
    wb = openpyxl.load_workbook(path)
    first = wb.worksheets[0]
    assert first.title == "报送文件拒收"
    header = [c.value for c in first[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in first.iter_rows(min_row=2)]
    assert len(rows) == 1
    assert rows[0]["文件名"] == BAD_CSV_SHOWN and rows[0]["原因代码"] == "binary_file"
    assert rows[0]["处理结果"] == "文件无法读取" and rows[0]["原因"] and rows[0]["整改要求"]
    info = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2)}
    assert info["报送状态"] == "报送失败"
    swj = openpyxl.load_workbook(files.rectification_for("swj"))
    assert swj.worksheets[0].title == "报送文件拒收"
    first_rows = list(swj.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(first_rows) == 2  # the .txt, and the refused row of the CSV (counted, never shown)
    for p in files.rectification:
        for ws in openpyxl.load_workbook(p).worksheets:
            for row in ws.iter_rows(values_only=True):
                assert not any(isinstance(c, str) and (MARKER in c or BAD_ID in c) for c in row)


def test_every_reason_code_has_chinese_wording_and_what_to_do():
    from dagster_project.ingest import REASON_CODES
    from dagster_project.paths import DBT_PROJECT_DIR

    with open(DBT_PROJECT_DIR / "seeds" / "ingest_reason_codes.csv", encoding="utf-8") as f:
        seed = {r["reason_code"]: r for r in csv.DictReader(f)}
    row_codes = {"wrong_field_count", "above_header", "repeated_header", "formula_without_value"}
    assert set(REASON_CODES) | row_codes == set(seed)
    for code, r in seed.items():
        assert r["label_zh"] and r["what_to_do_zh"].startswith(("请", "无需")), code
        assert r["applies_to"] == ("file_or_row" if code in row_codes & set(REASON_CODES)
                                   else "row" if code in row_codes else "file"), code
