"""Read one entity's credit archive from the published warehouse (read-only).

Public version: only ``marts.public_disclosure`` (what the website may show), and of that only
the rows whose 公示期 covers the report date. Internal version: ``marts.dim_entity``,
``marts.fct_credit_record`` and, for held records, ``marts.fct_rule_violation``.
Both versions: 红黑名单 (``marts.fct_credit_list_membership``), 信用承诺 (``marts.fct_credit_commitment``),
信用修复 (``marts.fct_credit_repair``) and the other 十公示 actions (``marts.fct_other_action``); the public
version shows of these only what is current, valid and not withdrawn (``public_*`` below).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..ingest.seeds import read_seed
from ..paths import SEEDS_DIR
from ..identifiers import org_code_is_valid, uscc_is_valid
from .privacy import normalise_key

NATURAL_PERSON = "自然人"
REQUIRED_TABLES = (
    "marts.dim_entity",
    "marts.fct_credit_record",
    "marts.public_disclosure",
    "marts.fct_rule_violation",
    "marts.fct_credit_list_membership",
    "marts.fct_credit_commitment",
    "marts.fct_credit_repair",
    "marts.fct_other_action",
)


def user_error(message: str) -> Exception:
    """A ``UserError`` (errors.py): the CLI prints it as one line (exit 2)."""
    return UserError(message)


@dataclass(frozen=True)
class Entity:
    entity_id: str
    entity_type: str
    uscc: str | None
    entity_name: str
    names_used: tuple[str, ...]
    first_seen: date | None
    last_seen: date | None
    legal_rep: str | None = None  # 法定代表人 where a department sent it (never for a natural person)

    @property
    def is_natural_person(self) -> bool:
        return self.entity_type == NATURAL_PERSON

    @property
    def key(self) -> str:
        """What the file names carry: the USCC, or the entity_id when there is none."""
        return self.uscc or self.entity_id

    @property
    def valid_uscc(self) -> str | None:
        return self.uscc if self.uscc and uscc_is_valid(self.uscc) else None

    @property
    def org_code(self) -> str | None:
        """组织机构代码 = USCC positions 9-17, shown as ``XXXXXXXX-X``."""
        if not self.uscc or len(self.uscc) != 18:
            return None
        code = self.uscc[8:17]
        return f"{code[:8]}-{code[8]}"

    @property
    def org_code_valid(self) -> bool:
        return bool(self.org_code) and org_code_is_valid(self.org_code)


@dataclass
class EntityData:
    entity: Entity
    as_of: date  # 出具日期
    data_as_of: date | None  # the build's as-of date (what public_disclosure reflects)
    public: list[dict[str, Any]] = field(default_factory=list)  # rows of marts.public_disclosure
    records: list[dict[str, Any]] = field(default_factory=list)  # rows of marts.fct_credit_record
    violations: list[dict[str, Any]] = field(default_factory=list)  # of held records
    departments: dict[str, str] = field(default_factory=dict)
    lists: list[dict[str, Any]] = field(default_factory=list)  # marts.fct_credit_list_membership
    commitments: list[dict[str, Any]] = field(default_factory=list)  # marts.fct_credit_commitment
    repairs: list[dict[str, Any]] = field(default_factory=list)  # marts.fct_credit_repair
    actions: list[dict[str, Any]] = field(default_factory=list)  # marts.fct_other_action

    # what the 公开版 shows of them: current list entries, repairs that took effect, and commitments and
    # actions that are neither withdrawn nor held for a rule violation
    def public_lists(self) -> list[dict[str, Any]]:
        return [r for r in self.lists if r["is_current"] and not r["error_count"]]

    def public_commitments(self) -> list[dict[str, Any]]:
        return [r for r in self.commitments if not r["error_count"] and not r["is_natural_person"]]

    def public_repairs(self) -> list[dict[str, Any]]:
        return [r for r in self.repairs if r["is_effective"] and not r["error_count"] and not r["before_minimum"]]

    def public_actions(self) -> list[dict[str, Any]]:
        return [r for r in self.actions if not r["error_count"] and not r["is_natural_person"]
                and r.get("current_status") != "撤销"]


def connect(warehouse: Path):
    import duckdb

    warehouse = Path(warehouse).expanduser()
    if not warehouse.is_file():
        raise user_error(f"数据仓库不存在 / warehouse not found: {warehouse}")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # locked by a build, not a DuckDB file, ...
        raise user_error(f"无法以只读方式打开数据仓库 / cannot open warehouse {warehouse}: "
                         + str(exc).splitlines()[0]) from exc
    have = {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    missing = [t for t in REQUIRED_TABLES if t not in have]
    if missing:
        con.close()
        raise user_error(f"不是已发布的数据仓库，缺少 {'、'.join(missing)} / not a published warehouse: {warehouse}")
    return con


def _dicts(con, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def find_entity(con, text: str) -> Entity:
    """An entity by entity_id (exact, then case-insensitive) or by USCC (normalised)."""
    raw = str(text).strip()
    key = normalise_key(raw)
    if not key:
        raise user_error("请给出统一社会信用代码或 entity_id / give a USCC or an entity_id")
    sql = "select * from marts.dim_entity where {} order by entity_id"
    rows = (_dicts(con, sql.format("entity_id = ?"), [raw])
            or _dicts(con, sql.format("upper(entity_id) = ?"), [key])
            or _dicts(con, sql.format("upper(replace(replace(uscc, ' ', ''), '-', '')) = ?"), [key]))
    if not rows:
        raise user_error(f"找不到主体 / entity not found: {raw}（既不是已知的统一社会信用代码，也不是 entity_id）")
    if len(rows) > 1:
        ids = "、".join(r["entity_id"] for r in rows)
        raise user_error(f"{raw} 对应多个主体 / matches several entities: {ids}（请用 entity_id 指定）")
    r = rows[0]
    return Entity(
        entity_id=r["entity_id"],
        entity_type=r["entity_type"] or "",
        uscc=r["uscc"] or None,
        entity_name=r["entity_name"] or r["entity_id"],
        names_used=tuple(n for n in (r["names_used"] or []) if n),
        first_seen=r["first_seen"],
        last_seen=r["last_seen"],
        legal_rep=r.get("legal_rep") or None,
    )


def data_as_of(con) -> date | None:
    try:
        row = con.execute(
            "select as_of from audit.build_info order by published_at desc nulls last limit 1").fetchone()
    except Exception:  # an older file without audit.build_info
        return None
    return row[0] if row else None


def load_departments() -> dict[str, str]:
    path = SEEDS_DIR / "departments.csv"
    if not path.is_file():
        return {}
    return {r["department"]: r["department_name"] for r in read_seed(path)}


def load_public(con, entity_id: str, as_of: date) -> list[dict[str, Any]]:
    """public_disclosure rows of the entity whose 公示期 covers ``as_of``."""
    return _dicts(con, """
        select * from marts.public_disclosure
        where entity_id = ?
          and coalesce(entity_type, '') <> '自然人'
          and (disclosure_from is null or disclosure_from <= ?)
          and (disclosure_until is null or disclosure_until >= ?)
        order by dataset, decision_date, decision_no, record_id
    """, [entity_id, as_of, as_of])


def load_records(con, entity_id: str) -> list[dict[str, Any]]:
    return _dicts(con, """
        select * from marts.fct_credit_record
        where entity_id = ?
        order by dataset, decision_date, decision_no, record_id
    """, [entity_id])


def load_violations(con, entity_id: str) -> list[dict[str, Any]]:
    """Rule violations of the entity's held records, on the submission that holds them."""
    return _dicts(con, """
        select v.*, r.disclosure_status
        from marts.fct_rule_violation v
        join marts.fct_credit_record r on r.record_id = v.record_id
        where r.entity_id = ? and r.disclosure_status = 'held'
          and (v.submission_id = r.latest_submission_id or r.latest_submission_id is null)
        order by v.dataset, v.decision_date, v.decision_no, v.record_id, v.rule_id, v.column_name
    """, [entity_id])


def load_archive(con, entity_id: str, as_of: date) -> dict[str, list[dict[str, Any]]]:
    """The entity's list entries, commitments, repairs and other actions (dated on or before ``as_of``)."""
    return {
        "lists": _dicts(con, """
            select * from marts.fct_credit_list_membership
            where entity_id = ? and (list_entry_date is null or list_entry_date <= ?)
            order by list_type desc, list_entry_date, list_decision_no, membership_id""", [entity_id, as_of]),
        "commitments": _dicts(con, """
            select * from marts.fct_credit_commitment
            where entity_id = ? and (commitment_date is null or commitment_date <= ?)
            order by commitment_date, commitment_doc_no, commitment_id""", [entity_id, as_of]),
        "repairs": _dicts(con, """
            select * from marts.fct_credit_repair
            where entity_id = ? and (repair_date is null or repair_date <= ?)
            order by repair_date, repair_decision_no, repair_id""", [entity_id, as_of]),
        "actions": _dicts(con, """
            select * from marts.fct_other_action
            where entity_id = ? and (action_date is null or action_date <= ?)
            order by action_date, action_decision_no, action_id""", [entity_id, as_of]),
    }


def load_entity(warehouse: Path, entity: str, as_of: date | None, *, internal: bool) -> EntityData:
    con = connect(warehouse)
    try:
        ent = find_entity(con, entity)
        built = data_as_of(con)
        when = as_of or built or date.today()
        if built is not None and when < built:
            raise user_error(f"出具日期 {when} 早于数据仓库的数据日期 {built} / "
                             "as-of date is before the warehouse's data date")
        data = EntityData(entity=ent, as_of=when, data_as_of=built, departments=load_departments())
        if not ent.is_natural_person:
            data.public = load_public(con, ent.entity_id, when)
        for name, rows in load_archive(con, ent.entity_id, when).items():
            setattr(data, name, rows)
        if internal:
            data.records = load_records(con, ent.entity_id)
            data.violations = load_violations(con, ent.entity_id)
        return data
    finally:
        con.close()


def in_force(rec: dict[str, Any], as_of: date) -> bool:
    """有效: a license within its validity and not revoked; a penalty within its 公示期限
    (as computed by the rules) and neither revoked nor repaired."""
    status = rec.get("disclosure_status", "public")
    if status in ("revoked", "repaired") or rec.get("current_status") == "撤销":
        return False
    if rec.get("dataset") == "license":
        vf, vt = rec.get("valid_from"), rec.get("valid_to")
        return (vf is None or vf <= as_of) and (vt is None or vt >= as_of)
    until = rec.get("disclosure_until")
    start = rec.get("decision_date") or rec.get("disclosure_from")
    return (start is None or start <= as_of) and until is not None and until >= as_of
