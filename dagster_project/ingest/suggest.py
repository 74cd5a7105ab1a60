"""`credit layouts suggest FILE`: teaching the warehouse a department's new file layout.

For each table of the file (a CSV, or every visible sheet of a workbook) it prints the header row it found, the
dataset the file is (or, for a file that would be quarantined as unknown_layout, the closest one), the headings it
recognises (heading -> column), the ones it does not, and ready-to-paste rows for dbt_credit/seeds/header_aliases.csv
proposing, for each unrecognised heading, the closest canonical column of that dataset (by the column's Chinese
label and known aliases) — then what the file would become with those rows. The operator checks the proposals, adds
the right ones to the seed, and the next `credit run` loads the file: a file quarantined for its layout is retried
once the rules change (loader.py, quarantine.rules_version), under its own name.

Nothing is written: the command reads the file and the seeds only.
"""
from __future__ import annotations

import argparse
import csv
import difflib
import io
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from dagster_project import pii

from .headers import HEADER_SEARCH_ROWS, AliasIndex, HeaderFailure, HeaderMatch, detect_header, normalize_header
from .seeds import COMMON, Seeds, load_seeds

MIN_SIMILARITY = 0.5  # a proposal below this (difflib ratio of the normalised texts) is not made
MAX_HEADER_CHARS = 40  # a longer cell is a value or a title, not a heading to teach


@dataclass
class AliasProposal:
    dataset: str  # 'common' or the dataset (the seed row's dataset)
    heading: str  # as sent
    column: str
    label_zh: str
    similarity: float

    def row(self) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow([self.dataset, self.heading.strip(), self.column])
        return buf.getvalue()


@dataclass
class TableSuggestion:
    sheet: str | None
    header_row: int | None  # 1-based
    dataset: str | None  # the dataset it is, or the closest one
    identified: bool  # loads as it is (identified, key columns present)
    outcome: str  # one line: what ingestion does with it today
    recognised: list[tuple[str, str]] = field(default_factory=list)  # (heading, column)
    unrecognised: list[str] = field(default_factory=list)
    proposals: list[AliasProposal] = field(default_factory=list)
    outcome_with_proposals: str | None = None


def _rows_of(path: Path) -> list[tuple[str | None, list[list[object]]]]:
    """(sheet or None, its first rows as text) for every table of the file."""
    raw = path.read_bytes()
    ext = path.suffix.lower()
    if ext == ".csv":
        from .csv_reader import DELIMITERS, _read_records
        from .decode import decode_text

        decoded = decode_text(raw)
        text = decoded.data.decode("utf-8")
        sample = text[:8192]
        delim = max(DELIMITERS, key=lambda d: (sample.count(d), -DELIMITERS.index(d)))
        return [(None, [r.fields for r in _read_records(text, delim, HEADER_SEARCH_ROWS)])]
    from .excel_reader import _open_workbook, _sheet_rows, cell_text

    wb = _open_workbook(raw)
    out = []
    for sheet in wb.sheet_names:
        try:
            rows = _sheet_rows(wb, sheet)[:HEADER_SEARCH_ROWS]
        except Exception:  # noqa: BLE001 - a chart sheet: nothing to teach
            continue
        out.append((sheet, [[cell_text(v) for v in r] for r in rows]))
    return out


def _texts(seeds: Seeds, dataset: str) -> dict[str, list[str]]:
    """column -> its normalised label, aliases and name, for `dataset` (common columns included)."""
    out: dict[str, list[str]] = {}
    for c in seeds.canonical(dataset):
        out.setdefault(c.name, []).append(normalize_header(c.label_zh))
    for ds, alias, column in seeds.aliases:
        if ds in (COMMON, dataset) and column in out:
            out[column].append(normalize_header(alias))
    return out


def propose(seeds: Seeds, dataset: str, headings: list[str], taken: set[str]) -> list[AliasProposal]:
    """For each heading, the most similar canonical column of `dataset` not yet taken (each column once, the most
    similar heading first)."""
    texts = _texts(seeds, dataset)
    common = {c.name for c in seeds.columns if c.dataset == COMMON}
    scored = []
    for h in headings:
        norm = normalize_header(h)
        if not norm or len(norm) > MAX_HEADER_CHARS:
            continue
        for column, forms in texts.items():
            if column in taken:
                continue
            sim = max(difflib.SequenceMatcher(None, norm, f).ratio() for f in forms)
            if sim >= MIN_SIMILARITY:
                scored.append((sim, h, column))
    ident = seeds.identifying_columns(dataset)
    # most similar first; on a tie the dataset's identifying column before a party or source column
    scored.sort(key=lambda x: (-x[0], x[2] not in ident, headings.index(x[1])))
    used_h: set[str] = set()
    used_c: set[str] = set(taken)
    out = []
    for sim, h, column in scored:
        if h in used_h or column in used_c:
            continue
        used_h.add(h)
        used_c.add(column)
        out.append(AliasProposal(COMMON if column in common else dataset, h, column, seeds.label(dataset, column),
                                 round(sim, 2)))
    return sorted(out, key=lambda p: headings.index(p.heading))


def _outcome(result: HeaderMatch | HeaderFailure, seeds: Seeds) -> str:
    if isinstance(result, HeaderFailure):
        return "quarantined: unknown_layout / 隔离：无法识别表头"
    label = seeds.label_zh(result.dataset)
    if result.missing_keys:
        cols = ", ".join(" or ".join(r.columns) for r in result.missing_keys)
        return (f"quarantined: missing_required_columns ({cols}) / 隔离：{label}表头缺少必需列")
    line = f"loads as {result.dataset} / 载入为{label}"
    if result.missing_required:
        line += (" — each record held for the required columns it lacks: "
                 + ", ".join(c.name for c in result.missing_required) + " / 各条记录因缺少必填项暂缓公示")
    return line


def suggest_table(rows: list[list[object]], seeds: Seeds, name: str = "", sheet: str | None = None) -> TableSuggestion:
    index = AliasIndex(seeds)
    result = detect_header(rows, index, name)
    if isinstance(result, HeaderMatch):
        first, cells, dataset = result.first_index, result.cells, result.dataset
    else:
        # the row the detector found closest, else the row with the most short filled cells
        first = result.best_index if result.best_index is not None else max(
            range(len(rows)), key=lambda r: sum(1 for c in rows[r] if c and len(str(c).strip()) <= MAX_HEADER_CHARS),
            default=0)
        cells = ["" if c is None else str(c) for c in (rows[first] if rows else [])]
        ev = index.match_row_all(cells)

        def taught_score(d: str) -> tuple[float, int]:
            """Identifying columns matched, plus those the proposals would match (weighted by similarity)."""
            mapped = ev[d][0]
            rest = [c.strip() for i, c in enumerate(cells) if i not in mapped and c and c.strip()]
            ident = index.seeds.identifying_columns(d)
            gain = sum(p.similarity for p in propose(index.seeds, d, rest, set(mapped.values())) if p.column in ident)
            return index.n_identifying(d, mapped) + gain, ev[d][1] + ev[d][2]

        dataset = max(index.datasets, key=taught_score)
    mapping = index.match_row(cells, dataset)[0]
    s = TableSuggestion(sheet=sheet, header_row=first + 1 if rows else None, dataset=dataset,
                        identified=isinstance(result, HeaderMatch) and not result.missing_keys,
                        outcome=_outcome(result, seeds))
    s.recognised = [(cells[i].strip(), col) for i, col in sorted(mapping.items())]
    s.unrecognised = [c.strip() for i, c in enumerate(cells) if i not in mapping and c and c.strip()]
    s.proposals = propose(seeds, dataset, s.unrecognised, set(mapping.values()))
    if s.proposals:
        taught = replace(seeds, aliases=seeds.aliases + [(p.dataset, p.heading.strip(), p.column) for p in s.proposals],
                         _by_dataset={})
        s.outcome_with_proposals = _outcome(detect_header(rows, AliasIndex(taught), name), taught)
    return s


def suggest_file(path: Path, seeds: Seeds | None = None) -> list[TableSuggestion]:
    seeds = seeds or load_seeds()
    return [suggest_table(rows, seeds, path.name, sheet) for sheet, rows in _rows_of(path) if rows]


def format_suggestions(path: Path, tables: list[TableSuggestion], seeds: Seeds) -> str:
    out = [f"# {path}"]
    for t in tables:
        where = f"sheet '{t.sheet}', " if t.sheet is not None else ""
        out.append(f"## {where}header at row {t.header_row}")
        verb = "dataset" if t.identified else "closest dataset"
        out.append(f"{verb}: {t.dataset} ({seeds.label_zh(t.dataset)})")
        out.append(f"today: {t.outcome}")
        out.append("recognised headings:")
        out += [f"  {h} -> {c}" for h, c in t.recognised] or ["  (none)"]
        out.append("unrecognised headings (kept in extra_columns unless taught):")
        out += [f"  {h}" for h in t.unrecognised] or ["  (none)"]
        if t.proposals:
            out.append("proposed rows for dbt_credit/seeds/header_aliases.csv (check each; the number is the similarity):")
            out += [f"{p.row()}    # -> {p.label_zh} ({p.similarity})" for p in t.proposals]
            out.append(f"with these rows: {t.outcome_with_proposals}")
        else:
            out.append("no alias to propose")
    out.append("Add the right rows to dbt_credit/seeds/header_aliases.csv (drop the '# ...' comments); the next "
               "`credit run` reads the file again under its own name.")
    return "\n".join(out)


def register(sub: argparse._SubParsersAction) -> None:
    lay = sub.add_parser("layouts", help="teach the warehouse a department's file layout (header aliases)")
    lay_sub = lay.add_subparsers(dest="layouts_command", required=True)
    sg = lay_sub.add_parser("suggest", help="for a file (e.g. one quarantined as unknown_layout): the closest dataset, "
                                            "the headings recognised and not, and alias rows ready to paste")
    sg.add_argument("file", type=Path, help="a .csv, .xlsx, .xlsm, .xls or .et file")


def cmd_layouts(args) -> int:
    path: Path = args.file
    if not path.is_file():
        _say(f"credit: 找不到文件 / no such file: {path}", file=sys.stderr)
        return 2
    seeds = load_seeds()
    try:
        tables = suggest_file(path, seeds)
    except Exception as e:  # noqa: BLE001 - an unreadable file: say so in one line
        _say(f"credit: 无法读取文件 / cannot read {path}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    if not tables:
        _say(f"credit: 文件中没有可读的表格 / no table in {path}", file=sys.stderr)
        return 2
    _say(format_suggestions(path, tables, seeds))
    return 0


def _say(text: str, file=None) -> None:
    """Print for the operator with any ID number redacted: a header row may be a data row, a file name may carry one."""
    print(pii.scrub(text), file=file)
