"""Frozen figures through the real pipeline (slow: two small builds): a month is issued, a file dated in that
month arrives after the issue, the next night rebuilds the marts, and the next month's 通报 keeps the issued
month's figures (上月) and prints a correction line whose difference is exactly the late file's loaded rows."""
from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from dagster_project.cli import run_build
from dagster_project.report.issuance import IssuedStore, report_month
from dagster_project.sample import generate_sample
from test_incremental import copy_nights

pytestmark = pytest.mark.slow


def _rows(warehouse, sql, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_late_file_for_an_issued_month_is_a_correction_line_not_a_silent_change(tmp_path):
    sample = tmp_path / "sample"
    generate_sample(sample, 240, seed=3, start=date(2026, 9, 20), end=date(2026, 11, 20), bad_files=False)
    days = sorted({d.name for dept in sample.iterdir() if dept.is_dir() and not dept.name.startswith(".")
                   for d in dept.iterdir()})
    night1 = [d for d in days if d <= "2026-11-05"]
    later = [d for d in days if d > "2026-11-05"]
    # the late file: a November CSV moved into a folder dated 2026-10-29 (sent for October, delivered late)
    late_src = next(p for d in later for p in sorted(sample.glob(f"*/{d}/*.csv")))
    dept = late_src.parent.parent.name
    late_dir = sample / dept / "2026-10-29"
    if late_dir.exists():  # keep the day's own files apart from the late one
        late_dir = sample / dept / "2026-10-30"
    assert not late_dir.exists()
    late_dir.mkdir()
    late_file = late_dir / ("late_" + late_src.name)
    shutil.move(late_src, late_file)

    drops, warehouse = tmp_path / "drops", tmp_path / "wh" / "credit.duckdb"
    warehouse.parent.mkdir()
    copy_nights(sample, drops, night1)
    run_build(drops, warehouse, "2026-11-05")
    october = report_month(warehouse, "2026-10", tmp_path / "reports" / "2026-10", issue=True)
    issued = {(r.department, r.dataset): r.counts for r in IssuedStore(warehouse).figures(october.issue)}
    build = _rows(warehouse, "select run_id from audit.build_info")[0][0]
    assert october.issue.meta["build_run_id"] == build  # the build the figures came from

    copy_nights(sample, drops, later + [late_dir.name])
    run_build(drops, warehouse, "2026-11-21")
    loaded = _rows(warehouse, "select sum(rows_loaded), any_value(dataset) from marts.fct_intake_file "
                              "where file_name = ? and department = ?", [late_file.name, dept])[0]
    assert loaded[0] and loaded[0] > 0, "the late file should have loaded rows"
    now = {(r[0], r[1]): r[2] for r in _rows(
        warehouse, "select department, dataset, records from marts.dual_disclosure_compliance "
                   "where left(cast(month as varchar), 7) = '2026-10'")}

    november = report_month(warehouse, "2026-11", tmp_path / "reports" / "2026-11", issue=True)
    # October as issued is unchanged in the store; the published file copies it in on the next publish
    assert {(r.department, r.dataset): r.counts for r in IssuedStore(warehouse).figures(
        IssuedStore(warehouse).latest("2026-10"))} == issued
    lines = {(c.month, c.department, c.dataset): c for c in november.corrections}
    key = ("2026-10", dept, loaded[1])
    assert key in lines, (key, list(lines))
    line = lines[key]
    assert line.issued == issued.get((dept, loaded[1]), line.issued)
    assert line.now.records == now[(dept, loaded[1])]
    assert line.now.records - line.issued.records == loaded[0]  # exactly the late file's rows
    # November's 上月 total is October as issued, not as rebuilt
    import openpyxl
    ws = openpyxl.load_workbook(november.files.xlsx)["总体情况"]
    header = [c.value for c in ws[1]]
    prev_col = next(i for i, h in enumerate(header) if str(h).startswith("上月"))
    records_row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "归集记录数（条）")
    assert records_row[prev_col] == sum(c.records for c in issued.values())
    assert sum(now.values()) == sum(c.records for c in issued.values()) + loaded[0]
