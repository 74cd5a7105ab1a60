"""Helpers for tests/test_ingest.py and benchmarks/bench_ingest.py: penalty / license rows with the seed
labels as headers, written as CSV (any encoding) or XLSX."""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from dagster_project.ingest.seeds import load_seeds

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_FIRMS = ["大连海韵贸易", "泰安鑫源建材", "广州南粤物流", "成都天府餐饮", "沈阳北方机械", "鞍山钢联商贸"]
_FORMS = ["有限公司", "有限责任公司", "股份有限公司", "个体工商户"]


@lru_cache(maxsize=None)
def _seed_columns(dataset: str) -> tuple[tuple[str, str], ...]:
    return tuple((c.name, c.label_zh) for c in load_seeds().canonical(dataset))


def labels(dataset: str) -> list[str]:
    return [label for _n, label in _seed_columns(dataset)]


def columns(dataset: str) -> list[str]:
    return [n for n, _label in _seed_columns(dataset)]


def fake_row(dataset: str, i: int, rng: random.Random | None = None) -> dict[str, str]:
    """One plausible record keyed by canonical column name (text, as a department would send it)."""
    rng = rng or random.Random(i)
    d = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
    firm = f"{rng.choice(_FIRMS)}{i}{rng.choice(_FORMS)}"
    row = {c: "" for c in columns(dataset)}
    row.update(
        party_name=firm,
        party_type=rng.choice(["法人及非法人组织", "个体工商户", "自然人"]),
        uscc=f"91210200{i % 10**9:09d}X",
        legal_rep=rng.choice(_SURNAMES) + "某",
        source_unit="大连市市场监督管理局",
        source_unit_uscc="11210200MB1234567X",
        remarks="" if i % 7 else "备注，含逗号",
        status="正常",
    )
    if dataset == "penalty":
        row.update(
            decision_no=f"连市监罚〔2026〕{i}号",
            violation_type="违反广告管理",
            violation_facts=f"当事人发布虚假广告，违法所得{rng.randrange(100, 9999)}元" + ("\n（续）" if i % 97 == 50 else ""),
            penalty_basis="《中华人民共和国广告法》第五十五条",
            penalty_category=rng.choice(["罚款", "警告;罚款", "没收违法所得、罚款"]),
            penalty_content="罚款人民币" + str(rng.randrange(1, 50)) + "万元",
            fine_amount=f"{rng.randrange(1, 500) / 100:.2f}",
            decision_date=d.isoformat(),
            valid_until=(d + timedelta(days=365)).isoformat(),
            authority="大连市市场监督管理局",
            authority_uscc="11210200MB1234567X",
        )
    else:
        row.update(
            license_doc_name="食品经营许可决定书",
            decision_no=f"JY2{i:013d}",
            license_category=rng.choice(["普通", "特许", "认可", "核准", "登记", "其他"]),
            license_content="预包装食品销售",
            decision_date=d.isoformat(),
            valid_from=d.isoformat(),
            valid_to=(d + timedelta(days=5 * 365)).isoformat(),
            authority="大连市市场监督管理局",
            authority_uscc="11210200MB1234567X",
        )
    return row


def csv_text(header: list[str], rows: list[list[str]], line_end: str = "\r\n", delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def penalty_csv(n: int, start: int = 0, header: list[str] | None = None, line_end: str = "\r\n") -> str:
    cols = columns("penalty")
    rows = [[r[c] for c in cols] for r in (fake_row("penalty", start + i) for i in range(n))]
    return csv_text(header or labels("penalty"), rows, line_end)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """sheets: name -> rows (lists of cell values; None = empty cell)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, date):
                    ws.write_datetime(r, c, v)
                else:
                    ws.write(r, c, v)
    wb.close()
    return path


def dataset_rows(dataset: str, n: int, start: int = 0) -> list[list[str]]:
    cols = columns(dataset)
    return [[r[c] for c in cols] for r in (fake_row(dataset, start + i) for i in range(n))]


# --------------------------------------------------------------------------------------------- crafted workbooks
# (tests/test_ingest_attacks.py: hidden sheets, formulas without a cached value, trailing empty rows, zip bombs)


def write_xlsx_states(path: Path, sheets: dict[str, list[list[object]]], states: dict[str, str]) -> Path:
    """write_xlsx, then sheets named in `states` set to 'hidden' or 'veryHidden' (the first sheet stays visible)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "strings_to_urls": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        if states.get(name) == "hidden":
            ws.hide()
        elif states.get(name) == "veryHidden":
            ws.very_hidden()
    wb.close()
    return path


def write_xlsx_formulas(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """openpyxl, which writes a formula ('=...' text) with no cached value, as program-made workbooks often do."""
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def rewrite_xlsx(src: bytes, edits: dict[str, object] | None = None, add: dict[str, bytes] | None = None,
                 level: int = 6) -> bytes:
    """A copy of the workbook `src` with members changed: `edits` maps a member name to new bytes or to a
    function old bytes -> new bytes; `add` adds members."""
    import zipfile

    edits, add = edits or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zo:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                e = edits[info.filename]
                data = e(data) if callable(e) else e
            zo.writestr(info.filename, data)
        for name, data in add.items():
            zo.writestr(name, data)
    return out.getvalue()


def append_rows_xml(sheet_xml: bytes, rows_xml: bytes | str) -> bytes:
    """Sheet XML with `rows_xml` (<row> elements) added at the end of <sheetData>."""
    if isinstance(rows_xml, str):
        rows_xml = rows_xml.encode("utf-8")
    return sheet_xml.replace(b"</sheetData>", rows_xml + b"</sheetData>", 1)


def empty_string_rows(first: int, last: int, width: int = 3) -> bytes:
    """Rows first..last whose cells hold an empty inline string: nothing a person sees, but cells a reader
    materialises (the 'million empty rows' of an 8 MB workbook)."""
    cols = [_col_letters(c) for c in range(width)]
    parts = []
    for r in range(first, last + 1):
        cells = "".join(f'<c r="{c}{r}" t="inlineStr"><is><t></t></is></c>' for c in cols)
        parts.append(f'<row r="{r}">{cells}</row>')
    return "".join(parts).encode("ascii")


def _col_letters(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s
