"""The analysts' notebooks run top to bottom against the sample warehouse and save their charts.

Each notebook is executed with nbclient in a fresh kernel (this venv's Python, through a kernelspec written
to a temporary folder, so an engineer's own Jupyter kernels never interfere), reading the session's sample
build through CREDIT_WAREHOUSE and saving PNGs into NOTEBOOK_OUTPUT_DIR.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
KERNEL_NAME = "credit-warehouse-tests"
#: notebook -> the charts it must save
EXPECTED_CHARTS = {
    "01_entity_archive.ipynb": {"01_entity_status.png", "01_entity_disclosure_windows.png"},
    "02_department_quality_trend.ipynb": {"02_*_compliance_trend.png", "02_*_late_trend.png", "02_*_volume.png"},
    "03_cross_list_questions.ipynb": {"03_penalties_by_type_district.png", "03_multi_penalty_entities.png",
                                      "03_overlaps.png"},
}


def test_every_notebook_is_covered():
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(EXPECTED_CHARTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: clear outputs before committing"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_notebook_reads_read_only_from_the_environment(name):
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOK_DIR / name, as_version=4).cells)
    assert 'os.environ.get("CREDIT_WAREHOUSE")' in source and "read_only=True" in source
    assert "NOTEBOOK_OUTPUT_DIR" in source and "cjk_font_path" in source


@pytest.fixture(scope="module")
def kernel(tmp_path_factory) -> str:
    """A kernelspec for this venv's Python in a private Jupyter path (works on a fresh venv)."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL_NAME, display_name="credit tests", prefix=str(prefix))
    return str(prefix / "share" / "jupyter")


def _execute(name: str, warehouse: Path, out_dir: Path, kernel: str, monkeypatch) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", kernel)
    monkeypatch.setenv("CREDIT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NOTEBOOK_OUTPUT_DIR", str(out_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=600, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError on the first failing cell

    problems = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"{cell.id}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"{cell.id} wrote to stderr: {output.text[:300]}")
    assert not problems, "\n".join(problems)
    # charts were drawn with the CJK font: no 'Glyph ... missing from font' anywhere in the outputs
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert "missing from font" not in json.dumps(outputs, ensure_ascii=False)
    return nb


def _assert_chart(path: Path) -> None:
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 600 and height >= 300, f"{path.name} is only {width}x{height}"
    assert len(png) > 15_000, f"{path.name} is nearly empty ({len(png)} bytes)"


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_notebook_runs_and_saves_charts(name, sample_build, kernel, tmp_path, monkeypatch):
    warehouse = sample_build[0]
    before = warehouse.stat().st_mtime_ns
    out_dir = tmp_path / "charts"
    _execute(name, warehouse, out_dir, kernel, monkeypatch)

    saved = sorted(p.name for p in out_dir.glob("*.png"))
    for pattern in EXPECTED_CHARTS[name]:
        matches = list(out_dir.glob(pattern))
        assert len(matches) == 1, f"{name}: expected one chart {pattern}, found {saved}"
        _assert_chart(matches[0])
    assert (out_dir / ".gitignore").read_text().strip() == "*", "chart folder must ignore itself"
    assert warehouse.stat().st_mtime_ns == before, "a notebook modified the published warehouse"


def test_cross_list_notebook_uses_red_black_lists_once_published(sample_build, kernel, tmp_path, monkeypatch):
    """The red/black placeholder cell works once marts.fct_credit_list_membership exists (synthetic if the
    sample does not publish it yet)."""
    import shutil

    import duckdb

    warehouse = tmp_path / "credit.duckdb"
    shutil.copy2(sample_build[0], warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("""
            create table if not exists marts.fct_credit_list_membership as
            select 'M' || entity_id as membership_id, entity_id,
                   case when hash(entity_id) % 3 = 0 then '红名单' else '黑名单' end as list_type,
                   '测试名单' as list_name, hash(entity_id) % 5 <> 0 as is_current
            from marts.dim_entity
            where hash(entity_id) % 4 = 0
        """)
    finally:
        con.close()
    out_dir = tmp_path / "charts"
    _execute("03_cross_list_questions.ipynb", warehouse, out_dir, kernel, monkeypatch)
    _assert_chart(out_dir / "03_credit_lists.png")
