"""Identifiers in the entity report: normalising what the user typed, and keeping ID numbers out.

ID numbers (居民身份证号码) are never shown, in either version. The marts are not supposed to hold
them, but free text and rule-violation values come from departments' drops, so every string is
scrubbed before it is rendered (the same pattern as the dbt macro ``redact_id_numbers``).
"""
from __future__ import annotations

import re
import unicodedata

#: An 18-character ID number: address code, a plausible birth date, sequence, check character.
#: Deliberately not anchored and not check-digit validated: a mistyped ID number is personal data too.
ID_NUMBER_RE = re.compile(
    r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
)
ID_REDACTED = "[证件号已隐去]"

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d\u30fc]+")


def normalise_key(text: str) -> str:
    """A USCC as typed -> its canonical form: NFKC (full-width -> ASCII), no spaces or hyphens,
    upper case. ``９１３５０１００ｍ０００１００ｙ４３`` -> ``91350100M000100Y43``."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def scrub_id_numbers(text: str, keep: frozenset[str] | set[str] = frozenset()) -> str:
    """``text`` with every ID-number-shaped run replaced by ``[证件号已隐去]``.

    ``keep``: exact strings that must survive (the entity's own, checksum-valid USCC: an
    all-digit USCC could in rare cases look like an ID number).
    """
    if not text:
        return text
    keep = [k for k in keep if k]
    if not keep:
        return ID_NUMBER_RE.sub(ID_REDACTED, text)
    pattern = re.compile("(" + "|".join(re.escape(k) for k in sorted(keep, key=len, reverse=True)) + ")")
    parts = pattern.split(text)
    # split() with one capturing group: odd positions are the kept strings
    return "".join(p if i % 2 else ID_NUMBER_RE.sub(ID_REDACTED, p) for i, p in enumerate(parts))


def find_id_numbers(text: str, keep: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """ID-number-shaped runs left in ``text`` (outside ``keep``): the final defensive check."""
    for k in keep:
        if k:
            text = text.replace(k, " ")
    return ID_NUMBER_RE.findall(text)
