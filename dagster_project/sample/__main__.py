"""python -m dagster_project.sample --out DIR --records N [--seed S] [--start D] [--end D] [--no-bad-files]"""
from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from . import generate_sample


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dagster_project.sample", description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 1))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 20))
    ap.add_argument("--no-bad-files", action="store_true")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    m = generate_sample(a.out, a.records, a.seed, start=a.start, end=a.end, bad_files=not a.no_bad_files)
    print(f"{m.records} records in {len(m.files)} files (+{len(m.bad_files)} bad) -> {a.out} "
          f"in {time.perf_counter() - t:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
