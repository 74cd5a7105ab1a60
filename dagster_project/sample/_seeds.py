"""Read the dbt seeds that define columns, header labels, aliases and departments, and
render header label variants from them (never a hard-coded copy of the labels)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from ..ingest.headers import normalize_header  # the product's: generated labels must map back as ingestion maps them
from ..ingest.seeds import read_seed as _read
from ..paths import SEEDS_DIR

DATASETS = ("penalty", "license")
# Columns that appear only in the ~2016 layout (recognised by their seed description),
# and the optional severity column (from 2026-04-01, some departments only).
SEVERITY = "severity"
# Columns kept at the end of a drop, as departments' exports do.
TRAILING = ("source_unit", "source_unit_uscc", "status", "remarks")
# Always-empty legacy identifier columns some departments leave out of their export.
OMITTABLE = ("tax_reg_no", "inst_cert_no", "social_org_no")
# Which alias of a column the ~2016 layout used, as a rule over the seed's aliases.
_LAYOUT_2016_ALIAS = re.compile(r"^(代码_\d|处罚事由|处罚结果|处罚类别1|法定代表人姓名)$")


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    district: str
    is_market_regulation: bool
    seed_uscc: str
    datasets: tuple[str, ...]
    expected_from: dict[str, date]


@dataclass
class Seeds:
    labels: dict[str, dict[str, str]]            # dataset ('common'|...) -> column -> label
    required: dict[str, dict[str, bool]]
    descriptions: dict[str, dict[str, str]]
    aliases: dict[str, dict[str, list[str]]]     # dataset -> column -> [aliases]
    departments: list[Department]
    _lookup: dict[str, dict[str, str]] = field(default_factory=dict)

    # ------------------------------------------------------------ columns
    def dataset_labels(self, dataset: str) -> dict[str, str]:
        return {**self.labels["common"], **self.labels[dataset]}

    def is_required(self, dataset: str, column: str) -> bool:
        return self.required["common"].get(column, False) or self.required[dataset].get(column, False)

    def layout_2016_only(self, dataset: str) -> list[str]:
        return [c for c, d in self.descriptions[dataset].items() if "2016 layout" in d]

    def columns(self, dataset: str, *, layout_2016: bool = False, severity: bool = False,
                omit_empty_legacy: bool = False) -> list[str]:
        """Canonical column order of a drop: party columns, dataset columns, trailing columns."""
        common = [c for c in self.labels["common"] if c not in TRAILING]
        extra_2016 = set(self.layout_2016_only(dataset))
        own = []
        for c in self.labels[dataset]:
            if c in extra_2016 or c == SEVERITY:
                continue
            own.append(c)
        if layout_2016:
            # 处罚名称 after the decision number, 处罚类别2 after 处罚类别 (see the seed descriptions)
            for c in self.layout_2016_only(dataset):
                anchor = {"penalty_name": "decision_no", "penalty_category_2": "penalty_category"}.get(c)
                own.insert(own.index(anchor) + 1 if anchor in own else len(own), c)
        if severity and SEVERITY in self.labels[dataset]:
            own.insert(own.index("penalty_category") + 1 if "penalty_category" in own else len(own), SEVERITY)
        cols = common + own + [c for c in TRAILING if c in self.labels["common"]]
        if omit_empty_legacy:
            cols = [c for c in cols if c not in OMITTABLE]
        return cols

    def all_columns(self, dataset: str) -> list[str]:
        return list(self.dataset_labels(dataset))

    def _aliases(self, dataset: str, column: str) -> list[str]:
        return self.aliases.get(dataset, {}).get(column, []) + self.aliases.get("common", {}).get(column, [])

    # ------------------------------------------------------------ header variants
    def header_labels(self, dataset: str, columns: list[str], style: str,
                      rng: np.random.Generator) -> list[str]:
        """Header row for ``columns`` in a given style. Every label maps back to its column
        under :func:`normalize_header` + :meth:`header_lookup`."""
        labels = self.dataset_labels(dataset)
        out = []
        for c in columns:
            base = labels[c]
            al = self._aliases(dataset, c)
            if style == "layout2016":
                old = [a for a in al if _LAYOUT_2016_ALIAS.match(a)]
                out.append(old[0] if old else base)
            elif style == "aliases":
                plain = [a for a in al if not _LAYOUT_2016_ALIAS.match(a)]
                out.append(plain[int(rng.integers(len(plain)))] if plain and rng.random() < 0.6 else base)
            elif style == "spaces":
                r = rng.random()
                if r < 0.2:
                    out.append(" " + base)
                elif r < 0.4:
                    out.append(base + " ")
                elif r < 0.55 and len(base) > 3:
                    k = int(rng.integers(1, len(base) - 1))
                    out.append(base[:k] + " " + base[k:])
                elif r < 0.62:
                    out.append(base + "\u3000")
                else:
                    out.append(base)
            elif style == "brackets":
                bracketed = [a for a in [base] + al if "(" in a or "（" in a]
                pick = bracketed[0] if bracketed else base
                out.append(pick.replace("(", "（").replace(")", "）"))
            elif style == "star":
                out.append(("*" if rng.random() < 0.8 else "＊") + base if self.is_required(dataset, c) else base)
            else:
                out.append(base)
        return out

    def header_lookup(self, dataset: str) -> dict[str, str]:
        """normalised label or alias -> canonical column, for ``dataset``."""
        if dataset not in self._lookup:
            m: dict[str, str] = {}
            for c, lab in self.dataset_labels(dataset).items():
                m[normalize_header(lab)] = c
            for ds in ("common", dataset):
                for c, als in self.aliases.get(ds, {}).items():
                    for a in als:
                        m.setdefault(normalize_header(a), c)
            self._lookup[dataset] = m
        return self._lookup[dataset]

    def resolve_headers(self, dataset: str, headers: list[str]) -> list[str | None]:
        lk = self.header_lookup(dataset)
        return [lk.get(normalize_header(h)) for h in headers]


def load_seeds(seeds_dir: Path = SEEDS_DIR) -> Seeds:
    labels: dict[str, dict[str, str]] = {}
    required: dict[str, dict[str, bool]] = {}
    descr: dict[str, dict[str, str]] = {}
    for r in _read(seeds_dir / "dataset_columns.csv"):
        ds = r["dataset"].strip()
        labels.setdefault(ds, {})[r["column_name"].strip()] = r["label_zh"].strip()
        required.setdefault(ds, {})[r["column_name"].strip()] = r["required"].strip().lower() == "true"
        descr.setdefault(ds, {})[r["column_name"].strip()] = r.get("description_en", "") or ""
    aliases: dict[str, dict[str, list[str]]] = {}
    for r in _read(seeds_dir / "header_aliases.csv"):
        aliases.setdefault(r["dataset"].strip(), {}).setdefault(r["column_name"].strip(), []).append(r["alias"].strip())
    dd: dict[str, dict[str, date]] = {}
    for r in _read(seeds_dir / "department_datasets.csv"):
        ef = r.get("expected_from") or "1900-01-01"
        dd.setdefault(r["department"].strip(), {})[r["dataset"].strip()] = date.fromisoformat(ef.strip())
    depts = []
    for r in _read(seeds_dir / "departments.csv"):
        code = r["department"].strip()
        exp = {k: v for k, v in dd.get(code, {}).items() if k in DATASETS}
        depts.append(Department(
            code=code, name=r["department_name"].strip(), district=(r.get("district") or "").strip(),
            is_market_regulation=(r.get("is_market_regulation") or "").strip().lower() == "true",
            seed_uscc=(r.get("department_uscc") or "").strip(),
            datasets=tuple(ds for ds in DATASETS if ds in exp), expected_from=exp))
    for ds in DATASETS:
        labels.setdefault(ds, {})
        required.setdefault(ds, {})
        descr.setdefault(ds, {})
    return Seeds(labels, required, descr, aliases, depts)
