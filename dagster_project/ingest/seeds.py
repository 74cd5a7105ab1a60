"""Canonical columns and header aliases, read from the dbt seeds (the single source of truth).

`dataset_columns.csv`: dataset,column_name,label_zh,required,... — a dataset's canonical columns are the
`common` rows followed by its own rows, in file order.
`header_aliases.csv`: dataset,alias,column_name — extra header spellings (label_zh is itself an alias).
`datasets.csv`: dataset,label_zh,description_en,file_name_hints,is_dual_disclosure,common_required — one row per
dataset (its Chinese name for messages, the file-name keywords that break a header tie, and whether a header
lacking a required common column is quarantined). The datasets themselves are the distinct datasets of
`dataset_columns.csv` other than `common`: a new dataset is seed rows only.
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
    common_required: bool = True


@dataclass
class Seeds:
    columns: list[ColumnSpec]
    aliases: list[tuple[str, str, str]]  # (dataset, alias, column_name)
    dataset_specs: dict[str, DatasetSpec] = field(default_factory=dict)
    departments: frozenset[str] | None = None  # codes of departments.csv; None: no such seed, no check
    _by_dataset: dict[str, list[ColumnSpec]] = field(default_factory=dict, repr=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        """Every dataset of dataset_columns.csv but `common`, in seed order."""
        seen: dict[str, None] = {}
        for c in self.columns:
            if c.dataset != COMMON:
                seen.setdefault(c.dataset)
        return tuple(seen)

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

    def header_required(self, dataset: str) -> list[ColumnSpec]:
        """Required columns a header must carry (else the file is quarantined): all of them, or only the
        dataset's own where datasets.csv says common_required=false (lists as courts publish them carry no
        行政相对人类别 or 数据来源单位; the REQUIRED rule then reports each row instead)."""
        own_only = not self.spec(dataset).common_required
        return [c for c in self.required(dataset) if not (own_only and c.dataset == COMMON)]

    def label(self, dataset: str, column: str) -> str:
        for c in self.canonical(dataset):
            if c.name == column:
                return c.label_zh
        return column


def _truthy(v: str | None) -> bool:
    return (v or "").strip().lower() in ("true", "1", "yes", "y", "t")


def load_seeds(seeds_dir: Path | None = None) -> Seeds:
    seeds_dir = Path(seeds_dir or SEEDS_DIR)
    with open(seeds_dir / "dataset_columns.csv", encoding="utf-8-sig", newline="") as f:
        columns = [
            ColumnSpec(r["dataset"].strip(), r["column_name"].strip(), r["label_zh"].strip(), _truthy(r.get("required")))
            for r in csv.DictReader(f)
            if (r.get("dataset") or "").strip()
        ]
    aliases: list[tuple[str, str, str]] = []
    alias_path = seeds_dir / "header_aliases.csv"
    if alias_path.exists():
        with open(alias_path, encoding="utf-8-sig", newline="") as f:
            aliases = [
                (r["dataset"].strip(), r["alias"], r["column_name"].strip())
                for r in csv.DictReader(f)
                if (r.get("dataset") or "").strip() and (r.get("alias") or "").strip()
            ]
    specs: dict[str, DatasetSpec] = {}
    specs_path = seeds_dir / "datasets.csv"
    if specs_path.exists():
        with open(specs_path, encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                name = (r.get("dataset") or "").strip()
                if not name:
                    continue
                hints = tuple(h.strip().lower() for h in (r.get("file_name_hints") or "").split("|") if h.strip())
                common_required = (r.get("common_required") or "true").strip() == "" or _truthy(r.get("common_required"))
                specs[name] = DatasetSpec(name, (r.get("label_zh") or name).strip(), hints, common_required)
    departments = None
    departments_path = seeds_dir / "departments.csv"
    if departments_path.exists():
        with open(departments_path, encoding="utf-8-sig", newline="") as f:
            departments = frozenset(code for r in csv.DictReader(f) if (code := (r.get("department") or "").strip()))
    return Seeds(columns=columns, aliases=aliases, dataset_specs=specs, departments=departments)


DATASETS: tuple[str, ...] = load_seeds().datasets  # the datasets of the project's seeds (raw.<dataset> tables)
