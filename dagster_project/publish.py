"""Publish a gated build: copy the marts into a new DuckDB file, then swap it in by rename.

Analysts and the website read the published file, never the working database. os.replace() is atomic on
POSIX, so a reader sees yesterday's file or tonight's, never half of one; a reader holding yesterday's
file open keeps reading it (the old inode lives until closed). The last N published builds are kept.
"""
from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


from dagster_project import pii
from dagster_project.paths import SEEDS_DIR
from dagster_project.settings import KEEP_BUILDS, connect_duckdb, history_dir, quote_identifier, work_db_path

PUBLISHED_SCHEMAS = ("marts", "audit", "history")


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    tables: dict[str, int]
    archived_to: Path | None


def publish(warehouse: Path, *, run_id: str, as_of: date, keep: int = KEEP_BUILDS) -> PublishResult:
    work = work_db_path(warehouse)
    if not work.exists():
        raise FileNotFoundError(f"工作库不存在 / no working database at {work}: run the build first")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(warehouse)
    staging = Path(str(warehouse) + f".publishing-{os.getpid()}")
    staging.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    # write the new file; read the working database through a read-only attachment
    con = connect_duckdb(staging)
    try:
        scrubbed = pii.register_duckdb_scrub(con)
        con.execute(f"attach '{work}' as work (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'work' and table_type = 'BASE TABLE' and table_schema in "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_catalog = 'work' "
                "and table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
            select = ", ".join(
                f'{scrubbed(quote_identifier(name))} as {quote_identifier(name)}' if dtype == "VARCHAR"
                else quote_identifier(name) for name, dtype in columns)
            relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            con.execute(f"create table {relation} as select {select} from work.{relation}")
            counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
        # what was issued (report/issuance.py) lives beside the warehouse; every publish copies it in (audit.issued_*)
        from dagster_project.report.issuance import copy_into_published
        counts.update(copy_into_published(con, warehouse, scrubbed))
        # and the register of issued entity reports (entity_report/registry.py): audit.issued_entity_report
        from dagster_project.entity_report.registry import copy_into_published as copy_entity_reports
        counts.update(copy_entity_reports(con, warehouse, scrubbed))
        _write_table_access(con, [f"{s}.{t}" for s, t in tables] + [t for t in counts if t.startswith("audit.issued_")])
        con.execute(
            "create or replace table audit.build_info as select ? as run_id, cast(? as date) as as_of, "
            "cast(? as timestamp) as published_at",
            [run_id, as_of.isoformat(), datetime.now().isoformat(timespec="seconds")],
        )
        con.execute("detach work")
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
    return PublishResult(warehouse=warehouse, tables=counts, archived_to=archived)


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
