"""What a workbook (.xlsx / .xlsm: a zip of XML parts) may cost, judged before the reader (calamine) parses a cell.

`inspect_workbook(raw, limits)`:
- **expansion** — from the zip's central directory alone: the members' total uncompressed size against the file
  size (`max_expansion_ratio`) and in absolute terms (`max_uncompressed_mb`). A workbook over either is not opened.
- **rows** — each worksheet's XML is streamed (never held whole) to find the last row that holds a value: past
  `max_rows_per_sheet`, the sheet is over the cap (`SheetScan.over_cap_row`). The trailing run of rows without a
  value (empty cells: the "million empty rows" of a few-MB file) is cut from the workbook handed to the reader
  (`WorkbookScan.data`) when it reaches past the cap or is long, so those rows are neither counted nor read.
- **formulas without a cached value** — a cell holding a formula but no stored result (program-made workbooks):
  the reader would see it empty. `SheetScan.formulas` maps row -> column -> '=formula' for each such cell.

Not a zip (.xls, or bytes too broken to list): `None`, and the reader decides as before. Cheap on ordinary files:
one extra inflate per worksheet with a few byte searches per 4 MB.
"""
from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from .limits import IngestLimits

CHUNK = 4 << 20
_PFX = rb"(?:[A-Za-z_][\w.-]*:)?"
ROW_TAG = re.compile(rb"<" + _PFX + rb"row\b([^>]*)>")
CELL = re.compile(rb"<" + _PFX + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _PFX + rb"c>)", re.S)
R_NUM = re.compile(rb'\br\s*=\s*"(\d+)"')
CELL_REF = re.compile(rb'\br\s*=\s*"([A-Za-z]{1,3})(\d+)"')
T_ATTR = re.compile(rb'\bt\s*=\s*"([^"]*)"')
V_ELEM = re.compile(rb"<" + _PFX + rb"v(?:\s[^>]*)?(?:/>|>([^<]*)</" + _PFX + rb"v>)")
F_ELEM = re.compile(rb"<" + _PFX + rb"f\b[^>]*?(?:/>|>([^<]*)</" + _PFX + rb"f>)")
T_TEXT = re.compile(rb"<" + _PFX + rb"t(?:\s[^>]*)?>([^<]+)</")
EMPTY_SI_HINT = re.compile(rb"<" + _PFX + rb"si\b[^>]*?/>|<" + _PFX + rb"t\b[^>]*?(?:/>|>\s*</)")
SI = re.compile(rb"<" + _PFX + rb"si\b[^>]*?(?:/>|>(.*?)</" + _PFX + rb"si>)", re.S)
# a formula element followed by no value, an empty one, or the end of its cell (checked cell by cell after)
UNCACHED_HINT = re.compile(rb"<" + _PFX + rb"f\b[^>]*?(?:/>|>[^<]*</" + _PFX + rb"f>)\s*(?:<" + _PFX + rb"v\s*/>|<"
                           + _PFX + rb"v>\s*</" + _PFX + rb"v>|</" + _PFX + rb"c>)")
# text in a stretch of rows: in sheetData only values (<v>), strings (<t>) and formulas (<f>) hold text; a regex
# that starts with a literal is searched fast (one starting '<' with a prefix group is ~8x slower)
TEXT_NODE = re.compile(rb">[^<\s]")
F_TAG = re.compile(rb"<" + _PFX + rb"f[\s>/]")
# a trailing run of rows without a value shorter than this is left to the reader (cutting rewrites the zip)
TRAILING_CUT_MIN_ROWS = 1000


@dataclass
class SheetScan:
    member: str
    last_row: int = 0  # last row element's number (empty or not)
    over_cap_row: int | None = None  # the last row beyond the cap that holds a value (the sheet is over the cap)
    run_start: int | None = None  # offset of the first row of the trailing run of rows without a value
    run_first_row: int | None = None  # its number
    tail_at: int | None = None  # offset of </sheetData>
    formulas: dict[int, dict[int, str]] = field(default_factory=dict)  # row (1-based) -> column (0-based) -> '=…'


@dataclass
class WorkbookScan:
    uncompressed: int
    ratio: float
    problem: tuple[str, str] | None = None  # (zh, en) why the workbook is not opened (suspicious_expansion)
    sheets: dict[str, SheetScan] = field(default_factory=dict)  # by sheet name
    data: bytes | None = None  # the workbook with empty rows beyond the cap cut; None: unchanged


def col_letters(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def inspect_workbook(raw: bytes, limits: IngestLimits) -> WorkbookScan | None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    total = sum(i.file_size for i in infos)
    ratio = total / max(len(raw), 1)
    scan = WorkbookScan(uncompressed=total, ratio=ratio)
    mb = total / (1024 * 1024)
    if ratio > limits.max_expansion_ratio:
        scan.problem = (
            f"工作簿解压后 {mb:,.1f} MB，是文件大小的 {ratio:,.0f} 倍，超过 {limits.max_expansion_ratio:g} 倍的上限"
            f"（ingest_limits.yml 的 max_expansion_ratio），疑似压缩炸弹，未打开；请确认文件后重新导出报送",
            f"the workbook would expand to {mb:,.1f} MB, {ratio:,.0f} times its file size, over the limit of "
            f"{limits.max_expansion_ratio:g} (max_expansion_ratio in ingest_limits.yml): a possible zip bomb, not "
            f"opened; check the file and export it again",
        )
        return scan
    if total > limits.max_uncompressed_bytes:
        scan.problem = (
            f"工作簿解压后 {mb:,.1f} MB，超过 {limits.max_uncompressed_mb:g} MB 的上限（ingest_limits.yml 的 "
            f"max_uncompressed_mb），未打开；请拆分为多个文件或改用 CSV 报送",
            f"the workbook would expand to {mb:,.1f} MB, over the limit of {limits.max_uncompressed_mb:g} MB "
            f"(max_uncompressed_mb in ingest_limits.yml), not opened; split it into several files, or send CSV",
        )
        return scan
    try:
        parts = _sheet_parts(zf)
    except Exception:  # noqa: BLE001 - unreadable package parts: the reader reports the workbook as corrupt
        return scan
    sst_empty: list[set[int] | None] = [None]

    def empty_strings() -> set[int]:
        if sst_empty[0] is None:
            sst_empty[0] = _empty_shared_strings(zf, parts.get("\0sst"))
        return sst_empty[0]

    cuts: dict[str, tuple[int, int]] = {}
    for name, member in parts.items():
        if name == "\0sst":
            continue
        try:
            s = _scan_sheet(zf, member, limits.max_rows_per_sheet, empty_strings)
        except Exception:  # noqa: BLE001 - a broken member (bad CRC, deflate error …): the reader says what is wrong
            continue
        scan.sheets[name] = s
        if s.over_cap_row is None and s.run_start is not None and s.tail_at is not None and (
                s.last_row > limits.max_rows_per_sheet or s.last_row - s.run_first_row + 1 >= TRAILING_CUT_MIN_ROWS):
            cuts[member] = (s.run_start, s.tail_at)
    if cuts:
        try:
            scan.data = _rewrite(zf, cuts)
        except Exception:  # noqa: BLE001 - left to the reader as sent
            scan.data = None
    return scan


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet member ('\\0sst' -> the shared strings member)."""
    names = set(zf.namelist())
    workbook = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in _relationships(zf.read("_rels/.rels")):
            if rel[0].endswith("/officeDocument"):
                workbook = _resolve("", rel[1])
    folder = posixpath.dirname(workbook)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets = {}
    sst = None
    if rels_name in names:
        for typ, target, rid in _relationships(zf.read(rels_name)):
            if typ.endswith("/worksheet"):
                targets[rid] = _resolve(folder, target)
            elif typ.endswith("/sharedStrings"):
                sst = _resolve(folder, target)
    out: dict[str, str] = {}
    root = ElementTree.fromstring(zf.read(workbook))
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.startswith("{") and k.endswith("}id")), None)
        member = targets.get(rid)
        if el.get("name") is not None and member in names:
            out[el.get("name")] = member
    if sst is None and "xl/sharedStrings.xml" in names:
        sst = "xl/sharedStrings.xml"
    if sst in names:
        out["\0sst"] = sst
    return out


def _relationships(xml: bytes) -> list[tuple[str, str, str]]:
    root = ElementTree.fromstring(xml)
    return [(el.get("Type", ""), el.get("Target", ""), el.get("Id", ""))
            for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Relationship" and el.get("TargetMode") != "External"]


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _empty_shared_strings(zf: zipfile.ZipFile, member: str | None) -> set[int]:
    """Indices of the shared strings that are empty (read only when a row beyond the cap might hold only those)."""
    if not member:
        return set()
    sst = zf.read(member)
    if not EMPTY_SI_HINT.search(sst):
        return set()  # the usual case: no empty string is stored
    return {k for k, m in enumerate(SI.finditer(sst))
            if not (m.group(1) and any(t.group(1).strip() for t in T_TEXT.finditer(m.group(1))))}


def _last_row_start(buf: bytes, end: int | None = None) -> int:
    """Offset of the last row start tag (<row …> or <x:row …>) in buf[:end], or -1."""
    i = len(buf) if end is None else end
    while True:
        i = buf.rfind(b"row", 0, i)
        if i <= 0:
            return -1
        nxt = buf[i + 3:i + 4]
        if nxt and nxt in b" \t\r\n>/":
            if buf[i - 1:i] == b"<":
                return i - 1
            k = buf.rfind(b"<", 0, i)
            if k >= 0 and re.fullmatch(rb"<[A-Za-z_][\w.-]*:", buf[k:i]):
                return k


def _may_hold_values(block: bytes, limit: int) -> bool:
    """False when no cell of block[:limit] holds a value (a shared string index may still point to an empty one)."""
    return bool(TEXT_NODE.search(block, 0, limit)
                or ((b"<f" in block or b":f" in block) and F_TAG.search(block, 0, limit)))


def _cell_has_value(attrs: bytes, inner: bytes | None, empty_strings) -> bool:
    if not inner:
        return False
    if F_ELEM.search(inner):
        return True  # a formula is content, cached or not
    t = T_ATTR.search(attrs)
    typ = t.group(1) if t else b"n"
    if typ == b"inlineStr":
        return any(m.group(1).strip() for m in T_TEXT.finditer(inner))
    v = V_ELEM.search(inner)
    if not v or not (v.group(1) or b"").strip():
        return False
    if typ == b"s":
        try:
            return int(v.group(1)) not in empty_strings()
        except ValueError:
            return True
    return True


def _row_has_value(row: bytes, empty_strings) -> bool:
    for m in CELL.finditer(row):
        if _cell_has_value(m.group(1), m.group(2), empty_strings):
            return True
    return False


def _uncached_formulas(row: bytes) -> dict[int, str]:
    """Column -> '=formula' for each formula cell of the row that has no cached value."""
    out: dict[int, str] = {}
    col = -1
    for m in CELL.finditer(row):
        attrs, inner = m.group(1), m.group(2)
        ref = CELL_REF.search(attrs)
        col = _col_index(ref.group(1)) if ref else col + 1
        if not inner:
            continue
        f = F_ELEM.search(inner)
        if not f:
            continue
        t = T_ATTR.search(attrs)
        typ = t.group(1) if t else b"n"
        v = V_ELEM.search(inner)
        if v and (v.group(1) or typ in (b"str", b"s", b"inlineStr")):
            continue  # a cached result (an empty text result is a result)
        text = html.unescape((f.group(1) or b"").decode("utf-8", "replace")).strip()
        out[col] = "=" + text if text else "=（共享公式 shared formula）"
    return out


def _sheet_data_end(block: bytes) -> int:
    """Offset of </sheetData> (or </x:sheetData>) in block, or -1 (a byte search: a regex starting '</' is slow)."""
    i = block.rfind(b"sheetData>")
    while i > 0:
        k = block.rfind(b"<", 0, i)
        if k >= 0 and re.fullmatch(rb"</(?:[A-Za-z_][\w.-]*:)?", block[k:i]):
            return k
        i = block.rfind(b"sheetData>", 0, i)
    return -1


def _rows_of(block: bytes, row_no: int, limit: int) -> list[tuple[int, int, int]]:
    """(number, start, end) of each row element in block[:limit]; numbers from r="…" or counted on from row_no."""
    tags = list(ROW_TAG.finditer(block, 0, limit))
    out = []
    for k, m in enumerate(tags):
        r = R_NUM.search(m.group(1))
        row_no = int(r.group(1)) if r else row_no + 1
        end = tags[k + 1].start() if k + 1 < len(tags) else limit
        out.append((row_no, m.start(), end))
    return out


def _scan_sheet(zf: zipfile.ZipFile, member: str, cap: int, empty_strings) -> SheetScan:
    scan = SheetScan(member=member)
    row_no = 0  # number of the last row processed
    offset = 0  # absolute offset of buf[0] in the sheet's XML
    buf = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(CHUNK)
            buf += chunk
            if chunk:
                cut = _last_row_start(buf)
                if cut <= 0:
                    continue  # no complete row yet: read on
                block, rest = buf[:cut], buf[cut:]
            else:
                block, rest = buf, b""
            row_no = _scan_block(scan, block, offset, row_no, cap, empty_strings)
            offset += len(block)
            buf = rest
            if not chunk:
                break
    scan.last_row = row_no
    return scan


class _Block:
    """Complete rows of a sheet's XML, numbered lazily (r="…", else counted on)."""

    def __init__(self, block: bytes, row_no: int, limit: int):
        self.block, self.row_no, self.limit = block, row_no, limit
        self._rows: list[tuple[int, int, int]] | None = None

    @property
    def rows(self) -> list[tuple[int, int, int]]:
        if self._rows is None:
            self._rows = _rows_of(self.block, self.row_no, self.limit)
        return self._rows

    def number_at(self, start: int) -> int:
        tag = ROW_TAG.match(self.block, start)
        r = R_NUM.search(tag.group(1)) if tag else None
        if r:
            return int(r.group(1))
        return next(n for n, s, _e in self.rows if s == start)


def _scan_block(scan: SheetScan, block: bytes, offset: int, row_no: int, cap: int, empty_strings) -> int:
    """Scan the complete rows of `block` (at `offset`); returns the number of its last row."""
    stop = _sheet_data_end(block)
    limit = stop if stop >= 0 else len(block)
    if stop >= 0 and scan.tail_at is None:
        scan.tail_at = offset + stop
    last = _last_row_start(block, limit)
    if last < 0 or not ROW_TAG.match(block, last):
        return row_no
    b = _Block(block, row_no, limit)
    end_no = b.number_at(last)
    if (b"<f" in block or b":f" in block) and UNCACHED_HINT.search(block, 0, limit):
        for n, s, e in b.rows:
            if n > cap:
                break
            seg = block[s:e]
            if (b"<f" in seg or b":f" in seg) and (found := _uncached_formulas(seg)):
                scan.formulas.setdefault(n, {}).update(found)
    # the last row that holds a value, looked for from the end (on ordinary data: the very last row)
    if _may_hold_values(block, limit):
        end, k = limit, last
        while k >= 0:
            if _row_has_value(block[k:end], empty_strings):
                n = b.number_at(k)
                if n > cap:
                    scan.over_cap_row = max(n, scan.over_cap_row or 0)
                if end == limit:
                    scan.run_start = scan.run_first_row = None
                else:
                    scan.run_start, scan.run_first_row = offset + end, b.number_at(end)
                return end_no
            end, k = k, _last_row_start(block, k)
    # no row of this block holds a value: a run of empty rows starts here or goes on
    if scan.run_start is None:
        first = ROW_TAG.search(block, 0, limit)
        scan.run_start, scan.run_first_row = offset + first.start(), b.number_at(first.start())
    return end_no


def _rewrite(zf: zipfile.ZipFile, cuts: dict[str, tuple[int, int]]) -> bytes:
    """The workbook with each cut member's bytes from `start` to `end` (a trailing run of rows without a value, up to
    </sheetData>) left out, streamed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zo:
        for info in zf.infolist():
            if info.filename in cuts:
                start, end = cuts[info.filename]
                with zf.open(info) as fh, zo.open(info.filename, "w") as dst:
                    pos = 0
                    while chunk := fh.read(CHUNK):
                        lo, hi = pos, pos + len(chunk)
                        pos = hi
                        if hi <= start or lo >= end:
                            dst.write(chunk)
                        else:  # the part of this chunk outside [start, end)
                            dst.write(chunk[:max(0, start - lo)] + chunk[max(0, end - lo):])
            else:
                zo.writestr(info, zf.read(info))
    return out.getvalue()
