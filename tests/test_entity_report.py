"""The per-entity 公共信用信息报告 (dagster_project.entity_report) on the committed sample build.

The entity under test is picked by query: one with public and non-public (held / not_public /
revoked / expired / repaired) records, whose non-public decision numbers differ from its public ones.
"""
from __future__ import annotations

import argparse
import re
import shutil
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pymupdf
import pypdf
import pytest

from dagster_project.cli import UserError
from dagster_project.entity_report import (
    EntityReportFiles,
    cmd_entity_report,
    normalise_key,
    register,
    render_entity_report,
    scrub_id_numbers,
)

# written independently of the package's own pattern: address, birth date, sequence, check
ID_RE = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]")
FAKE_ID = "110101199003071233"  # a valid 居民身份证号码 (GB 11643 check character 3)
NON_PUBLIC = ("held", "not_public", "revoked", "expired", "repaired")


def _squash(text: str) -> str:
    """Text without whitespace: a cell's content may wrap over lines."""
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return "".join(page.get_text() for page in doc)


def pdf_text_pypdf(path: Path) -> str:
    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def _fullwidth_lower(code: str) -> str:
    """'91210203...' -> full-width, lower-case, with a space and a full-width hyphen inside."""
    s = code.lower()
    s = s[:4] + " " + s[4:10] + "-" + s[10:]
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@pytest.fixture(scope="module")
def warehouse(sample_build) -> Path:
    return sample_build[0]


@pytest.fixture(scope="module")
def case(warehouse) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        as_of = con.execute("select max(as_of) from audit.build_info").fetchone()[0]
        candidates = con.execute(f"""
            select r.entity_id, e.uscc, e.entity_name,
                   count(distinct r.disclosure_status) filter (where r.disclosure_status in {NON_PUBLIC}) as kinds,
                   count(*) filter (where r.disclosure_status in {NON_PUBLIC}) as hidden
            from marts.fct_credit_record r
            join marts.dim_entity e using (entity_id)
            where e.entity_type <> '自然人' and e.uscc is not null
            group by all
            having count(*) filter (where r.disclosure_status = 'public') > 0 and hidden > 0
            order by kinds desc, hidden desc, r.entity_id
        """).fetchall()
        for entity_id, uscc, name, _, _ in candidates:
            public = {r[0] for r in con.execute(
                "select decision_no from marts.public_disclosure where entity_id = ?", [entity_id]).fetchall()}
            hidden = {r[0] for r in con.execute(
                f"select decision_no from marts.fct_credit_record where entity_id = ? "
                f"and disclosure_status in {NON_PUBLIC}", [entity_id]).fetchall()}
            if public and hidden and not any(h in p or p in h for h in hidden for p in public):
                person = con.execute("""
                    select e.entity_id from marts.dim_entity e
                    join marts.fct_credit_record r using (entity_id)
                    where e.entity_type = '自然人' group by 1 order by count(*) desc, 1 limit 1
                """).fetchone()
                return {"entity_id": entity_id, "uscc": uscc, "name": name, "public": sorted(public),
                        "hidden": sorted(hidden), "as_of": as_of, "person": person[0] if person else None}
    finally:
        con.close()
    pytest.fail("the sample build has no entity with both public and non-public records")


@pytest.fixture(scope="module")
def rendered(warehouse, case, tmp_path_factory) -> EntityReportFiles:
    return render_entity_report(warehouse, case["entity_id"], tmp_path_factory.mktemp("entity_report"))


@pytest.fixture(scope="module")
def texts(rendered) -> dict[str, str]:
    return {"public": pdf_text(rendered.public_pdf), "internal": pdf_text(rendered.internal_pdf)}


def test_writes_four_files_named_as_issued(rendered, case):
    assert len(rendered.all_files()) == 4
    for p in rendered.all_files():
        assert p.is_file() and p.stat().st_size > 0
    assert rendered.public_pdf.name == f"公共信用信息报告_{case['name']}_{case['uscc']}_公开版.pdf"
    assert rendered.internal_html.name == f"公共信用信息报告_{case['name']}_{case['uscc']}_内部版.html"
    assert rendered.entity_id == case["entity_id"]
    assert rendered.as_of == case["as_of"]


def test_public_pdf_shows_only_public_records(texts, case):
    text = _squash(texts["public"])
    assert case["name"] in text
    assert "公开版" in text and "报告编号" in text and "出具日期" in text
    for no in case["public"]:
        assert _squash(no) in text, f"public record {no} missing from the public version"
    for no in case["hidden"]:
        assert _squash(no) not in text, f"non-public record {no} shown in the public version"
    for word in ("暂缓公示记录及违反的规则", "公示状态", "内部版"):
        assert word not in text


def test_internal_pdf_shows_every_record_with_its_status(texts, case, warehouse):
    text = _squash(texts["internal"])
    assert case["name"] in text and "内部版" in text
    for no in case["public"] + case["hidden"]:
        assert _squash(no) in text, f"record {no} missing from the internal version"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        reasons = {r[0] for r in con.execute(
            "select disclosure_reason_zh from marts.fct_credit_record where entity_id = ? "
            "and disclosure_reason_zh is not null", [case["entity_id"]]).fetchall()}
        held_rules = {r[0] for r in con.execute("""
            select v.rule_message_zh from marts.fct_rule_violation v
            join marts.fct_credit_record r using (record_id)
            where r.entity_id = ? and r.disclosure_status = 'held'
        """, [case["entity_id"]]).fetchall()}
    finally:
        con.close()
    for reason in reasons:
        assert _squash(reason) in text
    for rule in held_rules:
        assert _squash(rule) in text


def test_sections_and_header(texts, case):
    for version, text in texts.items():
        t = _squash(text)
        for section in ("一、基本信息", "二、信用信息概况", "三、行政许可信息", "四、行政处罚信息", "说明"):
            assert section in t, (version, section)
        assert case["uscc"] in t
        assert case["uscc"][8:16] + "-" + case["uscc"][16] in t  # 组织机构代码 from positions 9-17
        assert f"出具日期：{case['as_of'].year}年{case['as_of'].month}月{case['as_of'].day}日" in t
        assert re.search(r"第1页共\d+页", t)


def test_no_id_number_in_any_output(rendered, case):
    for p in rendered.all_files():
        if p.suffix == ".pdf":
            for text in (pdf_text(p), pdf_text_pypdf(p)):
                assert not ID_RE.findall(_squash(text).replace(case["uscc"], "")), p.name
        else:
            assert not ID_RE.findall(p.read_text(encoding="utf-8").replace(case["uscc"], "")), p.name


def test_every_page_renders_a4_with_embedded_cjk_font(rendered):
    for p in (rendered.public_pdf, rendered.internal_pdf):
        with pymupdf.open(p) as doc:
            assert doc.page_count >= 1
            for page in doc:
                assert round(page.rect.width) == 595 and round(page.rect.height) == 842  # A4
                png = page.get_pixmap(dpi=50).tobytes("png")
                assert png.startswith(b"\x89PNG") and len(png) > 1000
            fonts = {f[3] for f in doc.get_page_fonts(0)}
            assert any("+" in f and ("CJK" in f or "SimHei" in f) for f in fonts), fonts  # an embedded CJK subset


def test_html_is_self_contained(rendered, case):
    html = rendered.public_html.read_text(encoding="utf-8")
    assert "data:font/woff;base64," in html
    assert case["name"] in html
    for no in case["hidden"]:
        assert no not in html
    internal = rendered.internal_html.read_text(encoding="utf-8")
    for no in case["public"] + case["hidden"]:
        assert no in internal


def test_same_inputs_same_report(warehouse, case, rendered, tmp_path):
    """Apart from the issue's 报告编号 and 验证码 (new each time: tests below), the same document."""
    again = render_entity_report(warehouse, case["entity_id"], tmp_path)
    assert again.report_nos != rendered.report_nos
    for version, path in (("public", "public_pdf"), ("internal", "internal_pdf")):
        a, b = _squash(pdf_text(getattr(rendered, path))), _squash(pdf_text(getattr(again, path)))  # lines may wrap apart
        a = a.replace(rendered.report_nos[version], "N").replace(rendered.verification_codes[version], "C")
        b = b.replace(again.report_nos[version], "N").replace(again.verification_codes[version], "C")
        assert a == b, version


def test_fullwidth_lowercase_uscc_finds_the_entity(warehouse, case, tmp_path):
    typed = _fullwidth_lower(case["uscc"])
    assert typed != case["uscc"] and normalise_key(typed) == case["uscc"]
    files = render_entity_report(warehouse, typed, tmp_path, versions=("public",))
    assert files.entity_id == case["entity_id"]
    assert files.internal_pdf is None and files.public_pdf.is_file()


def test_cli_writes_reports(warehouse, case, tmp_path, capsys):
    args = argparse.Namespace(entity=case["uscc"].lower(), warehouse=warehouse, out=tmp_path,
                              as_of=case["as_of"].isoformat(), version="both")
    assert cmd_entity_report(args) == 0
    out = capsys.readouterr().out
    assert case["entity_id"] in out
    assert len(list(tmp_path.glob("公共信用信息报告_*.pdf"))) == 2


def test_cli_unknown_entity_is_a_user_error(warehouse, tmp_path):
    args = argparse.Namespace(entity="91350100M000100Y43", warehouse=warehouse, out=tmp_path,
                              as_of=None, version="both")
    with pytest.raises(UserError, match="找不到主体"):
        cmd_entity_report(args)
    assert not list(tmp_path.iterdir())


def test_missing_warehouse_is_a_user_error(tmp_path):
    args = argparse.Namespace(entity="E0", warehouse=tmp_path / "nope.duckdb", out=tmp_path / "out",
                              as_of=None, version="both")
    with pytest.raises(UserError, match="数据仓库不存在"):
        cmd_entity_report(args)


def test_as_of_before_the_data_is_refused(warehouse, case, tmp_path):
    with pytest.raises(UserError, match="早于"):
        render_entity_report(warehouse, case["entity_id"], tmp_path, as_of=date(2020, 1, 1))


def test_register_adds_the_subcommand():
    parser = argparse.ArgumentParser(prog="credit")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["entity-report", "９１ａｂ", "--warehouse", "w.duckdb", "--out", "o",
                              "--as-of", "2026-11-22"])
    assert args.command == "entity-report" and args.entity == "９１ａｂ"
    assert args.as_of == date(2026, 11, 22) and args.version == "both"
    assert args.func is cmd_entity_report
    with pytest.raises(SystemExit):
        parser.parse_args(["entity-report", "x", "--warehouse", "w", "--out", "o", "--as-of", "2026-13-01"])


def test_natural_person_has_no_public_version(warehouse, case, tmp_path):
    person = case["person"]
    if person is None:
        pytest.skip("no natural person in the sample build")
    with pytest.raises(UserError, match="涉及自然人的信用信息不公开"):
        render_entity_report(warehouse, person, tmp_path)
    assert not list(tmp_path.iterdir())  # refused before anything was written
    args = argparse.Namespace(entity=person, warehouse=warehouse, out=tmp_path, as_of=None, version="public")
    with pytest.raises(UserError, match="涉及自然人的信用信息不公开"):
        cmd_entity_report(args)
    files = render_entity_report(warehouse, person, tmp_path, versions=("internal",))
    assert files.public_pdf is None and files.internal_pdf.is_file()
    text = pdf_text(files.internal_pdf)
    assert "自然人" in text
    assert not ID_RE.findall(_squash(text))


def test_id_numbers_in_the_data_are_scrubbed(warehouse, case, tmp_path):
    """Defence in depth: even if an ID number reached the marts, neither version shows it."""
    copy = tmp_path / "tampered.duckdb"
    shutil.copyfile(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        leak = f"（当事人身份证号{FAKE_ID}）"
        con.execute("update marts.public_disclosure set violation_facts = coalesce(violation_facts, '') || ?, "
                    "license_content = coalesce(license_content, '') || ? where entity_id = ?",
                    [leak, leak, case["entity_id"]])
        con.execute("update marts.fct_credit_record set penalty_content = coalesce(penalty_content, '') || ?, "
                    "license_content = coalesce(license_content, '') || ? where entity_id = ?",
                    [leak, leak, case["entity_id"]])
        con.execute("update marts.fct_rule_violation set offending_value = ? where record_id in "
                    "(select record_id from marts.fct_credit_record where entity_id = ?)",
                    [FAKE_ID, case["entity_id"]])
    finally:
        con.close()
    files = render_entity_report(copy, case["entity_id"], tmp_path / "out")
    for p in files.all_files():
        text = pdf_text(p) if p.suffix == ".pdf" else p.read_text(encoding="utf-8")
        assert FAKE_ID not in _squash(text), p.name
        assert "证件号已隐去" in _squash(text), p.name


def test_scrub_and_normalise():
    assert scrub_id_numbers(f"身份证{FAKE_ID}，电话") == "身份证[证件号已隐去]，电话"
    assert scrub_id_numbers("11010519491231002x") == "[证件号已隐去]"
    assert scrub_id_numbers("1101 0519 4912 3100 2X") == "[证件号已隐去]"
    uscc_like_id = "912102199003071234"  # all digits and shaped like an ID number
    assert scrub_id_numbers(uscc_like_id, keep={uscc_like_id}) == uscc_like_id
    assert scrub_id_numbers(f"{uscc_like_id} {FAKE_ID}", keep={uscc_like_id}) == f"{uscc_like_id} [证件号已隐去]"
    assert scrub_id_numbers("91350100M000100Y43") == "91350100M000100Y43"
    assert normalise_key(" ９１３５ ０１００－ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    assert normalise_key(unicodedata.normalize("NFKC", "91350100-M000100Y43")) == "91350100M000100Y43"


# ----------------------------------------------------------------------------------------------------------------
# Issue 19: the national sections, on the hand-made archive of tests/test_rule_corrections.py (an entity on a
# black and a red list with a commitment and another 十公示 action; an entity with repairs; one with nothing public)

from dagster_project.entity_report import registry  # noqa: E402
from dagster_project.entity_report.config import ENV_VAR as CONFIG_ENV, load_config  # noqa: E402
from dagster_project.entity_report.content import NONE, build_document  # noqa: E402
from dagster_project.entity_report.model import load_entity  # noqa: E402
from dagster_project.report.content import Heading, Para  # noqa: E402
from tests.test_rule_corrections import (  # noqa: E402
    AS_OF as ARCHIVE_AS_OF,
    EMPTY_USCC,
    ID_IN_LEGAL_REP,
    LISTED_USCC,
    REPAIRED_USCC,
    corrections_build,  # noqa: F401  (the session fixture)
)

NATIONAL_SECTIONS = ("三、行政许可信息", "四、行政处罚信息", "五、严重失信主体名单信息", "六、守信激励名单信息（红名单）",
                     "七、信用承诺及履约信息", "八、信用修复信息", "九、其他行政行为信息")


@pytest.fixture(scope="module")
def archive(corrections_build) -> Path:
    """The corrections build, published (marts copied to the published file, as every night)."""
    from dagster_project.publish import publish

    warehouse = corrections_build[0]
    if not warehouse.exists():
        publish(warehouse, run_id="corrections", as_of=ARCHIVE_AS_OF)
    return warehouse


@pytest.fixture(scope="module")
def listed(archive, tmp_path_factory) -> tuple[EntityReportFiles, dict[str, str]]:
    files = render_entity_report(archive, LISTED_USCC, tmp_path_factory.mktemp("listed"))
    return files, {"public": _squash(pdf_text(files.public_pdf)), "internal": _squash(pdf_text(files.internal_pdf))}


def _sections(doc) -> dict[str, list]:
    """Heading text -> the blocks under it."""
    out, current = {}, None
    for b in doc.blocks:
        if isinstance(b, Heading):
            current = out.setdefault(b.text, [])
        elif current is not None:
            current.append(b)
    return out


def test_list_memberships_commitment_and_other_action_are_shown(listed):
    _, text = listed
    for version, t in text.items():
        assert "五、严重失信主体名单信息" in t and "严重违法失信企业名单" in t and "连市监列〔2026〕1号" in t, version
        assert "失信被执行人" in t and "(2026)辽02执123号" in t, version
        assert "六、守信激励名单信息（红名单）" in t and "A级纳税人" in t and "大税〔2026〕8号" in t, version
        assert "七、信用承诺及履约信息" in t and "CN-2026-001" in t and "审批替代型" in t, version
        assert "履约判定日期2026-06-01" in t, version
        assert "九、其他行政行为信息" in t and "行政奖励" in t and "大政奖〔2026〕3号" in t, version
        assert "法定代表人（负责人）" in t and "张伟" in t, version


def test_long_term_validity_reads_changqi(listed):
    _, text = listed
    for t in text.values():
        assert "ER-LIC-1" in t and "至长期" in t
        assert "2099-12-31" not in t and "2099年" not in t


def test_repairs_say_whether_they_ended_disclosure(archive, tmp_path):
    files = render_entity_report(archive, REPAIRED_USCC, tmp_path)
    public, internal = _squash(pdf_text(files.public_pdf)), _squash(pdf_text(files.internal_pdf))
    # 公开版: the repair that ended disclosure (连发改修〔2026〕3号, MIN-SERVED) only; the early ones did not
    assert "八、信用修复信息" in public and "连发改修〔2026〕3号" in public
    for early in ("连发改修〔2026〕1号", "连发改修〔2026〕2号", "连发改修〔2026〕4号"):
        assert early not in public
    assert "MIN-SERVED" not in public and "MIN-EARLY" in public      # repaired: gone; early repair: still shown
    # 内部版: every repair with its effect
    for no in ("连发改修〔2026〕1号", "连发改修〔2026〕2号", "连发改修〔2026〕3号", "连发改修〔2026〕4号"):
        assert no in internal
    assert "已终止公示" in internal and "未终止公示，待复核" in internal


def test_an_entity_with_nothing_public_says_wu_in_every_section(archive):
    data = load_entity(archive, EMPTY_USCC, None, internal=True)
    public = _sections(build_document(data, "public", report_no="XYBG202611220001-GK", verification_code="ABCD-EFGH-JKLM"))
    for heading in NATIONAL_SECTIONS:
        assert public[heading] == [Para(NONE)], heading
    internal = _sections(build_document(data, "internal"))
    for heading in NATIONAL_SECTIONS[1:]:                       # the revoked licence is in the archive
        assert internal[heading] == [Para(NONE)], heading
    assert internal["十、暂缓公示记录及违反的规则"] == [Para(NONE)]
    assert internal["三、行政许可信息"] != [Para(NONE)]


def test_every_section_says_wu_in_the_rendered_pdf(archive, tmp_path):
    files = render_entity_report(archive, EMPTY_USCC, tmp_path, versions=("public",))
    text = pdf_text(files.public_pdf)
    for heading in NATIONAL_SECTIONS:
        after = text.split(heading, 1)[1].lstrip()
        assert after.startswith(NONE), (heading, after[:20])


def test_report_numbers_are_unique_per_issue_and_codes_verify(archive, tmp_path, capsys):
    first = render_entity_report(archive, LISTED_USCC, tmp_path / "a")
    second = render_entity_report(archive, LISTED_USCC, tmp_path / "b")
    numbers = set(first.report_nos.values()) | set(second.report_nos.values())
    assert len(numbers) == 4 and all(n.startswith("XYBG20261122") for n in numbers)
    assert first.report_nos["public"][-3:] == "-GK" and first.report_nos["internal"][-3:] == "-NB"
    assert len(set(first.verification_codes.values()) | set(second.verification_codes.values())) == 4
    # each document prints its own number and code
    text = _squash(pdf_text(second.public_pdf))
    assert second.report_nos["public"] in text and second.verification_codes["public"] in text
    # apart from them, the same inputs give the same document
    # (the text: each HTML embeds a font subset of the characters it uses, and codes differ in theirs)
    a, b = _squash(pdf_text(first.internal_pdf)), _squash(pdf_text(second.internal_pdf))
    for files in (first, second):
        for v in ("public", "internal"):
            a = a.replace(files.report_nos[v], "N").replace(files.verification_codes[v], "C")
            b = b.replace(files.report_nos[v], "N").replace(files.verification_codes[v], "C")
    assert a == b
    # the center looks a code up in the register beside the warehouse, and checks a presented file
    code = second.verification_codes["public"]
    rows = registry.lookup(archive, code.lower().replace("-", ""))
    assert {r["file_name"] for r in rows} == {second.public_pdf.name, second.public_html.name}
    assert {r["report_no"] for r in rows} == {second.report_nos["public"]}
    capsys.readouterr()
    verify = dict(entity=None, warehouse=archive, out=None, as_of=None, version="both", verify=code)
    assert cmd_entity_report(argparse.Namespace(**verify, file=second.public_pdf)) == 0
    out = capsys.readouterr().out
    assert second.report_nos["public"] in out and "文件一致" in out
    assert cmd_entity_report(argparse.Namespace(**verify, file=first.public_pdf)) == 1   # another issue's file
    assert cmd_entity_report(argparse.Namespace(**dict(verify, verify="AAAA-BBBB-CCCC"), file=None)) == 1
    # the next publish copies the register into the published file (audit.issued_entity_report)
    from dagster_project.publish import publish

    publish(archive, run_id="corrections-again", as_of=ARCHIVE_AS_OF)
    con = duckdb.connect(str(archive), read_only=True)
    try:
        issued = con.execute("select distinct report_no from audit.issued_entity_report where verification_code = ?",
                             [code]).fetchall()
        audience = con.execute("select audience from audit.table_access where table_name = 'audit.issued_entity_report'"
                               ).fetchall()
    finally:
        con.close()
    assert issued == [(second.report_nos["public"],)] and audience == [("internal",)]


def test_validity_and_objection_contact_come_from_configuration(archive, listed, tmp_path, monkeypatch):
    files, text = listed
    cfg = load_config()
    until = files.as_of + timedelta(days=cfg.validity_days - 1)
    for t in text.values():
        assert f"自出具之日起{cfg.validity_days}日内有效（至{until.year}年{until.month}月{until.day}日）" in t
        assert cfg.objection_unit in t and cfg.objection_phone in t
    other = tmp_path / "entity_report.yml"
    other.write_text(load_config().source.read_text(encoding="utf-8")
                     .replace(cfg.objection_phone, "0411-12345678").replace("validity_days: 30", "validity_days: 15"),
                     encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(other))
    again = render_entity_report(archive, LISTED_USCC, tmp_path / "out", versions=("public",))
    t = _squash(pdf_text(again.public_pdf))
    assert "0411-12345678" in t and "自出具之日起15日内有效" in t and cfg.objection_phone not in t


def test_a_broken_configuration_is_a_user_error(tmp_path, monkeypatch):
    bad = tmp_path / "entity_report.yml"
    bad.write_text("report_no_prefix: XYBG\nvalidity_days: 30\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    with pytest.raises(UserError, match="缺少"):
        load_config()


def test_no_id_number_from_a_legal_representative_field(archive, tmp_path):
    con = duckdb.connect(str(archive), read_only=True)
    try:
        entity = con.execute("select entity_id, legal_rep from marts.dim_entity where entity_name = '大连其他组织测试协会'"
                             ).fetchone()
    finally:
        con.close()
    assert entity[1] is not None and ID_IN_LEGAL_REP not in entity[1]
    files = render_entity_report(archive, entity[0], tmp_path)
    for p in files.all_files():
        text = pdf_text(p) if p.suffix == ".pdf" else p.read_text(encoding="utf-8")
        assert not ID_RE.findall(_squash(text)), p.name
