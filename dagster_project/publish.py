"""Publish a gated build: copy the marts into a new DuckDB file, then swap it in by rename.

Analysts and the website read the published file, never the working database. os.replace() is atomic on
POSIX, so a reader sees yesterday's file or tonight's, never half of one; a reader holding yesterday's
file open keeps reading it (the old inode lives until closed). The last N published builds are kept.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


from dagster_project.settings import connect_duckdb, history_dir, work_db_path

PUBLISHED_SCHEMAS = ("marts", "audit", "history")


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    tables: dict[str, int]
    archived_to: Path | None


def publish(warehouse: Path, *, run_id: str, as_of: date, keep: int = 7) -> PublishResult:
    work = work_db_path(warehouse)
    if not work.exists():
        raise FileNotFoundError(f"工作库不存在 / no working database at {work}: run the build first")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(str(warehouse) + f".publishing-{os.getpid()}")
    staging.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    # write the new file; read the working database through a read-only attachment
    con = connect_duckdb(staging)
    try:
        con.execute(f"attach '{work}' as work (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'work' and table_type = 'BASE TABLE' and table_schema in "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        for schema, table in tables:
            con.execute(f'create table {schema}."{table}" as select * from work.{schema}."{table}"')
            counts[f"{schema}.{table}"] = con.execute(f'select count(*) from {schema}."{table}"').fetchall()[0][0]
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


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _prune_history(hist: Path, keep: int) -> None:
    if not hist.exists():
        return
    builds = sorted(hist.glob("*.duckdb"))
    for old in builds[: max(0, len(builds) - keep)]:
        old.unlink()
