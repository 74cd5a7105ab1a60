"""The sample generator, stage 5, write: the drop files (CSV, XLSX), the bad files, the planted-rows file, and
removing an earlier sample's files first.

A mixin of the generator (_generate._Gen), which holds the state (self.seeds, self.cal, self.R, self.truth, …)
and runs the stages in order."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ._calendar import day_no, from_day_no
from ._seeds import DATASETS
from ._write import _quote, csv_bytes, png_bytes, undecodable_bytes, write_xlsx
from .manifest import MANIFEST_NAME, ROWS_NAME
from ._common import AMOUNT_COLUMNS, DATASET_ZH, DATE_COLUMNS, Dept


class WriteStage:
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
