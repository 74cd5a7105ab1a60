"""Personal ID numbers (居民身份证号码) in any spelling: the one definition every writer uses.

What an ID number looks like is data, in ``dbt_credit/dbt_project.yml`` (vars ``id_number_spelling`` and the
regex ``id_number_pattern`` generated from it): 18 digits (GB 11643, the last may be X) or the older 15,
written with ASCII or full-width digits and with up to two separators (spaces, hyphens, dots, …) between any
two digits. The dbt macros (``macros/pii.sql``) read the same vars, so SQL and Python find the same runs.

A run of that shape is an ID number when, with its separators removed and NFKC applied, it has a real
birth date (18 digits: YYYYMMDD from 1900 to today, plus the MOD 11-2 check character; 15 digits: YYMMDD of
the 1900s). Only those are redacted: a date-stamped decision number such as ``210200202611050001`` has the
shape but fails the check, and stays readable.

Used by: publish (every text cell of every published table), the gates (the privacy check), the monthly
report and 整改清单 writers, the entity report, and the CLI's printed lines.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from dagster_project.identifiers import ric_is_valid
from dagster_project.project_vars import project_vars

ID_REDACTED = "[证件号已隐去]"
# a value that is entirely a hex digest was computed by the warehouse (record_id, entity_id, …), never sent
_DIGEST = re.compile(r"[0-9a-f]{32}|[0-9a-f]{64}")


@functools.lru_cache(maxsize=1)
def spelling() -> dict:
    """The vars of dbt_project.yml that define an ID number's spelling (and the generated regex)."""
    found = project_vars()
    return {"pattern": found["id_number_pattern"], **found["id_number_spelling"]}


def build_pattern(spec: dict) -> str:
    """The regex of an ID number's shape from its components (how dbt_project.yml's id_number_pattern is
    made: ``python -m dagster_project.pii`` prints it; a test checks the two agree)."""
    eighteen, fifteen = _alternatives(spec)
    return f"(?:{eighteen}|{fifteen})"


def _alternatives(spec: dict) -> tuple[str, str]:
    sep = f"[{spec['separators']}]{{0,{int(spec['max_separator_run'])}}}"
    d, first, check = spec["digit"], spec["first_digit"], spec["check_char"]

    def digits(n: int) -> str:
        return f"(?:{sep}{d}){{{n}}}"

    month = f"(?:[0０]{sep}[1-9１-９]|[1１]{sep}[0-2０-２])"
    day = f"(?:[0０]{sep}[1-9１-９]|[1-2１-２]{sep}{d}|[3３]{sep}[0-1０-１])"
    century = f"(?:[1１]{sep}[89８９]|[2２]{sep}[0０])"
    eighteen = f"{first}{digits(5)}{sep}{century}{digits(2)}{sep}{month}{sep}{day}{digits(3)}{sep}{check}"
    fifteen = f"{first}{digits(5)}{digits(2)}{sep}{month}{sep}{day}{digits(3)}"
    return eighteen, fifteen


@functools.lru_cache(maxsize=1)
def _shape() -> re.Pattern:
    return re.compile(spelling()["pattern"])


@functools.lru_cache(maxsize=1)
def _each_length() -> tuple[re.Pattern, re.Pattern]:
    return tuple(re.compile(p) for p in _alternatives(spelling()))


_DIGIT = re.compile(r"[0-9０-９]")
# the fewest characters an ID number can be written in: the older 15-digit number (_alternatives); separators
# only add to it
SHORTEST_ID_NUMBER = 15


def _standalone(text: str, start: int, end: int) -> bool:
    """No digit right before or after: a 15-digit ID is a number of its own, not a window of a longer one
    (any long digit run has 15-digit windows with a plausible date)."""
    return not (start > 0 and _DIGIT.match(text[start - 1])) and not (end < len(text) and _DIGIT.match(text[end]))


@functools.lru_cache(maxsize=1)
def _separators() -> re.Pattern:
    return re.compile(f"[{spelling()['separators']}]+")


def normalise(run: str) -> str:
    """A run as written -> its 15 or 18 plain characters: NFKC (full-width -> ASCII), separators out, upper."""
    return _separators().sub("", unicodedata.normalize("NFKC", run)).upper()


def is_id_number(run: str, *, today: date | None = None) -> bool:
    """Whether ``run`` (in any spelling) is a resident ID number: a real birth date, and for 18 characters
    the GB 11643 check character."""
    code = normalise(run)
    today = today or date.today()
    if len(code) == 18:
        return ric_is_valid(code, not_after=today)  # GB 11643 (identifiers.py, as the SQL macro)
    if len(code) == 15 and code.isdigit() and code[0] != "0":
        return _date("19" + code[6:12]) is not None
    return False


def _date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the ID numbers are in ``text``. Every start is tried with 18 and with 15 characters, so a digit
    run that only looks like an ID at first (a longer number, a failed check) hides none behind it; the
    18-character ones are taken first, then 15-character ones in what is left."""
    found: dict[int, list[tuple[int, int]]] = {18: [], 15: []}
    shape, pos = _shape(), 0
    while (m := shape.search(text, pos)) is not None:
        start = m.start()
        for length, alternative in zip((18, 15), _each_length()):
            hit = alternative.match(text, start)
            if hit is not None and is_id_number(hit.group(0)) and (length == 18 or _standalone(text, start, hit.end())):
                found[length].append((start, hit.end()))
        pos = start + 1
    taken: list[tuple[int, int]] = []
    for length in (18, 15):
        for a, b in found[length]:
            if all(b <= x or a >= y for x, y in taken):
                taken.append((a, b))
    return sorted(taken)


def find_id_numbers(text: str | None) -> list[str]:
    """The ID numbers in ``text``, as written there."""
    if not text or not isinstance(text, str) or _DIGEST.fullmatch(text):
        return []
    return [text[a:b] for a, b in _spans(text)]


def contains_id_number(text: str | None) -> bool:
    return bool(find_id_numbers(text))


def scrub(text):
    """``text`` with every ID number replaced by ``[证件号已隐去]``; anything else (None, numbers, a computed
    digest) comes back unchanged."""
    if not text or not isinstance(text, str) or _DIGEST.fullmatch(text):
        return text
    out, last = [], 0
    for a, b in _spans(text):
        out += [text[last:a], ID_REDACTED]
        last = b
    return "".join(out) + text[last:] if out else text


def next_id_number_date(text, *, today: date | None = None) -> date | None:
    """The earliest date after ``today`` on which a run in ``text`` becomes an ID number: it has the shape and the
    check character, and only its birth date is still to come. ``scrub`` leaves it readable until then; publish
    keeps the date and scrubs the cell again when it comes (a published row is otherwise not re-read)."""
    if not text or not isinstance(text, str) or _DIGEST.fullmatch(text):
        return None
    today = today or date.today()
    coming, shape, pos = [], _shape(), 0
    eighteen = _each_length()[0]
    while (m := shape.search(text, pos)) is not None:
        hit = eighteen.match(text, m.start())
        code = normalise(hit.group(0)) if hit is not None else ""
        born = _date(code[6:14]) if len(code) == 18 else None
        if born is not None and born > today and ric_is_valid(code, not_after=born):
            coming.append(born)
        pos = m.start() + 1
    return min(coming, default=None)


def scrub_deep(obj):
    """``scrub`` through nested dataclasses, dicts, lists and tuples (a report's model, JSON payloads)."""
    import dataclasses

    if isinstance(obj, str):
        return scrub(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: scrub_deep(getattr(obj, f.name))
                                           for f in dataclasses.fields(obj) if f.init})
    if isinstance(obj, dict):
        return {k: scrub_deep(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(scrub_deep(v) for v in obj)
    return obj


def register_duckdb_scrub(con, name: str = "scrub_id_numbers"):
    """Register ``scrub`` as a vectorised DuckDB function on ``con``; returns a function that gives, for a
    quoted column name, the SQL that calls it only where the shape matches (RE2 prefilter, then Python)."""
    import duckdb
    import pyarrow as pa

    def _vectorised(values):  # no annotations: DuckDB evaluates them, and pa is local
        return pa.array([scrub(v) for v in values.to_pylist()], type=pa.string())

    con.create_function(name, _vectorised, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                        type="arrow", null_handling="special", side_effects=False)
    return lambda col: f"case when {sql_may_hold_id_number(col)} then {name}({col}) else {col} end"


def register_duckdb_next_id_number_date(con, name: str = "next_id_number_date"):
    """``next_id_number_date`` as a DuckDB function on ``con`` (today fixed when registered); returns a function
    that gives, for a quoted text column, the SQL of that date (null where the shape does not even match)."""
    import duckdb
    import pyarrow as pa

    today = date.today()

    def _vectorised(values):
        return pa.array([next_id_number_date(v, today=today) for v in values.to_pylist()], type=pa.date32())

    con.create_function(name, _vectorised, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("DATE"),
                        type="arrow", null_handling="special", side_effects=False)
    return lambda col: f"case when {sql_may_hold_id_number(col)} then {name}({col}) end"


def sql_may_hold_id_number(col: str) -> str:
    """DuckDB SQL true where the text column ``col`` has the shape of an ID number somewhere (RE2: no birth-date or
    check-character test; pii.contains_id_number decides). The length test first: most values (codes, dates,
    names) are shorter than any ID number and skip the regex."""
    pattern = spelling()["pattern"].replace("'", "''")
    return f"(length({col}) >= {SHORTEST_ID_NUMBER} and regexp_matches({col}, '{pattern}'))"


def generated_vars(spec: dict) -> dict[str, str]:
    """The regexes dbt_project.yml carries, generated from id_number_spelling."""
    eighteen, fifteen = _alternatives(spec)
    return {"id_number_pattern": build_pattern(spec), "id_number_pattern_18": eighteen,
            "id_number_pattern_15": fifteen}


if __name__ == "__main__":  # print the regexes to paste into dbt_project.yml after changing the components
    import json

    for name, value in generated_vars(spelling()).items():
        print(f"  {name}: {json.dumps(value, ensure_ascii=True)}")
