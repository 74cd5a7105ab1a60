"""The 公共信用信息报告 of one entity (per-entity public credit information report).

    from dagster_project.entity_report import render_entity_report
    files = render_entity_report(warehouse, "91350100M000100Y43", out_dir)   # or an entity_id

Writes ``公共信用信息报告_<name>_<USCC or entity_id>_公开版.html/.pdf`` (only what
``marts.public_disclosure`` holds for the entity; refused for a natural person) and
``..._内部版.html/.pdf`` (every record of ``marts.fct_credit_record`` with its disclosure status and
reason, and the rules its held records break). ID numbers never appear in either.

CLI: ``credit entity-report <USCC or entity_id> --warehouse PATH --out DIR [--as-of YYYY-MM-DD]``
(``register(subparsers)`` adds it; ``cmd_entity_report(args)`` runs it).

Rendering reuses ``dagster_project.report``: fonts, the PDF page (``report.pdf_page``), its block drawers
(``report.pdf_blocks``) and the HTML blocks (``report.html.html_blocks``).

This module stays light to import (the CLI imports it for every command): the renderer is
loaded on first use.
"""
from __future__ import annotations

from .cli import cmd_entity_report, register

__all__ = [
    "EntityReportFiles",
    "NATURAL_PERSON_REFUSED",
    "cmd_entity_report",
    "normalise_key",
    "register",
    "render_entity_report",
    "scrub_id_numbers",
]

_LAZY = {
    "EntityReportFiles": ".render",
    "NATURAL_PERSON_REFUSED": ".render",
    "render_entity_report": ".render",
    "normalise_key": ".privacy",
    "scrub_id_numbers": ".privacy",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
