"""The sample drop generator: determinism, exact row counts, encodings, planted defects,
late reporting and bad files — all recounted from the files it wrote."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric, uscc as std_uscc

from dagster_project.sample import (
    DEFECT_INFO, ROWS_NAME, SampleManifest, biz_reg_is_valid, generate_sample, load_seeds,
    normalize_header, org_code_is_valid, uscc_is_valid,
)

RECORDS = 5000
SEED = 7
PARTY_TYPES = {"法人及非法人组织", "个体工商户", "自然人"}
PENALTY_CATEGORIES = {"警告", "罚款", "没收违法所得", "责令停产停业", "吊销许可证", "行政拘留", "通报批评",
                      "没收非法财物", "降低资质等级", "暂扣许可证", "限制开展经营活动", "限制从业", "责令关闭",
                      "法律、行政法规规定的其他行政处罚"}
LICENSE_CATEGORIES = {"普通", "特许", "认可", "核准", "登记", "其他"}
DATE_COLS = {"decision_date", "valid_until", "disclosure_deadline", "valid_from", "valid_to"}
RESUB_KINDS = {"exact_resubmission", "corrected_resubmission", "license_revoked"}


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_a")
    m = generate_sample(out, RECORDS, SEED)
    return out, m


@pytest.fixture(scope="module")
def frames(sample):
    out, m = sample
    return read_all(out, m)


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ reading back

def _cell(v, column: str) -> str:
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        if column in DATE_COLS:                       # Excel serial number
            return (date(1899, 12, 30) + timedelta(days=int(v))).isoformat()
        return str(int(v)) if v.is_integer() else repr(v)
    return "" if v is None else str(v)


def read_sheet(root: Path, f: dict, sh: dict) -> tuple[list[str], list[list[str]]]:
    path = root / f["path"]
    if f["format"] == "csv":
        df = pd.read_csv(path, encoding=f["encoding"], dtype=str, keep_default_na=False)
        return [str(c) for c in df.columns], df.values.tolist()
    wb = CalamineWorkbook.from_path(str(path))
    data = wb.get_sheet_by_name(sh["name"]).to_python()
    hr = sh["header_row"]
    labels = [str(x) for x in data[hr]]
    rows = [[_cell(v, c) for v, c in zip(r, sh["columns"])] for r in data[hr + 1:]]
    return labels, rows


def read_all(root: Path, m: SampleManifest) -> dict[str, pd.DataFrame]:
    seeds = load_seeds()
    parts: dict[str, list[pd.DataFrame]] = {"penalty": [], "license": []}
    for f in m.files:
        for sh in f["sheets"]:
            labels, rows = read_sheet(root, f, sh)
            cols = seeds.resolve_headers(sh["dataset"], labels)
            assert cols == sh["columns"], (f["path"], labels)
            df = pd.DataFrame(rows, columns=cols, dtype=object).fillna("")
            df["_path"], df["_sheet"], df["_row"] = f["path"], sh["name"] or "", range(len(df))
            df["_dept"], df["_drop"], df["_format"] = f["department"], f["drop_date"], f["format"]
            parts[sh["dataset"]].append(df)
    out = {}
    for ds, lst in parts.items():
        df = pd.concat(lst, ignore_index=True).fillna("")
        for c in df.columns:
            df[c] = df[c].astype(str).str.strip()
        out[ds] = df
    return out


def rows_file(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / ROWS_NAME, dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ independent rules

def norm_code(s: str) -> str:
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", s)).upper()


def parse_date(s: str) -> date | None:
    s = s.strip()
    for pat in (r"^(\d{4})-(\d{1,2})-(\d{1,2})$", r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
                r"^(\d{4})(\d{2})(\d{2})$", r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"):
        mm = re.match(pat, s)
        if mm:
            try:
                return date(int(mm[1]), int(mm[2]), int(mm[3]))
            except ValueError:
                return None
    return None


@lru_cache(maxsize=None)
def is_workday(d: date) -> bool:
    return chinese_calendar.is_workday(d)


def nth_workday_after(d: date, n: int) -> date:
    x = d
    while n:
        x += timedelta(days=1)
        n -= is_workday(x)
    return x


def is_late(decision: date, drop: date) -> bool:
    return drop > nth_workday_after(decision, 7)


def split_categories(s: str) -> list[str]:
    return [x for x in re.split(r"[;、,]", s) if x]


# ------------------------------------------------------------------ tests

def test_domain_example_deadline():
    assert nth_workday_after(date(2026, 11, 6), 7) == date(2026, 11, 17)


def test_deterministic_and_seed_sensitive(sample, tmp_path):
    out, m = sample
    again = tmp_path / "again"
    m2 = generate_sample(again, RECORDS, SEED)
    assert tree_digest(out) == tree_digest(again)
    assert m2.to_json() == m.to_json()
    other = tmp_path / "other"
    generate_sample(other, RECORDS, SEED + 1)
    a, b = tree_digest(out), tree_digest(other)
    common = set(a) & set(b)
    assert a != b and sum(a[k] != b[k] for k in common) > len(common) // 2


def test_records_exact(sample, frames):
    out, m = sample
    assert m.records == RECORDS
    assert sum(f["rows"] for f in m.files) == RECORDS
    assert sum(len(df) for df in frames.values()) == RECORDS
    for ds, df in frames.items():
        assert len(df) == m.records_by_dataset[ds]
    per_file = Counter(pd.concat(frames.values())["_path"])
    assert all(per_file[f["path"]] == f["rows"] for f in m.files)
    by_dept = pd.concat(frames.values()).groupby("_dept").size().to_dict()
    assert by_dept == {k: sum(v.values()) for k, v in m.records_by_department.items()}


def test_manifest_roundtrip(sample):
    out, m = sample
    assert SampleManifest.load(out) == m
    assert m.to_dict()["seed"] == SEED


def test_encodings_as_claimed(sample):
    out, m = sample
    seen = Counter()
    for f in m.files:
        if f["format"] != "csv":
            assert (out / f["path"]).read_bytes()[:2] == b"PK"
            continue
        raw = (out / f["path"]).read_bytes()
        seen[f["encoding"]] += 1
        if f["encoding"] == "gbk":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            raw.decode("gbk")
            assert b"\r\n" in raw
        elif f["encoding"] == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
        else:
            assert f["encoding"] == "utf-8" and not raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
    assert seen["gbk"] and seen["utf-8-sig"] and seen["utf-8"] > seen["gbk"]
    xlsx_rows = sum(f["rows"] for f in m.files if f["format"] == "xlsx")
    assert 0 < xlsx_rows < 0.1 * RECORDS


def test_layout_variants(sample):
    out, m = sample
    styles = Counter(f["header_style"] for f in m.files)
    assert {"standard", "spaces", "brackets", "star", "aliases", "layout2016"} <= set(styles)
    old = [f for f in m.files if f["header_style"] == "layout2016"]
    assert {f["department"] for f in old} == {m.layout_2016_department}
    labels = {lab for f in old for sh in f["sheets"] for lab in sh["labels"]}
    assert {"处罚名称", "处罚事由", "处罚结果", "代码_1", "处罚类别1", "处罚类别2"} <= labels
    star = [lab for f in m.files if f["header_style"] == "star" for lab in f["sheets"][0]["labels"]]
    assert any(lab.startswith(("*", "＊")) for lab in star)
    spaces = [lab for f in m.files if f["header_style"] == "spaces" for lab in f["sheets"][0]["labels"]]
    assert any(lab != lab.strip() or " " in lab for lab in spaces)
    assert any("（统一社会信用代码）" in lab for f in m.files if f["header_style"] == "brackets"
               for lab in f["sheets"][0]["labels"])
    assert all(normalize_header(lab) for f in m.files for sh in f["sheets"] for lab in sh["labels"])
    # xlsx: a title row above the header, a two-sheet workbook, real date cells, serial numbers
    xl = [f for f in m.files if f["format"] == "xlsx"]
    two = [f for f in xl if len(f["sheets"]) == 2]
    assert two and all(f["dataset"] == "penalty+license" for f in two)
    titled = [f for f in xl if f["title_row"]]
    assert titled
    f = titled[0]
    data = CalamineWorkbook.from_path(str(out / f["path"])).get_sheet_by_name(f["sheets"][0]["name"]).to_python()
    assert re.match(r".+\d{4}年\d{1,2}月行政(处罚|许可)信息$", data[0][0]) and f["sheets"][0]["header_row"] == 1
    kinds = set()
    for f in xl:
        sh = f["sheets"][0]
        data = CalamineWorkbook.from_path(str(out / f["path"])).get_sheet_by_name(sh["name"]).to_python()
        j = sh["columns"].index("decision_date")
        kinds |= {type(r[j]).__name__ for r in data[sh["header_row"] + 1:]}
    assert {"date", "float", "str"} <= kinds
    # severity column only in penalty drops from 2026-04-01
    sev = [f for f in m.files for sh in f["sheets"] if sh["severity_column"]]
    assert sev and all(f["drop_date"] >= "2026-04-01" for f in sev)


def test_parties_and_identifiers(frames):
    for ds, df in frames.items():
        legal = df[df.party_type == "法人及非法人组织"]
        ok = legal.uscc.map(lambda s: s.startswith("91") and std_uscc.is_valid(s))
        assert ok.mean() > 0.95
        ind = df[df.party_type == "个体工商户"]
        assert ind.uscc.map(lambda s: s.startswith("92") and uscc_is_valid(s)).mean() > 0.95
        per = df[df.party_type == "自然人"]
        assert (per.id_type == "身份证").all() and per.id_no.map(ric.is_valid).mean() > 0.9
        assert (per.uscc == "").all()
        assert df.party_name.str.contains("有限公司").any()
    both = pd.concat(frames.values())
    per_entity = both[both.uscc != ""].groupby("uscc").size()
    assert per_entity.max() >= 3 and (per_entity >= 2).sum() > 50


def test_department_usccs(sample, frames):
    out, m = sample
    seeds = {d.code: d.seed_uscc for d in load_seeds().departments}
    for code, info in m.departments.items():
        if seeds[code]:
            assert info["uscc"] == seeds[code] and info["uscc_source"] == "seed"
        else:
            assert info["uscc"].startswith("11") and uscc_is_valid(info["uscc"])
    for df in frames.values():
        exp = df._dept.map(lambda c: m.departments[c]["uscc"])
        assert (df.source_unit_uscc == exp).all() and (df.authority_uscc == exp).all()


def test_identifier_defects_recounted(sample, frames):
    out, m = sample
    d = Counter()
    for ds, df in frames.items():
        org = df.party_type.isin(["法人及非法人组织", "个体工商户"])
        u = df.uscc
        n = u.map(norm_code)
        d["uscc_fullwidth"] += int((u != u.map(lambda s: unicodedata.normalize("NFKC", s))).sum())
        d["uscc_lowercase"] += int(u.str.contains("[a-z]").sum())
        bad = org & (n != "") & ~n.map(uscc_is_valid)
        # stdnum agrees on these (all generated codes have digits in positions 1-8)
        assert not bad[bad].index.map(lambda i: std_uscc.is_valid(n[i])).any()
        d["uscc_bad_check"] += int(bad.sum())
        nocode = (u == "") & (df.org_code == "") & (df.biz_reg_no == "")
        d["uscc_missing"] += int((nocode & (df.party_type == "法人及非法人组织")).sum())
        d["legacy_name_only"] += int((nocode & (df.party_type == "个体工商户")).sum())
        oc = df.org_code[(u == "") & (df.org_code != "")]
        assert oc.map(org_code_is_valid).all()
        d["legacy_org_code_only"] += len(oc)
        br = df.biz_reg_no[(u == "") & (df.biz_reg_no != "")]
        assert br.map(lambda s: len(s) == 15 and biz_reg_is_valid(s)).all()
        d["legacy_biz_reg_only"] += len(br)
        per = df.party_type == "自然人"
        d["id_invalid"] += int((per & ~df.id_no.map(ric.is_valid)).sum())
        d["bad_party_type"] += int((~df.party_type.isin(PARTY_TYPES)).sum())
    for k, v in d.items():
        assert v == m.defects[k], k
    # legacy organisation codes link to a USCC (positions 9-17) of the population
    both = pd.concat(frames.values())
    # code conflicts: one normalised valid USCC with two different names
    valid = both[both.uscc.map(norm_code).map(uscc_is_valid)]
    names = valid.assign(n=valid.uscc.map(norm_code), nm=valid.party_name.map(
        lambda s: unicodedata.normalize("NFKC", s).strip())).groupby("n").nm.nunique()
    assert sorted(names[names > 1].index) == m.code_conflict_usccs
    assert len(m.code_conflict_usccs) == m.defects["uscc_name_conflict"] >= 1


def test_field_defects_recounted(sample, frames):
    out, m = sample
    seeds = load_seeds()
    pen, lic = frames["penalty"], frames["license"]
    d = Counter()
    for ds, df in frames.items():
        req = [c for c in seeds.all_columns(ds) if seeds.is_required(ds, c) and c in df.columns]
        d["required_missing"] += int((df[req] == "").any(axis=1).sum())
        dec = df.decision_date.map(parse_date)
        d["date_unparseable"] += int(dec.isna().sum())
        drop = df._drop.map(date.fromisoformat)
        d["decision_after_drop"] += int(sum(1 for a, b in zip(dec, drop) if a and a > b))
        d["formula_injection"] += int(sum(df[c].str.startswith("=").sum()
                                          for c in ("violation_facts", "remarks") if c in df.columns))
    cats = pen.penalty_category.map(split_categories) + pen.penalty_category_2.map(split_categories)
    d["bad_penalty_category"] = int(cats.map(lambda cs: any(c not in PENALTY_CATEGORIES for c in cs)).sum())
    d["bad_license_category"] = int((~lic.license_category.isin(LICENSE_CATEGORIES)).sum())
    vf, vt = lic.valid_from.map(parse_date), lic.valid_to.map(parse_date)
    d["valid_to_before_from"] = int(sum(1 for a, b in zip(vf, vt) if a and b and b < a))
    fine = pd.to_numeric(pen.fine_amount.replace("", None))
    d["fine_in_yuan"] = int((fine >= 1000).sum())
    d["negative_amount"] = int((fine < 0).sum())
    assert fine[(fine > 0) & (fine < 1000)].max() <= 400
    for k, v in d.items():
        assert v == m.defects[k], k
    # features
    old = pen._dept == m.layout_2016_department
    assert int(pen.penalty_category[~old].map(lambda s: len(split_categories(s)) > 1).sum()) == \
        m.defects["multi_penalty_category"] > 0
    for sep, name in ((";", "semicolon"), ("、", "dunhao"), (",", "comma")):
        assert m.defects[f"multi_penalty_category_sep_{name}"] > 0
    assert int((pen.penalty_category_2 != "").sum()) == m.defects["penalty_category_split_2016"]
    market = pen._dept.map(lambda c: m.departments[c]["profile"] == "market")
    assert int((market & (pen.penalty_category == "警告")).sum()) == m.defects["warning_only_market"] > 0
    special = pen.violation_type.isin(["特种设备", "安全生产", "消防"])
    assert int(special.sum()) == m.defects["special_type_penalty"]
    assert set(pen.violation_type[special]) == {"特种设备", "安全生产", "消防"}
    assert int((pen.severity != "").sum()) == m.defects["severity_filled"] > 0
    assert set(pen.severity) - {""} == {"轻微", "一般", "严重"}
    sev_dec = pen[pen.severity != ""].decision_date.map(parse_date)
    assert all(x >= date(2026, 4, 1) for x in sev_dec if x)
    assert all(v["kind"] for v in DEFECT_INFO.values())


def test_resubmissions_recounted(sample, frames):
    out, m = sample
    rf = rows_file(out)
    fields = {}
    for ds, df in frames.items():
        cols = [c for c in df.columns if not c.startswith("_")]
        order = df.sort_values(["_dept", "_drop", "_path", "_row"], kind="stable")
        dup = order.duplicated(subset=["_dept"] + cols, keep="first")
        assert int(dup.sum()) == m.defects_by_dataset[ds]["exact_resubmission"]
        first = order[~dup].groupby(["_dept"] + cols, sort=False)._drop.first()
        # duplicates always come from a strictly earlier drop, all CSV
        dd = order[dup]
        assert (dd._format == "csv").all()
        for _, r in dd.iterrows():
            assert first[tuple([r._dept] + [r[c] for c in cols])] < r._drop
        fields[ds] = cols
        # rows file agrees
        listed = rf[(rf.kind == "exact_resubmission") & (rf.dataset == ds)]
        got = set(zip(dd._path, dd._sheet, dd._row.astype(str)))
        assert got == set(zip(listed.path, listed.sheet, listed.row))
    pen = frames["penalty"]
    g = pen.groupby(["_dept", "decision_no", "party_name"])
    fines = g.fine_amount.nunique()
    assert int((fines > 1).sum()) == m.defects["corrected_resubmission"] >= 1
    contents = g.penalty_content.nunique()
    assert (contents[fines > 1] > 1).all()
    lic = frames["license"]
    rev = lic[lic.status == "撤销"]
    assert len(rev) == m.defects["license_revoked"] >= 1
    keyed = lic.set_index(["_dept", "decision_no", "party_name"])
    for _, r in rev.iterrows():
        earlier = keyed.loc[(r._dept, r.decision_no, r.party_name)]
        assert ((earlier.status == "正常") & (earlier._drop < r._drop)).any()


def test_late_recomputed_with_chinese_calendar(sample, frames):
    out, m = sample
    rf = rows_file(out)
    rs = rf[rf.kind.isin(RESUB_KINDS)]
    resub = set(zip(rs.path, rs.sheet, rs.row))
    late = judged = 0
    weekend_workday = False
    for ds, df in frames.items():
        for path, sheet, row, dec, drop in zip(df._path, df._sheet, df._row, df.decision_date, df._drop):
            if (path, sheet, str(row)) in resub:
                continue
            d = parse_date(dec)
            if d is None:
                continue
            judged += 1
            late += is_late(d, date.fromisoformat(drop))
            weekend_workday |= d.weekday() >= 5 and is_workday(d)
    assert (late, judged) == (m.late, m.late_judged)
    assert m.late_denominator == judged + m.defects["corrected_resubmission"] + m.defects["license_revoked"]
    assert m.records_after_dedup == m.records - m.defects["exact_resubmission"]
    assert 0.02 < late / judged < 0.06
    assert weekend_workday, "no decision on a 调休 working weekend day"
    # the boundary rows: drop exactly on the 7th (on time) / 8th (late) working day
    for kind, n, want_late in (("late_boundary_day7", 7, False), ("late_boundary_day8", 8, True)):
        rows = rf[rf.kind == kind]
        assert len(rows) == m.late_boundary["on_time_day7" if n == 7 else "late_day8"] >= 1
        both = pd.concat(frames.values())
        idx = both.set_index(["_path", "_sheet", both._row.astype(str)])
        assert idx.index.is_unique
        for p, sh, r in zip(rows.path, rows.sheet, rows.row):
            rec = idx.loc[(p, sh, r)]
            d, drop = parse_date(rec.decision_date), date.fromisoformat(rec._drop)
            assert nth_workday_after(d, n) == drop and is_late(d, drop) is want_late
    # drops span the 2026-04-01 regime switch and the holidays
    drops = {f["drop_date"] for f in m.files}
    assert min(drops) < "2026-02-15" and max(drops) > "2026-10-08"
    assert any(d.startswith("2026-03") for d in drops) and any(d.startswith("2026-04") for d in drops)


def test_missing_report(sample, frames):
    out, m = sample
    pm = m.planted_missing_report
    assert pm and {"department", "dataset", "month"} <= set(pm)
    df = frames[pm["dataset"]]
    months = df[df._dept == pm["department"]]._drop.str[:7]
    assert pm["month"] not in set(months)
    assert any(mo < pm["month"] for mo in months) and any(mo > pm["month"] for mo in months)
    # every other expected department x dataset x month has rows
    expected = [(d.code, ds) for d in load_seeds().departments for ds in d.datasets]
    all_months = sorted({f["drop_date"][:7] for f in m.files})
    missing = []
    for code, ds in expected:
        have = set(frames[ds][frames[ds]._dept == code]._drop.str[:7])
        missing += [(code, ds, mo) for mo in all_months if mo not in have]
    assert missing == [(pm["department"], pm["dataset"], pm["month"])]
    assert [x for x in m.missing_reports if x["planted"]] == [dict(pm, planted=True)]


def test_rows_file_matches_manifest(sample):
    out, m = sample
    rf = rows_file(out)
    kinds = Counter(rf.kind)
    for k, info in DEFECT_INFO.items():
        if info["kind"] in ("rule", "tolerated", "conflict", "resubmission"):
            assert kinds[k] == m.defects[k], k
    rows = {(f["path"], sh["name"] or ""): sh["rows"] for f in m.files for sh in f["sheets"]}
    for p, s, r in zip(rf.path, rf.sheet, rf.row):
        assert int(r) < rows[(p, s)]


def test_bad_files(sample):
    out, m = sample
    reasons = {b["expected_reason"]: b for b in m.bad_files}
    assert set(reasons) == {"empty_file", "header_only", "unknown_layout", "missing_required_columns",
                            "undecodable", "corrupt_xlsx", "binary_file", "bad_drop_date_folder",
                            "malformed_row"}
    good = {f["path"] for f in m.files}
    for b in m.bad_files:
        assert (out / b["path"]).is_file() and b["path"] not in good
    assert (out / reasons["empty_file"]["path"]).stat().st_size == 0
    ho = (out / reasons["header_only"]["path"]).read_text("utf-8").splitlines()
    assert len(ho) == 1 and "行政相对人名称" in ho[0]
    seeds = load_seeds()
    ul = (out / reasons["unknown_layout"]["path"]).read_text("utf-8").splitlines()[0].split(",")
    assert all(c is None for ds in ("penalty", "license") for c in seeds.resolve_headers(ds, ul))
    mr = (out / reasons["missing_required_columns"]["path"]).read_text("utf-8").splitlines()[0].split(",")
    got = set(seeds.resolve_headers("penalty", mr))
    assert set(reasons["missing_required_columns"]["missing_columns"]).isdisjoint(got) and len(got) > 20
    raw = (out / reasons["undecodable"]["path"]).read_bytes()
    for enc in ("utf-8", "gb18030", "gbk"):
        with pytest.raises(UnicodeDecodeError):
            raw.decode(enc)
    with pytest.raises(Exception):
        CalamineWorkbook.from_path(str(out / reasons["corrupt_xlsx"]["path"])).get_sheet_by_index(0).to_python()
    bf = (out / reasons["binary_file"]["path"]).read_bytes()
    assert bf.startswith(b"\x89PNG") and b"\x00" in bf and reasons["binary_file"]["path"].endswith(".csv")
    folder = reasons["bad_drop_date_folder"]["path"].split("/")[1]
    with pytest.raises(ValueError):
        date.fromisoformat(folder)
    mal = reasons["malformed_row"]
    rows = list(csv.reader(io.StringIO((out / mal["path"]).read_text("utf-8"))))
    widths = Counter(len(r) for r in rows)
    assert len(widths) == 2 and min(widths.values()) == 1
    bad_at = [i for i, r in enumerate(rows[1:]) if len(r) != len(rows[0])]
    assert bad_at == [mal["rejected_row_index"]] and len(rows) - 2 == mal["loadable_rows"]


def test_no_bad_files_and_small_runs(tmp_path):
    m = generate_sample(tmp_path / "s", 40, 3, bad_files=False)
    assert m.records == 40 and m.bad_files == []
    folders = {p.name for p in (tmp_path / "s").glob("*/*") if p.is_dir()}
    assert all(date.fromisoformat(x) for x in folders)
    m0 = generate_sample(tmp_path / "z", 0, 3)
    assert m0.records == 0 and m0.files == []
    # regenerating over an earlier sample replaces it and keeps files that are not the sample's
    (tmp_path / "s" / "README.md").write_text("keep me")
    generate_sample(tmp_path / "s", 60, 5)
    generate_sample(tmp_path / "fresh", 60, 5)
    kept = tree_digest(tmp_path / "s")
    assert kept.pop("README.md") and kept == tree_digest(tmp_path / "fresh")
    with pytest.raises(FileExistsError):
        (tmp_path / "busy").mkdir()
        (tmp_path / "busy" / "keep.txt").write_text("x")
        generate_sample(tmp_path / "busy", 10)
