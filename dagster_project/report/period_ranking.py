"""The quarterly/annual 通报's ranking (report/periodic.py): the monthly ranking, said of a period.

One scorer: report/judgement.py (Rules.score, rank_in_tiers); this module only chooses its inputs for a period:
- the rules: those the period's last month was judged by, as its issue kept them (rules.json in the issued store,
  report/issuance.py), never today's seeds; an older store without them falls back to the published build's rules
  (the document says so);
- the rates: recomputed from the frozen months' summed counts (合规率 as judged: Σ评定口径合规条数 ÷ Σ报送条数);
- "criticised": 通报批评 in any issued month of the period (what the departments were told; a quarter or a year
  makes no verdict of its own), so such a department ranks after every department of its tier that never was.
"""
from __future__ import annotations

from pathlib import Path

from . import judgement as J
from .fmt import month_zh


def period_rules(warehouse: Path, store, issues: dict) -> tuple[dict, J.Rules, str | None]:
    """month -> the Rules its issue kept (None: an issue older than rules.json); the rules to rank the period by
    (those of the last month that kept them) and that month; without any, the published build's rules and None."""
    from .marts import connect

    kept = {m: store.rules(i) for m, i in issues.items()}
    last = next((m for m in sorted(kept, reverse=True) if kept[m] is not None), None)
    if last is not None:
        return kept, kept[last], last
    con = connect(warehouse)
    try:
        return kept, J.load_rules(con), None
    finally:
        con.close()


def _ranking_part(rules: J.Rules) -> tuple:
    return rules.weights, rules.tiers


def rules_note(months: list[str], month_rules: dict, rules: J.Rules | None, rules_month: str | None) -> str:
    """Where the ranking's rules come from, in the 附件's words."""
    if rules_month is None:
        where = "当前数据仓库构建所载的" if rules is not None and rules.from_warehouse else "当前的"
        return f"本期各月通报印发时未存评定规则，综合得分按{where}排名规则计算。"
    differ = [m for m in months if month_rules.get(m) is not None
              and _ranking_part(month_rules[m]) != _ranking_part(rules)]
    return (f"综合得分的权重和排名分组按{month_zh(rules_month)}通报印发时所据的评定规则。"
            + (f"{'、'.join(month_zh(m) for m in differ)}通报所据的排名规则与此不同，以末月为准。" if differ else ""))


def ranking_rule_zh(rules: J.Rules, note: str) -> str:
    """The monthly 排名规则 in words (judgement.ranking_rule_zh, from the rules the ranking used), said of a period."""
    text = J.ranking_rule_zh(rules).replace(
        "被通报批评的部门一律排在未被通报批评的部门之后",
        "本期任一月被通报批评的部门一律排在本组本期从未被通报批评的部门之后")
    for month_word, period_word in (("当月", "本期"), ("本月", "本期"), ("上月", "上期")):
        text = text.replace(month_word, period_word)
    return (text + "综合得分按本期各月已通报条数之和重新计算的比率计算（合规率为评定口径，不对各月得分取平均）。"
            + note)


def judged_sum(rows) -> int | None:
    """Σ compliant as judged over a department's rows; None when a month's issue did not keep it (then the
    published 合规率 scores, as the monthly 通报 does on a warehouse without the count)."""
    if any(r.judged_compliant is None for r in rows if r.dataset):
        return None
    return sum(r.judged_compliant for r in rows if r.dataset)
