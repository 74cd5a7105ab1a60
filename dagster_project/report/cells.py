"""A report table's cells: columns, values with their kind, and how a value is shown (PDF/HTML) and written
(Excel). Every table of the 通报 is a :class:`Table` of these, built once and rendered by each writer."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .fmt import DASH, fmt_int, fmt_pct, fmt_pp
from .thresholds import pct_exact

# Column kinds: how a value is shown (PDF/HTML) and written (Excel).
#   text | int | rate (2 dp %) | rate3 (3 dp %) | ratex (% unrounded, for thresholds)
#   | pp (Δ in percentage points, 2 dp) | pp3 | num (shown as is)
PCT_DIGITS = {"rate": 2, "rate3": 3, "pp": 2, "pp3": 3}


@dataclass(frozen=True)
class Col:
    label: str
    kind: str = "text"
    width: float = 10.0  # relative PDF width
    pdf: bool = True  # shown in the PDF/HTML (Excel always has every column)


@dataclass(frozen=True)
class V:
    """A cell whose kind differs from its column's (e.g. the 总体情况 table)."""

    value: Any
    kind: str


@dataclass
class Table:
    key: str
    sheet: str  # Excel sheet name (Chinese, ≤ 31 chars)
    title: str
    columns: list[Col]
    rows: list[list[Any]]
    note: str = ""
    row_styles: list[str | None] = field(default_factory=list)  # "praise"/"criticise"/None

    def pdf_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.pdf]


def cell_kind(col: Col, value: Any) -> tuple[Any, str]:
    if isinstance(value, V):
        return value.value, value.kind
    return value, col.kind


def fmt_cell(col: Col, value: Any) -> str:
    value, kind = cell_kind(col, value)
    if value is None:
        return DASH
    if kind == "int":
        return fmt_int(value)
    if kind in ("rate", "rate3"):
        return fmt_pct(value, PCT_DIGITS[kind])
    if kind in ("pp", "pp3"):
        return fmt_pp(value, PCT_DIGITS[kind])
    if kind == "ratex":
        return pct_exact(Fraction(value))
    return str(value)


def excel_value(col: Col, value: Any) -> tuple[Any, str]:
    """(value for Excel, kind). Rates as floats 0-1; Δ as float percentage points."""
    value, kind = cell_kind(col, value)
    if value is None:
        return None, kind
    if kind in ("rate", "rate3", "ratex"):
        return float(Fraction(value)), kind
    if kind in ("pp", "pp3"):
        return float(Fraction(value) * 100), kind
    if kind == "int":
        return int(value), kind
    if kind == "num" and isinstance(value, Fraction):
        return float(value), kind
    return value, kind
