"""Header normalisation and header-row detection.

A header cell is normalised (NFKC, all whitespace and zero-width characters removed, brackets unified to
ASCII parentheses, leading/trailing `*` and trailing colon removed, case folded) and looked up among the
aliases of the seeds: each `label_zh` of `dataset_columns.csv`, each alias of `header_aliases.csv` and the
canonical (English) column name itself. Looser fallbacks apply, in this order, only when the exact lookup fails:
1. a unit note: `罚款金额（元）`, `罚款金额(单位:元)` is the 万元 column whose label or alias is `罚款金额（万元）` or
   `罚款金额`, its values sent in 元 (`AliasHit.unit`; the readers append 元 to each such value so dbt converts it
   and marks the record); a note naming 万元 is that column as is;
2. a leading/trailing parenthesised note is dropped (`处罚决定日期（必填）`);
3. loose form: `_` / `-` ignored (`代码1` = `代码_1`), every 的 ignored (`作出处罚决定的日期` = `作出处罚决定日期`) and a
   trailing 名称 ignored (`处罚机关名称` = `处罚机关`, `企业` = `企业名称`).

The header row is the row among the first rows of a sheet (30 by default) that matches the most canonical
columns; two stacked rows are combined when that matches strictly more (a merged group header above
sub-headers). Which dataset a header is, is data (seeds/layout_rules.csv): a dataset whose identify and
recognise rules the header meets is a candidate; the candidate with the most identifying matches wins; the file
name is only a tie-break (keywords per dataset: `file_name_hints` of seeds/datasets.csv). Its key rules decide
whether the file loads at all; other required columns it lacks are loaded empty (HeaderMatch.missing_required).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import zip_longest

from .seeds import COMMON, ColumnSpec, LayoutRule, Seeds

HEADER_SEARCH_ROWS = 30
MAX_HEADER_CHARS = 80  # longer cells are values, never headers
STOP_AFTER_DATA_ROWS = 5  # rows matching nothing after a recognised header end the search

_BRACKETS = str.maketrans(
    {
        "（": "(", "）": ")", "[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")",
        "［": "(", "］": ")", "〈": "(", "〉": ")", "《": "(", "》": ")", "{": "(", "}": ")",
        "｛": "(", "｝": ")", "<": "(", ">": ")", "﹙": "(", "﹚": ")",
    }
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"\s+")
_EDGE_NOTE = re.compile(r"^\([^()]*\)|\([^()]*\)$")
_LOOSE = re.compile(r"[_\-－—‐的]")
_TRAILING_NOTE = re.compile(r"\(([^()]*)\)$")
YUAN, WAN_YUAN = "元", "万元"


def normalize_header(text: object) -> str:
    """The comparison form of a header cell."""
    if text is None:
        return ""
    t = unicodedata.normalize("NFKC", str(text))
    t = _INVISIBLE.sub("", t)
    t = _WHITESPACE.sub("", t)
    t = t.translate(_BRACKETS)
    t = t.strip("*※")
    t = t.rstrip(":")
    t = t.strip("*※")
    return t.casefold()


def _strip_note(norm: str) -> str:
    """`处罚决定日期(必填)` -> `处罚决定日期`; a note naming a unit is meaningful and kept (`罚款金额(元)` is
    not the 万元 column)."""
    notes = _EDGE_NOTE.findall(norm)
    if any("元" in n or "%" in n for n in notes):
        return ""
    stripped = _EDGE_NOTE.sub("", norm)
    return stripped if stripped and stripped != norm else ""


def _loose(norm: str) -> str:
    """`_` `-` and 的 ignored, a trailing 名称 dropped."""
    t = _LOOSE.sub("", norm)
    return t[: -len("名称")] if t.endswith("名称") and len(t) > len("名称") else t


def unit_note(norm: str) -> tuple[str, str | None]:
    """(heading without its trailing note, the unit the note names: 万元, 元 or None)."""
    m = _TRAILING_NOTE.search(norm)
    if not m:
        return norm, None
    note = m.group(1)
    unit = WAN_YUAN if WAN_YUAN in note or note == "万" else YUAN if YUAN in note else None
    return norm[: m.start()], unit


@dataclass(frozen=True)
class AliasHit:
    dataset: str
    column: str
    level: int  # 0 exact, 1 unit or note, 2 loose
    priority: int  # 0 label_zh, 1 seed alias, 2 English column name
    unit: str | None = None  # 元: the heading names yuan for a column the standard keeps in 万元


class AliasIndex:
    def __init__(self, seeds: Seeds):
        self.seeds = seeds
        self.datasets = seeds.datasets
        self._exact: dict[str, list[tuple[str, str, int]]] = {}
        self._loose: dict[str, list[tuple[str, str, int]]] = {}
        # columns the standard keeps in 万元 (their label names the unit): a heading naming 元 maps to them in 元
        self._wan_columns = {(c.dataset, c.name) for c in seeds.columns if unit_note(normalize_header(c.label_zh))[1] == WAN_YUAN}
        self._wan_bases: dict[str, list[tuple[str, str, int]]] = {}
        for c in seeds.columns:
            self._add(c.label_zh, c.dataset, c.name, 0)
            self._add(c.name, c.dataset, c.name, 2)
        known = {(c.dataset, c.name) for c in seeds.columns}
        for dataset, alias, column in seeds.aliases:
            if (dataset, column) in known:
                self._add(alias, dataset, column, 1)
        self._cache: dict[str, tuple[AliasHit, ...]] = {}
        self._raw_cache: dict[str, tuple[AliasHit, ...]] = {}
        self._identifying = {d: seeds.identifying_columns(d) for d in self.datasets}
        # identify + recognise rules per dataset as (columns, min_matches): checked for every candidate header row
        self._layout_rules = {d: [(frozenset(r.columns), r.min_matches)
                                  for r in seeds.rules_for(d, "identify") + seeds.rules_for(d, "recognise")]
                              for d in self.datasets if seeds.rules_for(d, "identify")}

    def _add(self, alias: str, dataset: str, column: str, priority: int) -> None:
        norm = normalize_header(alias)
        if not norm:
            return
        keys = [(self._exact, norm), (self._loose, _loose(norm))]
        if (dataset, column) in self._wan_columns:
            base, unit = unit_note(norm)
            base = base if unit == WAN_YUAN else norm
            keys += [(self._wan_bases, base), (self._wan_bases, _loose(base))]
        for table, key in keys:
            entries = table.setdefault(key, [])
            if (dataset, column, priority) not in entries:
                entries.append((dataset, column, priority))

    def lookup(self, cell: object) -> tuple[AliasHit, ...]:
        if cell is None:
            return ()
        raw = cell if isinstance(cell, str) else str(cell)
        hit = self._raw_cache.get(raw)
        if hit is not None:
            return hit
        if len(raw) > MAX_HEADER_CHARS:  # a value, not a header: no normalising needed
            return ()
        if len(self._raw_cache) > 200_000:
            self._raw_cache.clear()
        hit = self._lookup_norm(normalize_header(raw))
        self._raw_cache[raw] = hit
        return hit

    def _lookup_norm(self, norm: str) -> tuple[AliasHit, ...]:
        if not norm:
            return ()
        hit = self._cache.get(norm)
        if hit is not None:
            return hit
        result: tuple[AliasHit, ...] = ()
        base, unit = unit_note(norm)
        if norm in self._exact:
            result = tuple(AliasHit(d, c, 0, p) for d, c, p in self._exact[norm])
        elif unit and (base in self._wan_bases or _loose(base) in self._wan_bases):
            # 罚款金额（元） / 罚款金额(单位:元) -> the 万元 column, in 元; 罚款金额(单位:万元) -> the 万元 column
            entries = self._wan_bases.get(base) or self._wan_bases[_loose(base)]  # exact base first
            result = tuple(AliasHit(d, c, 1, p, YUAN if unit == YUAN else None) for d, c, p in entries)
        else:
            stripped = _strip_note(norm)
            if stripped and stripped in self._exact:
                result = tuple(AliasHit(d, c, 1, p) for d, c, p in self._exact[stripped])
            else:
                for key in (_loose(norm), _loose(stripped) if stripped else ""):
                    if key and key in self._loose:
                        result = tuple(AliasHit(d, c, 2, p) for d, c, p in self._loose[key])
                        break
        self._cache[norm] = result
        return result

    def is_identified(self, dataset: str, mapping: dict[int, str]) -> bool:
        """Seeds.is_identified, with the rules compiled once."""
        rules = self._layout_rules.get(dataset)
        if not rules:
            return False
        present = set(mapping.values())
        return all(len(cols.intersection(present)) >= n for cols, n in rules)

    def n_identifying(self, dataset: str, mapping: dict[int, str]) -> int:
        return len(self._identifying[dataset].intersection(mapping.values()))

    def unit_of(self, cell: object, dataset: str, column: str) -> str | None:
        """元 when the heading `cell`, mapped to `column`, names yuan for a column kept in 万元."""
        return next((h.unit for h in self.lookup(cell) if h.column == column and h.dataset in (COMMON, dataset)
                     and h.unit), None)

    def match_row_all(self, cells: list[object]) -> dict[str, tuple[dict[int, str], int, int]]:
        """match_row for every dataset, looking each cell up once."""
        hits = [(i, self.lookup(c)) for i, c in enumerate(cells)]
        hits = [(i, h) for i, h in hits if h]
        return {d: self._assign(hits, d) for d in self.datasets}

    def match_row(self, cells: list[object], dataset: str) -> tuple[dict[int, str], int, int]:
        hits = [(i, self.lookup(c)) for i, c in enumerate(cells)]
        return self._assign([(i, h) for i, h in hits if h], dataset)

    def _assign(self, hits: list[tuple[int, tuple[AliasHit, ...]]], dataset: str) -> tuple[dict[int, str], int, int]:
        """Map cell index -> canonical column for `dataset`; returns (mapping, n_common, n_specific).

        Each canonical column is taken once: exact matches before loose ones, seed labels before aliases,
        then left to right. A second header cell naming an already-taken column stays unmapped (it is kept
        in extra_columns)."""
        candidates = []
        for i, found in hits:
            for h in found:
                if h.dataset in (COMMON, dataset):
                    candidates.append((h.level, h.priority, i, h.column, h.dataset))
        candidates.sort()
        mapping: dict[int, str] = {}
        taken: set[str] = set()
        n_common = n_specific = 0
        for _level, _prio, i, column, ds in candidates:
            if i in mapping or column in taken:
                continue
            mapping[i] = column
            taken.add(column)
            if ds == COMMON:
                n_common += 1
            else:
                n_specific += 1
        return mapping, n_common, n_specific


def dataset_hint(name: str, seeds: Seeds, among: list[str] | tuple[str, ...] | None = None) -> str | None:
    """Tie-break only: the one dataset (of `among`) whose file-name keywords (seeds/datasets.csv) the file or
    sheet name contains; None when none or several do."""
    n = (name or "").lower()
    found = [d for d in (among or seeds.datasets) if any(k in n for k in seeds.spec(d).file_name_hints)]
    return found[0] if len(found) == 1 else None


@dataclass
class HeaderMatch:
    dataset: str
    first_index: int  # index (in the rows examined) of the first header row
    last_index: int  # index of the last header row (== first_index unless a two-row header)
    cells: list[str]  # header texts as sent (a two-row header combined)
    mapping: dict[int, str]  # cell index -> canonical column
    n_common: int
    n_specific: int
    n_identifying: int = 0  # matches among the dataset's identifying columns (layout_rules.csv)
    missing_required: list[ColumnSpec] = field(default_factory=list)  # loaded empty; REQUIRED holds each record
    missing_keys: list[LayoutRule] = field(default_factory=list)  # broken key rules: the file is quarantined
    units: dict[int, str] = field(default_factory=dict)  # cell index -> 元 where the heading names yuan

    @property
    def score(self) -> int:
        return self.n_common + self.n_specific


@dataclass
class HeaderFailure:
    reason_zh: str
    reason_en: str
    best_index: int | None = None


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _evaluate(index: AliasIndex, cells: list[object]) -> dict[str, tuple[dict[int, str], int, int]]:
    return index.match_row_all(cells)


def identified_datasets(index: AliasIndex, ev: dict[str, tuple[dict[int, str], int, int]]) -> list[str]:
    """The datasets whose identify and recognise rules (seeds/layout_rules.csv) a row's matches meet, best first
    (most identifying matches, then most canonical matches)."""
    found = [d for d in index.datasets if index.is_identified(d, ev[d][0])]
    return sorted(found, key=lambda d: (index.n_identifying(d, ev[d][0]), ev[d][1] + ev[d][2]), reverse=True)


def detect_header(
    rows: list[list[object]], index: AliasIndex, name_hint: str = "", max_rows: int = HEADER_SEARCH_ROWS
) -> HeaderMatch | HeaderFailure:
    """Find the header among `rows[:max_rows]` (each row: cell texts as sent)."""
    rows = rows[:max_rows]
    if not rows:
        return HeaderFailure("没有可识别的行", "no rows to examine")
    # (total, identifying, -first, -width) ranking; single rows first so a pair must be strictly better
    best: tuple | None = None
    single_scores: list[int] = []
    evaluations: list[tuple[int, int, list[object], dict, list[str]]] = []
    recognised_at, zero_run = None, 0
    for r, row in enumerate(rows):
        ev = _evaluate(index, row)
        total = max(m[1] + m[2] for m in ev.values())
        single_scores.append(total)
        found = identified_datasets(index, ev)
        evaluations.append((r, r, list(row), ev, found))
        if recognised_at is None and found:
            recognised_at = r
        zero_run = zero_run + 1 if total == 0 else 0
        if recognised_at is not None and zero_run >= STOP_AFTER_DATA_ROWS:
            break  # a recognised header followed by rows that match nothing: those are its data
    for r in range(len(single_scores) - 1):
        if single_scores[r] == 0 or single_scores[r + 1] == 0:
            continue  # a combined row can only beat both when both match something
        a, b = rows[r], rows[r + 1]
        combined = [y if not _is_blank(y) else x for x, y in zip_longest(a, b)]
        ev = _evaluate(index, combined)
        total = max(m[1] + m[2] for m in ev.values())
        if total > max(single_scores[r], single_scores[r + 1]):
            evaluations.append((r, r + 1, combined, ev, identified_datasets(index, ev)))
    for first, last, cells, ev, found in evaluations:
        total = max(m[1] + m[2] for m in ev.values())
        ident = max(index.n_identifying(d, m[0]) for d, m in ev.items())
        key = (bool(found), total, ident, -first, -(last - first))
        if best is None or key > best[0]:
            best = (key, first, last, cells, ev, found)
    assert best is not None
    _key, first, last, cells, ev, candidates = best
    if not candidates:
        closest = max(index.datasets, key=lambda d: (index.n_identifying(d, ev[d][0]), ev[d][1] + ev[d][2]))
        matched = [str(cells[i]).strip() for i in sorted(ev[closest][0])]
        where_zh = f"最接近的是第{first + 1}行" if matched else "没有任何一行"
        where_en = f"the closest is row {first + 1}" if matched else "no row"
        got_zh = (f"（仅匹配：{'、'.join(matched)}，最接近{index.seeds.label_zh(closest)}）" if matched
                  else "匹配任何已知列名")
        got_en = (f" (matched only: {', '.join(matched)}; closest: {closest})" if matched
                  else " matches any known column name")
        kinds_zh = "或".join(index.seeds.label_zh(d) for d in index.datasets)
        kinds_en = " or ".join(f"{index.seeds.label_zh(d)} ({d})" for d in index.datasets)
        return HeaderFailure(
            f"未识别的表格格式：前{len(rows)}行中没有{kinds_zh}的表头，{where_zh}{got_zh}；"
            f"可用 credit layouts suggest 查看可补充的表头别名",
            f"unknown layout: none of the first {len(rows)} rows is a {kinds_en} "
            f"header; {where_en}{got_en}; `credit layouts suggest FILE` proposes header aliases",
            first,
        )
    top = candidates[0]

    def rank(d: str) -> tuple[int, int]:
        return index.n_identifying(d, ev[d][0]), ev[d][1] + ev[d][2]

    tied = [d for d in candidates if rank(d) == rank(top)]
    if len(tied) > 1:
        hint = dataset_hint(name_hint, index.seeds, tied)
        if hint is None:
            both_zh = "和".join(index.seeds.label_zh(d) for d in tied)
            both_en = " and ".join(tied)
            return HeaderFailure(
                f"表头第{first + 1}行同样匹配{both_zh}（各{rank(top)[0]}个识别列），且文件名无法区分",
                f"ambiguous header at row {first + 1}: it matches {both_en} columns equally "
                f"({rank(top)[0]} identifying columns each) and the file name does not tell",
                first,
            )
        top = hint
    mapping = ev[top][0]
    match = HeaderMatch(
        dataset=top,
        first_index=first,
        last_index=last,
        cells=["" if c is None else str(c) for c in cells],
        mapping=mapping,
        n_common=ev[top][1],
        n_specific=ev[top][2],
        n_identifying=index.n_identifying(top, mapping),
    )
    present = set(mapping.values())
    match.missing_required = [c for c in index.seeds.required(top) if c.name not in present]
    match.missing_keys = index.seeds.missing_keys(top, present)
    match.units = {i: u for i, col in mapping.items() if (u := index.unit_of(cells[i], top, col))}
    return match


def extra_keys(cells: list[str], mapping: dict[int, str], width: int) -> dict[int, str]:
    """JSON keys for the unmapped columns: the header text as sent, `column_<n>` (1-based) where blank,
    and a ` [column_<n>]` suffix where a key repeats."""
    keys: dict[int, str] = {}
    used: set[str] = set()
    for i in range(width):
        if i in mapping:
            continue
        h = cells[i] if i < len(cells) else ""
        key = h if h is not None and str(h).strip() else f"column_{i + 1}"
        if key in used:
            key = f"{key} [column_{i + 1}]"
        used.add(key)
        keys[i] = key
    return keys
