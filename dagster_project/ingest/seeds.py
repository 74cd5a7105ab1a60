"""Canonical columns and header aliases, read from the dbt seeds (the single source of truth).

`dataset_columns.csv`: dataset,column_name,label_zh,required,... — a dataset's canonical columns are the
`common` rows followed by its own rows, in file order.
`header_aliases.csv`: dataset,alias,column_name — extra header spellings (label_zh is itself an alias).
`datasets.csv`: dataset,label_zh,description_en,file_name_hints,is_dual_disclosure — one row per dataset (its
Chinese name for messages and the file-name keywords that break a header tie). The datasets themselves are the
distinct datasets of `dataset_columns.csv` other than `common`: a new dataset is seed rows only.
`layout_rules.csv`: dataset,rule,columns,min_matches — when a header is a dataset's layout (`identify`,
`recognise`) and which headings a file must carry to be loaded at all (`key`); see LayoutRule.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.paths import SEEDS_DIR

COMMON = "common"


@dataclass(frozen=True)
class ColumnSpec:
    dataset: str  # 'common' or a dataset (penalty, license, repair, ...)
    name: str
    label_zh: str
    required: bool


@dataclass(frozen=True)
class DatasetSpec:
    dataset: str
    label_zh: str
    file_name_hints: tuple[str, ...] = ()
    is_dual_disclosure: bool = False  # 双公示 (行政许可 / 行政处罚): the decisions published on the public site


LAYOUT_RULE_KINDS = ("identify", "recognise", "key")
ALL_DATASETS = "all"  # layout_rules.csv: a rule for every dataset
ANY_COLUMN = "*"  # layout_rules.csv: any canonical column of the dataset (its common columns included)


@dataclass(frozen=True)
class LayoutRule:
    """One row of layout_rules.csv: at least `min_matches` of `columns` must be headings of the file.

    identify  — the dataset's identifying headings: a header is this dataset's layout only if enough of them
                match, and among the datasets so identified the one with the most identifying matches wins;
    recognise — the same over `*` (any canonical column, the party's included): a floor on the whole header;
    key       — a file identified as the dataset is quarantined (missing_required_columns) unless it carries
                these: without them a record could never be corrected by a resubmission. Every other required
                data item a file lacks is loaded empty and held by the REQUIRED rule, record by record.
    `dataset` = `all`: the rule applies to every dataset (columns a dataset does not have are ignored)."""
    dataset: str
    rule: str
    columns: tuple[str, ...]
    min_matches: int
    why_en: str = ""


@dataclass
class Seeds:
    columns: list[ColumnSpec]
    aliases: list[tuple[str, str, str]]  # (dataset, alias, column_name)
    dataset_specs: dict[str, DatasetSpec] = field(default_factory=dict)
    departments: frozenset[str] | None = None  # codes of departments.csv; None: no such seed, no check
    layout_rules: list[LayoutRule] = field(default_factory=list)
    _by_dataset: dict[str, list[ColumnSpec]] = field(default_factory=dict, repr=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        """Every dataset of dataset_columns.csv but `common`, in seed order."""
        seen: dict[str, None] = {}
        for c in self.columns:
            if c.dataset != COMMON:
                seen.setdefault(c.dataset)
        return tuple(seen)

    @property
    def dual_disclosure_datasets(self) -> tuple[str, ...]:
        """The 双公示 datasets (datasets.csv is_dual_disclosure), in seed order."""
        return tuple(d for d in self.datasets if self.spec(d).is_dual_disclosure)

    def spec(self, dataset: str) -> DatasetSpec:
        return self.dataset_specs.get(dataset) or DatasetSpec(dataset, dataset)

    def label_zh(self, dataset: str) -> str:
        return self.spec(dataset).label_zh

    def canonical(self, dataset: str) -> list[ColumnSpec]:
        """Common columns then the dataset's own, in seed order."""
        if dataset not in self._by_dataset:
            self._by_dataset[dataset] = [c for c in self.columns if c.dataset == COMMON] + [
                c for c in self.columns if c.dataset == dataset
            ]
        return self._by_dataset[dataset]

    def canonical_names(self, dataset: str) -> list[str]:
        return [c.name for c in self.canonical(dataset)]

    def required(self, dataset: str) -> list[ColumnSpec]:
        return [c for c in self.canonical(dataset) if c.required]

    def rules_for(self, dataset: str, rule: str) -> list[LayoutRule]:
        """The layout rules of one kind for a dataset (its own rows and the `all` rows), columns narrowed to the
        dataset's canonical columns (`*` expanded)."""
        names = self.canonical_names(dataset)
        out = []
        for r in self.layout_rules:
            if r.rule != rule or r.dataset not in (dataset, ALL_DATASETS):
                continue
            cols = tuple(names) if r.columns == (ANY_COLUMN,) else tuple(c for c in r.columns if c in names)
            out.append(LayoutRule(dataset, r.rule, cols, r.min_matches, r.why_en))
        return out

    def identifying_columns(self, dataset: str) -> set[str]:
        return {c for r in self.rules_for(dataset, "identify") for c in r.columns}

    def is_identified(self, dataset: str, present: set[str]) -> bool:
        """The header (its canonical columns `present`) is this dataset's layout by the identify/recognise rules;
        a dataset without identify rules is never identified."""
        rules = self.rules_for(dataset, "identify")
        return bool(rules) and all(
            len(present.intersection(r.columns)) >= r.min_matches for r in rules + self.rules_for(dataset, "recognise"))

    def missing_keys(self, dataset: str, present: set[str]) -> list[LayoutRule]:
        """The key rules a header breaks (the file is then quarantined: missing_required_columns)."""
        return [r for r in self.rules_for(dataset, "key") if len(present.intersection(r.columns)) < r.min_matches]

    def label(self, dataset: str, column: str) -> str:
        for c in self.canonical(dataset):
            if c.name == column:
                return c.label_zh
        return column


def read_seed(name: str | Path, seeds_dir: Path | None = None) -> list[dict[str, str]]:
    """The rows of a seed CSV as dicts, the one way seeds are read (ingestion, the 通报, the entity report):
    ``name`` a file of the seeds directory (``departments.csv``) or a path; a byte-order mark is tolerated, as
    dbt seed does. A missing file raises FileNotFoundError: whether that is an error is the caller's."""
    path = Path(seeds_dir or SEEDS_DIR) / name
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _truthy(v: str | None) -> bool:
    return (v or "").strip().lower() in ("true", "1", "yes", "y", "t")


def load_seeds(seeds_dir: Path | None = None) -> Seeds:
    seeds_dir = Path(seeds_dir or SEEDS_DIR)
    columns = [
        ColumnSpec(r["dataset"].strip(), r["column_name"].strip(), r["label_zh"].strip(), _truthy(r.get("required")))
        for r in read_seed("dataset_columns.csv", seeds_dir)
        if (r.get("dataset") or "").strip()
    ]
    aliases: list[tuple[str, str, str]] = []
    if (seeds_dir / "header_aliases.csv").exists():
        aliases = [
            (r["dataset"].strip(), r["alias"], r["column_name"].strip())
            for r in read_seed("header_aliases.csv", seeds_dir)
            if (r.get("dataset") or "").strip() and (r.get("alias") or "").strip()
        ]
    specs: dict[str, DatasetSpec] = {}
    if (seeds_dir / "datasets.csv").exists():
        for r in read_seed("datasets.csv", seeds_dir):
            name = (r.get("dataset") or "").strip()
            if not name:
                continue
            hints = tuple(h.strip().lower() for h in (r.get("file_name_hints") or "").split("|") if h.strip())
            specs[name] = DatasetSpec(name, (r.get("label_zh") or name).strip(), hints,
                                      _truthy(r.get("is_dual_disclosure")))
    departments = None
    if (seeds_dir / "departments.csv").exists():
        departments = frozenset(code for r in read_seed("departments.csv", seeds_dir)
                                if (code := (r.get("department") or "").strip()))
    return Seeds(columns=columns, aliases=aliases, dataset_specs=specs, departments=departments,
                 layout_rules=load_layout_rules(seeds_dir))


# The seeds ingestion reads to judge a file's layout (departments.csv is judged apart: unknown_department).
RULE_SEEDS = ("dataset_columns.csv", "header_aliases.csv", "datasets.csv", "layout_rules.csv")
# Bumped when the readers learn what they refused before (a format, an encoding): quarantined files are retried.
READER_VERSION = "2"


def rules_fingerprint(seeds_dir: Path | None = None, limits: object = None) -> str:
    """What a quarantine for a rule-decided reason was judged by: the ingestion seeds' bytes, the limits and the
    readers' version. A different fingerprint on a later run retries those files."""
    import hashlib

    h = hashlib.sha256(READER_VERSION.encode())
    for name in RULE_SEEDS:
        path = Path(seeds_dir or SEEDS_DIR) / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    h.update(repr(limits).encode())
    return h.hexdigest()[:16]


def load_layout_rules(seeds_dir: Path | None = None) -> list[LayoutRule]:
    path = Path(seeds_dir or SEEDS_DIR) / "layout_rules.csv"
    if not path.exists():
        return []
    return [
        LayoutRule((r.get("dataset") or "").strip(), (r.get("rule") or "").strip(),
                   tuple(c.strip() for c in (r.get("columns") or "").split("|") if c.strip()),
                   int((r.get("min_matches") or "1").strip()), (r.get("why_en") or "").strip())
        for r in read_seed(path)
        if (r.get("dataset") or "").strip()
    ]


# The dataset list's one home in Python: the datasets of the project's seeds (raw.<dataset> tables) and the 双公示
# ones among them. dbt reads the same seeds (macros/raw_datasets.sql, generated: dagster_project/dbt_datasets.py).
_PROJECT_SEEDS = load_seeds()
DATASETS: tuple[str, ...] = _PROJECT_SEEDS.datasets
DUAL_DISCLOSURE_DATASETS: tuple[str, ...] = _PROJECT_SEEDS.dual_disclosure_datasets
