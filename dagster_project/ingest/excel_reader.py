"""Excel drops (.xlsx / .xlsm / .xls) via python-calamine; every sheet is examined on its own.

Cells become text faithfully: a date cell -> 'YYYY-MM-DD', a date-time -> 'YYYY-MM-DD HH:MM:SS' (a
midnight date-time -> the date alone), an integer-valued number -> '123', other numbers with Excel's 15
significant digits ('4.54'), booleans 'TRUE'/'FALSE', strings exactly as stored. A date serial number
stored as a plain number stays that number's text (dbt's parse_date reads serials, whatever the source:
a CSV exported from Excel carries them too). source_row = the sheet's 1-based row number.

Before calamine parses a cell, xlsx_guard judges the zip (limits in ingest_limits.yml): a workbook that would
expand too much is quarantined unopened (suspicious_expansion); a sheet with values beyond max_rows_per_sheet
is quarantined (too_many_rows) and its trailing empty rows are never read. Hidden and very hidden sheets are
skipped with a note (a workbook whose data is only in hidden sheets: hidden_sheets_only). A formula cell without
a cached value (calamine would read it empty): in a mapped column its row is rejected (formula_without_value,
naming the column, cell and formula); if that leaves no row, the sheet is quarantined with that code; in an
unmapped column its formula text ('=…') is kept in extra_columns.
"""
from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.compute as pc

from .headers import AliasIndex, HeaderFailure, detect_header, HEADER_SEARCH_ROWS
from .limits import IngestLimits, load_limits
from .tables import (
    ABOVE_HEADER_MIN_CELLS,
    REASON_ABOVE_HEADER,
    RejectedRow,
    TableOutcome,
    finish_table,
    layout_note,
    missing_required_outcome,
    nonblank_count,
    quarantined,
    reject_reason,
)
from .xlsx_guard import col_letters, inspect_workbook

FORMULA_SHOWN = 80  # characters of a formula quoted in a reason
EMPTY_SHEET_NOTE = "空工作表 / an empty sheet"


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


def _read_sheet(rows: list[list], sheet: str, file_name: str, index: AliasIndex,
                formulas: dict[int, dict[int, str]] | None = None) -> TableOutcome:
    head = [[cell_text(v) for v in r] for r in rows[:HEADER_SEARCH_ROWS]]
    result = detect_header(head, index, f"{file_name} {sheet}")
    where = dict(sheet_name=sheet)
    if isinstance(result, HeaderFailure):
        return quarantined("unknown_layout", f"工作表「{sheet}」：{result.reason_zh}",
                           f"sheet '{sheet}': {result.reason_en}", **where)
    match = result
    header_row = match.first_index + 1
    if match.missing_keys:
        out = missing_required_outcome(match, index.seeds, header_row=header_row, **where)
        out.reason = f"工作表「{sheet}」：" + out.reason.replace(" / ", f" / sheet '{sheet}': ", 1)
        return out
    first = match.last_index + 1
    formula_rows = _place_formulas(rows, formulas or {}, first, set(match.mapping))
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
    common = dict(header_row=header_row, sheet_name=sheet)
    labels = {i: (index.seeds.label(match.dataset, c), c) for i, c in match.mapping.items()}
    for r, cols in sorted(formula_rows.items()):
        rejected.append(RejectedRow(r, _raw_cells(rows[r - 1]), _formula_reason(r, cols, labels)))
    if formula_rows:
        keep = [k for k in range(first, len(rows)) if k + 1 not in formula_rows]
        body_rows = [rows[k] for k in keep]
        source_rows = pa.array([k + 1 for k in keep], pa.int32())
    else:
        body_rows = rows[first:]
        source_rows = pa.array(range(first + 1, first + 1 + len(body_rows)), pa.int32())
    if body_rows:
        padded = [r if len(r) == width else list(r) + [None] * (width - len(r)) for r in body_rows]
        columns = list(zip(*padded))
        arrays = [_column_array(c) for c in columns]
    else:
        arrays = [pa.array([], pa.string()) for _ in range(width)]
    arrays.append(source_rows)
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(width)] + ["source_row"])
    outcome = finish_table(table, match, width, rejected, lambda rs: [_raw_cells(rows[r - 1]) for r in rs], **common)
    if formula_rows and outcome.rows_loaded == 0:
        cols = sorted({c for found in formula_rows.values() for c in found})
        names_zh = "、".join(f"「{labels[c][0]}」" for c in cols)
        names_en = ", ".join(f"{labels[c][0]} ({labels[c][1]})" for c in cols)
        return quarantined(
            "formula_without_value",
            f"工作表「{sheet}」每一行的{names_zh}列都是没有计算结果的公式，文件里没有这些值；请在 Excel 中打开、"
            f"重新计算并保存（或复制后“粘贴为数值”），再重新报送",
            f"sheet '{sheet}': every row's {names_en} is a formula without a cached value, so the values are not "
            f"in the file; open it in Excel, recalculate and save (or paste as values), then send it again",
            dataset=match.dataset, **common)
    if outcome.rows_read == 0:
        return quarantined("header_only", f"工作表「{sheet}」只有表头，没有数据行",
                           f"sheet '{sheet}' has a header but no data rows", dataset=match.dataset, **common)
    note = layout_note(match, index.seeds)
    outcome.note = note and f"工作表「{sheet}」：" + note.replace(" / ", f" / sheet '{sheet}': ", 1)
    return outcome


def _place_formulas(rows: list[list], formulas: dict[int, dict[int, str]], first: int,
                    mapped: set[int]) -> dict[int, dict[int, str]]:
    """Put each uncached formula's text ('=…') into its cell below the header (rows grow as needed: the reader
    leaves such cells, even rows, out). Returns row -> {mapped column: formula}: the rows to reject."""
    reject: dict[int, dict[int, str]] = {}
    for r, cols in formulas.items():
        if r <= first:
            continue  # title and header rows: the header match stands as read
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1] = list(rows[r - 1])
        for c, text in cols.items():
            if len(row) <= c:
                row.extend([None] * (c + 1 - len(row)))
            row[c] = text
            if c in mapped:
                reject.setdefault(r, {})[c] = text
    return reject


def _formula_reason(r: int, cols: dict[int, str], labels: dict[int, tuple[str, str]]) -> str:
    def shown(f: str) -> str:
        return f if len(f) <= FORMULA_SHOWN else f[:FORMULA_SHOWN] + "…"

    zh = "；".join(f"「{labels[c][0]}」（{col_letters(c)}{r}）是没有计算结果的公式 {shown(f)}" for c, f in sorted(cols.items()))
    en = "; ".join(f"column {labels[c][0]} ({labels[c][1]}), cell {col_letters(c)}{r}: a formula without a cached "
                   f"value ({shown(f)})" for c, f in sorted(cols.items()))
    return reject_reason(
        "formula_without_value",
        f"{zh}，文件里没有它的值；请在 Excel 中打开、重新计算并保存（或“粘贴为数值”）后重新报送",
        f"{en}, so its value is not in the file; open the file in Excel, recalculate and save (or paste as values), "
        f"then send it again",
    )


def _open_workbook(raw: bytes):
    """The calamine workbook (a seam for tests)."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(raw))


def _sheet_rows(wb, sheet: str) -> list[list]:
    """Every row of a sheet from A1 (a seam for tests)."""
    return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _blank(row: list) -> bool:
    return all(v is None or v == "" for v in row)


def _too_many_rows(sheet: str, last_row: int, cap: int) -> TableOutcome:
    return quarantined(
        "too_many_rows",
        f"工作表「{sheet}」的数据一直到第 {last_row} 行，超过每个工作表 {cap} 行的上限（ingest_limits.yml 的 "
        f"max_rows_per_sheet）；请拆分为多个文件或工作表，或改用 CSV 报送",
        f"sheet '{sheet}' has data down to row {last_row}, over the limit of {cap} rows per sheet "
        f"(max_rows_per_sheet in ingest_limits.yml); split it into several files or sheets, or send CSV",
        sheet_name=sheet)


_VISIBILITY = {"Hidden": "hidden", "VeryHidden": "veryHidden"}


def read_workbook(raw: bytes, name: str, index: AliasIndex, limits: IngestLimits | None = None) -> list[TableOutcome]:
    from python_calamine import PasswordError, SheetTypeEnum

    limits = limits or load_limits()
    scan = inspect_workbook(raw, limits)  # None: not a zip (.xls, or broken): calamine decides
    if scan is not None and scan.problem:
        return [quarantined("suspicious_expansion", *scan.problem)]
    try:
        wb = _open_workbook(scan.data if scan is not None and scan.data else raw)
        sheet_names = list(wb.sheet_names)
        try:
            meta = {m.name: m for m in wb.sheets_metadata}
        except Exception:  # noqa: BLE001 - metadata is a nicety
            meta = {}
    except PasswordError:
        return [quarantined("corrupt_xlsx", "工作簿有密码保护，无法读取", "the workbook is password-protected")]
    except Exception as e:  # noqa: BLE001 - calamine raises several types for broken files
        return [quarantined("corrupt_xlsx", f"无法打开工作簿（文件损坏或被截断）：{type(e).__name__}",
                            f"cannot open the workbook (corrupt or truncated): {type(e).__name__}: {e}")]
    outcomes: list[TableOutcome] = []
    hidden: list[str] = []
    cap = limits.max_rows_per_sheet
    for sheet in sheet_names:
        m = meta.get(sheet)
        if m is not None and m.typ != SheetTypeEnum.WorkSheet:
            outcomes.append(TableOutcome(status="skipped", sheet_name=sheet,
                                         note="图表或宏工作表，不读取 / a chart or macro sheet; not read"))
            continue
        state = _VISIBILITY.get(str(getattr(m, "visible", "")).rsplit(".", 1)[-1])
        if state:
            hidden.append(sheet)
            outcomes.append(TableOutcome(
                status="skipped", sheet_name=sheet,
                note=f"工作表「{sheet}」是隐藏工作表（{state}），已跳过，不读取 / sheet '{sheet}' is hidden ({state}): skipped"))
            continue
        sheet_scan = scan.sheets.get(sheet) if scan is not None else None
        if sheet_scan is not None and sheet_scan.over_cap_row:
            outcomes.append(_too_many_rows(sheet, sheet_scan.over_cap_row, cap))
            continue
        try:
            rows = _sheet_rows(wb, sheet)
        except Exception as e:  # noqa: BLE001
            outcomes.append(quarantined("corrupt_xlsx", f"工作表「{sheet}」无法读取：{type(e).__name__}",
                                        f"sheet '{sheet}' cannot be read: {type(e).__name__}: {e}", sheet_name=sheet))
            continue
        while rows and _blank(rows[-1]):
            rows.pop()  # trailing empty rows are not rows
        if len(rows) > cap:  # .xls, or an xlsx the guard could not scan
            outcomes.append(_too_many_rows(sheet, len(rows), cap))
            continue
        formulas = sheet_scan.formulas if sheet_scan is not None else {}
        if not any(nonblank_count(r) for r in rows):
            if formulas:
                outcomes.append(quarantined(
                    "formula_without_value",
                    f"工作表「{sheet}」只有没有计算结果的公式，文件里没有任何值；请在 Excel 中打开、重新计算并保存"
                    f"（或“粘贴为数值”）后重新报送",
                    f"sheet '{sheet}' holds only formulas without cached values, so no value is in the file; open it "
                    f"in Excel, recalculate and save (or paste as values), then send it again", sheet_name=sheet))
            else:
                outcomes.append(TableOutcome(status="skipped", sheet_name=sheet, note=EMPTY_SHEET_NOTE))
            continue
        outcomes.append(_read_sheet(rows, sheet, name, index, formulas))
    if not outcomes:
        return [quarantined("empty_file", "工作簿没有工作表", "the workbook has no sheets")]
    if all(o.status == "skipped" for o in outcomes):
        with_data = [s for s in hidden if _hidden_has_data(wb, s, scan)]
        if with_data:
            names_zh = "、".join(f"「{s}」" for s in with_data)
            names_en = ", ".join(f"'{s}'" for s in with_data)
            return [quarantined(
                "hidden_sheets_only",
                f"工作簿只有隐藏工作表{names_zh}有数据，隐藏工作表不读取；请取消隐藏（或把数据移到可见工作表）后重新报送",
                f"only the hidden sheet(s) {names_en} hold data, and hidden sheets are not read; unhide them (or move "
                f"the data to a visible sheet), then send the file again")]
        return [quarantined("empty_file", "工作簿所有工作表都是空的", "every sheet of the workbook is empty")]
    return outcomes


def _hidden_has_data(wb, sheet: str, scan) -> bool:
    s = scan.sheets.get(sheet) if scan is not None else None
    if s is not None and (s.over_cap_row or s.formulas):
        return True
    try:
        return any(nonblank_count(r) for r in _sheet_rows(wb, sheet))
    except Exception:  # noqa: BLE001
        return False
