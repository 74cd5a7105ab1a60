"""The dbt models must build on DuckDB today and on Spark (issue #10) tomorrow: dialect-specific SQL lives
in dispatched macros (macros/*.sql, `default__` = DuckDB), never in a model. This ratchet lists the DuckDB-only
constructs still in models; a model gaining a new one fails, and an entry that no longer occurs must be
removed from KNOWN (so the list only shrinks). docs/spark-port-inventory.md gives each one's Spark form."""
from __future__ import annotations

import re

import pytest

from dagster_project.paths import DBT_PROJECT_DIR

# name -> pattern over a model's SQL with comments and Jinja removed
DUCKDB_ONLY = {
    "union all by name": r"\bunion\s+all\s+by\s+name\b",
    "lambda": r"\blambda\b",
    "list functions": r"\blist_(filter|transform|sum|reduce|distinct|sort|contains)\s*\(|\blist\s*\(",
    "string_split_regex": r"\bstring_split_regex\s*\(",
    "regexp_full_match / regexp_matches": r"\bregexp_(full_match|matches)\s*\(",
    "strptime / strftime": r"\b(try_)?strptime\s*\(|\bstrftime\s*\(",
    ":: cast": r"::",
    "select * exclude / replace": r"\*\s*(exclude|replace)\s*\(",
    "arg_max / arg_min": r"\barg_(max|min)\s*\(",
    "to_months / to_days": r"\bto_(months|days|years)\s*\(",
    "group by all": r"\bgroup\s+by\s+all\b",
    "unnest": r"\bunnest\s*\(",
    "contains / starts_with / strpos": r"(?<![\w.])(contains|starts_with|strpos)\s*\(",
    "sha256": r"\bsha256\s*\(",
    "range() series": r"\brange\s*\(",
    "list literal": r"=\s*\[\]|\[\s*'[^']*'\s*(,\s*'[^']*'\s*)*\]",
    "varchar type": r"\bas\s+varchar\b",
    "date_trunc": r"\bdate_trunc\s*\(",
}

# (model file relative to models/, construct) still to port — remove entries as they are ported
KNOWN: set[tuple[str, str]] = set()


def _sql_without_comments_and_jinja(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)      # macro calls are the dispatched forms
    text = re.sub(r"--[^\n]*", " ", text)
    return text.lower()


def _found() -> set[tuple[str, str]]:
    found = set()
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.sql")):
        sql = _sql_without_comments_and_jinja(path.read_text(encoding="utf-8"))
        for name, pattern in DUCKDB_ONLY.items():
            if re.search(pattern, sql):
                found.add((path.relative_to(DBT_PROJECT_DIR / "models").as_posix(), name))
    return found


def test_no_new_duckdb_only_sql_in_models():
    new = sorted(_found() - KNOWN)
    assert not new, ("DuckDB-only SQL in a model — put it in a dispatched macro (macros/, adapter.dispatch): "
                     + "; ".join(f"{f}: {c}" for f, c in new))


def test_known_list_only_shrinks():
    gone = sorted(KNOWN - _found())
    assert not gone, "ported — remove from KNOWN: " + "; ".join(f"{f}: {c}" for f, c in gone)


@pytest.mark.parametrize("sql,construct", [
    ("select * from a union all by name select * from b", "union all by name"),
    ("select list_filter(xs, lambda x: x > 1)", "lambda"),
    ("select regexp_full_match(x, '[0-9]+')", "regexp_full_match / regexp_matches"),
    ("select x::date", ":: cast"),
    ("select * exclude (a) from t", "select * exclude / replace"),
    ("select contains(a, b)", "contains / starts_with / strpos"),
    ("select xs = []", "list literal"),
])
def test_the_lint_sees_each_construct(sql, construct):
    assert re.search(DUCKDB_ONLY[construct], _sql_without_comments_and_jinja(sql))


# dispatched macros whose default__ is portable SQL (built from other dispatched macros), so Spark uses it as is
PORTABLE_DEFAULTS = {"fold_width", "text_contains"}


def test_every_dispatched_macro_has_a_spark_form():
    macros = "\n".join(p.read_text(encoding="utf-8") for p in sorted((DBT_PROJECT_DIR / "macros").glob("*.sql")))
    dispatched = set(re.findall(r"adapter\.dispatch\('(\w+)', 'credit'\)", macros))
    spark = set(re.findall(r"\{%-?\s*macro\s+spark__(\w+)\s*\(", macros))
    assert dispatched, "no dispatched macros found"
    missing = sorted(dispatched - spark - PORTABLE_DEFAULTS)
    assert not missing, "dispatched macros without a spark__ implementation: " + ", ".join(missing)
    assert not PORTABLE_DEFAULTS & spark, "listed as portable but has a spark__ form: drop it from PORTABLE_DEFAULTS"


def test_the_lint_ignores_dispatched_macro_calls_and_comments():
    sql = "-- union all by name\nselect {{ text_contains('a', 'b') }}, {# lambda #} 1"
    assert not any(re.search(p, _sql_without_comments_and_jinja(sql)) for p in DUCKDB_ONLY.values())
