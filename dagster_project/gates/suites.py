"""Suite files: reading and checking `expectations/<suite>.yml`.

A suite file is a GX 1.x ExpectationSuite written as YAML, in the shape GX serialises it
(`name`, `meta`, `expectations: [{type, kwargs, meta}]`), plus three rules of ours:

- `meta.table` names the table the suite checks, as `schema.table`;
- every expectation carries `meta.severity`: `fail` (blocking) or `warn` (recorded only);
- an expectation may carry `meta.for_each_column` instead of `kwargs.column`: it is then
  expanded at run time into one expectation per matching column of the live table.

Nothing here imports Great Expectations: loading a suite is cheap and cannot fail on a GX
import; the GX-level check of types and kwargs is `check_suite_with_gx` (used by the runner
and by the tests).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dagster_project.paths import EXPECTATIONS_DIR

SEVERITIES = ("fail", "warn")
# GX 1.x has its own severity field on every expectation; ours maps onto it so Data Docs show it.
GX_SEVERITY = {"fail": "critical", "warn": "warning"}
# Checks of our own, run in Python rather than by GX (gates/id_scan.py): the privacy scan uses the one ID-number
# definition (dagster_project/pii.py: shape, birth date, check character), which no regex alone can express.
NO_ID_NUMBERS = "expect_table_to_hold_no_id_numbers"
BUILTIN_TYPES = frozenset({NO_ID_NUMBERS})
SUITE_SUFFIXES = (".yml", ".yaml")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SUITE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_TEMPLATE_KEYS = {"data_types", "exclude"}


class SuiteError(ValueError):
    """A suite file is missing, unreadable or does not follow the format."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation as written in the file (before any per-column expansion)."""

    type: str
    kwargs: dict[str, Any]
    severity: str
    meta: dict[str, Any] = field(default_factory=dict)
    # {"data_types": ["VARCHAR"], "exclude": [...]} when the expectation is a per-column template
    for_each_column: dict[str, Any] | None = None

    @property
    def is_template(self) -> bool:
        return self.for_each_column is not None


@dataclass(frozen=True)
class Suite:
    name: str
    table: str  # "schema.table"
    expectations: tuple[ExpectationSpec, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def schema_name(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]


def suite_path(name: str, suites_dir: Path | None = None) -> Path:
    """Where the suite called `name` lives (the first existing of .yml/.yaml; .yml if none)."""
    base = Path(suites_dir) if suites_dir is not None else EXPECTATIONS_DIR
    for suffix in SUITE_SUFFIXES:
        candidate = base / f"{name}{suffix}"
        if candidate.exists():
            return candidate
    return base / f"{name}{SUITE_SUFFIXES[0]}"


def list_suites(suites_dir: Path | None = None) -> list[str]:
    """Names of all suite files in the directory, sorted."""
    base = Path(suites_dir) if suites_dir is not None else EXPECTATIONS_DIR
    if not base.is_dir():
        return []
    return sorted({p.stem for p in base.iterdir() if p.is_file() and p.suffix in SUITE_SUFFIXES})


def discover_suites(suites_dir: Path | None = None, *, strict: bool = True) -> list[Suite]:
    """Every suite file in the directory, loaded and checked.

    strict (default): raise one SuiteError naming every broken file, so a typo in a suite is loud
    where definitions are built, instead of a gate silently disappearing. strict=False skips broken
    files (run_suites with no names still reports them as failed results).
    """
    suites, problems = [], []
    for name in list_suites(suites_dir):
        try:
            suites.append(load_suite(name, suites_dir))
        except SuiteError as exc:
            problems.append(str(exc))
    if problems and strict:
        raise SuiteError("invalid suite file(s): " + "; ".join(problems))
    return suites


def load_suite(name_or_path: str | Path, suites_dir: Path | None = None) -> Suite:
    """Read and check one suite file. Raises SuiteError with a readable reason."""
    if isinstance(name_or_path, Path) or str(name_or_path).endswith(SUITE_SUFFIXES):
        path = Path(name_or_path)
        if not path.is_absolute() and not path.exists() and suites_dir is not None:
            path = Path(suites_dir) / path
    else:
        name = str(name_or_path)
        if not _SUITE_NAME.match(name):
            raise SuiteError(f"invalid suite name {name!r}")
        path = suite_path(name, suites_dir)
    if not path.is_file():
        raise SuiteError(f"suite file not found: {path}")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SuiteError(f"cannot read suite file {path}: {exc}") from exc
    try:
        return parse_suite(doc, path=path)
    except SuiteError as exc:
        raise SuiteError(f"{path.name}: {exc}") from exc


def parse_suite(doc: Any, path: Path | None = None) -> Suite:
    """Check the structure of a parsed suite document and build a Suite."""
    if not isinstance(doc, dict):
        raise SuiteError("a suite file must be a mapping with name, meta and expectations")
    unknown = set(doc) - {"name", "meta", "expectations", "notes", "id", "suite_parameters"}
    if unknown:
        raise SuiteError(f"unknown top-level keys: {sorted(unknown)}")
    name = doc.get("name")
    if not isinstance(name, str) or not _SUITE_NAME.match(name):
        raise SuiteError(f"missing or invalid suite name: {name!r}")
    if path is not None and path.stem != name:
        raise SuiteError(f"suite name {name!r} does not match its file name {path.name!r}")
    meta = doc.get("meta") or {}
    if not isinstance(meta, dict):
        raise SuiteError("meta must be a mapping")
    table = meta.get("table")
    if not isinstance(table, str) or table.count(".") != 1 or not all(
        _IDENT.match(part) for part in table.split(".")
    ):
        raise SuiteError(f"meta.table must name the checked table as schema.table, got {table!r}")
    raw_expectations = doc.get("expectations")
    if not isinstance(raw_expectations, list) or not raw_expectations:
        raise SuiteError("expectations must be a non-empty list")
    specs = tuple(_parse_expectation(i, e) for i, e in enumerate(raw_expectations))
    return Suite(name=name, table=table, expectations=specs, meta=dict(meta), path=path)


def _parse_expectation(index: int, raw: Any) -> ExpectationSpec:
    where = f"expectation #{index + 1}"
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: must be a mapping with type, kwargs, meta")
    unknown = set(raw) - {"type", "kwargs", "meta", "id", "notes", "description", "rendered_content"}
    if unknown:
        raise SuiteError(f"{where}: unknown keys {sorted(unknown)}")
    etype = raw.get("type")
    if not isinstance(etype, str) or not re.match(r"^[a-z][a-z0-9_]*$", etype):
        raise SuiteError(f"{where}: missing or invalid type {etype!r}")
    where = f"{where} ({etype})"
    kwargs = raw.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise SuiteError(f"{where}: kwargs must be a mapping")
    if "batch_id" in kwargs:
        raise SuiteError(f"{where}: batch_id is set by the runner, not the file")
    meta = raw.get("meta")
    if not isinstance(meta, dict):
        raise SuiteError(f"{where}: meta with a severity (fail or warn) is required")
    severity = meta.get("severity")
    if severity not in SEVERITIES:
        raise SuiteError(f"{where}: meta.severity must be one of {SEVERITIES}, got {severity!r}")
    template = meta.get("for_each_column")
    if template is not None:
        if not isinstance(template, dict) or set(template) - _TEMPLATE_KEYS:
            raise SuiteError(f"{where}: for_each_column takes only {sorted(_TEMPLATE_KEYS)}")
        data_types = template.get("data_types", ["VARCHAR"])
        exclude = template.get("exclude", [])
        if not (isinstance(data_types, list) and data_types and all(isinstance(t, str) for t in data_types)):
            raise SuiteError(f"{where}: for_each_column.data_types must be a non-empty list of type names")
        if not (isinstance(exclude, list) and all(isinstance(c, str) for c in exclude)):
            raise SuiteError(f"{where}: for_each_column.exclude must be a list of column names")
        if "column" in kwargs:
            raise SuiteError(f"{where}: a for_each_column template must not set kwargs.column")
        template = {"data_types": [t.upper() for t in data_types], "exclude": list(exclude)}
    if etype == "unexpected_rows_expectation":
        query = kwargs.get("unexpected_rows_query")
        if not isinstance(query, str) or "{batch}" not in query:
            raise SuiteError(f"{where}: unexpected_rows_query must be SQL that selects from {{batch}}")
    return ExpectationSpec(
        type=etype,
        kwargs=dict(kwargs),
        severity=severity,
        meta={k: v for k, v in meta.items() if k != "for_each_column"},
        for_each_column=template,
    )


def expand_spec(spec: ExpectationSpec, columns: list[tuple[str, str]]) -> list[ExpectationSpec]:
    """The concrete expectations of a spec, given the live table's (column, data_type) list.

    A plain spec is returned as is; a template becomes one expectation per column whose type
    is in `data_types` (compared upper-case; `VARCHAR` also matches `VARCHAR(n)`) and which is
    not excluded. An empty list means the template matched no column.
    """
    if spec.for_each_column is None:
        return [spec]
    wanted = set(spec.for_each_column["data_types"])
    excluded = set(spec.for_each_column["exclude"])
    out = []
    for column, data_type in columns:
        base_type = data_type.upper().split("(", 1)[0].strip()
        if (data_type.upper() in wanted or base_type in wanted) and column not in excluded:
            meta = dict(spec.meta)
            meta["expanded_from"] = "for_each_column"
            out.append(
                ExpectationSpec(
                    type=spec.type,
                    kwargs={"column": column, **spec.kwargs},
                    severity=spec.severity,
                    meta=meta,
                )
            )
    return out


def check_suite_with_gx(suite: Suite) -> list[str]:
    """Build every expectation with GX (templates with a stand-in column); return the problems found."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    problems = []
    for i, spec in enumerate(suite.expectations):
        if spec.type in BUILTIN_TYPES:  # ours, run in Python (gates/id_scan.py), not a GX expectation
            continue
        kwargs = dict(spec.kwargs)
        if spec.is_template:
            kwargs["column"] = "__any_column__"
        try:
            ExpectationConfiguration(type=spec.type, kwargs=kwargs).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - any GX refusal is a problem to report
            problems.append(f"expectation #{i + 1} ({spec.type}): {type(exc).__name__}: {exc}")
    return problems
