"""The one definition of a personal ID number (dagster_project/pii.py, vars in dbt_project.yml)."""
from __future__ import annotations

import hashlib

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


def _keys_whose_md5_reads_as_an_id_number(count: int) -> list[str]:
    """Entity keys whose md5 starts with 15 digits that make a valid old-style ID number (6 of 213,324
    entities in the 1M benchmark: a few in every city's warehouse)."""
    found, i = [], 0
    while len(found) < count:
        key = f"U:91{i:016d}"
        head = hashlib.md5(key.encode()).hexdigest()[:15]
        if head.isdigit() and pii.is_id_number(head):
            found.append(key)
        i += 1
    return found


def test_entity_ids_never_read_as_id_numbers():
    """An entity id is computed ('E' + md5 of the entity key), never sent; when its 15 characters after the E
    were all digits they read as a 15-digit ID number, so publish redacted them (one `E[证件号已隐去]` for many
    entities in dim_entity, a broken primary key) and the public_disclosure gate blocked every night of a 1M
    warehouse. The dbt macro and person_key's mirror (a re-key maps old entity ids to new) must agree."""
    import duckdb
    import jinja2

    from dagster_project import person_key
    from dagster_project.paths import DBT_PROJECT_DIR

    keys = _keys_whose_md5_reads_as_an_id_number(3) + ["U:91350100M000100Y43", "P:abc"]
    macros = (DBT_PROJECT_DIR / "macros" / "identifiers.sql").read_text(encoding="utf-8")
    dbt_sql = jinja2.Environment().from_string(macros + "{{ entity_id('k') }}").render().strip()
    con = duckdb.connect()
    con.execute("create table keys (k varchar)")
    con.executemany("insert into keys values (?)", [(k,) for k in keys] + [(None,)])
    rows = con.execute(f"select k, {dbt_sql}, {person_key.entity_id_sql('k')} from keys").fetchall()
    assert [(k, a == b) for k, a, b in rows] == [(k, True) for k, _, _ in rows]
    ids = {k: a for k, a, _ in rows}
    assert ids[None] is None
    for key in keys:
        assert len(ids[key]) == 16 and ids[key][0] == "E" and not pii.find_id_numbers(ids[key]), (key, ids[key])
        assert pii.scrub(f"主体{ids[key]}") == f"主体{ids[key]}"
    for key in keys[3:]:  # an id that never read as one is what it always was: no entity changes its id
        assert ids[key] == "E" + hashlib.md5(key.encode()).hexdigest()[:15]
    assert len(set(ids.values())) == len(ids)
