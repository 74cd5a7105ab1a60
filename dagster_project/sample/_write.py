"""File writers: CSV (fast join, minimal quoting), xlsx (xlsxwriter, constant memory,
stable bytes) and the deliberately bad files."""
from __future__ import annotations

import io
import re
import zlib
from datetime import date, datetime
from pathlib import Path

import numpy as np

FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
_SPECIAL = (",", '"', "\r", "\n")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUM = re.compile(r"^-?\d+(\.\d+)?$")
EXCEL_EPOCH = date(1899, 12, 30)


_NEEDS_QUOTE = re.compile(r'[,"\r\n]')


def _quote(s: str) -> str:
    if _NEEDS_QUOTE.search(s):
        return '"' + s.replace('"', '""') + '"'
    return s


def quote_column(col: np.ndarray) -> np.ndarray | list:
    joined = "\x1f".join(col)
    if not any(ch in joined for ch in _SPECIAL):
        return col
    return [_quote(s) for s in col]


def csv_bytes(labels: list[str], cols: list[np.ndarray], encoding: str, newline: str) -> bytes:
    header = ",".join(_quote(x) for x in labels)
    if len(cols) and len(cols[0]):
        body = newline.join(map(",".join, zip(*[quote_column(c) for c in cols]))) + newline
    else:
        body = ""
    return (header + newline + body).encode(encoding)


def _parse_iso(s: str) -> date | None:
    m = _ISO.match(s)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def write_xlsx(path: Path | io.BytesIO, sheets: list[dict], *, author: str) -> None:
    """sheets: dicts with name, title (str|None), labels, cols (list of object arrays),
    date_cols (set of column positions), num_cols (set), date_style ('date_cells'|'serial'|'text')."""
    import xlsxwriter

    in_memory = isinstance(path, io.BytesIO)
    wb = xlsxwriter.Workbook(path, {"constant_memory": not in_memory, "in_memory": in_memory,
                                    "strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False})
    wb.set_properties({"author": author, "company": author, "created": FIXED_TIME})
    bold = wb.add_format({"bold": True})
    big = wb.add_format({"bold": True, "font_size": 14})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    for sh in sheets:
        ws = wb.add_worksheet(sh["name"])
        r0 = 0
        if sh.get("title"):
            ws.write_string(0, 0, sh["title"], big)
            r0 = 1
        for j, lab in enumerate(sh["labels"]):
            ws.write_string(r0, j, lab, bold)
        cols = sh["cols"]
        n = len(cols[0]) if cols else 0
        style = sh.get("date_style", "text")
        kinds = []
        for j in range(len(cols)):
            if j in sh.get("date_cols", ()) and style in ("date_cells", "serial"):
                kinds.append(1 if style == "date_cells" else 2)
            elif j in sh.get("num_cols", ()):
                kinds.append(3)
            else:
                kinds.append(0)
        ws_string, ws_number, ws_date = ws.write_string, ws.write_number, ws.write_datetime
        for i in range(n):
            r = r0 + 1 + i
            for j, col in enumerate(cols):
                v = col[i]
                if not v:
                    continue
                k = kinds[j]
                if k == 1 or k == 2:
                    d = _parse_iso(v)
                    if d is not None:
                        if k == 1:
                            ws_date(r, j, datetime(d.year, d.month, d.day), datef)
                        else:
                            ws_number(r, j, (d - EXCEL_EPOCH).days)
                        continue
                elif k == 3 and _NUM.match(v):
                    ws_number(r, j, float(v))
                    continue
                ws_string(r, j, v)
    wb.close()


# ------------------------------------------------------------------ bad files

def undecodable_bytes(rng: np.random.Generator, n: int = 600) -> bytes:
    """High bytes that are neither valid UTF-8 nor GB18030 (nor GBK)."""
    b = rng.integers(0x80, 0x100, size=n).astype(np.uint8)
    b[0] = 0x80            # not a BOM
    b[::3] = 0xFF          # 0xFF is never valid in UTF-8 or GB18030
    data = bytes(b)
    for enc in ("utf-8", "gb18030", "gbk"):
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        raise AssertionError(f"undecodable sample decodes as {enc}")
    return data


def png_bytes() -> bytes:
    """A valid 1x1 PNG: signature, IHDR, IDAT, IEND — binary, with NUL bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + (zlib.crc32(kind + data) & 0xFFFFFFFF).to_bytes(4, "big"))
    ihdr = (1).to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
