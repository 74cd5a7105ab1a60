"""The sample drop generator. See ``dagster_project.sample`` for the API and layout."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import _ids, _vocab as V
from ._calendar import WorkCalendar, day_no, from_day_no
from ._seeds import DATASETS, Department, Seeds, load_seeds
from ._write import _quote, csv_bytes, png_bytes, undecodable_bytes, write_xlsx
from .manifest import MANIFEST_NAME, ROWS_NAME, SampleManifest

REGIME_SWITCH = date(2026, 4, 1)
LONG_TERM = date(2099, 12, 31)
DATASET_ZH = {"penalty": "行政处罚", "license": "行政许可"}
DATASET_PINYIN = {"penalty": "xzcf", "license": "xzxk"}

# ---------------------------------------------------------------- shares

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


# ---------------------------------------------------------------- helpers

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


# ---------------------------------------------------------------- structures

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


class _Gen:
    def __init__(self, out_dir: Path, records: int, seed: int, start: date, end: date,
                 bad_files: bool, shares: Mapping[str, float] | None, seeds: Seeds | None):
        if records < 0:
            raise ValueError("records must be >= 0")
        if end < start:
            raise ValueError("end before start")
        unknown = set(shares or {}) - set(DEFAULT_SHARES)
        if unknown:
            raise ValueError(f"unknown shares: {sorted(unknown)}")
        self.out = Path(out_dir)
        self.records = int(records)
        self.seed = int(seed)
        self.start, self.end = start, end
        self.bad = bad_files
        self.shares = {**DEFAULT_SHARES, **(shares or {})}
        self.seeds = seeds or load_seeds()
        self.cal = WorkCalendar(start - timedelta(days=220), end + timedelta(days=31))
        self.timing: dict[str, float] = {}
        self._t = time.perf_counter()
        self.truth: list[tuple] = []          # (dataset, row, kind, detail, src_dataset_row or -1)
        self.defects: dict[str, dict[str, int]] = {ds: {} for ds in DATASETS}

    def rng(self, *parts: Any) -> np.random.Generator:
        return _rng(self.seed, *parts)

    def tick(self, name: str) -> None:
        now = time.perf_counter()
        self.timing[name] = round(now - self._t, 3)
        self._t = now

    # ============================================================ setup
    def setup_departments(self) -> None:
        depts = []
        for i, d in enumerate(self.seeds.departments):
            key = "market" if d.is_market_regulation else next(
                (k for kw, k in V.PROFILE_KEYWORDS if kw in d.name), "generic")
            prof = V.PROFILES[key]
            area = dict(V.DISTRICTS).get(d.district, V.CITY_AREA)
            if d.seed_uscc:
                uscc, src = d.seed_uscc, "seed"
            else:
                h = hashlib.sha256(("dept:" + d.code).encode()).digest()
                body = "".join(str(b % 10) for b in h[:8])
                org = body + _ids.org_code_check_char(body)
                first = "11" + area + org
                uscc, src = first + _ids.uscc_check_char(first), "generated"
            abbr = V.DEPT_ABBR.get(d.code) or ("大" + prof.abbr if prof.abbr.endswith("罚") else "大" + prof.abbr + "罚")
            depts.append(Dept(i, d, prof, V.CITY_FULL + d.name, uscc, src, abbr, area))
        self.depts = depts
        rng = self.rng("roles")
        pen = [d for d in depts if "penalty" in d.seed.datasets]
        # the 2016-layout department: a non-market department that reports both datasets, preferring
        # ordinary ones (not the safety/fire departments that carry the special types)
        c2016 = [d for d in pen if not d.seed.is_market_regulation and len(d.seed.datasets) == 2
                 and d.profile.key not in ("emergency", "fire")] or pen
        self.dept2016 = c2016[int(rng.integers(len(c2016)))].idx if c2016 else None
        rest = [d for d in pen if d.idx != self.dept2016]
        ns = max(1, len(rest) // 3) if rest else 0
        sev = sorted(rng.choice(len(rest), size=ns, replace=False).tolist()) if ns else []
        self.severity_depts = {rest[k].idx for k in sev}
        others = [d for d in depts if d.idx != self.dept2016]
        self.gbk_dept = others[int(rng.integers(len(others)))].idx if others else None

    # ============================================================ drops, slots, allocation
    def setup_drops(self) -> None:
        s0, e0 = day_no(self.start), day_no(self.end)
        slots = []   # (dept, ds, day)
        for d in self.depts:
            if not d.seed.datasets:
                continue
            r = self.rng("drops", d.code)
            sched = s0 + int(r.integers(0, 7))
            last = -1
            while sched <= e0:
                wd = self.cal.next_workday(max(sched, last + 1))
                if wd > e0:
                    break
                last = wd
                for ds in DATASETS:
                    if ds in d.seed.datasets and d.seed.expected_from[ds] <= from_day_no(wd):
                        slots.append((d.idx, DATASETS.index(ds), wd))
                step = 7 + int(r.choice([-1, 0, 0, 0, 0, 1]))
                if r.random() < 0.06:
                    step += 7
                sched += step
        slots.sort()
        # planted 漏报: one expected pair, one month strictly inside the range
        months = sorted({_month(x[2]) for x in slots})
        inner = months[1:-1]
        r = self.rng("missing")
        self.planted_missing = None
        cands = sorted({(x[0], x[1], _month(x[2])) for x in slots if _month(x[2]) in inner})
        if cands:
            dp, dsi, mo = cands[int(r.integers(len(cands)))]
            # prefer a month that also has neighbours for the pair (always true inside the range)
            self.planted_missing = dict(department=self.depts[dp].code, dataset=DATASETS[dsi], month=mo)
            slots = [x for x in slots if not (x[0] == dp and x[1] == dsi and _month(x[2]) == mo)]
        self.slot_dept = np.array([x[0] for x in slots], dtype=np.int64)
        self.slot_ds = np.array([x[1] for x in slots], dtype=np.int64)
        self.slot_day = np.array([x[2] for x in slots], dtype=np.int64)
        self.months = months
        # allocation
        n = len(slots)
        counts = np.zeros(n, dtype=np.int64)
        if n and self.records:
            r = self.rng("alloc")
            size = np.array([self.depts[x[0]].profile.size * (1.0 if self.depts[x[0]].seed.district in ("", "市本级") else 0.45)
                             * (1.0 if x[1] == 0 else 1.1) for x in slots])
            w = size * r.gamma(2.0, 0.5, size=n)
            groups: dict[tuple, list[int]] = {}
            for i, x in enumerate(slots):
                groups.setdefault((x[0], x[1], _month(x[2])), []).append(i)
            rest = self.records
            if self.records >= len(groups):
                for key in sorted(groups):
                    g = groups[key]
                    counts[g[int(r.integers(len(g)))]] += 1
                rest -= len(groups)
            counts += r.multinomial(rest, w / w.sum())
        self.slot_rows = counts

    # ============================================================ files
    def setup_files(self) -> None:
        r = self.rng("files")
        sh = self.shares
        by_drop: dict[tuple[int, int], list[int]] = {}
        for i in np.flatnonzero(self.slot_rows > 0):
            by_drop.setdefault((int(self.slot_dept[i]), int(self.slot_day[i])), []).append(int(i))
        drops = sorted(by_drop)
        budget = int(self.records * sh["xlsx_rows"])
        used = 0
        # two-sheet workbooks: among drops with both datasets, the smaller ones
        both = [k for k in drops if len(by_drop[k]) == 2]
        two: set[tuple[int, int]] = set()
        if both and sh["two_sheet_drops"] > 0:
            want = _count(sh["two_sheet_drops"], len(both))
            sizes = np.array([self.slot_rows[by_drop[k]].sum() for k in both])
            order = np.argsort(sizes, kind="stable")
            pool = [both[k] for k in order[: max(want, len(both) // 3)]]
            perm = r.permutation(len(pool))
            for k in perm:
                key = pool[k]
                rows = int(self.slot_rows[by_drop[key]].sum())
                if len(two) < want and (used + rows <= budget or not two):
                    two.add(key)
                    used += rows
        files: list[File] = []
        for key in drops:
            dp, day = key
            if key in two:
                f = File(len(files), dp, day, fmt="xlsx", encoding=None)
                f.sheets = [Sheet(f.idx, DATASETS[self.slot_ds[s]], s, 0, int(self.slot_rows[s])) for s in by_drop[key]]
                files.append(f)
            else:
                for s in by_drop[key]:
                    f = File(len(files), dp, day)
                    f.sheets = [Sheet(f.idx, DATASETS[self.slot_ds[s]], s, 0, int(self.slot_rows[s]))]
                    files.append(f)
        # single-sheet xlsx within the budget; at least three (title / date cells / serials)
        singles = [f for f in files if f.fmt == "csv"]
        by_size = sorted(singles, key=lambda f: (f.rows, f.idx))
        forced = by_size[:3] if len(by_size) > 6 else by_size[:1]
        for f in forced:
            f.fmt, f.encoding = "xlsx", None
            used += f.rows
        for k in r.permutation(len(singles)):
            f = singles[k]
            if f.fmt == "csv" and r.random() < 0.25 and used + f.rows <= budget:
                f.fmt, f.encoding = "xlsx", None
                used += f.rows
        xl = [f for f in files if f.fmt == "xlsx"]
        for f in xl:
            f.title = bool(r.random() < 0.4)
            f.date_style = str(r.choice(["date_cells", "serial", "text"], p=[0.4, 0.3, 0.3]))
        xs = [f for f in xl if len(f.sheets) == 1] or xl
        if xs:
            xs[0].title = True
            xs[0].date_style = "date_cells"
            if len(xs) > 1:
                xs[1].date_style = "serial"
            if len(xs) > 2:
                xs[2].date_style, xs[2].title = "text", False
        # CSV encodings
        csvs = [f for f in files if f.fmt == "csv"]
        for f in csvs:
            u = r.random()
            if f.dept == self.gbk_dept or u < sh["gbk_files"]:
                f.encoding = "gbk"
            elif u < sh["gbk_files"] + sh["bom_files"]:
                f.encoding = "utf-8-sig"
            f.date_style = str(r.choice(["iso", "slash", "compact", "chinese", "mixed"],
                                        p=[0.4, 0.25, 0.12, 0.1, 0.13]))
        if csvs and not any(f.encoding == "gbk" for f in csvs):
            csvs[len(csvs) // 2].encoding = "gbk"
        if csvs and not any(f.encoding == "utf-8-sig" for f in csvs):
            cand = [f for f in csvs if f.encoding == "utf-8"] or csvs
            cand[len(cand) // 3].encoding = "utf-8-sig"
        for f in csvs:
            f.newline = "\r\n" if f.encoding in ("gbk", "utf-8-sig") else "\n"
        # header styles, sheet options, names
        styles = ["standard", "spaces", "brackets", "star", "aliases"]
        for f in files:
            dept = self.depts[f.dept]
            f.header_style = "layout2016" if f.dept == self.dept2016 else str(
                r.choice(styles, p=[0.55, 0.12, 0.11, 0.11, 0.11]))
            omit = bool(r.random() < 0.25) and f.header_style != "layout2016"
            d = from_day_no(f.day)
            for s in f.sheets:
                s.header_style = f.header_style
                s.severity = s.dataset == "penalty" and f.dept in self.severity_depts and d >= REGIME_SWITCH
                s.disclosure = s.dataset == "penalty" and bool(r.random() < 0.5)
                s.omit_empty_legacy = omit
                s.columns = self.seeds.columns(s.dataset, layout_2016=f.header_style == "layout2016",
                                               severity=s.severity, omit_empty_legacy=omit)
                s.labels = self.seeds.header_labels(s.dataset, s.columns, f.header_style,
                                                    self.rng("labels", f.idx, s.dataset))
                if f.fmt == "xlsx":
                    s.name = DATASET_ZH[s.dataset] if len(f.sheets) > 1 else str(r.choice(["Sheet1", DATASET_ZH[s.dataset] + "信息"]))
                    if f.title:
                        s.title = f"{dept.full_name}{d.year}年{d.month}月{DATASET_ZH[s.dataset]}信息"
            f.path = self._file_name(f, r)
        self.files = files
        # rows: datasets ordered by slot (dept, day)
        self.sheets_by_ds: dict[str, list[Sheet]] = {ds: [] for ds in DATASETS}
        for f in files:
            for s in f.sheets:
                self.sheets_by_ds[s.dataset].append(s)
        for ds in DATASETS:
            lst = sorted(self.sheets_by_ds[ds], key=lambda s: s.slot)
            off = 0
            for s in lst:
                s.offset = off
                off += s.rows
            self.sheets_by_ds[ds] = lst

    def _file_name(self, f: File, r: np.random.Generator) -> str:
        dept = self.depts[f.dept]
        d = from_day_no(f.day)
        ymd = d.strftime("%Y%m%d")
        folder = f"{dept.code}/{d.isoformat()}/"
        if len(f.sheets) > 1:
            return folder + str(r.choice([f"双公示数据_{ymd}.xlsx", f"{dept.full_name}双公示信息{d.year}年{d.month}月{d.day}日.xlsx"]))
        ds = f.sheets[0].dataset
        zh, py = DATASET_ZH[ds], DATASET_PINYIN[ds]
        ext = "xlsx" if f.fmt == "xlsx" else "csv"
        opts = [f"{dept.full_name}_{zh}_{ymd}.{ext}", f"{py}_{dept.code}_{ymd}.{ext}",
                f"{zh}信息公示数据{d.year}年{d.month}月{d.day}日.{ext}", f"{zh}{ymd}.{ext}"]
        if f.fmt == "xlsx" and f.title:
            opts.append(f"{dept.full_name}{d.year}年{d.month}月{zh}信息.{ext}")
        return folder + str(r.choice(opts))

    # ============================================================ population
    def setup_population(self) -> None:
        r = self.rng("population")
        n_org = max(40, int(self.records * 0.12))
        n_ind = max(30, int(self.records * 0.07))
        n_per = max(30, int(self.records * 0.06))
        n_alt = max(20, int(self.records * self.shares["uscc_name_conflict"] * 1.5) + 10)
        # --- companies (plus spare names for code conflicts)
        m = int((n_org + n_alt) * 1.25) + 50
        cities = V.COMPANY_CITIES
        ci = _pick(r, cities, [c[2] for c in cities], m)
        tc = np.array(V.TRADE_CHARS, dtype=object)
        trade = tc[r.integers(0, len(tc), m)] + tc[r.integers(0, len(tc), m)]
        ind = np.array(V.INDUSTRIES, dtype=object)[r.integers(0, len(V.INDUSTRIES), m)]
        suf = np.array([s for s, _ in V.COMPANY_SUFFIXES], dtype=object)[
            _pick(r, V.COMPANY_SUFFIXES, [w for _, w in V.COMPANY_SUFFIXES], m)]
        city = np.array([c[0] for c in cities], dtype=object)[ci]
        names = city + trade + ind + suf
        _, first = np.unique(names, return_index=True)
        keep = np.sort(first)
        if len(keep) < n_org + n_alt:
            raise RuntimeError("not enough distinct company names")
        keep = keep[: n_org + n_alt]
        org_names, alt_names = names[keep[:n_org]], names[keep[n_org:]]
        org_area = np.array([cities[c][1][int(r.integers(len(cities[c][1])))] for c in ci[keep[:n_org]]], dtype=object)
        # --- 个体工商户
        m2 = int(n_ind * 1.3) + 50
        di = r.integers(0, len(V.DISTRICTS), m2)
        dname = np.array([x[0] for x in V.DISTRICTS], dtype=object)[di]
        sur = np.array(V.SURNAMES, dtype=object)
        mark = np.where(r.random(m2) < 0.5, sur[r.integers(0, len(sur), m2)] + "记",
                        tc[r.integers(0, len(tc), m2)] + tc[r.integers(0, len(tc), m2)])
        shop = np.array(V.SHOP_KINDS, dtype=object)[r.integers(0, len(V.SHOP_KINDS), m2)]
        prefix = np.where(r.random(m2) < 0.3, V.CITY_FULL, "")
        inames = prefix + dname + mark + shop
        _, first = np.unique(inames, return_index=True)
        keep2 = np.sort(first)
        if len(keep2) < n_ind:   # extremely unlikely; pad with numbered names
            extra = np.array([f"{V.CITY_FULL}个体商户{i}号" for i in range(n_ind - len(keep2))], dtype=object)
            ind_names = np.concatenate([inames[keep2], extra])
            ind_area = np.concatenate([np.array([x[1] for x in V.DISTRICTS], dtype=object)[di[keep2]],
                                       np.full(len(extra), V.CITY_AREA, dtype=object)])
        else:
            keep2 = keep2[:n_ind]
            ind_names = inames[keep2]
            ind_area = np.array([x[1] for x in V.DISTRICTS], dtype=object)[di[keep2]]
        ind_names = ind_names[:n_ind]
        ind_area = ind_area[:n_ind]
        # --- codes for both
        bodies = _ids.make_org_bodies(r, n_org + n_ind)
        pre = np.concatenate([np.array(["91" + a for a in org_area], dtype=object),
                              np.array(["92" + a for a in ind_area], dtype=object)])
        uscc, org = _ids.make_usccs(pre, bodies)
        biz = _ids.make_biz_reg(r, np.concatenate([org_area, ind_area]))
        # --- people: legal reps / operators and natural persons
        reps = self._person_names(r, n_org + n_ind)
        per_names = self._person_names(r, n_per)
        areas = V.PERSON_AREAS
        w = np.array([3.0 if i < V.PERSON_AREA_LOCAL else 0.5 for i in range(len(areas))])
        ai = r.choice(len(areas), size=n_per, p=w / w.sum())
        lo = np.maximum(1960, np.array([areas[i][1] for i in ai]))
        by = lo + (r.random(n_per) * (2006 - lo + 1)).astype(int)
        birth = (np.array([f"{y}-01-01" for y in by], dtype="datetime64[D]")
                 + r.integers(0, 365, n_per).astype("timedelta64[D]"))
        ids = _ids.make_ric(r, np.array([areas[i][0] for i in ai], dtype=object), birth)
        # --- global entity table: kinds 0 法人, 1 个体, 2 自然人
        self.kind_off = np.array([0, n_org, n_org + n_ind])
        self.kind_n = np.array([n_org, n_ind, n_per])
        N = n_org + n_ind + n_per
        empty = np.full(n_per, "", dtype=object)
        self.e_name = np.concatenate([org_names, ind_names, per_names])
        self.e_uscc = np.concatenate([uscc, empty])
        self.e_org = np.concatenate([org, empty])
        self.e_biz = np.concatenate([biz, empty])
        self.e_rep = np.concatenate([reps, empty])
        self.e_id = np.concatenate([np.full(n_org + n_ind, "", dtype=object), ids])
        self.e_letter = (~np.char.isdigit(self.e_uscc.astype("U18"))) & (self.e_uscc != "")
        self.e_kind = np.repeat(np.arange(3), self.kind_n)
        self.alt_names = alt_names
        assert len(self.e_name) == N

    @staticmethod
    def _person_names(r: np.random.Generator, n: int) -> np.ndarray:
        sur = np.array(V.SURNAMES, dtype=object)
        gv = np.array(V.GIVEN_CHARS, dtype=object)
        two = r.random(n) < 0.7
        g2 = np.where(two, gv[r.integers(0, len(gv), n)], "")
        return sur[r.integers(0, len(sur), n)] + gv[r.integers(0, len(gv), n)] + g2

    # ============================================================ rows
    def build_rows(self, ds: str) -> dict[str, Any]:
        r = self.rng("rows", ds)
        sheets = self.sheets_by_ds[ds]
        n = sum(s.rows for s in sheets)
        R: dict[str, Any] = {"n": n}
        sheet_of = np.repeat(np.arange(len(sheets)), [s.rows for s in sheets]).astype(np.int64)
        R["sheet_of"] = sheet_of
        R["sheets"] = sheets
        dept = np.array([self.slot_dept[s.slot] for s in sheets], dtype=np.int64)[sheet_of] if n else np.zeros(0, np.int64)
        drop = np.array([self.slot_day[s.slot] for s in sheets], dtype=np.int64)[sheet_of] if n else np.zeros(0, np.int64)
        is_csv = np.array([self.files[s.file].fmt == "csv" for s in sheets], dtype=bool)[sheet_of] if n else np.zeros(0, bool)
        R.update(dept=dept, drop=drop, is_csv=is_csv)
        # party kind and entity
        kind = np.zeros(n, dtype=np.int64)
        u = r.random(n)
        for d in self.depts:
            m = dept == d.idx
            if not m.any():
                continue
            p = np.array(d.profile.penalty_parties if ds == "penalty" else d.profile.license_parties, dtype=float)
            c = np.cumsum(p / p.sum())
            kind[m] = (u[m] > c[0]).astype(np.int64) + (u[m] > c[1]).astype(np.int64)
        if ds == "license":
            # natural persons only where a licence kind allows them
            for d in self.depts:
                if not any(k.person for k in d.profile.licences):
                    kind[(dept == d.idx) & (kind == 2)] = 0
        N = self.kind_n[kind]
        hot = np.maximum(1, (N * 0.05).astype(np.int64))
        idx = np.where(r.random(n) < 0.4, (r.random(n) * hot).astype(np.int64), (r.random(n) * N).astype(np.int64))
        gid = self.kind_off[kind] + idx
        R.update(kind=kind, gid=gid)
        if ds == "penalty":
            self._penalty_content(R, r)
        else:
            self._license_content(R, r)
        return R

    def _penalty_content(self, R: dict, r: np.random.Generator) -> None:
        n, dept = R["n"], R["dept"]
        # global violation / pattern tables
        vio_tab: list[tuple[Dept, V.Violation]] = []
        pat_tab: list[tuple[int, tuple[str, ...]]] = []      # (violation index, categories)
        vio = np.zeros(n, dtype=np.int64)
        pat = np.zeros(n, dtype=np.int64)
        for d in self.depts:
            m = np.flatnonzero(dept == d.idx)
            base_v = len(vio_tab)
            vs = d.profile.violations
            for v in vs:
                vio_tab.append((d, v))
            if not len(m):
                for k, v in enumerate(vs):
                    for cats, _ in v.categories:
                        pat_tab.append((base_v + k, cats))
                continue
            vk = _pick(r, vs, [v.weight for v in vs], len(m))
            vio[m] = base_v + vk
            for k, v in enumerate(vs):
                mk = m[vk == k]
                base_p = len(pat_tab)
                for cats, _ in v.categories:
                    pat_tab.append((base_v + k, cats))
                if len(mk):
                    pat[mk] = base_p + _pick(r, v.categories, [w for _, w in v.categories], len(mk))
        R.update(vio=vio, pat=pat, vio_tab=vio_tab, pat_tab=pat_tab)
        has_fine = np.array(["罚款" in c for _, c in pat_tab], dtype=bool)[pat] if n else np.zeros(0, bool)
        has_conf = np.array(["没收违法所得" in c for _, c in pat_tab], dtype=bool)[pat] if n else np.zeros(0, bool)
        lo = np.array([vio_tab[v][1].fine_yuan[0] for v in range(len(vio_tab))], dtype=float)[vio] if n else np.zeros(0)
        hi = np.array([vio_tab[v][1].fine_yuan[1] for v in range(len(vio_tab))], dtype=float)[vio] if n else np.zeros(0)
        fine = np.exp(np.log(lo) + r.random(n) * (np.log(hi) - np.log(lo)))
        fine = np.where(fine >= 10000, np.round(fine / 1000) * 1000, np.round(fine / 100) * 100).astype(np.int64)
        fine = np.where(has_fine, np.maximum(fine, 100), 0)
        conf = (np.round(np.exp(np.log(300) + r.random(n) * np.log(200)) / 10) * 10).astype(np.int64)
        conf = np.where(has_conf, conf, 0)
        R.update(has_fine=has_fine, fine=fine, conf=conf)
        ncat = np.array([len(c) for _, c in pat_tab], dtype=np.int64)[pat] if n else np.zeros(0, np.int64)
        R["sep"] = np.where(ncat > 1, r.integers(0, len(V.CATEGORY_SEPARATORS), n), -1)
        R["sev_u"] = r.random(n)
        R["facts_k"] = r.integers(0, 8, n)
        R["remark_k"] = r.integers(0, len(V.REMARKS), n)

    def _license_content(self, R: dict, r: np.random.Generator) -> None:
        n, dept, kind = R["n"], R["dept"], R["kind"]
        tab: list[tuple[Dept, V.LicenceKind]] = []
        lk = np.zeros(n, dtype=np.int64)
        for d in self.depts:
            base = len(tab)
            ks = d.profile.licences
            tab.extend((d, k) for k in ks)
            m = np.flatnonzero(dept == d.idx)
            if not len(m) or not ks:
                continue
            pers = kind[m] == 2
            allk = _pick(r, ks, [k.weight for k in ks], len(m))
            pk = [i for i, k in enumerate(ks) if k.person]
            if pk and pers.any():
                allk[pers] = np.array(pk)[_pick(r, pk, [ks[i].weight for i in pk], int(pers.sum()))]
            lk[m] = base + allk
        R.update(lk=lk, lk_tab=tab)
        R["content_k"] = r.integers(0, 4, n)
        R["from_lag"] = np.where(r.random(n) < 0.7, 0, r.integers(1, 4, n))
        R["no_as_decision"] = r.random(n) < 0.2
        R["remark_k"] = r.integers(0, len(V.LICENSE_REMARKS), n)

    # ============================================================ resubmissions
    def choose_resubmissions(self, ds: str, R: dict) -> None:
        """Pick resubmission targets (later CSV rows) and their sources (earlier CSV rows of the
        same department, clean, each used once)."""
        n = R["n"]
        r = self.rng("resub", ds)
        R["target"] = np.full(n, -1, dtype=np.int64)      # source row of a resubmission target
        R["target_kind"] = np.full(n, "", dtype=object)
        R["is_source"] = np.zeros(n, dtype=bool)
        if not n:
            return
        dept, drop, csvm = R["dept"], R["drop"], R["is_csv"]
        kinds = [("exact_resubmission", None)]
        if ds == "penalty":
            kinds.append(("corrected_resubmission", R["has_fine"]))
        else:
            kinds.append(("license_revoked", None))
        csv_rows = np.flatnonzero(csvm)                  # ordered by (dept, drop day)
        if not len(csv_rows):
            return
        big = np.int64(1 << 20)
        key = dept[csv_rows] * big + drop[csv_rows]
        lo_all = np.searchsorted(key, dept[csv_rows] * big, "left")
        hi_all = np.searchsorted(key, key, "left")       # CSV rows of the department with an earlier drop
        has_earlier = hi_all > lo_all
        for name, src_ok in kinds:
            want = _count(self.shares[name], n)
            made = 0
            for _round in range(8):
                if made >= want:
                    break
                free = has_earlier & (R["target"][csv_rows] < 0) & ~R["is_source"][csv_rows]
                cpos = np.flatnonzero(free)
                if not len(cpos):
                    break
                take = min(len(cpos), int((want - made) * 1.5) + 4)
                tpos = r.choice(cpos, size=take, replace=False)
                spos = lo_all[tpos] + (r.random(take) * (hi_all[tpos] - lo_all[tpos])).astype(np.int64)
                t, s = csv_rows[tpos], csv_rows[spos]
                ok = (R["target"][s] < 0) & ~R["is_source"][s] & (R["target"][t] < 0) & ~R["is_source"][t]
                if src_ok is not None:
                    ok &= src_ok[s]
                t, s = t[ok], s[ok]
                # each source and target once, and no row both
                _, first = np.unique(s, return_index=True)
                t, s = t[np.sort(first)], s[np.sort(first)]
                _, first = np.unique(t, return_index=True)
                t, s = t[np.sort(first)], s[np.sort(first)]
                both = np.isin(t, s) | np.isin(s, t)
                t, s = t[~both], s[~both]
                t, s = t[: want - made], s[: want - made]
                R["target"][t] = s
                R["target_kind"][t] = name
                R["is_source"][s] = True
                made += len(t)

    # ============================================================ timing
    def choose_timing(self, ds: str, R: dict) -> None:
        n = R["n"]
        r = self.rng("timing", ds)
        free = np.flatnonzero(R["target"] < 0)
        cls = np.zeros(n, dtype=np.int64)     # 0 normal, 1 late, 2 boundary day 7 (on time), 3 day 8 (late)
        perm = r.permutation(free)
        a = _count(self.shares["late"], len(free))
        b = _count(self.shares["late_boundary_day7"], len(free))
        c = _count(self.shares["late_boundary_day8"], len(free))
        cls[perm[:a]] = 1
        cls[perm[a:a + b]] = 2
        cls[perm[a + b:a + b + c]] = 3
        j = r.choice(np.arange(1, 7), size=n, p=[0.12, 0.26, 0.24, 0.18, 0.12, 0.08])
        late_j = 9 + np.minimum(r.geometric(0.08, size=n) - 1, 50)
        j = np.where(cls == 1, late_j, j)
        j = np.where(cls == 2, 7, j)
        j = np.where(cls == 3, 8, j)
        pos = self.cal.workday_pos(R["drop"])
        R["decision"] = self.cal.workdays[pos - j] if n else np.zeros(0, np.int64)
        R["timing"] = cls

    # ============================================================ strings
    def render(self, ds: str, R: dict) -> dict[str, np.ndarray]:
        n = R["n"]
        r = self.rng("render", ds)
        sheets = R["sheets"]
        sheet_of = R["sheet_of"]
        dept, kind, gid = R["dept"], R["kind"], R["gid"]
        C: dict[str, np.ndarray] = {}
        E = lambda: np.full(n, "", dtype=object)  # noqa: E731
        # date style per row
        fst = []
        for s in sheets:
            f = self.files[s.file]
            if f.fmt == "xlsx":
                fst.append(0 if f.date_style in ("date_cells", "serial") else (1 if f.idx % 2 else 3))
            else:
                fst.append(CSV_DATE_STYLES.get(f.date_style, -1))
        fst = np.array(fst, dtype=np.int64)[sheet_of] if n else np.zeros(0, np.int64)
        R["style"] = np.where(fst < 0, r.integers(0, 4, n), fst)
        style = R["style"]
        # party
        C["party_name"] = self.e_name[gid]
        C["party_type"] = np.array(V.PARTY_TYPES, dtype=object)[kind]
        C["uscc"] = self.e_uscc[gid]
        C["legal_rep"] = self.e_rep[gid]
        C["id_type"] = np.where(kind == 2, "身份证", "").astype(object)
        C["id_no"] = self.e_id[gid]
        dn = np.array([d.full_name for d in self.depts], dtype=object)
        du = np.array([d.uscc for d in self.depts], dtype=object)
        C["source_unit"] = dn[dept]
        C["source_unit_uscc"] = du[dept]
        C["authority"] = dn[dept]
        C["authority_uscc"] = du[dept]
        C["status"] = np.full(n, "正常", dtype=object)
        dec = R["decision"]
        year = (dec.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) if n else np.zeros(0, np.int64)
        # sequence number per (department, year) in decision-date order
        key = dept * 10000 + year
        order = np.lexsort((np.arange(n), dec, key))
        seq = np.zeros(n, dtype=np.int64)
        if n:
            ks = key[order]
            startpos = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
            grp = np.repeat(startpos, np.diff(np.r_[startpos, n]))
            seq[order] = np.arange(n) - grp + 1
        seq_s = seq.astype(str).astype(object)
        year_s = year.astype(str).astype(object)
        C["decision_date"] = render_dates(dec, style)
        if ds == "penalty":
            self._render_penalty(R, C, r, year_s, seq_s, E)
        else:
            self._render_license(R, C, r, year_s, seq, seq_s, E)
        return C

    def _render_penalty(self, R, C, r, year_s, seq_s, E) -> None:
        n, dept, dec, style = R["n"], R["dept"], R["decision"], R["style"]
        vio_tab, pat_tab, vio, pat = R["vio_tab"], R["pat_tab"], R["vio"], R["pat"]
        abbr = np.array([d.abbr for d in self.depts], dtype=object)
        C["decision_no"] = abbr[dept] + "〔" + year_s + "〕" + seq_s + "号"
        C["violation_type"] = np.array([v.vtype for _, v in vio_tab], dtype=object)[vio] if n else E()
        C["penalty_basis"] = np.array([v.basis for _, v in vio_tab], dtype=object)[vio] if n else E()
        facts = E()
        names = C["party_name"]
        for vi, (_, v) in enumerate(vio_tab):
            m = np.flatnonzero(vio == vi)
            if not len(m):
                continue
            tk = R["facts_k"][m] % len(v.facts)
            for t, tpl in enumerate(v.facts):
                mt = m[tk == t]
                pre, _, post = tpl.partition("{name}")
                facts[mt] = pre + names[mt] + post
        C["violation_facts"] = facts
        # categories and content
        in2016 = dept == self.dept2016 if self.dept2016 is not None else np.zeros(n, bool)
        cat = E()
        cat2 = E()
        content = E()
        seps = np.array(V.CATEGORY_SEPARATORS, dtype=object)
        fine_y, conf_y = R["fine"], R["conf"]
        self._pat_text = []
        for pi, (vi, cats) in enumerate(pat_tab):
            lic = vio_tab[vi][1].licence
            tpl = "，".join(V.CATEGORY_TEXT[c] for c in cats).replace("{lic}", lic)
            self._pat_text.append(tpl)
            m = np.flatnonzero(pat == pi)
            if not len(m):
                continue
            if len(cats) == 1:
                cat[m] = cats[0]
            else:
                mm = m[~in2016[m]]
                for si, sp in enumerate(seps):
                    ms = mm[R["sep"][mm] == si]
                    cat[ms] = sp.join(cats)
                m6 = m[in2016[m]]
                cat[m6] = cats[0]
                cat2[m6] = "、".join(cats[1:])
            if "{f}" in tpl or "{c}" in tpl:
                content[m] = [tpl.format(f=f, c=c) for f, c in zip(fine_y[m].tolist(), conf_y[m].tolist())]
            else:
                content[m] = tpl
        C["penalty_category"] = cat
        C["penalty_category_2"] = cat2
        C["penalty_content"] = content
        fa = E()
        hf = np.flatnonzero(R["has_fine"])
        fa[hf] = _wan(fine_y[hf])
        C["fine_amount"] = fa
        ca = E()
        hc = np.flatnonzero(conf_y > 0)
        ca[hc] = _wan(conf_y[hc])
        C["confiscated_amount"] = ca
        sus = E()
        pc = [i for i, (_, c) in enumerate(pat_tab) if "吊销许可证" in c or "暂扣许可证" in c]
        ms = np.flatnonzero(np.isin(pat, pc))
        if len(ms):
            nums = r.integers(10**9, 10**10, len(ms))
            lic = np.array([vio_tab[vio[i]][1].licence for i in ms], dtype=object)
            sus[ms] = lic + "（" + np.array([f"{self.depts[dept[i]].area}{x}" for i, x in zip(ms, nums)], dtype=object) + "）"
        C["license_suspended"] = sus
        # dates: 处罚有效期, 公示截止期, 失信严重程度
        long_cats = np.array([("吊销许可证" in c or "责令关闭" in c) for _, c in pat_tab], dtype=bool)[pat] if n else np.zeros(0, bool)
        valid = np.where(long_cats, day_no(LONG_TERM), dec + 365)
        C["valid_until"] = render_dates(valid, style)
        sheets, sheet_of = R["sheets"], R["sheet_of"]
        sev_sheet = np.array([s.severity for s in sheets], dtype=bool)[sheet_of] if n else np.zeros(0, bool)
        new_regime = dec >= day_no(REGIME_SWITCH)
        sev_levels = np.array([s for s, _ in V.SEVERITIES], dtype=object)
        cw = np.cumsum([w for _, w in V.SEVERITIES])
        sev_i = (R["sev_u"][:, None] > cw[None, :-1]).sum(axis=1) if n else np.zeros(0, np.int64)
        sev = E()
        has_sev = sev_sheet & new_regime
        sev[has_sev] = sev_levels[sev_i[has_sev]]
        C["severity"] = sev
        R["sev_i"] = np.where(has_sev, sev_i, 1)
        disc_sheet = np.array([s.disclosure for s in sheets], dtype=bool)[sheet_of] if n else np.zeros(0, bool)
        months = np.where(new_regime, np.array([3, 12, 36])[R["sev_i"]], 36)
        disc_days = dec + (months * 30.44).astype(np.int64)
        C["disclosure_deadline"] = np.where(disc_sheet, render_dates(disc_days, style), "").astype(object)
        C["penalty_name"] = np.where(in2016, names + C["violation_type"] + "案", "").astype(object)
        C["remarks"] = np.array(V.REMARKS, dtype=object)[R["remark_k"]]

    def _render_license(self, R, C, r, year_s, seq, seq_s, E) -> None:
        n, dept, dec, style = R["n"], R["dept"], R["decision"], R["style"]
        tab, lk = R["lk_tab"], R["lk"]
        abbr = np.array([d.abbr[:-1] + "许" if d.abbr.endswith("罚") else d.abbr + "许" for d in self.depts], dtype=object)
        prefix = np.array([k.no_prefix for _, k in tab], dtype=object)[lk] if n else E()
        yy = np.array([s[-2:] for s in year_s.tolist()], dtype=object) if n else E()
        area = np.array([d.area for d in self.depts], dtype=object)[dept]
        lic_no = prefix + area + yy + np.array([f"{x:06d}" for x in seq.tolist()], dtype=object)
        C["license_no"] = lic_no
        C["decision_no"] = np.where(R["no_as_decision"], lic_no, abbr[dept] + "〔" + year_s + "〕" + seq_s + "号").astype(object)
        C["license_doc_name"] = np.array([k.doc_name for _, k in tab], dtype=object)[lk] if n else E()
        C["license_category"] = np.array([k.category for _, k in tab], dtype=object)[lk] if n else E()
        C["certificate_name"] = np.array([k.cert_name for _, k in tab], dtype=object)[lk] if n else E()
        content = E()
        for i, (_, k) in enumerate(tab):
            m = np.flatnonzero(lk == i)
            if len(m):
                content[m] = np.array(k.contents, dtype=object)[R["content_k"][m] % len(k.contents)]
        C["license_content"] = content
        years = np.array([k.years for _, k in tab], dtype=np.int64)[lk] if n else np.zeros(0, np.int64)
        vf = dec + R["from_lag"]
        vt = _add_years(vf, years) if n else np.zeros(0, np.int64)
        R["valid_from"], R["valid_to"] = vf, vt
        C["valid_from"] = render_dates(vf, style)
        C["valid_to"] = render_dates(vt, style)
        C["remarks"] = np.array(V.LICENSE_REMARKS, dtype=object)[R["remark_k"]]

    # ============================================================ defects
    def plant_defects(self, ds: str, R: dict, C: dict) -> None:
        n = R["n"]
        r = self.rng("defects", ds)
        kind = R["kind"]
        taken = (R["target"] >= 0) | R["is_source"]
        R["defect"] = np.full(n, "", dtype=object)
        cnt = self.defects[ds]

        def choose(name: str, base: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
            """rows for defect ``name``: count from the share of ``base`` rows, drawn among the
            base rows still free (and matching ``extra``)."""
            k = _count(self.shares[name], int(base.sum()))
            ok = base & ~taken & (R["defect"] == "")
            if extra is not None:
                ok &= extra
            pool = np.flatnonzero(ok)
            k = min(k, len(pool))
            rows = np.sort(r.choice(pool, size=k, replace=False)) if k else np.zeros(0, np.int64)
            R["defect"][rows] = name
            cnt[name] = cnt.get(name, 0) + len(rows)
            return rows

        def note(rows, name, details):
            for i, d in zip(rows.tolist(), details):
                self.truth.append((ds, i, name, d, -1, ""))

        legal, indiv, person = kind == 0, kind == 1, kind == 2
        org_or_ind = legal | indiv
        normal_time = R["timing"] == 0
        alln = np.ones(n, dtype=bool)
        # --- identifiers
        rows = choose("uscc_bad_check", org_or_ind)
        det = []
        for i in rows.tolist():
            u = C["uscc"][i]
            v = (_ids.USCC_VALUE[u[17]] + 1 + int(r.integers(30))) % 31
            C["uscc"][i] = u[:17] + _ids.USCC_CHARS[v]
            det.append(f"{u[17]}->{C['uscc'][i][17]}")
        note(rows, "uscc_bad_check", det)
        rows = choose("uscc_missing", legal)
        C["uscc"][rows] = ""
        note(rows, "uscc_missing", [""] * len(rows))
        rows = choose("uscc_fullwidth", org_or_ind)
        C["uscc"][rows] = [_fullwidth(u) for u in C["uscc"][rows]]
        note(rows, "uscc_fullwidth", [""] * len(rows))
        rows = choose("uscc_lowercase", org_or_ind, self.e_letter[R["gid"]])
        C["uscc"][rows] = [u.lower() for u in C["uscc"][rows]]
        note(rows, "uscc_lowercase", [""] * len(rows))
        rows = choose("legacy_org_code_only", legal)
        hy = r.random(len(rows)) < 0.5
        oc = self.e_org[R["gid"][rows]]
        C.setdefault("org_code", np.full(n, "", dtype=object))
        C["org_code"][rows] = [o[:8] + "-" + o[8] if h else o for o, h in zip(oc, hy)]
        C["uscc"][rows] = ""
        note(rows, "legacy_org_code_only", ["hyphen" if h else "plain" for h in hy])
        rows = choose("legacy_biz_reg_only", org_or_ind)
        C.setdefault("biz_reg_no", np.full(n, "", dtype=object))
        C["biz_reg_no"][rows] = self.e_biz[R["gid"][rows]]
        C["uscc"][rows] = ""
        note(rows, "legacy_biz_reg_only", [""] * len(rows))
        rows = choose("legacy_name_only", indiv)
        C["uscc"][rows] = ""
        note(rows, "legacy_name_only", [""] * len(rows))
        rows = choose("id_invalid", person)
        det = []
        for i in rows.tolist():
            s = C["id_no"][i]
            if r.random() < 0.5:
                bad = [c for c in _ids.RIC_CHECK if c != s[17]]
                C["id_no"][i] = s[:17] + bad[int(r.integers(len(bad)))]
                det.append("check")
            else:
                first = s[:6] + s[6:10] + ("13" if r.random() < 0.5 else "02") + ("15" if r.random() < 0.5 else "30") + s[14:17]
                if first[10:12] == "02":
                    first = first[:12] + "30" + first[14:]
                C["id_no"][i] = first + _ids.ric_check_char(first)
                det.append("birth_date")
        note(rows, "id_invalid", det)
        # --- fields
        rows = choose("required_missing", alln)
        fields = (["violation_facts"] * 2 + ["penalty_basis", "penalty_content"]) if ds == "penalty" else \
            (["license_content"] * 3 + ["license_doc_name"] * 2)
        det = []
        for i in rows.tolist():
            fcol = fields[int(r.integers(len(fields)))]
            C[fcol][i] = ""
            det.append(fcol)
        note(rows, "required_missing", det)
        rows = choose("bad_party_type", alln)
        opts = {0: ["法人及其他组织", "企业法人"], 1: ["个体户"], 2: ["个人"]}
        for i in rows.tolist():
            o = opts[int(kind[i])]
            C["party_type"][i] = o[int(r.integers(len(o)))]
        note(rows, "bad_party_type", list(C["party_type"][rows]))
        if ds == "penalty":
            rows = choose("bad_penalty_category", alln)
            C["penalty_category"][rows] = np.array(V.BAD_PENALTY_CATEGORIES, dtype=object)[
                r.integers(0, len(V.BAD_PENALTY_CATEGORIES), len(rows))]
            C["penalty_category_2"][rows] = ""
            note(rows, "bad_penalty_category", list(C["penalty_category"][rows]))
            big = R["fine"] >= 5000
            rows = choose("fine_in_yuan", R["has_fine"], big)
            C["fine_amount"][rows] = R["fine"][rows].astype(str).astype(object)
            note(rows, "fine_in_yuan", list(C["fine_amount"][rows]))
            rows = choose("negative_amount", R["has_fine"])
            C["fine_amount"][rows] = "-" + C["fine_amount"][rows]
            note(rows, "negative_amount", list(C["fine_amount"][rows]))
        else:
            rows = choose("bad_license_category", alln)
            C["license_category"][rows] = np.array(V.BAD_LICENSE_CATEGORIES, dtype=object)[
                r.integers(0, len(V.BAD_LICENSE_CATEGORIES), len(rows))]
            note(rows, "bad_license_category", list(C["license_category"][rows]))
            rows = choose("valid_to_before_from", alln, R["valid_to"] < day_no(LONG_TERM))
            back = R["valid_from"][rows] - r.integers(30, 400, len(rows))
            R["valid_to"][rows] = back
            C["valid_to"][rows] = render_dates(back, R["style"][rows])
            note(rows, "valid_to_before_from", [""] * len(rows))
        # --- dates (only rows planned on time, so the late counts stay as planned)
        rows = choose("date_unparseable", alln, normal_time)
        C["decision_date"][rows] = np.array(V.UNPARSEABLE_DATES, dtype=object)[
            r.integers(0, len(V.UNPARSEABLE_DATES), len(rows))]
        R["decision"][rows] = -1
        note(rows, "date_unparseable", list(C["decision_date"][rows]))
        rows = choose("decision_after_drop", alln, normal_time)
        after = R["drop"][rows] + r.integers(1, 21, len(rows))
        R["decision"][rows] = after
        C["decision_date"][rows] = render_dates(after, R["style"][rows])
        note(rows, "decision_after_drop", list(C["decision_date"][rows]))
        rows = choose("formula_injection", alln)
        det = []
        for i in rows.tolist():
            fcol = "violation_facts" if ds == "penalty" and r.random() < 0.5 else "remarks"
            C[fcol][i] = V.FORMULAS[int(r.integers(len(V.FORMULAS)))]
            det.append(fcol)
        note(rows, "formula_injection", det)

    def plant_conflicts(self, RS: dict[str, dict], CS: dict[str, dict]) -> None:
        """One USCC, two names: for chosen entities with >= 2 clean rows, one row gets another name."""
        r = self.rng("conflicts")
        rows_ds, rows_i, rows_g = [], [], []
        for di, ds in enumerate(DATASETS):
            R = RS[ds]
            ok = ((R["kind"] < 2) & (R["target"] < 0) & ~R["is_source"] & (R["defect"] == ""))
            idx = np.flatnonzero(ok)
            rows_ds.append(np.full(len(idx), di))
            rows_i.append(idx)
            rows_g.append(R["gid"][idx])
        dsa, ia, ga = np.concatenate(rows_ds), np.concatenate(rows_i), np.concatenate(rows_g)
        base = sum(int((RS[ds]["kind"] < 2).sum()) for ds in DATASETS)
        k = _count(self.shares["uscc_name_conflict"], base)
        g_u, g_c = np.unique(ga, return_counts=True)
        multi = g_u[g_c >= 2]
        k = min(k, len(multi), len(self.alt_names))
        chosen = np.sort(r.choice(multi, size=k, replace=False)) if k else np.zeros(0, np.int64)
        self.conflict_usccs = []
        for j, g in enumerate(chosen.tolist()):
            cand = np.flatnonzero(ga == g)
            c = int(cand[int(r.integers(len(cand)))])
            ds = DATASETS[int(dsa[c])]
            i = int(ia[c])
            main = self.e_name[g]
            alt = self.alt_names[j]
            if self.e_kind[g] == 1:          # 个体工商户: the shop sent under another business name
                for shop in V.SHOP_KINDS:
                    if main.endswith(shop):
                        others = [x for x in V.SHOP_KINDS if x != shop]
                        alt = main[: -len(shop)] + others[int(r.integers(len(others)))]
                        break
            CS[ds]["party_name"][i] = alt
            RS[ds]["defect"][i] = "uscc_name_conflict"
            self.defects[ds]["uscc_name_conflict"] = self.defects[ds].get("uscc_name_conflict", 0) + 1
            self.truth.append((ds, i, "uscc_name_conflict", f"{main} / {alt}", -1, ""))
            self.conflict_usccs.append(self.e_uscc[g])
        for ds in DATASETS:
            self.defects[ds].setdefault("uscc_name_conflict", 0)

    # ============================================================ resubmission copies
    def copy_resubmissions(self, ds: str, R: dict, C: dict) -> None:
        tgt = np.flatnonzero(R["target"] >= 0)
        if not len(tgt):
            for name in ("exact_resubmission", "corrected_resubmission" if ds == "penalty" else "license_revoked"):
                self.defects[ds].setdefault(name, 0)
            return
        src = R["target"][tgt]
        for col in C:
            C[col][tgt] = C[col][src]
        for key in ("kind", "gid", "decision"):
            R[key][tgt] = R[key][src]
        r = self.rng("corrections", ds)
        for t, s in zip(tgt.tolist(), src.tolist()):
            name = R["target_kind"][t]
            detail = ""
            if name == "corrected_resubmission":
                old = int(R["fine"][s])
                new = int(max(100, round(old * float(r.choice([0.5, 0.8, 1.5, 2.0])) / 100) * 100))
                if new == old:
                    new = old + 100
                R["fine"][t] = new
                R["conf"][t] = R["conf"][s]
                R["pat"][t] = R["pat"][s]
                C["fine_amount"][t] = _wan(np.array([new]))[0]
                C["penalty_content"][t] = self._pat_text[int(R["pat"][s])].format(f=new, c=int(R["conf"][s]))
                detail = f"fine {C['fine_amount'][s]} -> {C['fine_amount'][t]}"
            elif name == "license_revoked":
                C["status"][t] = "撤销"
                C["remarks"][t] = "该许可已依法撤销"
            self.defects[ds][name] = self.defects[ds].get(name, 0) + 1
            self.truth.append((ds, t, name, detail, s, ds))
        for name in ("exact_resubmission", "corrected_resubmission" if ds == "penalty" else "license_revoked"):
            self.defects[ds].setdefault(name, 0)

    # ============================================================ stats
    def features(self, ds: str, R: dict, C: dict) -> None:
        cnt = self.defects[ds]
        if ds != "penalty":
            return
        n = R["n"]
        cat = C["penalty_category"]
        in2016 = (R["dept"] == self.dept2016) if self.dept2016 is not None else np.zeros(n, bool)
        names = dict(zip(V.CATEGORY_SEPARATORS, ("semicolon", "dunhao", "comma")))
        for sp in V.CATEGORY_SEPARATORS:
            cnt[f"multi_penalty_category_sep_{names[sp]}"] = 0
        multi = 0
        for c in cat[~in2016].tolist():
            for sp in V.CATEGORY_SEPARATORS:
                if sp in c:
                    cnt[f"multi_penalty_category_sep_{names[sp]}"] += 1
                    multi += 1
                    break
        cnt["multi_penalty_category"] = multi
        cnt["penalty_category_split_2016"] = int((C["penalty_category_2"] != "").sum())
        market = np.array([d.seed.is_market_regulation for d in self.depts], dtype=bool)[R["dept"]] if n else np.zeros(0, bool)
        cnt["warning_only_market"] = int((market & (cat == "警告") & (C["penalty_category_2"] == "")).sum())
        cnt["special_type_penalty"] = int(np.isin(C["violation_type"], V.SPECIAL_TYPES).sum())
        sev = C["severity"]
        cnt["severity_filled"] = int((sev != "").sum())
        for s, _ in V.SEVERITIES:
            cnt[f"severity_{s}"] = int((sev == s).sum())

    # ============================================================ writing
    def write_files(self, RS: dict, CS: dict) -> list[dict]:
        out = []
        for f in self.files:
            path = self.out / f.path
            path.parent.mkdir(parents=True, exist_ok=True)
            sheets_meta = []
            if f.fmt == "csv":
                s = f.sheets[0]
                C = CS[s.dataset]
                sl = slice(s.offset, s.offset + s.rows)
                cols = [C[c][sl] if c in C else np.full(s.rows, "", dtype=object) for c in s.columns]
                path.write_bytes(csv_bytes(s.labels, cols, f.encoding, f.newline))
            else:
                specs = []
                for s in f.sheets:
                    C = CS[s.dataset]
                    sl = slice(s.offset, s.offset + s.rows)
                    cols = [C[c][sl] if c in C else np.full(s.rows, "", dtype=object) for c in s.columns]
                    specs.append(dict(name=s.name, title=s.title, labels=s.labels, cols=cols,
                                      date_cols={j for j, c in enumerate(s.columns) if c in DATE_COLUMNS},
                                      num_cols={j for j, c in enumerate(s.columns) if c in AMOUNT_COLUMNS},
                                      date_style=f.date_style))
                write_xlsx(path, specs, author=self.depts[f.dept].full_name)
            for s in f.sheets:
                sheets_meta.append(dict(name=s.name, dataset=s.dataset, rows=s.rows,
                                        header_row=1 if s.title else 0, columns=s.columns, labels=s.labels,
                                        severity_column=s.severity, disclosure_filled=s.disclosure,
                                        omit_empty_legacy=s.omit_empty_legacy))
            out.append(dict(path=f.path, department=self.depts[f.dept].code, drop_date=from_day_no(f.day).isoformat(),
                            dataset="+".join(s.dataset for s in sorted(f.sheets, key=lambda s: DATASETS.index(s.dataset))),
                            format=f.fmt, encoding=f.encoding, newline=f.newline if f.fmt == "csv" else None,
                            rows=f.rows, header_style=f.header_style, date_style=f.date_style,
                            title_row=f.title, sheets=sheets_meta))
        return out

    def write_bad_files(self, RS: dict, CS: dict) -> list[dict]:
        if not self.bad:
            return []
        r = self.rng("bad")
        seeds = self.seeds
        bad = []
        # folders: existing drop folders, avoiding the planted 漏报 department
        pm = self.planted_missing
        folders = sorted({(f.dept, f.day) for f in self.files
                          if not (pm and self.depts[f.dept].code == pm["department"])})
        if not folders:
            folders = [(d.idx, day_no(self.end)) for d in self.depts[:1]]
        pick = [folders[int(k)] for k in r.choice(len(folders), size=min(8, len(folders)), replace=False)] \
            if len(folders) >= 8 else [folders[i % len(folders)] for i in range(8)]

        def folder(k: int) -> tuple[Path, str, date, Dept]:
            dp, day = pick[k]
            d = from_day_no(day)
            rel = f"{self.depts[dp].code}/{d.isoformat()}/"
            (self.out / rel).mkdir(parents=True, exist_ok=True)
            return self.out / rel, rel, d, self.depts[dp]

        def add(rel: str, reason: str, **kw: Any) -> None:
            bad.append(dict(path=rel, expected_reason=reason, **kw))

        cols = seeds.columns("penalty")
        labels = seeds.header_labels("penalty", cols, "standard", r)
        # empty_file
        p, rel, d, dept = folder(0)
        name = f"行政处罚信息_{d:%Y%m%d}_补报.csv"
        (p / name).write_bytes(b"")
        add(rel + name, "empty_file", department=dept.code)
        # header_only
        p, rel, d, dept = folder(1)
        hds = "license" if "license" in dept.seed.datasets else "penalty"
        name = f"{DATASET_ZH[hds]}信息_{d:%Y%m%d}_无数据.csv"
        hcols = seeds.columns(hds)
        (p / name).write_bytes(csv_bytes(seeds.header_labels(hds, hcols, "standard", r), [], "utf-8", "\n"))
        add(rel + name, "header_only", department=dept.code, dataset=hds)
        # unknown_layout
        p, rel, d, dept = folder(2)
        name = f"统计报表_{d:%Y%m%d}.csv"
        hdr = ["编号", "品名", "规格", "数量", "单价", "入库时间"]
        for ds in DATASETS:
            assert all(x is None for x in seeds.resolve_headers(ds, hdr)), "unknown-layout header resolves"
        rows = [[str(i + 1), "办公用纸", "A4", str(int(r.integers(1, 50))), "25.00", f"{d:%Y-%m-%d}"] for i in range(5)]
        (p / name).write_bytes(csv_bytes(hdr, [np.array(c, dtype=object) for c in zip(*rows)], "utf-8", "\n"))
        add(rel + name, "unknown_layout", department=dept.code)
        # missing_required_columns: a penalty layout without 决定书文号 / 决定日期 / 违法事实
        p, rel, d, dept = folder(3)
        name = f"行政处罚_{d:%Y%m%d}_缺列.csv"
        drop_cols = ["decision_no", "decision_date", "violation_facts"]
        mc = [c for c in cols if c not in drop_cols]
        C = CS["penalty"]
        n_take = min(3, RS["penalty"]["n"])
        data = [C[c][:n_take] if c in C else np.full(n_take, "", dtype=object) for c in mc]
        (p / name).write_bytes(csv_bytes(seeds.header_labels("penalty", mc, "standard", r), data, "utf-8", "\n"))
        add(rel + name, "missing_required_columns", department=dept.code, dataset="penalty",
            missing_columns=drop_cols)
        # undecodable
        p, rel, d, dept = folder(4)
        name = f"行政处罚信息{d:%Y%m%d}.csv"
        (p / name).write_bytes(undecodable_bytes(r))
        add(rel + name, "undecodable", department=dept.code)
        # corrupt_xlsx
        p, rel, d, dept = folder(5)
        name = f"{dept.full_name}行政处罚信息_{d:%Y%m%d}.xlsx"
        bio = io.BytesIO()
        small = [C[c][:2] if c in C else np.full(min(2, RS["penalty"]["n"]), "", dtype=object) for c in cols]
        write_xlsx(bio, [dict(name="Sheet1", title=None, labels=labels, cols=small)], author=dept.full_name)
        whole = bio.getvalue()
        (p / name).write_bytes(whole[: len(whole) * 3 // 5])
        add(rel + name, "corrupt_xlsx", department=dept.code)
        # binary_file
        p, rel, d, dept = folder(6)
        name = f"行政许可信息_{d:%Y%m%d}.csv"
        (p / name).write_bytes(png_bytes() + bytes(64))
        add(rel + name, "binary_file", department=dept.code)
        # malformed row: exact duplicates of earlier rows of the department + one row with an extra field,
        # in the department's latest drop folder
        dp = pick[7][0]
        day = max(dd for (x, dd) in folders if x == dp)
        dept = self.depts[dp]
        dups = self._dup_sources("penalty", RS["penalty"], dp, day, 4, r)
        d = from_day_no(day)
        rel = f"{dept.code}/{d.isoformat()}/"
        name = f"行政处罚信息_{d:%Y%m%d}_第二批.csv"
        data = [C[c][dups] if c in C else np.full(len(dups), "", dtype=object) for c in cols]
        text = csv_bytes(labels, data, "utf-8", "\n").decode("utf-8").split("\n")
        # a row whose 违法事实 contains an unquoted comma: one field too many
        fields = ["" for _ in cols]
        src = dups[0] if len(dups) else None
        for j, c in enumerate(cols):
            if src is not None and c in C:
                fields[j] = C[c][src]
        fi = cols.index("violation_facts")
        fields = [_quote(x) for x in fields]
        fields[fi] = (C["violation_facts"][src] if src is not None else "当事人未按规定公示信息") + ",情节轻微"
        bad_line = ",".join(fields)
        at = 1 + min(2, len(dups))
        text.insert(at, bad_line)
        (self.out / rel).mkdir(parents=True, exist_ok=True)
        (self.out / rel / name).write_bytes("\n".join(text).encode("utf-8"))
        add(rel + name, "malformed_row", department=dept.code, dataset="penalty", rejected_rows=1,
            rejected_row_index=at - 1, rejected_line=at + 1, rejected_reason="wrong_field_count",
            loadable_rows=len(dups),
            loadable_rows_are="exact duplicates of earlier rows of the same department",
            duplicate_of=[self._locate("penalty", int(i)) for i in dups])
        # bad_drop_date_folder
        dp = pick[0][0]
        dept = self.depts[dp]
        rel = f"{dept.code}/新建文件夹/"
        (self.out / rel).mkdir(parents=True, exist_ok=True)
        name = "行政处罚信息.csv"
        dups = self._dup_sources("penalty", RS["penalty"], dp, day_no(self.end) + 1, 2, r)
        data = [C[c][dups] if c in C else np.full(len(dups), "", dtype=object) for c in cols]
        (self.out / rel / name).write_bytes(csv_bytes(labels, data, "utf-8", "\n"))
        add(rel + name, "bad_drop_date_folder", department=dept.code, dataset="penalty", rows=len(dups))
        return bad

    def _dup_sources(self, ds: str, R: dict, dp: int, day: int, k: int, r: np.random.Generator) -> np.ndarray:
        ok = (R["dept"] == dp) & (R["drop"] < day) & R["is_csv"] & (R["target"] < 0) & (R["defect"] == "")
        pool = np.flatnonzero(ok)
        k = min(k, len(pool))
        return np.sort(r.choice(pool, size=k, replace=False)) if k else np.zeros(0, np.int64)

    def _locate(self, ds: str, i: int) -> dict:
        R = self.R[ds]
        s = R["sheets"][int(R["sheet_of"][i])]
        return dict(path=self.files[s.file].path, sheet=s.name, row=int(i - s.offset))

    # ============================================================ run
    def run(self) -> SampleManifest:
        self._clear_previous()
        self.out.mkdir(parents=True, exist_ok=True)
        self.setup_departments()
        self.setup_drops()
        self.setup_files()
        self.setup_population()
        self.tick("setup")
        RS, CS = {}, {}
        for ds in DATASETS:
            R = self.build_rows(ds)
            self.choose_resubmissions(ds, R)
            self.choose_timing(ds, R)
            C = self.render(ds, R)
            self.plant_defects(ds, R, C)
            RS[ds], CS[ds] = R, C
        self.R = RS
        self.plant_conflicts(RS, CS)
        for ds in DATASETS:
            self.copy_resubmissions(ds, RS[ds], CS[ds])
            self.features(ds, RS[ds], CS[ds])
        self.tick("rows")
        files = self.write_files(RS, CS)
        self.tick("write")
        bad = self.write_bad_files(RS, CS)
        manifest = self.manifest(RS, CS, files, bad)
        self.write_rows_file(RS)
        manifest.write(self.out)
        self.tick("manifest")
        if os.environ.get("CREDIT_SAMPLE_TIMING"):
            print("sample timing:", self.timing)
        return manifest

    def _clear_previous(self) -> None:
        """Remove an earlier sample's files (those its manifest lists) and the folders they leave
        empty; anything else is kept. A non-empty folder without a manifest is refused."""
        if not self.out.exists() or not any(self.out.iterdir()):
            return
        mpath = self.out / MANIFEST_NAME
        if not mpath.exists():
            raise FileExistsError(f"{self.out} is not empty and holds no {MANIFEST_NAME}; refusing to write a sample there")
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise FileExistsError(f"{mpath} is unreadable ({e}); remove {self.out} first") from e
        root = self.out.resolve()
        listed = [f.get("path", "") for f in old.get("files", [])] + [b.get("path", "") for b in old.get("bad_files", [])]
        listed += [old.get("rows_file") or ROWS_NAME, MANIFEST_NAME]
        dirs = set()
        for rel in listed:
            p = (self.out / rel).resolve()
            if rel and root in p.parents and p.is_file():
                p.unlink()
                dirs.update(q for q in p.parents if root in q.parents)
        for d in sorted(dirs, key=lambda q: len(q.parts), reverse=True):
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()

    def write_rows_file(self, RS: dict) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["path", "sheet", "row", "dataset", "department", "kind", "detail",
                    "source_path", "source_sheet", "source_row"])
        recs = []
        for ds, i, kind, detail, src, src_ds in self.truth:
            loc = self._locate(ds, i)
            s = self._locate(src_ds, src) if src >= 0 else dict(path="", sheet="", row="")
            dept = self.depts[int(RS[ds]["dept"][i])].code
            recs.append((loc["path"], loc["sheet"] or "", loc["row"], ds, dept, kind, detail,
                         s["path"], s["sheet"] or "", s["row"]))
        for ds in DATASETS:
            R = RS[ds]
            for cls, name in ((1, "late"), (2, "late_boundary_day7"), (3, "late_boundary_day8")):
                for i in np.flatnonzero((R["timing"] == cls) & (R["target"] < 0)).tolist():
                    loc = self._locate(ds, i)
                    recs.append((loc["path"], loc["sheet"] or "", loc["row"], ds,
                                 self.depts[int(R["dept"][i])].code, name, "", "", "", ""))
        recs.sort(key=lambda x: (x[0], x[1], x[2], x[5]))
        w.writerows(recs)
        (self.out / ROWS_NAME).write_text(buf.getvalue(), encoding="utf-8")

    def manifest(self, RS: dict, CS: dict, files: list, bad: list) -> SampleManifest:
        by_ds = {ds: int(RS[ds]["n"]) for ds in DATASETS}
        by_dept: dict[str, dict[str, int]] = {}
        by_month: dict[str, dict[str, dict[str, int]]] = {}
        for ds in DATASETS:
            R = RS[ds]
            for s in R["sheets"]:
                code = self.depts[int(self.slot_dept[s.slot])].code
                by_dept.setdefault(code, {}).setdefault(ds, 0)
                by_dept[code][ds] += s.rows
                mo = _month(int(self.slot_day[s.slot]))
                mm = by_month.setdefault(code, {}).setdefault(ds, {})
                mm[mo] = mm.get(mo, 0) + s.rows
        # 漏报: expected pairs x months of the range with no rows
        months = []
        m = date(self.start.year, self.start.month, 1)
        while m <= self.end:
            months.append(m.strftime("%Y-%m"))
            m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        missing = []
        for d in self.depts:
            for ds in d.seed.datasets:
                for mo in months:
                    if d.seed.expected_from[ds].strftime("%Y-%m") <= mo:
                        if by_month.get(d.code, {}).get(ds, {}).get(mo, 0) == 0:
                            pm = self.planted_missing
                            missing.append(dict(department=d.code, dataset=ds, month=mo,
                                                planted=bool(pm and pm == dict(department=d.code, dataset=ds, month=mo))))
        # late (first submissions: not resubmission targets), judged on readable decision dates
        late = judged = b7 = b8 = 0
        for ds in DATASETS:
            R = RS[ds]
            first = (R["target"] < 0) & (R["decision"] >= 0)
            d, D = R["decision"][first], R["drop"][first]
            lt = self.cal.is_late(d, D)
            btw = self.cal.between(d, D)
            judged += int(first.sum())
            late += int(lt.sum())
            b7 += int(((btw == 6) & self.cal.is_work(D) & (R["timing"][first] == 2)).sum())
            b8 += int(((btw == 7) & self.cal.is_work(D) & (R["timing"][first] == 3)).sum())
        defects: dict[str, int] = {}
        for ds in DATASETS:
            for k, v in self.defects[ds].items():
                defects[k] = defects.get(k, 0) + v
        info = {}
        for k, v in DEFECT_INFO.items():
            info[k] = dict(v, share=self.shares.get(k), breaks_rule=v["kind"] == "rule")
        depts = {}
        for d in self.depts:
            depts[d.code] = dict(name=d.seed.name, full_name=d.full_name, uscc=d.uscc, uscc_source=d.uscc_source,
                                 uscc_valid=_ids.uscc_is_valid(d.uscc), profile=d.profile.key,
                                 datasets=list(d.seed.datasets), layout="2016" if d.idx == self.dept2016 else "standard",
                                 severity_from=REGIME_SWITCH.isoformat() if d.idx in self.severity_depts else None,
                                 always_gbk=d.idx == self.gbk_dept)
        notes = {
            "records": "rows in good files (all sheets), exact resubmissions included; bad files excluded",
            "defects": "rule defects are exclusive (one per row) and never on resubmission rows or their sources; "
                       "feature counts are over all rows in good files",
            "late": "first submissions (rows not listed as *_resubmission / license_revoked in rows_file) with a "
                    "readable decision date; late = drop date after the 7th working day after the decision date",
            "rows_file": "row = 0-based data-row index in the file/sheet (header and title rows excluded)",
            "exact_resubmission": "a later CSV row of the same department with every field value identical "
                                  "(encoding, header style and column set of the file may differ)",
            "corrected_resubmission": "a later row with the same decision number and party but a different "
                                      "罚款金额（万元） and 处罚内容; its decision date is the original one",
            "license_revoked": "a later copy of an earlier licence with 当前状态 = 撤销 and 备注 changed",
            "department_uscc": "taken from departments.csv where present (not re-validated: see uscc_valid), "
                               "else a generated valid 11... code",
        }
        ent = dict(legal_person=int(self.kind_n[0]), individual_business=int(self.kind_n[1]),
                   natural_person=int(self.kind_n[2]))
        return SampleManifest(
            seed=self.seed, start=self.start.isoformat(), end=self.end.isoformat(), records=sum(by_ds.values()),
            records_by_dataset=by_ds, records_by_department=by_dept, records_by_month=by_month, files=files,
            defects=dict(sorted(defects.items())),
            defects_by_dataset={ds: dict(sorted(self.defects[ds].items())) for ds in DATASETS},
            defect_info=info, late=late, late_judged=judged,
            late_boundary=dict(on_time_day7=b7, late_day8=b8), missing_reports=missing,
            planted_missing_report=self.planted_missing, bad_files=bad, departments=depts,
            layout_2016_department=self.depts[self.dept2016].code if self.dept2016 is not None else None,
            severity_departments=sorted(self.depts[i].code for i in self.severity_depts),
            entities=ent, code_conflict_usccs=sorted(self.conflict_usccs), shares=dict(self.shares),
            calendar_fallback_days=self.cal.fallback_days, notes=notes,
            records_after_dedup=sum(by_ds.values()) - defects.get("exact_resubmission", 0),
            late_denominator=judged + defects.get("corrected_resubmission", 0) + defects.get("license_revoked", 0))


DATE_COLUMNS = {"decision_date", "valid_until", "disclosure_deadline", "valid_from", "valid_to"}
AMOUNT_COLUMNS = {"fine_amount", "confiscated_amount"}


def generate_sample(out_dir: Path, records: int, seed: int = 7, *, start: date = date(2025, 11, 1),
                    end: date = date(2026, 11, 20), bad_files: bool = True,
                    shares: Mapping[str, float] | None = None) -> SampleManifest:
    """Write a deterministic, realistic set of departmental drops under ``out_dir`` (which is
    emptied first) and return the manifest (also written to ``out_dir/.sample_manifest.json``)."""
    return _Gen(Path(out_dir), records, seed, start, end, bad_files, shares, None).run()
