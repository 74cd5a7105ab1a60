"""Cleaning, rule checks, dedupe, entity resolution and disclosure, on hand-made raw rows with known answers.

One dbt build (session fixture) over a raw layer written here; each test asserts one behaviour on it.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from dagster_project.paths import REALDATA_DIR
from dagster_project.settings import work_db_path
from dagster_project.workdays import nth_workday_after
from tests.dbt_fixture import dbt_build
from tests.raw_fixture import write_raw

AS_OF = date(2026, 11, 22)
GOOD_USCC = "91350100M000100Y43"


def uscc_with_check(body17: str) -> str:
    """Append the GB 32100 check character (also for letter-first codes stdnum refuses)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(body17, weights))
    return body17 + alphabet[(31 - total % 31) % 31]


def org_code_with_check(body8: str) -> str:
    """Append the GB 11714 check character."""
    total = sum(int(c, 36) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


AUTHORITY = uscc_with_check("11210200MB1234567")
LETTER_FIRST = uscc_with_check("Y1210200MA0000001")  # valid by GB 32100, rejected by python-stdnum
SECOND_USCC = uscc_with_check("91210200" + org_code_with_check("MA0AAAAA"))
THIRD_USCC = uscc_with_check("91210200MA0BBBBB2")
FOURTH_USCC = uscc_with_check("92210200MA0CCCCC3")


def penalty(no: str, **over) -> dict:
    row = dict(
        party_name="大连星海贸易有限公司", party_type="法人及非法人组织", uscc=GOOD_USCC,
        source_unit="大连市市场监督管理局", source_unit_uscc=AUTHORITY,
        decision_no=no, violation_type="虚假宣传", violation_facts="发布虚假广告", penalty_basis="《广告法》第五十五条",
        penalty_category="罚款", penalty_content="罚款5万元", fine_amount="5", decision_date="2026-11-06",
        valid_until="2027-11-06", authority="大连市市场监督管理局", authority_uscc=AUTHORITY,
        department="swj", drop_date=date(2026, 11, 17),
    )
    row.update(over)
    return row


def license_row(no: str, **over) -> dict:
    row = dict(
        party_name="大连星海贸易有限公司", party_type="法人及非法人组织", uscc=GOOD_USCC,
        source_unit="大连市住房和城乡建设局", source_unit_uscc=AUTHORITY,
        license_doc_name="建筑工程施工许可证", decision_no=no, license_category="普通", license_content="施工许可",
        decision_date="2026-11-06", valid_from="2026-11-06", valid_to="2027-11-05",
        authority="大连市住房和城乡建设局", authority_uscc=AUTHORITY, status="正常",
        department="zjj", drop_date=date(2026, 11, 17),
    )
    row.update(over)
    return row


FIX_USCC_OLD = uscc_with_check("91210200MA0EEEEE5")
FIX_USCC_NEW = uscc_with_check("91210200MA0FFFFF6")
ARCHIVE_USCC = uscc_with_check("91210200MA0DDDDD4")
ARCHIVE_NAME = "大连档案测试有限公司"
PARTY = dict(party_name=ARCHIVE_NAME, party_type="法人及非法人组织", uscc=ARCHIVE_USCC,
             source_unit="大连市信用中心", source_unit_uscc=AUTHORITY, department="swj", drop_date=date(2026, 11, 17))


def repair_row(repaired_no: str, repair_date: str, **over) -> dict:
    row = dict(PARTY, repaired_decision_no=repaired_no, repaired_dataset="行政处罚", repair_date=repair_date,
               repair_authority="大连市发展和改革委员会", repair_decision_no=f"连发改修〔2026〕{repaired_no}号",
               drop_date=date(2026, 11, 20))
    row.update(over)
    return row


def objection_row(objected_no: str, accepted: str, result: str | None = None, resolved: str | None = None, **over) -> dict:
    row = dict(PARTY, objected_decision_no=objected_no, objected_dataset="行政处罚", objection_date=accepted,
               objection_result=result, resolution_date=resolved, objection_handler="大连市信用中心",
               drop_date=date(2026, 11, 20))
    row.update(over)
    return row


def list_row(no: str, list_type: str | None, list_name: str | None, entered: str, removed: str | None = None, **over) -> dict:
    row = dict(PARTY, list_type=list_type, list_name=list_name, list_authority="大连市市场监督管理局",
               list_decision_no=no, list_entry_date=entered, list_exit_date=removed, list_reason="严重违法失信",
               drop_date=date(2026, 11, 20))
    row.update(over)
    return row


def build_archive_rows() -> dict[str, list[dict]]:
    """信用修复, 异议处理 and 红黑名单 cases about one entity (ARCHIVE_USCC), dated around AS_OF."""
    # the repaired penalties are old enough for their minimum window (一般: 3 months) to have been served by the
    # repair dates, except REP-EARLY (2026-11-06 + 3 months = 2027-02-06; tests/test_rule_corrections.py has the rule)
    served = dict(PARTY, decision_date="2026-06-01", drop_date=date(2026, 6, 2))
    p = [penalty(no, **served) for no in ("REP-DONE", "REP-LATER", "REP-BY-NAME")]
    p += [penalty(no, **PARTY) for no in ("REP-EARLY", "OBJ-WITHDRAWN", "OBJ-OPEN", "OBJ-KEPT")]
    repair = [
        repair_row("REP-DONE", "2026-11-15"),                  # before as_of: repaired
        repair_row("REP-LATER", "2026-12-01"),                 # dated after as_of: not yet
        repair_row("rep-by-name", "2026-11-18", uscc=None),    # no USCC, same name; number normalised
        repair_row("REP-EARLY", "2026-11-16"),                 # before the minimum window was served: not applied
    ]
    objection = [
        objection_row("OBJ-WITHDRAWN", "2026-11-08", "撤销", "2026-11-10"),
        objection_row("OBJ-OPEN", "2026-11-12"),
        objection_row("OBJ-KEPT", "2026-11-08"),                                  # accepted ...
        objection_row("OBJ-KEPT", "2026-11-08", "维持", "2026-11-11", drop_date=date(2026, 11, 21)),  # ... then kept
    ]
    credit_list = [
        list_row("BL-CURRENT", "黑名单", "严重违法失信企业名单", "2026-06-01"),
        list_row("BL-REMOVED", "黑名单", "严重违法失信企业名单", "2025-06-01", "2026-10-01"),
        list_row("RL-CURRENT", "红名单", "A级纳税人", "2026-04-01", list_authority="国家税务总局大连市税务局"),
        list_row("BL-FUTURE-EXIT", "黑名单", "拖欠农民工工资失信联合惩戒对象名单", "2026-01-05", "2027-01-05"),
        # a court's 失信被执行人 entry without list type or name: defaulted from seed credit_list_defaults
        list_row("（2026）辽02执123号", None, None, "2026-09-01", list_authority="大连市中级人民法院"),
        # broken entries: removal before listing; no list name and no default for the authority
        list_row("BL-BAD-ORDER", "黑名单", "严重违法失信企业名单", "2026-05-01", "2026-04-01",
                 party_name="日期颠倒有限公司", uscc=None),
        list_row("BL-NO-NAME", "黑名单", None, "2026-05-01", party_name="无名单名称有限公司", uscc=None),
    ]
    commitment = [
        dict(PARTY, commitment_doc_no="CN-KEPT", commitment_type="审批替代型", commitment_date="2026-03-01",
             commitment_authority="大连市行政审批局", fulfilment_status="履约", drop_date=date(2026, 11, 20)),
        dict(PARTY, commitment_doc_no="CN-BROKEN", commitment_type="容缺受理型", commitment_date="2026-04-01",
             commitment_authority="大连市行政审批局", fulfilment_status="履约中", drop_date=date(2026, 10, 20)),
        # the verdict arrives later as a new version of the same commitment
        dict(PARTY, commitment_doc_no="CN-BROKEN", commitment_type="容缺受理型", commitment_date="2026-04-01",
             commitment_authority="大连市行政审批局", fulfilment_status="未履约", fulfilment_date="2026-11-01",
             drop_date=date(2026, 11, 20)),
        dict(PARTY, commitment_doc_no="CN-BAD-STATUS", commitment_type="主动型", commitment_date="2026-05-01",
             commitment_authority="大连市行政审批局", fulfilment_status="差不多", drop_date=date(2026, 11, 20)),
    ]
    other_action = [
        dict(PARTY, action_kind="行政强制", action_decision_no="OA-FORCE", action_content="查封场所",
             action_date="2026-11-02", action_authority="大连市市场监督管理局", action_authority_uscc=AUTHORITY,
             drop_date=date(2026, 11, 20)),
        dict(PARTY, action_kind="行政表扬", action_decision_no="OA-BAD-KIND", action_content="通报表扬",
             action_date="2026-11-02", action_authority="大连市人民政府", drop_date=date(2026, 11, 20)),
    ]
    return dict(penalty=p, repair=repair, objection=objection, credit_list=credit_list, commitment=commitment,
                other_action=other_action)


def load_vectors(section: str) -> list[tuple[str, str]]:
    path = REALDATA_DIR / "stdnum_cn_vectors.txt"
    if not path.exists():
        return []
    out, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# section:"):
            current = line.split(":", 1)[1].split()[0]
        elif line and not line.startswith("#") and current == section:
            status, number = line.split("\t", 1)
            out.append((status, number))
    return out


VALID_ID = "21020219901010123X"          # GB 11643-valid (birth date 1990-10-10, check character X)
SPACED_ID = "2102 0219 9010 1012 3X"
HYPHENATED_ID = "210202-19901010-123X"
FULLWIDTH_ID = "".join(chr(ord(c) + 0xFEE0) for c in VALID_ID)
OLD_15_ID = "210202901010123"             # the pre-1999 15-digit form (birth date 1990-10-10)
SECOND_VALID_ID = "11010519491231002X"
DATE_STAMPED_NO = "罚字〔2026〕210200202611050001号"   # region + date + serial: the shape, not the check


EXCEL_SERIAL_2026_03_05 = str((date(2026, 3, 5) - date(1899, 12, 30)).days)
DATE_FORMS = {
    "DF1": "2026/3/5", "DF2": "2026-03-05", "DF3": "20260305", "DF4": "2026年3月5日",
    "DF5": EXCEL_SERIAL_2026_03_05, "DF6": "2026-03-05 00:00:00", "DF7": "２０２６－０３－０５",
}
# a decision whose 7-working-day deadline crosses a 调休 Saturday (a working day in the official calendar)
TIAOXIU_DECISION = date(2026, 9, 25)   # deadline counts Sunday 2026-09-28? computed in the test


def build_rows():
    p, l = [], []
    p.append(penalty("CLEAN-1"))
    p.append(penalty("LATE-1", drop_date=nth_workday_after(date(2026, 11, 6), 8)))
    p.append(penalty("ONTIME-1", drop_date=nth_workday_after(date(2026, 11, 6), 7)))
    # violations, one rule per row
    p.append(penalty("V-REQUIRED", violation_facts="  "))
    p.append(penalty("V-CODELIST", penalty_category="乱罚;罚款"))
    p.append(penalty("V-PARTYTYPE", party_type="公司类"))   # not a category nor a synonym (法人 is one: code_synonyms)
    p.append(penalty("V-USCC-REQ", uscc=None, party_name="无码商行"))
    p.append(penalty("V-USCC-BAD", uscc=GOOD_USCC[:-1] + "4", party_name="坏码公司"))
    p.append(penalty("V-ORG-BAD", uscc=None, org_code="12345678-0", party_name="坏机构代码公司"))
    p.append(penalty("V-ID-REQ", party_type="自然人", uscc=None, party_name="李四", id_type=None, id_no=None))
    p.append(penalty("V-ID-BAD", party_type="自然人", uscc=None, party_name="王五", id_type="身份证", id_no="110105194912310021"))
    p.append(penalty("V-AUTH-BAD", authority_uscc="11210200MB1234567A"))
    p.append(penalty("V-SRC-BAD", source_unit_uscc="123"))
    p.append(penalty("V-DATE-BAD", decision_date="去年三月"))
    p.append(penalty("V-AFTER-DROP", decision_date="2026-11-20"))
    p.append(penalty("V-AMOUNT-TEXT", fine_amount="五万"))
    p.append(penalty("V-AMOUNT-NEG", fine_amount="-1"))
    p.append(penalty("V-AMOUNT-YUAN", fine_amount="50000"))
    l.append(license_row("L-CLEAN"))
    l.append(license_row("L-ORDER", valid_from="2026-11-06", valid_to="2026-01-01"))
    l.append(license_row("L-REVOKED", status="撤销"))
    l.append(license_row("L-PERSON", party_type="自然人", uscc=None, party_name="赵六", id_type="身份证",
                         id_no="11010519491231002X"))
    # dates in every form
    for code, text in DATE_FORMS.items():
        p.append(penalty(code, decision_date=text, drop_date=date(2026, 3, 10)))
    # full-width, lower-case USCC is still valid after normalisation
    fw = "".join(chr(ord(c) + 0xFEE0) for c in GOOD_USCC.lower())
    p.append(penalty("FULLWIDTH", uscc=fw))
    # identifier vectors from python-stdnum
    for i, (status, number) in enumerate(load_vectors("uscc")):
        p.append(penalty(f"VEC-USCC-{i}", uscc=number, party_name=f"向量{i}", remarks=status))
    p.append(penalty("LETTER-FIRST", uscc=LETTER_FIRST, party_name="字母开头登记机关单位"))
    for i, (status, number) in enumerate(load_vectors("ric")):
        p.append(penalty(f"VEC-RIC-{i}", party_type="自然人", uscc=None, party_name=f"人{i}", id_type="身份证",
                         id_no=number, remarks=status))
    # dedupe: first send, an exact resubmission in a later drop, then a correction
    first = penalty("DUP-1", fine_amount="1", decision_date="2026-10-09", drop_date=date(2026, 10, 12))
    p.append(first)
    p.append(dict(first, drop_date=date(2026, 10, 20), file_path="swj/2026-10-20/again.csv", file_hash="h-again"))
    p.append(dict(first, fine_amount="2", penalty_content="罚款2万元", drop_date=date(2026, 11, 3),
                  file_path="swj/2026-11-03/fix.csv", file_hash="h-fix"))
    # a correction that changes the party's USCC corrects the decision; a joint decision keeps one per party
    p.append(penalty("FIX-USCC", uscc=FIX_USCC_OLD, party_name="改码测试有限公司", decision_date="2026-10-28",
                     drop_date=date(2026, 11, 3), file_path="swj/2026-11-03/fix-uscc.csv", file_hash="h-fix-uscc-1"))
    p.append(penalty("FIX-USCC", uscc=FIX_USCC_NEW, party_name="改码测试有限公司", decision_date="2026-10-28",
                     drop_date=date(2026, 11, 17), file_path="swj/2026-11-17/fix-uscc.csv", file_hash="h-fix-uscc-2"))
    p.append(penalty("JOINT-1", uscc=FIX_USCC_OLD, party_name="共同违法甲有限公司"))
    p.append(penalty("JOINT-1", uscc=FIX_USCC_NEW, party_name="共同违法乙有限公司"))
    # entity resolution
    p.append(penalty("ER-USCC", uscc=SECOND_USCC, party_name="大连港湾物流有限公司"))
    p.append(penalty("ER-ORG", uscc=None, org_code=SECOND_USCC[8:16] + "-" + SECOND_USCC[16], party_name="旧名物流"))
    p.append(penalty("ER-NAME", uscc=None, biz_reg_no="210200000012345", party_name="大连港湾物流有限公司"))
    p.append(penalty("ER-AMB-1", uscc=THIRD_USCC, party_name="同名商贸有限公司"))
    p.append(penalty("ER-AMB-2", uscc=FOURTH_USCC, party_name="同名商贸有限公司", party_type="个体工商户"))
    p.append(penalty("ER-AMB-3", uscc=None, party_name="同名商贸有限公司"))
    p.append(penalty("ER-PERSON", party_type="自然人", uscc=None, party_name="孙七", id_type="身份证",
                     id_no="11010519491231002X"))
    p.append(penalty("CONFLICT", uscc=SECOND_USCC, party_name="完全不同的名字有限公司"))
    # disclosure windows (as of 2026-11-22)
    p.append(penalty("W-OLD-LASTDAY", decision_date="2023-11-22", drop_date=date(2023, 11, 23)))
    p.append(penalty("W-OLD-EXPIRED", decision_date="2023-11-21", drop_date=date(2023, 11, 22)))
    p.append(penalty("W-OLD-SPECIAL", violation_type="安全生产违法", decision_date="2026-03-31", drop_date=date(2026, 4, 2)))
    p.append(penalty("W-NEW-GENERAL", decision_date="2026-04-01", drop_date=date(2026, 4, 2)))
    p.append(penalty("W-NEW-SEVERE", decision_date="2026-05-06", drop_date=date(2026, 5, 7), severity="严重"))
    p.append(penalty("W-NEW-MINOR", decision_date="2026-05-06", drop_date=date(2026, 5, 7), severity="轻微"))
    p.append(penalty("W-MULTI", decision_date="2026-05-06", drop_date=date(2026, 5, 7), penalty_category="警告、吊销许可证"))
    p.append(penalty("W-WARN-MARKET", penalty_category="警告", department="scjgj"))
    # a 程序类型 the code list does not know, from a 市场监管 department: published as 普通程序, on the 整改清单
    p.append(penalty("W-PROCEDURE-GARBAGE", department="scjgj", procedure_type="快速办理"))
    p.append(penalty("W-WARN-OTHER", penalty_category="警告", decision_date="2025-06-03", drop_date=date(2025, 6, 4)))
    p.append(penalty("W-ID-IN-TEXT", violation_facts="当事人身份证号11010519491231002X在现场"))
    # ID numbers as people write them, in every text the public view shows
    p.append(penalty("W-ID-SPELLINGS", violation_facts=f"身份证 {SPACED_ID}；另一人 {HYPHENATED_ID}；旧证 {OLD_15_ID}",
                     penalty_content=f"罚款（当事人 {FULLWIDTH_ID}）"))
    # natural-person signals win over the declared category
    p.append(penalty("V-TYPE-CONFLICT", party_name="钱七", id_type="身份证", id_no=VALID_ID, uscc=None))
    p.append(penalty("V-USCC-IS-ID", party_name="孙八", uscc=SECOND_VALID_ID))
    # an ID number where the decision number or the party's name belongs: held, never blocking the night
    p.append(penalty(f"连市监罚〔2026〕{HYPHENATED_ID}号", party_name="大连键值测试有限公司"))
    p.append(penalty("V-ID-IN-NAME", party_name=f"大连某某商行{SPACED_ID}"))
    # the shape of an ID number without its check character is not one: a date-stamped serial stays
    p.append(penalty(DATE_STAMPED_NO))
    p.append(penalty("W-SUPPLIED-DEADLINE", disclosure_deadline="2030-01-01"))
    # lateness around a 调休 weekend
    p.append(penalty("TX-ONTIME", decision_date=TIAOXIU_DECISION.isoformat(),
                     drop_date=nth_workday_after(TIAOXIU_DECISION, 7)))
    p.append(penalty("TX-LATE", decision_date=TIAOXIU_DECISION.isoformat(),
                     drop_date=nth_workday_after(TIAOXIU_DECISION, 8)))
    return p, l


@pytest.fixture(scope="session")
def rules_warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rules")
    warehouse = root / "credit.duckdb"
    p, l = build_rows()
    archive = build_archive_rows()
    write_raw(warehouse, penalty=p + archive.pop("penalty"), license=l, as_of=AS_OF, **archive)
    dbt_build(warehouse, AS_OF, root / "target")
    return warehouse


@pytest.fixture(scope="session")
def rules_db(rules_warehouse):
    con = duckdb.connect(str(work_db_path(rules_warehouse)), read_only=True)
    yield con
    con.close()


def test_dbt_unit_tests_pass(rules_warehouse, tmp_path):
    """The SQL rules stated as dbt unit tests (`unit_tests:` in dbt_credit/models/**/<model>.yml; the nightly build
    leaves them out, settings.dbt_build_args) run here, on the rules warehouse where their models' inputs exist."""
    from dagster_project.dbt_project import dbt_failure, run_dbt

    env = {"CREDIT_WAREHOUSE": str(rules_warehouse), "CREDIT_PERSON_KEY": "test-key",
           "CREDIT_AS_OF": AS_OF.isoformat()}
    result = run_dbt(["test", "--select", "test_type:unit"], env=env, target_path=tmp_path / "target")
    assert result.is_successful(), dbt_failure(result)[-6000:]
    ran = [r for r in json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
           if r["unique_id"].startswith("unit_test.")]
    assert {r["unique_id"].split(".")[-1] for r in ran} >= {
        "lateness_counts_working_days_across_national_day_and_tiaoxiu"}, "the unit tests did not run"
    assert all(r["status"] == "pass" for r in ran), [(r["unique_id"], r["status"]) for r in ran]


def q(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


def violations_of(con, decision_no: str) -> set[str]:
    return {r[0] for r in q(con, """
        select v.rule_id from intermediate.int_rule_violations v
        join intermediate.int_submissions s using (submission_id) where s.decision_no = ?""", decision_no)}


@pytest.mark.parametrize("decision_no, rule", [
    ("V-REQUIRED", "REQUIRED"), ("V-CODELIST", "CODE_LIST"), ("V-PARTYTYPE", "CODE_LIST"),
    ("V-USCC-REQ", "USCC_REQUIRED"), ("V-USCC-BAD", "USCC_INVALID"), ("V-ORG-BAD", "ORG_CODE_INVALID"),
    ("V-ID-REQ", "ID_REQUIRED"), ("V-ID-BAD", "ID_NO_INVALID"), ("V-AUTH-BAD", "AUTHORITY_USCC_INVALID"),
    ("V-SRC-BAD", "SOURCE_UNIT_USCC_INVALID"), ("V-DATE-BAD", "DATE_UNPARSEABLE"),
    ("V-AFTER-DROP", "DECISION_AFTER_DROP"), ("V-AMOUNT-TEXT", "AMOUNT_UNPARSEABLE"),
    ("V-AMOUNT-NEG", "AMOUNT_NEGATIVE"), ("V-AMOUNT-YUAN", "AMOUNT_LOOKS_LIKE_YUAN"), ("L-ORDER", "VALIDITY_ORDER"),
    ("V-TYPE-CONFLICT", "PARTY_TYPE_CONFLICT"), ("V-USCC-IS-ID", "PARTY_TYPE_CONFLICT"),
    (f"连市监罚〔2026〕{HYPHENATED_ID}号", "ID_NO_IN_KEY_FIELD"), ("V-ID-IN-NAME", "ID_NO_IN_KEY_FIELD"),
])
def test_each_rule_catches_its_case(rules_db, decision_no, rule):
    assert rule in violations_of(rules_db, decision_no)


def test_clean_records_break_no_rule(rules_db):
    for no in ("CLEAN-1", "L-CLEAN", "FULLWIDTH", "LETTER-FIRST", "ONTIME-1"):
        assert violations_of(rules_db, no) == set(), no


def test_every_seeded_rule_is_exercised(rules_db):
    seeded = {r[0] for r in q(rules_db, "select rule_id from ref.rules")}
    seen = {r[0] for r in q(rules_db, """select distinct rule_id from intermediate.int_rule_violations
                                          union select distinct rule_id from marts.fct_rule_violation""")}
    assert seeded <= seen, f"rules without a catching case: {seeded - seen}"


def test_violation_rows_carry_chinese_message_and_value(rules_db):
    rows = q(rules_db, """select rule_message_zh, offending_value from intermediate.int_rule_violations v
        join intermediate.int_submissions s using (submission_id) where s.decision_no = 'V-CODELIST'""")
    assert rows == [("「处罚类别」的取值不在规定的代码表内", "乱罚")]
    msg = q(rules_db, """select rule_message_zh from intermediate.int_rule_violations v
        join intermediate.int_submissions s using (submission_id) where s.decision_no = 'V-REQUIRED'""")
    assert msg == [("必填项「违法事实」为空",)]


def test_every_date_form_parses(rules_db):
    rows = dict(q(rules_db, "select decision_no, decision_date from intermediate.int_submissions where decision_no like 'DF%'"))
    assert rows == {code: date(2026, 3, 5) for code in DATE_FORMS}


def test_uscc_check_agrees_with_python_stdnum_vectors(rules_db):
    vectors = load_vectors("uscc")
    if not vectors:
        pytest.skip(f"python-stdnum vectors not found at {REALDATA_DIR} (../shared is beside the clone in CI)")
    got = dict(q(rules_db, "select decision_no, coalesce(uscc_is_valid, false) from intermediate.int_submissions where decision_no like 'VEC-USCC-%'"))
    for i, (status, number) in enumerate(vectors):
        assert stdnum_uscc.is_valid(number) == (status == "valid")
        assert got[f"VEC-USCC-{i}"] == (status == "valid"), number


def test_uscc_check_accepts_letter_first_codes_stdnum_rejects(rules_db):
    assert not stdnum_uscc.is_valid(LETTER_FIRST)
    assert q(rules_db, "select uscc_is_valid from intermediate.int_submissions where decision_no = 'LETTER-FIRST'") == [(True,)]


def test_id_number_check_agrees_with_python_stdnum_vectors(rules_db):
    vectors = load_vectors("ric")
    if not vectors:
        pytest.skip(f"python-stdnum vectors not found at {REALDATA_DIR} (../shared is beside the clone in CI)")
    got = dict(q(rules_db, "select decision_no, coalesce(id_no_is_valid, false) from intermediate.int_submissions where decision_no like 'VEC-RIC-%'"))
    for i, (status, number) in enumerate(vectors):
        # stdnum also checks that the birthplace code existed; ours checks structure, birth date and check digit
        if status == "valid":
            assert got[f"VEC-RIC-{i}"], number
        elif not stdnum_ric.is_valid(number) and _ric_fails_structure(number):
            assert not got[f"VEC-RIC-{i}"], number


def _ric_fails_structure(number: str) -> bool:
    from stdnum import exceptions
    try:
        stdnum_ric.validate(number)
    except exceptions.InvalidComponent:
        return False  # only the area code is unknown: a check we do not make in SQL
    except exceptions.ValidationError:
        return True
    return False


def test_exact_resubmission_is_not_a_new_record_and_correction_wins(rules_db):
    subs = q(rules_db, """select drop_date, is_exact_resubmission from intermediate.int_submissions
        where decision_no = 'DUP-1' order by drop_date""")
    assert [s[1] for s in subs] == [False, True, False]
    rec = q(rules_db, "select fine_amount_wan, version_count, latest_drop_date, first_drop_date from marts.fct_credit_record where decision_no = 'DUP-1'")
    assert len(rec) == 1
    fine, versions, latest, first = rec[0]
    assert float(fine) == 2.0 and versions == 2
    assert latest == date(2026, 11, 3) and first == date(2026, 10, 12)


def test_a_correction_with_another_uscc_corrects_the_decision(rules_db):
    rows = q(rules_db, """select uscc, version_count, disclosure_status from marts.fct_credit_record
        where decision_no = 'FIX-USCC'""")
    assert rows == [(FIX_USCC_NEW, 2, "public")]
    assert q(rules_db, "select count(*) from marts.public_disclosure where decision_no = 'FIX-USCC'") == [(1,)]
    # one number, two parties in the same drop: a joint decision, one record per party
    assert sorted(q(rules_db, "select uscc from marts.fct_credit_record where decision_no = 'JOINT-1'")) == sorted(
        [(FIX_USCC_OLD,), (FIX_USCC_NEW,)])


def test_lateness_counts_official_working_days(rules_db):
    late = dict(q(rules_db, """select s.decision_no, t.is_late from intermediate.int_submission_timeliness t
        join intermediate.int_submissions s using (submission_id) where s.decision_no in ('LATE-1', 'ONTIME-1', 'CLEAN-1', 'TX-ONTIME', 'TX-LATE')"""))
    assert late == {"LATE-1": True, "ONTIME-1": False, "CLEAN-1": False, "TX-ONTIME": False, "TX-LATE": True}


def test_tiaoxiu_case_really_crosses_a_shifted_working_day():
    import chinese_calendar
    d, deadline = TIAOXIU_DECISION, nth_workday_after(TIAOXIU_DECISION, 7)
    days = [d + timedelta(days=i) for i in range(1, (deadline - d).days + 1)]
    assert any(x.weekday() >= 5 and chinese_calendar.is_workday(x) for x in days) or \
        any(x.weekday() < 5 and not chinese_calendar.is_workday(x) for x in days)


def resolution(con, decision_no):
    return q(con, """select r.resolution_method, r.entity_id from intermediate.int_entity_resolution r
        join intermediate.int_submissions s using (submission_id) where s.decision_no = ?""", decision_no)[0]


def test_entity_resolution_paths(rules_db):
    by_uscc = resolution(rules_db, "ER-USCC")
    assert by_uscc[0] == "uscc"
    assert resolution(rules_db, "ER-ORG") == ("org_code", by_uscc[1])
    assert resolution(rules_db, "ER-NAME") == ("name", by_uscc[1])
    assert resolution(rules_db, "ER-AMB-3") == ("ambiguous_name", None)
    assert resolution(rules_db, "ER-PERSON")[0] == "person_id"
    assert resolution(rules_db, "V-USCC-REQ") == ("unresolved", None)


def test_natural_persons_link_by_keyed_hash_not_raw_number(rules_db):
    person = resolution(rules_db, "ER-PERSON")[1]
    assert resolution(rules_db, "L-PERSON")[1] == person  # same ID number, other record, same entity
    for schema_table in ("marts.dim_entity", "marts.fct_credit_record", "marts.public_disclosure"):
        text = " ".join(str(r) for r in q(rules_db, f"select * from {schema_table}"))
        assert "11010519491231002X" not in text, schema_table


def test_code_conflict_is_counted_not_merged(rules_db):
    names = q(rules_db, "select names_used from marts.dim_entity where uscc = ?", SECOND_USCC)[0][0]
    assert "完全不同的名字有限公司" in names and "大连港湾物流有限公司" in names
    conflicts = q(rules_db, "select sum(code_conflict_records) from marts.dual_disclosure_compliance where department = 'swj' and month = '2026-11'")
    assert conflicts[0][0] >= 2


def status(con, decision_no):
    return q(con, "select disclosure_status, disclosure_until from marts.fct_credit_record where decision_no = ?", decision_no)[0]


def test_disclosure_window_boundaries_and_regimes(rules_db):
    # windows end on the corresponding day (民法典 201/202: tests/test_rule_corrections.py)
    assert status(rules_db, "W-OLD-LASTDAY") == ("public", date(2026, 11, 22))   # 2023-11-22 + 3 years = as-of
    assert status(rules_db, "W-OLD-EXPIRED") == ("expired", date(2026, 11, 21))  # ended the day before
    assert status(rules_db, "W-OLD-SPECIAL") == ("public", date(2029, 3, 31))    # 2026-03-31: old regime, 3 years
    assert status(rules_db, "W-NEW-GENERAL") == ("public", date(2027, 4, 1))     # 2026-04-01: new regime, 一般 1 year
    assert status(rules_db, "W-NEW-SEVERE") == ("public", date(2029, 5, 6))
    assert status(rules_db, "W-NEW-MINOR")[0] == "not_public"
    assert status(rules_db, "W-MULTI") == ("public", date(2029, 5, 6))            # the longest (吊销许可证 = 严重) applies


def test_disclosure_special_cases(rules_db):
    assert status(rules_db, "W-WARN-MARKET")[0] == "not_public"   # market regulator, 警告 only
    assert status(rules_db, "W-WARN-OTHER")[0] == "public"
    assert status(rules_db, "V-ID-BAD")[0] == "not_public"        # natural person
    assert status(rules_db, "V-USCC-BAD")[0] == "held"            # breaks a field rule
    assert q(rules_db, "select disclosure_status from marts.fct_credit_record where decision_no = 'L-REVOKED'") == [("revoked",)]
    assert q(rules_db, "select disclosure_status from marts.fct_credit_record where decision_no = 'L-PERSON'") == [("not_public",)]
    assert q(rules_db, "select disclosure_status from marts.fct_credit_record where decision_no = 'L-CLEAN'") == [("public",)]
    assert q(rules_db, "select supplied_deadline_disagrees from marts.fct_credit_record where decision_no = 'W-SUPPLIED-DEADLINE'") == [(True,)]


def test_public_disclosure_holds_only_public_records_and_no_id_numbers(rules_db):
    public = {r[0] for r in q(rules_db, "select decision_no from marts.public_disclosure")}
    expected = {r[0] for r in q(rules_db, "select decision_no from marts.fct_credit_record where disclosure_status = 'public'")}
    assert public == expected and "W-ID-IN-TEXT" in public
    facts = q(rules_db, "select violation_facts from marts.public_disclosure where decision_no = 'W-ID-IN-TEXT'")[0][0]
    assert "11010519491231002X" not in facts and "已隐去" in facts
    assert q(rules_db, "select count(*) from marts.public_disclosure where entity_type = '自然人'") == [(0,)]


def test_id_numbers_in_every_spelling_are_redacted_in_public_text(rules_db):
    facts, content = q(rules_db, """select violation_facts, penalty_content from marts.public_disclosure
        where decision_no = 'W-ID-SPELLINGS'""")[0]
    assert facts == "身份证 [证件号已隐去];另一人 [证件号已隐去];旧证 [证件号已隐去]"  # ；-> ; by clean_text
    assert content == "罚款(当事人 [证件号已隐去])"


def test_natural_person_signals_win_over_the_declared_category(rules_db):
    for no in ("V-TYPE-CONFLICT", "V-USCC-IS-ID"):
        status, reason = record(rules_db, no)[:2]
        assert status == "not_public" and "自然人" in reason, no
        assert q(rules_db, "select count(*) from marts.public_disclosure where decision_no = ?", no) == [(0,)]
        entity_type = q(rules_db, """select e.entity_type from marts.dim_entity e
            join marts.fct_credit_record r using (entity_id) where r.decision_no = ?""", no)
        assert entity_type == [("自然人",)], no
    # the person is linked by the keyed hash even when the number came in the USCC field
    assert q(rules_db, """select resolution_method from marts.fct_credit_record
        where decision_no = 'V-USCC-IS-ID'""") == [("person_id",)]


def test_an_id_number_in_a_key_field_holds_the_record_and_says_what_to_do(rules_db):
    key_no = f"连市监罚〔2026〕{HYPHENATED_ID}号"
    for no in (key_no, "V-ID-IN-NAME"):
        assert record(rules_db, no)[0] == "held", no
    messages = q(rules_db, """select v.rule_message_zh, v.offending_value from intermediate.int_rule_violations v
        join intermediate.int_submissions s using (submission_id)
        where s.decision_no = ? and v.rule_id = 'ID_NO_IN_KEY_FIELD'""", key_no)
    assert len(messages) == 1
    message, value = messages[0]
    assert message.startswith("「") and "居民身份证号码" in message and "撤销" in message
    assert value == "连市监罚〔2026〕[证件号已隐去]号"


def test_a_date_stamped_decision_number_is_not_an_id_number(rules_db):
    assert violations_of(rules_db, DATE_STAMPED_NO) == set()
    assert q(rules_db, "select decision_no from marts.public_disclosure where decision_no = ?",
             DATE_STAMPED_NO) == [(DATE_STAMPED_NO,)]


def test_no_mart_or_violation_holds_a_raw_id_number(rules_db):
    from dagster_project import pii

    masked = q(rules_db, """select v.offending_value from intermediate.int_rule_violations v
        join intermediate.int_submissions s using (submission_id) where s.decision_no = 'V-ID-BAD'""")
    assert masked == [("110105********0021",)]
    for table in ("intermediate.int_rule_violations", "marts.fct_rule_violation", "marts.fct_rectification_item"):
        cols = [r[0] for r in q(rules_db, """select column_name from information_schema.columns
            where table_schema || '.' || table_name = ? and data_type = 'VARCHAR'""", table)]
        for col in cols:
            if col in ("violation_id", "submission_id", "record_id", "source_file"):
                continue
            values = [v for (v,) in q(rules_db, f"select distinct {col} from {table} where {col} is not null")]
            assert not [v for v in values if pii.contains_id_number(v)], f"{table}.{col} holds an ID number"


# --------------------------------------------------------------------------------------------- 信用修复, 异议处理, 红黑名单


def record(con, decision_no):
    return q(con, """select disclosure_status, disclosure_reason_zh, repaired_on, under_objection, last_objection_result
        from marts.fct_credit_record where decision_no = ?""", decision_no)[0]


def test_repair_dated_by_as_of_marks_the_penalty_repaired_and_hides_it(rules_db):
    assert record(rules_db, "REP-DONE")[:3] == ("repaired", "已完成信用修复，停止公示", date(2026, 11, 15))
    by_name = record(rules_db, "REP-BY-NAME")                                           # same name, number normalised
    assert (by_name[0], by_name[2]) == ("repaired", date(2026, 11, 18))
    assert record(rules_db, "REP-LATER")[:3] == ("public", None, None)                  # repair dated after as_of
    public = {r[0] for r in q(rules_db, "select decision_no from marts.public_disclosure")}
    assert "REP-DONE" not in public and "REP-BY-NAME" not in public and "REP-LATER" in public
    assert record(rules_db, "REP-EARLY")[:3] == ("public", None, None)                  # before its minimum
    assert q(rules_db, "select count(*), count(*) filter (where is_effective) from intermediate.int_repairs") == [(4, 3)]


def test_objections_flag_withdraw_or_leave_the_record(rules_db):
    status_, reason, _rep, flagged, result = record(rules_db, "OBJ-WITHDRAWN")
    assert (status_, flagged, result) == ("revoked", False, "撤销") and "异议" in reason
    assert record(rules_db, "OBJ-OPEN")[0::3] == ("public", True)          # open: flagged, status unchanged
    assert record(rules_db, "OBJ-KEPT")[0::3] == ("public", False)          # the 维持 version replaced the 受理 one
    assert record(rules_db, "OBJ-KEPT")[4] == "维持"
    assert q(rules_db, "select version_count from intermediate.int_objections where objected_decision_no = 'OBJ-KEPT'") == [(2,)]
    public = {r[0] for r in q(rules_db, "select decision_no from marts.public_disclosure")}
    assert "OBJ-WITHDRAWN" not in public and "OBJ-OPEN" in public


def test_credit_list_membership_is_current_as_of(rules_db):
    got = dict(q(rules_db, "select list_decision_no, is_current from marts.fct_credit_list_membership"))
    assert got["BL-CURRENT"] and got["RL-CURRENT"] and got["BL-FUTURE-EXIT"] and got["(2026)辽02执123号"]  # width-folded
    assert not got["BL-REMOVED"]
    court = q(rules_db, """select list_type, list_name, is_list_name_defaulted from marts.fct_credit_list_membership
        where list_decision_no = '(2026)辽02执123号'""")
    assert court == [("黑名单", "失信被执行人", True)]
    assert "DATE_ORDER" in violations_of(rules_db, "BL-BAD-ORDER")
    assert "LIST_NAME_UNKNOWN" in violations_of(rules_db, "BL-NO-NAME")
    assert violations_of(rules_db, "BL-CURRENT") == set()


def test_dim_entity_counts_lists_repairs_and_objections(rules_db):
    row = q(rules_db, """select current_red_lists, current_black_lists, repaired_records, records_under_objection,
        penalty_count, broken_commitments from marts.dim_entity where uscc = ?""", ARCHIVE_USCC)
    assert row == [(1, 3, 2, 1, 7, 1)]
    entity = q(rules_db, "select entity_id from marts.dim_entity where uscc = ?", ARCHIVE_USCC)[0][0]
    members = q(rules_db, "select count(*) from marts.fct_credit_list_membership where entity_id = ?", entity)
    assert members == [(5,)]


def test_lists_repairs_and_objections_stay_out_of_dual_disclosure(rules_db):
    datasets = {r[0] for r in q(rules_db, "select distinct dataset from marts.dual_disclosure_compliance")}
    assert datasets <= {"penalty", "license"}
    assert {r[0] for r in q(rules_db, "select distinct dataset from marts.fct_credit_record")} == {"penalty", "license"}
    late = q(rules_db, """select count(*) from intermediate.int_submission_timeliness t
        join intermediate.int_submissions s using (submission_id) where s.dataset = 'credit_list' and t.is_late""")
    assert late == [(0,)]


def test_commitments_and_other_actions_go_through_the_rules(rules_db):
    assert violations_of(rules_db, "CN-KEPT") == set() and violations_of(rules_db, "OA-FORCE") == set()
    assert "CODE_LIST" in violations_of(rules_db, "CN-BAD-STATUS")       # 履约状态 not in its code list
    assert "CODE_LIST" in violations_of(rules_db, "OA-BAD-KIND")         # not one of the eight 十公示 kinds
    latest = q(rules_db, """select fulfilment_status, version_count from intermediate.int_decision_versions
        where dataset = 'commitment' and decision_no = 'CN-BROKEN' and is_latest_version""")
    assert latest == [("未履约", 2)]
    assert q(rules_db, "select count(*) from marts.fct_credit_record where dataset in ('commitment', 'other_action')") == [(0,)]
