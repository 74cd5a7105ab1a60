"""The dbt project as Dagster sees it, and the one way this package starts dbt.

Every dbt command (the nightly build's two steps, the parse that makes the manifest, the Spark export,
`credit docs`, the tests' fixture) goes through CreditDbtCliResource: dagster-dbt's resource, with the
environment built from the build's settings (dbt_environment) and passed to the dbt process only, never
written into this process's os.environ.

dbt's artifacts (target/, logs/, partial_parse.msgpack) live beside the warehouse, in `<warehouse>.dbt/`
(settings.dbt_dir), never in the dbt project: an installed package is read-only, and two warehouses built on
one machine must not share parse state. Each invocation gets its own folder there (invocation_target_path),
seeded with the warehouse's partial_parse.msgpack; keep_partial_parse() hands the invocation's fresh copy
back so the next one starts warm, and prune_dbt_runs() keeps the last KEEP_BUILDS runs.

The manifest Dagster defines the dbt assets from belongs to the code, not to a warehouse (the code location
loads before, and without, knowing which warehouse a run writes): manifest_target_dir().
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import types
import uuid
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.paths import DBT_PROJECT_DIR, INSTALLED, PROJECT_ROOT
from dagster_project.person_key import resolve as resolve_person_key
from dagster_project.settings import KEEP_BUILDS, BuildSettings, connect_duckdb, dbt_target_dir, dies_with_parent

PARTIAL_PARSE = "partial_parse.msgpack"
# The fingerprint of the seeds (and their tests) the warehouse's working database was last built with
REFERENCE_DATA_FINGERPRINT = "reference_data.fingerprint"


def manifest_target_dir() -> Path:
    """Where the manifest the code location loads lives: DBT_TARGET_PATH when an operator sets it (absolute),
    else a folder of this checkout (build/dbt-manifest) or, for an installed package (read-only), of this
    user's cache, one per installed dbt project."""
    env = os.environ.get("DBT_TARGET_PATH")
    if env and Path(env).is_absolute():
        return Path(env)
    if not INSTALLED:
        return PROJECT_ROOT / "build" / "dbt-manifest"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "credit-warehouse" / f"dbt-manifest-{hashlib.sha1(str(DBT_PROJECT_DIR).encode()).hexdigest()[:12]}"


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=manifest_target_dir())


def dbt_executable() -> str:
    """The dbt installed with this interpreter (.venv/bin/dbt), so `.venv/bin/credit` works without an
    activated venv; else whatever `dbt` is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_environment(settings: BuildSettings) -> dict[str, str]:
    """What a build's dbt process reads (profiles.yml, macro as_of(), person_key_hash): the settings' variables
    and the person key (person_key.PersonKeyError when it is missing or not the warehouse's)."""
    return {**settings.environment(), "CREDIT_PERSON_KEY": resolve_person_key(settings.warehouse)}


class CreditDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, three changes:

    - cli(env=...): variables for this dbt process only (dagster-dbt passes os.environ; a build's settings
      are not global state). dagster-dbt's own variables (its DBT_TARGET_PATH, a subset run's
      DBT_INDIRECT_SELECTION) win over them; they win over the inherited environment.
    - its dbt process dies with the process that started it (settings.dies_with_parent): dagster-dbt offers no
      hook into its subprocess.Popen, so cli() hands dagster-dbt's module a Popen that adds the guard and the
      variables (tests/test_ops_attacks.py kills the parent and watches the child go).
    - no `dbt --version` subprocess on every run to learn the version (2 s of every night), and no dbt adapter
      loaded into this process (dagster-dbt uses it only for fetch_column_metadata/fetch_row_counts, which
      this project does not call: dbt reports each relation's columns and row count itself, see
      definitions._events_with_table_metadata)."""

    def cli(self, args: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs):
        with _dbt_popen(env or {}):
            return super().cli(args, **kwargs)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        return None

    @cached_property
    def _cli_version(self):
        from importlib.metadata import PackageNotFoundError, version as installed_version

        from packaging import version

        ours = Path(dbt_executable())
        if ours.is_file() and Path(self.dbt_executable).resolve() == ours.resolve():
            try:
                return version.parse(installed_version("dbt-core"))
            except PackageNotFoundError:
                pass
        return super()._cli_version


def dbt_resource(profiles_dir: Path | None = None) -> CreditDbtCliResource:
    """The resource every dbt command of this package runs through (the Definitions' `dbt` resource too)."""
    return CreditDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable(),
                                **({"profiles_dir": str(profiles_dir)} if profiles_dir else {}))


@contextmanager
def _dbt_popen(env: Mapping[str, str]):
    """While dagster-dbt starts dbt (DbtCliInvocation.run: subprocess.Popen in dagster_dbt's
    core/dbt_cli_invocation.py), its module sees a subprocess whose Popen passes preexec_fn=dies_with_parent()
    and adds `env` to the environment dagster-dbt built."""
    from dagster_dbt.core import dbt_cli_invocation as module

    preexec = dies_with_parent()
    original = module.subprocess
    if original is not subprocess:  # someone else's wrapper: leave it
        yield
        return

    def popen(*args, **kwargs):
        if preexec is not None:  # Linux
            kwargs.setdefault("preexec_fn", preexec)
        built = kwargs.get("env") or dict(os.environ)
        # a variable dagster-dbt set itself differs from the inherited one: that one stays
        ours = {k: v for k, v in env.items() if built.get(k) == os.environ.get(k)}
        kwargs["env"] = {**built, **ours}
        return subprocess.Popen(*args, **kwargs)

    module.subprocess = types.SimpleNamespace(**{**vars(subprocess), "Popen": popen})
    try:
        yield
    finally:
        module.subprocess = original


def run_dbt(args: Sequence[str], *, env: Mapping[str, str], target_path: Path, profiles_dir: Path | None = None):
    """One dbt command outside an asset (parse, docs, the Spark export, test fixtures), waited for silently;
    its artifacts and dbt.log in target_path. Returns dagster-dbt's invocation: is_successful(), get_error()."""
    target_path = Path(target_path)
    target_path.mkdir(parents=True, exist_ok=True)
    invocation = dbt_resource(profiles_dir).cli(list(args), env=env, target_path=target_path, raise_on_error=False)
    invocation.is_successful()  # reads dbt's (JSON) output to the end without echoing it
    return invocation


def dbt_failure(invocation) -> str:
    """What a failed dbt command said: its error lines, and where its log is."""
    return str(invocation.get_error() or "")


def invocation_target_path(context, warehouse: Path) -> Path:
    """<warehouse>.dbt/target/<op>-<first 7 of the run id>-<7 random hex> (dagster-dbt's naming, which
    prune_dbt_runs reads), seeded with the warehouse's partial_parse.msgpack so the invocation parses only what
    changed. Only the warehouse's own: dbt's parse state holds the profile's connection (the working database's
    path, its memory limit), so another warehouse's (or the manifest's) state makes dbt parse everything."""
    target = dbt_target_dir(warehouse)
    path = target / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    path.mkdir(parents=True)
    if (target / PARTIAL_PARSE).is_file():
        shutil.copyfile(target / PARTIAL_PARSE, path / PARTIAL_PARSE)
    return path


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "snapshots", "tests"):
        for p in (project_dir / folder).rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    for name in ("dbt_project.yml", "profiles.yml"):
        newest = max(newest, (project_dir / name).stat().st_mtime)
    return newest


def prepare_manifest(project: DbtProject = dbt_project) -> Path:
    """The manifest Dagster defines the dbt assets from. Under `dagster dev`, dagster-dbt's prepare_if_dev()
    parses on every load; any other load (`credit run`, cron, tests, `dagster definitions validate`) parses
    only when the manifest is missing or older than the project's files: a fresh clone or install has none,
    and a night should not pay a dbt start to learn nothing. A lock keeps two processes from parsing into
    the same folder at once."""
    project.prepare_if_dev()
    manifest = Path(project.manifest_path)
    if _fresh(manifest):
        return manifest
    target = manifest.parent
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _fresh(manifest):  # another process parsed while this one waited
            return manifest
        done = run_dbt(["parse", "--quiet"], env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}, target_path=target)
    if not done.is_successful():
        raise RuntimeError(f"dbt parse failed:\n{dbt_failure(done)}")
    return manifest


def _fresh(manifest: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(DBT_PROJECT_DIR)


def keep_partial_parse(invocation_dir: Path, target_dir: Path) -> None:
    """Hand an invocation's partial_parse.msgpack back to the warehouse's target folder (atomically: a
    concurrent reader sees the old file or the new one), so the next dbt command re-parses only what changed."""
    fresh = Path(invocation_dir) / PARTIAL_PARSE
    if not fresh.is_file() or Path(invocation_dir).resolve() == Path(target_dir).resolve():
        return
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".{PARTIAL_PARSE}.{os.getpid()}"
    shutil.copyfile(fresh, tmp)
    os.replace(tmp, target_dir / PARTIAL_PARSE)


# an invocation's folder: <op name>-<first 7 of the run id>-<7 random hex> (invocation_target_path)
_INVOCATION_DIR = re.compile(r"^(?P<op>.+)-(?P<run>[0-9a-f]{7})-(?P<uuid>[0-9a-f]{7})$")


def prune_dbt_runs(target_dir: Path, keep: int = KEEP_BUILDS) -> list[Path]:
    """Delete the per-invocation folders of all but the newest `keep` runs (the folders of one run count as
    one); ~8 MB a night, they would otherwise grow by gigabytes a year. Returns what was removed."""
    if not target_dir.is_dir():
        return []
    runs: dict[str, list[Path]] = {}
    for d in target_dir.iterdir():
        m = _INVOCATION_DIR.match(d.name)
        if m and d.is_dir():
            runs.setdefault(m["run"], []).append(d)
    newest_first = sorted(runs.values(), key=lambda ds: max(d.stat().st_mtime for d in ds), reverse=True)
    removed = [d for ds in newest_first[keep:] for d in ds]
    for d in removed:
        shutil.rmtree(d, ignore_errors=True)
    return removed


# --------------------------------------------------------------------------- reference data (dbt seeds)
#
# The seeds change with the code, not with the night's drops: reloading 20 CSVs and re-running their ~110 tests
# every night reproduces tables already built (a third of a small night's dbt nodes and Dagster events). A night
# leaves them out when nothing they are made of changed since the warehouse's last successful dbt build.


def reference_data_fingerprint(manifest: Mapping) -> str:
    """What the seeds and their tests are made of, from the manifest dbt builds from: every node defined under
    seeds/ (each CSV's checksum, config, descriptions; each test's code, arguments and config), the macros they
    call (and those macros' macros), and dbt's version and adapter. Equal fingerprints: loading and testing the
    seeds again would give the same tables and the same results."""
    macros = manifest.get("macros", {})
    parts, todo, seen = [], [], set()
    for uid, node in sorted(manifest.get("nodes", {}).items()):
        if not node.get("original_file_path", "").startswith("seeds/"):
            continue
        parts.append([uid, node.get("checksum"), node.get("config"), node.get("raw_code"),
                      node.get("test_metadata"), node.get("description"), node.get("columns"),
                      sorted(node.get("depends_on", {}).get("nodes", []))])
        todo += node.get("depends_on", {}).get("macros", [])
    while todo:
        uid = todo.pop()
        if uid in seen:
            continue
        seen.add(uid)
        macro = macros.get(uid, {})
        parts.append([uid, macro.get("macro_sql")])
        todo += macro.get("depends_on", {}).get("macros", [])
    meta = manifest.get("metadata", {})
    parts.append([meta.get("dbt_version"), meta.get("adapter_type")])
    text = json.dumps(sorted(parts, key=lambda p: str(p[0])), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reference_data_unchanged(manifest: Mapping, target_dir: Path, work_db: Path) -> bool:
    """True when the working database holds every seed's table and was last built (dbt succeeded) from the
    same reference data as the manifest's (reference_data_fingerprint, kept in target_dir)."""
    kept = Path(target_dir) / REFERENCE_DATA_FINGERPRINT
    if not kept.is_file() or kept.read_text(encoding="utf-8").strip() != reference_data_fingerprint(manifest):
        return False
    seeds = {(n["schema"], n.get("alias") or n["name"]) for n in manifest.get("nodes", {}).values()
             if n.get("resource_type") == "seed"}
    if not Path(work_db).is_file():
        return False
    con = connect_duckdb(work_db, read_only=True)
    try:
        tables = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    finally:
        con.close()
    return seeds <= tables


def keep_reference_data_fingerprint(manifest: Mapping, target_dir: Path) -> None:
    """After a successful dbt build that loaded and tested the seeds: remember what they were made of."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".{REFERENCE_DATA_FINGERPRINT}.{os.getpid()}"
    tmp.write_text(reference_data_fingerprint(manifest) + "\n", encoding="utf-8")
    os.replace(tmp, target_dir / REFERENCE_DATA_FINGERPRINT)


def forget_reference_data_fingerprint(target_dir: Path) -> None:
    """Before a build that loads the seeds: until it succeeds, the working database's seeds are unknown."""
    (Path(target_dir) / REFERENCE_DATA_FINGERPRINT).unlink(missing_ok=True)
