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

The store is issued_store.py's, the periods periods.py's, the correction lines corrections.py's; this module
writes the monthly 通报 as a draft or an issue (names of the others are re-exported here).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from . import judgement as J
from . import tables as T
from .content import Document, Para, TableBlock
from .corrections import (  # noqa: F401 - re-exported
    CORRECTIONS_SHEET,
    Correction,
    correction_rows,
    correction_table,
    current_rows,
    find_corrections,
)
from .fmt import date_zh, fmt_int, month_zh, shift_month
from .issued_store import (  # noqa: F401 - re-exported: publish, the CLI and the periodic 通报 use these names
    _DEPARTMENT_SCHEMA,
    AUDIT_TABLES,
    COUNT_COLUMNS,
    SCHEMAS,
    Issue,
    IssuedStore,
    IssueError,
    build_info,
    copy_into_published,
    department_rows,
    figure_rows,
    issued_dir,
)
from .month_data import TREND_MONTHS, Counts, MartRow, MonthData
from .periods import QUARTER_RE, YEAR_RE, months_of, period_kind, period_zh, previous_period  # noqa: F401

DRAFT_MARK = "（草稿）"
CORRECTION_MARK = "（更正）"
REISSUE_SHEET = "更正内容"


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
