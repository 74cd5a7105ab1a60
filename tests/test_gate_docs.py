"""Great Expectations Data Docs open offline (no http(s) asset anywhere) and one index lists every suite, linked
from the build summary and from each gate check's metadata (issue 21)."""
from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from dagster_project.gates import discover_suites
from dagster_project.gates.datadocs import make_offline, write_index, write_site_summary
from dagster_project.instance import default_dagster_home, open_instance
from dagster_project.paths import EXPECTATIONS_DIR
from dagster_project.settings import gate_docs_dir

# anything a browser would fetch from elsewhere: a script, stylesheet, image or CSS url(), and any link out
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


def _external_refs(folder: Path) -> list[str]:
    return [f"{p.relative_to(folder)}: {m.group(0)}" for p in folder.rglob("*")
            if p.suffix in (".html", ".css", ".js") for m in _EXTERNAL.finditer(p.read_text(errors="replace"))]


GX_LIKE_PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<link rel="stylesheet" type="text/css" href="//unpkg.com/bootstrap-table@1.19.0/x.css">
<link rel="shortcut icon" href="../../static/images/favicon.ico" type="image/x-icon"/>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<style>.logo { background: url('https://great-expectations-web-assets.example/logo.png'); }</style>
</head><body><img src="https://great-expectations-web-assets.example/logo-long.png?d=1">
<a href="https://greatexpectations.io/newsletter">Newsletter</a>
<table><tr><td><i class="fas fa-check-circle text-success"></i> expect_column_values_to_not_be_null</td></tr></table>
<script>$('#t').bootstrapTable({data: []});</script>
</body></html>"""


def test_make_offline_leaves_no_external_reference_and_keeps_the_content(tmp_path):
    site = tmp_path / "raw_penalty"
    page = site / "validations" / "raw_penalty" / "run" / "20261122T020000Z" / "gate.html"
    page.parent.mkdir(parents=True)
    page.write_text(GX_LIKE_PAGE, encoding="utf-8")
    (site / "expectations").mkdir()
    (site / "expectations" / "raw_penalty.html").write_text(GX_LIKE_PAGE, encoding="utf-8")
    styles = site / "static" / "styles"
    styles.mkdir(parents=True)
    (styles / "gx.css").write_text("h1 { background: url('https://example.org/a.png') } p { color: red }")
    (site / "index.html").write_text("<html><head></head><body><script src='https://x/y.js'></script></body></html>")

    removed = make_offline(site)

    assert _external_refs(site) == []
    assert removed == 2 * 7 + 1  # per page: 2 stylesheets, 1 script + 1 inline script, image, link, style url
    text = page.read_text(encoding="utf-8")
    assert "expect_column_values_to_not_be_null" in text and "Newsletter" in text  # content stays
    assert 'href="../../../../static/styles/offline.css"' in text and (styles / "offline.css").is_file()
    assert "favicon.ico" in text  # local references stay
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="validations/raw_penalty/run/20261122T020000Z/gate.html"' in index
    assert 'href="expectations/raw_penalty.html"' in index and 'href="../index.html"' in index


def test_index_lists_every_suite_with_its_outcome(tmp_path):
    for name, passed, blocking in (("raw_penalty", True, False), ("marts_public_disclosure", False, True),
                                   ("marts_dim_entity", False, False)):
        site = tmp_path / name
        (site / "validations").mkdir(parents=True)
        (site / "validations" / "v.html").write_text("<html></html>")
        write_site_summary(site, {"suite": name, "table": "t.t", "passed": passed, "blocking_failed": blocking,
                                  "expectations": 5, "failed": 0 if passed else 2, "held_records": 0})
    index = write_index(tmp_path).read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td><a href=\"([^/]+)/index.html\">.*?</td><td class=\"(\w+)\"", index)
    assert rows == [("marts_dim_entity", "warned"), ("marts_public_disclosure", "failed"), ("raw_penalty", "passed")]
    assert 'href="raw_penalty/validations/v.html"' in index
    assert _external_refs(tmp_path) == []


def test_a_build_writes_offline_docs_with_one_index_linked_from_summary_and_checks(sample_build):
    warehouse, summary = sample_build
    root = gate_docs_dir(warehouse)
    index = root / "index.html"
    assert summary["gate_docs"] == str(index)
    assert _external_refs(root) == []
    text = index.read_text(encoding="utf-8")
    suites = [s.name for s in discover_suites(EXPECTATIONS_DIR)]
    assert len(suites) >= 7 and all(f'href="{name}/index.html"' in text for name in suites)
    for name in suites:  # every link on the index resolves
        for href in re.findall(rf'href="({re.escape(name)}/[^"]+)"', text):
            assert (root / href).is_file(), href
    log = Path(summary["log_file"]).read_text(encoding="utf-8")
    assert f"Data Docs (all gates): {index}" in log
    with open_instance(default_dagster_home(warehouse)) as instance:
        key = dg.AssetCheckKey(dg.AssetKey(["raw", "penalty"]), "gate_raw_penalty")
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
        evaluation = record.event.dagster_event.event_specific_data
        assert evaluation.metadata["data_docs_index"].value == str(index)
