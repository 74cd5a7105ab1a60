"""Nothing personal reaches the public, in any spelling: a night whose drops plant valid ID numbers in every
spelling (spaced, hyphenated, dotted, full-width, the 15-digit form) in every field a department fills
publishes, and then no text cell of any published table, no report file and no printed line holds one.

One full build through the real Dagster graph (credit run), shared by the module: it pays for itself by
covering the published file, the gates, the monthly 通报 and 整改清单, the entity report and the CLI line.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project import pii
from tests.test_rules import AUTHORITY, uscc_with_check

AS_OF = "2026-11-22"
W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(body17: str) -> str:
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, W)) % 11]


IDS = [with_check(f"2102021990{m:02d}{d:02d}12{k}") for m, d, k in ((1, 5, 1), (2, 14, 2), (3, 9, 3), (4, 21, 4),
                                                                       (5, 30, 5), (6, 11, 6), (7, 4, 7), (8, 18, 8))]


def spellings(i: str) -> list[str]:
    """One ID number the ways people write it."""
    return [
        i,
        " ".join([i[:4], i[4:8], i[8:12], i[12:16], i[16:]]),
        f"{i[:6]}-{i[6:14]}-{i[14:]}",
        f"{i[:6]}.{i[6:14]}.{i[14:]}",
        "".join(chr(ord(c) + 0xFEE0) for c in i),
        f"{i[:6]} {i[6:10]}-{i[10:14]} {i[14:]}",
    ]


OLD_15 = "210202900105121"  # the pre-1999 form: birth date 1990-01-05
ALL_PLANTED = [s for i in IDS for s in spellings(i)] + [OLD_15]
PARTY_USCC = uscc_with_check("91210200MA0PPPPP1")
OTHER_USCC = uscc_with_check("91210200MA0QQQQQ2")

PENALTY_HEADER = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型",
                  "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实",
                  "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "处罚决定日期", "处罚有效期", "处罚机关",
                  "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "当前状态", "备注"]


def penalty(no: str, **over) -> dict:
    row = {"行政相对人名称": "大连隐私测试有限公司", "行政相对人类别": "法人及非法人组织", "统一社会信用代码": PARTY_USCC,
           "法定代表人": "周某", "法定代表人证件类型": "身份证", "法定代表人证件号码": IDS[7],
           "行政处罚决定书文号": no, "违法行为类型": "虚假宣传", "违法事实": "发布虚假广告", "处罚依据": "《广告法》第五十五条",
           "处罚类别": "罚款", "处罚内容": "罚款5万元", "罚款金额（万元）": "5", "处罚决定日期": "2026-11-10",
           "处罚有效期": "2027-11-10", "处罚机关": "大连市商务局", "处罚机关统一社会信用代码": AUTHORITY,
           "数据来源单位": "大连市商务局", "数据来源单位统一社会信用代码": AUTHORITY, "当前状态": "正常", "备注": ""}
    row.update(over)
    return row


def planted_rows() -> list[dict]:
    s0, s1, s2, s3 = (spellings(i) for i in IDS[:4])
    return [
        # published, with ID numbers in every free-text field a department fills
        penalty("连商罚〔2026〕1号", 违法事实=f"当事人（身份证 {s0[1]}）与（{s0[2]}）共同发布虚假广告，旧证{OLD_15}",
                处罚依据=f"《广告法》第五十五条；经办人{s0[3]}", 违法行为类型=f"虚假宣传{s0[4]}",
                处罚内容=f"罚款5万元，缴款人 {s0[5]}", 备注=f"联系人 {s0[0]}"),
        # an ID number inside the decision number and inside the party's name: held, not blocking
        penalty(f"连商罚〔2026〕{s1[2]}号"),
        penalty("连商罚〔2026〕3号", 行政相对人名称=f"大连某某商行（经营者 {s1[1]}）", 统一社会信用代码=OTHER_USCC),
        # a natural person declared as an organisation: the ID signals win, never published
        penalty("连商罚〔2026〕4号", 行政相对人名称="吴某", 统一社会信用代码="", 证件类型="身份证", 证件号码=s2[0]),
        # an ID number in the USCC field
        penalty("连商罚〔2026〕5号", 行政相对人名称="郑某", 统一社会信用代码=s3[4]),
        # a plain natural person
        penalty("连商罚〔2026〕6号", 行政相对人名称="王某", 行政相对人类别="自然人", 统一社会信用代码="",
                证件类型="身份证", 证件号码=IDS[4]),
    ]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from dagster_project.cli import run_build
    from dagster_project.report import render_monthly_report

    root = tmp_path_factory.mktemp("planted")
    folder = root / "drops" / "swj" / "2026-11-16"
    folder.mkdir(parents=True)
    # file names are text a department chooses too: one carries an ID number, and a file that cannot be read
    # (quarantined, so listed in the build summary) another
    (folder / f"经办人{spellings(IDS[6])[2]}的说明.txt").write_text("不是数据文件", encoding="utf-8")
    with open(folder / f"行政处罚_{IDS[5]}.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=PENALTY_HEADER)
        writer.writeheader()
        writer.writerows(planted_rows())
    warehouse = root / "credit.duckdb"
    summary = run_build(root / "drops", warehouse, AS_OF)
    reports = root / "reports"
    render_monthly_report(warehouse, "2026-11", reports, as_of=date(2026, 12, 3))
    return warehouse, reports, summary


def _variants(text: str) -> list[str]:
    """The text as written, and NFKC'd with every separator removed (a scan that no spacing can fool)."""
    flat = re.sub(f"[{pii.spelling()['separators']}]", "", unicodedata.normalize("NFKC", text))
    return [text, flat]


def _leaks(text: str) -> list[str]:
    return [n for v in _variants(text) for n in pii.find_id_numbers(v)]


def test_the_night_publishes_despite_the_planted_rows(planted, capsys):
    from dagster_project.cli import _print_run_summary

    warehouse, _, summary = planted
    assert summary["success"] and warehouse.is_file()
    # the terminal summary lists the quarantined file by its name, scrubbed
    _print_run_summary(summary, warehouse)
    printed = capsys.readouterr().out
    assert "的说明.txt" in printed and pii.ID_REDACTED in printed
    assert not _leaks(printed)


def test_no_published_text_cell_holds_an_id_number(planted):
    warehouse, _, _ = planted
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where data_type = 'VARCHAR' and table_schema not in ('information_schema', 'pg_catalog')"
                              ).fetchall()
        assert len({(s, t) for s, t, _ in columns}) >= 10
        scanned = 0
        for schema, table, column in columns:
            for (value,) in con.execute(f'select distinct "{column}" from {schema}."{table}" where "{column}" is not null').fetchall():
                scanned += 1
                assert not _leaks(value), f"{schema}.{table}.{column}: {pii.scrub(value)!r}"
        assert scanned > 100
        # the records are there, redacted, not dropped
        facts = con.execute("select violation_facts from marts.public_disclosure "
                            "where decision_no = '连商罚〔2026〕1号'").fetchall()
        assert len(facts) == 1 and facts[0][0].count(pii.ID_REDACTED) == 3
        held = dict(con.execute("select decision_no, disclosure_status from marts.fct_credit_record").fetchall())
        assert held["连商罚〔2026〕[证件号已隐去]号"] == "held"
        assert held["连商罚〔2026〕3号"] == "held"
        assert held["连商罚〔2026〕4号"] == held["连商罚〔2026〕5号"] == held["连商罚〔2026〕6号"] == "not_public"
        public = {n for (n,) in con.execute("select decision_no from marts.public_disclosure").fetchall()}
        assert public == {"连商罚〔2026〕1号"}
        # the department is told what to fix
        items = con.execute("select rule_id from marts.fct_rectification_item where department = 'swj'").fetchall()
        assert ("ID_NO_IN_KEY_FIELD",) in items and ("PARTY_TYPE_CONFLICT",) in items
        # and the published file says who may read what
        access = dict(con.execute("select table_name, audience from audit.table_access").fetchall())
        assert access["marts.public_disclosure"] == "public"
        assert {a for t, a in access.items() if t != "marts.public_disclosure"} == {"internal"}
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        assert set(access) == tables
        # every published table is named in the seed on purpose (an unnamed one would read as internal)
        from dagster_project.paths import SEEDS_DIR
        with open(SEEDS_DIR / "table_audiences.csv", encoding="utf-8") as f:
            assert tables <= {r["table_name"] for r in csv.DictReader(f)}
    finally:
        con.close()


def _report_texts(reports: Path) -> dict[Path, str]:
    import pymupdf
    import openpyxl

    texts = {}
    for path in sorted(reports.rglob("*")):
        if path.suffix == ".html":
            texts[path] = path.read_text(encoding="utf-8")
        elif path.suffix == ".pdf":
            with pymupdf.open(path) as doc:
                texts[path] = "\n".join(page.get_text() for page in doc)
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            texts[path] = "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                    for c in row if c is not None)
            wb.close()
    return texts


def test_no_report_file_holds_an_id_number(planted):
    _, reports, _ = planted
    texts = _report_texts(reports)
    assert any(p.suffix == ".pdf" for p in texts) and any("整改" in p.name or "整改" in str(p.parent) for p in texts)
    for path, text in texts.items():
        assert not _leaks(text), path
    # the department's 整改清单 lists the held records (masked), so it can fix them
    rect = "\n".join(t for p, t in texts.items() if p.suffix == ".xlsx" and ("swj" in p.name or "商务" in p.name))
    assert "居民身份证号码" in rect and pii.ID_REDACTED in rect


def test_entity_report_and_its_printed_line_hold_no_id_number(planted, tmp_path, capsys):
    from dagster_project.cli import main

    warehouse, _, _ = planted
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        entities = con.execute("select entity_id, entity_type from marts.dim_entity").fetchall()
    finally:
        con.close()
    assert len(entities) >= 4
    for entity, entity_type in entities:
        # a natural person gets the internal version only (the CLI refuses a public one)
        version = ["--version", "internal"] if entity_type == "自然人" else []
        code = main(["entity-report", entity, "--warehouse", str(warehouse), "--out", str(tmp_path / entity), *version])
        assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr()
    assert not _leaks(printed.out + printed.err)
    texts = _report_texts(tmp_path)
    assert texts
    for path, text in texts.items():
        assert not _leaks(text), path
