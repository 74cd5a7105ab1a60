"""Ingestion limits, as data: `ingest_limits.yml` beside this module (the rules of what one file may cost).

    limits = load_limits()            # or load_limits(path) for another file
    limits.max_rows_per_sheet

Every key is required and must be a positive number; an unknown key is an error (a typo must not silently
leave a limit at a default)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

LIMITS_FILE = Path(__file__).with_name("ingest_limits.yml")


@dataclass(frozen=True)
class IngestLimits:
    max_rows_per_sheet: int  # last non-empty row of a sheet (xlsx/xlsm/xls)
    max_expansion_ratio: float  # uncompressed size of an xlsx zip / its file size
    max_uncompressed_mb: float  # uncompressed size of an xlsx zip

    @property
    def max_uncompressed_bytes(self) -> int:
        return int(self.max_uncompressed_mb * 1024 * 1024)


def load_limits(path: Path | str | None = None) -> IngestLimits:
    path = Path(path or LIMITS_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = data["xlsx"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        raise ValueError(f"ingest limits {path}: cannot read the 'xlsx' section ({e})") from None
    if not isinstance(section, dict):
        raise ValueError(f"ingest limits {path}: 'xlsx' must be a mapping")
    names = [f.name for f in fields(IngestLimits)]
    unknown = sorted(set(section) - set(names))
    missing = [n for n in names if n not in section]
    if unknown or missing:
        raise ValueError(f"ingest limits {path}: unknown keys {unknown}, missing keys {missing}")
    values = {}
    for f in fields(IngestLimits):
        v = section[f.name]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise ValueError(f"ingest limits {path}: {f.name} must be a positive number, got {v!r}")
        values[f.name] = int(v) if f.type in ("int", int) else v
    return IngestLimits(**values)
