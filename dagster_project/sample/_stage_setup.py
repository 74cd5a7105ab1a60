"""The sample generator, stage 1, setup: the departments (and their USCCs), the drop days of each, the files and
sheets of each drop (layouts, encodings, header spellings) and their names.

A mixin of the generator (_generate._Gen), which holds the state (self.seeds, self.cal, self.R, self.truth, …)
and runs the stages in order."""
from __future__ import annotations

import hashlib

import numpy as np

from . import _ids, _vocab as V
from ._calendar import day_no, from_day_no
from ._seeds import DATASETS
from ._common import DATASET_PINYIN, DATASET_ZH, Dept, File, REGIME_SWITCH, Sheet, _count, _month


class SetupStage:
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
