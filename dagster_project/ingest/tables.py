"""What reading one file produces: one TableOutcome per CSV table or workbook sheet."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .headers import HeaderMatch, extra_keys

ABOVE_HEADER_MIN_CELLS = 3  # a row above the header with this many filled cells is data, not a title


@dataclass
class RejectedRow:
    source_row: int
    raw_text: str
    reason: str


@dataclass
class TableOutcome:
    status: str  # 'loaded' | 'quarantined' | 'skipped' (empty, hidden, chart sheet) | 'already_loaded' (same bytes before)
    sheet_name: str | None = None
    dataset: str | None = None
    header_row: int | None = None  # 1-based physical row where the header starts
    code: str | None = None  # quarantine reason code
    reason: str | None = None  # quarantine reason, Chinese then English
    data: pa.Table | None = None  # columns c0..c{n-1} (text; '' or null = empty) + source_row; rows to load
    mapping: dict[int, str] = field(default_factory=dict)  # column index -> canonical column
    extras: dict[int, str] = field(default_factory=dict)  # column index -> extra_columns JSON key
    rejected: list[RejectedRow] = field(default_factory=list)
    note: str | None = None  # why a sheet was skipped (hidden …), Chinese then English: the ledger's note

    @property
    def rows_loaded(self) -> int:
        return 0 if self.data is None else self.data.num_rows

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    @property
    def rows_read(self) -> int:
        return self.rows_loaded + self.rows_rejected


def quarantined(code: str, reason_zh: str, reason_en: str, **kw) -> TableOutcome:
    return TableOutcome(status="quarantined", code=code, reason=f"{reason_zh} / {reason_en}", **kw)


def reject_reason(code: str, zh: str, en: str) -> str:
    return f"{code}: {zh} / {en}"


REASON_ABOVE_HEADER = reject_reason(
    "above_header", "表头之上的数据行（可能是叠放在上面的另一张表）", "row above the header row (another table stacked above?)"
)
REASON_REPEATED_HEADER = reject_reason(
    "repeated_header", "与表头相同的重复表头行（可能是拼接的文件）", "the header row repeated (files concatenated?)"
)


def wrong_field_count(expected: int, actual: int | None) -> str:
    got = "?" if actual is None else str(actual)
    return reject_reason(
        "wrong_field_count",
        f"字段数不符：表头有{expected}列，此行有{got}列",
        f"wrong field count: the header has {expected} columns, this row has {got}",
    )


def nonblank_count(cells: list[object]) -> int:
    return sum(1 for c in cells if c is not None and str(c).strip() != "")


def _filled(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.fill_null(pc.not_equal(col, ""), False)


def _blank_rows(body: pa.Table, names: list[str]) -> np.ndarray:
    """Indices of rows whose every cell is empty, narrowing column by column (cheap when few are blank)."""
    idx: np.ndarray | None = None
    if body.num_rows == 0:
        return np.zeros(0, dtype=np.int64)
    for n in names:
        col = body.column(n) if idx is None else body.column(n).take(pa.array(idx))
        empty = pc.fill_null(pc.equal(pc.binary_length(col), 0), True).to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(empty) if idx is None else idx[empty]
        if len(idx) == 0:
            break
    return idx if idx is not None else np.arange(body.num_rows)


def missing_required_outcome(match: HeaderMatch, seeds, **kw) -> TableOutcome:
    """The file is the dataset's layout but lacks a key rule's columns (seeds/layout_rules.csv, rule key): without
    them no record could be corrected by a resubmission, so the whole table is quarantined."""
    groups_zh = "；".join("、".join(seeds.label(match.dataset, c) for c in r.columns) + ("（至少其一）" if len(r.columns) > 1 else "")
                         for r in match.missing_keys)
    groups_en = "; ".join(" or ".join(f"{c} ({seeds.label(match.dataset, c)})" for c in r.columns)
                          for r in match.missing_keys)
    kind_zh = seeds.label_zh(match.dataset)
    return quarantined(
        "missing_required_columns",
        f"{kind_zh}表头缺少必填列：{groups_zh}；缺少该列的记录无法标识、也无法以更正报送更正，整个文件不予载入",
        f"the {match.dataset} header lacks required columns: {groups_en}; without them no record can be identified "
        f"or corrected by a resubmission, so the file is not loaded",
        dataset=match.dataset,
        **kw,
    )


def layout_note(match: HeaderMatch, seeds) -> str | None:
    """The ledger note of a table loaded although its header lacks required columns (each record is then held by
    the REQUIRED rule) or names 元 for a 万元 column (values marked 元, converted by dbt); None otherwise."""
    zh, en = [], []
    if match.missing_required:
        zh.append("表头缺少必填列：" + "、".join(c.label_zh for c in match.missing_required)
                  + "（已载入，各条记录因这些必填项为空暂缓公示，见整改清单；请补齐后重新报送）")
        en.append("the header lacks required columns: " + ", ".join(f"{c.name} ({c.label_zh})" for c in match.missing_required)
                  + " (loaded; each record is held for them by rule REQUIRED until a corrected resubmission)")
    for i, unit in sorted(match.units.items()):
        col = match.mapping[i]
        zh.append(f"「{match.cells[i].strip()}」按{unit}报送：数值已标注“{unit}”，入库时换算为万元")
        en.append(f"'{match.cells[i].strip()}' is in {'yuan' if unit == '元' else unit}: its values are marked "
                  f"{unit} and converted to 万元 ({col})")
    return f"{'；'.join(zh)} / {'; '.join(en)}" if zh else None


_HAS_DIGIT = "[0-9０-９]"
_ENDS_WITH_UNIT = "(元|万)\\s*$"


def mark_units(body: pa.Table, units: dict[int, str]) -> pa.Table:
    """A column whose heading names 元 (罚款金额（元）) while the standard keeps 万元: every value holding a number and
    no unit of its own gets the heading's unit appended (`50000` -> `50000元`), so the value says what it is and dbt's
    parse_amount_wan converts it to 万元 (flag fine_amount_sent_in_yuan). Values that are not numbers stay as sent."""
    for i, unit in units.items():
        name = f"c{i}"
        if name not in body.column_names:
            continue
        col = body.column(name)
        mark = pc.and_(pc.fill_null(pc.match_substring_regex(col, _HAS_DIGIT), False),
                       pc.invert(pc.fill_null(pc.match_substring_regex(col, _ENDS_WITH_UNIT), True)))
        marked = pc.if_else(mark, pc.binary_join_element_wise(col, pa.scalar(unit), ""), col)
        body = body.set_column(body.column_names.index(name), name, marked)
    return body


def finish_table(
    body: pa.Table,
    match: HeaderMatch,
    width: int,
    rejected: list[RejectedRow],
    raw_text_for: Callable[[list[int]], list[str]],
    **kw,
) -> TableOutcome:
    """Drop blank rows, reject repeated header rows, decide extra_columns keys; `body` has c0..c{width-1}
    (strings) and source_row (int32) for every record read after the header, in file order."""
    names = [f"c{i}" for i in range(width)]
    blank = _blank_rows(body, names)
    if len(blank):
        keep = np.ones(body.num_rows, dtype=bool)
        keep[blank] = False
        body = body.filter(pa.array(keep))
    # repeated header: most mapped cells hold exactly their header text (concatenated files); candidates
    # are rows repeating one of the first two mapped header cells, then every mapped cell is compared
    checks = [(i, match.cells[i]) for i in sorted(match.mapping) if i < width and match.cells[i].strip()]
    if body.num_rows and len(checks) >= 2:
        need = max(2, math.ceil(len(checks) / 2))
        cand = None
        for i, text in checks[:2]:
            eq = pc.fill_null(pc.equal(body.column(names[i]), text), False)
            cand = eq if cand is None else pc.or_(cand, eq)
        idx = np.flatnonzero(cand.to_numpy(zero_copy_only=False)) if pc.any(cand).as_py() else []
        repeated = np.zeros(body.num_rows, dtype=bool)
        if len(idx):
            sub = body.take(pa.array(idx))
            hits = np.zeros(len(idx), dtype=np.int32)
            for i, text in checks:
                hits += np.asarray([v == text for v in sub.column(names[i]).to_pylist()], dtype=np.int32)
            repeated[idx[hits >= need]] = True
        if repeated.any():
            rows = body.column("source_row").to_numpy()[repeated].tolist()
            for src, text in zip(rows, raw_text_for(rows)):
                rejected.append(RejectedRow(int(src), text, REASON_REPEATED_HEADER))
            body = body.filter(pa.array(~repeated))
    # unmapped columns become extra_columns keys only where some row fills them
    extras = extra_keys(match.cells, match.mapping, width)
    if body.num_rows:
        extras = {i: k for i, k in extras.items() if pc.any(_filled(body.column(names[i]))).as_py()}
    else:
        extras = {}
    rejected.sort(key=lambda r: r.source_row)
    if match.units:
        body = mark_units(body, {i: u for i, u in match.units.items() if i < width})
    return TableOutcome(
        status="loaded",
        dataset=match.dataset,
        data=body,
        mapping={i: c for i, c in match.mapping.items() if i < width},
        extras=extras,
        rejected=rejected,
        **kw,
    )
