"""ingest_drops: every file of the drops tree ends loaded, quarantined, or skipped as already seen.

Departments: the first folder level must be a department code of seeds/departments.csv; every file under any
other folder is quarantined (unknown_department) and loads nothing, so nothing of it is ranked. Once the code is
added to departments.csv, those files are examined again by themselves (no retry flag needed).

Idempotency: a file whose content hash this department already loaded (any name, any load) loads nothing; it is
counted in IngestResult.files_already_loaded. The same bytes dropped by another department are that department's
submission and load for it. The first time such a copy is seen under a new path (a
department re-sending the same file in a later drop, or a rename) it gets one ledger row with status
`already_loaded` and zero rows, so the ledger still shows that the department dropped something that day;
the same path and bytes seen again add nothing at all (re-running a night changes nothing). A quarantined file is
re-examined if its bytes changed, or — for a reason the rules decide (RULE_DEPENDENT_CODES: unknown layout, missing
columns, a limit, an extension) — once the rules changed since it was quarantined: each quarantine row carries the
rules_version it was judged by (rules_fingerprint: the ingestion seeds, ingest_limits.yml, READER_VERSION), and the
ledger row of the new attempt says it is a retry (a workbook whose other sheets loaded: only its quarantined sheets
are read again). Otherwise same path and same hash -> skipped, counted in
files_already_quarantined; `retry_quarantined=True` re-examines every quarantined file (a parse_error after a fix).
Files are written to the raw layer (Parquet, raw_store.py) in batches of up to 500 files or ~200,000 rows,
each all-or-nothing: a file's raw rows, rejected rows, quarantine rows and ledger rows appear together or not
at all; a run that dies loses at most its current batch, which the next run loads again.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import logging
import time
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .csv_reader import read_csv_drop
from .excel_reader import EMPTY_SHEET_NOTE, read_workbook
from .headers import AliasIndex
from .layout import WPS_HOW_TO_SAVE, DropItem, walk_drops
from .limits import IngestLimits, load_limits
from .raw_store import RawStore, arrow_schema
from .schema import (LEDGER_COLUMNS, QUARANTINE_COLUMNS, REJECTED_COLUMNS, dataset_table_columns,
                     ensure_raw_schema)
from .seeds import Seeds, load_seeds, rules_fingerprint
from .tables import TableOutcome, quarantined

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    load_id: str
    files_seen: int = 0
    files_loaded: int = 0  # at least one table (CSV / sheet) loaded
    files_quarantined: int = 0  # nothing loaded, quarantined (whole file or every sheet)
    files_already_loaded: int = 0  # content hash loaded before: no rows (a ledger row if the path is new)
    files_already_quarantined: int = 0  # same path and bytes quarantined before: nothing added
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    tables_loaded: int = 0
    tables_quarantined: int = 0  # includes quarantined sheets of otherwise loaded workbooks
    tables_skipped: int = 0  # empty sheets
    quarantine_codes: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    files_retried: int = 0  # quarantined before, examined again because the rules changed since
    quarantined: list[dict] = field(default_factory=list)  # this run's quarantines: file, sheet, code, reason
    notes: list[str] = field(default_factory=list)  # what was skipped and why (hidden sheets …), one line each

    MAX_LISTED = 200  # entries of `quarantined` / `notes` carried in metadata() (the counts say how many in all)

    def metadata(self) -> dict:
        """The raw ingest asset's materialization metadata (plain JSON values): the counts, and this run's
        quarantined files and notes (for the run summary, `credit run`)."""
        return {
            "files_seen": self.files_seen, "files_loaded": self.files_loaded,
            "files_quarantined": self.files_quarantined, "files_already_loaded": self.files_already_loaded,
            "files_already_quarantined": self.files_already_quarantined, "files_retried": self.files_retried,
            "rows_read": self.rows_read, "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
            "quarantine_codes": dict(sorted(self.quarantine_codes.items())),
            "quarantined": self.quarantined[: self.MAX_LISTED], "quarantined_count": len(self.quarantined),
            "notes": self.notes[: self.MAX_LISTED], "notes_count": len(self.notes),
        }

    def summary_line(self) -> str:
        codes = ", ".join(f"{k} {v}" for k, v in sorted(self.quarantine_codes.items()))
        return (
            f"load {self.load_id}: {self.files_seen} files seen — {self.files_loaded} loaded, "
            f"{self.files_quarantined} quarantined, {self.files_already_loaded} already loaded, "
            f"{self.files_already_quarantined} unchanged in quarantine"
            + (f", {self.files_retried} retried under changed rules" if self.files_retried else "")
            + f"; rows {self.rows_read:,} read = "
            f"{self.rows_loaded:,} loaded + {self.rows_rejected:,} rejected"
            + (f"; quarantine: {codes}" if codes else "")
            + f" ({self.seconds:.1f}s)"
        )


def new_load_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


_JSON_SHORT = [("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f")]
_JSON_OTHER = [chr(c) for c in range(32) if chr(c) not in "\n\r\t\b\f"]


def _json_escape(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    for ch, rep in _JSON_SHORT:
        if pc.any(pc.match_substring(arr, ch)).as_py():
            arr = pc.replace_substring(arr, ch, rep)
    if pc.any(pc.match_substring_regex(arr, "[\\x00-\\x1f]")).as_py():
        for ch in _JSON_OTHER:
            arr = pc.replace_substring(arr, ch, f"\\u{ord(ch):04x}")
    return arr


def json_objects(pairs: list[tuple[str, pa.ChunkedArray | pa.Array]], n: int) -> pa.Array:
    """One compact JSON object per row of the non-null values (key order kept); null where all are null.
    Same text as json.dumps(obj, ensure_ascii=False, separators=(',', ':'))."""
    if not pairs:
        return pa.nulls(n, pa.string())
    pieces = []
    for key, arr in pairs:
        k = json.dumps(key, ensure_ascii=False)
        piece = pc.binary_join_element_wise(pa.scalar("," + k + ':"'), _json_escape(arr), pa.scalar('"'), "")
        pieces.append(pc.fill_null(piece, ""))
    joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
    obj = pc.binary_join_element_wise(pa.scalar("{"), pc.utf8_slice_codeunits(joined, 1), pa.scalar("}"), "")
    out = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), obj)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def final_table(t: TableOutcome, columns: list[str], seg: int) -> pa.Table:
    """The rows of one table in raw.<dataset> shape (canonical columns, extra_columns, source_row) + seg."""
    data = t.data
    n = data.num_rows
    by_column = {c: i for i, c in t.mapping.items()}
    # the readers give empty cells as NULL already: values pass through untouched
    arrays = [data.column(f"c{by_column[c]}") if c in by_column else pa.nulls(n, pa.string()) for c in columns]
    extras = [(k, data.column(f"c{i}")) for i, k in sorted(t.extras.items())]
    arrays.append(json_objects(extras, n))
    arrays.append(data.column("source_row"))
    arrays.append(pa.array(np.full(n, seg, dtype=np.int32)))
    return pa.Table.from_arrays(arrays, names=columns + ["extra_columns", "source_row", "seg"])


class _Writer:
    """Buffers the outcome of many files and writes them as one raw-layer batch (raw_store.RawStore.write_batch):
    raw rows, rejected rows, quarantine rows and ledger rows of a batch appear together or not at all."""

    MAX_ROWS = 200_000
    MAX_FILES = 500

    def __init__(self, store: RawStore, seeds: Seeds, load_id: str, rules_version: str | None = None):
        self.store, self.seeds, self.load_id, self.rules_version = store, seeds, load_id, rules_version
        # batch files are named <load_id>-<token>-<n>: a retried run keeps its load_id (Dagster's run id), and
        # must never write over the files its first attempt committed
        self.token = uuid.uuid4().hex[:8]
        self.batches = 0
        self._reset()

    def _reset(self) -> None:
        self.data: dict[str, list[pa.Table]] = {}
        self.segments: list[tuple] = []  # (department, drop_date, file_path, file_hash, sheet_name, loaded_at)
        self.rejected: list[tuple] = []
        self.quarantine: list[tuple] = []
        self.ledger: list[tuple] = []
        self.rows = 0
        self.files = 0

    def prepare(self, tables: list[TableOutcome]) -> list[pa.Table | None]:
        """The raw.<dataset> shape of each loaded table (segment numbers are fixed in add_file)."""
        return [final_table(t, self.seeds.canonical_names(t.dataset), 0)
                if t.status == "loaded" and t.rows_loaded else None for t in tables]

    def add_file(self, item: DropItem, file_hash: str | None, file_format: str | None, encoding: str | None,
                 tables: list[TableOutcome], prepared: list[pa.Table | None]) -> None:
        now = _utcnow()
        lineage = (item.department, item.drop_date, item.rel, file_hash)
        for t, final in zip(tables, prepared):
            if final is not None:
                seg = len(self.segments)
                self.segments.append((*lineage, t.sheet_name, now))
                final = final.set_column(final.num_columns - 1, "seg",
                                         pa.array(np.full(final.num_rows, seg, dtype=np.int32)))
                self.data.setdefault(t.dataset, []).append(final)
                self.rows += t.rows_loaded
            if t.status == "loaded":
                self.rejected.extend(
                    (self.load_id, *lineage, t.sheet_name, r.source_row, t.dataset, r.raw_text, r.reason)
                    for r in t.rejected)
                self.rows += t.rows_rejected
            elif t.status == "quarantined":
                self.quarantine.append((self.load_id, *lineage, t.code, t.reason, now, self.rules_version))
            self.ledger.append((self.load_id, *lineage, file_format, encoding, t.sheet_name, t.dataset, t.header_row,
                                t.status, t.rows_read, t.rows_loaded, t.rows_rejected, now, t.note))
        self.files += 1
        if self.rows >= self.MAX_ROWS or self.files >= self.MAX_FILES:
            self.flush()

    def _dataset_rows(self, dataset: str, parts: list[pa.Table]) -> pa.Table:
        """Canonical columns + lineage, the lineage looked up by each row's segment (file x sheet)."""
        columns = dataset_table_columns(self.seeds, dataset)
        batch = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        seg = batch.column("seg")
        lineage = dict(zip(("department", "drop_date", "file_path", "file_hash", "sheet_name", "loaded_at"),
                           (list(col) for col in zip(*self.segments))))
        schema = arrow_schema(columns)
        arrays = []
        for name, _type in columns:
            if name in lineage:
                arrays.append(pa.array(lineage[name], schema.field(name).type).take(seg))
            elif name == "load_id":
                arrays.append(pa.array(np.full(batch.num_rows, self.load_id, dtype=object), pa.string()))
            else:
                arrays.append(batch.column(name).cast(schema.field(name).type))
        return pa.Table.from_arrays(arrays, schema=schema)

    def flush(self) -> None:
        if not self.files:
            return
        try:
            tables = [(dataset, self._dataset_rows(dataset, parts)) for dataset, parts in self.data.items()]
            for table, columns, rows in (("rejected_rows", REJECTED_COLUMNS, self.rejected),
                                         ("quarantine", QUARANTINE_COLUMNS, self.quarantine),
                                         ("ingest_ledger", LEDGER_COLUMNS, self.ledger)):
                if rows:
                    schema = arrow_schema(columns)
                    tables.append((table, pa.table({n: pa.array([r[k] for r in rows], schema.field(n).type)
                                                    for k, (n, _t) in enumerate(columns)}, schema=schema)))
            self.batches += 1
            self.store.write_batch(f"{self.load_id}-{self.token}-{self.batches:05d}", tables)
        finally:
            self._reset()


def _read_tables(item: DropItem, raw: bytes, index: AliasIndex,
                 limits: IngestLimits | None = None) -> tuple[str | None, list[TableOutcome]]:
    name = item.rel.rsplit("/", 1)[-1]
    if item.file_format == "csv":
        return read_csv_drop(raw, name, index)
    if not raw or raw.isspace():
        return None, [quarantined("empty_file", "文件为空", "the file is empty")]
    tables = read_workbook(raw, name, index, limits)
    if item.file_format == "et" and len(tables) == 1 and tables[0].code == "corrupt_xlsx":
        # a WPS 表格 file calamine cannot read (WPS's own encrypted or older format): say how to save it
        zh, en = WPS_HOW_TO_SAVE
        return None, [quarantined("unsupported_extension", f"WPS 表格文件（.et）无法直接读取：{zh}",
                                  f"the WPS Spreadsheets file (.et) cannot be read as it is: {en}")]
    return None, tables


# codes a file keeps even under an unknown department's folder: links are never opened
_KEEP_PATH_CODES = {"symlink", "outside_drops_root"}


def _fold(code: str) -> str:
    return unicodedata.normalize("NFKC", code).strip().lower()


def _unknown_department(item: DropItem, known: frozenset[str]) -> None:
    """Quarantine a file whose first folder level is not a department code (reason: what to do about it)."""
    dept = item.department or ""
    near = [c for c in sorted(known) if _fold(c) == _fold(dept)] or difflib.get_close_matches(
        _fold(dept), sorted(known), n=1, cutoff=0.8)
    hint_zh = f"（是否应为「{near[0]}」？）" if near else ""
    hint_en = f" (did you mean '{near[0]}'?)" if near else ""
    item.code = "unknown_department"
    item.reason_zh = (f"文件夹名「{dept}」不是已登记的部门代码{hint_zh}：请在 dbt_credit/seeds/departments.csv 中登记该部门，"
                      f"或把文件移到正确的部门文件夹 <部门代码>/<YYYY-MM-DD>/ 下，再重新运行")
    item.reason_en = (f"the folder name '{dept}' is not a known department code{hint_en}: add the department to "
                      f"dbt_credit/seeds/departments.csv, or move the files into the right department's folder "
                      f"<department>/<YYYY-MM-DD>/, then run again")


# Quarantine reasons the rules decide (seeds, limits, the readers' formats): retried once the rules change.
RULE_DEPENDENT_CODES = frozenset({"unknown_layout", "missing_required_columns", "unsupported_extension",
                                  "too_many_rows", "suspicious_expansion", "corrupt_xlsx"})


def _retry_note(code: str) -> str:
    return (f"重新读取：此前因「{code}」隔离，此后表头别名、格式识别规则或归集限值已更新 / retried: quarantined before "
            f"({code}) and the header aliases, layout rules or ingest limits changed since")


def _join_notes(*notes: str | None) -> str | None:
    parts = [n for n in notes if n]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    zh = "；".join(n.split(" / ", 1)[0] for n in parts)
    en = "; ".join(n.split(" / ", 1)[1] if " / " in n else "" for n in parts)
    return f"{zh} / {en}"


ALREADY_LOADED_NOTE = ("本部门此前已报送并载入相同内容（相同字节）的文件，未重复载入 / the same bytes were loaded before "
                       "from this department: nothing loaded again")


def ingest_drops(
    con: duckdb.DuckDBPyConnection,
    drops_root: Path,
    raw_dir: Path | str,
    *,
    load_id: str | None = None,
    drop_dates: set[date] | None = None,
    retry_quarantined: bool = False,
    limits: IngestLimits | None = None,
    seeds_dir: Path | None = None,
) -> IngestResult:
    """Load every drop under `drops_root` into the raw layer under `raw_dir` (only the drop-date folders in
    `drop_dates` if given; off-layout files anywhere are always reported); `con` is the DuckDB warehouse whose
    raw.* views read that layer. `limits`: what one file may cost (default: ingest_limits.yml). `seeds_dir`: the
    header aliases, columns and layout rules (default: the dbt project's seeds). Never raises on bad input."""
    started = time.perf_counter()
    seeds = load_seeds(seeds_dir) if seeds_dir else load_seeds()
    limits = limits or load_limits()
    rules_version = rules_fingerprint(seeds_dir, limits)
    known = seeds.departments
    store = ensure_raw_schema(con, raw_dir, seeds)
    index = AliasIndex(seeds)
    result = IngestResult(load_id=load_id or new_load_id())
    writer = _Writer(store, seeds, result.load_id, rules_version)
    codes: Counter[str] = Counter()
    if drop_dates is not None:
        drop_dates = {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in drop_dates}
    root = str(drops_root)
    if not Path(root).is_dir():
        msg = f"drops root {root} does not exist or is not a folder: nothing ingested"
        log.warning(msg)
        result.warnings.append(msg)
        return result

    # what each department has loaded: the same bytes from another department are its own submission
    loaded_keys = set(con.execute(
        "SELECT DISTINCT department, file_hash FROM raw.ingest_ledger WHERE status = 'loaded' AND file_hash IS NOT NULL"
    ).fetchall())
    # a file quarantined for an unknown department is examined again once its department is known; one quarantined
    # for a reason the rules decide, once the rules changed since (its latest quarantine's rules_version differs)
    quarantined_keys: set[tuple] = set()
    retry_codes: dict[tuple, str] = {}
    for path, h, code, dept, version in con.execute(
            "SELECT file_path, file_hash, reason_code, department, rules_version FROM raw.quarantine "
            "QUALIFY quarantined_at = max(quarantined_at) OVER (PARTITION BY file_path, file_hash)").fetchall():
        if code == "unknown_department" and known is not None and dept in known:
            continue
        if code in RULE_DEPENDENT_CODES and version != rules_version:
            retry_codes.setdefault((path, h), code)
            continue
        quarantined_keys.add((path, h))
    for key in retry_codes.keys() & quarantined_keys:  # a workbook's other sheet, judged by today's rules
        del retry_codes[key]
    # the sheets (of a workbook some of whose sheets loaded) whose latest attempt was a quarantine
    retry_sheets: dict[tuple, set[str]] = {}
    for path, h, sheet in con.execute(
            "SELECT file_path, file_hash, sheet_name FROM (SELECT *, row_number() OVER (PARTITION BY file_path, "
            "file_hash, sheet_name ORDER BY loaded_at DESC) AS attempt FROM raw.ingest_ledger "
            "WHERE sheet_name IS NOT NULL) WHERE attempt = 1 AND status = 'quarantined'").fetchall():
        retry_sheets.setdefault((path, h), set()).add(sheet)
    ledger_keys = set(con.execute("SELECT DISTINCT file_path, file_hash FROM raw.ingest_ledger").fetchall())

    for item in walk_drops(root, drop_dates):
        result.files_seen += 1
        if (known is not None and item.department is not None and item.department not in known
                and item.code not in _KEEP_PATH_CODES):
            _unknown_department(item, known)
        file_hash: str | None = None
        raw: bytes | None = None
        tables: list[TableOutcome]
        prepared: list[pa.Table | None] = []
        encoding = None
        try:
            if item.readable:
                if item.code:
                    file_hash = _sha256_file(item.path)
                else:
                    with open(item.path, "rb") as f:
                        raw = f.read()
                    file_hash = hashlib.sha256(raw).hexdigest()
        except OSError as e:
            item.code = "unreadable_file"
            item.reason_zh, item.reason_en = "文件无法读取", f"the file cannot be read: {e.strerror or e}"
        # a workbook whose other sheets loaded: only its quarantined sheets are read again under changed rules
        only_sheets = (retry_sheets.get((item.rel, file_hash)) if (item.rel, file_hash) in retry_codes else None)
        if file_hash is not None and (item.department, file_hash) in loaded_keys and not only_sheets:
            result.files_already_loaded += 1
            if (item.rel, file_hash) not in ledger_keys:
                # the same bytes from this department under another name or drop date: recorded once, nothing loaded
                log.info("already loaded (same content under another path): %s", item.rel)
                writer.add_file(item, file_hash, item.file_format, None,
                                [TableOutcome(status="already_loaded", note=ALREADY_LOADED_NOTE)], [None])
                ledger_keys.add((item.rel, file_hash))
            continue
        if (item.rel, file_hash) in quarantined_keys and not retry_quarantined:
            result.files_already_quarantined += 1
            continue
        if item.code:
            tables = [quarantined(item.code, item.reason_zh, item.reason_en)]
        else:
            assert raw is not None
            try:
                encoding, tables = _read_tables(item, raw, index, limits)
                if only_sheets and (item.department, file_hash) in loaded_keys:
                    tables = [t for t in tables if t.sheet_name in only_sheets]  # loaded sheets stay as loaded
                prepared = writer.prepare(tables)
            except Exception as e:  # noqa: BLE001 - one strange file must not stop the night
                log.exception("could not parse %s", item.rel)
                tables = [quarantined("parse_error", f"读取时出错：{type(e).__name__}",
                                      f"error while reading the file: {type(e).__name__}: {e}")]
            raw = None
        if item.code or len(prepared) != len(tables):
            prepared = [None] * len(tables)
        retried = retry_codes.pop((item.rel, file_hash), None)
        if retried:
            result.files_retried += 1
            result.notes.append(f"{item.rel}: {_retry_note(retried)}")
            for t in tables:
                t.note = _join_notes(_retry_note(retried), t.note)
        writer.add_file(item, file_hash, item.file_format, encoding, tables, prepared)

        loaded = [t for t in tables if t.status == "loaded"]
        for t in tables:
            if t.status == "quarantined":
                result.tables_quarantined += 1
                codes[t.code or "?"] += 1
                result.quarantined.append({"file": item.rel, "sheet": t.sheet_name, "code": t.code, "reason": t.reason})
            elif t.status == "skipped":
                result.tables_skipped += 1
                if t.note and t.note != EMPTY_SHEET_NOTE:  # hidden and chart sheets: worth a line in the summary
                    result.notes.append(f"{item.rel}: {t.note}")
            elif t.status == "loaded" and t.note and not retried:
                result.notes.append(f"{item.rel}: {t.note}")  # loaded lacking required columns, or amounts in 元
            result.rows_read += t.rows_read
            result.rows_loaded += t.rows_loaded
            result.rows_rejected += t.rows_rejected
        result.tables_loaded += len(loaded)
        if loaded:
            result.files_loaded += 1
            if file_hash:
                loaded_keys.add((item.department, file_hash))
        else:
            result.files_quarantined += 1
        if any(t.status == "quarantined" for t in tables):
            quarantined_keys.add((item.rel, file_hash))
        ledger_keys.add((item.rel, file_hash))
    writer.flush()
    result.quarantine_codes = dict(codes)
    result.seconds = time.perf_counter() - started
    log.info(result.summary_line())
    return result
