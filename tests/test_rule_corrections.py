"""Issue 19's five rule corrections, each against its legal basis, on hand-made raw rows with hand-worked dates.

One dbt build (session fixture ``corrections_build``, also used by the entity-report section tests) over a raw
layer written here; as of 2026-11-22.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from dagster_project.settings import work_db_path
from tests.dbt_fixture import dbt_build
from tests.raw_fixture import write_raw
from tests.test_rules import AUTHORITY, GOOD_USCC, license_row, penalty, uscc_with_check

AS_OF = date(2026, 11, 22)
ID_IN_LEGAL_REP = "21020219901010123X"   # GB 11643-valid
LISTED_USCC = uscc_with_check("91210200MA0GGGGG7")
LISTED_NAME = "大连名单承诺测试有限公司"
EMPTY_USCC = uscc_with_check("91210200MA0HHHHH8")
EMPTY_NAME = "大连无记录测试有限公司"
REPAIRED_USCC = uscc_with_check("91210200MA0JJJJJ9")
REPAIRED_NAME = "大连修复测试有限公司"


def _party(name: str, uscc: str) -> dict:
    """The party fields of a record about one entity."""
    return dict(party_name=name, party_type="法人及非法人组织", uscc=uscc)


def _archive_row(party: dict, **fields) -> dict:
    """A row of a dataset beyond 双公示 (repair, list, commitment, action) about `party`."""
    return dict(party, source_unit="大连市信用中心", source_unit_uscc=AUTHORITY, department="swj",
                drop_date=date(2026, 11, 20), **fields)


def repair(repaired_no: str, repair_date: str, no: str, party: dict) -> dict:
    return _archive_row(party, repaired_decision_no=repaired_no, repaired_dataset="行政处罚", repair_date=repair_date,
                        repair_authority="大连市发展和改革委员会", repair_decision_no=no)


def corrections_rows() -> dict[str, list[dict]]:
    rp = _party(REPAIRED_NAME, REPAIRED_USCC)
    lp = _party(LISTED_NAME, LISTED_USCC)
    p = [
        # 1. 民法典 201/202: windows end on the corresponding day (the month's last day where there is none)
        penalty("CC-YEAR", decision_date="2026-05-10", drop_date=date(2026, 5, 12), severity="一般"),
        penalty("CC-MONTH-END", decision_date="2024-02-29", drop_date=date(2024, 3, 1)),    # old regime, 36 months
        penalty("CC-SUPPLIED-OK", decision_date="2026-05-10", drop_date=date(2026, 5, 12),
                disclosure_deadline="2027-05-10"),                                         # the department's date agrees
        penalty("CC-SUPPLIED-OLD", decision_date="2026-05-10", drop_date=date(2026, 5, 12),
                disclosure_deadline="2027-05-09"),                                         # the old "−1 day" reading
        penalty("CC-LAST-DAY", decision_date="2023-11-22", drop_date=date(2023, 11, 23)),  # ends 2026-11-22 = as-of
        # 2. minimum periods: 一般 3 months (2026 regime); special domain 1 year (2019 regime)
        penalty("MIN-EARLY", decision_date="2026-08-10", drop_date=date(2026, 8, 12), **rp),
        penalty("MIN-ON-LAST-DAY", decision_date="2026-08-10", drop_date=date(2026, 8, 12), **rp),
        penalty("MIN-SERVED", decision_date="2026-08-10", drop_date=date(2026, 8, 12), **rp),
        penalty("MIN-SPECIAL", violation_type="消防安全违法", decision_date="2026-01-15",
                drop_date=date(2026, 1, 19), **rp),
        # 3. 市场监管: 普通程序 published, 简易程序 not, unknown published and flagged; others unaffected
        penalty("PR-ORDINARY", department="scjgj", procedure_type="普通程序"),
        penalty("PR-SIMPLE", department="scjgj", procedure_type="简易程序"),
        penalty("PR-SIMPLE-SYN", department="scjgj", procedure_type="简易"),
        penalty("PR-UNKNOWN", department="scjgj"),
        penalty("PR-GARBAGE", department="scjgj", procedure_type="快速办理"),
        penalty("PR-OTHER-DEPT", department="swj", procedure_type="简易程序"),
        penalty("PR-OTHER-DEPT-NONE", department="swj"),
        # 4. 文号 as written: 〔〕 kept; a year in other brackets shown in 〔〕; the match key folds them all
        penalty("连税罚〔2026〕7号"),
        penalty("连税罚(2026)8号"),
        penalty("连税罚［2026］9号"),
        penalty("连税罚（2026）10号"),
        penalty("连税罚（2026）11号", decision_date="2026-05-10", drop_date=date(2026, 5, 12)),  # repaired below
        # 5. 行政相对人类别 synonyms
        penalty("PT-GETIHU", party_type="个体户", uscc=uscc_with_check("92210200MA0KKKKK1"), party_name="大连某某烧烤店"),
        penalty("PT-QIYEFAREN", party_type="企业法人", party_name="大连企业法人测试有限公司",
                uscc=uscc_with_check("91210200MA0LLLLL2")),
        penalty("PT-FAREN", party_type=" 法人 ", party_name="大连法人测试有限公司", uscc=uscc_with_check("91210200MA0MMMMM3")),
        penalty("PT-QITA", party_type="其他组织", party_name="大连其他组织测试协会", uscc=uscc_with_check("51210200MA0NNNNN4"),
                legal_rep=f"赵某{ID_IN_LEGAL_REP}"),                  # an ID number typed into 法定代表人
        penalty("PT-GARBAGE", party_type="公司类", party_name="大连乱填类别有限公司", uscc=uscc_with_check("91210200MA0PPPPP5")),
        # the entity-report cases: a listed, committed entity with a public penalty and license
        penalty("ER-PEN-1", decision_date="2026-10-09", drop_date=date(2026, 10, 12), legal_rep="张伟", **lp),
    ]
    lic = [license_row("ER-LIC-1", valid_to="2099-12-31", **lp),
           license_row("ER-LIC-EMPTY-OWNER", party_name="大连许可证持有人有限公司", uscc=uscc_with_check("91210200MA0QQQQQ6"))]
    repairs = [
        # 2026-08-10 + 3 months = 2026-11-10 is the minimum's last day (民法典 202)
        repair("MIN-EARLY", "2026-11-09", "连发改修〔2026〕1号", rp),
        repair("MIN-ON-LAST-DAY", "2026-11-10", "连发改修〔2026〕2号", rp),
        repair("MIN-SERVED", "2026-11-11", "连发改修〔2026〕3号", rp),
        # 2026-01-15, 消防 (2019 regime, special domain): 12 months -> 2027-01-15; a repair in November is early
        repair("MIN-SPECIAL", "2026-11-16", "连发改修〔2026〕4号", rp),
        # names its penalty 连税罚（2026）11号 with square brackets; minimum 2026-05-10 + 3 months = 2026-08-10
        repair("连税罚[2026]11号", "2026-11-01", "连发改修〔2026〕5号",
               _party("大连星海贸易有限公司", GOOD_USCC)),
    ]
    credit_list = [
        _archive_row(lp, list_type="黑名单", list_name="严重违法失信企业名单", list_authority="大连市市场监督管理局",
             list_decision_no="连市监列〔2026〕1号", list_entry_date="2026-06-01", list_reason="严重违法失信"),
        _archive_row(lp, list_type="红名单", list_name="A级纳税人", list_authority="国家税务总局大连市税务局",
             list_decision_no="大税〔2026〕8号", list_entry_date="2026-04-01", list_reason="纳税信用评价为A级"),
        # a court's 失信被执行人 entry: its 案号 keeps round brackets (not a 文号)
        _archive_row(lp, list_authority="大连市中级人民法院", list_decision_no="（2026）辽02执123号",
                     list_entry_date="2026-09-01", list_reason="有履行能力而拒不履行生效法律文书确定义务"),
    ]
    commitment = [
        _archive_row(lp, commitment_doc_no="CN-2026-001", commitment_type="审批替代型", commitment_content="按期补齐材料",
             commitment_date="2026-03-01", commitment_authority="大连市行政审批局", fulfilment_status="履约",
             fulfilment_date="2026-06-01"),
    ]
    other_action = [
        _archive_row(lp, action_kind="行政奖励", action_decision_no="大政奖〔2026〕3号", action_content="授予诚信企业称号",
             action_basis="《大连市社会信用条例》", action_date="2026-09-01", action_authority="大连市人民政府"),
    ]
    # the empty entity: one license revoked (the archive knows it; every public section is empty)
    lic.append(license_row("ER-EMPTY-REVOKED", status="撤销", **_party(EMPTY_NAME, EMPTY_USCC)))
    return dict(penalty=p, license=lic, repair=repairs, credit_list=credit_list, commitment=commitment,
                other_action=other_action)


@pytest.fixture(scope="session")
def corrections_build(tmp_path_factory):
    """(warehouse path, work DB path) of the corrections build."""
    root = tmp_path_factory.mktemp("corrections")
    warehouse = root / "credit.duckdb"
    write_raw(warehouse, as_of=AS_OF, **corrections_rows())
    dbt_build(warehouse, AS_OF, root / "target")
    return warehouse, work_db_path(warehouse)


@pytest.fixture(scope="module")
def db(corrections_build):
    con = duckdb.connect(str(corrections_build[1]), read_only=True)
    yield con
    con.close()


def q(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


def rec(con, decision_no: str, *cols: str):
    row = q(con, f"select {', '.join(cols)} from marts.fct_credit_record where decision_no = ?", decision_no)
    assert len(row) == 1, (decision_no, row)
    return row[0]


def rules_of(con, decision_no: str) -> set[str]:
    return {r[0] for r in q(con, "select rule_id from marts.fct_rule_violation where decision_no = ?", decision_no)}


def public_nos(con) -> set[str]:
    return {r[0] for r in q(con, "select decision_no from marts.public_disclosure")}


# --------------------------------------------------------------------------- 1. 民法典 201/202


def test_window_ends_on_the_corresponding_day(db):
    """民法典第二百零一条: the first day is not counted; 第二百零二条: a period in months or years ends on the
    corresponding day of the last month. 一般 (2026 regime) is 12 months: 2026-05-10 -> 2027-05-10."""
    assert rec(db, "CC-YEAR", "disclosure_until") == (date(2027, 5, 10),)


def test_a_missing_corresponding_day_is_the_months_last_day(db):
    """2024-02-29 + 36 months: 2027 has no 29 February, so the period ends on 2027-02-28 (民法典 202)."""
    assert rec(db, "CC-MONTH-END", "disclosure_until") == (date(2027, 2, 28),)


def test_a_supplied_deadline_that_follows_the_code_is_not_flagged(db):
    assert rec(db, "CC-SUPPLIED-OK", "supplied_disclosure_deadline", "supplied_deadline_disagrees") == (
        date(2027, 5, 10), False)
    assert rec(db, "CC-SUPPLIED-OLD", "supplied_deadline_disagrees") == (True,)   # one day short


def test_the_last_day_is_still_shown(db):
    """2023-11-22 + 36 months ends 2026-11-22, the as-of date: shown that day, expired the next."""
    assert rec(db, "CC-LAST-DAY", "disclosure_status", "disclosure_until") == ("public", date(2026, 11, 22))
    assert "CC-LAST-DAY" in public_nos(db)


# --------------------------------------------------------------------------- 2. minimum periods


def test_repair_before_the_minimum_does_not_end_disclosure(db):
    """36号令: 一般 minimum 3 months; 2026-08-10 + 3 months = 2026-11-10 (民法典 202), shown through that day.
    A repair dated 2026-11-09 or 2026-11-10 is early; 2026-11-11 ends disclosure."""
    assert rec(db, "MIN-EARLY", "disclosure_status", "min_disclosure_until", "early_repair_date", "repaired_on") == (
        "public", date(2026, 11, 10), date(2026, 11, 9), None)
    assert rec(db, "MIN-ON-LAST-DAY", "disclosure_status", "early_repair_date") == ("public", date(2026, 11, 10))
    assert rec(db, "MIN-SERVED", "disclosure_status", "repaired_on", "early_repair_date") == (
        "repaired", date(2026, 11, 11), None)
    public = public_nos(db)
    assert {"MIN-EARLY", "MIN-ON-LAST-DAY"} <= public and "MIN-SERVED" not in public


def test_special_domain_minimum_is_one_year(db):
    """58号令 (decision before 2026-04-01), 消防: minimum 1 year, 2026-01-15 -> 2027-01-15; a November repair is early."""
    assert rec(db, "MIN-SPECIAL", "disclosure_status", "min_disclosure_until", "early_repair_date") == (
        "public", date(2027, 1, 15), date(2026, 11, 16))


def test_early_repair_is_on_the_penalty_departments_list_for_review(db):
    rows = q(db, """select department, month, severity, rule_message_zh, offending_value from marts.fct_rectification_item
                    where rule_id = 'REPAIR_BEFORE_MINIMUM' and decision_no = 'MIN-EARLY'""")
    assert len(rows) == 1
    department, month, severity, message, value = rows[0]
    assert (department, month, severity, value) == ("swj", "2026-11", "warn", "2026-11-09")
    assert "连发改修〔2026〕1号" in message and "2026-11-10" in message
    flagged = {r[0] for r in q(db, "select decision_no from marts.fct_rule_violation where rule_id = 'REPAIR_BEFORE_MINIMUM'")}
    assert flagged == {"MIN-EARLY", "MIN-ON-LAST-DAY", "MIN-SPECIAL"}
    # a review flag, not a field error: the record is not held for it
    assert rec(db, "MIN-EARLY", "error_count") == (0,)


# --------------------------------------------------------------------------- 3. 市场监管 procedure


def test_market_regulation_publishes_ordinary_procedure_only(db):
    """市场监督管理行政处罚信息公示规定 (2021): only 普通程序 decisions are published."""
    assert rec(db, "PR-ORDINARY", "disclosure_status", "procedure_unknown") == ("public", False)
    for no in ("PR-SIMPLE", "PR-SIMPLE-SYN"):                                        # 简易 is a synonym
        status, reason, procedure = rec(db, no, "disclosure_status", "disclosure_reason_zh", "procedure_type")
        assert (status, procedure) == ("not_public", "简易程序") and "简易程序" in reason
    assert not {"PR-SIMPLE", "PR-SIMPLE-SYN"} & public_nos(db)


def test_unknown_procedure_is_published_and_flagged(db):
    for no in ("PR-UNKNOWN", "PR-GARBAGE"):
        assert rec(db, no, "disclosure_status", "procedure_unknown") == ("public", True)
    # a value the code list does not know is the department's to correct; leaving out an item the national standard
    # does not have is not: flagged on the record, no 整改 line
    assert rules_of(db, "PR-GARBAGE") == {"PROCEDURE_UNKNOWN"}
    assert rules_of(db, "PR-UNKNOWN") == set()
    assert q(db, "select offending_value from marts.fct_rule_violation where decision_no = 'PR-GARBAGE'") == [("快速办理",)]


def test_other_departments_are_not_bound_by_the_market_rule(db):
    assert rec(db, "PR-OTHER-DEPT", "disclosure_status", "procedure_unknown") == ("public", False)
    assert rec(db, "PR-OTHER-DEPT-NONE", "disclosure_status", "procedure_unknown") == ("public", False)
    assert rules_of(db, "PR-OTHER-DEPT-NONE") == set()


def test_procedure_is_a_data_item_with_header_aliases_and_a_code_list():
    import csv

    from dagster_project.paths import SEEDS_DIR

    def rows(name):
        with open(SEEDS_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    assert {"程序类型"} == {r["label_zh"] for r in rows("dataset_columns") if r["column_name"] == "procedure_type"}
    assert {"处罚程序", "适用程序"} <= {r["alias"] for r in rows("header_aliases") if r["column_name"] == "procedure_type"}
    assert {"普通程序", "简易程序"} == {r["code"] for r in rows("code_lists") if r["column_name"] == "procedure_type"}


# --------------------------------------------------------------------------- 4. 文号 (GB/T 9704)


def test_decision_numbers_keep_hexagonal_brackets(db):
    """GB/T 9704-2012 7.2.3: the year of a 发文字号 is enclosed in 六角括号 〔〕."""
    shown = {r[0] for r in q(db, "select decision_no from marts.public_disclosure where decision_no like '连税罚%'")}
    assert shown == {"连税罚〔2026〕7号", "连税罚〔2026〕8号", "连税罚〔2026〕9号", "连税罚〔2026〕10号"}
    assert not any("(" in no or "[" in no for no in shown)


def test_list_numbers_keep_the_brackets_they_were_written_with(db):
    """认定文号: a 文号 keeps 〔〕; a court's 案号 is not a 文号 and is not given them."""
    got = {r[0] for r in q(db, "select list_decision_no from marts.fct_credit_list_membership")}
    assert got == {"连市监列〔2026〕1号", "大税〔2026〕8号", "(2026)辽02执123号"}


def test_matching_folds_every_bracket_kind(db):
    keys = dict(q(db, """select decision_no, decision_no_norm from intermediate.int_submissions
                         where decision_no like '连税罚%'"""))
    assert keys["连税罚〔2026〕7号"] == "连税罚(2026)7号"
    assert keys["连税罚〔2026〕9号"] == "连税罚(2026)9号"                      # [] folds like 〔〕 and （）
    # a repair that names its penalty with other brackets still finds it
    assert rec(db, "连税罚〔2026〕11号", "disclosure_status", "repaired_on") == ("repaired", date(2026, 11, 1))


# --------------------------------------------------------------------------- 5. 行政相对人类别 synonyms


def test_party_category_synonyms_map_to_standard_categories(db):
    expect = {"PT-GETIHU": "个体工商户", "PT-QIYEFAREN": "法人及非法人组织", "PT-FAREN": "法人及非法人组织",
              "PT-QITA": "法人及非法人组织"}
    for no, category in expect.items():
        assert rec(db, no, "party_type", "disclosure_status") == (category, "public"), no
        assert rules_of(db, no) == set(), no
    sent = dict(q(db, "select decision_no, party_type_sent from intermediate.int_submissions where decision_no like 'PT-%'"))
    assert sent["PT-GETIHU"] == "个体户" and sent["PT-FAREN"] == "法人"


def test_an_unknown_category_is_still_held(db):
    assert rec(db, "PT-GARBAGE", "disclosure_status") == ("held",)
    assert "CODE_LIST" in rules_of(db, "PT-GARBAGE")


def test_a_procedure_heading_is_read_into_the_raw_layer(tmp_path):
    """A drop whose file carries 程序类型 (or an alias) lands it in raw.penalty.procedure_type."""
    from dagster_project.ingest import ingest_drops
    from tests.ingest_fixtures import columns, csv_text, dataset_rows, labels

    header, body = labels("penalty"), dataset_rows("penalty", 2)
    at = columns("penalty").index("procedure_type")
    header[at] = "处罚程序"                                              # an alias of 程序类型
    body[0][at], body[1][at] = "简易程序", "一般程序"
    drops = tmp_path / "drops"
    folder = drops / "scjgj" / "2026-11-02"
    folder.mkdir(parents=True)
    (folder / "行政处罚.csv").write_text(csv_text(header, body), encoding="utf-8")
    con = duckdb.connect()
    ingest_drops(con, drops, tmp_path / "raw")
    assert sorted(r[0] for r in con.execute("select procedure_type from raw.penalty").fetchall()) == ["一般程序", "简易程序"]
