"""The quarterly/annual 通报 ranks as the monthly one does (report/periodic.py, issue 17): within 市直部门 / 区（县）部门,
by the composite score of the period's rates recomputed from the frozen months' summed counts, with the weights the
months were judged by (kept in the issued store: rules.json), a department criticised in any issued month of the
period after every department of its tier that never was.

A hand-made warehouse (tests/test_issuance.make_warehouse) with its own rules tables (marts.report_rule_*): weights
合规率 0.6 (higher), 迟报率 0.4 (lower); criticise 合规率 < 95% or 迟报率 > 5% when the base is at least 20.
Each of 2026-07, 08, 09 (行政处罚; records = 决定日期可识别; no 重错码 check):

  市直部门 (市本级)   07            08        09        period (Σ)                 score
  gaj 公安局          100/90 合规   100/100   100/100   300/290 = 96.67%, 迟报 0    60×290/300 + 40×1     = 98.00
                      (90% < 95%: 通报批评 in July)
  swj 税务局          100/96        100/96    100/96    300/288 = 96%, 迟报 0      60×0.96 + 40×1       = 97.60
  scjg 市场监管局     50/50 迟报2   same      same      150/150, 迟报 6/150 = 4%   60×1 + 40×0.96       = 98.40
  区（县）部门
  xg 西岗区局         40/39 迟报1   same      same      评定口径 120/120 (one defect a month owned by 重错码率),
                      (评定口径合规条数 40)               迟报 3/120 = 2.5%          60×1 + 40×0.975      = 99.00
  zs 中山区局         10/8          same      same      30/24 = 80%, 迟报 0        60×0.8 + 40×1        = 88.00
                      (base 10 < 20: never judged, so never criticised)

Ranks: 市直部门 scjg 1, swj 2, gaj 3 (98.00 > 97.60, but criticised in July); 区（县）部门 xg 1, zs 2.
"""
from __future__ import annotations

import json

import duckdb
import pytest

from dagster_project.report.issuance import IssuedStore, months_of, report_month
from dagster_project.report.periodic import load_period, report_period
from tests import test_issuance as TI

DEPTS = {"gaj": ("公安局", "市本级"), "swj": ("税务局", "市本级"), "scjg": ("市场监督管理局", "市本级"),
         "xg": ("西岗区局", "西岗区"), "zs": ("中山区局", "中山区")}
MONTHLY = {  # records, compliant, late, date_readable, code_check, code_error, code_conflict
    "gaj": {"2026-07": (100, 90, 0, 100, 0, 0, 0), "2026-08": (100, 100, 0, 100, 0, 0, 0),
            "2026-09": (100, 100, 0, 100, 0, 0, 0)},
    "swj": {m: (100, 96, 0, 100, 0, 0, 0) for m in months_of("2026-Q3")},
    "scjg": {m: (50, 50, 2, 50, 0, 0, 0) for m in months_of("2026-Q3")},
    "xg": {m: (40, 39, 1, 40, 0, 0, 0) for m in months_of("2026-Q3")},
    "zs": {m: (10, 8, 0, 10, 0, 0, 0) for m in months_of("2026-Q3")},
}
JUDGED_EXTRA = {"xg": 1}  # compliant as judged = compliant + this (a missing USCC is 重错码率's, counted once)

THRESHOLDS = [("P_COMPLIANCE", "praise", "compliance_rate", ">=", "0.98", None, "合规率不低于98%"),
              ("P_LATE", "praise", "late_rate", "<=", "0.01", None, "迟报率不高于1%"),
              ("C_COMPLIANCE", "criticise", "compliance_rate", "<", "0.95", 20, "合规率低于95%"),
              ("C_LATE", "criticise", "late_rate", ">", "0.05", 20, "迟报率高于5%")]


def _set_weights(path, weights) -> None:
    con = duckdb.connect(str(path))
    con.execute("create or replace table marts.report_rule_ranking_weights "
                "(metric varchar, weight decimal(9, 4), direction varchar, description_zh varchar)")
    con.executemany("insert into marts.report_rule_ranking_weights values (?, ?, ?, ?)", weights)
    con.close()


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setattr(TI, "DEPTS", DEPTS)
    counts = {(d, m, "penalty"): c for d, months in MONTHLY.items() for m, c in months.items()}
    path = TI.make_warehouse(tmp_path / "credit.duckdb", counts)
    con = duckdb.connect(str(path))
    con.execute("alter table marts.dual_disclosure_compliance add column judged_compliant_records bigint")
    con.execute("update marts.dual_disclosure_compliance set judged_compliant_records = compliant_records")
    for dept, extra in JUDGED_EXTRA.items():
        con.execute("update marts.dual_disclosure_compliance set judged_compliant_records = compliant_records + ? "
                    "where department = ?", [extra, dept])
    con.execute("create table marts.report_rule_thresholds (threshold_id varchar, action varchar, metric varchar, "
                "comparator varchar, value decimal(9, 4), min_base integer, description_zh varchar)")
    con.executemany("insert into marts.report_rule_thresholds values (?, ?, ?, ?, ?, ?, ?)", THRESHOLDS)
    con.execute("create table marts.report_rule_tiers (district varchar, tier varchar, tier_zh varchar, "
                "tier_order integer, is_default boolean)")
    con.execute("insert into marts.report_rule_tiers values ('市本级', 'city', '市直部门', 1, false), "
                "(null, 'district', '区（县）部门', 2, true)")
    con.execute("create table marts.report_rule_defect_owners (rule_id varchar, owner_metric varchar, "
                "description_zh varchar)")
    con.execute("insert into marts.report_rule_defect_owners values "
                "('USCC_REQUIRED', 'code_error_rate', '缺少统一社会信用代码计入重错码率')")
    con.close()
    _set_weights(path, [("compliance_rate", "0.6", "higher", "合规率越高得分越高"),
                        ("late_rate", "0.4", "lower", "迟报率越低得分越高")])
    return path


def _issue_quarter(warehouse, tmp_path):
    for m in months_of("2026-Q3"):
        report_month(warehouse, m, tmp_path / m, issue=True)


def test_period_ranks_by_score_within_tiers_criticised_last(warehouse, tmp_path):
    _issue_quarter(warehouse, tmp_path)
    # a later build with other weights: the quarter still ranks by the weights its months were judged by
    _set_weights(warehouse, [("compliance_rate", "0.1", "higher", "x"), ("late_rate", "0.9", "lower", "y")])
    files, pd = report_period(warehouse, "2026-Q3", tmp_path / "q3")
    got = {d.department: (d.tier_zh, d.rank, round(float(d.score), 6)) for d in pd.md.departments}
    assert got == {"scjg": ("市直部门", 1, 98.4), "swj": ("市直部门", 2, 97.6), "gaj": ("市直部门", 3, 98.0),
                   "xg": ("区（县）部门", 1, 99.0), "zs": ("区（县）部门", 2, 88.0)}
    # exact: the weighted sum of the recomputed rates, not an average of monthly scores
    from fractions import Fraction as F

    gaj = next(d for d in pd.md.departments if d.department == "gaj")
    assert gaj.score == 100 * (F(6, 10) * F(290, 300) + F(4, 10) * (1 - F(0, 300)))
    assert [d.department for d in pd.md.departments] == ["scjg", "swj", "gaj", "xg", "zs"]
    assert pd.criticised == {"gaj"} and pd.rules_month == "2026-09"
    # the workbook's 部门排名: tier, rank and score as the 通报 prints them; the rule in words beneath
    import openpyxl

    ws = openpyxl.load_workbook(files.xlsx)["部门排名"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    head = rows[0]
    table = {r[head.index("部门编码")]: r for r in rows[1:] if r[head.index("部门编码")] in DEPTS}
    assert {k: (r[head.index("分组")], r[head.index("排名")], r[head.index("综合得分")]) for k, r in table.items()} == {
        "scjg": ("市直部门", 1, "98.40"), "swj": ("市直部门", 2, "97.60"), "gaj": ("市直部门", 3, "98.00"),
        "xg": ("区（县）部门", 1, "99.00"), "zs": ("区（县）部门", 2, "88.00")}
    text = TI.pdf_text(files.pdf)
    assert "本期任一月被通报批评的部门一律排在本组本期从未被通报批评的部门之后" in text
    assert "合规率（越高越好）占60%" in text and "2026年9月通报印发时所据的评定规则" in text


def test_the_issued_store_keeps_tier_score_and_rules(warehouse, tmp_path):
    _issue_quarter(warehouse, tmp_path)
    store = IssuedStore(warehouse)
    july = store.latest("2026-07")
    kept = json.loads(july.parquet("rules.json").read_text(encoding="utf-8"))
    assert [(w["metric"], w["weight"]) for w in kept["ranking_weights"]] == [("compliance_rate", "0.6"),
                                                                            ("late_rate", "0.4")]
    assert [t["min_base"] for t in kept["thresholds"]] == ["", "", "20", "20"]
    rows = store.departments(july)
    # July: gaj 90% -> 通报批评, ranked after swj although its July score is lower anyway (60×0.9 + 40 = 94)
    assert (rows["gaj"]["verdict"], rows["gaj"]["tier_zh"], rows["gaj"]["rank"]) == ("criticise", "市直部门", 3)
    assert rows["gaj"]["score"] == pytest.approx(94.0)
    assert (rows["xg"]["tier_zh"], rows["xg"]["score"]) == ("区（县）部门", pytest.approx(99.0))
    # judged 合规 kept per figure row: xg 40 a month
    assert {r.department: r.judged_compliant for r in store.figures(july)}["xg"] == 40
    # the period loads the same Rules back (one scorer: judgement.Rules.score)
    assert store.rules(july).score({"compliance_rate": 1, "late_rate": 0}) == 100


def test_quarter_criticised_means_criticised_in_an_issued_month(warehouse, tmp_path):
    """zs: 80% over 30 records in the quarter, but 10 a month, below the minimum base: never criticised in a
    month, so not criticised for the quarter (no new verdict for a period); gaj criticised in July only is."""
    _issue_quarter(warehouse, tmp_path)
    pd = load_period(warehouse, "2026-Q3")
    assert pd.criticised == {"gaj"}
    zs = next(d for d in pd.md.departments if d.department == "zs")
    assert zs.rank == 2 and zs.counts.compliance_rate == pytest.approx(0.8)
