"""Packaging glue pyproject.toml cannot express: the wheel carries the project files the code reads at run time.

`pip install .` (not editable) puts the dbt project, the Great Expectations suites, the committed sample drops
(for `credit demo`) and the data dictionary (for `credit docs`) inside the package, under
dagster_project/_bundled/, where dagster_project/paths.py finds them. Nothing is ever written there: dbt's
artifacts go beside the warehouse (settings.dbt_dir). A checkout or an editable install reads the files
where they are. tests/test_install.py installs the wheel into a fresh venv and builds from it.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# (source in the checkout, destination under dagster_project/_bundled/); keep in step with MANIFEST.in
BUNDLED = [("dbt_credit", "dbt_credit"), ("expectations", "expectations"), ("raw_drops/sample", "raw_drops/sample"),
           ("docs/data-dictionary.md", "docs/data-dictionary.md")]
# never shipped: dbt's own output from a checkout's ad-hoc commands
IGNORED = shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__", "*.pyc", ".user.yml")


class BuildPyWithProjectFiles(build_py):
    def run(self):
        super().run()
        root = Path(__file__).resolve().parent
        dest_root = Path(self.build_lib) / "dagster_project" / "_bundled"
        for src, dest in BUNDLED:
            source, target = root / src, dest_root / dest
            if source.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target, ignore=IGNORED)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildPyWithProjectFiles})
