"""Identifiers in the entity report: normalising what the user typed, and keeping ID numbers out.

ID numbers (居民身份证号码) are never shown, in either version. The marts are not supposed to hold
them, but free text and rule-violation values come from departments' drops, so every string is
scrubbed before it is rendered, with the one definition of an ID number (dagster_project/pii.py).
"""
from __future__ import annotations

import re
import unicodedata

from dagster_project import pii

ID_REDACTED = pii.ID_REDACTED

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d\u30fc]+")


def normalise_key(text: str) -> str:
    """A USCC as typed -> its canonical form: NFKC (full-width -> ASCII), no spaces or hyphens,
    upper case. ``９１３５０１００ｍ０００１００ｙ４３`` -> ``91350100M000100Y43``."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def _split_keep(text: str, keep) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is_kept) around the exact strings of ``keep``."""
    keep = [k for k in keep if k]
    if not keep:
        return [(text, False)]
    pattern = re.compile("(" + "|".join(re.escape(k) for k in sorted(keep, key=len, reverse=True)) + ")")
    # split() with one capturing group: odd positions are the kept strings
    return [(p, bool(i % 2)) for i, p in enumerate(pattern.split(text))]


def scrub_id_numbers(text: str, keep: frozenset[str] | set[str] = frozenset()) -> str:
    """``text`` with every ID number replaced by ``[证件号已隐去]``.

    ``keep``: exact strings that must survive (the entity's own, checksum-valid USCC).
    """
    if not text:
        return text
    return "".join(p if kept else pii.scrub(p) for p, kept in _split_keep(text, keep))


def find_id_numbers(text: str, keep: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """ID numbers left in ``text`` (outside ``keep``): the final defensive check."""
    return [n for p, kept in _split_keep(text or "", keep) if not kept for n in pii.find_id_numbers(p)]
