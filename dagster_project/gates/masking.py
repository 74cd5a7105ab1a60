"""Masking what a gate reports: samples of unexpected values are scrubbed before they reach the audit table or
Data Docs (the one ID-number definition, dagster_project/pii.py), so a gate never republishes an ID number."""
from __future__ import annotations

from typing import Any

from dagster_project import pii

MAX_SAMPLE_CHARS = 200


def mask_text(text: str) -> str:
    return pii.scrub(text)


def scrub_result(obj: Any) -> Any:
    """Mask ID numbers in, and shorten, every string of a GX result (samples of unexpected values)."""
    if isinstance(obj, str):
        masked = mask_text(obj)
        return masked if len(masked) <= MAX_SAMPLE_CHARS else masked[:MAX_SAMPLE_CHARS] + "…"
    if isinstance(obj, dict):
        return {k: scrub_result(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_result(v) for v in obj]
    return obj
