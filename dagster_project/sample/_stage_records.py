"""The sample generator, stage 2, records: the parties (companies, self-employed, people) and each dataset's rows —
content, which rows are resubmissions, when each is decided and sent.

A mixin of the generator (_generate._Gen), which holds the state (self.seeds, self.cal, self.R, self.truth, …)
and runs the stages in order."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _ids, _vocab as V
from ._common import Dept, _count, _pick


class RecordsStage:
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
