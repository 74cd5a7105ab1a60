"""The sample generator, stage 6, manifest: the counts a test or a reader checks the written sample against.

A mixin of the generator (_generate._Gen), which holds the state (self.seeds, self.cal, self.R, self.truth, …)
and runs the stages in order."""
from __future__ import annotations

from datetime import date

from . import _ids
from ._seeds import DATASETS
from .manifest import SampleManifest
from ._common import DEFECT_INFO, REGIME_SWITCH, _month


class ManifestStage:
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
