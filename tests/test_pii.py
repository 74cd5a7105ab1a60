"""The one definition of a personal ID number (dagster_project/pii.py, vars in dbt_project.yml)."""
from __future__ import annotations

import pytest
from stdnum.cn import ric

from dagster_project import pii

VALID = "21020219901010123X"        # birth date 1990-10-10, GB 11643 check character X
VALID_2 = "110101199003071233"
OLD_15 = "210202901010123"          # 15 digits, birth date 1990-10-10


def test_the_generated_patterns_in_dbt_project_match_their_components():
    import yaml

    from dagster_project.paths import DBT_PROJECT_DIR

    project_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    for name, value in pii.generated_vars(pii.spelling()).items():
        assert project_vars[name] == value, f"run `python -m dagster_project.pii` and paste {name} into dbt_project.yml"


@pytest.mark.parametrize("written", [
    VALID, VALID.lower(), "2102 0219 9010 1012 3X", "210202-19901010-123X", "210202.19901010.123X",
    "２１０２０２１９９０１０１０１２３Ｘ", "210202 1990-1010 123X", "210202\u300019901010123X", "210202－19901010－123ｘ",
    OLD_15, "210202 901010 123",
])
def test_every_spelling_is_found_and_scrubbed(written):
    text = f"当事人{written}现场"
    assert pii.find_id_numbers(text) == [written]
    assert pii.scrub(text) == f"当事人{pii.ID_REDACTED}现场"


def test_the_reference_validator_agrees():
    assert ric.is_valid(VALID) and ric.is_valid(VALID_2)
    assert pii.is_id_number(VALID) and pii.is_id_number(VALID_2)
    assert not pii.is_id_number(VALID_2[:-1] + "4")     # wrong check character


@pytest.mark.parametrize("text", [
    "罚字(2026)210200202611050001号",      # region + date + serial: the shape without the check character
    "210202199013101234",                  # month 13
    "21020219900230123X",                  # 30 February
    "2102023001011234",                    # 16 digits: its 15-digit windows are not numbers of their own
    "91350100M000100Y43",                  # a USCC
    "0123456789abcdef0123456789abcdef",    # a computed digest
    "账号 6222021234567890123",
])
def test_look_alikes_are_left_alone(text):
    assert pii.find_id_numbers(text) == [] and pii.scrub(text) == text


def test_a_failed_look_alike_hides_no_id_number_behind_it():
    text = "110101199003071234" + VALID          # an invalid 18-digit run glued to a valid one
    assert pii.find_id_numbers(text) == [VALID]
    assert pii.scrub(text) == "110101199003071234" + pii.ID_REDACTED
    assert pii.scrub(f"{VALID}、{VALID_2}") == f"{pii.ID_REDACTED}、{pii.ID_REDACTED}"


def test_a_birth_date_in_the_future_is_not_a_birth_date():
    from datetime import date
    assert not pii.is_id_number("210202" + "20990101" + "123" + "0", today=date(2026, 12, 3))


def test_scrub_deep():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Row:
        name: str
        values: tuple

    row = pii.scrub_deep(Row(f"甲{VALID}", (f"乙 {VALID_2}", 3, None)))
    assert row == Row(f"甲{pii.ID_REDACTED}", (f"乙 {pii.ID_REDACTED}", 3, None))
    assert pii.scrub(None) is None and pii.scrub(12) == 12


def test_duckdb_scrub_function_matches_python():
    import duckdb

    con = duckdb.connect()
    expr = pii.register_duckdb_scrub(con)
    texts = [f"见{VALID}", "罚字(2026)210200202611050001号", None, "plain", f"{OLD_15} 与 2102 0219 9010 1012 3X",
             OLD_15, OLD_15[:-1], VALID]
    got = [r[0] for r in con.execute(f"select {expr('t')} from unnest(?::varchar[]) as u(t)", [texts]).fetchall()]
    assert got == [pii.scrub(t) for t in texts]
    # the SQL skips the regex below SHORTEST_ID_NUMBER characters: the shortest number, written bare, is that long
    assert len(OLD_15) == pii.SHORTEST_ID_NUMBER and got[5] == pii.ID_REDACTED and got[6] == OLD_15[:-1]
