"""What the sample generator's stages share: the defect kinds and their default shares, the
department / sheet / file records, and small helpers (seeded random generators, date and amount
formats)."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from . import _vocab as V
from ._calendar import day_no, from_day_no
from ._seeds import Department


REGIME_SWITCH = date(2026, 4, 1)


LONG_TERM = date(2099, 12, 31)


DATASET_ZH = {"penalty": "行政处罚", "license": "行政许可"}


DATASET_PINYIN = {"penalty": "xzcf", "license": "xzxk"}


DEFAULT_SHARES: dict[str, float] = {
    # identifier / field defects: share of the eligible rows (see DEFECT_INFO)
    "uscc_bad_check": 0.004,
    "uscc_missing": 0.003,
    "uscc_fullwidth": 0.003,
    "uscc_lowercase": 0.002,
    "legacy_org_code_only": 0.003,
    "legacy_biz_reg_only": 0.002,
    "legacy_name_only": 0.002,
    "uscc_name_conflict": 0.001,
    "id_invalid": 0.03,
    "required_missing": 0.004,
    "bad_party_type": 0.002,
    "bad_penalty_category": 0.003,
    "bad_license_category": 0.003,
    "date_unparseable": 0.001,
    "decision_after_drop": 0.001,
    "valid_to_before_from": 0.002,
    "fine_in_yuan": 0.004,
    "negative_amount": 0.001,
    "formula_injection": 0.0005,
    # resubmissions: share of the dataset's rows
    "exact_resubmission": 0.01,
    "corrected_resubmission": 0.004,
    "license_revoked": 0.02,
    # timing: share of first-submission rows
    "late": 0.03,
    "late_boundary_day7": 0.002,
    "late_boundary_day8": 0.002,
    # files
    "xlsx_rows": 0.025,         # at most this share of rows in xlsx files (a few forced ones aside)
    "gbk_files": 0.12,          # of CSV files (besides the GBK department's)
    "bom_files": 0.10,          # of CSV files
    "two_sheet_drops": 0.04,    # of drops with both datasets
}


# kind: rule = breaks a field rule (record non-compliant); tolerated = passes after
# normalisation or is a content issue; conflict = counted in 重错码率, not a field rule;
# resubmission; feature = valid but special. ``of`` = the rows the share is taken of.
DEFECT_INFO: dict[str, dict[str, Any]] = {
    "uscc_bad_check": dict(kind="rule", datasets=["penalty", "license"], of="法人及非法人组织 and 个体工商户 rows",
                           column="uscc", what="USCC whose 18th (check) character is wrong"),
    "uscc_missing": dict(kind="rule", datasets=["penalty", "license"], of="法人及非法人组织 rows", column="uscc",
                         what="legal person without USCC and without any legacy code"),
    "uscc_fullwidth": dict(kind="tolerated", datasets=["penalty", "license"], of="法人/个体 rows", column="uscc",
                           what="full-width USCC, valid after NFKC"),
    "uscc_lowercase": dict(kind="tolerated", datasets=["penalty", "license"], of="法人/个体 rows", column="uscc",
                           what="lower-case USCC (one that contains letters), valid after upper-casing"),
    "legacy_org_code_only": dict(kind="rule", datasets=["penalty", "license"], of="法人及非法人组织 rows",
                                 column="org_code",
                                 what="USCC empty, 组织机构代码 = USCC positions 9-17 (with or without hyphen)"),
    "legacy_biz_reg_only": dict(kind="rule", datasets=["penalty", "license"], of="法人/个体 rows", column="biz_reg_no",
                                what="USCC empty, 15-digit 工商注册号 (ISO 7064 MOD 11,10 valid)"),
    "legacy_name_only": dict(kind="rule", datasets=["penalty", "license"], of="个体工商户 rows", column="party_name",
                             what="个体工商户 with no code at all, only a name"),
    "uscc_name_conflict": dict(kind="conflict", datasets=["penalty", "license"], of="法人/个体 rows",
                               column="party_name",
                               what="a valid USCC sent with a second, different name (one row per conflicting USCC; "
                                    "the USCCs are in code_conflict_usccs)"),
    "id_invalid": dict(kind="rule", datasets=["penalty", "license"], of="自然人 rows", column="id_no",
                       what="invalid 身份证 number: bad check character or impossible birth date"),
    "required_missing": dict(kind="rule", datasets=["penalty", "license"], of="all rows",
                             column="violation_facts|penalty_basis|penalty_content|license_content|license_doc_name",
                             what="a required field left empty"),
    "bad_party_type": dict(kind="rule", datasets=["penalty", "license"], of="all rows", column="party_type",
                           what="行政相对人类别 not one of the three values"),
    "bad_penalty_category": dict(kind="rule", datasets=["penalty"], of="penalty rows", column="penalty_category",
                                 what="处罚类别 not in the code list"),
    "bad_license_category": dict(kind="rule", datasets=["license"], of="license rows", column="license_category",
                                 what="许可类别 not in the code list"),
    "date_unparseable": dict(kind="rule", datasets=["penalty", "license"], of="all rows", column="decision_date",
                             what="decision date that cannot be read (2026-02-30, 待定, ...)"),
    "decision_after_drop": dict(kind="rule", datasets=["penalty", "license"], of="all rows", column="decision_date",
                                what="decision date 1-20 days after the drop date"),
    "valid_to_before_from": dict(kind="rule", datasets=["license"], of="license rows", column="valid_to",
                                 what="有效期至 before 有效期自"),
    "fine_in_yuan": dict(kind="rule", datasets=["penalty"], of="penalty rows with a fine", column="fine_amount",
                         what="罚款金额 given in yuan (>= 5000) where 万元 is expected; 处罚内容 states the yuan amount; "
                              "genuine fines are <= 200 万元"),
    "negative_amount": dict(kind="rule", datasets=["penalty"], of="penalty rows with a fine", column="fine_amount",
                            what="negative 罚款金额"),
    "formula_injection": dict(kind="tolerated", datasets=["penalty", "license"], of="all rows",
                              column="violation_facts|remarks",
                              what="cell starting with '=' (e.g. =HYPERLINK(...)); written as text, never as a formula"),
    "exact_resubmission": dict(kind="resubmission", datasets=["penalty", "license"], of="rows",
                               what="every field identical to a row the same department sent in an earlier drop "
                                    "(CSV only; encoding/header style may differ)"),
    "corrected_resubmission": dict(kind="resubmission", datasets=["penalty"], of="penalty rows",
                                   what="same 决定书文号 + party as an earlier row, different 罚款金额 and 处罚内容"),
    "license_revoked": dict(kind="resubmission", datasets=["license"], of="license rows",
                            what="earlier licence re-sent with 当前状态 撤销 (and 备注 changed)"),
    "multi_penalty_category": dict(kind="feature", datasets=["penalty"],
                                   what="several 处罚类别 in one field, separated by ; 、 or , (per separator in "
                                        "multi_penalty_category_sep_*)"),
    "penalty_category_split_2016": dict(kind="feature", datasets=["penalty"],
                                        what="2016-layout rows with a second category in 处罚类别2"),
    "warning_only_market": dict(kind="feature", datasets=["penalty"],
                                what="警告-only penalty from a market-regulation department"),
    "special_type_penalty": dict(kind="feature", datasets=["penalty"],
                                 what="违法行为类型 is 特种设备, 安全生产 or 消防"),
    "severity_filled": dict(kind="feature", datasets=["penalty"],
                            what="失信严重程度 given (severity_轻微/一般/严重 split it)"),
}


RULE_DEFECTS = [k for k, v in DEFECT_INFO.items() if v["kind"] == "rule"]


def _rng(seed: int, *parts: Any) -> np.random.Generator:
    key = [int(seed)] + [zlib.crc32(str(p).encode("utf-8")) for p in parts]
    return np.random.default_rng(key)


def _count(share: float, eligible: int) -> int:
    if share <= 0 or eligible <= 0:
        return 0
    return min(eligible, max(1, int(round(share * eligible))))


def _wan(yuan: np.ndarray) -> np.ndarray:
    """yuan (int) -> 万元 string without trailing zeros."""
    uniq, inv = np.unique(np.asarray(yuan, dtype=np.int64), return_inverse=True)
    out = []
    for y in uniq.tolist():
        i, f = divmod(abs(int(y)), 10000)
        s = f"{i}.{f:04d}".rstrip("0").rstrip(".") if f else str(i)
        out.append(("-" if y < 0 else "") + s)
    return np.array(out, dtype=object)[inv]


def _fmt_date(d: date, style: int) -> str:
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d.year}/{d.month}/{d.day}"
    if style == 2:
        return f"{d.year:04d}{d.month:02d}{d.day:02d}"
    return f"{d.year}年{d.month}月{d.day}日"


def render_dates(days: np.ndarray, styles: np.ndarray) -> np.ndarray:
    """day numbers (-1 = empty) + style codes -> date strings."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(len(days), "", dtype=object)
    ok = days >= 0
    if ok.any():
        key = days[ok] * 8 + np.asarray(styles)[ok]
        uniq, inv = np.unique(key, return_inverse=True)
        strs = np.array([_fmt_date(from_day_no(k // 8), int(k % 8)) for k in uniq], dtype=object)
        out[ok] = strs[inv]
    return out


def _add_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """day + N years - 1 day (N = 0 -> 2099-12-31)."""
    key = np.asarray(days, dtype=np.int64) * 16 + np.asarray(years)
    uniq, inv = np.unique(key, return_inverse=True)
    res = []
    for k in uniq:
        d, y = from_day_no(k // 16), int(k % 16)
        if y == 0:
            res.append(day_no(LONG_TERM))
            continue
        try:
            e = d.replace(year=d.year + y)
        except ValueError:
            e = d.replace(year=d.year + y, day=28)
        res.append(day_no(e) - 1)
    return np.array(res, dtype=np.int64)[inv]


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _pick(rng: np.random.Generator, items: list, weights: list[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(items), size=n, p=p / p.sum())


def _month(day: int) -> str:
    return from_day_no(day).strftime("%Y-%m")


@dataclass
class Dept:
    idx: int
    seed: Department
    profile: V.Profile
    full_name: str
    uscc: str
    uscc_source: str
    abbr: str
    area: str

    @property
    def code(self) -> str:
        return self.seed.code


@dataclass
class Sheet:
    file: int
    dataset: str
    slot: int
    offset: int            # first row in the dataset arrays
    rows: int
    name: str | None = None
    title: str | None = None
    header_style: str = "standard"
    columns: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    severity: bool = False
    disclosure: bool = False
    omit_empty_legacy: bool = False


@dataclass
class File:
    idx: int
    dept: int
    day: int
    fmt: str = "csv"
    encoding: str | None = "utf-8"
    newline: str = "\n"
    date_style: str = "iso"
    header_style: str = "standard"
    title: bool = False
    path: str = ""
    sheets: list[Sheet] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)


CSV_DATE_STYLES = {"iso": 0, "slash": 1, "compact": 2, "chinese": 3}


DATE_COLUMNS = {"decision_date", "valid_until", "disclosure_deadline", "valid_from", "valid_to"}


AMOUNT_COLUMNS = {"fine_amount", "confiscated_amount"}
