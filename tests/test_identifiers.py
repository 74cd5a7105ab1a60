"""dagster_project/identifiers.py, the one Python home of the identifier checks, judges as the SQL macros do
(dbt_credit/macros/identifiers.sql): both judge the shared vectors of tests/identifier_vectors.csv here (the
macros compiled by dbt and run in DuckDB), and python-stdnum's published vectors (tests/test_rules.py runs the
macros on those), GB 32100's letter-first codes that python-stdnum rejects, and hand-made corner cases."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from dagster_project import identifiers as ids
from dagster_project import pii
from tests.test_rules import GOOD_USCC, LETTER_FIRST, load_vectors


VECTORS_CSV = Path(__file__).with_name("identifier_vectors.csv")
AS_OF = date(2026, 11, 22)  # the latest birth date an ID number may carry (the SQL's not_after)
PYTHON_CHECKS = {"uscc": ids.uscc_is_valid, "org_code": ids.org_code_is_valid,
                 "ric": lambda code: ids.ric_is_valid(code, AS_OF)}
SQL_CHECKS = {"uscc": "uscc_is_valid('code')", "org_code": "org_code_is_valid('code')",
              "ric": f"ric_is_valid('code', \"date '{AS_OF}'\")"}


def shared_vectors() -> list[dict[str, str]]:
    with VECTORS_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["kind"] for r in rows} == set(PYTHON_CHECKS) and {r["valid"] for r in rows} == {"true", "false"}
    return rows


def test_python_checks_judge_the_shared_vectors():
    wrong = [(r["kind"], r["code"], r["why"]) for r in shared_vectors()
             if PYTHON_CHECKS[r["kind"]](r["code"]) != (r["valid"] == "true")]
    assert wrong == []


def test_sql_macros_judge_the_shared_vectors(tmp_path):
    from tests.test_ingest_attacks import compile_inline

    rows = shared_vectors()
    cases = " union all ".join(f"select {i} as i, '{r['kind']}' as kind, '{r['code']}' as code"
                               for i, r in enumerate(rows))
    checks = " ".join(f"when '{kind}' then {{{{ {call} }}}}" for kind, call in SQL_CHECKS.items())
    sql = f"select i, coalesce(case kind {checks} end, false) as valid from ({cases}) as vectors order by i"
    got = dict(duckdb.connect().execute(compile_inline(sql, "duckdb", tmp_path)).fetchall())
    wrong = [(r["kind"], r["code"], r["why"]) for i, r in enumerate(rows) if got[i] != (r["valid"] == "true")]
    assert wrong == []


def _vectors(section: str) -> list[tuple[str, str]]:
    vectors = load_vectors(section)
    if not vectors:
        pytest.skip("python-stdnum vectors not found in ../shared/realdata (beside the clone in CI)")
    return vectors


def test_uscc_agrees_with_python_stdnum_vectors():
    vectors = _vectors("uscc")
    assert len(vectors) > 200
    for status, number in vectors:
        assert ids.uscc_is_valid(ids.clean_code(number)) == (status == "valid"), number


def test_uscc_follows_gb_32100_where_python_stdnum_does_not():
    assert ids.uscc_is_valid(LETTER_FIRST) and not stdnum_uscc.is_valid(LETTER_FIRST)  # 登记管理部门 Y, as SQL
    assert ids.uscc_is_valid(GOOD_USCC)
    # the region code (positions 3-8) is digits: a right check character does not make a letter there valid
    first17 = "91A10000600037341"
    assert not ids.uscc_is_valid(first17 + ids.uscc_check_char(first17))
    assert not ids.uscc_is_valid(GOOD_USCC[:-1] + "4")                   # test_rules' V-USCC-BAD
    assert not ids.uscc_is_valid(GOOD_USCC.lower())                      # normalised input, as the macro's
    assert ids.uscc_is_valid(ids.clean_code("９１３５ ０１００-Ｍ０００１００Ｙ４３"))  # full-width, spaced: cleaned
    assert not ids.uscc_is_valid(None) and not ids.uscc_is_valid("")


def test_uscc_check_character_by_hand():
    # 91110000600037341L: weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 over the first 17 values
    values = [9, 1, 1, 1, 0, 0, 0, 0, 6, 0, 0, 0, 3, 7, 3, 4, 1]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights))
    assert total == 538 and (31 - total % 31) % 31 == 20 and "0123456789ABCDEFGHJKLMNPQRTUWXY"[20] == "L"
    assert ids.uscc_check_char("91110000600037341") == "L"


def test_organisation_code_as_the_macro():
    assert ids.org_code_is_valid("600037341") and ids.org_code_is_valid("60003734-1")  # from 91110000600037341L
    assert not ids.org_code_is_valid("12345678-0")                                    # test_rules' V-ORG-BAD
    # by hand: D2143569 -> 3*13+7*2+9*1+10*4+5*3+8*5+4*6+2*9 = 199; 11 - 199 % 11 = 10 -> X
    assert ids.org_code_check_char("D2143569") == "X" and ids.org_code_is_valid("D2143569-X")
    assert not ids.org_code_is_valid("D2143569-1") and not ids.org_code_is_valid(None)


def test_id_number_check_character_agrees_with_python_stdnum_vectors():
    for status, number in _vectors("ric"):
        code = number.upper()
        if status == "valid":
            assert ids.ric_check_char(code[:17]) == code[17], number
            assert pii.is_id_number(number), number
        elif code[:17].isdigit() and len(code) == 18 and ids.ric_check_char(code[:17]) != code[17]:
            assert not pii.is_id_number(number) and not stdnum_ric.is_valid(number), number


def test_business_registration_number():
    # ISO 7064 MOD 11,10 (python-stdnum's doctest): 79462 -> 3
    assert ids.biz_reg_check_digit("79462") == "3"
    body = "21020200000001"
    good = body + ids.biz_reg_check_digit(body)
    assert ids.biz_reg_is_valid(good)
    assert not ids.biz_reg_is_valid(body + str((int(good[-1]) + 1) % 10)) and not ids.biz_reg_is_valid(good[:-1])
