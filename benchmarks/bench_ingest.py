"""Ingestion benchmark: N penalty rows as mixed CSV (UTF-8, UTF-8 with BOM, GBK) and a few XLSX files in a
temporary drops tree, then

  1. ingest_drops() into a fresh raw layer (hashing, decoding, header detection, parsing, Parquet writes, ledger);
  2. the floor: DuckDB alone, read_csv(all_varchar=true) of the same CSV files into a table (GBK files are
     transcoded to a UTF-8 copy before the clock starts).

    python benchmarks/bench_ingest.py --rows 1000000

Prints rows/s for both and the ratio. The tree lives in a temporary folder removed at the end (--keep to
keep it). With --realistic N it also times ingest_drops on N records of the realistic sample generator
(dagster_project.sample: hundreds of small files, title rows, 2016 layouts, bad files), where there is no
DuckDB-alone floor to compare with (title rows and mixed headers are exactly what read_csv cannot take).
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dagster_project.ingest import ingest_drops  # noqa: E402
from ingest_fixtures import columns, fake_row, labels, write_xlsx  # noqa: E402

POOL = 2000  # distinct template rows; each written row gets its own number, name and decision number


def _rows(n: int, start: int, pool: list[list[str]], cols: list[str]) -> list[list[str]]:
    i_name, i_no, i_uscc = cols.index("party_name"), cols.index("decision_no"), cols.index("uscc")
    out = []
    for k in range(start, start + n):
        row = list(pool[k % len(pool)])
        row[i_name] = f"{row[i_name]}{k}"
        row[i_no] = f"连市监罚〔2026〕{k}号"
        row[i_uscc] = f"91210200{k % 10**9:09d}X"
        out.append(row)
    return out


def generate(root: Path, total: int, seed: int = 7) -> tuple[list[Path], int]:
    """Write the drops tree; returns (csv files, rows written)."""
    rng = random.Random(seed)
    cols = columns("penalty")
    header = labels("penalty")
    pool = [[r[c] for c in cols] for r in (fake_row("penalty", i, rng) for i in range(POOL))]
    xlsx_rows = min(5000, max(1, total // 100))
    n_xlsx = 3 if total >= 3 * xlsx_rows * 10 else 1
    csv_total = total - n_xlsx * xlsx_rows
    n_csv = max(1, min(10, csv_total // 50_000 or 1))
    encodings = ["utf-8", "gbk", "utf-8-sig", "gbk", "utf-8"]
    files: list[Path] = []
    written = 0
    per = csv_total // n_csv
    for f in range(n_csv):
        n = per if f < n_csv - 1 else csv_total - per * (n_csv - 1)
        enc = encodings[f % len(encodings)]
        dept = ["scjgj", "swj", "sthjj", "zjj"][f % 4]
        day = f"2026-11-{1 + f % 5:02d}"
        path = root / dept / day / f"行政处罚_{f:02d}_{enc}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding=enc, newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(header)
            step = 100_000
            for s in range(0, n, step):
                w.writerows(_rows(min(step, n - s), written + s, pool, cols))
        written += n
        files.append(path)
    for x in range(n_xlsx):
        path = root / "scjgj" / "2026-11-06" / f"处罚公示_{x}.xlsx"
        rows = [["大连市市场监督管理局行政处罚信息公示表"], header] + _rows(xlsx_rows, written, pool, cols)
        write_xlsx(path, {"行政处罚": rows})
        written += xlsx_rows
    return files, written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary tree")
    ap.add_argument("--tmp", default=None, help="where to put the temporary tree")
    ap.add_argument("--realistic", type=int, default=0, metavar="N",
                    help="also time N records of dagster_project.sample's realistic drops")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_", dir=args.tmp))
    try:
        drops = tmp / "drops"
        t0 = time.perf_counter()
        csv_files, total = generate(drops, args.rows)
        gen_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in drops.rglob("*") if p.is_file())
        print(f"generated {total:,} rows in {len(list(drops.rglob('*.*')))} files ({size / 1e6:.0f} MB) in {gen_s:.1f}s")

        con = duckdb.connect(str(tmp / "ingest.duckdb"))
        t0 = time.perf_counter()
        result = ingest_drops(con, drops, tmp / "ingest.raw")
        ingest_s = time.perf_counter() - t0
        con.close()
        print(result.summary_line())
        assert result.rows_loaded == total, (result.rows_loaded, total)

        # the floor: DuckDB's own CSV reader, UTF-8 copies of the same files
        utf8_dir = tmp / "utf8"
        utf8_dir.mkdir()
        floor_files = []
        for k, p in enumerate(csv_files):
            raw = p.read_bytes()
            try:
                raw.decode("utf-8")
                floor_files.append(str(p))
            except UnicodeDecodeError:
                q = utf8_dir / f"{k}.csv"
                q.write_bytes(raw.decode("gb18030").encode("utf-8"))
                floor_files.append(str(q))
        con = duckdb.connect(str(tmp / "floor.duckdb"))
        t0 = time.perf_counter()
        con.execute(
            "CREATE TABLE floor AS SELECT * FROM read_csv(?, all_varchar = true, header = true, union_by_name = true)",
            [floor_files],
        )
        floor_s = time.perf_counter() - t0
        csv_rows = con.execute("SELECT count(*) FROM floor").fetchone()[0]
        con.close()

        cpu = "?"
        try:
            for line in open("/proc/cpuinfo", encoding="utf-8"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        print(f"machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, duckdb {duckdb.__version__}")
        print(f"ingest_drops : {total:>10,} rows in {ingest_s:6.2f}s = {total / ingest_s:>10,.0f} rows/s (CSV + XLSX)")
        print(f"duckdb floor : {csv_rows:>10,} rows in {floor_s:6.2f}s = {csv_rows / floor_s:>10,.0f} rows/s (CSV only, read_csv all_varchar)")
        print(f"ratio        : ingest takes {ingest_s / floor_s * csv_rows / total:.2f}x the floor's time per row")
        if args.realistic:
            from dagster_project.sample import generate_sample

            sample_dir = tmp / "sample"
            t0 = time.perf_counter()
            generate_sample(sample_dir, records=args.realistic, seed=7)
            gen_s = time.perf_counter() - t0
            con = duckdb.connect(str(tmp / "sample.duckdb"))
            t0 = time.perf_counter()
            res = ingest_drops(con, sample_dir, tmp / "sample.raw")
            s_s = time.perf_counter() - t0
            con.close()
            print(f"realistic    : {res.rows_read:>10,} rows in {res.files_seen} files in {s_s:6.2f}s = "
                  f"{res.rows_read / s_s:>10,.0f} rows/s (generated in {gen_s:.1f}s)")
            print(res.summary_line())
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
