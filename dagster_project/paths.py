"""Where the project's own files live, resolved from this package (works from any cwd)."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_credit"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SAMPLE_DROPS_DIR = PROJECT_ROOT / "raw_drops" / "sample"
# The real public files live beside the clone in CI; a newcomer's clone may not have them.
SHARED_DIR = PROJECT_ROOT.parent / "shared"
REALDATA_DIR = SHARED_DIR / "realdata"
