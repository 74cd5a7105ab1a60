"""The sample generator, stage 4, plant defects: the rule violations, conflicts, resubmission copies and features
the tests recount from the written files (each recorded in self.truth).

A mixin of the generator (_generate._Gen), which holds the state (self.seeds, self.cal, self.R, self.truth, …)
and runs the stages in order."""
from __future__ import annotations

import numpy as np

from . import _ids, _vocab as V
from ._calendar import day_no
from ._seeds import DATASETS
from ._common import LONG_TERM, _count, _fullwidth, _wan, render_dates


class DefectStage:
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
