"""Where the project's own files live, resolved from this package (works from any cwd).

From a checkout (or an editable install) they are the checkout's folders. An installed wheel (`pip install .`)
carries them inside the package, in dagster_project/_bundled/ (setup.py copies them there): read-only, nothing
is written under it (dbt's artifacts go beside the warehouse: settings.dbt_dir).
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_bundled"
#: True when running from an installed wheel rather than a checkout
INSTALLED = (_BUNDLED / "dbt_credit" / "dbt_project.yml").is_file()
PROJECT_ROOT = _BUNDLED if INSTALLED else PACKAGE_DIR.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_credit"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SAMPLE_DROPS_DIR = PROJECT_ROOT / "raw_drops" / "sample"
# The real public files live beside the clone in CI; a newcomer's clone may not have them.
SHARED_DIR = PACKAGE_DIR.parent.parent / "shared"
REALDATA_DIR = SHARED_DIR / "realdata"
