"""Excel drops (.xlsx / .xlsm / .xls) via python-calamine; every sheet is examined on its own.

Cells become text faithfully: a date cell -> 'YYYY-MM-DD', a date-time -> 'YYYY-MM-DD HH:MM:SS' (a
midnight date-time -> the date alone), an integer-valued number -> '123', other numbers with Excel's 15
significant digits ('4.54'), booleans 'TRUE'/'FALSE', strings exactly as stored. A date serial number
stored as a plain number stays that number's text. source_row = the sheet's 1-based row number.
"""
from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.compute as pc

from .headers import AliasIndex, HeaderFailure, detect_header, HEADER_SEARCH_ROWS
from .tables import (
    ABOVE_HEADER_MIN_CELLS,
    REASON_ABOVE_HEADER,
    RejectedRow,
    TableOutcome,
    finish_table,
    missing_required_outcome,
    nonblank_count,
    quarantined,
)


def cell_text(v: object) -> str | None:
    if v is None:
        return None
    t = type(v)
    if t is str:
        return v if v != "" else None
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            return str(v)
        if v.is_integer():
            return str(int(v))
        return format(v, ".15g")
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is dt.datetime:
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if t is dt.date:
        return v.isoformat()
    if t is dt.time:
        return v.isoformat(timespec="seconds")
    if t is dt.timedelta:
        return str(v)
    return str(v)


def _column_array(values: tuple) -> pa.Array:
    if set(map(type, values)) == {str}:
        arr = pa.array(values, pa.string())
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pa.array([cell_text(v) for v in values], pa.string())


def _raw_cells(row: list) -> str:
    cells = [cell_text(v) for v in row]
    while cells and cells[-1] is None:
        cells.pop()
    return json.dumps(cells, ensure_ascii=False)


def _read_sheet(rows: list[list], sheet: str, file_name: str, index: AliasIndex) -> TableOutcome:
    head = [[cell_text(v) for v in r] for r in rows[:HEADER_SEARCH_ROWS]]
    result = detect_header(head, index, f"{file_name} {sheet}")
    where = dict(sheet_name=sheet)
    if isinstance(result, HeaderFailure):
        return quarantined("unknown_layout", f"工作表「{sheet}」：{result.reason_zh}",
                           f"sheet '{sheet}': {result.reason_en}", **where)
    match = result
    header_row = match.first_index + 1
    if match.missing_required:
        out = missing_required_outcome(match, index.seeds, header_row=header_row, **where)
        out.reason = f"工作表「{sheet}」：" + out.reason.replace(" / ", f" / sheet '{sheet}': ", 1)
        return out
    width = max(len(r) for r in rows)
    cells = [c or "" for c in match.cells] + [""] * max(0, width - len(match.cells))
    while len(cells) > width:
        cells.pop()
    match.cells = cells
    rejected = [
        RejectedRow(k + 1, _raw_cells(rows[k]), REASON_ABOVE_HEADER)
        for k in range(match.first_index)
        if nonblank_count(head[k]) >= ABOVE_HEADER_MIN_CELLS
    ]
    first = match.last_index + 1
    body_rows = rows[first:]
    common = dict(header_row=header_row, sheet_name=sheet)
    if body_rows:
        padded = [r if len(r) == width else list(r) + [None] * (width - len(r)) for r in body_rows]
        columns = list(zip(*padded))
        arrays = [_column_array(c) for c in columns]
    else:
        arrays = [pa.array([], pa.string()) for _ in range(width)]
    arrays.append(pa.array(range(first + 1, first + 1 + len(body_rows)), pa.int32()))
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(width)] + ["source_row"])
    outcome = finish_table(table, match, width, rejected, lambda rs: [_raw_cells(rows[r - 1]) for r in rs], **common)
    if outcome.rows_read == 0:
        return quarantined("header_only", f"工作表「{sheet}」只有表头，没有数据行",
                           f"sheet '{sheet}' has a header but no data rows", dataset=match.dataset, **common)
    return outcome


def read_workbook(raw: bytes, name: str, index: AliasIndex) -> list[TableOutcome]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheet_names = list(wb.sheet_names)
        try:
            kinds = {m.name: m.typ for m in wb.sheets_metadata}
        except Exception:  # noqa: BLE001 - metadata is a nicety
            kinds = {}
    except PasswordError:
        return [quarantined("corrupt_xlsx", "工作簿有密码保护，无法读取", "the workbook is password-protected")]
    except Exception as e:  # noqa: BLE001 - calamine raises several types for broken files
        return [quarantined("corrupt_xlsx", f"无法打开工作簿（文件损坏或被截断）：{type(e).__name__}",
                            f"cannot open the workbook (corrupt or truncated): {type(e).__name__}: {e}")]
    outcomes: list[TableOutcome] = []
    for sheet in sheet_names:
        if kinds.get(sheet, SheetTypeEnum.WorkSheet) != SheetTypeEnum.WorkSheet:
            outcomes.append(TableOutcome(status="skipped", sheet_name=sheet))  # a chart or macro sheet
            continue
        try:
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as e:  # noqa: BLE001
            outcomes.append(quarantined("corrupt_xlsx", f"工作表「{sheet}」无法读取：{type(e).__name__}",
                                        f"sheet '{sheet}' cannot be read: {type(e).__name__}: {e}", sheet_name=sheet))
            continue
        if not any(nonblank_count(r) for r in rows):
            outcomes.append(TableOutcome(status="skipped", sheet_name=sheet))
            continue
        outcomes.append(_read_sheet(rows, sheet, name, index))
    if not outcomes:
        return [quarantined("empty_file", "工作簿没有工作表", "the workbook has no sheets")]
    if all(o.status == "skipped" for o in outcomes):
        return [quarantined("empty_file", "工作簿所有工作表都是空的", "every sheet of the workbook is empty")]
    return outcomes
