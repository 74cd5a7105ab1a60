"""Fair judgement, stated as data (issue 17): the rules that praise, criticise and rank departments, and their words.

The rules are seeds (dbt_credit/seeds/report_thresholds.csv, report_ranking_weights.csv, report_tiers.csv,
report_defect_owners.csv). A build publishes them as it used them (marts.report_rule_*) and judges every department
× month with them (marts.fct_department_verdict_condition, marts.fct_department_verdict), so the 通报 reads its rules
and its verdicts from the build it reports on — never from the repository's seeds. A warehouse without those tables
(built before them, or made by hand in a test) is judged here by the same rules read from the repository's seeds;
tests/test_judgement.py holds both ways to the same answers.

The rules in short (the 附件 says them in Chinese, from the same rows: ``rules_in_words``):
- criticised when any criticise condition holds, praised when every praise condition holds and it is not criticised;
- a condition on a rate whose denominator is below its ``min_base`` does not hold (a small volume is not judged);
- 合规率 is judged without the defects another metric owns (a missing USCC is 重错码率's, counted once);
- departments are ranked within their tier (by district: 市直部门, 区（县）部门) by a composite score whose weights are
  data; a criticised department always comes after every uncriticised one of its tier.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..ingest.seeds import read_seed
from ..paths import SEEDS_DIR
from .errors import ReportError
from .thresholds import METRICS, Threshold, load_thresholds, parse_thresholds, pct_exact

THRESHOLDS_TABLE = "marts.report_rule_thresholds"
WEIGHTS_TABLE = "marts.report_rule_ranking_weights"
TIERS_TABLE = "marts.report_rule_tiers"
OWNERS_TABLE = "marts.report_rule_defect_owners"
RULE_TABLES = (THRESHOLDS_TABLE, WEIGHTS_TABLE, TIERS_TABLE, OWNERS_TABLE)
VERDICT_TABLE = "marts.fct_department_verdict"
CONDITION_TABLE = "marts.fct_department_verdict_condition"

#: what each metric's rate is taken over (its base), in words
BASE_ZH = {
    "compliance_rate": "记录数",
    "late_rate": "决定日期可识别的记录数",
    "code_error_rate": "行政相对人为法人及非法人组织、个体工商户的记录数",
}


@dataclass(frozen=True)
class Weight:
    metric: str
    weight: Fraction
    direction: str  # "higher": the rate itself scores; "lower": 1 − rate scores
    description_zh: str


@dataclass(frozen=True)
class Tier:
    district: str | None
    tier: str
    tier_zh: str
    tier_order: int
    is_default: bool


@dataclass(frozen=True)
class DefectOwner:
    rule_id: str
    owner_metric: str
    description_zh: str


@dataclass(frozen=True)
class Rules:
    thresholds: tuple[Threshold, ...]
    weights: tuple[Weight, ...]
    tiers: tuple[Tier, ...]
    owners: tuple[DefectOwner, ...]
    from_warehouse: bool  # read from the build (marts.report_rule_*), not the repository's seeds

    def tier_of(self, district: str | None) -> Tier:
        for t in self.tiers:
            if not t.is_default and t.district == district:
                return t
        return next(t for t in self.tiers if t.is_default)

    def score(self, rates: dict[str, Fraction | None]) -> Fraction | None:
        """100 × Σ(weight × part) ÷ Σ(weight) over the rates that can be computed (exact)."""
        num = den = Fraction(0)
        for w in self.weights:
            r = rates.get(w.metric)
            if r is None:
                continue
            num += w.weight * (r if w.direction == "higher" else 1 - r)
            den += w.weight
        return 100 * num / den if den else None


# --------------------------------------------------------------------------- loading


def _rows_of_csv(name: str) -> list[dict]:
    path = SEEDS_DIR / name
    if not path.is_file():
        raise ReportError(f"找不到评定规则文件 {path}")
    return read_seed(path)


def _rows_of_table(con, table: str) -> list[dict]:
    cur = con.execute(f"select * from {table}")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _bool(v) -> bool:
    return v is True or str(v).strip().lower() == "true"


def _frac(v) -> Fraction:
    return Fraction(Decimal(str(v).strip()))


def load_rules(con=None, *, thresholds: tuple[Threshold, ...] | None = None) -> Rules:
    """The rules of the build behind ``con`` (marts.report_rule_*), else the repository's seeds.
    ``thresholds`` given: those replace the threshold rows (a what-if on a warehouse without the verdict mart)."""
    have = set()
    if con is not None:
        have = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
    from_warehouse = all(t in have for t in RULE_TABLES)
    if from_warehouse:
        read = lambda table, _csv: _rows_of_table(con, table)  # noqa: E731
    else:
        read = lambda _table, name: _rows_of_csv(name)  # noqa: E731
    if thresholds is None:
        thresholds = (parse_thresholds(read(THRESHOLDS_TABLE, "report_thresholds.csv"), "数据仓库评定标准表")
                      if from_warehouse else load_thresholds())
    return _rules(thresholds, read(WEIGHTS_TABLE, "report_ranking_weights.csv"), read(TIERS_TABLE, "report_tiers.csv"),
                  read(OWNERS_TABLE, "report_defect_owners.csv"), from_warehouse)


#: the keys of ``rules_rows`` / ``rules_from_rows``: marts.report_rule_<key>, seed report_<key>.csv
RULE_KEYS = ("thresholds", "ranking_weights", "tiers", "defect_owners")


def rules_rows(rules: Rules) -> dict[str, list[dict]]:
    """The rules as the rows of marts.report_rule_* (text cells, exact decimals): what an issued 通报 keeps
    (report/issuance.py, rules.json) so a later quarterly or annual 通报 ranks by the rules the month was judged by,
    never by today's seeds. ``rules_from_rows`` reads them back into the same Rules."""
    def dec(f: Fraction) -> str:
        return format((Decimal(f.numerator) / Decimal(f.denominator)).normalize(), "f")

    return {
        "thresholds": [{"threshold_id": t.threshold_id, "action": t.action, "metric": t.metric,
                        "comparator": t.comparator, "value": t.value_text,
                        "min_base": "" if t.min_base is None else str(t.min_base),
                        "description_zh": t.description_zh} for t in rules.thresholds],
        "ranking_weights": [{"metric": w.metric, "weight": dec(w.weight), "direction": w.direction,
                             "description_zh": w.description_zh} for w in rules.weights],
        "tiers": [{"district": t.district or "", "tier": t.tier, "tier_zh": t.tier_zh, "tier_order": str(t.tier_order),
                   "is_default": "true" if t.is_default else "false"} for t in rules.tiers],
        "defect_owners": [{"rule_id": o.rule_id, "owner_metric": o.owner_metric, "description_zh": o.description_zh}
                          for o in rules.owners],
    }


def rules_from_rows(rows: dict[str, list[dict]], where_zh: str = "已印发通报所存评定规则") -> Rules:
    """Rules from ``rules_rows``' output (checked as the seeds are)."""
    missing = [k for k in RULE_KEYS if k not in rows]
    if missing:
        raise ReportError(f"{where_zh}缺少：{', '.join(missing)}")
    return _rules(parse_thresholds(rows["thresholds"], where_zh), rows["ranking_weights"], rows["tiers"],
                  rows["defect_owners"], True)


def _rules(thresholds, weight_rows: list[dict], tier_rows: list[dict], owner_rows: list[dict],
           from_warehouse: bool) -> Rules:
    weights = tuple(
        Weight(str(r["metric"]).strip(), _frac(r["weight"]), str(r["direction"]).strip(), str(r["description_zh"]))
        for r in weight_rows)
    for w in weights:
        if w.metric not in METRICS or METRICS[w.metric][1] != "rate" or w.direction not in ("higher", "lower") \
                or w.weight <= 0:
            raise ReportError(f"综合得分权重有误：{w.metric} {w.weight} {w.direction}")
    tiers = tuple(
        Tier(None if r["district"] in (None, "") else str(r["district"]), str(r["tier"]), str(r["tier_zh"]),
             int(r["tier_order"]), _bool(r["is_default"]))
        for r in tier_rows)
    if sum(1 for t in tiers if t.is_default) != 1:
        raise ReportError("排名分组规则应恰有一个默认分组（is_default）")
    owners = tuple(DefectOwner(str(r["rule_id"]), str(r["owner_metric"]), str(r["description_zh"]))
                   for r in owner_rows)
    return Rules(tuple(thresholds), weights, tiers, owners, from_warehouse)


@dataclass(frozen=True)
class MartVerdict:
    """One department's row of marts.fct_department_verdict and its conditions (threshold_id -> holds, below)."""

    tier_zh: str
    tier_order: int
    score: float | None
    rank: int | None
    verdict: str | None
    conditions: dict[str, tuple[bool, bool]]


def load_mart_verdicts(con, month: str) -> dict[str, MartVerdict] | None:
    """department -> its verdict of ``month`` as the build judged it; None when the warehouse has no verdict mart."""
    have = {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    if VERDICT_TABLE not in have or CONDITION_TABLE not in have:
        return None
    conditions: dict[str, dict[str, tuple[bool, bool]]] = {}
    for dept, tid, holds, below in con.execute(
            f"select department, threshold_id, holds, is_below_min_base from {CONDITION_TABLE} "
            f"where left(cast(month as varchar), 7) = ?", [month]).fetchall():
        conditions.setdefault(str(dept), {})[str(tid)] = (bool(holds), bool(below))
    out = {}
    for dept, tier_zh, tier_order, score, rank, verdict in con.execute(
            f"select department, tier_zh, tier_order, score, rank_in_tier, verdict from {VERDICT_TABLE} "
            f"where left(cast(month as varchar), 7) = ?", [month]).fetchall():
        out[str(dept)] = MartVerdict(str(tier_zh), int(tier_order), None if score is None else float(score),
                                     None if rank is None else int(rank), verdict, conditions.get(str(dept), {}))
    return out


# --------------------------------------------------------------------------- ranking


def rank_in_tiers(depts: list, rules: Rules, mart: dict[str, MartVerdict] | None, criticised=None) -> list:
    """Set each department's tier, score and rank; return them in the 通报's order (tier, then rank; unranked last).

    From the mart when it judged the department; else here: competition ranking (1, 2, 2, 4) within the tier by
    (criticised last, score descending); a department without records (or without any rate) is not ranked.
    ``criticised(d)``: what puts a department after the uncriticised ones (default: its verdict is 通报批评; the
    quarterly/annual 通报: criticised in any month of the period, report/periodic.py)."""
    if criticised is None:
        criticised = lambda d: d.verdict == "criticise"  # noqa: E731
    for d in depts:
        m = (mart or {}).get(d.department)
        if m is not None:
            d.tier_zh, d.tier_order, d.score, d.rank = m.tier_zh, m.tier_order, m.score, m.rank
            continue
        t = rules.tier_of(d.district)
        d.tier_zh, d.tier_order = t.tier_zh, t.tier_order
        d.score = rules.score({name: d.metric(name) for name in METRICS if METRICS[name][1] == "rate"})
        d.rank = None
    unjudged = [d for d in depts if (mart or {}).get(d.department) is None]
    by_tier: dict[int, list] = {}
    for d in unjudged:
        if d.reported and d.score is not None:
            by_tier.setdefault(d.tier_order, []).append(d)
    for ds in by_tier.values():
        ds.sort(key=lambda d: (criticised(d), -d.score, d.department))
        prev_key, prev_rank = None, 0
        for i, d in enumerate(ds, start=1):
            key = (criticised(d), d.score)
            d.rank = prev_rank if key == prev_key else i
            prev_key, prev_rank = key, d.rank
    return sorted(depts, key=lambda d: (d.tier_order, d.rank is None, d.rank or 0,
                                        -(d.score or 0) if d.rank is None else 0, d.department))


# --------------------------------------------------------------------------- words


def _weight_pct(w: Weight, total: Fraction) -> str:
    return pct_exact(w.weight / total)


def ranking_rule_zh(rules: Rules) -> str:
    total = sum((w.weight for w in rules.weights), Fraction(0))
    parts = "、".join(
        f"{METRICS[w.metric][0]}{'（越高越好）' if w.direction == 'higher' else '（越低越好）'}占{_weight_pct(w, total)}"
        for w in rules.weights)
    tiers = "、".join(t.tier_zh for t in sorted(rules.tiers, key=lambda t: t.tier_order))
    return (
        f"排名规则：{tiers}分组分别排名；组内按综合得分从高到低排序，被通报批评的部门一律排在未被通报批评的部门之后；"
        f"得分相同的并列同一名次。综合得分（满分100）由{parts}加权计算，比率越低越好的指标按“1－比率”计分，"
        "无法计算的比率不计入（其权重不计）。当月未报送任何数据的部门不参与排名，列于本组末尾。"
        "环比为本月比率减上月比率，单位为百分点；上月无数据的记为“—”。"
    )


def _condition_zh(t: Threshold) -> str:
    label = t.description_zh or t.condition_zh()
    if t.min_base is not None:
        label += f"（{BASE_ZH.get(t.metric, '基数')}不少于{t.min_base}条时评定）"
    return label


def judging_rule_zh(rules: Rules) -> str:
    praise = [t for t in rules.thresholds if t.action == "praise"]
    criticise = [t for t in rules.thresholds if t.action == "criticise"]
    return (
        "评定规则：每个部门按其当月全部数据集（行政处罚、行政许可）的记录数合计后重新计算比率（不对比率取平均）。"
        f"同时满足全部表扬条件（{'；'.join(_condition_zh(t) for t in praise)}）的予以表扬；"
        f"满足任一通报批评条件（{'；'.join(_condition_zh(t) for t in criticise)}）的予以通报批评；"
        "被通报批评的部门不予表扬。比率分母为零（无法计算）的，该项条件视为不满足；"
        "比率的基数少于规定的最低条数的，该项不作评定（数量过少，不因个别记录受批评）。"
        "判定以未经四舍五入的精确比值为准，表中比率保留两位小数（重错码率保留三位）。"
    )


def defects_rule_zh(rules: Rules) -> str:
    if not rules.owners:
        return "一个问题只计一次：各项问题均计入合规率。"
    by_metric: dict[str, list[DefectOwner]] = {}
    for o in rules.owners:
        by_metric.setdefault(o.owner_metric, []).append(o)
    lines = []
    for metric, owners in by_metric.items():
        lines.append(f"以下问题由{METRICS[metric][0]}计量：" + "；".join(o.description_zh for o in owners))
    return ("一个问题只计一次：评定和排名使用的合规率（评定口径）不再计入已由其他指标计量的问题。"
            + "。".join(lines) + "。通报公布的合规率仍按全部字段规则计算。")


def rules_in_words(rules: Rules) -> list[str]:
    """The 附件's statement of the rules, in Chinese and without field names, from the rows the report judged with."""
    return [judging_rule_zh(rules), defects_rule_zh(rules), ranking_rule_zh(rules)]


def score_zh(score) -> str | None:
    return None if score is None else f"{float(score):.2f}"


def threshold_base_zh(t: Threshold) -> str:
    """The 附表's 最低基数 cell."""
    if t.min_base is None:
        return "—" if t.is_rate else "不适用"
    return f"{BASE_ZH.get(t.metric, '基数')}≥{t.min_base}"
