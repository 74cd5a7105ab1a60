"""``credit entity-report``: one entity's 公共信用信息报告 from the published warehouse.

    credit entity-report <USCC or entity_id> --warehouse PATH --out DIR [--as-of YYYY-MM-DD]
                         [--version both|public|internal]
"""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from dagster_project import pii

VERSION_CHOICES = {"both": ("public", "internal"), "public": ("public",), "internal": ("internal",)}


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD, got {value!r}")


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``entity-report`` subcommand to ``credit``'s subparsers (handler: ``cmd_entity_report``)."""
    p = subparsers.add_parser(
        "entity-report",
        help="one entity's 公共信用信息报告 (公开版 and 内部版, HTML and PDF)",
        description="出具单个主体的公共信用信息报告（公开版、内部版；HTML 与 PDF）。",
    )
    p.add_argument("entity", help="统一社会信用代码（大小写、全角均可）或 entity_id")
    p.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB file")
    p.add_argument("--out", type=Path, required=True, help="folder the reports are written to")
    p.add_argument("--as-of", type=_date_arg, default=None,
                   help="出具日期 (default: the warehouse's build date)")
    p.add_argument("--version", choices=tuple(VERSION_CHOICES), default="both",
                   help="which version(s) to write (default both; a natural person has no public version)")
    p.set_defaults(func=cmd_entity_report)
    return p


def cmd_entity_report(args) -> int:
    from .model import user_error
    from .render import render_entity_report

    as_of = getattr(args, "as_of", None)
    if isinstance(as_of, str):  # a Namespace built by hand
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError:
            raise user_error(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD, got {as_of!r}") from None
    versions = VERSION_CHOICES[getattr(args, "version", None) or "both"]
    files = render_entity_report(Path(args.warehouse).expanduser().resolve(), args.entity,
                                 Path(args.out).expanduser().resolve(), as_of=as_of, versions=versions)
    print(f"公共信用信息报告 entity report: {pii.scrub(files.entity_name)} ({files.entity_id}), 出具日期 {files.as_of}")
    for f in files.all_files():
        print(f"  {f}")
    return 0
