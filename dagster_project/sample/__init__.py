"""Sample drop generator: realistic, messy departmental 双公示 drops that can be shipped.

    from dagster_project.sample import generate_sample, SampleManifest
    m = generate_sample(out_dir, records=100_000, seed=7)

Layout written under ``out_dir`` (emptied first if it holds an earlier sample):

    <department>/<YYYY-MM-DD>/<file>      one folder per drop (folder date = drop date)
    .sample_manifest.json                 the manifest (see SampleManifest)
    .sample_rows.csv                      every planted row: path, sheet, row (0-based data row), kind, ...

Departments, datasets, header labels and aliases come from the dbt seeds at runtime.
Output is byte-identical for the same (records, seed, start, end, bad_files, shares).
"""
from ._common import DEFAULT_SHARES, DEFECT_INFO, RULE_DEFECTS
from ._generate import generate_sample
from ._ids import biz_reg_is_valid, org_code_is_valid, uscc_check_char, uscc_is_valid
from ._seeds import load_seeds, normalize_header
from .manifest import MANIFEST_NAME, ROWS_NAME, SampleManifest

__all__ = [
    "generate_sample", "SampleManifest", "DEFAULT_SHARES", "DEFECT_INFO", "RULE_DEFECTS",
    "MANIFEST_NAME", "ROWS_NAME", "load_seeds", "normalize_header",
    "uscc_is_valid", "uscc_check_char", "org_code_is_valid", "biz_reg_is_valid",
]
