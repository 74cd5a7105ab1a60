"""Formatting of figures, the same everywhere (PDF, HTML); Excel gets the numbers."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from dagster_project.ingest.seeds import DUAL_DISCLOSURE_DATASETS, load_seeds

DASH = "—"

# The 双公示 datasets the 通报 measures, in seed order, with their Chinese names (seeds/datasets.csv)
DATASET_ZH = {d: load_seeds().label_zh(d) for d in DUAL_DISCLOSURE_DATASETS}
DATASET_ORDER = {d: i for i, d in enumerate(DUAL_DISCLOSURE_DATASETS)}
ISSUE_KIND_ZH = {"violation": "不合规", "late": "迟报"}


def dataset_zh(dataset: str) -> str:
    return DATASET_ZH.get(dataset, dataset)


def dataset_order_sql(column: str) -> str:
    """DATASET_ORDER as an SQL sort key (other datasets after them)."""
    whens = " ".join(f"when '{d}' then {i}" for d, i in DATASET_ORDER.items())
    return f"case {column} {whens} else {len(DATASET_ORDER)} end"


def _decimal(x: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return Decimal(x.numerator) / Decimal(x.denominator)


def round_half_up(x: Fraction, digits: int) -> Decimal:
    return _decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt_int(n: int | None) -> str:
    return DASH if n is None else f"{int(n):,}"


def fmt_pct(x: Fraction | float | None, digits: int = 2) -> str:
    """0.985 -> '98.50%'; None -> '—'. Half-up rounding, exact on fractions."""
    if x is None:
        return DASH
    return f"{round_half_up(Fraction(x) * 100, digits)}%"


def fmt_pp(x: Fraction | float | None, digits: int = 2) -> str:
    """A change in percentage points, signed: +1.20 / -0.35 / 0.00."""
    if x is None:
        return DASH
    d = round_half_up(Fraction(x) * 100, digits)
    if d == 0:
        return f"{abs(d)}"
    return f"{d:+}"


def month_zh(month: str) -> str:
    y, m = month.split("-")
    return f"{int(y)}年{int(m)}月"


def date_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def shift_month(month: str, delta: int) -> str:
    y, m = (int(p) for p in month.split("-"))
    idx = y * 12 + (m - 1) + delta
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"
