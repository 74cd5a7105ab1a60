"""The key that links natural persons, guarded.

dbt's macro person_key_hash turns a valid ID number into sha256(<key> || '|' || id_no) (the key with any
single quote removed, as the macro does; the number as sent in the USCC column when 证件号码 holds no valid
one: HASHED_ID), and int_entity_resolution derives from that hash:
  entity_key = 'P:' || hash;   entity_id = 'E' || md5(entity_key)'s first 15 hex, all-digit ones lettered (entity_id_sql)
  record_id  = md5(dataset || '|' || coalesce(decision_no_norm, '#' || submission_id) || '|' || entity_key)
so a different key makes every natural person a new entity with new records. The key lives in
CREDIT_PERSON_KEY or in the file <warehouse>.key; this module makes sure a warehouse is always built with
the key it was first built with:

- <warehouse>.key-fingerprint records an HMAC-SHA256 of a fixed label under the key (never the key itself),
  written on the first build, atomically (a temporary file renamed into place: whole or absent).
- resolve() gives the key for a build: it refuses (PersonKeyError, exit 2) a key that is missing or whose
  fingerprint differs, and creates a key file only for a warehouse that was never built.
- rekey() changes the key on purpose: it re-hashes every stored person link in the working database from
  the old hash to the new one in one transaction, records the new fingerprint and installs the new key
  file. Stored = what the next build does not rebuild: the incremental int_submissions_checked (its
  person_key, recomputed from the ID number beside it), the incremental int_entity_resolution and
  int_decision_versions, int_records, fct_credit_record and dim_entity (STORED_INTERMEDIATE) and every table
  outside the schemas dbt rebuilds each night (the snapshot history.snap_credit_record_status, audit tables
  written by the gates): their identifier columns are mapped old -> new. The next build rebuilds the marts
  with the new key; the history then continues with the same (re-keyed) entity. The formulas above are
  mirrored here, not read from dbt: tests/test_person_key.py builds, re-keys and builds again, and fails if
  they drift apart.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dagster_project.settings import history_dir, person_key_path, work_db_path

FINGERPRINT_LABEL = b"credit-warehouse/person-key-fingerprint/v1"
ENV_VAR = "CREDIT_PERSON_KEY"
# the incremental model holding each hash beside its ID number; every other table of these schemas is rebuilt
# by every build (and the raw layer and seeds hold no hash): tables elsewhere (history, audit) are stored
CHECKED_TABLE = "intermediate.int_submissions_checked"
NOT_STORED_SCHEMAS = ("raw", "ref", "staging", "intermediate", "marts")
# ... except the incremental models a night does not recompute for kept rows (a mart among them): their ids (and
# the person_key int_decision_versions copies from int_submissions_checked) are mapped like the history's
STORED_INTERMEDIATE = ("intermediate.int_entity_resolution", "intermediate.int_decision_versions",
                       "intermediate.int_records", "marts.fct_credit_record", "marts.dim_entity")
# the value int_submissions_checked hashed into person_key (its `cleaned` CTE): the ID number, or, when that is
# not a valid one, the ID number a department typed into the USCC column (person_key is null otherwise)
HASHED_ID = "case when id_no_is_valid then id_no else uscc end"


class PersonKeyError(ValueError):
    """The person key cannot be used for this warehouse; the message says why and how to fix it."""


def entity_id_sql(entity_key: str) -> str:
    """DuckDB SQL of an entity's id from the SQL expression ``entity_key``: the mirror of dbt's macro entity_id
    (macros/identifiers.sql; tests/test_pii.py checks the two agree, on keys whose md5 starts with 15 digits)."""
    md5 = f"md5({entity_key})"
    return (f"('E' || substr({md5}, 1, 14) || case when translate(substr({md5}, 1, 15), '0123456789', '') = '' "
            f"then translate(substr({md5}, 15, 1), '0123456789', 'ghijklmnop') else substr({md5}, 15, 1) end)")


def fingerprint_path(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".key-fingerprint")


def pending_key_path(warehouse: Path) -> Path:
    """The new key of a `credit rekey` that has not finished (present only while, or after a crash in, one)."""
    return Path(str(warehouse) + ".key.pending")


def effective_key(key: str) -> str:
    """The key as dbt's person_key_hash uses it (the macro drops single quotes)."""
    return key.replace("'", "")


def fingerprint(key: str) -> str:
    digest = hmac.new(effective_key(key).encode("utf-8"), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def _short(fp: str) -> str:
    return fp.split(":", 1)[-1][:12]


# ------------------------------------------------------------------------------------------- files

def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str, *, mode: int = 0o644, exclusive: bool = False) -> bool:
    """Write `text` to `path` whole or not at all: a temporary file beside it, fsynced, then renamed (or,
    with exclusive, linked: fails when `path` exists). Returns False when exclusive and `path` existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
        _fsync_dir(path.parent)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def read_fingerprint(warehouse: Path) -> str | None:
    path = fingerprint_path(warehouse)
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))["fingerprint"]
        if not (isinstance(value, str) and value.startswith("hmac-sha256:")):
            raise ValueError(value)
        return value
    except (ValueError, KeyError, TypeError) as e:
        raise PersonKeyError(
            f"密钥指纹文件损坏 / the person key's fingerprint file is unreadable: {path} ({e}). "
            f"Restore it from the backup taken with {person_key_path(warehouse).name}.") from None


def record_fingerprint(warehouse: Path, key: str) -> None:
    _write_atomic(fingerprint_path(warehouse), json.dumps({
        "fingerprint": fingerprint(key),
        "about": "HMAC-SHA256 of a fixed label under the person key (CREDIT_PERSON_KEY or the .key file); "
                 "not the key. A build refuses a key with another fingerprint: see `credit rekey`.",
        "recorded_at": datetime.now().isoformat(timespec="seconds"),
    }, ensure_ascii=False, indent=1) + "\n")


def _read_key_file(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise PersonKeyError(f"密钥文件为空 / the person key file is empty: {path}")
    return key


def present_key(warehouse: Path) -> tuple[str | None, str]:
    """(key, where it came from): CREDIT_PERSON_KEY if set, else the key file; (None, ...) when neither."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env, ENV_VAR
    path = person_key_path(warehouse)
    if path.exists():
        return _read_key_file(path), str(path)
    return None, str(path)


def has_been_built(warehouse: Path) -> bool:
    """A fingerprint was recorded, or a build left its working database or a published file."""
    return any(p.exists() for p in (fingerprint_path(warehouse), work_db_path(warehouse), Path(warehouse)))


# ------------------------------------------------------------------------------------------- the guard

def _fix_lines(warehouse: Path) -> str:
    key_file = person_key_path(warehouse)
    return (f" 处理 / to fix: 从备份恢复 {key_file}（或把 {ENV_VAR} 设为原密钥）后重新运行 / restore {key_file} from "
            f"its backup (or set {ENV_VAR} to the old key) and run again; 确需更换密钥 / to change the key on "
            f"purpose, run `credit rekey --warehouse {warehouse}` with the old key in place.")


def _missing(warehouse: Path) -> PersonKeyError:
    key_file = person_key_path(warehouse)
    return PersonKeyError(
        f"人员密钥缺失，未做任何更改 / the person key is missing, nothing was done: {key_file} does not exist and "
        f"{ENV_VAR} is not set, but this warehouse was built with a key (fingerprint in "
        f"{fingerprint_path(warehouse).name}). A new key would make every natural person a second entity."
        + _fix_lines(warehouse))


def _mismatch(warehouse: Path, source: str, found: str, recorded: str) -> PersonKeyError:
    return PersonKeyError(
        f"人员密钥不一致，未做任何更改 / the person key does not match this warehouse, nothing was done: the key "
        f"from {source} has fingerprint {_short(found)}…, the warehouse was built with {_short(recorded)}… "
        f"({fingerprint_path(warehouse).name}). Building with it would make every natural person a second entity."
        + _fix_lines(warehouse))


def _interrupted(warehouse: Path) -> PersonKeyError:
    return PersonKeyError(
        f"上次更换密钥未完成，未做任何更改 / a `credit rekey` was interrupted, nothing was done: "
        f"{pending_key_path(warehouse)} holds its new key. 处理 / to fix: run `credit rekey --warehouse {warehouse}` "
        f"again to finish it (with the old key still in place).")


def resolve(warehouse: Path, *, record: bool = False, _during_rekey: bool = False) -> str:
    """The person key for a build of `warehouse`, or PersonKeyError (before anything is written).

    A warehouse never built (no fingerprint, no working database, no published file) gets a random key file
    (unless CREDIT_PERSON_KEY is set) and its fingerprint. A built one must present the key whose fingerprint
    it recorded; one built before fingerprints existed records it when `record` (a build starting)."""
    warehouse = Path(warehouse)
    if not _during_rekey and pending_key_path(warehouse).exists():
        raise _interrupted(warehouse)
    recorded = read_fingerprint(warehouse)
    key, source = present_key(warehouse)
    if key is None:
        if recorded is not None or has_been_built(warehouse):
            raise _missing(warehouse)
        _write_atomic(person_key_path(warehouse), secrets.token_hex(32), mode=0o600, exclusive=True)
        key = _read_key_file(person_key_path(warehouse))  # ours, or a concurrent first run's
        record = True
        recorded = read_fingerprint(warehouse)
    found = fingerprint(key)
    if recorded is None:
        if record:
            record_fingerprint(warehouse, key)
        return key
    if not hmac.compare_digest(found, recorded):
        raise _mismatch(warehouse, source, found, recorded)
    return key


# ------------------------------------------------------------------------------------------- rekey

@dataclass
class RekeyResult:
    warehouse: Path
    fingerprint: str
    persons: int = 0                      # distinct person hashes re-keyed
    submissions: int = 0                  # rows of int_submissions_checked re-hashed
    stored_rows: dict[str, int] = field(default_factory=dict)  # <schema>.<table> -> rows re-keyed
    resumed: bool = False                 # finished a rekey a crash had interrupted
    env_key_set: bool = False             # CREDIT_PERSON_KEY is set in this environment
    history_copies: int = 0               # old published copies in <warehouse>.history/ (left as they are)


def _spark_dir(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".spark")


def rekey(warehouse: Path, new_key: str | None = None, *, old_key_lost: bool = False) -> RekeyResult:
    """Change the person key of `warehouse` and keep every natural person's entity (see the module doc).

    The caller holds the warehouse lock. Crash-safe in this order: the new key is staged
    (<warehouse>.key.pending), the working database is re-hashed in one transaction, the new fingerprint is
    recorded, the staged key is renamed over <warehouse>.key. A run in between is refused; running rekey
    again finishes the job (the database tells by its own hashes whether it was already re-hashed)."""
    warehouse = Path(warehouse)
    if _spark_dir(warehouse).exists():
        raise PersonKeyError(
            f"更换密钥暂只支持 DuckDB 引擎 / rekey supports the DuckDB engine only: {_spark_dir(warehouse)} holds a "
            f"Spark build whose snapshot lives in Spark's catalog, which rekey does not rewrite.")
    pending = pending_key_path(warehouse)
    old_key: str | None = None
    resumed = pending.exists()
    if resumed:
        staged = _read_key_file(pending)
        if new_key is not None and effective_key(new_key.strip()) != effective_key(staged):
            raise PersonKeyError(
                f"上次更换密钥未完成 / an interrupted rekey to another key is pending ({pending}): run rekey "
                f"without --new-key-file to finish it first.")
        new_key = staged
        if read_fingerprint(warehouse) != fingerprint(new_key) and not old_key_lost:
            old_key = resolve(warehouse, _during_rekey=True)
    else:
        new_key = secrets.token_hex(32) if new_key is None else new_key.strip()
        if not effective_key(new_key):
            raise PersonKeyError("新密钥为空 / the new person key is empty")
        if not old_key_lost:
            old_key = resolve(warehouse)
            if fingerprint(old_key) == fingerprint(new_key):
                raise PersonKeyError("新旧密钥相同 / the new key is the same key as the old one: nothing to do")
        elif read_fingerprint(warehouse) == fingerprint(new_key):
            raise PersonKeyError("新旧密钥相同 / the new key is the same key as the old one: nothing to do")
        _write_atomic(pending, new_key + "\n", mode=0o600)

    result = RekeyResult(warehouse=warehouse, fingerprint=fingerprint(new_key), resumed=resumed,
                         env_key_set=bool(os.environ.get(ENV_VAR)),
                         history_copies=len(list(history_dir(warehouse).glob("*.duckdb"))))
    if work_db_path(warehouse).exists():
        _rehash_work_db(work_db_path(warehouse), old_key, new_key, result)
    record_fingerprint(warehouse, new_key)
    os.replace(pending, person_key_path(warehouse))
    _fsync_dir(warehouse.parent)
    return result


def _rehash_work_db(work: Path, old_key: str | None, new_key: str, result: RekeyResult) -> None:
    from dagster_project.settings import connect_duckdb

    con = connect_duckdb(work)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'intermediate' "
            "and table_name = 'int_submissions_checked'").fetchone()[0]
        if not exists:  # no dbt build yet: no hash anywhere
            return
        con.execute("begin transaction")
        # every stored hash beside the ID number it was made from; new = the same SQL under the new key
        con.execute(f"""
            create temp table person_map as
            select distinct person_key as old_pk, sha256(? || '|' || {HASHED_ID}) as new_pk
            from {CHECKED_TABLE} where person_key is not null""", [effective_key(new_key)])
        total, already_new = con.execute(
            "select count(*), count(*) filter (where old_pk = new_pk) from person_map").fetchone()
        if total and already_new == total:  # an interrupted rekey had committed this already
            con.execute("rollback")
            return
        if already_new:
            raise PersonKeyError(f"工作库中的人员哈希不一致 / {work} holds hashes under two keys: not re-keyed")
        if old_key is not None:
            stale = con.execute(f"""
                select count(*) from {CHECKED_TABLE}
                where person_key is not null and person_key <> sha256(? || '|' || {HASHED_ID})""",
                                [effective_key(old_key)]).fetchone()[0]
            if stale:
                raise PersonKeyError(
                    f"工作库中的人员哈希并非由当前密钥生成 / {stale} person hashes in {work} were not made with the "
                    f"current key: not re-keyed. If the key really is lost, see `credit rekey --old-key-lost`.")
        if con.execute("select count(*) from (select old_pk from person_map group by 1 "
                       "having count(distinct new_pk) > 1)").fetchone()[0]:
            raise PersonKeyError(f"同一哈希对应多个证件号 / one stored hash stands for two ID numbers in {work}")
        # the identifiers int_entity_resolution derives from the hash (see the module doc), old -> new
        con.execute(f"""
            create temp table record_map as
            select distinct
                md5(dataset || '|' || coalesce(decision_no_norm, '#' || submission_id) || '|' || 'P:' || m.old_pk) as old_id,
                md5(dataset || '|' || coalesce(decision_no_norm, '#' || submission_id) || '|' || 'P:' || m.new_pk) as new_id
            from {CHECKED_TABLE} as c inner join person_map as m on m.old_pk = c.person_key""")
        con.execute(f"""
            create temp table value_map as
            select old_pk as old_id, new_pk as new_id from person_map
            union all select 'P:' || old_pk, 'P:' || new_pk from person_map
            union all select {entity_id_sql("'P:' || old_pk")}, {entity_id_sql("'P:' || new_pk")}
                      from person_map
            union all select old_id, new_id from record_map""")
        result.persons = total
        result.submissions = con.execute(f"""
            update {CHECKED_TABLE} set person_key = sha256(? || '|' || {HASHED_ID})
            where person_key is not null""", [effective_key(new_key)]).fetchone()[0]
        stored = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_catalog = current_database() and (table_schema not in "
            f"({', '.join(repr(s) for s in NOT_STORED_SCHEMAS)}) or table_schema || '.' || table_name in "
            f"({', '.join(repr(t) for t in STORED_INTERMEDIATE)})) order by 1, 2").fetchall()
        for schema, table in stored:
            changed = _rehash_stored(con, schema, table)
            if changed:
                result.stored_rows[f"{schema}.{table}"] = changed
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except Exception:
            pass
        raise
    finally:
        con.close()


def _rehash_stored(con, schema: str, name: str) -> int:
    """Map every identifier column (text, name ending in _id or _key) of one stored table old -> new; in a dbt
    snapshot, dbt_scd_id (md5 of the unique key and dbt_updated_at) follows its row's new record_id.
    Returns the rows changed (the most of any one column)."""
    table = f'"{schema}"."{name}"'
    columns = {r[0]: r[1] for r in con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name]).fetchall()}
    if {"dbt_scd_id", "record_id", "dbt_updated_at"} <= columns.keys():
        con.execute(f"""
            update {table} as t set dbt_scd_id = md5(coalesce(cast(m.new_id as varchar), '') || '|'
                                                   || coalesce(cast(t.dbt_updated_at as varchar), ''))
            from value_map as m
            where t.record_id = m.old_id
              and t.dbt_scd_id = md5(coalesce(cast(t.record_id as varchar), '') || '|'
                                     || coalesce(cast(t.dbt_updated_at as varchar), ''))""")
    changed = 0
    for column, kind in columns.items():
        if kind != "VARCHAR" or column == "dbt_scd_id" or not column.endswith(("_id", "_key")):
            continue
        changed = max(changed, con.execute(
            f'update {table} as t set "{column}" = m.new_id from value_map as m where t."{column}" = m.old_id'
        ).fetchone()[0])
    return changed
