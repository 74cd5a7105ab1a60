"""归集 (ingestion): departmental drops -> raw schema. Fast: every drop tree is generated under tmp_path."""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dagster_project import paths  # noqa: E402
from dagster_project.ingest import REASON_CODES, IngestResult, ensure_raw_schema, ingest_drops  # noqa: E402
from dagster_project.ingest import csv_reader, decode  # noqa: E402
from dagster_project.ingest.csv_reader import read_csv_drop  # noqa: E402
from dagster_project.ingest.excel_reader import cell_text  # noqa: E402
from dagster_project.ingest.headers import AliasIndex, normalize_header  # noqa: E402
from dagster_project.ingest.seeds import ColumnSpec, Seeds, load_seeds  # noqa: E402
from ingest_fixtures import columns, csv_text, dataset_rows, fake_row, labels, penalty_csv, write_xlsx  # noqa: E402

DEPT, DAY = "scjgj", "2026-11-01"
LINEAGE = ["department", "drop_date", "file_path", "file_hash", "source_row", "load_id", "loaded_at"]


# --------------------------------------------------------------------------------------------- helpers


def put(root: Path, rel: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return p


def ingest(root: Path, con: duckdb.DuckDBPyConnection | None = None, raw_dir: Path | None = None,
           **kw) -> tuple[duckdb.DuckDBPyConnection, IngestResult]:
    """Ingest `root` into `con`; the raw layer lives beside the drops (<root>.raw), so a second call with the
    same root sees what the first loaded."""
    con = con or duckdb.connect()
    return con, ingest_drops(con, root, raw_dir or root.with_name(root.name + ".raw"), **kw)


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()[0]


def quarantine_codes(con) -> dict[str, str]:
    """file_path -> reason_code"""
    return dict(rows(con, "select file_path, reason_code from raw.quarantine"))


def physical_lines(path: Path, encoding: str) -> list[str]:
    """The file's lines as a person sees them (\r\r\n is one line end)."""
    text = path.read_bytes().decode(encoding).replace("\r\r\n", "\n")
    return re.split(r"\r\n|\r|\n", text)


def table_counts(con) -> dict[str, int]:
    return {t: scalar(con, f"select count(*) from raw.{t}")
            for t in ("penalty", "license", "rejected_rows", "quarantine", "ingest_ledger")}


def assert_ledger_balances(con) -> None:
    assert scalar(con, "select count(*) from raw.ingest_ledger where rows_read <> rows_loaded + rows_rejected") == 0
    # the ledger agrees with what was written, per file x sheet
    for fh, sheet, dataset, loaded, rejected in rows(
        con, "select file_hash, sheet_name, dataset, rows_loaded, rows_rejected from raw.ingest_ledger where status = 'loaded'"
    ):
        got = scalar(con, f"select count(*) from raw.{dataset} where file_hash = ? and sheet_name is not distinct from ?", fh, sheet)
        rej = scalar(con, "select count(*) from raw.rejected_rows where file_hash = ? and sheet_name is not distinct from ?", fh, sheet)
        assert (got, rej) == (loaded, rejected)
    # nothing is written for tables that were not loaded
    assert scalar(con, "select count(*) from raw.ingest_ledger where status <> 'loaded' and rows_read <> 0") == 0
    # an already_loaded file has the bytes of one its department loaded
    assert scalar(con, "select count(*) from raw.ingest_ledger a where status = 'already_loaded' and not exists"
                       " (select 1 from raw.ingest_ledger l where l.status = 'loaded' and l.file_hash = a.file_hash"
                       " and l.department = a.department)") == 0
    # a note says why nothing was loaded from a sheet or a copy; on a loaded table only what its header lacks or a
    # unit it names (loader: layout_note), and on any table that it was retried under changed rules
    assert scalar(con, "select count(*) from raw.ingest_ledger where note is not null"
                       " and status not in ('skipped', 'already_loaded')"
                       " and not (status = 'loaded' and (note like '%表头缺少必填列%' or note like '%报送：数值已标注%'))"
                       " and note not like '%重新读取：%'") == 0
    assert {s for (s,) in rows(con, "select distinct status from raw.ingest_ledger")} <= {
        "loaded", "quarantined", "skipped", "already_loaded"}


@pytest.fixture
def seeds() -> Seeds:
    return load_seeds()


# --------------------------------------------------------------------------------------------- schema


def test_raw_schema_contract(seeds, tmp_path):
    con = duckdb.connect()
    ensure_raw_schema(con, tmp_path)
    ensure_raw_schema(con, tmp_path)  # idempotent
    for dataset in ("penalty", "license"):
        cols = [(r[0], r[1]) for r in rows(con, f"describe raw.{dataset}")]
        expected = [(c, "VARCHAR") for c in seeds.canonical_names(dataset)] + [
            ("extra_columns", "VARCHAR"), ("department", "VARCHAR"), ("drop_date", "DATE"), ("file_path", "VARCHAR"),
            ("file_hash", "VARCHAR"), ("sheet_name", "VARCHAR"), ("source_row", "INTEGER"), ("load_id", "VARCHAR"),
            ("loaded_at", "TIMESTAMP"),
        ]
        assert cols == expected
    assert [r[0] for r in rows(con, "describe raw.rejected_rows")] == [
        "load_id", "department", "drop_date", "file_path", "file_hash", "sheet_name", "source_row", "dataset",
        "raw_text", "reason"]
    assert [r[0] for r in rows(con, "describe raw.quarantine")] == [
        "load_id", "department", "drop_date", "file_path", "file_hash", "reason_code", "reason", "quarantined_at",
        "rules_version"]
    assert [r[0] for r in rows(con, "describe raw.ingest_ledger")] == [
        "load_id", "department", "drop_date", "file_path", "file_hash", "file_format", "encoding", "sheet_name",
        "dataset", "header_row", "status", "rows_read", "rows_loaded", "rows_rejected", "loaded_at", "note"]


def test_missing_drops_root_is_not_an_error(tmp_path):
    con, res = ingest(tmp_path / "nowhere")
    assert res.files_seen == 0 and res.warnings
    assert "0 files seen" in res.summary_line()


# --------------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "encoding,expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_csv_encodings(tmp_path, encoding, expected):
    text = penalty_csv(20)
    put(tmp_path, f"{DEPT}/{DAY}/处罚.csv", text, encoding)
    con, res = ingest(tmp_path)
    assert (res.files_loaded, res.rows_loaded, res.rows_rejected) == (1, 20, 0)
    assert rows(con, "select encoding, dataset, header_row, status from raw.ingest_ledger") == [
        (expected, "penalty", 1, "loaded")]
    first = fake_row("penalty", 0)
    got = rows(con, "select party_name, decision_no, remarks, source_row from raw.penalty order by source_row limit 1")[0]
    # values exactly as sent: no BOM in the first column, commas inside quoted values kept
    assert got == (first["party_name"], first["decision_no"], first["remarks"] or None, 2)
    assert_ledger_balances(con)


def test_crcrlf_line_ends_make_no_blank_rows_and_lines_count_once(tmp_path):
    body = penalty_csv(6, line_end="\r\r\n")
    p = put(tmp_path, f"{DEPT}/{DAY}/p.csv", body, "gbk")
    con, res = ingest(tmp_path)
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (6, 6, 0)
    lines = physical_lines(p, "gbk")
    for src, no in rows(con, "select source_row, decision_no from raw.penalty"):
        assert no in lines[src - 1]
    assert [r[0] for r in rows(con, "select source_row from raw.penalty order by 1")] == [2, 3, 4, 5, 6, 7]


def test_undecodable_and_binary(tmp_path):
    import random

    rng = random.Random(5)
    noise = bytearray(rng.randrange(0x80, 0x100) for _ in range(600))
    noise[::3] = b"\xff" * len(noise[::3])  # 0xFF is never valid UTF-8 or GB18030
    put(tmp_path, f"{DEPT}/{DAY}/nul.csv", "行政相对人名称,x\n".encode("utf-8") + b"\x00\x01\x02abc")
    put(tmp_path, f"{DEPT}/{DAY}/zip.csv", b"PK\x03\x04" + b"rest of a workbook")
    put(tmp_path, f"{DEPT}/{DAY}/bad.csv", b"\x80" + bytes(noise))
    con, res = ingest(tmp_path)
    codes = quarantine_codes(con)
    assert codes == {
        f"{DEPT}/{DAY}/nul.csv": "binary_file",
        f"{DEPT}/{DAY}/zip.csv": "binary_file",
        f"{DEPT}/{DAY}/bad.csv": "undecodable",
    }
    assert res.files_quarantined == 3 and res.rows_read == 0
    reason = scalar(con, "select reason from raw.quarantine where reason_code = 'undecodable'")
    assert "GB18030" in reason and "UTF-8" in reason
    assert "Excel" in scalar(con, "select reason from raw.quarantine where file_path like '%zip.csv'")
    # quarantined files are ledger rows too, with 0 rows (nothing was parsed)
    assert rows(con, "select distinct status, rows_read, rows_loaded, rows_rejected from raw.ingest_ledger") == [
        ("quarantined", 0, 0, 0)]


def test_charset_normalizer_guess_kept_only_when_plausible(monkeypatch):
    import charset_normalizer

    class Guess:
        def __init__(self, enc):
            self.encoding = enc

    class Result:
        def __init__(self, enc):
            self.enc = enc

        def best(self):
            return Guess(self.enc) if self.enc else None

    big5 = "臺灣省政府，行政處罰".encode("big5") + b"\xff"  # 0xFF: not GB18030
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda raw: Result("big5"))
    assert decode.decode_text(b"\x80" + "行政處罰".encode("big5")).code == "undecodable"  # 0x80 alone is not Big5
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda raw: Result("cp1252"))
    d = decode.decode_text(bytes(range(0xC0, 0xFF)) * 4 + b"\xff")
    assert d.code == "undecodable" and "cp1252" in d.reason_en  # accented Latin mojibake is refused
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda raw: Result("utf_16_le"))
    assert decode.decode_text("行政处罚,罚款".encode("utf-16-le")).data == "行政处罚,罚款".encode()
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda raw: Result(None))
    assert decode.decode_text(big5).code == "undecodable"


def test_decode_prefers_utf8_then_gb18030():
    assert decode.decode_text("行政处罚".encode("utf-8")).encoding == "utf-8"
    assert decode.decode_text(b"\xef\xbb\xbf" + "行政处罚".encode("utf-8")).data == "行政处罚".encode("utf-8")
    assert decode.decode_text("行政处罚".encode("gbk")).encoding == "gb18030"
    # GB18030-only characters (outside GBK) still decode
    assert decode.decode_text("𠀀䶵".encode("gb18030")).data == "𠀀䶵".encode("utf-8")


# --------------------------------------------------------------------------------------------- headers


def test_header_normalisation():
    assert normalize_header(" *行政相对人 名称\u3000") == normalize_header("行政相对人名称")
    assert normalize_header("罚款金额（万元）") == normalize_header("罚款金额(万元)") == normalize_header("罚款金额【万元】")
    assert normalize_header("行政相对人名称*") == normalize_header("行政相对人名称")


def test_alias_fallbacks(seeds):
    index = AliasIndex(seeds)

    def col(h):
        hits = index.lookup(h)
        return hits[0].column if hits else None

    assert col("处罚决定日期（必填）") == "decision_date"  # a trailing note is dropped
    assert col("代码1") == "uscc"  # '_' ignored as a last resort
    assert col("罚款金额（元）") == "fine_amount"  # the 万元 column, its values in 元 (below)
    assert index.lookup("罚款金额（元）")[0].unit == "元" and index.lookup("罚款金额（万元）")[0].unit is None
    assert col("罚款金额（万元）") == "fine_amount"
    assert col("  行政相对人\u3000名称 ") == "party_name"
    assert col("party_name") == "party_name"  # the canonical name itself
    assert col("企业名称") == "party_name"  # the headings ministries' own lists use (header_aliases.csv)


def _header_2016(seeds) -> tuple[list[str], list[str]]:
    """A 2016-layout header (old names, markers, spaces, full-width brackets) and the column each maps to."""
    mapping = {
        "*行政处罚决定书文号": "decision_no",
        "处罚名称": "penalty_name",
        "处罚类别1": "penalty_category",
        "处罚类别2": "penalty_category_2",
        "处罚事由": "violation_facts",
        "处罚依据 ": "penalty_basis",
        "行政相对人名称*": "party_name",
        "行政相对人 类别": "party_type",
        "行政相对人代码_1（统一社会信用代码）": "uscc",
        "代码_2": "biz_reg_no",
        "法定代表人姓名": "legal_rep",
        "处罚结果": "penalty_content",
        "罚款金额（万元）": "fine_amount",
        "处罚决定日期": "decision_date",
        "处罚截止期": "valid_until",
        "违法行为类型": "violation_type",
        "处罚机关": "authority",
        "处罚机关统一社会信用代码": "authority_uscc",
        "数据来源单位": "source_unit",
        "数据来源单位统一社会信用代码": "source_unit_uscc",
        "当前状态": "status",
        "地方编码": None,  # unmapped -> extra_columns
        "数据更新时间戳": None,
    }
    return list(mapping), list(mapping.values())


def test_header_variants_2016_layout(tmp_path, seeds):
    header, mapped = _header_2016(seeds)
    recs = []
    for i in range(5):
        r = fake_row("penalty", i)
        recs.append([r[c] if c else f"extra{i}" if h == "地方编码" else "" for h, c in zip(header, mapped)])
    put(tmp_path, f"{DEPT}/{DAY}/2016.csv", csv_text(header, recs), "gbk")
    con, res = ingest(tmp_path)
    assert res.rows_loaded == 5, con.execute("select reason from raw.quarantine").fetchall()
    cols = [c for c in mapped if c]
    got = rows(con, f"select {', '.join(cols)}, extra_columns from raw.penalty order by source_row")
    for rec, g in zip(recs, got):
        expected = [v or None for v, c in zip(rec, mapped) if c]
        assert list(g[:-1]) == expected
    extras = [json.loads(g[-1]) for g in got]
    assert extras[0] == {"地方编码": "extra0"}  # the empty 数据更新时间戳 cell is not kept


def test_header_full_width_spaces_and_title_rows(tmp_path, seeds):
    header = [f" {h} " if k % 3 == 0 else h.replace("(", "（").replace(")", "）") for k, h in enumerate(labels("penalty"))]
    header[0] = "＊" + header[0]
    text = "大连市市场监督管理局行政处罚信息公示表,,,\r\n填报日期：2026年11月1日\r\n\r\n" + csv_text(header, dataset_rows("penalty", 3))
    p = put(tmp_path, f"{DEPT}/{DAY}/t.csv", text)
    con, res = ingest(tmp_path)
    assert res.rows_loaded == 3 and res.rows_rejected == 0
    assert scalar(con, "select header_row from raw.ingest_ledger") == 4
    lines = physical_lines(p, "utf-8")
    for src, no in rows(con, "select source_row, decision_no from raw.penalty"):
        assert no in lines[src - 1]


def test_dataset_from_header_not_file_name(tmp_path):
    put(tmp_path, f"{DEPT}/{DAY}/行政处罚.csv", csv_text(labels("license"), dataset_rows("license", 4)))
    con, res = ingest(tmp_path)
    assert scalar(con, "select dataset from raw.ingest_ledger") == "license"
    assert scalar(con, "select count(*) from raw.license") == 4


def test_tab_separated(tmp_path):
    put(tmp_path, f"{DEPT}/{DAY}/t.csv", csv_text(labels("penalty"), dataset_rows("penalty", 3), delimiter="\t"))
    con, res = ingest(tmp_path)
    assert res.rows_loaded == 3


# --------------------------------------------------------------------------------------------- bad input


def test_each_bad_input_gets_its_reason_code(tmp_path, seeds):
    d = f"{DEPT}/{DAY}"
    put(tmp_path, f"{d}/empty.csv", b"")
    put(tmp_path, f"{d}/blank.csv", b"\xef\xbb\xbf\r\n  \r\n")
    put(tmp_path, f"{d}/header_only.csv", ",".join(labels("penalty")) + "\r\n\r\n")
    put(tmp_path, f"{d}/unknown.csv", "序号,企业名称,失信领域\n1,某公司,黑名单\n")
    lacking = [h for h in labels("penalty") if h not in ("行政处罚决定书文号", "处罚机关")]
    put(tmp_path, f"{d}/missing.csv", csv_text(lacking, [["x"] * len(lacking)]))
    good = tmp_path.parent / f"{tmp_path.name}_src" / "good.xlsx"
    write_xlsx(good, {"处罚": [labels("penalty")] + dataset_rows("penalty", 50)})
    put(tmp_path, f"{d}/truncated.xlsx", good.read_bytes()[:2000])
    put(tmp_path, f"{d}/text.xlsx", "行政相对人名称,处罚机关\n")
    put(tmp_path, f"{d}/nul.csv", b"a,b\x00c\n")
    put(tmp_path, f"{d}/notes.pdf", b"%PDF-1.4")
    put(tmp_path, f"{d}/readme", b"hello")
    put(tmp_path, f"{DEPT}/2026-13-01/p.csv", penalty_csv(2))
    put(tmp_path, f"{DEPT}/20261101/p.csv", penalty_csv(2))
    put(tmp_path, "loose.csv", penalty_csv(2))
    put(tmp_path, f"{DEPT}/loose.csv", penalty_csv(2))
    put(tmp_path, f"{d}/sub/p.csv", penalty_csv(2))
    # hidden files and folders are ignored altogether
    put(tmp_path, ".sample_manifest.json", "{}")
    put(tmp_path, f"{d}/.~lock.csv", b"\x00")
    put(tmp_path, f"{DEPT}/.cache/2026-11-01/p.csv", penalty_csv(2))
    # symlinks: inside the root -> symlink, resolving outside -> outside_drops_root; never followed
    outside = put(tmp_path.parent / f"{tmp_path.name}_outside", "secret.csv", penalty_csv(2))
    real = put(tmp_path, f"{d}/real.csv", penalty_csv(2, 100))
    os.symlink(real, tmp_path / d / "link.csv")
    os.symlink(outside, tmp_path / d / "escape.csv")
    os.symlink(tmp_path / DEPT, tmp_path / "dept_link")
    os.symlink(tmp_path / d, tmp_path / DEPT / "2026-11-02")

    con, res = ingest(tmp_path)
    codes = quarantine_codes(con)
    assert codes == {
        f"{d}/empty.csv": "empty_file",
        f"{d}/blank.csv": "empty_file",
        f"{d}/header_only.csv": "header_only",
        f"{d}/unknown.csv": "unknown_layout",
        f"{d}/missing.csv": "missing_required_columns",
        f"{d}/truncated.xlsx": "corrupt_xlsx",
        f"{d}/text.xlsx": "corrupt_xlsx",
        f"{d}/nul.csv": "binary_file",
        f"{d}/notes.pdf": "unsupported_extension",
        f"{d}/readme": "unsupported_extension",
        f"{DEPT}/2026-13-01/p.csv": "bad_drop_date_folder",
        f"{DEPT}/20261101/p.csv": "bad_drop_date_folder",
        "loose.csv": "off_layout_path",
        f"{DEPT}/loose.csv": "off_layout_path",
        f"{d}/sub/p.csv": "off_layout_path",
        f"{d}/link.csv": "symlink",
        f"{d}/escape.csv": "outside_drops_root",
        "dept_link": "symlink",
        f"{DEPT}/2026-11-02": "symlink",
    }
    assert set(codes.values()) <= set(REASON_CODES)
    assert res.files_loaded == 1 and res.rows_loaded == 2  # only real.csv
    assert res.files_seen == len(codes) + 1
    assert res.files_quarantined == len(codes)
    reason = scalar(con, "select reason from raw.quarantine where reason_code = 'missing_required_columns'")
    # only the key rule's column is named (layout_rules.csv): 处罚机关 alone would load, held record by record
    assert "行政处罚决定书文号" in reason and "decision_no" in reason and "处罚机关" not in reason and " / " in reason
    assert re.search(r"[\u4e00-\u9fff]", reason.split(" / ")[0])  # Chinese first, then English
    # path-level quarantines: never opened when links; hashed otherwise; lineage where known
    assert rows(con, "select file_hash from raw.quarantine where reason_code in ('symlink', 'outside_drops_root')") == [(None,)] * 4
    assert rows(con, "select department, drop_date, file_hash is not null from raw.quarantine where file_path = ?",
                f"{DEPT}/2026-13-01/p.csv") == [(DEPT, None, True)]
    assert rows(con, "select department, drop_date from raw.quarantine where file_path = 'loose.csv'") == [(None, None)]
    # every file is in the ledger; files are left where they are
    assert scalar(con, "select count(distinct file_path) from raw.ingest_ledger") == len(codes) + 1
    assert (tmp_path / d / "truncated.xlsx").exists() and (tmp_path / d / "empty.csv").exists()
    assert_ledger_balances(con)
    # the night can be re-run: nothing new
    before = table_counts(con)
    _, res2 = ingest(tmp_path, con)
    assert table_counts(con) == before
    assert res2.files_already_quarantined == len(codes) and res2.files_already_loaded == 1


def test_parse_error_is_quarantined_not_raised(tmp_path, monkeypatch):
    put(tmp_path, f"{DEPT}/{DAY}/p.csv", penalty_csv(3))

    def boom(*a, **k):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("dagster_project.ingest.loader.read_csv_drop", boom)
    con, res = ingest(tmp_path)
    assert quarantine_codes(con) == {f"{DEPT}/{DAY}/p.csv": "parse_error"}
    # a bug fixed later: retry_quarantined re-examines the same bytes
    monkeypatch.setattr("dagster_project.ingest.loader.read_csv_drop", read_csv_drop)
    _, res = ingest(tmp_path, con)
    assert res.files_already_quarantined == 1 and res.rows_loaded == 0
    _, res = ingest(tmp_path, con, retry_quarantined=True)
    assert res.rows_loaded == 3


# --------------------------------------------------------------------------------------------- rows


def test_malformed_rows_are_rejected_with_raw_text(tmp_path):
    lines = penalty_csv(6).split("\r\n")
    lines.insert(3, "只有,三个,字段")
    lines.insert(5, lines[4] + ",多出一列")
    p = put(tmp_path, f"{DEPT}/{DAY}/p.csv", "\r\n".join(lines))
    con, res = ingest(tmp_path)
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (8, 6, 2)
    got = rows(con, "select source_row, raw_text, reason, dataset, department, drop_date from raw.rejected_rows order by 1")
    physical = physical_lines(p, "utf-8")
    assert [(g[0], g[1]) for g in got] == [(4, "只有,三个,字段"), (6, physical[5])]
    assert physical[5].endswith(",多出一列")
    assert got[0][2].startswith("wrong_field_count:") and "3" in got[0][2]
    assert got[0][3:] == ("penalty", DEPT, date(2026, 11, 1))
    assert_ledger_balances(con)


def test_source_row_with_multiline_values_blank_lines_and_bad_rows(tmp_path):
    header = labels("penalty")
    recs = dataset_rows("penalty", 8)
    facts = columns("penalty").index("violation_facts")
    recs[1][facts] = "第一行\r\n第二行\n第三行"
    recs[5][facts] = "含\"引号\"和,逗号\r第二行"
    # title line, header, 3 records, 2 blank lines, a bad line, 5 records (csv_text's second header cut off)
    text = "标题行\r\n" + csv_text(header, recs[:3]) + "\r\n\r\n坏行,只有两列\r\n" + csv_text(header, recs[3:])[len(",".join(header)) + 2:]
    p = put(tmp_path, f"{DEPT}/{DAY}/m.csv", text, "gb18030")
    expected_raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    con, res = ingest(tmp_path)
    assert (res.rows_loaded, res.rows_rejected) == (8, 1)
    got = rows(con, "select source_row, decision_no, violation_facts from raw.penalty order by source_row")
    for (src, no, fact), rec in zip(got, recs):
        assert no == rec[columns("penalty").index("decision_no")]
        assert fact == rec[facts]  # multi-line value kept exactly, line ends included
        assert rec[0] in expected_raw[src - 1]  # the record starts on that physical line
    assert [g[0] for g in got] == [3, 4, 7, 11, 12, 13, 15, 16]
    assert rows(con, "select source_row, raw_text from raw.rejected_rows") == [(10, "坏行,只有两列")]
    assert physical_lines(p, "gb18030")[9] == "坏行,只有两列"


def test_fast_and_fallback_parsers_agree(tmp_path, monkeypatch):
    recs = dataset_rows("penalty", 30)
    recs[4][5] = "多\n行"
    recs.insert(7, ["短行"])
    text = "标题\n" + csv_text(labels("penalty"), recs, line_end="\n") + "\n\n"
    put(tmp_path, f"{DEPT}/{DAY}/p.csv", text)
    q = "select source_row, decision_no, violation_facts, party_name from raw.penalty order by 1"
    qr = "select source_row, raw_text from raw.rejected_rows order by 1"
    con1, _ = ingest(tmp_path)

    def no_fast(*a, **k):
        raise csv_reader.ParseFallback("forced")

    monkeypatch.setattr(csv_reader, "_number_fast", no_fast)
    con2, _ = ingest(tmp_path)
    assert rows(con1, q) == rows(con2, q) and len(rows(con1, q)) == 30
    assert rows(con1, qr) == rows(con2, qr) == [(11, "短行")]


def test_stacked_tables_in_one_csv(tmp_path):
    other = "公司名,统一社会信用代码,地址,工商注册号\r\n某公司,91230199744190927K,某地,230199400002017\r\n"
    below = "\r\n汇总,共3条\r\n"
    p = put(tmp_path, f"{DEPT}/{DAY}/s.csv", other + penalty_csv(3) + below, "gbk")
    con, res = ingest(tmp_path)
    assert (res.rows_loaded, res.rows_rejected) == (3, 3)
    rej = rows(con, "select source_row, split_part(reason, ':', 1) from raw.rejected_rows order by 1")
    assert rej == [(1, "above_header"), (2, "above_header"), (8, "wrong_field_count")]
    assert scalar(con, "select header_row from raw.ingest_ledger") == 3
    lines = physical_lines(p, "gbk")
    assert [r[0] for r in rows(con, "select raw_text from raw.rejected_rows order by source_row")] == [
        lines[0], lines[1], lines[7]]


def test_concatenated_files_repeat_the_header(tmp_path):
    put(tmp_path, f"{DEPT}/{DAY}/c.csv", penalty_csv(2) + penalty_csv(2, 10))
    con, res = ingest(tmp_path)
    assert (res.rows_loaded, res.rows_rejected) == (4, 1)
    src, text, reason = rows(con, "select source_row, raw_text, reason from raw.rejected_rows")[0]
    assert src == 4 and reason.startswith("repeated_header") and text == ",".join(labels("penalty"))


def test_trailing_delimiter_on_data_rows(tmp_path):
    body = "\r\n".join(",".join(r) + "," for r in dataset_rows("penalty", 4))
    put(tmp_path, f"{DEPT}/{DAY}/t.csv", ",".join(labels("penalty")) + "\r\n" + body + "\r\n")
    con, res = ingest(tmp_path)
    assert (res.rows_loaded, res.rows_rejected) == (4, 0)


# --------------------------------------------------------------------------------------------- excel


def test_xlsx_title_row_two_sheets_and_an_empty_one(tmp_path):
    pen = [["大连市市场监督管理局行政处罚信息公示表"], [], labels("penalty")] + dataset_rows("penalty", 5)
    lic = [labels("license")] + dataset_rows("license", 4)
    p = write_xlsx(tmp_path / DEPT / DAY / "双公示.xlsx", {"行政处罚": pen, "行政许可": lic, "说明": []})
    con, res = ingest(tmp_path)
    assert res.files_loaded == 1 and res.rows_loaded == 9
    ledger = rows(con, "select sheet_name, dataset, header_row, status, rows_read, file_format, encoding"
                       " from raw.ingest_ledger order by sheet_name")
    assert sorted(ledger) == sorted([
        ("行政处罚", "penalty", 3, "loaded", 5, "xlsx", None),
        ("行政许可", "license", 1, "loaded", 4, "xlsx", None),
        ("说明", None, None, "skipped", 0, "xlsx", None),
    ])
    import openpyxl

    wb = openpyxl.load_workbook(p, read_only=True)
    for sheet, dataset in (("行政处罚", "penalty"), ("行政许可", "license")):
        ws = wb[sheet]
        col = columns(dataset).index("decision_no") + 1
        for src, no in rows(con, f"select source_row, decision_no from raw.{dataset} where sheet_name = ?", sheet):
            assert ws.cell(row=src, column=col).value == no
    assert scalar(con, "select min(source_row) from raw.penalty") == 4
    assert_ledger_balances(con)


def test_xlsx_cell_values_become_faithful_text(tmp_path):
    header = labels("penalty")
    rec: list[object] = list(dataset_rows("penalty", 1)[0])
    cols = columns("penalty")
    rec[cols.index("decision_date")] = date(2026, 3, 5)
    rec[cols.index("valid_until")] = 46452  # a serial number stored as a number stays that number
    rec[cols.index("fine_amount")] = 4.54
    rec[cols.index("confiscated_amount")] = 123.0
    rec[cols.index("uscc")] = 91210200123456789  # an identifier typed as a number (precision already lost)
    rec[cols.index("remarks")] = "  前后空格  "
    write_xlsx(tmp_path / DEPT / DAY / "v.xlsx", {"Sheet1": [header, rec]})
    con, _ = ingest(tmp_path)
    got = rows(con, "select decision_date, valid_until, fine_amount, confiscated_amount, uscc, remarks from raw.penalty")[0]
    assert got[:4] == ("2026-03-05", "46452", "4.54", "123")
    assert got[4] == str(int(float(91210200123456789)))
    assert got[5] == "  前后空格  "  # raw: no trimming


def test_extra_columns_json_matches_json_dumps():
    import pyarrow as pa

    from dagster_project.ingest.loader import json_objects

    values = ["plain", 'quote " and \\ backslash', "line\nbreak\r\ttab", "ctrl\x01\x1f\x7f", "中文，全角", None, ""]
    other = [None, "x", None, "y", None, None, None]
    got = json_objects([("备注'说明\"", pa.array(values)), ("序号", pa.array(other))], len(values)).to_pylist()
    for v, o, g in zip(values, other, got):
        obj = {k: x for k, x in (("备注'说明\"", v), ("序号", o)) if x is not None}
        assert g == (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) if obj else None)


def test_cell_text():
    assert cell_text(1.0) == "1" and cell_text(0.1 + 0.2) == "0.3" and cell_text(-2.5) == "-2.5"
    assert cell_text(datetime(2026, 3, 5)) == "2026-03-05"
    assert cell_text(datetime(2026, 3, 5, 10, 30)) == "2026-03-05 10:30:00"
    assert cell_text(True) == "TRUE" and cell_text("") is None and cell_text(None) is None and cell_text(7) == "7"


def test_xlsx_sheets_judged_one_by_one(tmp_path):
    write_xlsx(tmp_path / DEPT / DAY / "w.xlsx", {
        "处罚": [labels("penalty")] + dataset_rows("penalty", 3),
        "填报说明": [["请按模板填写"], ["每行一条记录", "不要合并单元格", "日期格式为 YYYY-MM-DD"]],
        "许可": [labels("license")],
    })
    write_xlsx(tmp_path / DEPT / DAY / "all_empty.xlsx", {"Sheet1": [], "Sheet2": []})
    con, res = ingest(tmp_path)
    assert res.files_loaded == 1 and res.files_quarantined == 1 and res.rows_loaded == 3
    q = rows(con, "select file_path, reason_code, reason from raw.quarantine order by reason_code")
    assert [(r[0].rsplit("/", 1)[1], r[1]) for r in q] == [
        ("all_empty.xlsx", "empty_file"), ("w.xlsx", "header_only"), ("w.xlsx", "unknown_layout")]
    assert "填报说明" in q[2][2] and "许可" in q[1][2]
    assert set(rows(con, "select sheet_name, status from raw.ingest_ledger where file_path like '%/w.xlsx'")) == {
        ("处罚", "loaded"), ("填报说明", "quarantined"), ("许可", "quarantined")}
    before = table_counts(con)
    _, res2 = ingest(tmp_path, con)
    assert table_counts(con) == before and res2.files_already_loaded == 1 and res2.files_already_quarantined == 1


def test_xlsx_two_row_header(tmp_path):
    header = labels("penalty")
    cols = columns("penalty")
    code_cols = [cols.index(c) for c in ("uscc", "biz_reg_no", "org_code")]
    top = [h if k not in code_cols else ("行政相对人代码" if k == code_cols[0] else None) for k, h in enumerate(header)]
    sub = [header[k] if k in code_cols else None for k in range(len(header))]
    write_xlsx(tmp_path / DEPT / DAY / "h.xlsx", {"Sheet1": [top, sub] + dataset_rows("penalty", 3)})
    con, res = ingest(tmp_path)
    assert res.rows_loaded == 3
    assert rows(con, "select min(source_row), count(uscc) from raw.penalty") == [(3, 3)]
    assert scalar(con, "select header_row from raw.ingest_ledger") == 1


# --------------------------------------------------------------------------------------------- lineage, idempotency


def test_lineage_never_null_and_ledger_balances(tmp_path):
    put(tmp_path, f"{DEPT}/{DAY}/a.csv", penalty_csv(10))
    put(tmp_path, "swj/2026-11-02/b.csv", penalty_csv(10, 50), "gbk")
    write_xlsx(tmp_path / "zjj" / "2026-11-03" / "c.xlsx", {"许可": [labels("license")] + dataset_rows("license", 7)})
    con, res = ingest(tmp_path, load_id="night-1")
    assert res.load_id == "night-1" and res.rows_loaded == 27
    for dataset in ("penalty", "license"):
        assert scalar(con, f"select count(*) from raw.{dataset} where " + " or ".join(f"{c} is null" for c in LINEAGE)) == 0
    assert sorted(rows(con, "select distinct department, drop_date, file_path, sheet_name, load_id from raw.penalty")) == [
        (DEPT, date(2026, 11, 1), f"{DEPT}/{DAY}/a.csv", None, "night-1"),
        ("swj", date(2026, 11, 2), "swj/2026-11-02/b.csv", None, "night-1"),
    ]
    assert rows(con, "select distinct sheet_name from raw.license") == [("许可",)]
    import hashlib

    h = hashlib.sha256((tmp_path / DEPT / DAY / "a.csv").read_bytes()).hexdigest()
    assert rows(con, "select distinct file_hash from raw.penalty where file_path like '%a.csv'") == [(h,)]
    assert_ledger_balances(con)
    assert "27 loaded" in res.summary_line()


def test_idempotent_rerun_rename_and_changed_quarantine(tmp_path):
    put(tmp_path, f"{DEPT}/{DAY}/a.csv", penalty_csv(5))
    put(tmp_path, f"{DEPT}/{DAY}/bad.csv", "序号,名称\n1,x\n")
    con, r1 = ingest(tmp_path)
    first = table_counts(con)
    assert (r1.files_loaded, r1.files_quarantined) == (1, 1)
    # same night again: nothing changes
    _, r2 = ingest(tmp_path, con)
    assert table_counts(con) == first
    assert (r2.files_already_loaded, r2.files_already_quarantined, r2.rows_read) == (1, 1, 0)
    # the same bytes under another name and date: no rows, one 'already_loaded' ledger row (once)
    shutil.copy(tmp_path / DEPT / DAY / "a.csv", put(tmp_path, f"{DEPT}/2026-11-02/a_copy.csv", b""))
    _, r3 = ingest(tmp_path, con)
    assert r3.files_already_loaded == 2 and r3.rows_read == 0
    assert table_counts(con) == {**first, "ingest_ledger": first["ingest_ledger"] + 1}
    assert rows(con, "select drop_date, status, rows_read, rows_loaded, rows_rejected from raw.ingest_ledger"
                     " where file_path like '%a_copy.csv'") == [(date(2026, 11, 2), "already_loaded", 0, 0, 0)]
    after_copy = table_counts(con)
    _, r3 = ingest(tmp_path, con)
    assert table_counts(con) == after_copy
    # a quarantined file whose bytes changed is examined again
    put(tmp_path, f"{DEPT}/{DAY}/bad.csv", penalty_csv(2, 100))
    _, r4 = ingest(tmp_path, con)
    assert r4.files_loaded == 1 and r4.rows_loaded == 2
    assert scalar(con, "select count(*) from raw.penalty") == 7
    assert_ledger_balances(con)


def test_drop_dates_restrict_to_partitions(tmp_path):
    put(tmp_path, f"{DEPT}/2026-11-01/a.csv", penalty_csv(2))
    put(tmp_path, f"{DEPT}/2026-11-02/b.csv", penalty_csv(3, 10))
    put(tmp_path, f"{DEPT}/bad-date/c.csv", penalty_csv(1))
    con, res = ingest(tmp_path, drop_dates={date(2026, 11, 2)})
    assert rows(con, "select distinct drop_date from raw.penalty") == [(date(2026, 11, 2),)]
    assert res.rows_loaded == 3
    assert quarantine_codes(con) == {f"{DEPT}/bad-date/c.csv": "bad_drop_date_folder"}  # off-layout: always reported
    _, res = ingest(tmp_path, con, drop_dates={date(2026, 11, 1)})
    assert res.rows_loaded == 2 and res.files_already_quarantined == 1


def test_raw_fixture_of_the_dbt_tests_still_writes(tmp_path):
    """tests/raw_fixture.py writes rows by canonical column name through the raw layer's writer."""
    from tests.raw_fixture import write_raw
    from dagster_project.settings import work_db_path

    write_raw(tmp_path / "w.duckdb", penalty=[{"decision_no": "F-1", "party_name": "某公司"}])
    con = duckdb.connect(str(work_db_path(tmp_path / "w.duckdb")))
    assert rows(con, "select decision_no, party_name, department, source_row from raw.penalty") == [
        ("F-1", "某公司", DEPT, 2)]
    assert scalar(con, "select count(*) from raw.workday_calendar") > 365


def test_sample_generator_drops_end_as_planted(tmp_path):
    """The realistic sample (dagster_project.sample, another engineer's module): every planted bad file gets
    its expected reason code, every good file/sheet loads all its rows, source_row counts title and header."""
    sample = pytest.importorskip("dagster_project.sample")
    m = sample.generate_sample(tmp_path / "drops", records=1000, seed=11)  # every kind of planted bad file; ~500 files
    con, res = ingest(tmp_path / "drops")
    assert res.files_seen == res.files_loaded + res.files_quarantined + res.files_already_loaded
    codes = quarantine_codes(con)
    for bad in m.bad_files:
        expected = bad["expected_reason"]
        if expected in REASON_CODES:
            assert codes.get(bad["path"]) == expected, bad
    assert set(codes) <= {b["path"] for b in m.bad_files}
    got = {}
    for dataset in ("penalty", "license"):
        for fp, sheet, lo, hi, n in rows(con, f"select file_path, sheet_name, min(source_row), max(source_row), count(*)"
                                                 f" from raw.{dataset} group by all"):
            got[(fp, sheet)] = (lo, hi, n)
    status = {p: st for p, st in rows(con, "select file_path, min(status) from raw.ingest_ledger group by 1")}
    for f in m.files:
        if status[f["path"]] == "already_loaded":  # byte-identical to a file loaded before (a resubmission)
            continue
        for s in f["sheets"]:
            assert got[(f["path"], s["name"])] == (s["header_row"] + 2, s["header_row"] + 1 + s["rows"], s["rows"]), f["path"]
    assert_ledger_balances(con)


# --------------------------------------------------------------------------------------------- real files

needs_realdata = pytest.mark.skipif(
    not paths.REALDATA_DIR.is_dir(),
    reason=f"real public files not found at {paths.REALDATA_DIR} (they live beside the clone in CI)",
)
REAL_LISTS = ["jkspider__shixin.csv", "jkspider__createChain.csv", "mr-data-factory-phase3__91855.xlsx",
              "mr-data-factory-phase3__93512_1.xlsx", "mr-data-factory__chinamainsite0004.xlsx"]


@pytest.mark.realdata
@needs_realdata
def test_realdata_files_end_loaded_or_quarantined(tmp_path):
    day = tmp_path / DEPT / "2026-11-01"  # a department of departments.csv (any other folder is quarantined)
    day.mkdir(parents=True)
    copied = []
    for src in sorted(paths.REALDATA_DIR.iterdir()):
        if src.is_file() and src.name != "README.md" and not src.name.endswith(".source.txt"):
            shutil.copy(src, day / src.name)
            copied.append(src.name)
    con, res = ingest(tmp_path)
    assert res.files_seen == len(copied)
    ledger = rows(con, "select file_path, status from raw.ingest_ledger")
    assert {p.rsplit("/", 1)[1] for p, _s in ledger} == set(copied)
    assert {s for _p, s in ledger} <= {"loaded", "quarantined", "skipped"}
    for _path, code, reason in rows(con, "select file_path, reason_code, reason from raw.quarantine"):
        assert code in REASON_CODES and reason and " / " in reason
    codes = {p.rsplit("/", 1)[1]: c for p, c in quarantine_codes(con).items()}
    # the two 失信被执行人 CSVs are 红黑名单 entries (header aliases of seeds); the workbooks match no dataset
    loaded = {p.rsplit("/", 1)[1]: d for p, d in rows(con, "select file_path, dataset from raw.ingest_ledger where status = 'loaded'")}
    for name in REAL_LISTS:
        if name not in copied:
            continue
        if name.startswith("jkspider__"):
            assert loaded.get(name) == "credit_list", name
        else:
            assert codes[name] == "unknown_layout", name
    # the GBK CSVs were decoded
    assert scalar(con, "select encoding from raw.ingest_ledger where file_path like '%shixin.csv'") == "gb18030"
    assert_ledger_balances(con)


@pytest.mark.realdata
@needs_realdata
def test_realdata_csvs_parse_when_their_headers_are_known():
    """With test-only aliases for the 失信被执行人 columns, the real GBK / \\r\\r\\n / stacked-table files load."""
    base = load_seeds()
    seeds = Seeds(
        columns=[ColumnSpec(c.dataset, c.name, c.label_zh, False) for c in base.columns],
        layout_rules=base.layout_rules,
        aliases=base.aliases + [
            ("penalty", "案号", "decision_no"), ("common", "被执行人姓名/名称", "party_name"),
            ("common", "失信被执行人名称", "party_name"), ("penalty", "执行法院", "authority"),
            ("penalty", "执行依据文号", "penalty_basis"), ("penalty", "立案时间", "decision_date"),
        ],
    )
    index = AliasIndex(seeds)
    raw = (paths.REALDATA_DIR / "jkspider__shixin.csv").read_bytes()
    enc, (t,) = read_csv_drop(raw, "shixin.csv", index)
    assert (enc, t.status, t.header_row, t.rows_loaded, t.rows_rejected) == ("gb18030", "loaded", 1, 29, 0)
    assert t.data.column("source_row").to_pylist() == list(range(2, 31))  # \r\r\n: no blank rows, no gaps

    raw = (paths.REALDATA_DIR / "jkspider__createChain.csv").read_bytes()
    enc, (t,) = read_csv_drop(raw, "createChain.csv", index)
    assert (t.status, t.header_row, t.rows_loaded) == ("loaded", 3, 30)
    assert [(r.source_row, r.reason.split(":")[0]) for r in t.rejected] == [(1, "above_header"), (2, "above_header")]
    assert t.rejected[1].raw_text.startswith("哈尔滨泰富电气有限公司,91230199744190927K")
    src = t.data.column("source_row").to_pylist()
    assert src[0] == 4 and src == sorted(src) and len(set(src)) == 30


# --------------------------------------------------------------------------------------------- datasets from the seeds


def test_datasets_are_the_seed_datasets_and_each_gets_a_raw_table(tmp_path):
    seeds = load_seeds()
    assert seeds.datasets[:2] == ("penalty", "license")
    assert {"repair", "objection", "credit_list", "commitment", "other_action"} <= set(seeds.datasets)
    for d in seeds.datasets:  # every dataset has its label in seeds/datasets.csv
        assert seeds.label_zh(d) != d, d
    con = duckdb.connect()
    ensure_raw_schema(con, tmp_path)
    tables = {t for (t,) in rows(con, "select table_name from information_schema.tables where table_schema = 'raw'")}
    assert set(seeds.datasets) <= tables
    assert [c for (c,) in rows(con, "select column_name from information_schema.columns where table_schema = 'raw'"
                               " and table_name = 'credit_list' order by ordinal_position")][: len(seeds.canonical("credit_list"))] \
        == seeds.canonical_names("credit_list")
    # the dbt files naming every raw table are generated from the seeds: tests/test_dbt_datasets.py


def test_file_name_tie_break_reads_the_seed_hints():
    from dagster_project.ingest.headers import dataset_hint
    seeds = load_seeds()
    assert dataset_hint("2026年行政处罚.xlsx", seeds, ["penalty", "license"]) == "penalty"
    assert dataset_hint("xuke_2026.csv", seeds, ["penalty", "license"]) == "license"
    assert dataset_hint("处罚与许可.csv", seeds, ["penalty", "license"]) is None
    assert dataset_hint("失信名单.csv", seeds) == "credit_list"


CREDIT_LIST_HEADER = ["名单类型", "名单名称", "行政相对人名称", "行政相对人类别", "统一社会信用代码", "认定部门", "认定文号",
                      "列入日期", "移出日期", "列入事由", "数据来源单位", "数据来源单位统一社会信用代码"]


def test_credit_list_csv_loads_into_raw_credit_list(tmp_path):
    body = [
        ["黑名单", "严重违法失信企业名单", "大连某某贸易有限公司", "法人及非法人组织", "91350100M000100Y43", "大连市市场监督管理局",
         "连市监列〔2026〕1号", "2026-03-01", "", "被列入经营异常名录届满3年", "大连市市场监督管理局", "11210200MB1234567X"],
        ["红名单", "A级纳税人", "大连某某贸易有限公司", "法人及非法人组织", "91350100M000100Y43", "国家税务总局大连市税务局",
         "大税〔2026〕8号", "2026-04-01", "", "纳税信用评价为A级", "国家税务总局大连市税务局", "11210200MB1234567X"],
    ]
    put(tmp_path, f"{DEPT}/{DAY}/红黑名单.csv", csv_text(CREDIT_LIST_HEADER, body))
    con, res = ingest(tmp_path)
    assert (res.files_loaded, res.rows_loaded, res.rows_rejected) == (1, 2, 0)
    assert rows(con, "select dataset, status from raw.ingest_ledger") == [("credit_list", "loaded")]
    got = rows(con, "select list_type, list_name, list_decision_no, list_entry_date, source_row from raw.credit_list order by source_row")
    assert got == [("黑名单", "严重违法失信企业名单", "连市监列〔2026〕1号", "2026-03-01", 2),
                   ("红名单", "A级纳税人", "大税〔2026〕8号", "2026-04-01", 3)]
    assert scalar(con, "select count(*) from raw.penalty") == 0


def test_credit_list_header_lacking_a_required_column_loads_and_says_so(tmp_path):
    """Lacking 列入日期 (required, not a key): loaded, the ledger note names it (REQUIRED then holds each record);
    lacking 认定文号 (the key rule of layout_rules.csv): quarantined, the reason names it."""
    header = [h for h in CREDIT_LIST_HEADER if h != "列入日期"]
    put(tmp_path, f"{DEPT}/{DAY}/名单.csv", csv_text(header, [["x"] * len(header)]))
    header = [h for h in CREDIT_LIST_HEADER if h != "认定文号"]
    put(tmp_path, f"{DEPT}/{DAY}/名单2.csv", csv_text(header, [["x"] * len(header)]))
    con, res = ingest(tmp_path)
    (note,) = rows(con, "select note from raw.ingest_ledger where status = 'loaded'")[0]
    assert "列入日期" in note and "list_entry_date" in note and res.rows_loaded == 1
    assert scalar(con, "select list_entry_date is null from raw.credit_list")
    code, reason = rows(con, "select reason_code, reason from raw.quarantine")[0]
    assert code == "missing_required_columns" and "红黑名单" in reason and "认定文号" in reason
    assert any("名单.csv" in n and "列入日期" in n for n in res.notes)  # the run summary says it too


@pytest.mark.realdata
def test_real_shixin_file_loads_into_raw_credit_list(tmp_path, realdata_dir):
    src = realdata_dir / "jkspider__shixin.csv"
    if not src.exists():
        pytest.skip(f"{src} not found")
    day = tmp_path / DEPT / "2026-11-01"  # departments.csv has no court (法院) code: a known one stands in
    day.mkdir(parents=True)
    shutil.copy(src, day / src.name)  # copied at test time, never into the repository
    con, res = ingest(tmp_path)
    assert (res.files_loaded, res.rows_loaded, res.rows_rejected) == (1, 29, 0)
    assert rows(con, "select dataset, encoding from raw.ingest_ledger") == [("credit_list", "gb18030")]
    first = rows(con, """select party_name, party_id_code, legal_rep, list_authority, list_decision_no, list_entry_date,
        filing_date, list_reason, list_name from raw.credit_list where source_row = 2""")[0]
    assert first == ("哈尔滨泰富电气有限公司", "91230199744****927K", "杨天夫", "哈尔滨市南岗区人民法院",
                     "（2018）黑0103执1352号", "2018年04月08日", "20180302", "有履行能力而拒不履行生效法律文书确定义务", None)
    # 省份, 执行依据文号 … have no canonical column: they stay in extra_columns
    extra = json.loads(scalar(con, "select extra_columns from raw.credit_list where source_row = 2"))
    assert extra["省份"] == "黑龙江" and "执行依据文号" in extra
