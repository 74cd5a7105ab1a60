"""Layer 3 of `credit query` (see dagster_project/query/__init__.py) and the result writers: where --out may write
(never the warehouse's own files), writing through a temporary file, and the table / CSV / Parquet output."""
from __future__ import annotations

import csv
import datetime as _dt
import decimal
import json
import os
import unicodedata
from pathlib import Path

from dagster_project.errors import UserError
from .guard import _error_line, _execute, _finish


DEFAULT_MAX_ROWS = 200


MAX_CELL_WIDTH = 48


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def protected_paths(warehouse: Path, given: Path | None = None) -> list[Path]:
    """Every path `--out` may not equal or lie inside: the warehouse and everything the build keeps beside it
    (settings.py names them <warehouse>.<something>), by name and by where each link among them points; and
    $CREDIT_DROPS when set (a file written there would be loaded as a department's drop)."""
    from dagster_project.settings import (gate_docs_dir, history_dir, lock_path, person_key_path, raw_dir_path,
                                          work_db_path)

    found: list[Path] = []
    for w in {warehouse, *([given] if given is not None else [])}:
        named = [w, work_db_path(w), raw_dir_path(w), history_dir(w), person_key_path(w), lock_path(w),
                 gate_docs_dir(w), Path(str(w) + ".logs")]
        try:
            named += [p for p in w.parent.iterdir() if p.name.startswith(w.name + ".")]
        except OSError:
            pass
        for p in named:
            found += [p, Path(os.path.realpath(p))]
    drops = os.environ.get("CREDIT_DROPS")
    if drops:
        found += [Path(os.path.abspath(drops)), Path(os.path.realpath(drops))]
    return sorted(set(found))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _check_out(out: Path, warehouse: Path, *, force: bool = False, given: Path | None = None) -> Path:
    """The file --out writes: its real path (symlinks followed), outside the warehouse's own files and folders,
    and new unless --force (then an existing regular file)."""
    target = Path(os.path.realpath(out))
    if target.is_dir():
        raise UserError(f"--out 是一个目录 / --out is a folder, expected a file: {out}")
    wh_names = {w.name + "." for w in (warehouse, given) if w is not None}
    wh_dirs = {w.parent for w in (warehouse, given) if w is not None}
    for candidate in (Path(os.path.abspath(out)), target):
        lexical = [candidate, *candidate.parents]
        if any(a.parent in wh_dirs and any(a.name.startswith(n) for n in wh_names) for a in lexical):
            raise UserError(f"--out 不能写入数据仓库自己的文件或目录 / --out would overwrite or write inside the "
                              f"warehouse's own files: {out}")
    for root in protected_paths(warehouse, given):
        if _inside(target, root) or _inside(Path(os.path.abspath(out)), root):
            raise UserError(f"--out 不能写入数据仓库自己的文件或目录 / --out would overwrite or write inside the "
                              f"warehouse's own files: {out} (-> {root})")
    if not target.parent.is_dir():
        raise UserError(f"输出目录不存在 / output folder not found: {target.parent}")
    if os.path.lexists(out) or os.path.lexists(target):
        if not force:
            raise UserError(f"--out 文件已存在，加 --force 才覆盖 / --out exists, not overwritten without --force: "
                              f"{out}")
        if os.path.lexists(target) and not target.is_file():
            raise UserError(f"--out 不是普通文件，不能覆盖 / --out is not a regular file, not overwritten: {out}")
    return target


def _write_atomically(out: Path, write, *, binary: bool = False):
    """Write through a temporary file beside ``out``, renamed into place only when the query succeeded."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        try:
            with (open(tmp, "xb") if binary else open(tmp, "x", encoding="utf-8", newline="")) as handle:
                result = write(handle)
            os.replace(tmp, out)
        except OSError as e:
            raise UserError(f"无法写出 / cannot write {out}: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return result


def run_table(con, sql: str, stream, *, max_rows: int | None = DEFAULT_MAX_ROWS) -> int:
    """Run one statement and print its result as an aligned table; returns the number of rows shown."""
    cur = _execute(con, sql)
    try:
        columns = [d[0] for d in cur.description] if cur.description else []
        limit = max_rows if max_rows is not None else None
        rows = cur.fetchall() if limit is None else cur.fetchmany(limit + 1)
        more = limit is not None and len(rows) > limit
        if more:
            rows = rows[:limit]
        if not columns or (columns == ["Success"] and not rows):  # USE, BEGIN, COMMIT …
            stream.write("OK\n")
            return 0
        stream.write(render_table(columns, rows))
        n = len(rows)
        if more:
            stream.write(f"(仅显示前 {n} 行 / first {n} rows shown; --max-rows N or --format csv for more)\n")
        else:
            stream.write(f"({n} 行 / {_rows(n)})\n")
        return n
    finally:
        _finish(con)


def write_csv(con, sql: str, stream) -> int:
    """Every row as CSV (UTF-8, header line); NULL is an empty field, lists/structs are JSON."""
    cur = _execute(con, sql)
    try:
        if cur.description is None:
            raise UserError("该语句没有结果集 / the statement returns no rows to write")
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([d[0] for d in cur.description])
        n = 0
        while True:
            chunk = cur.fetchmany(10_000)
            if not chunk:
                break
            writer.writerows([_csv_value(v) for v in row] for row in chunk)
            n += len(chunk)
        return n
    finally:
        _finish(con)


def write_parquet(con, sql: str, out: Path) -> int:
    import duckdb
    import pyarrow.parquet as pq

    try:
        rel = con.sql(sql)
        table = rel.to_arrow_table() if rel is not None else None
    except duckdb.Error as e:
        raise _error_line(e, sql) from None
    if table is None:
        raise UserError("该语句没有结果集 / the statement returns no rows to write")

    def write(handle):
        pq.write_table(table, handle)

    _write_atomically(out, write, binary=True)
    return table.num_rows


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v if isinstance(v, (str, int, float, decimal.Decimal)) else _cell(v)


def _cell(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat(sep=" ") if isinstance(v, _dt.datetime) else v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_cell(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_cell(x)}" for k, x in v.items()) + "}"
    text = str(v)
    return text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", " ")


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide/fullwidth characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _truncate(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out, width = [], 0
    for ch in text:
        w = display_width(ch)
        if width + w > limit - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def render_table(columns: list[str], rows: list[tuple], *, max_cell: int = MAX_CELL_WIDTH) -> str:
    """An aligned text table (CJK-width aware); numbers right-aligned."""
    cells = [[_truncate(_cell(v), max_cell) for v in row] for row in rows]
    heads = [_truncate(c, max_cell) for c in columns]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float, decimal.Decimal)) and not isinstance(r[i], bool)
                                  for r in rows if r[i] is not None) and any(r[i] is not None for r in rows)
               for i in range(len(columns))]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(heads)]
    lines = [" │ ".join(_pad(h, w, False) for h, w in zip(heads, widths)),
             "─┼─".join("─" * w for w in widths)]
    for r in cells:
        lines.append(" │ ".join(_pad(v, w, numeric[i]) for i, (v, w) in enumerate(zip(r, widths))))
    return "\n".join(line.rstrip() for line in lines) + "\n"
