"""Canonical columns and header aliases, read from the dbt seeds (the single source of truth).

`dataset_columns.csv`: dataset,column_name,label_zh,required,... — a dataset's canonical columns are the
`common` rows followed by its own rows, in file order.
`header_aliases.csv`: dataset,alias,column_name — extra header spellings (label_zh is itself an alias).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.paths import SEEDS_DIR

DATASETS = ("penalty", "license")
COMMON = "common"


@dataclass(frozen=True)
class ColumnSpec:
    dataset: str  # 'common', 'penalty' or 'license'
    name: str
    label_zh: str
    required: bool


@dataclass
class Seeds:
    columns: list[ColumnSpec]
    aliases: list[tuple[str, str, str]]  # (dataset, alias, column_name)
    _by_dataset: dict[str, list[ColumnSpec]] = field(default_factory=dict, repr=False)

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
    return Seeds(columns=columns, aliases=aliases)
