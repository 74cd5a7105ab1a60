"""Issue 18: real departments' file layouts — a wide header vocabulary, layout scoring as data, files lacking
columns loaded and held (not quarantined whole), amounts in 元 converted, teaching a new layout
(`credit layouts suggest`, quarantined files retried when the rules change), WPS formats.

Every file is made here; the real public files of ../shared/realdata are exercised by tests/test_ingest.py.
"""
from __future__ import annotations

import csv
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dagster_project.cli import main as credit_main  # noqa: E402
from dagster_project.ingest import ingest_drops  # noqa: E402
from dagster_project.ingest.headers import AliasIndex, normalize_header  # noqa: E402
from dagster_project.ingest.seeds import ALL_DATASETS, ANY_COLUMN, LAYOUT_RULE_KINDS, load_seeds  # noqa: E402
from dagster_project.ingest.suggest import suggest_file  # noqa: E402
from dagster_project.paths import SEEDS_DIR  # noqa: E402
from ingest_fixtures import csv_text, write_xlsx  # noqa: E402

DEPT, DAY = "scjgj", "2026-11-02"


@pytest.fixture(scope="module")
def seeds():
    return load_seeds()


@pytest.fixture(scope="module")
def index(seeds):
    return AliasIndex(seeds)


def col(index, heading: str, dataset: str) -> str | None:
    hits = [h for h in index.lookup(heading) if h.dataset in ("common", dataset)]
    return hits[0].column if hits else None


def put(root: Path, rel: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return p


def ingest(root: Path, con=None, **kw):
    con = con or duckdb.connect()
    return con, ingest_drops(con, root, root.with_name(root.name + ".raw"), **kw)


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


# --------------------------------------------------------------------------------------------- vocabulary

# Headings as ministries, regulators, portals and registers print them on their own published lists (銀保监/金融监管
# 行政处罚信息公开表, 信用中国 and provincial portals, 市场监管 公示, 生态环境 lists, licence registers), per column.
# Written out by hand: a heading missing from header_aliases.csv fails here.
VOCABULARY: dict[tuple[str, str], list[str]] = {
    ("penalty", "party_name"): ["当事人名称", "当事人", "被处罚当事人姓名或名称", "被处罚当事人", "违法企业名称或违法自然人姓名",
                                "企业名称", "单位名称", "机构名称", "行政相对人名称", "行政相对人"],
    ("penalty", "uscc"): ["统一社会信用代码", "社会信用代码", "统一信用代码", "社会诚信代码", "行政相对人代码_1(统一社会信用代码)"],
    ("penalty", "legal_rep"): ["法定代表人", "法定代表人（负责人）", "法定代表人姓名", "主要负责人姓名", "法人代表"],
    ("penalty", "decision_no"): ["行政处罚决定书文号", "处罚决定书文号", "决定书文号", "处罚决定书号", "行政处罚决定文书号"],
    ("penalty", "violation_facts"): ["违法事实", "主要违法事实", "违法违规事实", "主要违法违规事实（案由）", "主要违法违规行为",
                                     "处罚事由", "案由"],
    ("penalty", "violation_type"): ["违法行为类型", "违法类型", "违法类别"],
    ("penalty", "penalty_basis"): ["处罚依据", "行政处罚依据"],
    ("penalty", "penalty_category"): ["处罚类别", "处罚种类", "行政处罚种类", "处罚类别1"],
    ("penalty", "penalty_content"): ["处罚内容", "行政处罚内容", "行政处罚决定", "处罚结果", "处罚决定内容"],
    ("penalty", "decision_date"): ["处罚决定日期", "作出处罚决定日期", "作出处罚决定的日期", "处罚日期", "决定日期",
                                   "行政处罚决定日期", "作出决定日期"],
    ("penalty", "authority"): ["处罚机关", "作出处罚决定的机关名称", "作出处罚的机关名称", "作出决定机关", "决定机关",
                               "处罚机关名称", "处罚单位", "处罚实施机关"],
    ("penalty", "fine_amount"): ["罚款金额（万元）", "罚款金额", "罚款数额", "罚款（万元）"],
    ("penalty", "confiscated_amount"): ["没收违法所得、没收非法财物的金额（万元）", "没收违法所得金额", "没收金额"],
    ("license", "party_name"): ["企业名称", "单位名称", "申请人名称", "被许可人名称", "市场主体名称", "经营者名称"],
    ("license", "decision_no"): ["行政许可决定文书号", "行政许可决定书文号", "许可决定书文号", "审批文号"],
    ("license", "license_no"): ["许可编号", "许可证编号", "许可证号", "证书编号"],
    ("license", "license_content"): ["许可内容", "许可项目", "许可范围", "经营项目"],
    ("license", "decision_date"): ["许可决定日期", "发证日期", "许可日期", "批准日期"],
    ("license", "valid_from"): ["有效期自", "有效期起", "有效期起始日期"],
    ("license", "valid_to"): ["有效期至", "有效期止", "有效期截止日期", "有效截止日期"],
    ("license", "authority"): ["许可机关", "发证机关", "发证单位", "审批机关", "许可机关名称"],
    ("credit_list", "list_decision_no"): ["认定文号", "案号", "认定文书号"],
    ("credit_list", "list_authority"): ["认定部门", "执行法院", "认定机关", "列入机关"],
}


@pytest.mark.parametrize("dataset,column", sorted(VOCABULARY), ids=lambda v: v if isinstance(v, str) else None)
def test_published_headings_map_to_their_column(index, dataset, column):
    for heading in VOCABULARY[(dataset, column)]:
        assert col(index, heading, dataset) == column, heading


def test_matching_is_tolerant_in_the_stated_ways(index):
    # full width / half width, spaces anywhere (also ideographic), case
    assert col(index, "罚款金额(万元)", "penalty") == col(index, "罚款金额（万元）", "penalty") == "fine_amount"
    assert col(index, "当事人　名称", "penalty") == col(index, " 当 事 人 名 称 ", "penalty") == "party_name"
    assert col(index, "ＰＡＲＴＹ_ＮＡＭＥ", "penalty") == "party_name"
    # brackets and their content: a note is dropped, a unit note is meaningful
    assert col(index, "处罚决定日期（必填）", "penalty") == col(index, "【必填】处罚决定日期", "penalty") == "decision_date"
    assert col(index, "罚款金额【万元】", "penalty") == "fine_amount"
    # 的 anywhere and a trailing 名称 are optional
    assert col(index, "作出处罚决定的日期", "penalty") == col(index, "作出处罚决定日期", "penalty") == "decision_date"
    assert col(index, "处罚机关名称", "penalty") == col(index, "处罚机关", "penalty") == "authority"
    assert col(index, "企业", "penalty") == "party_name"  # 企业名称 without 名称
    assert col(index, "没收违法所得、没收非法财物金额（万元）", "penalty") == "confiscated_amount"
    # unrelated words stay unknown
    assert col(index, "序号", "penalty") is None and col(index, "整改情况", "penalty") is None


def test_a_heading_in_yuan_maps_to_the_wan_column_marked_yuan(index):
    for heading in ("罚款金额（元）", "罚款金额(元)", "罚款金额（单位：元）", "罚款（元）", "罚款数额(元)"):
        (hit,) = {(h.column, h.unit) for h in index.lookup(heading)}
        assert hit == ("fine_amount", "元"), heading
    assert {(h.column, h.unit) for h in index.lookup("没收违法所得、没收非法财物的金额（元）")} == {("confiscated_amount", "元")}
    for heading in ("罚款金额（万元）", "罚款金额(单位:万元)", "罚款金额"):
        assert {h.unit for h in index.lookup(heading)} == {None}, heading


def test_vocabulary_is_unambiguous(seeds, index):
    """No spelling (exact or loose) names two different columns a dataset could take, and no alias row repeats."""
    with open(SEEDS_DIR / "header_aliases.csv", encoding="utf-8-sig", newline="") as f:
        alias_rows = list(csv.DictReader(f))
    keys = [(r["dataset"], normalize_header(r["alias"])) for r in alias_rows]
    assert len(keys) == len(set(keys))
    for dataset in seeds.datasets:
        for table in (index._exact, index._loose):
            for key, entries in table.items():
                cols = {c for d, c, _p in entries if d in ("common", dataset)}
                assert len(cols) <= 1, (dataset, key, cols)
    known = {(c.dataset, c.name) for c in seeds.columns}
    assert not [r for r in alias_rows if (r["dataset"], r["column_name"]) not in known]


# --------------------------------------------------------------------------------------------- layout rules


def test_layout_rules_seed_is_complete_and_names_real_columns(seeds):
    for dataset in seeds.datasets:
        for kind in LAYOUT_RULE_KINDS:
            assert seeds.rules_for(dataset, kind), (dataset, kind)
    names = {c.name for c in seeds.columns}
    for r in seeds.layout_rules:
        assert r.rule in LAYOUT_RULE_KINDS and r.dataset in (*seeds.datasets, ALL_DATASETS)
        assert r.columns == (ANY_COLUMN,) or set(r.columns) <= names, r
        assert 1 <= r.min_matches <= (len(r.columns) if r.columns != (ANY_COLUMN,) else 99), r
        assert r.why_en


def test_identification_follows_the_seed(seeds):
    # two identifying penalty headings and three in all: penalty; one identifying heading: nothing
    assert seeds.is_identified("penalty", {"party_name", "decision_no", "authority"})
    assert not seeds.is_identified("penalty", {"party_name", "uscc", "penalty_content"})
    assert not seeds.is_identified("penalty", {"decision_no", "authority"})  # recognise: 3 headings in all
    assert [r.columns for r in seeds.missing_keys("penalty", {"party_name", "authority", "violation_facts"})] == [("decision_no",)]
    assert seeds.missing_keys("license", {"party_name", "license_no"}) == []  # a register keyed by 许可证编号
    assert [r.rule for r in seeds.missing_keys("license", {"decision_no"})] == ["key"]  # nobody named


def test_a_changed_rule_changes_the_outcome(tmp_path):
    """The rule is data: raising penalty's identify threshold in a copy of the seeds turns a file away."""
    seeds_dir = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds_dir)
    drops = tmp_path / "drops"
    put(drops, f"{DEPT}/{DAY}/p.csv", csv_text(["当事人名称", "决定书文号", "处罚机关"], [["甲公司", "罚〔2026〕1号", "某局"]]))
    _con, res = ingest(drops)
    assert res.files_loaded == 1
    text = (seeds_dir / "layout_rules.csv").read_text("utf-8")
    (seeds_dir / "layout_rules.csv").write_text(
        text.replace("penalty_name|penalty_category_2,2,", "penalty_name|penalty_category_2,3,"), "utf-8")
    drops2 = tmp_path / "drops2"
    shutil.copytree(drops, drops2)
    con, res = ingest(drops2, seeds_dir=seeds_dir)
    assert res.files_loaded == 0 and rows(con, "select reason_code from raw.quarantine") == [("unknown_layout",)]


# --------------------------------------------------------------------------------------------- files made here

# A financial regulator's 行政处罚信息公开表: a title row, its own headings, no 行政相对人类别 / 数据来源单位 /
# 处罚有效期 / authority USCC, fines in 元 (numbers and a text with separators).
REGULATOR_HEADER = ["序号", "行政处罚决定书文号", "被处罚当事人姓名或名称", "主要违法违规事实（案由）", "行政处罚依据",
                    "行政处罚决定", "作出处罚决定的机关名称", "作出处罚决定的日期", "罚款金额（元）"]
REGULATOR_ROWS = [
    [1, "连金监罚决字〔2026〕11号", "大连星海银行股份有限公司", "贷款资金被挪用", "《银行业监督管理法》第四十六条",
     "罚款50万元", "国家金融监督管理总局大连监管分局", "2026-10-28", 500000],
    [2, "连金监罚决字〔2026〕12号", "大连海韵保险代理有限公司", "编制虚假材料", "《保险法》第一百七十二条",
     "罚款120万元", "国家金融监督管理总局大连监管分局", "2026-10-29", "1,200,000.00"],
    [3, "连金监罚决字〔2026〕13号", "大连北方融资担保有限公司", "未按规定报送材料", "《融资担保公司监督管理条例》第四十条",
     "警告", "国家金融监督管理总局大连监管分局", "2026-10-30", None],
]
# A licence register (发证机关's list): no decision document, keyed by 许可证编号.
REGISTER_HEADER = ["序号", "企业名称", "统一社会信用代码", "法定代表人（负责人）", "许可证编号", "许可项目", "发证日期",
                   "有效期至", "发证机关"]
REGISTER_ROWS = [
    ["1", "大连鲜丰食品有限公司", "91350100M000100Y43", "王某", "JY22102000012345", "预包装食品销售", "2026-10-20",
     "2031-10-19", "大连市市场监督管理局"],
    ["2", "大连味道餐饮管理有限公司", "", "李某", "JY22102000012346", "热食类食品制售", "2026-10-21", "2031-10-20",
     "大连市市场监督管理局"],
]


def regulator_xlsx(path: Path) -> Path:
    title = ["国家金融监督管理总局大连监管分局行政处罚信息公开表"]
    return write_xlsx(path, {"Sheet1": [title, REGULATOR_HEADER, *REGULATOR_ROWS]})


def make_drops(root: Path) -> Path:
    regulator_xlsx(root / DEPT / DAY / "行政处罚信息公开表.xlsx")
    put(root, f"{DEPT}/{DAY}/食品经营许可证发证信息.csv", csv_text(REGISTER_HEADER, REGISTER_ROWS), "gbk")
    return root


def test_regulator_penalty_list_loads_with_its_gaps_named_and_fines_in_yuan_marked(tmp_path):
    drops = make_drops(tmp_path / "drops")
    con, res = ingest(drops)
    assert res.files_quarantined == 0, res.quarantined
    got = rows(con, "select decision_no, party_name, violation_facts, penalty_basis, penalty_content, authority, "
                    "decision_date, fine_amount, party_type, source_unit, sheet_name, source_row "
                    "from raw.penalty order by source_row")
    assert got == [
        ("连金监罚决字〔2026〕11号", "大连星海银行股份有限公司", "贷款资金被挪用", "《银行业监督管理法》第四十六条", "罚款50万元",
         "国家金融监督管理总局大连监管分局", "2026-10-28", "500000元", None, None, "Sheet1", 3),
        ("连金监罚决字〔2026〕12号", "大连海韵保险代理有限公司", "编制虚假材料", "《保险法》第一百七十二条", "罚款120万元",
         "国家金融监督管理总局大连监管分局", "2026-10-29", "1,200,000.00元", None, None, "Sheet1", 4),
        ("连金监罚决字〔2026〕13号", "大连北方融资担保有限公司", "未按规定报送材料", "《融资担保公司监督管理条例》第四十条", "警告",
         "国家金融监督管理总局大连监管分局", "2026-10-30", None, None, None, "Sheet1", 5),
    ]
    # the title row is not data; 序号 has no canonical column
    assert rows(con, "select count(*) from raw.rejected_rows") == [(0,)]
    assert rows(con, "select extra_columns from raw.penalty where source_row = 3") == [('{"序号":"1"}',)]
    (note,) = rows(con, "select note from raw.ingest_ledger where dataset = 'penalty'")[0]
    for label in ("行政相对人类别", "数据来源单位", "处罚有效期", "处罚机关统一社会信用代码", "罚款金额（元）"):
        assert label in note, label
    assert "违法事实" not in note.split(" / ")[0].split("（已载入")[0]  # 违法违规事实 was recognised
    assert any("行政处罚信息公开表.xlsx" in n and "行政相对人类别" in n for n in res.notes)


def test_licence_register_loads_keyed_by_its_licence_number(tmp_path):
    drops = make_drops(tmp_path / "drops")
    con, _res = ingest(drops)
    got = rows(con, "select party_name, uscc, legal_rep, license_no, license_content, decision_date, valid_to, authority, "
                    "decision_no from raw.license order by source_row")
    assert got == [
        ("大连鲜丰食品有限公司", "91350100M000100Y43", "王某", "JY22102000012345", "预包装食品销售", "2026-10-20",
         "2031-10-19", "大连市市场监督管理局", None),
        ("大连味道餐饮管理有限公司", None, "李某", "JY22102000012346", "热食类食品制售", "2026-10-21", "2031-10-20",
         "大连市市场监督管理局", None),
    ]
    assert rows(con, "select dataset, encoding, status from raw.ingest_ledger where file_format = 'csv'") == [
        ("license", "gb18030", "loaded")]


def test_only_a_missing_key_column_quarantines_and_the_reason_says_why(tmp_path):
    header = [h for h in REGULATOR_HEADER if h != "行政处罚决定书文号"]
    body = [[c for h, c in zip(REGULATOR_HEADER, r) if h != "行政处罚决定书文号"] for r in REGULATOR_ROWS]
    drops = tmp_path / "drops"
    write_xlsx(drops / DEPT / DAY / "无文号.xlsx", {"Sheet1": [header, *body]})
    con, res = ingest(drops)
    ((code, reason),) = rows(con, "select reason_code, reason from raw.quarantine")
    assert code == "missing_required_columns" and "行政处罚决定书文号" in reason and "decision_no" in reason
    assert res.rows_loaded == 0


# --------------------------------------------------------------------------------------------- teaching a layout

# An environmental bureau's own export: none of its dataset headings is known.
ENV_HEADER = ["序号", "企业名称", "统一社会信用代码", "执法文书编号", "违法行为描述", "处理结果", "处理日期", "执法单位"]
ENV_ROWS = [["1", "大连某某化工有限公司", "91350100M000100Y43", "连环罚〔2026〕12号", "超标排放", "罚款10万元", "2026-10-12",
             "大连市生态环境局"]]


def _suggested_rows(output: str) -> list[list[str]]:
    lines = [ln.split("#")[0].strip() for ln in output.splitlines() if ln.startswith(("penalty,", "common,"))]
    return [next(csv.reader([ln])) for ln in lines]


def test_suggest_names_the_closest_dataset_and_ready_to_paste_rows(tmp_path, capsys):
    f = put(tmp_path, "env.csv", csv_text(ENV_HEADER, ENV_ROWS))
    assert credit_main(["layouts", "suggest", str(f)]) == 0
    out = capsys.readouterr().out
    assert "closest dataset: penalty" in out and "unknown_layout" in out
    assert "企业名称 -> party_name" in out and "统一社会信用代码 -> uscc" in out
    suggested = {alias: (ds, column) for ds, alias, column in _suggested_rows(out)}
    assert suggested["执法文书编号"] == ("penalty", "decision_no")
    assert suggested["违法行为描述"] == ("penalty", "violation_facts")
    assert suggested["处理日期"] == ("penalty", "decision_date")
    assert suggested["处理结果"] == ("penalty", "penalty_content")
    assert "序号" not in suggested  # nothing like it: no proposal
    assert "with these rows: loads as penalty" in out
    (t,) = suggest_file(f)
    assert not t.identified and t.header_row == 1


def test_suggest_prints_no_id_number_from_headings_or_file_name(tmp_path, capsys):
    """An operator's terminal and pasted seed rows are not the place for a person's ID number: a file whose
    "header" is a data row (or whose name carries one) is shown redacted."""
    from dagster_project import pii

    person = "11010519491231002X"
    f = put(tmp_path, f"经办人{person}.csv", csv_text(["张三", f"{person[:6]} {person[6:]}", "罚款"] + ENV_HEADER[3:], ENV_ROWS))
    credit_main(["layouts", "suggest", str(f)])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert pii.ID_REDACTED in text
    assert not pii.find_id_numbers(text)


def test_suggest_on_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert credit_main(["layouts", "suggest", str(tmp_path / "nope.csv")]) == 2


def test_a_quarantined_file_loads_after_its_aliases_are_added_without_renaming(tmp_path, capsys):
    drops = tmp_path / "drops"
    rel = f"{DEPT}/{DAY}/生态环境行政处罚.csv"
    f = put(drops, rel, csv_text(ENV_HEADER, ENV_ROWS))
    seeds_dir = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds_dir)  # the operator's seeds; the repository's are never touched
    con, res = ingest(drops, seeds_dir=seeds_dir)
    assert res.files_quarantined == 1 and rows(con, "select reason_code from raw.quarantine") == [("unknown_layout",)]
    # the next night, nothing changed: the file stays where it is, not examined again
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_already_quarantined, res.files_retried) == (1, 0)
    # the operator pastes what `credit layouts suggest` proposes
    assert credit_main(["layouts", "suggest", str(f)]) == 0
    with open(seeds_dir / "header_aliases.csv", "a", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(_suggested_rows(capsys.readouterr().out))
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_retried, res.files_loaded, res.rows_loaded) == (1, 1, 1)
    assert rows(con, "select decision_no, violation_facts, decision_date, file_path from raw.penalty") == [
        ("连环罚〔2026〕12号", "超标排放", "2026-10-12", rel)]
    ledger = rows(con, "select status, note from raw.ingest_ledger where file_path = ? order by loaded_at", rel)
    assert [s for s, _n in ledger] == ["quarantined", "loaded"]
    assert "重新读取" in ledger[1][1] and "unknown_layout" in ledger[1][1]
    assert any("重新读取" in n for n in res.notes)
    # and then it is an ordinary loaded file: the next night adds nothing
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_already_loaded, res.files_retried, res.rows_loaded) == (1, 0, 0)


def test_a_rule_change_that_does_not_help_quarantines_again_once(tmp_path):
    drops = tmp_path / "drops"
    put(drops, f"{DEPT}/{DAY}/x.csv", "编号,品名,数量\n1,纸,3\n")
    seeds_dir = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds_dir)
    con, _ = ingest(drops, seeds_dir=seeds_dir)
    with open(seeds_dir / "header_aliases.csv", "a", encoding="utf-8") as out:
        out.write("penalty,处罚机关全称,authority\n")
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_retried, res.files_quarantined) == (1, 1)
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_retried, res.files_already_quarantined) == (0, 1)
    assert rows(con, "select count(*) from raw.quarantine") == [(2,)]


# --------------------------------------------------------------------------------------------- WPS formats


def test_wps_spreadsheet_et_is_read_and_wps_documents_are_told_how_to_save(tmp_path):
    drops = tmp_path / "drops"
    xlsx = regulator_xlsx(tmp_path / "src.xlsx")
    put(drops, f"{DEPT}/{DAY}/处罚信息.et", xlsx.read_bytes())  # WPS 表格 saving in its xlsx-compatible form
    put(drops, f"{DEPT}/{DAY}/旧格式.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)  # unreadable
    put(drops, f"{DEPT}/{DAY}/情况说明.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    con, res = ingest(drops)
    assert rows(con, "select file_format, dataset, rows_loaded from raw.ingest_ledger where status = 'loaded'") == [
        ("et", "penalty", 3)]
    reasons = dict(rows(con, "select file_path, reason from raw.quarantine where reason_code = 'unsupported_extension'"))
    assert set(reasons) == {f"{DEPT}/{DAY}/旧格式.et", f"{DEPT}/{DAY}/情况说明.wps"}
    for reason in reasons.values():
        assert "另存为" in reason and ".xlsx" in reason and "Save As" in reason


# --------------------------------------------------------------------------------------------- amounts in 元 (dbt macro)

YUAN_CASES = {
    "500000元": Decimal("50"), "1,200,000.00元": Decimal("120"), "５０００元": Decimal("0.5"), "5000 元": Decimal("0.5"),
    "12345元": Decimal("1.2345"), "1元": Decimal("0.0001"), "5万元": Decimal("5"), "5": Decimal("5"),
    "元": None, "约5000元": None, "1e3元": None, "5千元": None,
}


def test_amounts_in_yuan_are_converted_and_marked(tmp_path):
    from test_ingest_attacks import compile_inline

    union = " union all ".join("select '" + v.replace("'", "''") + "' as v" for v in YUAN_CASES)
    sql = f"select v, {{{{ parse_amount_wan('v') }}}} as wan, {{{{ amount_sent_in_yuan('v') }}}} as yuan from ({union}) as c"
    got = {v: (w, y) for v, w, y in duckdb.connect().execute(compile_inline(sql, "duckdb", tmp_path)).fetchall()}
    assert {v: (None if w is None else Decimal(w).normalize()) for v, (w, _y) in got.items()} == {
        v: (None if e is None else e.normalize()) for v, e in YUAN_CASES.items()}
    assert {v for v, (_w, y) in got.items() if y} == {"500000元", "1,200,000.00元", "５０００元", "5000 元", "12345元", "1元"}


# --------------------------------------------------------------------------------------------- through dbt (slow)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The two files above ingested and built through dbt into a warehouse of their own."""
    from dagster_project.settings import raw_dir_path, work_db_path
    from dagster_project.workdays import write_workday_calendar
    from tests.dbt_fixture import dbt_build

    root = tmp_path_factory.mktemp("layouts_build")
    drops = make_drops(root / "drops")
    warehouse = root / "credit.duckdb"
    as_of = date(2026, 11, 22)
    con = duckdb.connect(str(work_db_path(warehouse)))
    try:
        res = ingest_drops(con, drops, raw_dir_path(warehouse))
        assert res.files_loaded == 2, res.quarantined
        write_workday_calendar(con, raw_dir_path(warehouse), as_of)
    finally:
        con.close()
    dbt_build(warehouse, as_of, root / "target")
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    yield con
    con.close()


@pytest.mark.slow
def test_regulator_records_are_held_with_a_violation_naming_each_missing_column(built):
    decisions = ["连金监罚决字〔2026〕11号", "连金监罚决字〔2026〕12号", "连金监罚决字〔2026〕13号"]
    for column, label in (("party_type", "行政相对人类别"), ("source_unit", "数据来源单位"), ("valid_until", "处罚有效期"),
                          ("authority_uscc", "处罚机关统一社会信用代码")):
        got = rows(built, "select r.decision_no, v.rule_message_zh from marts.fct_rule_violation v "
                          "join marts.fct_credit_record r on r.latest_submission_id = v.submission_id "
                          "where v.rule_id = 'REQUIRED' and v.column_name = ? and r.dataset = 'penalty' order by 1", column)
        assert got == [(d, f"必填项「{label}」为空") for d in decisions], column
    status = rows(built, "select decision_no, disclosure_status from marts.fct_credit_record where dataset = 'penalty' order by 1")
    assert status == [(d, "held") for d in decisions]
    # on the department's 整改清单, by column
    items = rows(built, "select decision_no, count(*) from marts.fct_rectification_item where dataset = 'penalty' "
                        "and rule_id = 'REQUIRED' and column_label_zh = '行政相对人类别' group by 1 order by 1")
    assert items == [(d, 1) for d in decisions]
    # the department's intake list says what its file lacks (marts.fct_intake_file, the ledger note)
    (note,) = rows(built, "select note from marts.fct_intake_file where dataset = 'penalty' and status = 'loaded'")[0]
    assert "表头缺少必填列" in note and "行政相对人类别" in note
    # and counted: none of the three is compliant
    assert rows(built, "select records, compliant_records from marts.dual_disclosure_compliance "
                       "where department = ? and dataset = 'penalty' and records > 0", DEPT) == [(3, 0)]


@pytest.mark.slow
def test_fines_sent_in_yuan_are_converted_and_marked(built):
    got = rows(built, "select decision_no, fine_amount_wan, fine_amount_sent_in_yuan from marts.fct_credit_record "
                      "where dataset = 'penalty' order by 1")
    assert [(d, None if w is None else Decimal(w).normalize(), y) for d, w, y in got] == [
        ("连金监罚决字〔2026〕11号", Decimal("50"), True),
        ("连金监罚决字〔2026〕12号", Decimal("120"), True),
        ("连金监罚决字〔2026〕13号", None, False),
    ]
    # converted amounts are neither unparseable nor "looks like yuan"
    assert rows(built, "select count(*) from marts.fct_rule_violation where rule_id in "
                       "('AMOUNT_UNPARSEABLE', 'AMOUNT_LOOKS_LIKE_YUAN')") == [(0,)]


@pytest.mark.slow
def test_licence_register_records_are_built_keyed_by_licence_number(built):
    got = rows(built, "select decision_no, party_name, authority from marts.fct_credit_record where dataset = 'license' "
                      "order by 1")
    assert got == [("JY22102000012345", "大连鲜丰食品有限公司", "大连市市场监督管理局"),
                   ("JY22102000012346", "大连味道餐饮管理有限公司", "大连市市场监督管理局")]


# --------------------------------------------------------------------------------------------- a real file, taught


@pytest.mark.realdata
def test_the_real_ocr_list_is_taught_and_then_loads_under_its_own_name(tmp_path, capsys, realdata_dir):
    """The OCR'd 涉金融严重失信 list (../shared/realdata, copied at test time, never into the repository) is
    quarantined today (案号 alone identifies nothing); `credit layouts suggest` reads its OCR noise 汍行法院 as
    认定部门 (list_authority); with that row the next run loads its 181 entries as 红黑名单, each held for what the
    list lacks (列入日期 …)."""
    src = realdata_dir / "mr-data-factory-phase3__93512_1.xlsx"
    if not src.exists():
        pytest.skip(f"{src} not found")
    drops = tmp_path / "drops"
    day = drops / DEPT / DAY
    day.mkdir(parents=True)
    shutil.copy(src, day / src.name)
    seeds_dir = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds_dir)
    con, res = ingest(drops, seeds_dir=seeds_dir)
    assert rows(con, "select reason_code from raw.quarantine") == [("unknown_layout",)]
    assert credit_main(["layouts", "suggest", str(day / src.name)]) == 0
    out = capsys.readouterr().out
    proposed = [ln.split("#")[0].strip() for ln in out.splitlines() if ln.startswith("credit_list,")]
    assert proposed == ["credit_list,汍行法院,list_authority"]
    with open(seeds_dir / "header_aliases.csv", "a", encoding="utf-8") as f:
        f.write(proposed[0] + "\n")
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_retried, res.files_loaded, res.rows_loaded) == (1, 1, 181)
    (note,) = rows(con, "select note from raw.ingest_ledger where status = 'loaded'")[0]
    assert "重新读取" in note and "列入日期" in note
    assert rows(con, "select count(*), count(list_authority), count(list_decision_no) from raw.credit_list") == [(181, 181, 181)]


def test_a_quarantined_sheet_of_a_loaded_workbook_is_retried_alone(tmp_path):
    """A workbook whose penalty sheet loaded and whose register sheet was unknown: once the register's headings
    are taught, the next run loads that sheet, and the penalty sheet is not loaded twice."""
    drops = tmp_path / "drops"
    register = ["序号", "单位全称", "证照号码", "核准事项", "核准时间", "证照到期", "核准部门"]
    body = [["1", "大连鲜丰食品有限公司", "JY22102000012345", "预包装食品销售", "2026-10-20", "2031-10-19", "大连市市场监督管理局"]]
    write_xlsx(drops / DEPT / DAY / "十月报送.xlsx", {"处罚": [REGULATOR_HEADER, *REGULATOR_ROWS], "许可": [register, *body]})
    seeds_dir = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds_dir)
    con, res = ingest(drops, seeds_dir=seeds_dir)
    assert rows(con, "select sheet_name, status from raw.ingest_ledger order by 1") == [("处罚", "loaded"), ("许可", "quarantined")]
    with open(seeds_dir / "header_aliases.csv", "a", encoding="utf-8") as f:
        f.write("common,单位全称,party_name\nlicense,证照号码,license_no\nlicense,核准事项,license_content\n"
                "license,核准时间,decision_date\nlicense,证照到期,valid_to\nlicense,核准部门,authority\n")
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_retried, res.rows_loaded) == (1, 1)
    assert rows(con, "select count(*) from raw.penalty") == [(3,)]
    assert rows(con, "select license_no, authority from raw.license") == [("JY22102000012345", "大连市市场监督管理局")]
    assert rows(con, "select sheet_name, status from raw.ingest_ledger order by loaded_at, 1") == [
        ("处罚", "loaded"), ("许可", "quarantined"), ("许可", "loaded")]
    _, res = ingest(drops, con, seeds_dir=seeds_dir)
    assert (res.files_retried, res.rows_loaded, res.files_already_loaded) == (0, 0, 1)
