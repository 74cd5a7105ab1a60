"""The raw (归集) layer on disk: Parquet files any engine reads, with DuckDB views over them.

Layout (one folder per raw table under the raw root, `<warehouse>.raw` or CREDIT_RAW_DIR):

    <root>/<table>/empty-schema.parquet                       zero rows, every column of the table today
    <root>/<table>/department=<d>/drop_date=<YYYY-MM-DD>/<batch>.parquet

Every column, department and drop_date included, is inside the files: the folders are only for humans and
for engines that prune by path, so readers use no partition inference (DuckDB: hive_partitioning=false;
Spark: recursiveFileLookup). A file written before a column was added to the seeds lacks it; readers union
by name and the empty-schema file guarantees every column exists even before any row carries it.

Atomicity: a batch (many files of several tables) is written under <root>/_pending/<batch>/, then the
marker COMMITTED is written, then the files are moved into place. A batch that died before its marker is
deleted by the next `recover()`; one that died after it is finished. Readers glob <root>/<table>/**, so they
never see a batch without its ledger rows... except while the moves of a committed batch are in flight —
which only the nightly writer (one at a time, the build lock) can observe.
"""
from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.settings import quote_identifier

EMPTY_SCHEMA_FILE = "empty-schema.parquet"
PENDING = "_pending"
COMMITTED = "COMMITTED"
NULL_PART = "__null__"  # the folder name of a null department / drop_date (off-layout files)

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
}


def arrow_schema(columns: list[tuple[str, str]]) -> pa.Schema:
    return pa.schema([(n, ARROW_TYPES[t]) for n, t in columns])


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_UNSAFE = set('/\\:*?"<>|%=') | {chr(c) for c in range(32)}


def partition_name(value: object) -> str:
    """A folder-safe spelling of a department or date (percent-encodes only what a file system minds)."""
    if value is None:
        return NULL_PART
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "".join(f"%{ord(ch):02X}" if ch in _UNSAFE else ch for ch in text) or "%20"


class RawStore:
    """One raw layer root. Tables are declared with their columns (name, DuckDB type) by the caller."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def glob(self, table: str) -> str:
        return str(self.table_dir(table) / "**" / "*.parquet")

    def relation_sql(self, table: str, columns: list[tuple[str, str]]) -> str:
        """A DuckDB query of the table with exactly `columns`, typed, whatever files lack."""
        cols = ", ".join(f"cast({quote_identifier(n)} as {t}) as {quote_identifier(n)}" for n, t in columns)
        return (f"select {cols} from read_parquet({_lit(self.glob(table))}, union_by_name = true,"
                " hive_partitioning = false)")

    # --- setting up -------------------------------------------------------------------------------------
    def ensure_table(self, table: str, columns: list[tuple[str, str]]) -> None:
        """The folder and an empty-schema file with today's columns (rewritten when the columns changed)."""
        folder = self.table_dir(table)
        folder.mkdir(parents=True, exist_ok=True)
        schema = arrow_schema(columns)
        path = folder / EMPTY_SCHEMA_FILE
        if path.exists():
            try:
                if pq.read_schema(path).equals(schema):
                    return
            except (OSError, pa.ArrowInvalid):
                pass  # a damaged schema file is simply written again
        self._write_atomic(schema.empty_table(), path)

    def recover(self) -> list[str]:
        """Finish committed batches and delete uncommitted ones (a run that died mid-batch); their names."""
        pending = self.root / PENDING
        done: list[str] = []
        if not pending.is_dir():
            return done
        for batch in sorted(pending.iterdir()):
            if (batch / COMMITTED).exists():
                self._move_into_place(batch)
            else:
                shutil.rmtree(batch, ignore_errors=True)
            done.append(batch.name)
        return done

    # --- writing ----------------------------------------------------------------------------------------
    def write_batch(self, batch_id: str, tables: list[tuple[str, pa.Table]]) -> int:
        """Write rows of several tables as one all-or-nothing batch; returns the number of files written.
        Rows are split into department/drop_date folders when the table has those columns."""
        staging = self.root / PENDING / batch_id
        if staging.exists():
            shutil.rmtree(staging)
        files = 0
        for table, rows in tables:
            if rows.num_rows == 0:
                continue
            for part, piece in _partitions(rows):
                target = staging / table / part / f"{batch_id}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(piece, target, compression="zstd")
                files += 1
        if not files:
            shutil.rmtree(staging, ignore_errors=True)
            return 0
        marker = staging / COMMITTED
        with open(marker, "w") as f:
            f.write(batch_id)
            f.flush()
            os.fsync(f.fileno())
        self._move_into_place(staging)
        return files

    def replace_table(self, table: str, rows: pa.Table) -> None:
        """Replace every data file of a small derived table (the workday calendar) with `rows`."""
        folder = self.table_dir(table)
        folder.mkdir(parents=True, exist_ok=True)
        new = folder / "data.parquet"
        self._write_atomic(rows, new)
        for path in folder.rglob("*.parquet"):
            if path.name not in (EMPTY_SCHEMA_FILE, new.name):
                path.unlink()

    def _move_into_place(self, staging: Path) -> None:
        for src in sorted(staging.rglob("*.parquet")):
            dest = self.root / src.relative_to(staging)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
        shutil.rmtree(staging, ignore_errors=True)

    @staticmethod
    def _write_atomic(rows: pa.Table, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(rows, tmp, compression="zstd")
        os.replace(tmp, path)


def _partitions(rows: pa.Table):
    """(relative folder, rows) per department / drop_date; the whole table when it lacks those columns."""
    names = rows.column_names
    if "department" not in names or "drop_date" not in names:
        yield ".", rows
        return
    keys = pa.table({"department": rows.column("department"), "drop_date": rows.column("drop_date")})
    order = pc.sort_indices(keys, sort_keys=[("department", "ascending", "at_end"),
                                             ("drop_date", "ascending", "at_end")])
    rows = rows.take(order)
    dept = rows.column("department").to_pylist()
    day = rows.column("drop_date").to_pylist()
    starts = [i for i in range(len(dept)) if i == 0 or dept[i] != dept[i - 1] or day[i] != day[i - 1]]
    for a, b in zip(starts, starts[1:] + [len(dept)]):
        yield f"department={partition_name(dept[a])}/drop_date={partition_name(day[a])}", rows.slice(a, b - a)


def create_views(con: duckdb.DuckDBPyConnection, store: RawStore, tables: dict[str, list[tuple[str, str]]]) -> None:
    """raw.<table> in the DuckDB warehouse as a view over the table's Parquet files. A warehouse built before
    the raw layer moved to Parquet holds raw.<table> as a base table: its rows are written out once, first."""
    con.execute("create schema if not exists raw")
    kinds = dict(con.execute(
        "select table_name, table_type from information_schema.tables where table_schema = 'raw'").fetchall())
    for table, columns in tables.items():
        if kinds.get(table) == "BASE TABLE":
            _migrate_base_table(con, store, table, columns)
        con.execute(f"create or replace view raw.{quote_identifier(table)} as {store.relation_sql(table, columns)}")


def _migrate_base_table(con, store: RawStore, table: str, columns: list[tuple[str, str]]) -> None:
    existing = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
        [table]).fetchall()}
    select = ", ".join(
        f"cast({quote_identifier(n) if n in existing else 'null'} as {t}) as {quote_identifier(n)}" for n, t in columns)
    rows = con.sql(f"select {select} from raw.{quote_identifier(table)}").to_arrow_table().cast(arrow_schema(columns))
    store.write_batch(f"migrated-{table}", [(table, rows)])
    con.execute(f"drop table raw.{quote_identifier(table)}")
