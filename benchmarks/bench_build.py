"""Build benchmark: the whole nightly build (`credit run`: ingest -> dbt -> gates -> publish) on N records of
the realistic sample drops, against a DuckDB-alone floor measured in the same run.

    python benchmarks/bench_build.py [--records 1000000] [--workdir DIR] [--keep] [--json OUT]
    python benchmarks/bench_build.py --records 10000000 --baseline 1m.json   # the 10M case (its night too)
    python benchmarks/bench_build.py --records 100000 --full-only --engine spark          # dbt on local Spark

Stages, each in its own fresh subprocess so that time and peak memory are per stage:

  generate     generate_sample(N, bad_files=True) (above 2M records: several calls over consecutive date
               ranges, see generate()); the latest drop dates holding >= 1% of the rows are moved to
               drops_tonight/, the rest is drops_base/                   (set-up, not a measurement)
  warm-up      `credit run` building a new 200-record warehouse, its last drop date held back (pyc, dbt
               manifest; a new warehouse's first night also parses the whole dbt project and loads the
               seeds)                                                     (set-up, reported, not judged)
  overhead     that drop date arriving as the warehouse's next night: the fixed cost of any night (Python +
               Dagster start, dbt start and partial parse, dbt tests, GX import and gates, publish)
  floor        DuckDB alone reading the base drop files into tables: read_csv(all_varchar) over the CSVs
               (GBK files transcoded to UTF-8 copies before the clock starts; header names given from
               the sample manifest) plus python-calamine reading the xlsx sheets into DuckDB
  full         `credit run --drops drops_base` into a fresh warehouse
  incremental  tonight's folders added to drops_base, `credit run` again on the same warehouse
  rebuild      `credit run` on base+tonight into a fresh warehouse (what a night costs without incrementality)
               (--full-only skips incremental and rebuild; --baseline FILE compares the full build's seconds
               per million rows beyond the fixed overhead, and the night, with a smaller run's --json: the
               1M -> 10M targets)

Every target of issue 20 is printed PASS or MISS, or [----] with what a run must include to judge it
(the 10M targets need --records 10000000 and --baseline; the night's targets need a run without --full-only).

--code DIR benchmarks the build code in DIR instead of this checkout (same venv): useful when others are
editing the checkout, e.g.  git archive HEAD | tar -x -C /tmp/credit_snap; git rev-parse --short HEAD >
/tmp/credit_snap/.commit  then  --code /tmp/credit_snap

Peak memory: the process tree (the Dagster process and the dbt subprocess it starts) is sampled every
0.1 s from /proc and the RSS of all its processes summed ("tree peak"); os.wait4() on the stage's process
also gives the largest single process's exact peak ("max proc"). The "other CPUs" column is the CPU time
other processes on the machine used during the stage (system busy time minus the stage's own), in CPUs:
anything well above 0 means the figures are contaminated by a loaded machine.

Run by hand, never in the test suite. Nothing tracked in the repository is written (dbt writes its
target/ and logs/ as in any run); drops and warehouses go under --workdir (default: a temporary folder,
removed at the end unless --keep). Figures of the reference machine: benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the build code under test: this checkout, or (--code) another copy of it, e.g. a `git archive` snapshot
CODE = Path(os.environ.get("CREDIT_BENCH_CODE", str(ROOT))).resolve()
sys.path.insert(0, str(CODE))

TINY_RECORDS = 200
ENGINE = "duckdb"  # --engine
# generate_sample's own default period; above GEN_CHUNK records one call fails ("not enough distinct company
# names", between 2M and 3M), so larger samples are made of several calls over consecutive date ranges
GEN_START, GEN_END = date(2025, 11, 1), date(2026, 11, 20)
GEN_CHUNK = 2_000_000
TONIGHT_SHARE = 0.01
SEED = 7
# a fixed key for hashing natural persons, so every build of the benchmark links the same people
BENCH_PERSON_KEY = "b" * 64
# issue 20's targets (2 cores, 24 GB), each printed PASS/MISS, or [----] with why a run of this size cannot judge it
TARGET_OVERHEAD_SECONDS = 15.0   # fixed overhead: a 200-record night <= 15 s
TARGET_FLOOR_FACTOR = 5.0        # full build <= 5 x floor + fixed overhead
LARGE_RECORDS = 10_000_000       # the "10M" targets apply from this size
TARGET_INCREMENTAL_SHARE = 0.15  # incremental night (+1%) <= 15 % of a full build of the same data (1M) ...
TARGET_INCREMENTAL_SHARE_LARGE = 0.10  # ... and <= 10 % at 10M
TARGET_NIGHT_GROWTH = 3.0        # the 10M night <= 3 x the 1M night (--baseline with an incremental night)
TARGET_LARGE_FULL_SECONDS = 8 * 60  # full build at 10M <= 8 min
TARGET_PEAK_BYTES = 4 * 1024**3  # peak memory of the build's process tree < 4 GiB (MB in the table = MiB)
TARGET_PER_RECORD_GROWTH = 0.20  # full build time per record at 10M <= 1.2 x that at 1M (--baseline)


# --------------------------------------------------------------------------- machine and timing helpers
# (benchmarks/bench_ingest.py prints the same machine line inline in its main(); it has no importable helper)

def machine_info() -> dict:
    import duckdb

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for key, dist in (("dagster", "dagster"), ("dbt", "dbt-core"), ("great_expectations", "great_expectations")):
        try:
            versions[key] = version(dist)
        except PackageNotFoundError:
            pass
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(_meminfo_total() / 1024**3, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        **versions,
        "credit_duckdb_memory_limit": os.environ.get("CREDIT_DUCKDB_MEMORY_LIMIT") or f"{_default_memory_limit()} (default)",
        "loadavg_start": list(os.getloadavg()),
        "git": _git_state(),
    }


def _default_memory_limit() -> str:
    try:
        from dagster_project.settings import DEFAULT_DUCKDB_MEMORY_LIMIT

        return DEFAULT_DUCKDB_MEMORY_LIMIT
    except ImportError:
        return "?"


def _git_state() -> str:
    try:
        if not (CODE / ".git").exists():
            # e.g. `git archive HEAD | tar -x -C DIR`: the archive's tar header names its commit
            commit = (CODE / ".commit").read_text().strip() if (CODE / ".commit").exists() else "?"
            return f"{CODE} (not a git checkout; .commit says {commit})"
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=CODE, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "dagster_project", "dbt_credit", "expectations"],
                               cwd=CODE, capture_output=True, text=True, timeout=10).stdout.strip()
        return head + (f" + {len(dirty.splitlines())} uncommitted change(s) in the build's code" if dirty else "")
    except Exception:  # noqa: BLE001
        return "?"


def machine_line(m: dict) -> str:
    return (f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, "
            f"duckdb {m['duckdb']}, dagster {m.get('dagster', '?')}, dbt {m.get('dbt', '?')}, "
            f"GX {m.get('great_expectations', '?')}; CREDIT_DUCKDB_MEMORY_LIMIT={m['credit_duckdb_memory_limit']}; "
            f"{m['date']}; git {m['git']}")


# Linux only, straight from /proc (no dependency beyond the standard library): the benchmark already
# relies on Linux for ru_maxrss in kB and os.wait4.
_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _meminfo_total() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all CPUs; idle and iowait excluded)."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already counted in user)
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)) / _TICK


def _process_table() -> dict[int, int]:
    """pid -> parent pid for every process now."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
                out[int(entry)] = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    return out


def _descendants(root: int) -> list[int]:
    parent = _process_table()
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


def _cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()


@dataclass
class Measured:
    """One stage run as a subprocess."""
    name: str
    cmd: list[str]
    seconds: float = 0.0
    returncode: int = 0
    tree_peak_bytes: int = 0           # sampled sum of RSS over the process tree
    max_proc_bytes: int = 0            # exact peak of the largest single process (wait4 ru_maxrss)
    cpu_seconds: float = 0.0           # user + system of the tree
    other_cpus: float = 0.0            # CPUs busy with other processes during the stage, on average
    stdout: str = ""
    stderr: str = ""
    children: list[dict] = field(default_factory=list)   # every descendant seen: pid, cmd, start, end (s)
    rows: int = 0
    extra: dict = field(default_factory=dict)


class TreeSampler(threading.Thread):
    """Samples the RSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int, t0: float, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.t0, self.interval = pid, t0, interval
        self.peak = 0
        self.seen: dict[int, dict] = {}
        self._stop_evt = threading.Event()

    def run(self) -> None:
        while not self._stop_evt.is_set():
            now = time.perf_counter() - self.t0
            total = 0
            for pid in _descendants(self.pid):
                try:
                    total += _rss(pid)
                    if pid != self.pid:
                        rec = self.seen.get(pid)
                        if rec is None:
                            rec = self.seen[pid] = {"pid": pid, "cmd": _cmdline(pid)[:300], "start": now, "end": now}
                        rec["end"] = now
                except (OSError, ValueError, IndexError):
                    pass          # the process ended between the listing and the read
            self.peak = max(self.peak, total)
            self._stop_evt.wait(self.interval)

    def stop(self) -> None:
        self._stop_evt.set()
        self.join(timeout=5)


def run_measured(name: str, cmd: list[str], *, env: dict | None = None, cwd: Path = CODE,
                 stdout_file: Path | None = None) -> Measured:
    """Run cmd as a subprocess; wall time, peak RSS of its process tree, CPU of others meanwhile."""
    m = Measured(name=name, cmd=cmd)
    out_path = stdout_file or Path(tempfile.mkstemp(prefix=f"bench_{name}_", suffix=".out")[1])
    err_path = Path(str(out_path) + ".err")
    busy0 = _busy_cpu_seconds()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid, t0)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        m.seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
    busy = _busy_cpu_seconds() - busy0
    m.returncode = proc.returncode
    m.max_proc_bytes = usage.ru_maxrss * 1024          # kB on Linux
    m.tree_peak_bytes = max(sampler.peak, m.max_proc_bytes)
    m.cpu_seconds = usage.ru_utime + usage.ru_stime
    m.other_cpus = max(0.0, (busy - m.cpu_seconds) / m.seconds) if m.seconds else 0.0
    m.children = sorted(sampler.seen.values(), key=lambda r: r["start"])
    m.stdout = out_path.read_text(encoding="utf-8", errors="replace")
    m.stderr = err_path.read_text(encoding="utf-8", errors="replace")
    if stdout_file is None:
        out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return m


# --------------------------------------------------------------------------- stages run in child processes

def stage_generate(out: Path, records: int, seed: int, start: date, end: date) -> None:
    """Child: write the sample drops (generate_sample holds its rows as numpy arrays: ~1 GB per 1M records)."""
    from dagster_project.sample import generate_sample

    t0 = time.perf_counter()
    m = generate_sample(out, records, seed, start=start, end=end, bad_files=True)
    print(json.dumps({"seconds": time.perf_counter() - t0, "files": len(m.files), "bad_files": len(m.bad_files)}))


def stage_floor(plan_path: Path) -> None:
    """Child: DuckDB alone reads the planned files into floor_<dataset> tables. Prints timings as JSON."""
    import duckdb
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    con = duckdb.connect(plan["database"])
    for ds, cols in plan["tables"].items():
        con.execute(f"create table floor_{ds} ({', '.join(f'{c} varchar' for c in cols)})")
    t0 = time.perf_counter()
    for g in plan["csv_groups"]:
        con.execute(
            f"insert into floor_{g['dataset']} by name select * from read_csv(?, header = true, skip = ?, "
            "all_varchar = true, names = ?, delim = ',', quote = '\"', escape = '\"')",
            [g["files"], g["skip"], g["columns"]],
        )
    t_csv = time.perf_counter() - t0

    def text(v):
        return None if v is None or v == "" else str(v)

    t1 = time.perf_counter()
    for x in plan["xlsx"]:
        wb = CalamineWorkbook.from_path(x["path"])
        for sh in x["sheets"]:
            sheet = wb.get_sheet_by_name(sh["name"]) if sh["name"] else wb.get_sheet_by_index(0)
            data = sheet.to_python(skip_empty_area=False)[sh["header_row"] + 1:]
            n = len(sh["columns"])
            cols = {c: pa.array([text(r[j]) if j < len(r) else None for r in data], pa.string())
                    for j, c in enumerate(sh["columns"][:n])}
            tbl = pa.table(cols)  # noqa: F841 — read by DuckDB's replacement scan below
            con.execute(f"insert into floor_{sh['dataset']} by name select * from tbl")
    t_xlsx = time.perf_counter() - t1
    seconds = time.perf_counter() - t0
    counts = {ds: con.execute(f"select count(*) from floor_{ds}").fetchone()[0] for ds in plan["tables"]}
    con.close()
    print(json.dumps({"seconds": seconds, "csv_seconds": t_csv, "xlsx_seconds": t_xlsx, "rows": counts}))


# --------------------------------------------------------------------------- set-up in the parent

def _generate_one(out: Path, records: int, seed: int, start: date, end: date) -> tuple[dict, Measured]:
    m = run_measured(f"generate {records:,}", [sys.executable, __file__, "--stage", "generate", str(out),
                                                str(records), str(seed), start.isoformat(), end.isoformat()],
                     env=_env())
    if m.returncode != 0:
        sys.exit(f"generate_sample failed:\n{m.stderr[-3000:]}")
    return json.loads((out / ".sample_manifest.json").read_text(encoding="utf-8")), m


def generate(out: Path, records: int, seed: int) -> tuple[dict, Measured]:
    """The sample drops under out/; returns (manifest as a dict: files, end, chunks; the generation measured).

    Up to GEN_CHUNK records: one generate_sample call over its default year. Above: k calls (seeds seed+i)
    over k consecutive date ranges of that year, their folders moved into out/ (drop-date folders never
    collide; a bad file's odd folder or name that does gets a _c<i> suffix). Same rows per day as one call
    would give; entities and resubmissions do not cross chunk boundaries."""
    k = -(-records // GEN_CHUNK)
    if k == 1:
        manifest, m = _generate_one(out, records, seed, GEN_START, GEN_END)
        manifest["chunks"] = 1
        return manifest, m
    days = (GEN_END - GEN_START).days + 1
    files: list[dict] = []
    total = Measured(name=f"generate {records:,} in {k} chunks", cmd=[])
    out.mkdir(parents=True, exist_ok=True)
    for i in range(k):
        start = GEN_START + timedelta(days=days * i // k)
        end = GEN_START + timedelta(days=days * (i + 1) // k - 1)
        n = records * (i + 1) // k - records * i // k
        chunk = out.parent / f"{out.name}.chunk{i}"
        print(f"  [{datetime.now():%H:%M:%S}] chunk {i + 1}/{k}: {n:,} records, drops {start} .. {end}", flush=True)
        man, m = _generate_one(chunk, n, seed + i, start, end)
        total.seconds += m.seconds
        total.cpu_seconds += m.cpu_seconds
        total.max_proc_bytes = max(total.max_proc_bytes, m.max_proc_bytes)
        total.tree_peak_bytes = max(total.tree_peak_bytes, m.tree_peak_bytes)
        good = {f["path"] for f in man["files"]}
        for path in sorted(chunk.rglob("*")):
            if not path.is_file() or path.parent == chunk:      # the chunk's own manifest files stay behind
                continue
            rel = path.relative_to(chunk).as_posix()
            dest = out / rel
            if dest.exists():
                if rel in good:
                    sys.exit(f"chunks collide on {rel}")
                dest = dest.with_name(f"{dest.stem}_c{i}{dest.suffix}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            path.rename(dest)
        files += man["files"]
        shutil.rmtree(chunk, ignore_errors=True)
    return {"files": files, "end": GEN_END.isoformat(), "chunks": k}, total


def split_tonight(gen: Path, tonight: Path, manifest: dict) -> dict:
    """Move the folders of the latest drop dates (>= 1% of the rows) from gen/ to tonight/."""
    by_date: dict[str, int] = {}
    for f in manifest["files"]:
        by_date[f["drop_date"]] = by_date.get(f["drop_date"], 0) + f["rows"]
    total = sum(by_date.values())
    dates: list[str] = []
    rows = 0
    # folder names that are dates (a bad drop may sit in a folder like 新建文件夹: it stays in the base)
    folders = {p.name for p in gen.glob("*/*") if p.is_dir() and _ISO_DATE.match(p.name)}
    all_dates = sorted(folders | set(by_date), reverse=True)
    for d in all_dates:
        if rows >= TONIGHT_SHARE * total:
            break
        dates.append(d)
        rows += by_date.get(d, 0)
    moved = 0
    for folder in sorted(gen.glob("*/*")):
        if folder.is_dir() and folder.name in dates:
            dest = tonight / folder.parent.name / folder.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), str(dest))
            moved += 1
    base_dates = [d for d in all_dates if d not in dates]
    return {"tonight_dates": sorted(dates), "tonight_rows": rows, "base_rows": total - rows, "total_rows": total,
            "tonight_folders": moved, "base_as_of": max(base_dates), "tonight_as_of": max(dates)}


def merge_tonight(tonight: Path, base: Path) -> None:
    for folder in sorted(tonight.glob("*/*")):
        dest = base / folder.parent.name / folder.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, dest)


def floor_plan(drops: Path, manifest: dict, tonight_dates: set[str], utf8_dir: Path, database: Path) -> tuple[dict, int]:
    """Groups of same-layout CSV files (GBK ones transcoded now, before any clock) and the xlsx sheets."""
    groups: dict[tuple, dict] = {}
    xlsx: list[dict] = []
    tables: dict[str, list[str]] = {}
    rows = 0
    utf8_dir.mkdir(parents=True, exist_ok=True)
    for k, f in enumerate(manifest["files"]):
        if f["drop_date"] in tonight_dates:
            continue
        rows += f["rows"]
        path = drops / f["path"]
        for sh in f["sheets"]:
            cols = tables.setdefault(sh["dataset"], [])
            cols += [c for c in sh["columns"] if c not in cols]
        if f["format"] == "xlsx":
            xlsx.append({"path": str(path), "sheets": [
                {"name": sh["name"], "dataset": sh["dataset"], "header_row": sh["header_row"], "columns": sh["columns"]}
                for sh in f["sheets"]]})
            continue
        sh = f["sheets"][0]
        if f["encoding"] not in ("utf-8", "utf-8-sig"):
            q = utf8_dir / f"{k}.csv"
            with open(path, "rb") as src:
                q.write_bytes(src.read().decode(f["encoding"]).encode("utf-8"))
            path = q
        key = (sh["dataset"], sh["header_row"], tuple(sh["columns"]))
        g = groups.setdefault(key, {"dataset": sh["dataset"], "skip": sh["header_row"], "columns": sh["columns"],
                                    "files": []})
        g["files"].append(str(path))
    return {"database": str(database), "tables": tables, "csv_groups": list(groups.values()), "xlsx": xlsx}, rows


def _env() -> dict:
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)          # an ephemeral Dagster instance, as `credit run` from cron
    env["CREDIT_PERSON_KEY"] = BENCH_PERSON_KEY
    env["CREDIT_BENCH_CODE"] = str(CODE)
    env["PYTHONPATH"] = str(CODE) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONWARNINGS"] = "ignore"
    env["CREDIT_ENGINE"] = ENGINE  # what runs dbt in every `credit run` of this benchmark (--engine)
    return env


def credit_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "credit"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dagster_project.cli"]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_NODE = re.compile(r"^\d+ of \d+ (OK created|OK loaded|PASS|WARN|ERROR|FAIL)\s+(.*?)\s+\.*\s*\[.*? in ([\d.]+)s\]")
_DBT_FINISHED = re.compile(r"Finished running .* \(([\d.]+)s\)")
_INGEST = re.compile(r"归集 ingest: (\S+) files loaded, (\S+) quarantined, (\S+) already loaded; rows (\S+) loaded, (\S+) rejected")


def credit_run(name: str, drops: Path, warehouse: Path, as_of: str, rows: int) -> Measured:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    cmd = credit_cmd() + ["run", "--drops", str(drops), "--warehouse", str(warehouse), "--as-of", as_of]
    print(f"  [{datetime.now():%H:%M:%S}] {name}: {' '.join(cmd[-7:])}", flush=True)
    m = run_measured(name, cmd, env=_env())
    m.rows = rows
    if m.returncode != 0:
        print(f"  !! {name} exited {m.returncode}\n{m.stdout[-2000:]}\n{m.stderr[-4000:]}", file=sys.stderr)
    ing = _INGEST.search(m.stdout)
    if ing:
        m.extra["ingest"] = dict(zip(("files_loaded", "files_quarantined", "files_already_loaded", "rows_loaded",
                                      "rows_rejected"), ing.groups()))
    log = re.search(r"日志 log: (.+)", m.stdout) or re.search(r"\(log: (.+?)\)", m.stderr)
    if log:
        m.extra["log_file"] = log.group(1).strip()
        m.extra.update(parse_dbt_log(Path(m.extra["log_file"])))
    m.extra["phases"] = phases(m)
    print(f"  [{datetime.now():%H:%M:%S}] {name}: {m.seconds:.1f}s, exit {m.returncode}, "
          f"tree peak {m.tree_peak_bytes / 2**20:,.0f} MB, other CPUs {m.other_cpus:.2f}", flush=True)
    return m


def parse_dbt_log(path: Path) -> dict:
    """dbt's per-node timings from the run's log file: models, seeds and tests."""
    if not path.exists():
        return {}
    nodes: list[tuple[str, str, float]] = []
    finished = None   # summed over every dbt invocation in the log
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = _ANSI.sub("", line)
        m = _DBT_NODE.match(line)
        if m:
            nodes.append((m.group(1), m.group(2), float(m.group(3))))
        f = _DBT_FINISHED.search(line)
        if f:
            finished = round((finished or 0.0) + float(f.group(1)), 2)
    models = sorted(((n, s) for kind, n, s in nodes if kind in ("OK created",)), key=lambda x: -x[1])
    tests = [s for kind, n, s in nodes if kind in ("PASS", "WARN", "FAIL", "ERROR") and "model" not in n]
    seeds = [s for kind, n, s in nodes if kind == "OK loaded"]
    return {"dbt_reported_seconds": finished, "dbt_models": [[n.split()[-1], s] for n, s in models],
            "dbt_models_seconds": sum(s for _, s in models), "dbt_tests_seconds": sum(tests), "dbt_tests": len(tests),
            "dbt_seeds_seconds": sum(seeds)}


def phases(m: Measured) -> dict:
    """Where the wall time went, from when the dbt subprocesses lived (sampled every 0.1 s)."""
    dbt = [c for c in m.children if "dbt" in c["cmd"]]
    build = [c for c in dbt if " build" in c["cmd"] or " run" in c["cmd"]]
    parse = [c for c in dbt if " parse" in c["cmd"]]
    if not build:
        return {}
    out = {"before_dbt": build[0]["start"], "dbt_build": sum(c["end"] - c["start"] for c in build),
           "after_dbt": m.seconds - max(c["end"] for c in build)}
    if len(build) > 1:
        out["dbt_invocations"] = len(build)
        out["between_dbt_invocations"] = max(c["end"] for c in build) - build[0]["start"] - out["dbt_build"]
    if parse:
        out["dbt_parse"] = sum(c["end"] - c["start"] for c in parse)
    return out


def run_floor(workdir: Path, drops: Path, manifest: dict, tonight_dates: set[str]) -> Measured:
    plan, rows = floor_plan(drops, manifest, tonight_dates, workdir / "floor_utf8", workdir / "floor.duckdb")
    (workdir / "floor.duckdb").unlink(missing_ok=True)
    plan_path = workdir / "floor_plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    print(f"  [{datetime.now():%H:%M:%S}] floor: {sum(len(g['files']) for g in plan['csv_groups'])} CSV files in "
          f"{len(plan['csv_groups'])} layouts + {len(plan['xlsx'])} xlsx", flush=True)
    m = run_measured("floor", [sys.executable, __file__, "--stage", "floor", str(plan_path)], env=_env())
    if m.returncode != 0:
        sys.exit(f"floor failed:\n{m.stderr[-3000:]}")
    res = json.loads(m.stdout.strip().splitlines()[-1])
    m.extra.update(res, process_seconds=m.seconds)
    m.seconds = res["seconds"]   # the DuckDB work only, not the child's Python start
    m.rows = sum(res["rows"].values())
    if m.rows != rows:
        print(f"  !! floor read {m.rows:,} rows, the manifest says {rows:,}", file=sys.stderr)
    print(f"  [{datetime.now():%H:%M:%S}] floor: {m.rows:,} rows in {m.seconds:.1f}s "
          f"(CSV {res['csv_seconds']:.1f}s, xlsx {res['xlsx_seconds']:.1f}s), other CPUs {m.other_cpus:.2f}", flush=True)
    shutil.rmtree(workdir / "floor_utf8", ignore_errors=True)
    (workdir / "floor.duckdb").unlink(missing_ok=True)
    return m


# --------------------------------------------------------------------------- report

def mb(n: int) -> str:
    return f"{n / 2**20:,.0f}"


def report(machine: dict, split: dict, gen: Measured, stages: dict[str, Measured], records: int,
           baseline: dict | None = None) -> dict:
    print()
    print(machine_line(machine))
    chunks = f" in {split['chunks']} generate_sample calls" if split.get("chunks", 1) > 1 else ""
    print(f"records: {records:,} generated{chunks} in {gen.seconds:.1f}s (generator peak {mb(gen.max_proc_bytes)} MB); "
          f"base {split['base_rows']:,} rows, tonight {split['tonight_rows']:,} rows "
          f"({split['tonight_rows'] / split['total_rows']:.1%}, drop dates {', '.join(split['tonight_dates'])}); "
          f"as-of {split['base_as_of']} then {split['tonight_as_of']}")
    print()
    hdr = f"{'stage':<34} {'seconds':>9} {'rows':>11} {'rows/s':>10} {'tree peak MB':>13} {'max proc MB':>12} {'other CPUs':>10}"
    print(hdr)
    print("-" * len(hdr))
    labels = {"warmup": f"warm-up ({TINY_RECORDS}-record warehouse, new)",
              "overhead": "fixed overhead (its next night)",
              "floor": "floor: DuckDB read_csv + calamine",
              "full": "full build (base)",
              "incremental": "incremental night (+tonight)",
              "rebuild": "full rebuild (base+tonight)"}
    for key, m in stages.items():
        rate = f"{m.rows / m.seconds:,.0f}" if m.seconds and m.rows else "-"
        flag = "" if m.returncode == 0 else f"  FAILED (exit {m.returncode})"
        print(f"{labels.get(key, key):<34} {m.seconds:>9.1f} {m.rows:>11,} {rate:>10} {mb(m.tree_peak_bytes):>13} "
              f"{mb(m.max_proc_bytes):>12} {m.other_cpus:>10.2f}{flag}")
    print()
    for key in ("warmup", "overhead", "full", "incremental", "rebuild"):
        m = stages.get(key)
        if not m:
            continue
        ph, ing = m.extra.get("phases", {}), m.extra.get("ingest", {})
        parts = [f"{k.replace('_', ' ')} {v}" if isinstance(v, int) else f"{k.replace('_', ' ')} {v:.1f}s"
                 for k, v in ph.items()]
        print(f"{labels[key]}: {', '.join(parts) or 'no phase data'}"
              + (f"; ingest: {ing.get('files_loaded')} files loaded, {ing.get('files_already_loaded')} already, "
                 f"{ing.get('rows_loaded')} rows loaded, {ing.get('rows_rejected')} rejected" if ing else ""))
        if m.extra.get("dbt_models"):
            top = ", ".join(f"{n} {s:.1f}s" for n, s in m.extra["dbt_models"][:6])
            print(f"    dbt (its own count {m.extra.get('dbt_reported_seconds')}s): models {m.extra['dbt_models_seconds']:.1f}s "
                  f"[{top}], {m.extra['dbt_tests']} tests {m.extra['dbt_tests_seconds']:.1f}s, "
                  f"seeds {m.extra['dbt_seeds_seconds']:.1f}s (node times summed over 2 threads)")
    print()
    fl, full, inc, reb, ovh = (stages.get(k) for k in ("floor", "full", "incremental", "rebuild", "overhead"))
    verdicts = {}
    budget = TARGET_FLOOR_FACTOR * fl.seconds + ovh.seconds
    ok = full.returncode == 0 and full.seconds <= budget
    verdicts["full_vs_floor"] = {
        "pass": ok, "full_s": full.seconds, "floor_s": fl.seconds, "overhead_s": ovh.seconds, "budget_s": budget,
        "ratio_full_over_floor": full.seconds / fl.seconds,
        "ratio_variable_part": (full.seconds - ovh.seconds) / fl.seconds}
    print(f"full build / floor          : {full.seconds / fl.seconds:6.1f}x  "
          f"((full - overhead) / floor = {(full.seconds - ovh.seconds) / fl.seconds:.1f}x)")
    if inc and reb:
        print(f"incremental / full rebuild  : {inc.seconds / reb.seconds:6.1%}  "
              f"(incremental / full build of base = {inc.seconds / full.seconds:.1%}; without the fixed overhead "
              f"{max(0.0, inc.seconds - ovh.seconds) / max(1e-9, reb.seconds - ovh.seconds):.1%})")
    print(f"fixed overhead per run      : {ovh.seconds:6.1f}s")
    print()
    def verdict(ok: bool | None, text: str) -> None:
        print(f"[{'----' if ok is None else 'PASS' if ok else 'MISS'}] {text}")

    ok = ovh.returncode == 0 and ovh.seconds <= TARGET_OVERHEAD_SECONDS
    verdicts["fixed_overhead"] = {"pass": ok, "overhead_s": ovh.seconds, "target_s": TARGET_OVERHEAD_SECONDS}
    verdict(ok, f"fixed overhead {ovh.seconds:.1f}s <= {TARGET_OVERHEAD_SECONDS:g}s ({TINY_RECORDS}-record night)")
    verdict(verdicts["full_vs_floor"]["pass"], f"full build {full.seconds:.1f}s <= {TARGET_FLOOR_FACTOR:g} x floor "
            f"{fl.seconds:.1f}s + overhead {ovh.seconds:.1f}s = {budget:.1f}s")
    large = records >= LARGE_RECORDS
    share = TARGET_INCREMENTAL_SHARE_LARGE if large else TARGET_INCREMENTAL_SHARE
    if inc and reb:
        ok = inc.returncode == 0 and reb.returncode == 0 and inc.seconds <= share * reb.seconds
        variable = max(0.0, inc.seconds - ovh.seconds) / max(1e-9, reb.seconds - ovh.seconds)
        verdicts["incremental"] = {"pass": ok, "incremental_s": inc.seconds, "rebuild_s": reb.seconds, "target_share": share,
                                   "share": inc.seconds / reb.seconds, "share_without_overhead": variable}
        verdict(ok, f"incremental night {inc.seconds:.1f}s <= {share:.0%} of a full build of the same drops "
                f"{reb.seconds:.1f}s = {share * reb.seconds:.1f}s ({'10M' if large else '1M'} target)")
        print(f"       (beyond the fixed overhead both pay: {inc.seconds - ovh.seconds:.1f}s vs "
              f"{reb.seconds - ovh.seconds:.1f}s = {variable:.1%}; "
              f"{'PASS' if variable <= share else 'MISS'} on that reading)")
    else:
        verdict(None, f"incremental night <= {share:.0%} of a rebuild: not measured (--full-only)")
    b_inc = (baseline or {}).get("verdicts", {}).get("incremental") or {}
    if not large:
        verdict(None, f"10M night <= {TARGET_NIGHT_GROWTH:g} x the 1M night: a {LARGE_RECORDS:,}-record run judges it "
                "(--baseline with this run's --json)")
    elif inc and b_inc.get("incremental_s"):
        growth = inc.seconds / b_inc["incremental_s"]
        ok = inc.returncode == 0 and growth <= TARGET_NIGHT_GROWTH
        verdicts["night_growth"] = {"pass": ok, "growth": growth, "baseline_incremental_s": b_inc["incremental_s"]}
        verdict(ok, f"incremental night {inc.seconds:.1f}s = {growth:.2f} x the baseline's {b_inc['incremental_s']:.1f}s "
                f"(target <= {TARGET_NIGHT_GROWTH:g}x)")
    else:
        verdict(None, f"10M night <= {TARGET_NIGHT_GROWTH:g} x the 1M night: needs this run's incremental night and a "
                "--baseline whose run measured one")
    if large:
        ok = full.returncode == 0 and full.seconds <= TARGET_LARGE_FULL_SECONDS
        verdicts["large_full"] = {"pass": ok, "full_s": full.seconds, "target_s": TARGET_LARGE_FULL_SECONDS}
        verdict(ok, f"full build {full.seconds / 60:.1f} min <= {TARGET_LARGE_FULL_SECONDS / 60:g} min at {records:,} records")
    else:
        verdict(None, f"full build <= {TARGET_LARGE_FULL_SECONDS / 60:g} min at 10M: a {LARGE_RECORDS:,}-record run judges it")
    per_record = max(0.0, full.seconds - ovh.seconds) / max(1, full.rows)
    verdicts["per_record"] = {"records": records, "rows": full.rows, "seconds_per_million_rows": per_record * 1e6}
    print(f"       full build beyond the fixed overhead: {per_record * 1e6:.1f}s per million rows")
    b = (baseline or {}).get("verdicts", {}).get("per_record") or {}
    if b.get("seconds_per_million_rows"):
        growth = per_record * 1e6 / b["seconds_per_million_rows"] - 1
        ok = full.returncode == 0 and growth <= TARGET_PER_RECORD_GROWTH   # a failed build passes nothing
        verdicts["per_record"].update({"baseline_records": b.get("records"), "growth": growth, "pass": ok})
        verdict(ok, f"time per record grew {growth:+.1%} from {b.get('records'):,} records "
                f"({b['seconds_per_million_rows']:.1f}s per million rows) to {records:,} "
                f"(target <= +{TARGET_PER_RECORD_GROWTH:.0%})")
    else:
        verdict(None, f"time per record grows <= +{TARGET_PER_RECORD_GROWTH:.0%} from 1M to 10M: needs --baseline "
                "(a smaller run's --json)")
    peak = max(m.tree_peak_bytes for m in (full, inc, reb) if m)
    ok = peak < TARGET_PEAK_BYTES and all(m.returncode == 0 for m in (full, inc, reb) if m)
    verdicts["peak_memory"] = {"pass": ok, "peak_bytes": peak}
    verdict(ok, f"peak memory of the build's process tree {peak / 2**30:.2f} GiB "
          f"({peak / 1e9:.2f} GB) < {TARGET_PEAK_BYTES / 2**30:.0f} GiB (largest of the builds)"
          + ("; NB over 4 GB decimal" if ok and peak >= 4e9 else ""))
    others = max(m.other_cpus for m in stages.values())
    loadavg = os.getloadavg()
    machine["loadavg_end"] = list(loadavg)
    if others > 0.25:
        print(f"NOTE: other processes used up to {others:.2f} of {machine['nproc']} CPUs during a stage "
              f"(load average now {loadavg[0]:.2f}): the figures are contaminated; re-run on a quiet machine.")
    return verdicts


# --------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=None, help="where drops and warehouses go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the drops, warehouses and logs")
    ap.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--code", type=Path, default=None,
                    help="benchmark the build code in this copy of the repository (default: this checkout)")
    ap.add_argument("--full-only", action="store_true",
                    help="floor and full build only, no incremental night or rebuild (the 10M case: ~3x shorter)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a --json file of a smaller run (e.g. 1M): print how time per record grew since")
    ap.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                    help="what runs the dbt models in every build (the floor is DuckDB alone either way)")
    ap.add_argument("--stage", nargs="+", help=argparse.SUPPRESS)   # internal: run one stage in this child
    args = ap.parse_args()
    global ENGINE
    ENGINE = args.engine

    if args.stage:
        if args.stage[0] == "generate":
            stage_generate(Path(args.stage[1]), int(args.stage[2]), int(args.stage[3]),
                           date.fromisoformat(args.stage[4]), date.fromisoformat(args.stage[5]))
        elif args.stage[0] == "floor":
            stage_floor(Path(args.stage[1]))
        return
    if args.code and args.code.resolve() != CODE:
        if not (args.code / "dagster_project" / "cli.py").exists():
            ap.error(f"--code {args.code}: no dagster_project/cli.py there")
        os.environ["CREDIT_BENCH_CODE"] = str(args.code.resolve())
        os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve())] + sys.argv[1:])
    if args.records < 200:
        ap.error("--records must be at least 200 (the tonight share is 1% of the drops)")

    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"bench_build_{args.records}_", dir=args.workdir))
    else:
        work = Path(tempfile.mkdtemp(prefix=f"bench_build_{args.records}_"))
    work = work.resolve()
    machine = machine_info()
    machine["engine"] = args.engine
    print(machine_line(machine) + f"; dbt engine: {args.engine}")
    print(f"workdir {work}")
    try:
        stages: dict[str, Measured] = {}
        # the fixed overhead is what a night pays on an existing warehouse, whatever it brings: a 200-record
        # warehouse is built (the warm-up: a new warehouse's first night also parses the whole dbt project and
        # loads the seeds), then its last drop date arrives as a night of its own
        tiny = work / "tiny"
        tiny_manifest, _ = generate(tiny / "drops", TINY_RECORDS, args.seed)
        tiny_split = split_tonight(tiny / "drops", tiny / "tonight", tiny_manifest)
        stages["warmup"] = credit_run("warmup", tiny / "drops", tiny / "w0" / "credit.duckdb",
                                      tiny_split["base_as_of"], tiny_split["base_rows"])
        merge_tonight(tiny / "tonight", tiny / "drops")
        stages["overhead"] = credit_run("overhead", tiny / "drops", tiny / "w0" / "credit.duckdb",
                                        tiny_split["tonight_as_of"], tiny_split["tonight_rows"])
        shutil.rmtree(tiny, ignore_errors=True)

        print(f"  [{datetime.now():%H:%M:%S}] generating {args.records:,} records ...", flush=True)
        base = work / "drops_base"
        tonight = work / "drops_tonight"
        manifest, gen = generate(base, args.records, args.seed)
        print(f"  [{datetime.now():%H:%M:%S}] generated in {gen.seconds:.1f}s, peak {mb(gen.max_proc_bytes)} MB", flush=True)
        split = split_tonight(base, tonight, manifest)
        split["chunks"] = manifest["chunks"]
        tonight_dates = set(split["tonight_dates"])

        stages["floor"] = run_floor(work, base, manifest, tonight_dates)
        stages["full"] = credit_run("full", base, work / "w_incr" / "credit.duckdb", split["base_as_of"],
                                    split["base_rows"])
        if not args.full_only:
            merge_tonight(tonight, base)
            stages["incremental"] = credit_run("incremental", base, work / "w_incr" / "credit.duckdb",
                                               split["tonight_as_of"], split["tonight_rows"])
            stages["rebuild"] = credit_run("rebuild", base, work / "w_full" / "credit.duckdb",
                                           split["tonight_as_of"], split["total_rows"])
        baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
        verdicts = report(machine, split, gen, stages, args.records, baseline)
        if args.json:
            args.json.write_text(json.dumps({
                "machine": machine, "records": args.records, "split": split,
                "generate": {"seconds": gen.seconds, "peak_bytes": gen.max_proc_bytes},
                "stages": {k: {kk: vv for kk, vv in asdict(m).items() if kk not in ("stdout", "stderr")}
                           for k, m in stages.items()},
                "verdicts": verdicts}, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            print(f"figures written to {args.json}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
