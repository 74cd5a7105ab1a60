"""Great Expectations Data Docs that open on an intranet with no internet, and one index over all suites.

GX 1.x writes every page with ~11 script and stylesheet references to public CDNs (jQuery, Bootstrap,
bootstrap-table, Vega, Font Awesome); offline those pages render unstyled and each site's index lists nothing
(its tables are drawn by bootstrap-table). The result pages themselves are plain HTML tables. So, after GX
has built a suite's site (`<warehouse>.gate-docs/<suite>/`), make_offline():
- removes every external <script>/<link> and every script (no page needs one once its index is static),
- links a small stylesheet of ours instead (static/styles/offline.css: tables, status colours, the few icons
  the pages use, drawn as characters),
- rewrites the site's index.html as a static list of its validation and expectation pages,
- removes external url(...) references from the site's stylesheets, external images (GX's logo, fetched from
  its web server on every view) and links to GX's web site (kept as text).
write_index() then writes `<warehouse>.gate-docs/index.html`: every suite's latest result on one page, from the
summary.json each gate check leaves in its site. The build log and each gate check's metadata link it.
"""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

_EXTERNAL_TAG = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"       # stylesheets (and icons) from elsewhere
    r"|<script\b[^>]*>.*?</script>",                              # every script: external or needing one
    re.IGNORECASE | re.DOTALL)
_CSS_EXTERNAL_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", re.IGNORECASE)
_EXTERNAL_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)  # GX's logo, fetched
_EXTERNAL_HREF = re.compile(r"(<a\b[^>]*?)\s+href\s*=\s*[\"'](?:https?:)?//[^\"']*[\"']", re.IGNORECASE)  # GX's site
SUMMARY = "summary.json"
OFFLINE_CSS = """\
/* Data Docs offline (dagster_project/gates/datadocs.py): what the CDN's Bootstrap and Font Awesome gave. */
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 0 2em 2em;
       color: #222; line-height: 1.45; }
a { color: #0b5cad; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; text-align: left; }
th { background: #f2f2f2; }
.text-success, .passed { color: #137333; }
.text-danger, .failed { color: #b3261e; }
.text-warning, .warned { color: #9a6700; }
.d-none, .collapse:not(.show), .cooltip .top, .navbar-toggler { display: none; }
.fas::before, .far::before { font-style: normal; font-weight: bold; }
.fa-check-circle::before, .fa-check::before { content: "\\2714\\FE0E  "; }
.fa-times-circle::before, .fa-times::before { content: "\\2718\\FE0E  "; }
.fa-exclamation-triangle::before { content: "\\26A0\\FE0E  "; }
.fa-question-circle::before { content: "?  "; }
.fa-info-circle::before { content: "\\2139\\FE0E  "; }
pre, code { white-space: pre-wrap; word-break: break-all; }
"""


def _rel(from_dir: Path, to: Path) -> str:
    return Path(os.path.relpath(to, from_dir)).as_posix()


def make_offline(site: Path) -> int:
    """Make one suite's GX site self-contained (see the module doc). Returns how many references were removed."""
    site = Path(site)
    if not site.is_dir():
        return 0
    css = site / "static" / "styles" / "offline.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(OFFLINE_CSS, encoding="utf-8")
    removed = 0
    for sheet in (site / "static").rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        text, n = _CSS_EXTERNAL_URL.subn("none", text)
        if n:
            sheet.write_text(text, encoding="utf-8")
            removed += n
    for page in site.rglob("*.html"):
        if page == site / "index.html":
            continue
        text = page.read_text(encoding="utf-8")
        text, n = _EXTERNAL_TAG.subn("", text)
        text, n_img = _EXTERNAL_IMG.subn("", text)
        text, n_href = _EXTERNAL_HREF.subn(r"\1", text)  # the link text stays; nothing points outside
        text, n_url = _CSS_EXTERNAL_URL.subn("none", text)  # the pages' own <style> blocks
        n += n_img + n_href + n_url
        link = f'<link rel="stylesheet" href="{_rel(page.parent, css)}">'
        text = text.replace("</head>", f"  {link}\n</head>", 1)
        page.write_text(text, encoding="utf-8")
        removed += n
    _write_site_index(site, css)
    return removed


def _pages(site: Path, folder: str) -> list[Path]:
    return sorted((site / folder).rglob("*.html"), reverse=True) if (site / folder).is_dir() else []


def _write_site_index(site: Path, css: Path) -> None:
    """The suite site's own index, as static links (GX's is drawn by scripts from a CDN)."""
    items = [("校验结果 Validation results", _pages(site, "validations")),
             ("期望套件 Expectation suite", _pages(site, "expectations"))]
    body = "".join(
        f"<h2>{title}</h2><ul>"
        + "".join(f'<li><a href="{html.escape(_rel(site, p))}">{html.escape(_rel(site, p))}</a></li>' for p in pages)
        + "</ul>" for title, pages in items)
    up = '<p><a href="../index.html">全部闸门 All gates</a></p>'  # write_index() writes it beside the sites
    (site / "index.html").write_text(_page(f"Data Docs · {site.name}", _rel(site, css), up + body), encoding="utf-8")


def _page(title: str, css_href: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="UTF-8"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="{html.escape(css_href)}"></head>\n<body><h1>{html.escape(title)}</h1>\n'
            f"{body}\n</body></html>\n")


def write_site_summary(site: Path, summary: dict) -> None:
    """What the index shows for one suite (written by its gate check after each run)."""
    site = Path(site)
    site.mkdir(parents=True, exist_ok=True)
    validations = _pages(site, "validations")
    expectations = _pages(site, "expectations")
    summary = {**summary,
               "validation_page": _rel(site, validations[0]) if validations else None,
               "expectation_page": _rel(site, expectations[0]) if expectations else None}
    (site / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def write_index(root: Path) -> Path:
    """`<root>/index.html`: one row per suite site that has a summary.json, latest result first by name."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for summary_file in sorted(root.glob(f"*/{SUMMARY}")):
        site = summary_file.parent
        s = json.loads(summary_file.read_text(encoding="utf-8"))
        status = ("passed", "通过 passed") if s.get("passed") else (
            ("failed", "未通过（阻断）failed, blocking") if s.get("blocking_failed") else ("warned", "警告 warnings"))

        def link(key: str, label: str) -> str:
            return f'<a href="{html.escape(site.name + "/" + s[key])}">{label}</a>' if s.get(key) else ""

        rows.append(
            f"<tr><td><a href=\"{html.escape(site.name)}/index.html\">{html.escape(s.get('suite', site.name))}</a></td>"
            f"<td>{html.escape(str(s.get('table', '')))}</td><td class=\"{status[0]}\">{status[1]}</td>"
            f"<td>{s.get('expectations', '')}</td><td>{s.get('failed', '')}</td><td>{s.get('held_records', '')}</td>"
            f"<td>{html.escape(str(s.get('checked_at', '')))}</td>"
            f"<td>{link('validation_page', '结果 result')} {link('expectation_page', '套件 suite')}</td></tr>")
    table = ("<table><tr><th>套件 Suite</th><th>表 Table</th><th>结果 Outcome</th><th>期望数 Expectations</th>"
             "<th>未通过 Failed</th><th>暂缓公示 Held records</th><th>检查时间 Checked at</th><th>页面 Pages</th></tr>"
             + "".join(rows) + "</table>")
    css = root / "offline.css"
    css.write_text(OFFLINE_CSS, encoding="utf-8")
    index = root / "index.html"
    index.write_text(_page("质量闸门 Data Docs · Great Expectations gates", "offline.css", table), encoding="utf-8")
    return index
