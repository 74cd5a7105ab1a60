"""Night by night equals all at once, case by case: what a second night can do to records kept from the first —
a correction, a withdrawal after an objection, a repair, a repair corrected to name another decision, a repair
dated after the first night's as-of, an entity gaining a USCC (its name-only decision
re-resolves to another decision key), a legacy 组织机构代码 a new USCC claims, a late older copy that names
another first party for a decision number, a late older exact copy of a row without a decision number, a
disclosure window ending between the two as-of dates — and a backfill with the earlier as-of date on the
warehouse that has seen both nights. For dim_entity besides: an entity losing a record to a name or an
组织机构代码 made ambiguous, a row without a decision number sent again unchanged, a 黑名单 entry ending between the
nights, one corrected to name another party, an ID number in 法定代表人 whose birth date night 2 reaches, an
entity whose only change is its record's window ending, and one nothing touches (its row is not recomputed).

dbt only, over hand-made raw layers (tests/raw_fixture.py), one load per night: five builds shared by every
case (two nights, their backfill, and both nights' loads built fresh at each as-of). The generated-sample
version (through Dagster: three nights, a late older copy, a backfill) is tests/test_incremental.py."""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from dagster_project.settings import work_db_path
from tests.dbt_fixture import dbt_build
from tests.raw_fixture import write_raw
from tests.test_incremental import mart_tables
from tests.test_rules import (PARTY, SECOND_USCC, THIRD_USCC, list_row, objection_row, org_code_with_check,
                              penalty, repair_row, uscc_with_check)

pytestmark = pytest.mark.slow

NIGHT_1, NIGHT_2 = date(2026, 11, 22), date(2026, 11, 23)
NEW_NAME = "大连新近登记贸易有限公司"
LEGACY_ORG_CODE = org_code_with_check("MA0AAAAA")  # positions 9-17 of SECOND_USCC
assert SECOND_USCC[8:17] == LEGACY_ORG_CODE
# a decision old enough for its minimum window (一般: 3 months) to be served by a repair in November
OLD_PARTY_PENALTY = dict(PARTY, decision_date="2026-06-01", drop_date=date(2026, 6, 2))
MOVED_REPAIR_NO = "连发改修〔2026〕MOVED号"
# entities whose dim_entity row night 2 moves without a record of theirs changing, each found by another of
# dim_entity's rules. A record sent with a name alone, resolved by name to its holder, which night 2's second USCC
# under the same name makes ambiguous: the holder loses a record (its own rows under the name are re-resolved too)
AMBIGUOUS_NAME = "大连同名测试有限公司"
NAME_HOLDER_USCC = uscc_with_check("91210200MA0HHHHH8")
NAME_RIVAL_USCC = uscc_with_check("91210200MA0JJJJJ9")
# the same for a legacy record resolved by its 组织机构代码: night 2's second USCC carrying that code (another region)
# makes it ambiguous, and nothing re-resolves the holder's own rows (they carry no 组织机构代码 of their own): only
# its count of submissions moves
HELD_ORG_CODE = org_code_with_check("MA0PPPPP")
CODE_HOLDER_USCC = uscc_with_check("91210200" + HELD_ORG_CODE)
CODE_RIVAL_USCC = uscc_with_check("91210300" + HELD_ORG_CODE)
# a row without a decision number sent again unchanged on night 2: an exact resubmission, its own decision with no
# version, so no version names the entity; its last_seen and submission_count move
RESENT = dict(party_name="大连重报测试有限公司", party_type="法人及非法人组织", uscc=uscc_with_check("91210200MA0QQQQQ5"),
              violation_type="INC-RESENT 虚假宣传")
# a 黑名单 entry whose correction on night 2 names another party: the entry (the number's decision, keyed by its first
# party) moves to that party, and the first one, with a record of its own besides, is no longer listed — only the
# rewritten versions of that decision name it
FIRST_LISTED = dict(party_name="大连首列测试有限公司", party_type="法人及非法人组织", uscc=uscc_with_check("91210200MA0RRRRR6"))
LISTED_INSTEAD = dict(party_name="大连改列测试有限公司", party_type="法人及非法人组织",
                      uscc=uscc_with_check("91210200MA0TTTTT7"))
LISTED = dict(party_name="大连名单到期测试有限公司", party_type="法人及非法人组织",
              uscc=uscc_with_check("91210200MA0KKKKK1"))
# an ID number in the 法定代表人 field whose birth date is night 2's as-of: no ID number on night 1, redacted from night 2
REP_ID_DATED_LATER = "110105202611230015"
REP_WITH_ID = dict(party_name="大连代表人测试有限公司", party_type="法人及非法人组织",
                   uscc=uscc_with_check("91210200MA0MMMMM3"), legal_rep=f"王某{REP_ID_DATED_LATER}")
WINDOW_PARTY = dict(party_name="大连公示到期测试有限公司", party_type="法人及非法人组织",
                    uscc=uscc_with_check("91210200MA0NNNNN4"))
QUIET = dict(party_name="大连静水测试有限公司", party_type="法人及非法人组织", uscc=uscc_with_check("91210200MA0LLLLL2"))
MOVED_ENTITIES = (NAME_HOLDER_USCC, CODE_HOLDER_USCC, RESENT["uscc"], FIRST_LISTED["uscc"], LISTED["uscc"],
                  REP_WITH_ID["uscc"], WINDOW_PARTY["uscc"])
RECORDS_SQL = "credit/models/intermediate/int_records.sql"
# the models a night rewrites in place (delete+insert on their key) rather than rebuilding whole
IN_PLACE_MODELS = {"int_entity_resolution": "intermediate", "int_decision_versions": "intermediate",
                   "int_records": "intermediate", "fct_credit_record": "marts", "dim_entity": "marts"}


def night_1_rows() -> dict[str, list[dict]]:
    return dict(penalty=[
        penalty("INC-CORRECTED"),
        penalty("INC-WITHDRAWN", **PARTY),
        # old enough for its minimum window (一般: 3 months) to be served by the repair date
        penalty("INC-REPAIRED", **OLD_PARTY_PENALTY),
        # no USCC and a name no known entity carries yet: unresolved, its decision keyed by the name
        penalty("INC-NAME-ONLY", party_name=NEW_NAME, uscc=None),
        # shown through 2026-11-22 (3 years from 2023-11-22), expired from 2026-11-23
        # (its entity's only record: nothing is sent about it on night 2)
        penalty("INC-WINDOW-ENDS", decision_date="2023-11-22", drop_date=date(2023, 11, 23), **WINDOW_PARTY),
        # a legacy record: an 组织机构代码 no known USCC carries yet
        penalty("INC-ORG-CODE", party_name="大连旧证照机械厂", uscc=None, org_code=LEGACY_ORG_CODE),
        # sent for a name-only party; a copy dropped earlier, sent late on night 2, names another party first
        penalty("INC-LATE-COPY", party_name="大连迟报测试商行", uscc=None),
        # no decision number (each such row is its own decision); an identical copy dropped earlier comes late
        no_number_row(),
        penalty("INC-UNTOUCHED", decision_date="2026-11-05"),
        # a repair names INC-MOVED-FROM; night 2's correction of that repair names INC-MOVED-TO instead
        penalty("INC-MOVED-FROM", **OLD_PARTY_PENALTY),
        penalty("INC-MOVED-TO", **OLD_PARTY_PENALTY),
        # repaired by a decision dated after night 1's as-of: repaired from night 2 with nothing new sent
        penalty("INC-REPAIR-DATED-LATER", **OLD_PARTY_PENALTY),
        # the holder of AMBIGUOUS_NAME, and a record sent with the name alone (resolved to it by name) that
        # night 2's second USCC under the same name makes ambiguous: the holder loses a record
        penalty("INC-NAME-HOLDER", party_name=AMBIGUOUS_NAME, uscc=NAME_HOLDER_USCC),
        penalty("INC-NAME-ONLY-HELD", party_name=AMBIGUOUS_NAME, uscc=None),
        penalty("INC-CODE-HOLDER", party_name="大连代码持有测试有限公司", uscc=CODE_HOLDER_USCC),
        penalty("INC-CODE-ONLY-HELD", party_name="大连代码旧称机械厂", uscc=None, org_code=HELD_ORG_CODE),
        penalty("INC-QUIET-ENTITY", **QUIET),
        penalty("INC-FIRST-LISTED-OWN", **FIRST_LISTED),
        penalty(None, **RESENT),
        penalty("INC-REP-ID-DATED-LATER", **REP_WITH_ID),
    ], credit_list=[
        # listed until 2026-11-23: current on night 1, not on night 2, with nothing sent about it
        list_row("INC-LIST-ENDS", "黑名单", "严重失信主体名单", "2026-01-05", "2026-11-23", **LISTED),
        list_row("INC-LIST-REASSIGNED", "黑名单", "严重失信主体名单", "2026-01-05", **FIRST_LISTED),
    ], repair=[
        repair_row("INC-MOVED-FROM", "2026-11-20", repair_decision_no=MOVED_REPAIR_NO),
        repair_row("INC-REPAIR-DATED-LATER", "2026-11-23"),
    ])


def night_2_rows() -> dict[str, list[dict]]:
    second = dict(drop_date=NIGHT_2, file_path="swj/night_2.csv")
    return dict(
        penalty=[
            penalty("INC-CORRECTED", fine_amount="6", penalty_content="罚款6万元", **second),
            # the name gains a USCC: INC-NAME-ONLY now resolves to this entity by name
            penalty("INC-GAINS-USCC", party_name=NEW_NAME, uscc=THIRD_USCC, **second),
            # a USCC whose positions 9-17 are INC-ORG-CODE's 组织机构代码: that record now resolves to it
            penalty("INC-GAINS-ORG", party_name="大连新证照机械有限公司", uscc=SECOND_USCC, **second),
            # the late older copy: dropped before night 1's, so its party is the number's first
            penalty("INC-LATE-COPY", **dict(second, drop_date=date(2026, 11, 10))),
            # the same row as night 1's, dropped before it: the kept row becomes its exact resubmission, and the
            # record is this one's (no decision number ties the two: only the identical-row group does)
            no_number_row(**dict(second, drop_date=date(2026, 11, 12))),
            penalty("INC-NAME-RIVAL", party_name=AMBIGUOUS_NAME, uscc=NAME_RIVAL_USCC, **second),
            penalty("INC-CODE-RIVAL", party_name="大连代码竞争有限公司", uscc=CODE_RIVAL_USCC, **second),
            penalty(None, **RESENT, **second),
        ],
        credit_list=[list_row("INC-LIST-REASSIGNED", "黑名单", "严重失信主体名单", "2026-01-05",
                              **dict(LISTED_INSTEAD, **second))],
        objection=[objection_row("INC-WITHDRAWN", "2026-11-20", "撤销", "2026-11-21", **second)],
        repair=[repair_row("INC-REPAIRED", "2026-11-20", **second),
                repair_row("INC-MOVED-TO", "2026-11-20", repair_decision_no=MOVED_REPAIR_NO, **second)],
    )


def no_number_row(**over) -> dict:
    return penalty(None, violation_type="INC-NO-NUMBER 虚假宣传", **over)


def write_night(warehouse, rows: dict[str, list[dict]], night: int) -> None:
    write_raw(warehouse, as_of=NIGHT_2, load_id=f"night-{night}", loaded_at=datetime(2026, 11, 21 + night, 1), **rows)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental_cases")
    nightly = root / "nightly" / "credit.duckdb"
    nightly.parent.mkdir()
    write_night(nightly, night_1_rows(), 1)
    dbt_build(nightly, NIGHT_1, root / "target")
    after_night_1 = mart_tables(work_db_path(nightly))
    entities_built = {1: entity_built_at(nightly)}
    write_night(nightly, night_2_rows(), 2)
    dbt_build(nightly, NIGHT_2, root / "target")
    after_night_2 = mart_tables(work_db_path(nightly))
    entities_built[2] = entity_built_at(nightly)
    # what dbt ran on night 2 for the models a night rewrites only where something changed
    night_2_sql = {(model, kind): (root / "target" / kind / "credit" / "models" / folder / f"{model}.sql")
                   .read_text() for model, folder in IN_PLACE_MODELS.items() for kind in ("run", "compiled")}

    at_once = root / "at_once" / "credit.duckdb"
    at_once.parent.mkdir()
    write_night(at_once, night_1_rows(), 1)
    write_night(at_once, night_2_rows(), 2)
    # both nights' loads built fresh at the earlier as-of (what a backfill must give: night 1 plus the late copy
    # dropped before it), then rebuilt whole at the later one
    dbt_build(at_once, NIGHT_1, root / "target_at_once")
    at_once_night_1 = mart_tables(work_db_path(at_once))
    dbt_build(at_once, NIGHT_2, root / "target_at_once", extra=["--full-refresh"])

    # backfill: night 1 again on the warehouse that has seen both nights
    dbt_build(nightly, NIGHT_1, root / "target")
    backfill = mart_tables(work_db_path(nightly))
    records_sql = {"backfill": (root / "target" / "compiled" / RECORDS_SQL).read_text()}
    # the UI's refresh of the row-checked models alone (after a rule change): int_rule_violations rebuilt whole,
    # then a night
    dbt_build(nightly, NIGHT_1, root / "target", extra=["--select", "int_rule_violations", "--full-refresh"])
    dbt_build(nightly, NIGHT_1, root / "target")
    records_sql["after_violations_rebuilt"] = (root / "target" / "compiled" / RECORDS_SQL).read_text()
    return {"night_1": after_night_1, "night_2": after_night_2, "at_once": mart_tables(work_db_path(at_once)),
            "at_once_night_1": at_once_night_1, "backfill": backfill,
            "after_violations_rebuilt": mart_tables(work_db_path(nightly)),
            "night_2_sql": night_2_sql, "records_sql": records_sql, "entities_built": entities_built}


def entity_built_at(warehouse) -> dict[str, object]:
    """dim_entity's built_at by USCC (the entities these cases follow all have one)."""
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        return dict(con.execute("select uscc, built_at from marts.dim_entity where uscc is not null").fetchall())
    finally:
        con.close()


def records(marts: dict[str, list[tuple]]) -> set[tuple]:
    return set(marts["fct_credit_record"])


def test_the_second_night_changed_what_each_case_says(nights):
    # the cases are real: each record kept from night 1 reads differently after night 2
    changed = records(nights["night_2"]) - records(nights["night_1"])
    texts = {repr(r) for r in changed}
    for no in ("INC-CORRECTED", "INC-WITHDRAWN", "INC-REPAIRED", "INC-NAME-ONLY", "INC-WINDOW-ENDS", "INC-ORG-CODE",
               "INC-LATE-COPY", "INC-NO-NUMBER", "INC-MOVED-FROM", "INC-MOVED-TO", "INC-REPAIR-DATED-LATER"):
        assert any(no in t for t in texts), f"{no} reads the same after night 2"
    assert not any("INC-UNTOUCHED" in t for t in texts)
    # and the entities each case moves read differently; the quiet one is as it was
    entities = {r[0]: r for r in nights["night_1"]["dim_entity"]}
    changed = [r for r in nights["night_2"]["dim_entity"] if entities.get(r[0]) != r]
    for uscc in MOVED_ENTITIES:
        assert any(uscc in repr(r) for r in changed), f"the entity {uscc} reads the same after night 2"
    assert any(REP_ID_DATED_LATER in repr(r) for r in nights["night_1"]["dim_entity"])
    assert not any(REP_ID_DATED_LATER in repr(r) for r in nights["night_2"]["dim_entity"])
    assert not any(QUIET["uscc"] in repr(r) for r in changed)


def test_the_second_night_recomputed_only_the_entities_it_moved(nights):
    built = nights["entities_built"]
    assert built[2][QUIET["uscc"]] == built[1][QUIET["uscc"]], "an entity nothing touched was recomputed"
    for uscc in MOVED_ENTITIES:
        assert built[2][uscc] > built[1][uscc], f"the entity {uscc} was not recomputed on night 2"


@pytest.mark.parametrize("model", IN_PLACE_MODELS)
def test_the_second_night_rewrote_the_records_in_place(nights, model):
    # the equality below is only worth having if night 2 took the incremental path, not a rebuild
    sql = nights["night_2_sql"][model, "run"]
    assert "insert into" in sql and "create table" not in sql, f"{model} was rebuilt whole on night 2"
    if model != "int_entity_resolution":  # and computed only the decisions of stamps it had not seen
        assert "built_stamps" in nights["night_2_sql"][model, "compiled"], f"{model} computed every decision"


def test_night_by_night_equals_all_at_once(nights):
    assert nights["night_2"].keys() == nights["at_once"].keys()
    for table, rows in nights["at_once"].items():
        assert nights["night_2"][table] == rows, f"marts.{table} differs between incremental and full builds"


def test_backfill_with_the_earlier_as_of_equals_a_fresh_build_at_that_date(nights):
    # night 1 again, plus the late copy dropped before it (a backfill shows what was dropped by its date)
    for table, rows in nights["at_once_night_1"].items():
        assert nights["backfill"][table] == rows, f"marts.{table} differs from a fresh build at the earlier as-of"
    late = {repr(r) for r in records(nights["backfill"]) ^ records(nights["night_1"])}
    for case in ("INC-LATE-COPY", "INC-NO-NUMBER"):
        assert any(case in r for r in late), f"{case}: the copy dropped before night 1 does not show in the backfill"
    assert all("INC-LATE-COPY" in r or "INC-NO-NUMBER" in r for r in late)


@pytest.mark.parametrize("event", ["backfill", "after_violations_rebuilt"])
def test_an_earlier_as_of_or_violations_rebuilt_whole_recompute_every_record(nights, event):
    # a record's status may move with either without any version changing: no record is left as it was kept
    assert "built_stamps" not in nights["records_sql"][event], f"int_records kept records through a {event}"
    for table, rows in nights["at_once_night_1"].items():
        assert nights["after_violations_rebuilt"][table] == rows, f"marts.{table} differs after the violations' rebuild"
