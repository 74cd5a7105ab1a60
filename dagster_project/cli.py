"""`credit`: the headless way to run the same Dagster graph (cron, CI), and the tools around it.

Every failure a user can cause (a missing folder, a bad date, a failed gate) ends in one clear line on
stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import sys
import warnings
from datetime import date, datetime
from pathlib import Path

from dagster_project.engines import ENGINES

# the errors live in a leaf module (errors.py) so that the layers below the CLI can raise them; re-exported here
from dagster_project.errors import (  # noqa: F401
    EXIT_BUILD_FAILED, EXIT_BUSY, EXIT_USAGE, BuildBusy, BuildFailed, DiskFull, UserError,
)


# What a full disk looks like from here: Python's OSError (ENOSPC), DuckDB's IO errors, and either of them as
# the text of a failed step or of dbt's output (dbt runs as a subprocess).
_DISK_FULL_TEXT = re.compile(r"No space left on device|\[Errno 28\]|errno 28|Could not write", re.IGNORECASE)
_QUOTED_PATH = re.compile(r"""["'](/[^"']+)["']""")


def disk_full_path(text: str) -> str | None:
    """The path named in a disk-full error message ('' when it names none), or None when it is not one."""
    if not text or not _DISK_FULL_TEXT.search(text):
        return None
    found = _QUOTED_PATH.search(text)
    return found.group(1) if found else ""


def _disk_full_error(exc: BaseException, building: bool = True, where: Path | None = None) -> DiskFull | None:
    """A DiskFull for an exception (or one in its chain) that means the disk is full, else None. `where`: the
    folder to name (and measure) when the error names no file."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return exc
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return DiskFull(exc.filename and str(exc.filename), where=where, building=building)
        path = disk_full_path(str(exc))
        if path is not None:
            return DiskFull(path or None, where=where, building=building)
        exc = exc.__cause__ or exc.__context__
    return None


def _month_arg(value: str) -> str:
    try:
        date.fromisoformat(value + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM / month must be YYYY-MM, got {value!r}")
    return value


def _quarter_arg(value: str) -> str:
    if not re.fullmatch(r"\d{4}-Q[1-4]", value):
        raise argparse.ArgumentTypeError(f"季度格式应为 YYYY-Qn / quarter must be YYYY-Qn (2026-Q3), got {value!r}")
    return value


def _year_arg(value: str) -> str:
    if not re.fullmatch(r"\d{4}", value):
        raise argparse.ArgumentTypeError(f"年份格式应为 YYYY / year must be YYYY, got {value!r}")
    return value


def _date_arg(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD, got {value!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="credit", description="信用数据仓库 / the credit warehouse")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="build a fresh warehouse from the committed sample drops and write the latest monthly report")
    d.add_argument("--out", type=Path, default=Path("demo"), help="where the demo warehouse and reports go (default ./demo)")

    k = sub.add_parser("rekey", help="deliberately change the key that links natural persons, keeping each "
                                     "person's entity (re-hashes the working database; the next run republishes)")
    k.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB file analysts read")
    k.add_argument("--new-key-file", type=Path, default=None,
                   help="a file holding the new key (default: a new random key)")
    k.add_argument("--old-key-lost", action="store_true",
                   help="last resort when no backup of the old key exists: map the hashes the working database "
                        "stores beside each ID number, without checking them against the old key")

    r = sub.add_parser("run", help="one nightly build over all not-yet-loaded drops")
    r.add_argument("--drops", type=Path, required=True, help="drops root: DIR/<department>/<YYYY-MM-DD>/<file>")
    r.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB file analysts read")
    r.add_argument("--as-of", type=_date_arg, default=None, help="fix 'today' for every date rule (default: today)")
    r.add_argument("--engine", choices=ENGINES, default=None,
                   help="what runs the dbt models: duckdb (default), spark (a local Spark session; the `spark` "
                        "extra) or spark_cluster (profiles.yml; docs/scale-out.md); default: CREDIT_ENGINE, else duckdb")
    r.add_argument("--dagster-home", type=Path, default=None,
                   help="the Dagster instance that records this run (runs, materializations, checks: the UI shows "
                        "them); default: DAGSTER_HOME, else <warehouse>.dagster")

    rep = sub.add_parser("report", help="the monthly, quarterly or annual 通报: a draft (草稿, nothing frozen) unless "
                                        "--issue (freezes its figures) or --reissue (a 更正 version; the old one is kept)")
    period = rep.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", type=_month_arg, help="YYYY-MM: the month's 通报 (month of the drop date)")
    period.add_argument("--quarter", type=_quarter_arg, help="YYYY-Qn: from the quarter's issued monthly figures")
    period.add_argument("--year", type=_year_arg, help="YYYY: from the year's issued monthly figures")
    rep.add_argument("--warehouse", type=Path, required=True)
    rep.add_argument("--out", type=Path, required=True)
    issuing = rep.add_mutually_exclusive_group()
    issuing.add_argument("--issue", action="store_true",
                         help="issue it: freeze its figures in <warehouse>.issued/ (refused if already issued)")
    issuing.add_argument("--reissue", action="store_true",
                         help="issue an already issued period again as a 更正 version (the old version is kept)")
    rep.add_argument("--reason", default=None, help="why a --reissue corrects the earlier version (printed in it)")

    s = sub.add_parser("sample", help="write realistic, messy sample drops")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--records", type=int, default=2000)
    s.add_argument("--seed", type=int, default=7)

    from dagster_project.docs_site import register as register_docs
    from dagster_project.entity_report import register as register_entity_report
    from dagster_project.query import register as register_query
    from dagster_project.ingest.suggest import register as register_layouts
    register_entity_report(sub)
    register_query(sub)
    register_docs(sub)
    register_layouts(sub)
    return p


@contextlib.contextmanager
def warehouse_lock(warehouse: Path):
    """One build per warehouse at a time: DuckDB allows a single writer per file."""
    from dagster_project.settings import lock_path

    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(f"另一个构建正在写入该数据仓库 / another build is already running on {warehouse}")
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_build(drops: Path, warehouse: Path, as_of: str | None, engine: str | None = None,
              dagster_home: Path | None = None) -> dict:
    """Run the nightly_build job in process, recorded in a persistent Dagster instance (instance.py). Returns a
    summary; raises UserError on a failed build."""
    from dagster_project.engines import EngineError, check_engine, engine_from_env, spark_available
    from dagster_project.settings import BuildSettings, parse_as_of

    drops = drops.expanduser().resolve()
    warehouse = warehouse.expanduser().resolve()
    if not drops.is_dir():
        raise UserError(f"报送目录不存在 / drops folder not found: {drops}")
    if warehouse.exists() and warehouse.is_dir():
        raise UserError(f"数据仓库路径是一个目录 / warehouse path is a folder, expected a file: {warehouse}")
    try:
        engine = check_engine(engine) if engine else engine_from_env()
    except EngineError as e:
        raise UserError(str(e)) from None
    if engine == "spark" and (why := spark_available()):  # a local session: pyspark and Java here
        raise UserError(why)
    try:  # a new warehouse's folder is made, as a user expects (after every check that could refuse the run)
        warehouse.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"无法创建数据仓库所在目录 / cannot create the warehouse folder {warehouse.parent}: "
                        f"{e.strerror or e}") from None
    settings = BuildSettings(drops_root=drops, warehouse=warehouse, as_of=parse_as_of(as_of), engine=engine)
    from dagster_project.person_key import resolve

    resolve(warehouse)  # a missing or different person key stops here, before anything is written (exit 2)
    with warehouse_lock(warehouse):
        resolve(warehouse, record=True)  # the first build records the key's fingerprint
        return _execute_nightly(settings, dagster_home)


def _execute_nightly(settings, dagster_home: Path | None = None) -> dict:
    from dagster_project.definitions import WarehouseResource, defs

    job = defs.resolve_job_def("nightly_build")
    log_dir = Path(str(settings.warehouse) + ".logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{datetime.now():%Y%m%dT%H%M%S}.log"
    # the summary below says what failed and why; Dagster's own step logs stay in the run's event log
    # the build's settings reach every step as the `warehouse` resource's config, as a run from the UI passes them
    run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}, **WarehouseResource.of(settings).run_config()}
    from dagster_project.instance import dagster_home as resolve_home, open_instance
    from dagster_project.progress import BuildOutput
    from dagster_project.settings import gate_docs_dir

    home = resolve_home(settings.warehouse, dagster_home)  # runs, events and check results stay for the UI
    instance_cm = open_instance(home)
    result = summary = None
    # dbt's and the gates' own chatter goes to the run's log file; the terminal gets the summary
    try:
        # on a terminal, one progress line (stage, dbt nodes done of total, elapsed): progress.py
        with instance_cm as instance, open(log_file, "w", encoding="utf-8") as log, \
                contextlib.redirect_stdout(BuildOutput(log, sys.stdout)) as out, contextlib.redirect_stderr(log):
            result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False,
                                            tags={"credit/as_of": settings.as_of.isoformat(), "credit/trigger": "cli"})
            summary = _summarise(result)
            # one page over every gate's Great Expectations Data Docs (gates/datadocs.py), named in the log too
            gate_index = gate_docs_dir(settings.warehouse) / "index.html"
            summary["gate_docs"] = str(gate_index) if gate_index.is_file() else None
            print(f"Data Docs (all gates): {summary['gate_docs']}")
            out.finish()
    except OSError as e:
        if e.errno != errno.ENOSPC or result is None or not result.success:
            raise  # main() turns a full disk into one line; a published build only lost the end of its log
        summary["log_file"] = f"{log_file} (incomplete: disk full)"
        return summary
    summary["log_file"] = str(log_file)
    summary["dagster_home"], summary["run_id"] = str(home), result.run_id
    if not result.success:
        for problem in summary["problems"]:
            path = disk_full_path(problem)
            if path is not None:
                raise DiskFull(path or None, where=settings.warehouse.parent)
        raise BuildFailed("构建失败，未发布 / build failed, nothing published: " + "; ".join(summary["problems"])
                          + f" (log: {log_file})")
    return summary


def _summarise(result) -> dict:
    import dagster as dg

    problems: list[str] = []
    checks: dict[str, str] = {}
    metadata: dict[str, dict] = {}
    held: list[dict] = []  # records a gate held (gates/hold.py), so that the night could publish the rest
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            problems.append(f"{event.step_key}: {_root_cause(event.event_specific_data.error)}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            name = ev.check_name
            checks[name] = "passed" if ev.passed else f"FAILED ({ev.severity.value})"
            if ev.metadata and "held" in ev.metadata:
                held += list(ev.metadata["held"].value or [])
            if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR:
                problems.append(f"check {name} failed")
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            metadata[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return {"success": result.success, "problems": problems, "checks": checks, "assets": metadata, "held": held}


def _root_cause(err) -> str:
    """The innermost error's message: what actually went wrong, not Dagster's wrapper around it."""
    if err is None:
        return "failed"
    while getattr(err, "cause", None) is not None:
        err = err.cause
    text = " ".join(err.message.split())
    return (text[:300] + "…") if len(text) > 300 else (text or err.cls_name or "failed")


def cmd_run(args) -> int:
    summary = run_build(args.drops, args.warehouse, args.as_of, args.engine, args.dagster_home)
    _print_run_summary(summary, args.warehouse)
    return 0


def _say(text: str = "") -> None:
    """One line of the terminal summary: file names and reasons come from departments, so ID numbers are
    scrubbed (dagster_project/pii.py) before anything is printed."""
    from dagster_project import pii

    print(pii.scrub(text))


def _print_run_summary(summary: dict, warehouse: Path, max_listed: int = 20) -> None:
    """The terminal's summary of a build. From the raw ingest asset's metadata (IngestResult.metadata()): the
    counts, then each file (or sheet) quarantined this run with its reason, and what was skipped and why (hidden
    sheets …), at most `max_listed` lines each, then how many more (all of them are in raw.quarantine /
    raw.ingest_ledger)."""
    raw = summary["assets"].get("raw/ingest_ledger", {})
    if raw:
        _say(f"归集 ingest: {raw.get('files_loaded')} files loaded, {raw.get('files_quarantined')} quarantined, "
              f"{raw.get('files_already_loaded')} already loaded; rows {raw.get('rows_loaded')} loaded, "
              f"{raw.get('rows_rejected')} rejected")
        for title, key, where, line in (
            ("隔离 quarantined", "quarantined", "raw.quarantine",
             lambda e: f"{e.get('file')}{' [' + e['sheet'] + ']' if e.get('sheet') else ''}: "
                       f"{e.get('code')} — {e.get('reason')}"),
            ("说明 notes", "notes", "raw.ingest_ledger.note", str),
        ):
            entries = raw.get(key) or []
            total = raw.get(f"{key}_count", len(entries))
            if not entries:
                continue
            _say(f"{title} ({total}):")
            for e in entries[:max_listed]:
                _say(f"  {line(e)}")
            if total > max_listed:
                _say(f"  … and {total - max_listed} more ({where})")
    held = summary.get("held") or []
    if held:
        _say(f"暂缓公示 held by the gates ({len(held)}; audit.gate_held_records, on each department's 整改清单):")
        for h in held[:max_listed]:
            _say(f"  {h.get('department') or '?'} {h.get('dataset') or ''} {h.get('record_id')}: {h.get('reasons')}")
        if len(held) > max_listed:
            _say(f"  … and {len(held) - max_listed} more (audit.gate_held_records)")
    failed_warn = [n for n, s in summary["checks"].items() if s != "passed"]
    _say(f"闸门 gates: {len(summary['checks'])} checked, {len(failed_warn)} with warnings"
          + (f" ({', '.join(failed_warn)})" if failed_warn else ""))
    pub = summary["assets"].get("published_warehouse", {})
    _say(f"发布 published: {pub.get('path', warehouse)}")
    _say(f"日志 log: {summary.get('log_file')}")
    if summary.get("gate_docs"):
        _say(f"质量报告 Data Docs: {summary['gate_docs']}")
    if summary.get("dagster_home"):
        _say(f"运行记录 run {summary.get('run_id')}: DAGSTER_HOME={summary['dagster_home']} dagster dev")


def cmd_rekey(args) -> int:
    from dagster_project.person_key import ENV_VAR, rekey
    from dagster_project.settings import history_dir, person_key_path

    warehouse = args.warehouse.expanduser().resolve()
    if not warehouse.parent.is_dir():
        raise UserError(f"数据仓库所在目录不存在 / warehouse folder not found: {warehouse.parent}")
    new_key = None
    if args.new_key_file is not None:
        try:
            new_key = args.new_key_file.expanduser().read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"无法读取新密钥文件 / cannot read the new key file: {e}") from None
    with warehouse_lock(warehouse):
        done = rekey(warehouse, new_key, old_key_lost=args.old_key_lost)
    key_file = person_key_path(warehouse)
    print(f"人员密钥已更换 / person key changed{' (an interrupted rekey finished)' if done.resumed else ''}: "
          f"new key in {key_file} (fingerprint {done.fingerprint.split(':', 1)[1][:12]}…)")
    rows = ", ".join(f"{t} {n}" for t, n in done.stored_rows.items()) or "none"
    print(f"  重新哈希 / re-hashed: {done.persons} persons, {done.submissions} submissions; stored rows: {rows}")
    print(f"  备份 / back up {key_file} now: the old key no longer builds this warehouse")
    if done.env_key_set:
        print(f"  注意 / note: {ENV_VAR} is set here: set it to the new key (or unset it, so {key_file.name} is "
              f"used) before the next run, or the run is refused")
    print(f"  下一步 / next: credit run --warehouse {warehouse} --drops <drops> — rebuilds the marts with the new key "
          f"and republishes; until then the published file keeps the old entity ids of natural persons")
    print(f"  旧发布副本 / old published copies in {history_dir(warehouse)} ({done.history_copies}) are left as "
          f"published, with the old ids; they age out as new builds are published — do not roll back to one")
    return 0


def cmd_report(args) -> int:
    """A draft unless --issue/--reissue (report/issuance.py); a quarter or year from issued months (periodic.py)."""
    from dagster_project.report.issuance import issued_dir, report_month
    from dagster_project.report.periodic import report_period

    warehouse = args.warehouse.expanduser().resolve()
    if not warehouse.is_file():
        raise UserError(f"数据仓库不存在 / warehouse not found: {warehouse}")
    if args.reason and not args.reissue:
        raise UserError("--reason 只用于 --reissue / --reason goes with --reissue")
    out = args.out.expanduser().resolve()
    period = args.month or args.quarter or args.year
    if args.month:
        result = report_month(warehouse, period, out, issue=args.issue, reissue=args.reissue, reason=args.reason)
        files, version, paths = result.files, result.version, _report_paths(result.files)
    else:
        files, _ = report_period(warehouse, period, out, issue=args.issue, reissue=args.reissue, reason=args.reason)
        version, paths = files.version, [str(f) for f in files.all_files()]
    if version is None:
        print(f"通报草稿 draft report for {period} (not issued, nothing frozen; --issue to issue it): {out}")
    else:
        print(f"通报已印发 issued report for {period}, version {version}"
              f"{' (更正 correction)' if version > 1 else ''}: {out}; figures frozen in {issued_dir(warehouse)}")
    for f in paths:
        print(f"  {f}")
    return 0


def _report_paths(files) -> list[str]:
    if hasattr(files, "__dataclass_fields__"):
        out = []
        for v in vars(files).values():
            out += [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]
        return out
    return [str(files)]


def cmd_sample(args) -> int:
    from dagster_project.sample import generate_sample

    if args.records < 1:
        raise UserError("--records 必须为正数 / must be positive")
    generate_sample(args.out.expanduser().resolve(), args.records, args.seed)
    print(f"样例报送 sample drops: {args.records} records in {args.out}")
    return 0


def cmd_demo(args) -> int:
    from dagster_project.paths import SAMPLE_DROPS_DIR
    from dagster_project.report.issuance import report_month
    from dagster_project.settings import history_dir, work_db_path

    out = args.out.expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    warehouse = out / "credit.duckdb"
    # a fresh warehouse every time: the demo shows a first night
    for stale in (warehouse, work_db_path(warehouse), Path(str(work_db_path(warehouse)) + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(history_dir(warehouse), ignore_errors=True)
    as_of = demo_as_of(SAMPLE_DROPS_DIR)
    print(f"示例 demo: sample drops {SAMPLE_DROPS_DIR}, as of {as_of}")
    summary = run_build(SAMPLE_DROPS_DIR, warehouse, as_of.isoformat())
    _print_run_summary(summary, warehouse)
    month = previous_month(as_of)
    reports = out / "reports" / month
    # a draft (（草稿）), as `credit report --month` makes: issuing is the staff's act (`credit report --issue`)
    files = report_month(warehouse, month, reports, as_of=as_of).files
    print(f"通报 report {month} (草稿 draft): {reports}")
    for f in _report_paths(files):
        print(f"  {f}")
    print(f"查询 query: credit query \"select * from marts.dual_disclosure_compliance limit 10\" --warehouse {warehouse}")
    print(f"界面 UI: DAGSTER_HOME={summary.get('dagster_home')} CREDIT_WAREHOUSE={warehouse} "
          f"CREDIT_DROPS={SAMPLE_DROPS_DIR} CREDIT_AS_OF={as_of} dagster dev")
    return 0


def demo_as_of(drops: Path) -> date:
    """The sample's as-of date (in its manifest) keeps the demo reproducible whatever today is."""
    manifest = drops / ".sample_manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("as_of"):
            return date.fromisoformat(data["as_of"])
        if data.get("end"):
            return date.fromisoformat(data["end"])
    return date(2026, 11, 22)


def previous_month(d: date) -> str:
    first = d.replace(day=1)
    prev = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
    return prev.strftime("%Y-%m")


def cmd_entity_report(args) -> int:
    from dagster_project.entity_report import cmd_entity_report as run
    return run(args)


def cmd_query(args) -> int:
    from dagster_project.query import cmd_query as run
    return run(args)


def cmd_docs(args) -> int:
    from dagster_project.docs_site import cmd_docs as run
    return run(args)


def cmd_layouts(args) -> int:
    from dagster_project.ingest.suggest import cmd_layouts as run
    return run(args)


COMMANDS = {"demo": cmd_demo, "run": cmd_run, "rekey": cmd_rekey, "report": cmd_report, "sample": cmd_sample,
            "entity-report": cmd_entity_report, "query": cmd_query, "docs": cmd_docs, "layouts": cmd_layouts}


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore")
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as e:  # BuildBusy (3), BuildFailed and DiskFull (1), the rest (2): the class says which
        print(f"credit: {e}", file=sys.stderr)
        return e.exit_code
    except Exception as e:
        warehouse = getattr(args, "warehouse", None)
        where = Path(warehouse).expanduser().resolve().parent if warehouse else None
        full = _disk_full_error(e, building=args.command == "run", where=where)
        if full is not None:
            print(f"credit: {full}", file=sys.stderr)
            return EXIT_BUILD_FAILED
        if isinstance(e, (FileNotFoundError, ValueError)):  # person_key.PersonKeyError among them
            print(f"credit: {e}", file=sys.stderr)
            return EXIT_USAGE
        raise


def entry() -> None:
    """Console-script entry: exit without interpreter teardown, where DuckDB 2.0's bindings print
    harmless nanobind "leaked" noise to stderr (every connection is closed by then). Exiting that way leaves
    multiprocessing's resource tracker (a child process, started by dbt's adapter) to release a semaphore and
    warn about it on the user's terminal: the tracker inherits this filter and stays quiet. The one write to
    os.environ in the package, at process entry before anything runs: the tracker is started by dbt's
    adapter code, not by us, and inherits only the process environment."""
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning:multiprocessing.resource_tracker")
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
