"""整改 to closure in the 通报 and the 整改清单: the 整改进展 table and lines, and what each 整改清单 row needs
beyond the mart (the code list's allowed values, the 整改时限 rule in words).

The figures come from ``marts.rectification_progress`` (department × month, judged at the month's cut-off) and
the rows from ``marts.fct_rectification_item`` (report/marts.py ``load_items``); the rules are seeds:
``rectification_deadlines.csv`` (when the 通报 is dated, how many working days the department has) and
``code_lists.csv`` (the allowed values), never constants here.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from ..ingest.seeds import read_seed
from ..paths import SEEDS_DIR
from . import tables as T
from .fmt import date_zh, fmt_int, fmt_pct, month_zh
from .model import MonthData, Progress

CODE_LISTS_CSV = SEEDS_DIR / "code_lists.csv"
DEADLINES_CSV = SEEDS_DIR / "rectification_deadlines.csv"

#: The line every 整改清单 carries (issue 19): held records wait for the correction.
HELD_NOT_PUBLISHED_ZH = ("本清单中“不合规”问题所涉记录已暂缓公示，在报送单位更正并重新报送、经校验通过前不予公示；"
                         "“迟报”记录已公示，请说明迟报原因并落实按时报送。")

#: The same, short enough for the printed page header of the 整改清单 (every page).
HELD_ON_EVERY_PAGE_ZH = "“不合规”问题所涉记录已暂缓公示，更正并经校验通过后方予公示"

ITEM_DEFINITION_ZH = ("整改事项：每条因违反字段规则而暂缓公示的记录计一项（违反多条规则的仍计一项）；"
                      "更正后重新报送并通过全部规则，或该决定被撤销，即为销项。")
RATE_DEFINITION_ZH = "整改完成率＝本月销项数÷（月初未整改数＋本月新增数）。"
OVERDUE_DEFINITION_ZH = "逾期：统计截止日仍未整改，且整改时限早于截止日。"


@lru_cache(maxsize=None)
def _code_lists() -> dict[tuple[str, str], tuple[str, ...]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in read_seed(CODE_LISTS_CSV):
        code = row["code"].strip()
        if row.get("allow_prefix", "").strip().lower() == "true":
            code = f"{code}…（“{code}”后写明具体名称）"
        out[(row["dataset"].strip(), row["column_name"].strip())].append(code)
    return {k: tuple(v) for k, v in out.items()}


def allowed_values(dataset: str | None, column_name: str | None) -> str | None:
    """The code list of a field, in seed order, joined with ； (a code may itself hold 、; None when the field has
    no code list)."""
    if not column_name:
        return None
    lists = _code_lists()
    codes = [*lists.get(("all", column_name), ()), *lists.get((dataset or "", column_name), ())]
    return "；".join(codes) if codes else None


@lru_cache(maxsize=None)
def deadline_rule_zh() -> str:
    """The 整改时限 rule in words, as the seed states it (the rows in force; one today)."""
    rows = read_seed(DEADLINES_CSV)
    texts = [r["description_zh"].strip() for r in rows if r.get("description_zh", "").strip()]
    return "；".join(dict.fromkeys(texts))


def _total(progress: dict[str, Progress]) -> Progress | None:
    ps = list(progress.values())
    if not ps:
        return None
    return Progress("", "合计", ps[0].month, ps[0].cutoff_date,
                    *(sum(getattr(p, f) for p in ps) for f in
                      ("open_at_start", "opened", "closed", "withdrawn", "closed_late", "open", "carried_over",
                       "overdue")))


def progress_lines(md: MonthData) -> list[str]:
    """The 通报's sentences on 整改: the month's totals, the departments with overdue items (named), and the
    departments whose praise was withheld for them."""
    if not md.progress_available:
        return []
    mz = month_zh(md.month)
    tot = _total(md.progress)
    if tot is None:
        return [f"截至{mz}末，各部门没有未整改的暂缓公示记录。"]
    when = date_zh(tot.cutoff_date or md.cutoff) if (tot.cutoff_date or md.cutoff) else f"{mz}末"
    prev = _total(md.prev_progress)
    prev_rate = f"（上月{fmt_pct(prev.rate)}）" if prev is not None and prev.rate is not None else ""
    lines = [
        f"截至{when}，各部门月初未整改事项{fmt_int(tot.open_at_start)}项，本月新增{fmt_int(tot.opened)}项，"
        f"本月销项{fmt_int(tot.closed)}项（其中撤销{fmt_int(tot.withdrawn)}项），整改完成率{fmt_pct(tot.rate)}{prev_rate}；"
        f"仍未整改{fmt_int(tot.open)}项，其中以前月份结转{fmt_int(tot.carried_over)}项、逾期{fmt_int(tot.overdue)}项。"
        "各部门整改进展见表11。"
    ]
    overdue = md.overdue_departments
    if overdue:
        names = "、".join(f"{p.department_name}（{p.overdue}项）" for p in overdue)
        lines.append(f"以下{len(overdue)}个部门有超过整改时限仍未整改的事项：{names}，请于收到本通报后立即整改；"
                     "有逾期未整改事项的部门本月不予表扬。")
    else:
        lines.append("本月各部门没有逾期未整改的事项。")
    withheld = [d for d in md.departments if d.praise_withheld]
    if withheld:
        lines.append("其中" + "、".join(d.department_name for d in withheld)
                     + "本月报送质量达到表扬标准，因有逾期未整改事项，不予表扬。")
    return lines


def progress_table(md: MonthData) -> T.Table:
    """表: 各部门整改进展, most overdue first, with last month's 整改完成率 and a 合计 row."""
    ps = sorted(md.progress.values(), key=lambda p: (-p.overdue, -p.open, p.department))
    rows = []
    for p in ps:
        prev = md.prev_progress.get(p.department)
        rows.append([p.department, p.department_name, p.open_at_start, p.opened, p.closed, p.withdrawn, p.open,
                     p.carried_over, p.overdue, p.rate, prev.rate if prev else None])
    tot = _total(md.progress)
    if tot is not None:
        prev_tot = _total(md.prev_progress)
        rows.append(["", "合计", tot.open_at_start, tot.opened, tot.closed, tot.withdrawn, tot.open,
                     tot.carried_over, tot.overdue, tot.rate, prev_tot.rate if prev_tot else None])
    return T.Table(
        key="rectification_progress",
        sheet="整改进展",
        title="表11  各部门整改进展",
        columns=[
            T.Col("部门编码", "text", 14, pdf=False),
            T.Col("部门", "text", 34),
            T.Col("月初未整改（项）", "int", 15),
            T.Col("本月新增（项）", "int", 14),
            T.Col("本月销项（项）", "int", 14),
            T.Col("其中撤销（项）", "int", 14, pdf=False),
            T.Col("月末未整改（项）", "int", 15),
            T.Col("其中结转（项）", "int", 14),
            T.Col("逾期（项）", "int", 12),
            T.Col("整改完成率", "rate", 15),
            T.Col("上月整改完成率", "rate", 15),
        ],
        rows=rows,
        note=ITEM_DEFINITION_ZH + RATE_DEFINITION_ZH + OVERDUE_DEFINITION_ZH + "整改时限：" + deadline_rule_zh() + "。",
        row_styles=["criticise" if p.overdue else None for p in ps] + ([None] if tot is not None else []),
    )


__all__ = ["HELD_NOT_PUBLISHED_ZH", "HELD_ON_EVERY_PAGE_ZH", "allowed_values", "deadline_rule_zh", "progress_lines", "progress_table"]
