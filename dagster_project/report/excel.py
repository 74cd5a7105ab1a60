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

from dagster_project.project_vars import publication_workdays

from . import tables as T
from .fmt import ISSUE_KIND_ZH, dataset_zh, month_zh
from .model import INTAKE_FILE_REFUSED, Department, IntakeProblem, Item, Progress
from .rectification import HELD_NOT_PUBLISHED_ZH, HELD_ON_EVERY_PAGE_ZH, allowed_values, deadline_rule_zh

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
    ("决定文书号", 22),
    ("相对人名称", 24),
    ("决定日期", 11),
    ("报送日期", 11),
    ("问题类型", 9),
    ("违反规则", 30),
    ("字段", 12),
    ("报送值", 18),
    ("来源文件", 22),
    ("行号", 6),
    ("允许值（代码表）", 26),
    ("应报送截止日", 11),
    ("决定至报送工作日数", 9),
    ("首次列入月份", 9),
    ("挂账天数", 7),
    ("整改时限", 11),
    ("整改状态", 10),
    ("数据集", 9),
    ("记录编号", 16),
    ("整改情况", 24),
    ("完成日期", 11),
    ("说明", 20),
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
        self.feedback = wb.add_format({"border": 1, "bg_color": "#FFF9DB"})  # for the department to fill in

    def num(self, kind: str):
        return self._num.get(kind, self._num["num"])


def _write_cell(ws, fm: _Formats, r: int, c: int, value: Any, kind: str) -> None:
    if kind == "feedback":
        ws.write_blank(r, c, None, fm.feedback)
    elif value is None or (isinstance(value, str) and value == ""):
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
                 widths: list[float] | None = None):
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
    return ws


def _print_ready(ws, header_zh: str, note_zh: str = "") -> None:
    """A sheet a clerk can print: A4 landscape, one page wide, the header row on every page, page numbers;
    ``note_zh`` is printed under the title on every page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header("&C" + header_zh.replace("&", "&&") + ("\n" + note_zh.replace("&", "&&") if note_zh else ""))
    ws.set_footer("&C第 &P 页，共 &N 页")


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
                                 dept: Department | None = None, department_name: str | None = None,
                                 progress: Progress | None = None) -> None:
    """One department's 整改清单: first the files and rows refused at intake (sheet 报送文件拒收, when any), then
    the items — this month's problems and every held record of an earlier month still not corrected, each with its
    整改时限 and blank feedback columns — then 说明. Print-ready: A4 landscape, one page wide, header row repeated."""
    name = department_name or (dept.department_name if dept else None) or (
        items[0].department_name if items else intake[0].department_name)
    title = f"{name}{month_zh(month)}双公示信用信息整改清单"
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": title, "author": issuer, "company": issuer, "created": _created(as_of)})
    fm = _Formats(wb)
    if intake:
        cols = T.INTAKE_COLUMNS[2:]  # the department is the workbook's
        ws = _write_sheet(wb, fm, INTAKE_SHEET, [c.label for c in cols],
                          ([T.excel_value(c, v) for c, v in zip(cols, r[2:])] for r in T.intake_rows(intake)))
        _print_ready(ws, f"{name}{month_zh(month)}报送文件拒收情况")

    def row(it: Item) -> list[tuple[Any, str]]:
        code_list = allowed_values(it.dataset, it.column_name) if it.rule_id == "CODE_LIST" else None
        late = it.issue_kind == "late"
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
            (code_list, "text"),
            (it.publication_deadline if late else None, "date"),
            (it.workdays_to_drop if late else None, "int"),
            (month_zh(it.first_listed_month) if it.first_listed_month else None, "text"),
            (it.days_outstanding, "int"),
            (it.rectification_deadline, "date"),
            (it.status_zh, "text"),
            (dataset_zh(it.dataset), "text"),
            (it.record_id, "text"),
            (None, "feedback"),
            (None, "feedback"),
            (None, "feedback"),
        ]

    ws = _write_sheet(wb, fm, "整改清单", [h for h, _ in RECTIFICATION_COLUMNS], (row(it) for it in items),
                      widths=[w for _, w in RECTIFICATION_COLUMNS])
    ws.freeze_panes(1, 1)  # the header row and the decision number stay in view
    _print_ready(ws, title, HELD_ON_EVERY_PAGE_ZH)
    violations = sum(1 for it in items if it.issue_kind == "violation" and not it.is_warning)
    warnings_ = sum(1 for it in items if it.is_warning)
    late = sum(1 for it in items if it.issue_kind == "late")
    carried = [it for it in items if it.carried_over]
    overdue_records = {it.case_id for it in items if it.is_overdue}
    deadlines = sorted({it.rectification_deadline for it in items
                        if it.rectification_deadline is not None and not it.carried_over})
    refused_files = sum(1 for p in intake if p.kind == INTAKE_FILE_REFUSED)
    refused_rows = sum(p.rows or 0 for p in intake if p.kind != INTAKE_FILE_REFUSED)
    info = [
        ("部门", f"{name}（{department}）"),
        ("报送月份", month),
        ("报送状态", dept.status_zh if dept else ""),
        ("暂缓公示", HELD_NOT_PUBLISHED_ZH),
        ("无法读取的文件（工作表）", refused_files),
        ("被拒收的数据行", refused_rows),
        ("问题条数", len(items)),
        ("其中：不合规", violations),
        ("其中：迟报", late),
        ("其中：提示（不影响合规）", warnings_),
        ("其中：以前月份列入、仍未整改", len(carried)),
        ("逾期未整改的记录（条）", len(overdue_records)),
    ]
    if progress is not None:
        info += [
            ("整改事项：月初未整改", progress.open_at_start),
            ("整改事项：本月新增", progress.opened),
            ("整改事项：本月销项", progress.closed),
            ("整改事项：月末未整改", progress.open),
            ("整改完成率", "—" if progress.rate is None else f"{float(progress.rate) * 100:.2f}%"),
        ]
    info += [
        ("整改时限", ("本月新列入问题的整改时限为" + "、".join(f"{d:%Y-%m-%d}" for d in deadlines) + "；" if deadlines else "")
         + "以前月份列入的问题仍按原整改时限。规则：" + deadline_rule_zh() + "。"),
        ("整改要求", ("请先按“报送文件拒收”表所列原因和整改要求修正文件后重新报送；" if intake else "")
         + "请逐条核实，更正后重新报送；迟报记录请说明原因并落实按时报送。"
         + "以前月份列入的问题在更正数据校验通过（或决定撤销）前，每月继续列入本清单。"),
        ("反馈", "请在“整改情况”“完成日期”“说明”三列逐条填写后，随更正数据一并报送。"),
        ("说明", "“报送值”为部门报送的原始内容，按文本原样列示；一条记录违反多条规则的，每条规则列为一行。"
         f"“允许值”为代码表规定的取值；迟报问题列出应报送截止日（决定日期后第{publication_workdays()}个工作日）和决定日期至报送日期之间的"
         "工作日数（按国务院办公厅公布的节假日及调休安排计算）；“挂账天数”为首次报送该问题之日至统计截止日"
         "（或销项之日）的日历天数。"
         + ("被拒收的数据行只列行数和行号，不列报送内容。" if intake else "")),
        ("发文单位", issuer),
    ]
    ws = _write_sheet(wb, fm, "说明", ["项目", "内容"],
                      ([(a, "text"), (b, "int" if isinstance(b, int) else "text")] for a, b in info),
                      widths=[16, 90])
    _print_ready(ws, title)
    wb.close()
