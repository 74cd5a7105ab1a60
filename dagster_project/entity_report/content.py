"""The 公共信用信息报告 of one entity as blocks (headings, paragraphs, tables), in Chinese.

PDF and HTML render this one structure (through the monthly report's renderers' pieces), so the
two files say exactly the same thing. Every string is scrubbed of ID-number-shaped runs here,
before any renderer sees it, and the finished document is checked once more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from ..ingest.seeds import read_seed
from ..paths import SEEDS_DIR
from ..report import tables as T
from ..report.content import DEFAULT_ISSUER, Document, Heading, Para, Signature, TableBlock
from ..report.fmt import DASH, dataset_zh, date_zh, fmt_int
from .config import EntityReportConfig, load_config
from .model import EntityData, in_force
from .privacy import find_id_numbers, scrub_id_numbers

REPORT_NAME = "公共信用信息报告"
VERSIONS = ("public", "internal")
VERSION_ZH = {"public": "公开版", "internal": "内部版"}
VERSION_CODE = {"public": "GK", "internal": "NB"}

STATUS_ZH = {
    "public": "公示中",
    "expired": "公示期满",
    "repaired": "已信用修复",
    "revoked": "已撤销",
    "not_public": "不公示",
    "held": "暂缓公示",
}
STATUS_REASON_DEFAULT = {
    "expired": "公示期限已届满，终止公示",
    "repaired": "已完成信用修复，终止公示",
    "revoked": "决定已撤销",
    "not_public": "依规不予公示",
    "held": "数据不合规，待报送单位更正后公示",
}



UNREGISTERED = "（样稿，未登记）"  # a document built without an issue (previews, tests of the layout)


@dataclass
class EntityDocument(Document):
    """The monthly report's ``Document`` plus what the entity report's masthead shows."""

    version: str = "public"
    entity_name: str = ""  # the name this version shows (the public one: from public rows only)
    subject: str = ""  # 报告主体 line
    meta: list[tuple[str, str]] = field(default_factory=list)  # (label, value) under the title
    mark: str = ""  # 公开版 / 内部资料 注意保密
    verification_code: str = ""

    def all_text(self) -> str:
        extra = [self.subject, self.mark, REPORT_NAME, VERSION_ZH[self.version], "（）：·"]
        extra += [f"{k}：{v}" for k, v in self.meta]
        return super().all_text() + "".join(extra)


# --------------------------------------------------------------------------- formatting


def _d(x: date | None) -> str:
    return x.isoformat() if x else DASH


def _amount(x: Decimal | float | None) -> str:
    if x is None:
        return DASH
    d = Decimal(str(x)).normalize()
    return format(d, "f")


LONG_TERM = "长期"


def _period(start: date | None, end: date | None, long_term: date | None = None) -> str:
    """``start\n至end``; an open end, or one on or after ``long_term`` (2099-12-31 …), reads 长期."""
    if start is None and end is None:
        return DASH
    if end is None or (long_term is not None and end >= long_term):
        return f"{_d(start)}\n至{LONG_TERM}"
    return f"{_d(start)}\n至{_d(end)}"


def _join(*parts: Any, sep: str = "；") -> str:
    return sep.join(str(p) for p in parts if p not in (None, "")) or DASH


def _source(path: str | None, row: int | None) -> str:
    """``dept/2026-01-19/file.csv`` -> ``dept/2026-01-19/`` + newline + ``file.csv 第6行``."""
    if not path:
        return DASH
    folder, _, name = str(path).rpartition("/")
    text = f"{folder}/\n{name}" if folder else name
    return text + (f" 第{row}行" if row is not None else "")


def _col(label: str, width: float, kind: str = "text") -> T.Col:
    return T.Col(label, kind, width)


def _table(key: str, title: str, cols: list[T.Col], rows: list[list[Any]], note: str = "",
           scrub: Callable[[str], str] = lambda s: s) -> TableBlock:
    clean = [[scrub(v) if isinstance(v, str) else v for v in r] for r in rows]
    return TableBlock(T.Table(key=key, sheet=title[:31], title=title, columns=cols, rows=clean,
                              note=scrub(note)))


def load_windows() -> list[dict[str, str]]:
    """The 公示期限 rules, versioned by decision date (dbt_credit/seeds/disclosure_windows.csv)."""
    path = SEEDS_DIR / "disclosure_windows.csv"
    if not path.is_file():
        return []
    return read_seed(path)


def _months(n: str) -> str:
    m = int(n)
    if m == 0:
        return "0"
    return f"{m // 12}年" if m % 12 == 0 else f"{m}个月"


def _window_rows(windows: list[dict[str, str]]) -> list[list[str]]:
    rows = []
    for w in windows:
        start, end = w["effective_from"], w["effective_to"]
        if start <= "1900-01-01":
            when = f"{end} 及以前"
        elif end >= "9999-01-01":
            when = f"{start} 起"
        else:
            when = f"{start} 至 {end}"
        scope = {"any": "各类", "general": "一般领域", "special": "特种设备、安全生产、消防领域"}.get(
            w["domain"], w["domain"])
        severity = "不区分" if w["severity"] == "any" else w["severity"]
        published = w["is_published"].strip().lower() == "true"
        period = (f"{_months(w['min_months'])}至{_months(w['max_months'])}" if published
                  else f"原则上不公示（确需公示的最长{_months(w['max_months'])}）")
        rows.append([when, scope, severity, period, w.get("source", "")])
    return rows


# --------------------------------------------------------------------------- document

NONE = "无"


def _list_state(r: dict, as_of: date) -> str:
    if r["is_current"]:
        return "在册"
    if r.get("list_exit_date") and r["list_exit_date"] <= as_of:
        return f"已移出\n{_d(r['list_exit_date'])}"
    return "未在册"


def _repair_effect(r: dict) -> str:
    if not r["is_effective"]:
        return "尚未生效"
    if r["repaired_dataset"] not in (None, "行政处罚"):
        return "已修复"
    if not r["matched_records"]:
        return "未找到被修复的决定"
    if r["before_minimum"]:
        return f"早于最短公示期届满（{_d(r['min_disclosure_until'])}），未终止公示，待复核"
    return "已终止公示" if r["ended_disclosure"] else "已修复（另有更早的修复）"


def build_document(data: EntityData, version: str, *, issuer: str = DEFAULT_ISSUER, report_no: str | None = None,
                   verification_code: str | None = None,
                   config: EntityReportConfig | None = None) -> EntityDocument:
    """The report as blocks. ``report_no`` and ``verification_code`` come from the register (one issue); without
    them the document is a 样稿 marked as not registered."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
    cfg = config or load_config()
    public = version == "public"
    ent, as_of = data.entity, data.as_of
    keep = frozenset({ent.valid_uscc} - {None})
    long_term = cfg.long_term_from

    def S(text: str) -> str:
        return scrub_id_numbers(text, keep)

    # the name and the names used: in the public version, only what the public rows carry
    if public:
        pub_names = [r["entity_name"] for r in sorted(
            data.public, key=lambda r: (r["decision_date"] or date.min, r["record_id"])) if r["entity_name"]]
        name = ent.entity_name if (not pub_names or ent.entity_name in pub_names) else pub_names[-1]
        names = sorted(set(pub_names) | {name})
        dates = [r["decision_date"] for r in data.public if r["decision_date"]]
        first, last = (min(dates), max(dates)) if dates else (None, None)
        seen_label = "公示信息决定日期"
    else:
        name = ent.entity_name
        names = sorted(set(ent.names_used) | {name})
        first, last = ent.first_seen, ent.last_seen
        seen_label = "首次/最近报送日期"
    name = S(name)
    former = [S(n) for n in names if n != ent.entity_name and n != name]

    vzh = VERSION_ZH[version]
    no = report_no or UNREGISTERED
    code = verification_code or UNREGISTERED
    valid_until = cfg.valid_until(as_of)
    id_label = f"统一社会信用代码：{ent.uscc}" if ent.uscc else f"档案编号：{ent.entity_id}"
    doc = EntityDocument(
        month=f"{as_of:%Y-%m}",
        issuer=issuer,
        doc_no=no,
        title=f"{REPORT_NAME}（{vzh}）",
        running_title=f"{REPORT_NAME}（{vzh}）· {name} · {no}",
        as_of=as_of,
        recipients="",
        version=version,
        entity_name=name,
        subject=f"报告主体：{name}（{id_label}）",
        meta=[("报告编号", no), ("验证码", code), ("出具日期", date_zh(as_of)), ("出具单位", issuer)],
        mark="公开版" if public else "内部资料 注意保密",
        verification_code=code,
    )
    add = doc.blocks.append
    data_date = data.data_as_of or as_of
    counter = iter(range(1, 100))

    def table(key: str, title: str, cols: list[T.Col], rows: list[list[Any]], note: str = "") -> None:
        add(_table(key, f"表{next(counter)}  {title}", cols, rows, note=note, scrub=S))

    def section(heading: str, key: str, title: str, cols: list[T.Col], rows: list[list[Any]], note: str = "") -> None:
        """A numbered section: its table, or 无 when it holds nothing (a section never vanishes)."""
        add(Heading(heading))
        if rows:
            table(key, f"{title}（{len(rows)}条）", cols, rows, note)
        else:
            add(Para(NONE))

    if public:
        add(Para(S(f"经查询{issuer}公共信用信息数据库，截至{date_zh(as_of)}，{name}依规可向社会公开的"
                   "公共信用信息如下。本报告公开版仅载明处于公示期内、可以向社会公示的信息。")))
    else:
        add(Para(S(f"经查询{issuer}公共信用信息数据库，截至{date_zh(as_of)}，{name}信用档案中的全部记录如下，"
                   "包括不公示、暂缓公示和已撤销的记录及其原因。本报告为内部版，仅供信用中心及有关部门"
                   "内部使用，不得对外提供或公开。")))

    lists = data.lists if not public else data.public_lists()
    commitments = data.commitments if not public else data.public_commitments()
    repairs = data.repairs if not public else data.public_repairs()
    actions = data.actions if not public else data.public_actions()
    black = [r for r in lists if r["list_type"] != "红名单"]
    red = [r for r in lists if r["list_type"] == "红名单"]

    # 一、基本信息
    add(Heading("一、基本信息"))
    basic = [
        ["主体名称", name],
        ["主体类型", ent.entity_type or DASH],
        ["统一社会信用代码", ent.uscc or DASH],
        ["组织机构代码", (ent.org_code + ("" if ent.org_code_valid else "（校验位不符）"))
         if ent.org_code else DASH],
    ]
    if not ent.is_natural_person:
        basic.append(["法定代表人（负责人）", ent.legal_rep or "未报送"])
    basic += [
        ["曾用名称", "、".join(former) if former else NONE],
        [seen_label, f"{_d(first)} / {_d(last)}" if first or last else DASH],
    ]
    if not public:
        basic.insert(0, ["档案编号（entity_id）", ent.entity_id])
    table("basic", "基本信息", [_col("项目", 45), _col("内容", 129)], basic,
          note="组织机构代码取自统一社会信用代码第9至17位；法定代表人取自报送部门最近一次报送的信息。"
          + ("曾用名称及日期仅依据公示信息。" if public else "首次/最近报送日期为该主体的记录首次、最近报送到信用中心的日期。"))

    # 二、信用信息概况
    add(Heading("二、信用信息概况"))
    datasets = ("license", "penalty")
    others = [("严重失信主体名单", len(black), sum(bool(r["is_current"]) for r in black)),
              ("守信激励名单", len(red), sum(bool(r["is_current"]) for r in red)),
              ("信用承诺", len(commitments), None), ("信用修复", len(repairs), None),
              ("其他行政行为", len(actions), None)]
    if public:
        rows = []
        for ds in datasets:
            recs = [r for r in data.public if r["dataset"] == ds]
            rows.append([dataset_zh(ds), len(recs), sum(in_force(r, as_of) for r in recs)])
        rows += [[label, n, current] for label, n, current in others]  # None prints as —
        total = sum(r[1] for r in rows)
        add(Para(S(f"截至{date_zh(as_of)}，{name}共有可向社会公开的公共信用信息{fmt_int(total)}条，"
                   f"其中行政许可{fmt_int(rows[0][1])}条、行政处罚{fmt_int(rows[1][1])}条、"
                   f"严重失信主体名单{fmt_int(len(black))}条、守信激励名单{fmt_int(len(red))}条、"
                   f"信用承诺{fmt_int(len(commitments))}条、信用修复{fmt_int(len(repairs))}条、"
                   f"其他行政行为{fmt_int(len(actions))}条。"
                   if total else
                   f"截至{date_zh(as_of)}，未查询到{name}可向社会公开的公共信用信息。")))
        table("counts", "公示信息统计",
              [_col("信息类别", 58), _col("公示记录（条）", 58, "int"), _col("其中有效（条）", 58, "int")], rows,
              note="有效：行政许可处于有效期内；行政处罚处于公示期限内；名单为截至出具日期在册。")
    else:
        statuses = ("public", "not_public", "held", "revoked", "expired", "repaired")
        rows = []
        for ds in datasets:
            recs = [r for r in data.records if r["dataset"] == ds]
            rows.append([dataset_zh(ds), len(recs)]
                        + [sum(r["disclosure_status"] == s for r in recs) for s in statuses]
                        + [sum(in_force(r, as_of) for r in recs)])
        rows.append(["合计"] + [sum(r[i] for r in rows) for i in range(1, len(rows[0]))])
        total = rows[-1]
        add(Para(S(f"{name}信用档案共有行政许可、行政处罚记录{fmt_int(total[1])}条，其中公示中{fmt_int(total[2])}条，"
                   f"不公示{fmt_int(total[3])}条，暂缓公示{fmt_int(total[4])}条，已撤销{fmt_int(total[5])}条，"
                   f"公示期满或已信用修复{fmt_int(total[6] + total[7])}条；有效记录{fmt_int(total[8])}条。"
                   f"另有严重失信主体名单记录{fmt_int(len(black))}条（在册{fmt_int(others[0][2])}条）、"
                   f"守信激励名单记录{fmt_int(len(red))}条（在册{fmt_int(others[1][2])}条）、"
                   f"信用承诺{fmt_int(len(commitments))}条、信用修复{fmt_int(len(repairs))}条、"
                   f"其他行政行为{fmt_int(len(actions))}条。")))
        table("counts", "信用记录统计",
              [_col("信息类别", 22), _col("全部记录", 19, "int")]
              + [_col(STATUS_ZH[s], 19, "int") for s in statuses]
              + [_col("有效", 19, "int")],
              rows,
              note="有效：行政许可处于有效期内且未撤销；行政处罚处于按规则计算的公示期限内且未撤销、"
                   "未信用修复（无论是否公示）。")

    # 三、行政许可 / 四、行政处罚
    if public:
        lic = [r for r in data.public if r["dataset"] == "license"]
        pen = [r for r in data.public if r["dataset"] == "penalty"]
        section("三、行政许可信息", "license", "行政许可信息", [
            _col("序号", 8.5, "num"), _col("许可决定文书号", 30), _col("许可类别", 9),
            _col("许可证书/文书名称及许可内容", 44.5), _col("许可机关", 25), _col("决定日期", 17, "num"),
            _col("有效期", 20, "num"), _col("公示期", 20, "num"),
        ], [[i, r["decision_no"], r["license_category"],
             _join(r.get("license_doc_name"), r["license_content"], sep="：\n"),
             r["authority"], _d(r["decision_date"]), _period(r["valid_from"], r["valid_to"], long_term),
             _period(r["disclosure_from"], r["disclosure_until"], long_term)]
            for i, r in enumerate(lic, 1)],
            note="行政许可信息除决定被撤销外持续公示，许可有效期届满不影响决定信息的公示。")
        section("四、行政处罚信息", "penalty", "行政处罚信息", [
            _col("序号", 8.5, "num"), _col("处罚决定书文号", 30), _col("违法行为类型、违法事实及处罚依据", 38),
            _col("处罚类别及内容", 26), _col("罚款（万元）", 15, "n"), _col("处罚机关", 19.5),
            _col("决定日期", 17, "num"), _col("公示期", 20, "num"),
        ], [[i, r["decision_no"],
             _join(r["violation_type"], r["violation_facts"],
                   ("依据：" + r["penalty_basis"]) if r["penalty_basis"] else None, sep="\n"),
             _join(r["penalty_category"], r["penalty_content"],
                   (f"没收金额{_amount(r['confiscated_amount_wan'])}万元"
                    if r["confiscated_amount_wan"] else None)),
             _amount(r["fine_amount_wan"]), r["authority"], _d(r["decision_date"]),
             _period(r["disclosure_from"], r["disclosure_until"], long_term)]
            for i, r in enumerate(pen, 1)],
            note="公示期按决定日期适用的公示期限规定计算（见附表），期满自动停止公示。")
    else:
        lic = [r for r in data.records if r["dataset"] == "license"]
        pen = [r for r in data.records if r["dataset"] == "penalty"]

        def status_note(r: dict) -> str:
            s = r["disclosure_status"]
            if s == "public":
                text = "公示期：\n" + _period(r["disclosure_from"], r["disclosure_until"], long_term)
            else:
                text = r.get("disclosure_reason_zh") or STATUS_REASON_DEFAULT.get(s, DASH)
            if r["dataset"] == "penalty" and r.get("effective_severity"):
                text += f"\n失信程度：{r['effective_severity']}"
            if r.get("early_repair_date"):
                text += f"\n{_d(r['early_repair_date'])}的信用修复早于最短公示期届满，未终止公示，待复核"
            return text

        section("三、行政许可信息", "license", "行政许可记录", [
            _col("序号", 8.5, "num"), _col("许可决定文书号", 30), _col("许可类别", 9), _col("许可内容", 24),
            _col("许可机关", 20), _col("决定日期", 17, "num"), _col("有效期", 20, "num"),
            _col("公示状态", 11.5, "num"), _col("原因/公示期", 34),
        ], [[i, r["decision_no"], r["license_category"], r["license_content"], r["authority"],
             _d(r["decision_date"]), _period(r["valid_from"], r["valid_to"], long_term),
             STATUS_ZH.get(r["disclosure_status"], r["disclosure_status"]) +
             ("\n（已撤销）" if r.get("current_status") == "撤销" and r["disclosure_status"] != "revoked" else ""),
             status_note(r)]
            for i, r in enumerate(lic, 1)])
        section("四、行政处罚信息", "penalty", "行政处罚记录", [
            _col("序号", 8.5, "num"), _col("处罚决定书文号", 30), _col("违法行为类型", 17),
            _col("处罚类别及内容", 27), _col("罚款（万元）", 15, "n"), _col("处罚机关", 19),
            _col("决定日期", 17, "num"), _col("公示状态", 11.5, "num"), _col("原因/公示期", 29),
        ], [[i, r["decision_no"], r["violation_type"], _join(r["penalty_category"], r["penalty_content"]),
             _amount(r["fine_amount_wan"]), r["authority"], _d(r["decision_date"]),
             STATUS_ZH.get(r["disclosure_status"], r["disclosure_status"]), status_note(r)]
            for i, r in enumerate(pen, 1)])

    # 五、严重失信主体名单 / 六、守信激励名单（红名单）
    list_cols = [_col("序号", 8.5, "num"), _col("名单名称", 32), _col("认定部门", 30), _col("认定文号", 32),
                 _col("列入日期", 17, "num"), _col("状态", 19.5, "num"), _col("列入事由", 35)]

    def list_rows(entries: list[dict]) -> list[list[Any]]:
        return [[i, r["list_name"], r["list_authority"], r["list_decision_no"], _d(r["list_entry_date"]),
                 _list_state(r, as_of) + ("" if public or not r["error_count"] else "\n（数据不合规）"),
                 r["list_reason"] or DASH] for i, r in enumerate(entries, 1)]

    section("五、严重失信主体名单信息", "black_list", "严重失信主体名单", list_cols, list_rows(black),
            note="公开版仅列截至出具日期仍在册的名单；移出名单的记录不再公开。" if public else "")
    section("六、守信激励名单信息（红名单）", "red_list", "守信激励名单", list_cols, list_rows(red))

    # 七、信用承诺及履约
    section("七、信用承诺及履约信息", "commitment", "信用承诺及履约", [
        _col("序号", 8.5, "num"), _col("承诺书编号", 30), _col("承诺类型", 20), _col("承诺内容", 40),
        _col("承诺受理单位", 30), _col("承诺日期", 17, "num"), _col("履约状态", 28.5, "num"),
    ], [[i, r["commitment_doc_no"], r["commitment_type"], r["commitment_content"] or DASH,
         r["commitment_authority"], _d(r["commitment_date"]),
         (r["fulfilment_status"] or "未报送") + (f"\n判定日期{_d(r['fulfilment_date'])}" if r["fulfilment_date"] else "")]
        for i, r in enumerate(commitments, 1)])

    # 八、信用修复
    if public:
        section("八、信用修复信息", "repair", "信用修复", [
            _col("序号", 8.5, "num"), _col("修复决定文号", 40), _col("修复信息类别", 30), _col("修复机构", 55.5),
            _col("修复日期", 40, "num"),
        ], [[i, r["repair_decision_no"], r["repaired_dataset"] or "行政处罚", r["repair_authority"],
             _d(r["repair_date"])] for i, r in enumerate(repairs, 1)],
            note="已完成信用修复的信息依规终止公示，本报告不再载明其内容。")
    else:
        section("八、信用修复信息", "repair", "信用修复", [
            _col("序号", 8.5, "num"), _col("修复决定文号", 30), _col("被修复决定文书号", 30),
            _col("修复信息类别", 20), _col("修复机构", 30), _col("修复日期", 17, "num"), _col("修复效力", 38.5),
        ], [[i, r["repair_decision_no"], r["repaired_decision_no"], r["repaired_dataset"] or "行政处罚",
             r["repair_authority"], _d(r["repair_date"]), _repair_effect(r)] for i, r in enumerate(repairs, 1)],
            note="最短公示期届满前作出的信用修复不终止公示，已列入报送部门整改清单待复核。")

    # 九、其他行政行为（十公示）
    section("九、其他行政行为信息", "other_action", "其他行政行为", [
        _col("序号", 8.5, "num"), _col("行为类别", 20), _col("决定文书号", 32), _col("行为内容", 47.5),
        _col("实施机关", 32), _col("决定日期", 17, "num"), _col("状态", 17, "num"),
    ], [[i, r["action_kind"], r["action_decision_no"], r["action_content"], r["action_authority"],
         _d(r["action_date"]), r.get("current_status") or "正常"] for i, r in enumerate(actions, 1)],
        note="行政强制、行政确认、行政征收、行政给付、行政裁决、行政补偿、行政奖励、行政监督检查等行政行为信息。")

    if not public:
        add(Heading("十、暂缓公示记录及违反的规则"))
        held = [r for r in data.records if r["disclosure_status"] == "held"]
        if held:
            add(Para(S(f"以下{len(held)}条记录因不符合数据规范暂缓公示，已计入该主体信用档案；"
                       "报送单位更正并重新报送且通过校验后，依规公示。")))
            table("held", f"暂缓公示记录违反的规则（{len(data.violations)}项）", [
                _col("序号", 8.5, "num"), _col("决定文书号", 30), _col("信息类别", 12, "num"),
                _col("报送单位", 18), _col("问题字段", 15), _col("违反的规则", 32), _col("报送值", 28),
                _col("来源文件（部门/报送日期/文件）及行号", 30.5),
            ], [[i, v["decision_no"], dataset_zh(v["dataset"]),
                 data.departments.get(v["department"], v["department"]),
                 v["column_label_zh"] or v["column_name"], v["rule_message_zh"] or v["rule_id"],
                 v["offending_value"] if v["offending_value"] not in (None, "") else "（空）",
                 _source(v["source_file"], v["source_row"])]
                for i, v in enumerate(data.violations, 1)],
                note="报送值中形似身份证号码的内容一律隐去。")
        else:
            add(Para(NONE))

    # 说明
    add(Heading("十一、说明" if not public else "十、说明"))
    src = (f"1. 本报告依据{issuer}公共信用信息数据库出具，数据截至{date_zh(data_date)}。信息来源于各有关部门依法"
           "报送的行政许可、行政处罚（“双公示”）、严重失信主体名单、守信激励名单、信用承诺、信用修复及其他行政行为"
           "信息，经归集、清洗、校核、去重、归并后形成主体信用档案；信息内容由报送部门负责。")
    add(Para(S(src), indent=False))
    add(Para("2. 行政处罚信息的公示期限按决定日期适用相应规定（见附表），期限按民法典第二百零一条、第二百零二条计算；"
             "公示期限届满、经信用修复或决定被撤销的信息不再公示，最短公示期届满前作出的信用修复不终止公示；"
             "行政许可信息除决定被撤销外持续公示；市场监管部门仅给予警告或适用简易程序作出的处罚决定、轻微失信信息"
             "原则上不公示；不符合数据规范的记录暂缓公示，待报送单位更正后公示。", indent=False))
    add(Para("3. 涉及自然人的信用信息原则上不公示；居民身份证号码等个人证件号码在任何版本中均不予显示。",
             indent=False))
    if public:
        add(Para("4. 本报告（公开版）仅包含截至出具日期依规可以向社会公开的信息，不包含不予公示或暂缓公示的信息。"
                 "“无”表示截至出具日期未查询到该类可公开的信息。", indent=False))
    else:
        add(Para("4. 本报告（内部版）包含不予公开的信息，仅供内部使用，不得对外提供、转载或公开；对外提供请使用公开版。",
                 indent=False))
    add(Para(S(f"5. 异议：如对本报告所载信息有异议，可向{cfg.objection_unit}提出异议申请"
               f"（电话：{cfg.objection_phone}；地址：{cfg.objection_address}），或向信息提供部门提出。"), indent=False))
    if report_no:
        add(Para(f"6. 本报告编号为 {no}，验证码为 {code}。报告编号每次出具各不相同；出具单位凭验证码核验本报告"
                 "的出具对象、出具日期和文件是否一致。", indent=False))
    else:
        add(Para(f"6. 本文件为{UNREGISTERED}，没有报告编号和验证码，不作为信用报告使用。", indent=False))
    add(Para(f"7. 有效期：本报告自出具之日起{cfg.validity_days}日内有效（至{date_zh(valid_until)}）；"
             "所载信息以出具时数据库记录为准，此后信息如有变化，以重新出具的报告为准。", indent=False))
    windows = load_windows()
    if windows:
        add(_table("windows", "附表  行政处罚信息公示期限（按决定日期适用）", [
            _col("决定日期", 30), _col("领域", 26), _col("失信程度", 14, "num"), _col("公示期限", 30),
            _col("依据", 74),
        ], _window_rows(windows), scrub=S))
    add(Signature(issuer, date_zh(as_of)))

    leaks = find_id_numbers(doc.all_text(), keep)
    if leaks:  # cannot happen: every string above went through S(); keep the promise regardless
        raise AssertionError(f"entity report would show {len(leaks)} ID-number-shaped value(s)")
    return doc
