"""The store of issued 通报 beside the warehouse (``<warehouse>.issued/<period>/v<N>/``, see report/issuance.py):
each version written once and never changed, the rows it froze, and its copy into the published file as the
``audit.issued_*`` tables."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .errors import ReportError
from .month_data import MONTH_RE, Counts, MartRow, MonthData

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
