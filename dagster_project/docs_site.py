"""`credit docs`: the dbt documentation site of a built warehouse, and the data dictionary.

    credit docs --warehouse /data/credit.duckdb [--out DIR] [--serve 8080]

runs `dbt docs generate` against the warehouse's working database (<warehouse>.work, opened READ-ONLY so a
nightly build is never blocked) and writes into --out (default <warehouse>.docs/):
    index.html + manifest.json + catalog.json    the dbt docs site (needs a web server: --serve)
    static_index.html                            the same site in one file (opens offline, by double-click)
The person-hashing key never reaches the site: the compiled SQL shows a placeholder instead of it.

    python -m dagster_project.docs_site dictionary [--out docs/data-dictionary.md]

regenerates the committed data dictionary from the dbt YAML (a `dbt parse`, no database): every table of the
published contract (schemas marts and audit) with its columns, descriptions and data tests, and who reads it
(dbt exposures). tests/test_docs_site.py fails when the committed file is out of date.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import sys
import tempfile
from pathlib import Path

from dagster_project.errors import UserError
from dagster_project.paths import DBT_PROJECT_DIR, PROJECT_ROOT

DATA_DICTIONARY = PROJECT_ROOT / "docs" / "data-dictionary.md"
SITE_FILES = ("index.html", "manifest.json", "catalog.json", "static_index.html")
PERSON_KEY_PLACEHOLDER = "CREDIT_PERSON_KEY-not-shown"
#: The published contract: what analysts and the website read (dagster_project.publish.PUBLISHED_SCHEMAS).
CONTRACT_SCHEMAS = ("marts", "audit")
#: Contract tables first, in this order; the other marts and audit tables follow alphabetically.
CONTRACT_ORDER = ("dim_entity", "fct_credit_record", "public_disclosure", "dual_disclosure_compliance")
#: Published tables written by Python rather than dbt (so not in the manifest).
NON_DBT_TABLES = {
    "audit.build_info": "每次发布一行：run_id、as_of、published_at、scrub_rules（证件号规则的摘要）、whole_copy_bytes（上次整体复制时的文件大小）"
                        "（dagster_project/publish.py 写入） / One row per publish: run_id, as_of, published_at, "
                        "scrub_rules (a digest of the ID-number rules the scrub applied), whole_copy_bytes (the "
                        "file's size when last copied whole), written by dagster_project/publish.py",
    "audit.publish_recheck": "已发布但须在某日重新检查的行：表名、行哈希、复查日期（某串数字的“出生日期”到来后才算身份证号码）；不含内容 / "
                             "Published rows to scrub again on a date: table, row hash, the date a run of digits in "
                             "the row becomes an ID number (its birth date comes); no content",
    "audit.gate_results": "本次构建各闸门（Great Expectations）检查结果（dagster_project/gates 写入） / "
                          "Results of this build's gates (Great Expectations), written by dagster_project/gates",
    # what was issued (report/issuance.py): copied from <warehouse>.issued/ by every publish
    "audit.issued_report": "已印发的通报，每个版本一行（期间、版本、是否更正、文号、成文日期、所据构建 run_id/as_of） / "
                           "One row per issued version of a 通报 (period, version, is_correction, doc_no, as_of, the "
                           "build it came from), copied from <warehouse>.issued/ by publish",
    "audit.issued_figure": "已印发通报冻结的数字：期间×版本×部门×数据集的条数（比率由条数重新计算） / "
                           "The frozen figures of each issued version: period × version × department × dataset counts",
    "audit.issued_department": "已印发通报中各部门的排名、评定、报送状态、整改清单条数和整改进展 / "
                               "Each department's rank, verdict, status, 整改清单 counts and 整改进展 as issued",
    "audit.issued_correction": "通报中列出的已通报月份数据变动（已通报数与现数） / "
                               "The correction lines a 通报 printed: an issued month's counts as issued and now",
    # issued entity reports (entity_report/registry.py): copied from <warehouse>.entity-reports/ by every publish
    "audit.issued_entity_report": "已出具的主体公共信用信息报告，每个文件一行（报告编号、验证码、版本、主体、出具日期、数据日期、"
                                  "文件名及SHA-256） / One row per issued entity-report file (报告编号, 验证码, version, entity, "
                                  "dates, file name and SHA-256), copied from <warehouse>.entity-reports/ by publish",
}


# ----------------------------------------------------------------------------------------------- CLI wiring

def register(subparsers) -> argparse.ArgumentParser:
    """Add the `docs` subcommand to the CLI's subparsers (dagster_project.cli.build_parser)."""
    d = subparsers.add_parser(
        "docs", help="the dbt docs site of a built warehouse (static files; --serve to browse)",
        description="生成数据仓库的 dbt 文档站点 / write the dbt docs site of a built warehouse "
                    "(catalog read from <warehouse>.work, read-only)")
    d.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB file")
    d.add_argument("--out", type=Path, default=None, help="output folder (default <warehouse>.docs/)")
    d.add_argument("--serve", type=int, default=None, metavar="PORT",
                   help="then serve the site on http://127.0.0.1:PORT until Ctrl-C")
    d.set_defaults(handler=cmd_docs)
    return d


def _user_error(message: str) -> Exception:
    return UserError(message)


def cmd_docs(args) -> int:
    warehouse = args.warehouse.expanduser().resolve()
    out = (args.out.expanduser().resolve() if args.out is not None
           else Path(str(warehouse) + ".docs"))
    if args.serve is not None and not (0 <= args.serve <= 65535):
        raise _user_error(f"端口无效 / invalid port: {args.serve}")
    files = generate_docs(warehouse, out)
    print(f"文档 docs: {out}")
    for f in files:
        print(f"  {f}")
    if args.serve is not None:
        server = make_server(out, args.serve)
        host, port = server.server_address[:2]
        print(f"浏览 browse: http://{host}:{port}/  (Ctrl-C 停止 / to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


# ----------------------------------------------------------------------------------------------- the site

def generate_docs(warehouse: Path, out: Path) -> list[Path]:
    """`dbt docs generate --static` against <warehouse>.work (read-only); copy the site into ``out``."""
    from dagster_project.settings import work_db_path

    warehouse = Path(warehouse).resolve()
    work = work_db_path(warehouse)
    if not work.is_file():
        raise _user_error(f"工作库不存在 / no working database at {work}: run `credit run` first")
    as_of = _published_as_of(warehouse)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="credit-docs-") as tmp:
        tmp_path = Path(tmp)
        target = tmp_path / "target"
        profiles = _read_only_profiles(tmp_path / "profiles")
        from dagster_project.dbt_project import dbt_failure, run_dbt  # dagster-dbt: only when docs are made

        args = ["docs", "generate", "--static", "--no-partial-parse"]
        if as_of:
            args += ["--vars", json.dumps({"as_of": as_of})]
        env = {"CREDIT_WAREHOUSE": str(warehouse),
               # compiled SQL is part of the site: show a placeholder, never the key that hashes ID numbers
               "CREDIT_PERSON_KEY": PERSON_KEY_PLACEHOLDER,
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
        result = run_dbt(args, env=env, target_path=target, profiles_dir=profiles)
        if not result.is_successful():
            raise _user_error("dbt docs generate 失败 / failed: " + _dbt_error(dbt_failure(result), work))
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in SITE_FILES:
            src = target / name
            if src.is_file():
                shutil.copyfile(src, out / name)
                written.append(out / name)
    missing = [n for n in ("index.html", "manifest.json", "catalog.json") if not (out / n).is_file()]
    if missing:
        raise _user_error(f"dbt docs generate 未生成 / did not write: {', '.join(missing)}")
    return written


def _read_only_profiles(folder: Path) -> Path:
    """dbt_credit/profiles.yml with the DuckDB file opened read-only (docs only read the catalog)."""
    import yaml

    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    for profile in profiles.values():
        if not isinstance(profile, dict):
            continue
        for output in (profile.get("outputs") or {}).values():
            if output.get("type") == "duckdb":
                output["config_options"] = {**(output.get("config_options") or {}), "access_mode": "READ_ONLY"}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    return folder


def _published_as_of(warehouse: Path) -> str | None:
    """The as-of date of the published build (audit.build_info), so docs compile with the same var."""
    from dagster_project.publish import read_build_info

    as_of = (read_build_info(warehouse) or {}).get("as_of")
    return as_of.isoformat() if as_of else None


def _dbt_error(output: str, work: Path) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    text = " ".join(lines)
    if "Could not set lock" in text or "Conflicting lock" in text:
        return f"工作库正被构建占用，请稍后再试 / the working database {work} is locked by a running build; try again later"
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["no output"])[-1][:500]


def make_server(directory: Path, port: int, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """An http.server serving ``directory`` on host:port (port 0: any free port). Call serve_forever()."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as e:
        raise _user_error(f"无法监听 / cannot listen on {host}:{port}: {e.strerror or e}") from None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (http.server's signature)
        pass


# ----------------------------------------------------------------------------------------- data dictionary

def parse_manifest(target_dir: Path) -> Path:
    """`dbt parse` (no database) into ``target_dir``; returns the manifest path."""
    from dagster_project.dbt_project import dbt_failure, run_dbt

    target_dir = Path(target_dir)
    env = {"CREDIT_WAREHOUSE": str(target_dir / "parse_only.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    result = run_dbt(["parse", "--no-partial-parse", "--quiet"], env=env, target_path=target_dir / "target")
    if not result.is_successful():
        raise RuntimeError(f"dbt parse failed:\n{dbt_failure(result)}")
    return target_dir / "target" / "manifest.json"


def _md(text: str | None) -> str:
    """One table cell: single line, pipes escaped."""
    return " ".join((text or "").split()).replace("|", "\\|")


def _test_label(test: dict) -> str:
    meta = test["test_metadata"]
    name, kwargs = meta["name"], meta.get("kwargs") or {}
    if name == "accepted_values":
        values = kwargs.get("values") or (kwargs.get("arguments") or {}).get("values") or []
        return "accepted_values(" + ", ".join(str(v) for v in values) + ")"
    if name == "dataset_in_seed":  # dbt_credit/tests/generic: a dataset of seed datasets (the 双公示 ones only)
        args = kwargs.get("arguments") or kwargs
        return "dataset_in_seed → datasets" + (" (is_dual_disclosure)" if args.get("dual_disclosure_only") else "")
    if name == "relationships":
        to = kwargs.get("to") or (kwargs.get("arguments") or {}).get("to") or ""
        field = kwargs.get("field") or (kwargs.get("arguments") or {}).get("field") or ""
        target = to.replace("ref('", "").replace("')", "").replace('ref("', "").replace('")', "")
        return f"relationships → {target}.{field}"
    column = kwargs.get("column_name")
    if column and not test.get("column_name"):  # a table-level test on an expression (e.g. a grain key)
        return f"{name}({column})"
    return name


def _relation(node: dict) -> str:
    return f"{node['schema']}.{node.get('alias') or node['name']}"


def render_data_dictionary(manifest: dict) -> str:
    """The data dictionary (Markdown) of the published contract, from a dbt manifest. Deterministic."""
    models = {n["unique_id"]: n for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n.get("package_name") == "credit"
              and n["schema"] in CONTRACT_SCHEMAS}

    def order(node: dict):
        schema_rank = CONTRACT_SCHEMAS.index(node["schema"])
        name = node["name"]
        return (schema_rank, CONTRACT_ORDER.index(name) if name in CONTRACT_ORDER else len(CONTRACT_ORDER), name)

    ordered = sorted(models.values(), key=order)
    tests: dict[tuple[str, str | None], list[str]] = {}
    for n in manifest["nodes"].values():
        if n["resource_type"] != "test" or not n.get("test_metadata"):
            continue
        attached = n.get("attached_node")
        if attached in models:
            column = n.get("column_name") or (n["test_metadata"].get("kwargs") or {}).get("column_name")
            key = (attached, column if column in models[attached]["columns"] else None)
            tests.setdefault(key, []).append(_test_label(n))
    readers: dict[str, list[dict]] = {}
    for exp in sorted(manifest.get("exposures", {}).values(), key=lambda e: e["name"]):
        for dep in exp.get("depends_on", {}).get("nodes", []):
            readers.setdefault(dep, []).append(exp)

    out = [
        "# 数据字典 · Data dictionary",
        "",
        "<!-- Generated from the dbt YAML by `python -m dagster_project.docs_site dictionary`; do not edit by hand.",
        "     tests/test_docs_site.py fails when this file is out of date. -->",
        "",
        "已发布数据仓库（`credit run --warehouse W` 发布的文件 W，schemas `marts` 与 `audit`）的全部表与字段，"
        "描述取自 dbt 模型 YAML（`dbt_credit/models/<层>/<模型>.yml`，共用的字段描述在 `dbt_credit/models/_column_docs.md`），使用方取自 `dbt_credit/models/exposures.yml`。"
        "查询：`credit query \"select ...\" --warehouse W`（只读）；完整的 dbt 文档站点：`credit docs --warehouse W`。",
        "",
        "Every table and column of the published warehouse (the file W that `credit run --warehouse W` publishes; "
        "schemas `marts` and `audit`), described from the dbt model YAML; who reads each table comes from the dbt "
        "exposures. Query it read-only with `credit query \"select ...\" --warehouse W`; browse the full dbt site "
        "with `credit docs --warehouse W`.",
        "",
        "## 目录 · Contents",
        "",
        "| 表 table | 字段数 columns | 使用方 read by |",
        "|---|---:|---|",
    ]
    for node in ordered:
        rel = _relation(node)
        used = ", ".join(e["name"] for e in readers.get(node["unique_id"], [])) or "—"
        out.append(f"| [`{rel}`](#{rel.replace('.', '')}) | {len(node['columns'])} | {used} |")
    for rel in sorted(NON_DBT_TABLES):
        out.append(f"| `{rel}` | — | — |")
    out.append("")

    for node in ordered:
        rel = _relation(node)
        out += [f"## {rel}", "", _md(node.get("description")), ""]
        table_tests = sorted(tests.get((node["unique_id"], None), []))
        if table_tests:
            out += ["表级检查 table tests: " + "; ".join(f"`{' '.join(t.split())}`" for t in table_tests), ""]
        used = readers.get(node["unique_id"], [])
        if used:
            out += ["使用方 read by: " + "; ".join(f"`{e['name']}` ({_md(e.get('label') or e['name'])})"
                                               for e in used), ""]
        out += ["| 字段 column | 说明 description | 检查 tests |", "|---|---|---|"]
        for name, col in node["columns"].items():  # YAML order
            col_tests = ", ".join(_md(t) for t in sorted(tests.get((node["unique_id"], name), [])))
            out.append(f"| `{name}` | {_md(col.get('description'))} | {col_tests} |")
        out.append("")

    out += ["## 非 dbt 表 · Tables written outside dbt", ""]
    for rel, text in sorted(NON_DBT_TABLES.items()):
        out.append(f"- `{rel}`: {_md(text)}")
    out.append("")

    exposures = sorted(manifest.get("exposures", {}).values(), key=lambda e: e["name"])
    if exposures:
        out += ["## 使用方 · Exposures", "", "| 名称 name | 类型 type | 负责 owner | 读取 reads | 说明 description |",
                "|---|---|---|---|---|"]
        for e in exposures:
            reads = ", ".join(f"`{_relation(models[d])}`" if d in models else f"`{d}`"
                              for d in e.get("depends_on", {}).get("nodes", []))
            owner = (e.get("owner") or {}).get("name") or (e.get("owner") or {}).get("email") or ""
            out.append(f"| `{e['name']}` | {e['type']} | {_md(owner)} | {reads} | {_md(e.get('description'))} |")
        out.append("")
    return "\n".join(out)


def write_data_dictionary(manifest_path: Path, out_md: Path) -> Path:
    """Write the data dictionary (Markdown) for the manifest at ``manifest_path`` to ``out_md``."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    out_md = Path(out_md)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(render_data_dictionary(manifest), encoding="utf-8")
    return out_md


# ----------------------------------------------------------------------------------------- standalone

def main(argv: list[str] | None = None) -> int:
    """`python -m dagster_project.docs_site dictionary [--out FILE]` regenerates the data dictionary;
    `python -m dagster_project.docs_site docs --warehouse W ...` is `credit docs`."""
    p = argparse.ArgumentParser(prog="python -m dagster_project.docs_site")
    sub = p.add_subparsers(dest="command", required=True)
    register(sub)
    dic = sub.add_parser("dictionary", help="regenerate docs/data-dictionary.md from the dbt YAML")
    dic.add_argument("--out", type=Path, default=DATA_DICTIONARY)
    args = p.parse_args(argv)
    try:
        if args.command == "dictionary":
            with tempfile.TemporaryDirectory(prefix="credit-dict-") as tmp:
                path = write_data_dictionary(parse_manifest(Path(tmp)), args.out)
            print(f"数据字典 data dictionary: {path}")
            return 0
        return args.handler(args)
    except UserError as e:
        print(f"credit: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
