"""CSV drops: decode once, find the header with the csv module on the first records, parse the body with
pyarrow (all text, malformed rows captured by `invalid_row_handler`), and number every record by its
physical line.

source_row of a CSV record = the 1-based physical line where the record starts, counting title and header
lines; `\r\n`, `\n` and a lone `\r` each end one line, and `\r\r\n` counts as one line end (it is folded
to `\r\n` on decoding). A quoted value spanning lines makes the next record start lower accordingly.
"""
from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .decode import decode_text, sniff_binary
from .headers import AliasIndex, HeaderFailure, HeaderMatch, detect_header
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
    wrong_field_count,
)

log = logging.getLogger(__name__)

DELIMITERS = (",", "\t", ";", "|")
HEAD_BYTES = 256 * 1024
HEAD_RECORDS = 30  # records searched for the header
SHAPE_RECORDS = 20  # records after the header used to check the column count
BLOCK_SIZE = 8 << 20
_FIELD_LIMIT = 1 << 30


class ParseFallback(Exception):
    """The fast path could not number the records exactly: use the csv-module path."""


@dataclass
class HeadRecord:
    start_line: int  # 1-based physical line where the record starts
    end_line: int  # physical line where it ends
    end_char: int  # character offset just after the record (its line end included)
    start_char: int
    fields: list[str]


def _head_text(data: bytes) -> tuple[str, bool]:
    if len(data) <= HEAD_BYTES:
        return data.decode("utf-8"), False
    size = HEAD_BYTES
    while size < len(data):
        cut = data.rfind(b"\n", 0, size)
        if cut > 0:
            return data[: cut + 1].decode("utf-8"), True
        size *= 4
    return data.decode("utf-8"), False


def _read_records(text: str, delimiter: str, limit: int) -> list[HeadRecord]:
    consumed = 0
    sio = io.StringIO(text, newline="")

    def lines():
        nonlocal consumed
        for line in sio:
            consumed += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    out: list[HeadRecord] = []
    while len(out) < limit:
        start_char, start_line = consumed, reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            break
        out.append(HeadRecord(start_line, reader.line_num, consumed, start_char, fields))
    return out


def _count_line_ends(data: bytes) -> int:
    n = data.count(b"\n")
    if b"\r" not in data:
        return n
    return n + data.count(b"\r") - data.count(b"\r\n")


def _physical_lines(data: bytes) -> int:
    n = _count_line_ends(data)
    if data and not data.endswith((b"\n", b"\r")):
        n += 1
    return n


def _value_breaks(table: pa.Table) -> np.ndarray:
    """Line ends inside the values of each row (quoted multi-line values), read from the string buffers."""
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        base = 0
        for chunk in col.chunks:
            n = len(chunk)
            if n == 0:
                continue
            _validity, offs_buf, data_buf = chunk.buffers()
            otype = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            offsets = np.frombuffer(offs_buf, dtype=otype)[chunk.offset: chunk.offset + n + 1]
            lo, hi = int(offsets[0]), int(offsets[-1])
            if data_buf is None or hi <= lo:
                base += n
                continue
            seg = np.frombuffer(data_buf, dtype=np.uint8)[lo:hi]
            nl = np.flatnonzero(seg == 10)
            cr = np.flatnonzero(seg == 13)
            if len(cr):
                nxt = np.minimum(cr + 1, len(seg) - 1)
                # a \r followed by \n in the same value is one line end, counted at the \n
                pos = cr + lo
                row = np.searchsorted(offsets, pos, side="right") - 1
                paired = (cr + 1 < len(seg)) & (seg[nxt] == 10) & (cr + 1 + lo < offsets[row + 1])
                cr = cr[~paired]
            hits = np.concatenate([nl, cr]) + lo
            if len(hits):
                rows = np.searchsorted(offsets, hits, side="right") - 1
                np.add.at(breaks, base + rows, 1)
            base += n
    return breaks


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _arrow_parse(body: bytes, width: int, delimiter: str, threads: bool):
    invalid: list[tuple[int | None, int, str]] = []

    def handler(row):
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=threads, block_size=BLOCK_SIZE),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=handler
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            null_values=[""],  # an empty cell is NULL; nothing else is
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=False,
        ),
    )
    return table, invalid


def _number_fast(body: bytes, width: int, delimiter: str, first_line: int):
    """pyarrow parse; returns (table with source_row, invalid [(source_row, n_fields, text)])."""
    try:
        table, invalid = _arrow_parse(body, width, delimiter, threads=True)
        if invalid:
            # threaded parsing does not know where the bad rows were: parse again serially
            table, invalid = _arrow_parse(body, width, delimiter, threads=False)
    except (pa.ArrowInvalid, pa.ArrowException) as e:
        raise ParseFallback(str(e)) from e
    n_valid = table.num_rows
    total = n_valid + len(invalid)
    is_invalid = np.zeros(total, dtype=bool)
    if invalid:
        numbers = [n for n, _a, _t in invalid]
        if any(n is None for n in numbers):
            raise ParseFallback("invalid rows without numbers")
        idx = np.asarray(numbers, dtype=np.int64) - 1
        if idx.min() < 0 or idx.max() >= total or len(np.unique(idx)) != len(idx):
            raise ParseFallback("invalid row numbers out of range")
        is_invalid[idx] = True
        order = np.argsort(idx)
        invalid = [invalid[k] for k in order]
        idx = idx[order]
    spans = np.ones(total, dtype=np.int64)
    lines = _physical_lines(body)
    if lines != total:  # some record spans several lines: count the line ends inside values
        spans[~is_invalid] += _value_breaks(table)
        if invalid:
            spans[is_invalid] += np.asarray([_text_breaks(t) for _n, _a, t in invalid], dtype=np.int64)
    if int(spans.sum()) != lines:
        raise ParseFallback(f"line count mismatch: {int(spans.sum())} vs {lines}")
    starts = first_line + np.cumsum(spans) - spans
    table = table.append_column("source_row", pa.array(starts[~is_invalid].astype(np.int32)))
    bad_starts = starts[is_invalid].tolist()
    bad = [(int(bad_starts[k]), a, t) for k, (_n, a, t) in enumerate(invalid)]
    return table, bad


def _number_slow(body: bytes, width: int, delimiter: str, first_line: int):
    """The csv module, record by record: exact line numbers whatever the file does."""
    old_limit = csv.field_size_limit(_FIELD_LIMIT)  # process-wide: restored below
    try:
        return _number_slow_inner(body, width, delimiter, first_line)
    finally:
        csv.field_size_limit(old_limit)


def _number_slow_inner(body: bytes, width: int, delimiter: str, first_line: int):
    text = body.decode("utf-8")
    sio = io.StringIO(text, newline="")
    buf: list[str] = []

    def lines():
        for line in sio:
            buf.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    cols: list[list[str]] = [[] for _ in range(width)]
    src: list[int] = []
    bad: list[tuple[int, int | None, str]] = []
    while True:
        buf.clear()
        start = first_line + reader.line_num
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error:
            rest = "".join(buf) + sio.read()
            bad.append((start, None, rest.rstrip("\r\n")))
            break
        if len(rec) == width:
            for c, v in zip(cols, rec):
                c.append(v if v != "" else None)
            src.append(start)
        elif rec:
            bad.append((start, len(rec), "".join(buf).rstrip("\r\n")))
    arrays = [pa.array(c, pa.string()) for c in cols] + [pa.array(src, pa.int32())]
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(width)] + ["source_row"])
    return table, bad


def _is_blank_text(text: str, delimiter: str) -> bool:
    return text.replace(delimiter, "").replace('"', "").strip() == ""


class _LineIndex:
    """Raw text of physical lines of the body, built only when needed."""

    def __init__(self, body: bytes, first_line: int):
        self.body, self.first_line = body, first_line
        self._starts: np.ndarray | None = None

    def text(self, rows: list[int]) -> list[str]:
        if self._starts is None:
            a = np.frombuffer(self.body, dtype=np.uint8)
            nl = np.flatnonzero(a == 10) + 1
            cr = np.flatnonzero(a == 13)
            lone = cr[(cr + 1 >= len(a)) | (a[np.minimum(cr + 1, len(a) - 1)] != 10)] + 1
            self._starts = np.concatenate([[0], np.sort(np.concatenate([nl, lone])), [len(a)]])
        out = []
        for r in rows:
            k = r - self.first_line
            if 0 <= k < len(self._starts) - 1:
                out.append(self.body[self._starts[k]: self._starts[k + 1]].decode("utf-8").rstrip("\r\n"))
            else:
                out.append("")
        return out


def read_csv_drop(raw: bytes, name: str, index: AliasIndex) -> tuple[str | None, list[TableOutcome]]:
    """(encoding, tables) of one CSV file's bytes."""
    if not raw or raw.isspace() or (raw.startswith(b"\xef\xbb\xbf") and (len(raw) == 3 or raw[3:].isspace())):
        return None, [quarantined("empty_file", "文件为空", "the file is empty")]
    binary = sniff_binary(raw)
    if binary:
        return None, [quarantined("binary_file", *binary)]
    dec = decode_text(raw)
    if dec.data is None:
        return None, [quarantined(dec.code or "undecodable", dec.reason_zh, dec.reason_en)]
    data, encoding = dec.data, dec.encoding
    if not data or data.isspace():
        return encoding, [quarantined("empty_file", "文件只有空白", "the file holds only whitespace")]
    head, truncated = _head_text(data)

    # most frequent delimiter of the first lines first; the first one that yields a header wins
    sample = head[:8192]
    order = sorted(DELIMITERS, key=lambda d: (-sample.count(d), DELIMITERS.index(d)))
    best: tuple | None = None
    for delim in order:
        if delim != "," and delim not in sample:
            continue
        if best is not None and isinstance(best[3], HeaderMatch):
            break
        records = _read_records(head, delim, HEAD_RECORDS + SHAPE_RECORDS)
        if truncated and records and records[-1].end_char >= len(head) and len(records) > 1:
            records = records[:-1]
        result = detect_header([r.fields for r in records], index, name)
        rank = (isinstance(result, HeaderMatch), result.score if isinstance(result, HeaderMatch) else 0)
        if best is None or rank > best[0]:
            best = (rank, delim, records, result)
    assert best is not None
    _rank, delim, records, result = best
    if isinstance(result, HeaderFailure):
        return encoding, [quarantined("unknown_layout", result.reason_zh + f"（编码 {encoding}）",
                                      result.reason_en + f" (encoding {encoding})")]
    match: HeaderMatch = result
    header_first, header_last = records[match.first_index], records[match.last_index]
    common = dict(header_row=header_first.start_line)
    if match.missing_keys:
        return encoding, [missing_required_outcome(match, index.seeds, header_row=header_first.start_line)]

    # the column count: the header's, unless the rows after it agree on another one
    width = len(match.cells)
    shape = Counter(len(r.fields) for r in records[match.last_index + 1:] if nonblank_count(r.fields))
    if shape:
        mode, count = shape.most_common(1)[0]
        if mode != width and count >= 0.6 * sum(shape.values()):
            if mode > width:
                match.cells = match.cells + [""] * (mode - width)
                width = mode
            elif all(not c.strip() for c in match.cells[mode:]):
                match.cells = match.cells[:mode]
                match.mapping = {i: c for i, c in match.mapping.items() if i < mode}
                width = mode

    rejected: list[RejectedRow] = []
    for r in records[: match.first_index]:
        if nonblank_count(r.fields) >= ABOVE_HEADER_MIN_CELLS:
            rejected.append(RejectedRow(r.start_line, head[r.start_char: r.end_char].rstrip("\r\n"),
                                        REASON_ABOVE_HEADER))

    body_offset = len(head[: header_last.end_char].encode("utf-8"))
    body = data[body_offset:]
    first_line = header_last.end_line + 1
    body_blank = not body or body.isspace()
    if body_blank and not rejected:
        return encoding, [quarantined("header_only", "只有表头，没有数据行", "header only: no data rows", dataset=match.dataset, **common)]
    if not body_blank:
        try:
            table, bad = _number_fast(body, width, delim, first_line)
        except ParseFallback as e:
            log.info("csv fast path not exact for %s (%s); using the csv module", name, e)
            table, bad = _number_slow(body, width, delim, first_line)
    else:
        table, bad = _number_slow(b"", width, delim, first_line)
    for src, n_fields, text in bad:
        if _is_blank_text(text, delim):
            continue
        rejected.append(RejectedRow(src, text, wrong_field_count(width, n_fields)))
    outcome = finish_table(table, match, width, rejected, _LineIndex(body, first_line).text, **common)
    if outcome.rows_read == 0:
        return encoding, [quarantined("header_only", "只有表头，没有数据行", "header only: no data rows", dataset=match.dataset, **common)]
    outcome.note = layout_note(match, index.seeds)
    return encoding, [outcome]
