"""The sample manifest: what ``generate_sample`` planted, for tests and benchmarks."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = ".sample_manifest.json"
ROWS_NAME = ".sample_rows.csv"


@dataclass
class SampleManifest:
    """Everything the generator planted.

    ``files`` entries: path (relative to out_dir, '/' separated), department, drop_date,
    dataset ('penalty' | 'license' | 'penalty+license'), format ('csv' | 'xlsx'), encoding
    ('utf-8' | 'utf-8-sig' | 'gbk' | None for xlsx), newline, rows, header_style, date_style,
    and ``sheets`` (one per dataset: name (xlsx sheet or None), dataset, rows, header_row
    (0-based line/row index of the header; 1 when a title row sits above it), columns
    (canonical column names in file order), labels (the header as written)).

    ``defects`` counts every planted anomaly by name (``defect_info`` says what each one is,
    which dataset(s) it applies to, its share and whether it breaks a field rule);
    ``rows_file`` lists the affected rows (path, sheet, row = 0-based data-row index).

    ``late`` counts first submissions (not resubmissions) whose drop date is after the 7th
    working day after the decision date; ``late_judged`` is the number of first submissions with
    a readable decision date, ``late_denominator`` adds the corrected / revoked resubmissions
    (new records, never late). ``bad_files`` entries: path, expected_reason (the ingestion reason
    code), department, and per kind extras (missing_columns; rejected_row_index (0-based data row)
    / rejected_line (1-based physical line) / loadable_rows / duplicate_of for malformed_row)."""

    seed: int
    start: str
    end: str
    records: int
    records_by_dataset: dict[str, int]
    records_by_department: dict[str, dict[str, int]]
    records_by_month: dict[str, dict[str, dict[str, int]]]      # department -> dataset -> YYYY-MM -> rows
    files: list[dict[str, Any]]
    defects: dict[str, int]
    defects_by_dataset: dict[str, dict[str, int]]
    defect_info: dict[str, dict[str, Any]]
    late: int
    late_judged: int
    late_boundary: dict[str, int]
    missing_reports: list[dict[str, Any]]
    planted_missing_report: dict[str, Any] | None
    bad_files: list[dict[str, Any]]
    departments: dict[str, dict[str, Any]]
    layout_2016_department: str | None
    severity_departments: list[str]
    entities: dict[str, int]
    code_conflict_usccs: list[str]
    shares: dict[str, float]
    records_after_dedup: int = 0          # records minus exact resubmissions (the metric's "records")
    late_denominator: int = 0             # 迟报率 denominator: records after dedup with a readable decision date
    rows_file: str = ROWS_NAME
    calendar_fallback_days: int = 0
    generator: str = "dagster_project.sample"
    version: int = 1
    notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    def write(self, out_dir: Path) -> Path:
        p = Path(out_dir) / MANIFEST_NAME
        p.write_text(self.to_json(), encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: Path | str) -> "SampleManifest":
        p = Path(path)
        if p.is_dir():
            p = p / MANIFEST_NAME
        return cls(**json.loads(p.read_text(encoding="utf-8")))

    # convenience for tests
    @property
    def good_files(self) -> list[dict[str, Any]]:
        return self.files

    def files_where(self, **kw: Any) -> list[dict[str, Any]]:
        return [f for f in self.files if all(f.get(k) == v for k, v in kw.items())]
