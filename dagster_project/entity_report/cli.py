"""``credit entity-report``: one entity's 公共信用信息报告 from the published warehouse.

    credit entity-report <USCC or entity_id> --warehouse PATH --out DIR [--as-of YYYY-MM-DD]
                         [--version both|public|internal]
    credit entity-report --verify CODE --warehouse PATH [--file REPORT.pdf]

Each run is one issue (a new 报告编号, a 验证码 per document, registered beside the warehouse: registry.py);
``--verify`` looks a code up and, given the presented file, says whether it is the one issued.
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
    p.add_argument("entity", nargs="?", help="统一社会信用代码（大小写、全角均可）或 entity_id")
    p.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB file")
    p.add_argument("--out", type=Path, help="folder the reports are written to (required unless --verify)")
    p.add_argument("--verify", metavar="CODE", help="核验验证码 / look up a report's verification code")
    p.add_argument("--file", type=Path, help="with --verify: the presented report file, checked against the register")
    p.add_argument("--as-of", type=_date_arg, default=None,
                   help="出具日期 (default: the warehouse's build date)")
    p.add_argument("--version", choices=tuple(VERSION_CHOICES), default="both",
                   help="which version(s) to write (default both; a natural person has no public version)")
    p.set_defaults(func=cmd_entity_report)
    return p


def cmd_verify(args) -> int:
    """Print what the register says of a verification code; exit 1 when unknown or the file differs."""
    from . import registry

    rows = registry.lookup(Path(args.warehouse).expanduser().resolve(), args.verify)
    if not rows:
        print(f"验证码 {args.verify} 未登记：不是本中心出具的报告 / verification code not registered")
        return 1
    r = rows[0]
    print(f"报告编号 {r['report_no']}（{'公开版' if r['version'] == 'public' else '内部版'}）：主体 "
          f"{pii.scrub(r['entity_name'])}（{r['uscc'] or r['entity_id']}），出具日期 {r['as_of']}，"
          f"数据截至 {r['data_as_of'] or '—'}，出具时间 {r['issued_at']}")
    for row in rows:
        print(f"  {row['file_name']}  sha256 {row['sha256']}")
    presented = getattr(args, "file", None)
    if presented:
        digest = registry.sha256_of(Path(presented).expanduser())
        if any(row["sha256"] == digest for row in rows):
            print(f"文件一致 / the file is the one issued: {Path(presented).name}")
        else:
            print(f"文件与登记的不一致（可能被修改） / the file differs from the one issued: {Path(presented).name}")
            return 1
    return 0


def cmd_entity_report(args) -> int:
    from .model import user_error
    from .render import render_entity_report

    if getattr(args, "verify", None):
        return cmd_verify(args)
    if not getattr(args, "entity", None) or not getattr(args, "out", None):
        raise user_error("请给出主体（统一社会信用代码或 entity_id）和 --out 目录，或用 --verify 核验验证码 / "
                         "give an entity and --out, or --verify CODE")

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
    for version, no in (files.report_nos or {}).items():
        print(f"  报告编号 {no}  验证码 {files.verification_codes[version]}")
    for f in files.all_files():
        print(f"  {f}")
    return 0
