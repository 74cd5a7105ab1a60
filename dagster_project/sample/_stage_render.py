"""The sample generator, stage 3, render: each row's cells as a department writes them (date styles, amounts,
decision numbers).

A mixin of the generator (_generate._Gen), which holds the state (self.seeds, self.cal, self.R, self.truth, …)
and runs the stages in order."""
from __future__ import annotations

import numpy as np

from . import _vocab as V
from ._calendar import day_no
from ._common import CSV_DATE_STYLES, LONG_TERM, REGIME_SWITCH, _add_years, _wan, render_dates


class RenderStage:
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
