"""The sample drop generator. See ``dagster_project.sample`` for the API and layout.

One run, stage by stage (each stage a module, mixed into _Gen): _stage_setup (departments, drops, files),
_stage_records (parties and rows), _stage_render (cells as departments write them), _stage_defects
(planted defects), _stage_write (the files), _stage_manifest (the counts); _common holds what they share.
"""
from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ._calendar import WorkCalendar
from ._seeds import DATASETS, Seeds, load_seeds
from .manifest import SampleManifest
from ._common import DEFAULT_SHARES, _rng
from ._stage_setup import SetupStage
from ._stage_records import RecordsStage
from ._stage_render import RenderStage
from ._stage_defects import DefectStage
from ._stage_write import WriteStage
from ._stage_manifest import ManifestStage


class _Gen(SetupStage, RecordsStage, RenderStage, DefectStage, WriteStage, ManifestStage):
    def __init__(self, out_dir: Path, records: int, seed: int, start: date, end: date,
                 bad_files: bool, shares: Mapping[str, float] | None, seeds: Seeds | None):
        if records < 0:
            raise ValueError("records must be >= 0")
        if end < start:
            raise ValueError("end before start")
        unknown = set(shares or {}) - set(DEFAULT_SHARES)
        if unknown:
            raise ValueError(f"unknown shares: {sorted(unknown)}")
        self.out = Path(out_dir)
        self.records = int(records)
        self.seed = int(seed)
        self.start, self.end = start, end
        self.bad = bad_files
        self.shares = {**DEFAULT_SHARES, **(shares or {})}
        self.seeds = seeds or load_seeds()
        self.cal = WorkCalendar(start - timedelta(days=220), end + timedelta(days=31))
        self.timing: dict[str, float] = {}
        self._t = time.perf_counter()
        self.truth: list[tuple] = []          # (dataset, row, kind, detail, src_dataset_row or -1)
        self.defects: dict[str, dict[str, int]] = {ds: {} for ds in DATASETS}

    def rng(self, *parts: Any) -> np.random.Generator:
        return _rng(self.seed, *parts)

    def tick(self, name: str) -> None:
        now = time.perf_counter()
        self.timing[name] = round(now - self._t, 3)
        self._t = now

    # ============================================================ run
    def run(self) -> SampleManifest:
        self._clear_previous()
        self.out.mkdir(parents=True, exist_ok=True)
        self.setup_departments()
        self.setup_drops()
        self.setup_files()
        self.setup_population()
        self.tick("setup")
        RS, CS = {}, {}
        for ds in DATASETS:
            R = self.build_rows(ds)
            self.choose_resubmissions(ds, R)
            self.choose_timing(ds, R)
            C = self.render(ds, R)
            self.plant_defects(ds, R, C)
            RS[ds], CS[ds] = R, C
        self.R = RS
        self.plant_conflicts(RS, CS)
        for ds in DATASETS:
            self.copy_resubmissions(ds, RS[ds], CS[ds])
            self.features(ds, RS[ds], CS[ds])
        self.tick("rows")
        files = self.write_files(RS, CS)
        self.tick("write")
        bad = self.write_bad_files(RS, CS)
        manifest = self.manifest(RS, CS, files, bad)
        self.write_rows_file(RS)
        manifest.write(self.out)
        self.tick("manifest")
        if os.environ.get("CREDIT_SAMPLE_TIMING"):
            print("sample timing:", self.timing)
        return manifest


def generate_sample(out_dir: Path, records: int, seed: int = 7, *, start: date = date(2025, 11, 1),
                    end: date = date(2026, 11, 20), bad_files: bool = True,
                    shares: Mapping[str, float] | None = None) -> SampleManifest:
    """Write a deterministic, realistic set of departmental drops under ``out_dir`` (which is
    emptied first) and return the manifest (also written to ``out_dir/.sample_manifest.json``)."""
    return _Gen(Path(out_dir), records, seed, start, end, bad_files, shares, None).run()
