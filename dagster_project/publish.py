"""Publish a gated build: write the marts into a new DuckDB file, then swap it in by rename.

Analysts and the website read the published file, never the working database. os.replace() is atomic on
POSIX, so a reader sees yesterday's file or tonight's, never half of one; a reader holding yesterday's
file open keeps reading it (the old inode lives until closed). The last N published builds are kept.

A night does not copy unchanged history: the new file starts as a copy of the published one (the base), and
each table is patched to tonight's rows — the rows whose hash (over every column) the base holds as many times
as the working table keeps their bytes; the rest are deleted and inserted again, scrubbed. The scrub's verdict
on a kept cell can change with the date alone (a run whose birth date is still to come is no ID number yet):
audit.publish_recheck lists such rows with the date, and they are scrubbed again when it comes. A table whose
columns changed, a base published under other scrub rules (the ID-number spelling, pii.py), one grown past
PUBLISH_REGROWTH times its size when last copied whole, or none at all: that table, or every table, is copied
whole, as the first night does.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dagster_project import pii
from dagster_project.paths import SEEDS_DIR
from dagster_project.settings import (
    KEEP_BUILDS, PUBLISH_REGROWTH, connect_duckdb, history_dir, quote_identifier, work_db_path,
)

PUBLISHED_SCHEMAS = ("marts", "audit", "history")
RECHECK_TABLE = "audit.publish_recheck"


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    tables: dict[str, int]
    archived_to: Path | None
    # tables patched on the base (rows deleted, rows inserted); the others were copied whole
    patched: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)


def publish(warehouse: Path, *, run_id: str, as_of: date, keep: int = KEEP_BUILDS) -> PublishResult:
    work = work_db_path(warehouse)
    if not work.exists():
        raise FileNotFoundError(f"工作库不存在 / no working database at {work}: run the build first")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(warehouse)
    staging = Path(str(warehouse) + f".publishing-{os.getpid()}")
    staging.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    patched: dict[str, tuple[int, int]] = {}
    whole_copy_bytes = reusable_base(warehouse)  # None: tonight copies every table whole
    if whole_copy_bytes is not None:
        try:  # a copy: readers and the history folder keep the base itself
            shutil.copyfile(warehouse, staging)
        except BaseException:  # a full disk, a kill: no half-written file stays behind
            staging.unlink(missing_ok=True)
            raise
    # write the new file; read the working database through a read-only attachment
    con = connect_duckdb(staging)
    try:
        scrubbed = pii.register_duckdb_scrub(con)
        comes_due = pii.register_duckdb_next_id_number_date(con)
        con.execute(f"attach '{work}' as work (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'work' and table_type = 'BASE TABLE' and table_schema in "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        tonight = {(schema, table): _columns(con, "work", schema, table) for schema, table in tables}
        base_tables = _published_tables(con)
        kept = {key for key, cols in base_tables.items() if tonight.get(key) == cols}
        # the base's pending rechecks, then everything the base holds that is not patched goes (what publish
        # writes itself, audit.build_info and the rest, is written again below)
        con.execute(f"create temp table pending_recheck ({RECHECK_COLUMNS})")
        if ("audit", "publish_recheck") in base_tables:
            con.execute(f"insert into pending_recheck select * from {RECHECK_TABLE}")
        con.execute("delete from pending_recheck where table_name not in (select unnest(?))",
                    [[f"{s}.{t}" for s, t in tonight]])
        for schema, table in base_tables:
            if (schema, table) not in kept:
                con.execute(f"drop table {quote_identifier(schema)}.{quote_identifier(table)}")
        for (schema, table), columns in tonight.items():
            name, relation = f"{schema}.{table}", f"{quote_identifier(schema)}.{quote_identifier(table)}"
            select = ", ".join(f"{scrubbed(quote_identifier(c))} as {quote_identifier(c)}" if dtype == "VARCHAR"
                               else quote_identifier(c) for c, dtype in columns)
            if (schema, table) in kept:
                patched[name] = _patch(con, name, relation, columns, select)
                written = "inserted_rows"
            else:
                con.execute("delete from pending_recheck where table_name = ?", [name])
                con.execute(f"create table {relation} as select {select} from work.{relation}")
                written = relation
            _note_rechecks(con, name, written, columns, comes_due)
            counts[name] = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
        con.execute(f"create table {RECHECK_TABLE} as select * from pending_recheck order by all")
        # what was issued (report/issuance.py) lives beside the warehouse; every publish copies it in (audit.issued_*)
        from dagster_project.report.issuance import copy_into_published
        counts.update(copy_into_published(con, warehouse, scrubbed))
        # and the register of issued entity reports (entity_report/registry.py): audit.issued_entity_report
        from dagster_project.entity_report.registry import copy_into_published as copy_entity_reports
        counts.update(copy_entity_reports(con, warehouse, scrubbed))
        _write_table_access(con, [f"{s}.{t}" for s, t in tables] + [t for t in counts if t.startswith("audit.issued_")]
                            + [RECHECK_TABLE])
        con.execute(
            "create or replace table audit.build_info as select ? as run_id, cast(? as date) as as_of, "
            "cast(? as timestamp) as published_at, ? as scrub_rules, cast(? as bigint) as whole_copy_bytes",
            [run_id, as_of.isoformat(), datetime.now().isoformat(timespec="seconds"), scrub_rules_digest(),
             whole_copy_bytes],
        )
        con.execute("detach work")
        con.execute("checkpoint")
        if whole_copy_bytes is None:  # the size a whole copy takes: the measure of how far patched nights let it grow
            con.execute("update audit.build_info set whole_copy_bytes = ?", [staging.stat().st_size])
            con.execute("checkpoint")
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        raise
    con.close()

    archived = None
    if warehouse.exists():
        hist = history_dir(warehouse)
        hist.mkdir(parents=True, exist_ok=True)
        archived = hist / f"{datetime.now():%Y%m%dT%H%M%S}-{run_id[:8]}.duckdb"
        os.link(warehouse, archived) if _same_fs(warehouse, hist) else shutil.copy2(warehouse, archived)
    os.replace(staging, warehouse)
    _prune_history(history_dir(warehouse), keep)
    return PublishResult(warehouse=warehouse, tables=counts, archived_to=archived, patched=patched)


RECHECK_COLUMNS = "table_name varchar, row_hash ubigint, recheck_on date"


def scrub_rules_digest() -> str:
    """What the scrub of a published cell depends on besides its text and the date: the ID-number spelling and
    the code that applies it. A base published under other rules is not patched: every table is copied whole."""
    from dagster_project import identifiers

    digest = hashlib.sha256(json.dumps(pii.spelling(), sort_keys=True, ensure_ascii=False).encode())
    for module in (pii, identifiers):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def read_build_info(warehouse: Path) -> dict | None:
    """The row of ``audit.build_info`` in a published file, by column name; None without a readable file or row."""
    import duckdb

    if not warehouse.is_file():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        cursor = con.execute("select * from audit.build_info")
        rows, names = cursor.fetchall(), [d[0] for d in cursor.description]
    except duckdb.Error:
        return None
    finally:
        con.close()
    return dict(zip(names, rows[0])) if len(rows) == 1 else None


def reusable_base(warehouse: Path) -> int | None:
    """Whether tonight's file may start from the published one: it is there and readable, was published under
    tonight's scrub rules, not later than today (the scrub's verdicts only move forward with the date), and has
    not grown past PUBLISH_REGROWTH times its size when last copied whole. Returns that size, or None."""
    info = read_build_info(warehouse) or {}
    published_at, whole_copy_bytes = info.get("published_at"), info.get("whole_copy_bytes")
    if info.get("scrub_rules") != scrub_rules_digest() or published_at is None or published_at.date() > date.today():
        return None
    if not whole_copy_bytes or warehouse.stat().st_size > PUBLISH_REGROWTH * whole_copy_bytes:
        return None
    return whole_copy_bytes


def _columns(con, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = ? "
        "and table_schema = ? and table_name = ? order by ordinal_position", [catalog, schema, table]).fetchall()


def _published_tables(con) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The tables of the file being written (the base's, before any is patched), with their columns."""
    catalog = con.execute("select current_database()").fetchall()[0][0]
    found = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? "
        "and table_type = 'BASE TABLE' and table_schema in "
        f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)})", [catalog]).fetchall()
    return {(s, t): _columns(con, catalog, s, t) for s, t in found}


def _row_hash(columns: list[tuple[str, str]]) -> str:
    return f"hash({', '.join(quote_identifier(c) for c, _ in columns)})"


def _patch(con, name: str, relation: str, columns: list[tuple[str, str]], select: str) -> tuple[int, int]:
    """Bring the base's copy of ``relation`` to tonight's rows: a hash the two sides hold a different number of
    times, or one whose recheck date has come, is deleted and inserted again (scrubbed, from ``select``); the
    rows inserted stay in the temp table inserted_rows. Returns (rows deleted, rows inserted)."""
    row_hash = _row_hash(columns)
    con.execute(f"create or replace temp table tonight_hashes as select rowid as rid, {row_hash} as h "
                f"from work.{relation}")
    con.execute(f"create or replace temp table base_hashes as select rowid as rid, {row_hash} as h from {relation}")
    con.execute(
        "create or replace temp table changed_hashes as "
        "select h from (select h, count(*) as n from tonight_hashes group by h) as t "
        "full join (select h, count(*) as n from base_hashes group by h) as b using (h) "
        "where t.n is distinct from b.n "
        "union select row_hash from pending_recheck where table_name = ? and recheck_on <= ?", [name, date.today()])
    con.execute("delete from pending_recheck where table_name = ? and row_hash in (select h from changed_hashes)",
                [name])
    deleted = con.execute(f"delete from {relation} where rowid in "
                          "(select rid from base_hashes semi join changed_hashes using (h))").fetchall()[0][0]
    con.execute(f"create or replace temp table inserted_rows as select {select} from work.{relation} "
                "where rowid in (select rid from tonight_hashes semi join changed_hashes using (h))")
    inserted = con.execute(f"insert into {relation} select * from inserted_rows").fetchall()[0][0]
    return deleted, inserted


def _note_rechecks(con, name: str, written: str, columns: list[tuple[str, str]], comes_due) -> None:
    """Add to pending_recheck the rows of ``written`` (as published) holding a run that becomes an ID number on a
    later date: the date it does, earliest first."""
    text = [quote_identifier(c) for c, dtype in columns if dtype == "VARCHAR"]
    if not text:
        return
    con.execute(
        f"insert into pending_recheck select ?, h, recheck_on from (select {_row_hash(columns)} as h, "
        f"least({', '.join(comes_due(c) for c in text)}) as recheck_on from {written}) where recheck_on is not null",
        [name])


def _write_table_access(con, published: list[str]) -> None:
    """audit.table_access: who may read each published table (seed table_audiences.csv, read from the project:
    a Spark build brings no ref schema to the working database; a table the seed does not name is internal)."""
    with open(SEEDS_DIR / "table_audiences.csv", encoding="utf-8", newline="") as f:
        seed = {r["table_name"]: r for r in csv.DictReader(f)}
    rows = []
    for table in sorted(set(published) | {"audit.build_info", "audit.table_access"}):
        r = seed.get(table)
        rows.append((table, r["audience"], r["holds_person_names"].strip().lower() == "true", r["note_zh"]) if r
                    else (table, "internal", True, "未登记的表按内部表处理"))
    con.execute("create or replace table audit.table_access (table_name varchar, audience varchar, "
                "holds_person_names boolean, note_zh varchar)")
    con.executemany("insert into audit.table_access values (?, ?, ?, ?)", rows)


def remove_stale_staging(warehouse: Path) -> list[Path]:
    """Delete `<warehouse>.publishing-<pid>` files a killed publish left behind (their process is gone)."""
    removed = []
    for leftover in warehouse.parent.glob(f"{warehouse.name}.publishing-*"):
        pid = leftover.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _prune_history(hist: Path, keep: int) -> None:
    if not hist.exists():
        return
    builds = sorted(hist.glob("*.duckdb"))
    for old in builds[: max(0, len(builds) - keep)]:
        old.unlink()
