"""Correction lines: a department × dataset of an issued month whose figures changed after it was issued (late
data, a corrected resubmission, a rule correction), shown once in the next 通报 as issued vs now."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import tables as T
from .fmt import dataset_zh
from .issued_store import IssuedStore
from .month_data import Counts, MartRow, delta

CORRECTIONS_SHEET = "已通报数据变动"


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
    from .marts import connect, load_rows

    if not months:
        return {}
    con = connect(warehouse)
    try:
        rows = load_rows(con, min(months), max(months))
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



def correction_rows(period: str, version: int, corrections: list[Correction]) -> list[tuple]:
    return [(period, version, c.month, c.issued_version, c.department, c.department_name, c.dataset,
             *c.issued.astuple(), *c.now.astuple()) for c in corrections]
