"""The month's verdict rules: departments assembled from their mart rows, praise or criticism by the thresholds
(or the build's own evaluation of them), competition ranking, and the district and dataset groups."""
from __future__ import annotations

from collections import defaultdict

from .fmt import DATASET_ORDER, dataset_zh, fmt_int, fmt_pct
from .month_data import Counts, Department, Group, MartRow, total
from .thresholds import Threshold



def departments(rows: list[MartRow], intake: dict[str, tuple[str, str, bool]] | None = None
                 ) -> dict[str, Department]:
    """Departments of the month's mart rows, plus registered departments that sent only files nothing of which
    reached the mart (``intake``: department -> (name, district, failed)); a failed department is 报送失败, so none
    of its datasets counts as 漏报."""
    intake = intake or {}
    by: dict[str, list[MartRow]] = defaultdict(list)
    for r in rows:
        by[r.department].append(r)
    out = {}
    for dept, (name, district, failed) in intake.items():
        if failed and dept not in by:
            out[dept] = Department(department=dept, department_name=name, district=district, counts=Counts(),
                                   datasets=(), missing_datasets=(), submission_failed=True)
    for dept, rs in sorted(by.items()):
        rs = sorted(rs, key=lambda r: (DATASET_ORDER.get(r.dataset, 9), r.dataset))
        out[dept] = Department(
            department=dept,
            department_name=rs[0].department_name,
            district=rs[0].district,
            counts=total(r.counts for r in rs),
            datasets=tuple(r.dataset for r in rs),
            missing_datasets=tuple(r.dataset for r in rs if r.is_missing_report),
            submission_failed=intake.get(dept, ("", "", False))[2] and not any(r.counts.records for r in rs),
            judged_compliant=(sum(r.judged_compliant for r in rs)  # type: ignore[misc]
                              if all(r.judged_compliant is not None for r in rs) else None),
        )
    return dict(sorted(out.items()))


def sort_key(counts: Counts, tiebreak: str):
    """合规率 desc, then 迟报率 asc (unknown last), then code; no records: last."""
    cr = counts.compliance_rate
    lr = counts.late_rate
    return (
        cr is None,
        -(cr if cr is not None else 0),
        lr is None,
        lr if lr is not None else 0,
        tiebreak,
    )


def assign_ranks(items: list, counts_of) -> None:
    """Competition ranking (1, 2, 2, 4) on (合规率, 迟报率); rows without records get none."""
    prev_key = None
    prev_rank = 0
    for i, it in enumerate(items, start=1):
        c = counts_of(it)
        if c.records == 0:
            it.rank = None
            continue
        key = (c.compliance_rate, c.late_rate)
        it.rank = prev_rank if key == prev_key else i
        prev_key, prev_rank = key, it.rank


def judge(dept: Department, thresholds: tuple[Threshold, ...],
           conditions: dict[str, tuple[bool, bool]] | None = None) -> None:
    """Praise or criticise ``dept`` by ``thresholds``. ``conditions`` (threshold id -> (holds, below its minimum
    base)): the build's own evaluation (marts.fct_department_verdict_condition); without it the same rules are
    evaluated here (a warehouse without the verdict mart)."""
    praise = [t for t in thresholds if t.action == "praise"]
    criticise = [t for t in thresholds if t.action == "criticise"]

    def holds(t: Threshold) -> bool:
        if conditions is not None and t.threshold_id in conditions:
            return conditions[t.threshold_id][0]
        return t.judge(dept.numerator(t.metric), dept.base(t.metric))

    def below(t: Threshold) -> bool:
        if conditions is not None and t.threshold_id in conditions:
            return conditions[t.threshold_id][1]
        return t.below_min_base(dept.base(t.metric))

    # conditions a small volume kept from being judged, that its rate would have met: the 通报 names them
    dept.below_min_base = tuple(_reason(dept, t) for t in criticise if below(t) and t.holds(dept.metric(t.metric)))
    hits = [t for t in criticise if holds(t)]
    if hits:
        dept.verdict = "criticise"
        dept.reasons = tuple(_reason(dept, t) for t in hits)
        return
    if praise and all(t.holds(dept.metric(t.metric)) for t in praise):
        if dept.overdue_items:  # 整改 overdue: no praise, whatever the month's figures (issue 17)
            dept.praise_withheld = True
            return
        dept.verdict = "praise"
        dept.reasons = tuple(_reason(dept, t) for t in praise)


def _reason(dept: Department, t: Threshold) -> str:
    label = t.description_zh or t.condition_zh()
    if t.metric == "missing_report_count":
        return f"{label}（未报送：{dept.missing_zh}）"
    actual = dept.metric(t.metric)
    digits = 3 if t.metric == "code_error_rate" else 2
    shown = fmt_pct(actual, digits) if t.is_rate else fmt_int(actual)  # type: ignore[arg-type]
    if t.metric == "compliance_rate" and actual is not None and actual != dept.counts.compliance_rate:
        # one defect counted once: the judged 合规率 leaves out what another metric (重错码率) already counts
        owned = (dept.judged_compliant or 0) - dept.counts.compliant
        return (f"{label}（本月评定口径合规率 {shown}；公布的合规率 {fmt_pct(dept.counts.compliance_rate)}，"
                f"其中{fmt_int(owned)}条仅因已计入重错码率的问题不合规，不重复计算）")
    base = dept.base(t.metric)
    if t.below_min_base(base):
        return f"{label}（本月{t.metric_zh} {shown}，基数{fmt_int(base)}条，少于{fmt_int(t.min_base)}条，不作评定）"
    return f"{label}（本月{t.metric_zh} {shown}）"


def groups(depts: list[Department], prev: dict[str, Department], key_of, label_of, missing_of=None) -> list[Group]:
    """Departments summed by key_of (district, tier); missing_of(key) overrides the 漏报 count (a period's own)."""
    by: dict[str, list[Department]] = defaultdict(list)
    for d in depts:
        by[key_of(d)].append(d)
    prev_by: dict[str, list[Department]] = defaultdict(list)
    for d in prev.values():
        prev_by[key_of(d)].append(d)
    out = []
    for k, ds in by.items():
        out.append(
            Group(
                key=k,
                label=label_of(k),
                counts=total(d.counts for d in ds),
                prev=total(d.counts for d in prev_by[k]) if prev_by.get(k) else None,
                departments=len(ds),
                reporting=sum(1 for d in ds if d.reported),
                missing=missing_of(k) if missing_of else sum(d.missing_report_count for d in ds),
            )
        )
    return out


def dataset_groups(rows: list[MartRow], prev_rows: list[MartRow]) -> list[Group]:
    out = []
    keys = sorted({r.dataset for r in rows}, key=lambda d: (DATASET_ORDER.get(d, 9), d))
    for ds in keys:
        rs = [r for r in rows if r.dataset == ds]
        ps = [r for r in prev_rows if r.dataset == ds]
        out.append(
            Group(
                key=ds,
                label=dataset_zh(ds),
                counts=total(r.counts for r in rs),
                prev=total(r.counts for r in ps) if ps else None,
                departments=len({r.department for r in rs}),
                reporting=len({r.department for r in rs if r.counts.records > 0}),
                missing=sum(1 for r in rs if r.is_missing_report),
            )
        )
    return out
