"""Issued 通报: frozen figures, numbered versions (更正) and correction lines for data that changed later.

A 通报 is a draft until it is issued. ``credit report --month 2026-10`` writes a draft (marked 草稿, nothing
frozen); ``--issue`` writes the same document and freezes its figures; ``--reissue`` issues a period again as a
更正 version and keeps every earlier version. The published warehouse is replaced every night and the marts are
rebuilt, so what was issued lives beside them, in a store no build touches:

    <warehouse>.issued/<period>/v<N>/      period 2026-10, 2026-Q3 or 2026; a version is written once, never changed
        issue.json             the issue: period, version, 成文日期, 文号, title, issued_at, the published build it
                               came from (audit.build_info: run_id, as_of, published_at), why it was re-issued, and
                               each document's sha256
        figures.parquet        department × dataset counts of the period as issued (rates are recomputed from them)
        departments.parquet    per department: rank, 评定, 报送状态, 整改清单 counts as issued
        violations.parquet     per rule: violations as issued
        corrections.parquet    the correction lines this document printed (an earlier issued month, issued vs now)
        rules.json             the judgement's rules the document was judged and ranked by (the rows of
                               marts.report_rule_*: report/judgement.py rules_rows), so a quarterly or annual 通报
                               ranks past months by their own rules, never by today's seeds
        documents/             the documents as issued (HTML, PDF, XLSX, 整改清单)

Every later report reads it: 上月 and the 12-month trend show the issued figures of issued months (never a silent
change), and a month whose figures changed after it was issued (late data, a corrected resubmission, a rule
correction) shows as a correction line (issued vs now) in the next 通报 — once: a change already reported is
the baseline of the next comparison. Each night's publish copies the store into the published file (schema
``audit``: ``issued_report``, ``issued_figure``, ``issued_department``, ``issued_correction``), so analysts can
query what was issued. Quarterly and annual 通报 (report/periodic.py) are built from the frozen months only.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path

from .content import Para, TableBlock, Document
from .errors import ReportError
from .fmt import date_zh, dataset_zh, fmt_int, month_zh, shift_month
from .model import MONTH_RE, TREND_MONTHS, Counts, MartRow, MonthData, delta
from . import judgement as J
from . import tables as T

QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR_RE = re.compile(r"^\d{4}$")

DRAFT_MARK = "（草稿）"
CORRECTION_MARK = "（更正）"
CORRECTIONS_SHEET = "已通报数据变动"
REISSUE_SHEET = "更正内容"

#: The audit tables publish writes from the store (dbt_credit/seeds/table_audiences.csv lists them).
AUDIT_TABLES = ("audit.issued_report", "audit.issued_figure", "audit.issued_department", "audit.issued_correction")

COUNT_COLUMNS = ("records", "compliant_records", "late_records", "date_readable_records", "code_check_records",
                 "code_error_records", "code_conflict_records")  # the mart's names, in Counts' field order

_FIGURE_SCHEMA = [("period", "varchar"), ("kind", "varchar"), ("version", "integer"), ("department", "varchar"),
                  ("department_name", "varchar"), ("district", "varchar"), ("dataset", "varchar"),
                  *[(c, "bigint") for c in COUNT_COLUMNS], ("is_missing_report", "boolean"),
                  ("completeness_rate", "double"),
                  ("judged_compliant", "bigint")]  # compliant as judged (report_defect_owners); null: not known
_DEPARTMENT_SCHEMA = [("period", "varchar"), ("kind", "varchar"), ("version", "integer"), ("department", "varchar"),
                      ("department_name", "varchar"), ("district", "varchar"), ("rank", "integer"),
                      ("verdict", "varchar"), ("verdict_zh", "varchar"), ("status_zh", "varchar"),
                      ("reasons_zh", "varchar"), ("missing_datasets", "integer"), ("submission_failed", "boolean"),
                      ("rectification_violations", "bigint"), ("rectification_late", "bigint"),
                      ("rectification_warnings", "bigint"), ("rectification_records", "bigint"),
                      ("intake_problems", "bigint"),
                      # 整改进展 as the 通报 stated it (marts.rectification_progress; null when the build had none)
                      ("rectification_open_at_start", "bigint"), ("rectification_opened", "bigint"),
                      ("rectification_closed", "bigint"), ("rectification_withdrawn", "bigint"),
                      ("rectification_open", "bigint"), ("rectification_overdue", "bigint"),
                      # the ranking as issued: tier (report_tiers) and composite score (report_ranking_weights)
                      ("tier_zh", "varchar"), ("tier_order", "integer"), ("score", "double")]
_VIOLATION_SCHEMA = [("period", "varchar"), ("kind", "varchar"), ("version", "integer"), ("rule_id", "varchar"),
                     ("rule_message_zh", "varchar"), ("violation_count", "bigint"), ("departments", "integer")]
_CORRECTION_SCHEMA = [("reported_in_period", "varchar"), ("reported_in_version", "integer"), ("month", "varchar"),
                      ("issued_version", "integer"), ("department", "varchar"), ("department_name", "varchar"),
                      ("dataset", "varchar"), *[(f"issued_{c}", "bigint") for c in COUNT_COLUMNS],
                      *[(f"now_{c}", "bigint") for c in COUNT_COLUMNS]]
_REPORT_SCHEMA = [("period", "varchar"), ("kind", "varchar"), ("version", "integer"), ("is_correction", "boolean"),
                  ("supersedes_version", "integer"), ("reason_zh", "varchar"), ("doc_no", "varchar"),
                  ("title", "varchar"), ("as_of", "date"), ("issued_at", "timestamp"),
                  ("build_run_id", "varchar"), ("build_as_of", "date"), ("build_published_at", "timestamp"),
                  ("months", "varchar"), ("documents", "varchar")]
SCHEMAS = {"issued_figure": (_FIGURE_SCHEMA, "figures.parquet"),
           "issued_department": (_DEPARTMENT_SCHEMA, "departments.parquet"),
           "issued_correction": (_CORRECTION_SCHEMA, "corrections.parquet")}


class IssueError(ReportError):
    """Issuing was refused (already issued without --reissue, nothing to re-issue, a month not issued …)."""


def issued_dir(warehouse: Path) -> Path:
    """The issued 通报 store beside the warehouse (named like .raw/, .history/, .logs/: settings.py)."""
    return Path(str(warehouse) + ".issued")


# --------------------------------------------------------------------------- periods


def period_kind(period: str) -> str:
    """'month' (2026-10), 'quarter' (2026-Q3) or 'year' (2026); ReportError otherwise."""
    if isinstance(period, str):
        if MONTH_RE.match(period):
            return "month"
        if QUARTER_RE.match(period):
            return "quarter"
        if YEAR_RE.match(period):
            return "year"
    raise ReportError(f"期间格式应为 YYYY-MM、YYYY-Qn 或 YYYY（如 2026-10、2026-Q3、2026），收到 {period!r}")


def months_of(period: str) -> list[str]:
    kind = period_kind(period)
    if kind == "month":
        return [period]
    if kind == "quarter":
        y, q = QUARTER_RE.match(period).groups()
        return [f"{y}-{m:02d}" for m in range(3 * int(q) - 2, 3 * int(q) + 1)]
    return [f"{period}-{m:02d}" for m in range(1, 13)]


def previous_period(period: str) -> str:
    kind = period_kind(period)
    if kind == "month":
        return shift_month(period, -1)
    if kind == "quarter":
        y, q = (int(x) for x in QUARTER_RE.match(period).groups())
        return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
    return str(int(period) - 1)


def period_zh(period: str) -> str:
    kind = period_kind(period)
    if kind == "month":
        return month_zh(period)
    if kind == "quarter":
        y, q = QUARTER_RE.match(period).groups()
        return f"{y}年第{'一二三四'[int(q) - 1]}季度"
    return f"{period}年"


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class Issue:
    """One issued version of a period's 通报 (its issue.json)."""

    period: str
    version: int
    path: Path
    meta: dict

    @property
    def issued_on(self) -> str:
        return str(self.meta.get("as_of") or "")

    @property
    def doc_no(self) -> str:
        return str(self.meta.get("doc_no") or "")

    def parquet(self, name: str) -> Path:
        return self.path / name


def _dq(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class IssuedStore:
    """``<warehouse>.issued/``: read the issued versions; ``write`` adds one (under a lock, never overwriting)."""

    def __init__(self, warehouse: Path):
        self.warehouse = Path(warehouse)
        self.root = issued_dir(self.warehouse)

    def versions(self, period: str) -> list[Issue]:
        out = []
        folder = self.root / period
        if folder.is_dir():
            for d in folder.iterdir():
                m = re.fullmatch(r"v(\d+)", d.name)
                if m and (d / "issue.json").is_file():
                    out.append(Issue(period, int(m.group(1)), d,
                                     json.loads((d / "issue.json").read_text(encoding="utf-8"))))
        return sorted(out, key=lambda i: i.version)

    def latest(self, period: str) -> Issue | None:
        vs = self.versions(period)
        return vs[-1] if vs else None

    def all_issues(self) -> list[Issue]:
        if not self.root.is_dir():
            return []
        return [i for p in sorted(d.name for d in self.root.iterdir() if d.is_dir() and not d.name.startswith("."))
                for i in self.versions(p)]

    def issued_months(self) -> dict[str, Issue]:
        """Each issued month -> its latest version."""
        out = {}
        for i in self.all_issues():
            if MONTH_RE.match(i.period) and (i.period not in out or i.version > out[i.period].version):
                out[i.period] = i
        return out

    # ---- reading frozen figures

    def _query(self, sql: str, params=None) -> list[tuple]:
        import duckdb

        con = duckdb.connect()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def figures(self, issue: Issue) -> list[MartRow]:
        """The department × dataset rows of an issue, as the report model's rows (rates recomputed)."""
        path = issue.parquet('figures.parquet')
        have = {r[0] for r in self._query(f"describe select * from read_parquet({_dq(path)})")}
        # an issue written before a column existed reads it as null
        cols = ", ".join(c if c in have else f"null as {c}" for c in (
            "department", "department_name", "district", "dataset", *COUNT_COLUMNS, "is_missing_report",
            "completeness_rate", "judged_compliant"))
        out = []
        for r in self._query(f"select {cols} from read_parquet({_dq(path)}) order by department, dataset"):
            c = Counts(*(int(x or 0) for x in r[4:11]))
            out.append(MartRow(
                department=r[0], department_name=r[1], district=r[2], month=issue.period, dataset=r[3], counts=c,
                is_missing_report=bool(r[11]),
                compliance_rate=_float(c.compliance_rate), late_rate=_float(c.late_rate),
                on_time_rate=_float(_ratio(c.date_readable - c.late, c.date_readable)),
                code_error_rate=_float(c.code_error_rate), completeness_rate=r[12],
                judged_compliant=None if r[13] is None else int(r[13])))
        return out

    def rules(self, issue: Issue):
        """The judgement's rules the issue was judged by (report/judgement.py Rules); None for an issue written
        before they were kept."""
        from . import judgement as J

        path = issue.parquet("rules.json")
        if not path.is_file():
            return None
        return J.rules_from_rows(json.loads(path.read_text(encoding="utf-8")),
                                 f"{issue.period} 第{issue.version}版通报所存评定规则")

    def departments(self, issue: Issue) -> dict[str, dict]:
        """department -> its issued row (columns of _DEPARTMENT_SCHEMA; one an older issue lacks is None)."""
        import duckdb

        con = duckdb.connect()
        try:
            cur = con.execute(f"select * from read_parquet({_dq(issue.parquet('departments.parquet'))})")
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            con.close()
        return {r["department"]: {n: r.get(n) for n, _ in _DEPARTMENT_SCHEMA} for r in rows}

    def violations(self, issue: Issue) -> list[tuple[str, str, int, int]]:
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in self._query(
            "select rule_id, rule_message_zh, violation_count, departments from "
            f"read_parquet({_dq(issue.parquet('violations.parquet'))}) order by violation_count desc, rule_id")]

    def frozen_months(self, months) -> dict[str, list[MartRow]]:
        """month -> the rows as issued (latest version), for the months of ``months`` that were issued."""
        issued = self.issued_months()
        return {m: self.figures(issued[m]) for m in months if m in issued}

    def reported_corrections(self, exclude_period: str) -> dict[tuple[str, str, str], Counts]:
        """(month, department, dataset) -> the 'now' counts of the latest correction line an issued document printed
        (documents of ``exclude_period`` not counted: a re-issue of a period compares afresh)."""
        out: dict[tuple[str, str, str], tuple[str, Counts]] = {}
        for i in self.all_issues():
            path = i.parquet("corrections.parquet")
            if i.period == exclude_period or not path.is_file():
                continue
            for r in self._query(f"select month, department, dataset, {', '.join('now_' + c for c in COUNT_COLUMNS)} "
                                 f"from read_parquet({_dq(path)})"):
                key = (r[0], r[1], r[2])
                stamp = str(i.meta.get("issued_at"))
                if key not in out or stamp >= out[key][0]:
                    out[key] = (stamp, Counts(*(int(x or 0) for x in r[3:])))
        return {k: v for k, (_, v) in out.items()}

    # ---- writing

    @contextlib.contextmanager
    def lock(self):
        """One issuer at a time (version numbers are claimed under it)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IssueError(f"另一个通报正在印发 / another issue is being written to {self.root}") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write(self, period: str, version: int, meta: dict, tables: dict[str, list[tuple]],
              documents: list[Path], documents_root: Path, rules: dict | None = None) -> Issue:
        """Write v<version> of ``period``: parquet files, the documents, then issue.json, in a temporary folder
        renamed into place (a reader never sees half an issue; an existing version is never replaced)."""
        import duckdb

        folder = self.root / period
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"v{version}"
        if final.exists():
            raise IssueError(f"{period} 第{version}版已存在 / version {version} of {period} exists: {final}")
        tmp = folder / f".v{version}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            con = duckdb.connect()
            try:
                for name, (schema, filename) in {**SCHEMAS, "issued_violation": (_VIOLATION_SCHEMA,
                                                                                 "violations.parquet")}.items():
                    con.execute(f"create table t_{name} ({', '.join(f'{c} {t}' for c, t in schema)})")
                    # a row shorter than the schema (written for an older store) has the newer trailing columns null
                    rows = [tuple(r) + (None,) * (len(schema) - len(r)) for r in tables.get(name, [])]
                    if rows:
                        con.executemany(f"insert into t_{name} values ({', '.join('?' * len(schema))})", rows)
                    con.execute(f"copy t_{name} to {_dq(tmp / filename)} (format parquet)")
            finally:
                con.close()
            if rules is not None:  # the rows of marts.report_rule_* it was judged by (judgement.rules_rows)
                (tmp / "rules.json").write_text(json.dumps(rules, ensure_ascii=False, indent=2), encoding="utf-8")
            docs_dir = tmp / "documents"
            hashes = {}
            for f in documents:
                rel = Path(f).resolve().relative_to(documents_root.resolve())
                (docs_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, docs_dir / rel)
                hashes[str(rel)] = hashlib.sha256(Path(f).read_bytes()).hexdigest()
            meta = {**meta, "documents": hashes}
            (tmp / "issue.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str),
                                            encoding="utf-8")
            os.rename(tmp, final)  # fails if the version appeared meanwhile (a non-empty folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Issue(period, version, final, meta)


def _ratio(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


def _float(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def build_info(warehouse: Path) -> dict:
    """The published build a report reads (audit.build_info), {} for a file without it."""
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"无法以只读方式打开数据仓库 {warehouse}：{exc}") from exc
    try:
        row = con.execute("select run_id, as_of, published_at from audit.build_info limit 1").fetchone()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    return {} if row is None else {"run_id": row[0], "as_of": str(row[1]), "published_at": str(row[2])}


# --------------------------------------------------------------------------- corrections


@dataclass(frozen=True)
class Correction:
    """One department × dataset of an issued month whose figures changed after it was issued (or last reported)."""

    month: str
    issued_version: int
    department: str
    department_name: str
    dataset: str
    issued: Counts  # as issued
    now: Counts  # in tonight's published warehouse

    @property
    def records_change(self) -> int:
        return self.now.records - self.issued.records


def current_rows(warehouse: Path, months: list[str]) -> dict[str, list[MartRow]]:
    """The published mart's rows of ``months`` (what the figures are now)."""
    from .model import _connect, _load_rows

    if not months:
        return {}
    con = _connect(warehouse)
    try:
        rows = _load_rows(con, min(months), max(months))
    finally:
        con.close()
    out: dict[str, list[MartRow]] = {m: [] for m in months}
    for r in rows:
        if r.month in out:
            out[r.month].append(r)
    return out


def find_corrections(store: IssuedStore, warehouse: Path, before: str | None, *, months: list[str] | None = None,
                     since_reported: bool = True, exclude_period: str | None = None) -> list[Correction]:
    """Issued months before ``before`` (None: any), of ``months`` if given, whose department × dataset counts now differ from the
    issued ones. ``since_reported``: compare with the last correction already printed by another period's
    issued document (a change is reported once), else with the issued figures."""
    issued = store.issued_months()
    wanted = sorted(m for m in (months if months is not None else issued) if m in issued and (not before or m < before))
    now = current_rows(warehouse, wanted)
    baseline = store.reported_corrections(exclude_period or before or "") if since_reported else {}
    out = []
    for m in wanted:
        was = {(r.department, r.dataset): r for r in store.figures(issued[m])}
        cur = {(r.department, r.dataset): r for r in now.get(m, [])}
        for key in sorted(set(was) | set(cur)):
            a, b = was.get(key), cur.get(key)
            issued_counts = a.counts if a else Counts()
            now_counts = b.counts if b else Counts()
            base = baseline.get((m, *key), issued_counts)
            if now_counts == base:
                continue
            name = (b or a).department_name
            out.append(Correction(m, issued[m].version, key[0], name, key[1], issued_counts, now_counts))
    return out


def correction_table(corrections: list[Correction], *, title: str = "表1-1  已通报月份的数据变动（更正）") -> T.Table:
    rows = []
    for c in corrections:
        i, n = c.issued, c.now
        rows.append([
            c.month, c.department, c.department_name, dataset_zh(c.dataset),
            i.records, n.records, c.records_change,
            i.compliance_rate, n.compliance_rate, delta(n.compliance_rate, i.compliance_rate),
            i.late_rate, n.late_rate, delta(n.late_rate, i.late_rate),
            i.compliant, n.compliant, i.late, n.late, i.code_error + i.code_conflict, n.code_error + n.code_conflict,
            f"第{c.issued_version}版",
        ])
    return T.Table(
        key="corrections",
        sheet=CORRECTIONS_SHEET,
        title=title,
        columns=[
            T.Col("所属月份", "text", 16), T.Col("部门编码", "text", 14, pdf=False), T.Col("部门", "text", 30),
            T.Col("数据集", "text", 16), T.Col("已通报条数", "int", 15), T.Col("现条数", "int", 13),
            T.Col("增减（条）", "int", 13), T.Col("已通报合规率", "rate", 16), T.Col("现合规率", "rate", 15),
            T.Col("合规率变动（百分点）", "pp", 16), T.Col("已通报迟报率", "rate", 16, pdf=False),
            T.Col("现迟报率", "rate", 15, pdf=False), T.Col("迟报率变动（百分点）", "pp", 16),
            T.Col("已通报合规条数", "int", 14, pdf=False), T.Col("现合规条数", "int", 14, pdf=False),
            T.Col("已通报迟报条数", "int", 14, pdf=False), T.Col("现迟报条数", "int", 14, pdf=False),
            T.Col("已通报错码及重码条数", "int", 14, pdf=False), T.Col("现错码及重码条数", "int", 14, pdf=False),
            T.Col("所据通报版本", "text", 14, pdf=False),
        ],
        rows=rows,
        note="已通报的数字不变（各表“上月”及趋势均为已通报数）；本表列出通报印发后到达的迟报数据、更正后重新报送"
             "或规则更正使各月数字发生的变动，每项变动只列示一次。冻结的数字见数据仓库 audit.issued_figure。",
    )


# --------------------------------------------------------------------------- rows to freeze


def figure_rows(period: str, kind: str, version: int, rows: list[MartRow]) -> list[tuple]:
    return [(period, kind, version, r.department, r.department_name, r.district, r.dataset, *r.counts.astuple(),
             r.is_missing_report, r.completeness_rate, r.judged_compliant) for r in rows]


def department_rows(period: str, kind: str, version: int, md: MonthData) -> list[tuple]:
    from .thresholds import ACTION_ZH

    def progress(code: str) -> tuple:
        p = (getattr(md, "progress", None) or {}).get(code)
        return (None,) * 6 if p is None else (p.open_at_start, p.opened, p.closed, p.withdrawn, p.open, p.overdue)

    out = []
    for d in md.departments:
        items = md.items.get(d.department, [])
        out.append((period, kind, version, d.department, d.department_name, d.district, d.rank, d.verdict,
                    ACTION_ZH.get(d.verdict, "") if d.verdict else None, d.status_zh, "；".join(d.reasons) or None,
                    d.missing_report_count, d.submission_failed,
                    sum(1 for it in items if it.issue_kind == "violation" and not it.is_warning),
                    sum(1 for it in items if it.issue_kind == "late"),
                    sum(1 for it in items if it.is_warning),
                    len({(it.dataset, it.record_id, it.source_file, it.source_row) for it in items}),
                    len(md.intake.get(d.department, [])), *progress(d.department),
                    d.tier_zh or None, d.tier_order if d.tier_zh else None,
                    None if d.score is None else float(d.score)))
    listed = {d.department for d in md.departments}
    for code, p in sorted((getattr(md, "progress", None) or {}).items()):
        if code not in listed:  # only open 整改事项 this month, no records: its 整改进展 is still issued
            out.append((period, kind, version, code, p.department_name, None, None, None, None, None, None, 0, False,
                        0, 0, 0, 0, 0, *progress(code), None, None, None))
    return out


def correction_rows(period: str, version: int, corrections: list[Correction]) -> list[tuple]:
    return [(period, version, c.month, c.issued_version, c.department, c.department_name, c.dataset,
             *c.issued.astuple(), *c.now.astuple()) for c in corrections]


# --------------------------------------------------------------------------- the monthly 通报, draft or issued


@dataclass
class IssueResult:
    """What ``report_month`` did: the files (report.ReportFiles), the version issued (None for a draft), the
    correction lines printed."""

    files: object
    period: str
    version: int | None
    issue: Issue | None
    corrections: list[Correction] = field(default_factory=list)
    superseded: Issue | None = None

    @property
    def issued(self) -> bool:
        return self.version is not None


def _insert_after(doc: Document, key: str, blocks: list) -> None:
    """Insert ``blocks`` after the table ``key`` (or before the signature when there is none)."""
    for i, b in enumerate(doc.blocks):
        if isinstance(b, TableBlock) and b.table.key == key:
            doc.blocks[i + 1:i + 1] = blocks
            return
    doc.blocks[len(doc.blocks):] = blocks


def _corrections_blocks(corrections: list[Correction], any_issued_before: bool) -> list:
    if not any_issued_before:
        return []
    if not corrections:
        return [Para("此前已通报月份的数据在通报印发后未发生变动。")]
    months = sorted({c.month for c in corrections})
    depts = len({c.department for c in corrections})
    more = sum(c.records_change for c in corrections if c.records_change > 0)
    return [
        Para(f"更正情况：{'、'.join(month_zh(m) for m in months)}通报印发后，{depts}个部门的数据发生变动"
             + (f"（新到迟报数据{fmt_int(more)}条）" if more else "")
             + "。已通报的数字不变，本通报“上月”及趋势仍为已通报数，变动情况见表1-1。"),
        TableBlock(correction_table(corrections)),
    ]


def reissue_table(previous: dict[str, dict], previous_counts: dict[str, Counts], md: MonthData) -> T.Table:
    """Department by department, what the 更正 version changes (only departments whose figures or 评定 changed)."""
    from .thresholds import ACTION_ZH

    rows = []
    for d in sorted(md.departments, key=lambda d: d.department):
        old = previous.get(d.department, {})
        oc = previous_counts.get(d.department, Counts())
        new_verdict = ACTION_ZH.get(d.verdict, "") if d.verdict else ""
        if oc == d.counts and (old.get("verdict_zh") or "") == new_verdict and old.get("rank") == d.rank:
            continue
        rows.append([d.department, d.department_name, oc.records, d.counts.records, oc.compliance_rate,
                     d.counts.compliance_rate, oc.late_rate, d.counts.late_rate, old.get("rank"), d.rank,
                     old.get("verdict_zh") or "", new_verdict])
    for code in sorted(set(previous) - {d.department for d in md.departments}):
        old, oc = previous[code], previous_counts.get(code, Counts())
        rows.append([code, old.get("department_name"), oc.records, None, oc.compliance_rate, None, oc.late_rate,
                     None, old.get("rank"), None, old.get("verdict_zh") or "", ""])
    return T.Table(
        key="reissue",
        sheet=REISSUE_SHEET,
        title="更正内容（与原通报相比有变动的部门）",
        columns=[T.Col("部门编码", "text", 14, pdf=False), T.Col("部门", "text", 32),
                 T.Col("原报送条数", "int", 15), T.Col("更正后条数", "int", 15), T.Col("原合规率", "rate", 15),
                 T.Col("更正后合规率", "rate", 16), T.Col("原迟报率", "rate", 15), T.Col("更正后迟报率", "rate", 16),
                 T.Col("原排名", "num", 11), T.Col("更正后排名", "num", 13), T.Col("原评定", "text", 12),
                 T.Col("更正后评定", "text", 14)],
        rows=rows,
        note="其余内容同原通报；原通报及其数字保留在数据仓库 audit.issued_report、audit.issued_figure。",
    )


def _dept_counts(rows: list[MartRow]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for r in rows:
        out[r.department] = out.get(r.department, Counts()) + r.counts
    return out


def mark_title(doc: Document, mark: str) -> None:
    """（草稿）/（更正） after the title, wherever the document prints it (title, its broken lines, running title)."""
    doc.title += mark
    doc.running_title += mark
    if getattr(doc, "title_lines", ()):
        doc.title_lines = (*doc.title_lines[:-1], doc.title_lines[-1] + mark)


def _mark_draft(doc: Document) -> None:
    mark_title(doc, DRAFT_MARK)
    doc.blocks.insert(0, Para("本稿为草稿，未印发：数字未冻结，印发时以 credit report --issue 生成的版本为准。", small=True))


def report_month(warehouse: Path, month: str, out_dir: Path, *, issue: bool = False, reissue: bool = False,
                 reason: str | None = None, as_of: date | None = None, **render_kwargs) -> IssueResult:
    """The monthly 通报 of ``month``: a draft (default), an issue (``issue``: freezes it, version 1) or a 更正
    (``reissue``: version N+1, the earlier versions kept). Earlier issued months show as issued; their later
    changes as correction lines."""
    from . import render_monthly_report

    if issue and reissue:
        raise IssueError("--issue 与 --reissue 只能选一个 / choose one of --issue and --reissue")
    warehouse = Path(warehouse)
    store = IssuedStore(warehouse)
    freezing = issue or reissue
    with (store.lock() if freezing else contextlib.nullcontext()):
        versions = store.versions(month)
        _check_issue_allowed(month, versions, issue=issue, reissue=reissue)
        previous = versions[-1] if versions else None
        build = build_info(warehouse)
        window = [shift_month(month, -i) for i in range(1, TREND_MONTHS)]
        frozen = store.frozen_months(window)
        issued_before = any(m < month for m in store.issued_months())
        corrections = find_corrections(store, warehouse, month)
        captured: dict = {}

        def amend(doc: Document, md: MonthData) -> None:
            captured["md"], captured["doc"] = md, doc
            _insert_after(doc, "headline", _corrections_blocks(corrections, issued_before))
            if reissue:
                mark_title(doc, CORRECTION_MARK)
                old_rows = store.figures(previous)
                table = reissue_table(store.departments(previous), _dept_counts(old_rows), md)
                captured["reissue"] = table
                doc.blocks[0:0] = [
                    Para(f"更正说明：本通报是对{date_zh(date.fromisoformat(previous.issued_on))}印发的"
                         f"{previous.doc_no or '原通报'}（第{previous.version}版）的更正（第{previous.version + 1}版），"
                         f"原通报同时作废。" + (f"更正原因：{reason}。" if reason else "")
                         + (f"与原通报相比，{len(table.rows)}个部门的数字或评定有变动，见下表。" if table.rows
                            else "与原通报相比，各部门的数字和评定均无变动。")),
                    *([TableBlock(table)] if table.rows else []),
                ]
            elif not freezing:
                _mark_draft(doc)

        def sheets(md: MonthData) -> list[T.Table]:
            out = [correction_table(corrections)]
            if "reissue" in captured:
                out.append(captured["reissue"])
            return out

        files = render_monthly_report(warehouse, month, out_dir, as_of=as_of, frozen=frozen,
                                      amend_document=amend, extra_sheets=sheets, **render_kwargs)
        if not freezing:
            return IssueResult(files, month, None, None, corrections)
        if build_info(warehouse) != build:
            raise IssueError("印发期间发布了新的构建，数字可能不一致，未印发；请重新运行 / a new build was published "
                             "while issuing: nothing was issued, run the command again")
        md, doc = captured["md"], captured["doc"]
        version = previous.version + 1 if previous else 1
        meta = {
            "period": month, "kind": "month", "version": version, "is_correction": previous is not None,
            "supersedes_version": previous.version if previous else None, "reason_zh": reason,
            "doc_no": doc.doc_no, "title": doc.title, "as_of": doc.as_of.isoformat(),
            "issued_at": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds"),
            "build_run_id": build.get("run_id"), "build_as_of": build.get("as_of"),
            "build_published_at": build.get("published_at"), "months": [month],
        }
        tables = {
            "issued_figure": figure_rows(month, "month", version, md.rows),
            "issued_department": department_rows(month, "month", version, md),
            "issued_violation": [(month, "month", version, v.rule_id, v.rule_message_zh, v.count, v.departments)
                                 for v in md.violations],
            "issued_correction": correction_rows(month, version, corrections),
        }
        out_dir = Path(out_dir)
        written = store.write(month, version, meta, tables, files.all_files(), out_dir,
                              rules=J.rules_rows(md.rules) if md.rules is not None else None)
        return IssueResult(files, month, version, written, corrections, superseded=previous)


def _check_issue_allowed(period: str, versions: list[Issue], *, issue: bool, reissue: bool) -> None:
    if issue and versions:
        v = versions[-1]
        raise IssueError(
            f"{period} 的通报已于 {v.issued_on} 印发（第{v.version}版，{v.doc_no}），数字已冻结；如需更正，请使用 "
            f"--reissue（保留原版本，新通报注明“更正”）/ {period} was already issued (version {v.version}): "
            "use --reissue to issue a correction")
    if reissue and not versions:
        raise IssueError(f"{period} 的通报尚未印发，无可更正；请使用 --issue / {period} was never issued: use --issue")


# --------------------------------------------------------------------------- publish: the store as audit tables


def copy_into_published(con, warehouse: Path, scrubbed) -> dict[str, int]:
    """Create the ``audit.issued_*`` tables in the file being published (``con``), from the store; empty tables
    when nothing was issued yet. ``scrubbed(column_sql)`` wraps a text column in publish's ID-number scrubber."""
    store = IssuedStore(warehouse)
    issues = store.all_issues()
    counts = {}
    for name, (schema, filename) in SCHEMAS.items():
        files = [i.parquet(filename) for i in issues if i.parquet(filename).is_file()]
        con.execute(f"create or replace table audit.{name} ({', '.join(f'{c} {t}' for c, t in schema)})")
        if files:
            source = f"read_parquet([{', '.join(_dq(f) for f in files)}], union_by_name = true)"
            have = {r[0] for r in con.execute(f"describe select * from {source}").fetchall()}
            # a column no stored issue has yet (all written before it existed) is null
            cols = ", ".join((f"{scrubbed(c) if t == 'varchar' else c}" if c in have else f"cast(null as {t})")
                             + f" as {c}" for c, t in schema)
            con.execute(f"insert into audit.{name} select {cols} from {source}")
        counts[f"audit.{name}"] = con.execute(f"select count(*) from audit.{name}").fetchone()[0]
    con.execute(f"create or replace table audit.issued_report ({', '.join(f'{c} {t}' for c, t in _REPORT_SCHEMA)})")
    for i in issues:
        m = i.meta
        con.execute(
            f"insert into audit.issued_report values ({', '.join('?' * len(_REPORT_SCHEMA))})",
            [m.get("period"), m.get("kind"), m.get("version"), bool(m.get("is_correction")),
             m.get("supersedes_version"), m.get("reason_zh"), m.get("doc_no"), m.get("title"), m.get("as_of"),
             m.get("issued_at"), m.get("build_run_id"), m.get("build_as_of"), m.get("build_published_at"),
             ",".join(m.get("months") or []), json.dumps(m.get("documents") or {}, ensure_ascii=False)])
    con.execute("update audit.issued_report set " + ", ".join(
        f"{c} = {scrubbed(c)}" for c, t in _REPORT_SCHEMA if t == "varchar"))
    counts["audit.issued_report"] = len(issues)
    return counts
