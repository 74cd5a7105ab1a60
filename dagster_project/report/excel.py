"""Excel output (xlsxwriter): the report's tables, one sheet each; and one 整改清单
workbook per department.

Text that came from a drop is always written with ``write_string`` and the workbook is
opened with ``strings_to_formulas/urls/numbers`` off, so a value such as
``=HYPERLINK("http://x","y")`` stays a plain string and never becomes a formula.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter

from . import tables as T
from .fmt import ISSUE_KIND_ZH, dataset_zh, month_zh
from .model import INTAKE_FILE_REFUSED, Department, IntakeProblem, Item

#: The first sheet of a department's 整改清单 when some of its files or rows were refused at intake.
INTAKE_SHEET = "报送文件拒收"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "constant_memory": False,
}

NUM_FORMATS = {
    "int": "#,##0",
    "rate": "0.00%",
    "rate3": "0.000%",
    "ratex": "0.000%",
    "pp": "+0.00;-0.00;0.00",
    "pp3": "+0.000;-0.000;0.000",
    "num": "General",
    "date": "yyyy-mm-dd",
}

RECTIFICATION_COLUMNS = [
    ("决定文书号", 26),
    ("相对人名称", 30),
    ("决定日期", 12),
    ("报送日期", 12),
    ("问题类型", 10),
    ("违反规则", 44),
    ("字段", 18),
    ("报送值", 30),
    ("来源文件", 30),
    ("行号", 8),
    ("数据集", 10),
    ("记录编号", 20),
]


def issue_type_zh(it: Item) -> str:
    if it.is_warning:
        return "提示（不影响合规）"
    return ISSUE_KIND_ZH.get(it.issue_kind, it.issue_kind)


def _created(as_of: date) -> datetime:
    return datetime(as_of.year, as_of.month, as_of.day)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#DEE4F0", "border": 1, "align": "center",
             "valign": "vcenter", "text_wrap": True}
        )
        self.text = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        self._num = {k: wb.add_format({"border": 1, "num_format": v, "valign": "top"})
                     for k, v in NUM_FORMATS.items()}
        self.blank = wb.add_format({"border": 1})

    def num(self, kind: str):
        return self._num.get(kind, self._num["num"])


def _write_cell(ws, fm: _Formats, r: int, c: int, value: Any, kind: str) -> None:
    if value is None or (isinstance(value, str) and value == ""):
        ws.write_blank(r, c, None, fm.blank)
    elif kind == "date" or isinstance(value, (date, datetime)):
        ws.write_datetime(r, c, value, fm.num("date"))
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fm.text)
    elif isinstance(value, (int, float)) and kind != "text":
        ws.write_number(r, c, value, fm.num(kind))
    else:
        ws.write_string(r, c, str(value), fm.text)


def _write_sheet(wb, fm: _Formats, name: str, headers: list[str], rows: Iterable[list[tuple[Any, str]]],
                 widths: list[float] | None = None) -> None:
    ws = wb.add_worksheet(name)
    ws.set_row(0, 30)
    seen = [_display_width(h) for h in headers]
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, fm.header)
    n = 0
    for r, row in enumerate(rows, start=1):
        n = r
        for c, (value, kind) in enumerate(row):
            _write_cell(ws, fm, r, c, value, kind)
            if value is not None:
                shown = f"{value:,.4f}" if isinstance(value, float) else str(value)
                seen[c] = max(seen[c], _display_width(shown))
    for c in range(len(headers)):
        width = widths[c] if widths else min(max(seen[c] + 2, 8), 60)
        ws.set_column(c, c, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n, 1), len(headers) - 1)


def write_report_workbook(path: Path, tables: list[T.Table], *, title: str, author: str,
                          as_of: date) -> None:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": title, "author": author, "company": author,
                       "comments": "credit warehouse 通报生成器", "created": _created(as_of)})
    fm = _Formats(wb)
    for t in tables:
        rows = ([T.excel_value(c, v) for c, v in zip(t.columns, r)] for r in t.rows)
        _write_sheet(wb, fm, t.sheet, [c.label for c in t.columns], rows)
    wb.close()


def safe_filename_part(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip()
    text = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text)
    return text.strip(" .") or "_"


def rectification_filename(department: str, department_name: str, month: str) -> str:
    return f"{safe_filename_part(department)}_{safe_filename_part(department_name)}_{month}.xlsx"


def write_rectification_workbook(path: Path, department: str, items: list[Item], *, month: str,
                                 issuer: str, as_of: date, intake: list[IntakeProblem] = (),
                                 dept: Department | None = None, department_name: str | None = None) -> None:
    """One department's 整改清单: first the files and rows refused at intake (sheet 报送文件拒收, when any), then
    the items, then 说明."""
    name = department_name or (dept.department_name if dept else None) or (
        items[0].department_name if items else intake[0].department_name)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": f"{name}{month_zh(month)}双公示信用信息整改清单", "author": issuer,
                       "company": issuer, "created": _created(as_of)})
    fm = _Formats(wb)
    if intake:
        cols = T.INTAKE_COLUMNS[2:]  # the department is the workbook's
        _write_sheet(wb, fm, INTAKE_SHEET, [c.label for c in cols],
                     ([T.excel_value(c, v) for c, v in zip(cols, r[2:])] for r in T.intake_rows(intake)))

    def row(it: Item) -> list[tuple[Any, str]]:
        return [
            (it.decision_no, "text"),
            (it.party_name, "text"),
            (it.decision_date, "date"),
            (it.drop_date, "date"),
            (issue_type_zh(it), "text"),
            (it.rule_message_zh, "text"),
            (it.column_label_zh, "text"),
            (it.offending_value, "text"),
            (it.source_file, "text"),
            (it.source_row, "int" if it.source_row is not None else "text"),
            (dataset_zh(it.dataset), "text"),
            (it.record_id, "text"),
        ]

    _write_sheet(wb, fm, "整改清单", [h for h, _ in RECTIFICATION_COLUMNS], (row(it) for it in items),
                 widths=[w for _, w in RECTIFICATION_COLUMNS])
    violations = sum(1 for it in items if it.issue_kind == "violation" and not it.is_warning)
    warnings_ = sum(1 for it in items if it.is_warning)
    late = sum(1 for it in items if it.issue_kind == "late")
    refused_files = sum(1 for p in intake if p.kind == INTAKE_FILE_REFUSED)
    refused_rows = sum(p.rows or 0 for p in intake if p.kind != INTAKE_FILE_REFUSED)
    info = [
        ("部门", f"{name}（{department}）"),
        ("报送月份", month),
        ("报送状态", dept.status_zh if dept else ""),
        ("无法读取的文件（工作表）", refused_files),
        ("被拒收的数据行", refused_rows),
        ("问题条数", len(items)),
        ("其中：不合规", violations),
        ("其中：迟报", late),
        ("其中：提示（不影响合规）", warnings_),
        ("整改要求", ("请先按“报送文件拒收”表所列原因和整改要求修正文件后重新报送；" if intake else "")
         + "请逐条核实，更正后重新报送；迟报记录请说明原因并落实按时报送。"),
        ("说明", "“报送值”为部门报送的原始内容，按文本原样列示；一条记录违反多条规则的，每条规则列为一行。"
         + ("被拒收的数据行只列行数和行号，不列报送内容。" if intake else "")),
        ("发文单位", issuer),
    ]
    _write_sheet(wb, fm, "说明", ["项目", "内容"],
                 ([(a, "text"), (b, "int" if isinstance(b, int) else "text")] for a, b in info),
                 widths=[14, 70])
    wb.close()
