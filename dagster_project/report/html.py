"""Self-contained HTML rendering (Jinja2, autoescaped): charts inline as PNG, and the CJK
font from mplfonts subset to the characters used and embedded as WOFF, so the page
renders (and prints, A4) the same on a machine without any CJK font."""
from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from . import tables as T
from .content import REPORT_NAME, Document, Figure, Heading, PageBreak, Para, Signature, TableBlock
from .fonts import subset_font_data_uri

_TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="generator" content="credit warehouse 通报生成器">
<title>{{ report_name }}_{{ doc.month }}</title>
<style>
@font-face { font-family: "ReportCJK"; src: url("{{ font_uri }}") format("woff"); }
@page {
  size: A4; margin: 18mm 18mm 20mm 18mm;
  @bottom-center { content: "第 " counter(page) " 页  共 " counter(pages) " 页"; font-family: "ReportCJK"; font-size: 9pt; }
}
body { font-family: "ReportCJK", sans-serif; font-size: 11pt; line-height: 1.6; color: #000;
       max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
.masthead { text-align: center; color: #c81010; }
.masthead .issuer { font-size: 26pt; letter-spacing: 0.1em; margin: 0; }
.masthead .name { font-size: 14pt; margin: 0; }
.docno { text-align: center; margin: 10px 0 4px; }
hr.red { border: 0; border-top: 2.5px solid #c81010; margin: 0 0 18px; }
h1 { font-size: 16pt; text-align: center; font-weight: normal; margin: 8px 0 12px; }
h2 { font-size: 13pt; font-weight: normal; margin: 18px 0 6px; break-after: avoid; }
p { text-indent: 2em; margin: 4px 0; text-align: justify; }
p.noindent { text-indent: 0; }
p.small, .note { font-size: 9pt; color: #444; text-indent: 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 2px 0; }
caption { font-size: 10pt; padding: 6px 0 4px; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { background: #dee4f0; font-weight: normal; border: 0.5pt solid #555; padding: 2px 4px; text-align: center; }
td { border: 0.5pt solid #555; padding: 2px 4px; }
td.text { text-align: left; white-space: pre-line; } td.num { text-align: center; } td.n { text-align: right; white-space: nowrap; }
td.praise { color: #006e28; } td.criticise { color: #be1414; }
figure { margin: 10px 0; text-align: center; break-inside: avoid; }
figure img { width: 100%; max-width: 170mm; }
figcaption { font-size: 9pt; }
.signature { text-align: right; margin-top: 24px; }
.signature div { margin: 2px 0; }
.pagebreak { break-before: page; }
</style>
</head>
<body>
<div class="masthead"><p class="issuer noindent">{{ doc.issuer }}</p><p class="name noindent">{{ report_name }}</p></div>
<div class="docno">{{ doc.doc_no }}</div>
<hr class="red">
<h1>{{ doc.title }}</h1>
<p class="noindent">{{ doc.recipients }}</p>
{% for b in blocks %}
{%- if b.type == "heading" %}
<h2>{{ b.text }}</h2>
{%- elif b.type == "para" %}
<p{% if b.small %} class="small"{% endif %}>{{ b.text }}</p>
{%- elif b.type == "table" %}
<table>
<caption>{{ b.title }}</caption>
<thead><tr>{% for h in b.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{%- for row in b.rows %}
<tr>{% for c in row %}<td class="{{ c.cls }}">{{ c.text }}</td>{% endfor %}</tr>
{%- else %}
<tr><td class="num" colspan="{{ b.headers|length }}">（无）</td></tr>
{%- endfor %}
</tbody>
</table>
{%- if b.note %}<div class="note">注：{{ b.note }}</div>{% endif %}
{%- elif b.type == "figure" %}
<figure><img alt="{{ b.caption }}" src="{{ b.src }}"><figcaption>{{ b.caption }}</figcaption></figure>
{%- elif b.type == "signature" %}
<div class="signature"><div>{{ b.issuer }}</div><div>{{ b.when }}</div></div>
{%- elif b.type == "pagebreak" %}
<div class="pagebreak"></div>
{%- endif %}
{%- endfor %}
</body>
</html>
"""


def _cls(kind: str) -> str:
    return {"text": "text", "num": "num"}.get(kind, "n")


def _blocks(doc: Document) -> list[dict]:
    out: list[dict] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append({"type": "heading", "text": b.text})
        elif isinstance(b, Para):
            out.append({"type": "para", "text": b.text, "small": b.small})
        elif isinstance(b, TableBlock):
            t = b.table
            idx = t.pdf_columns()
            rows = []
            for r_i, r in enumerate(t.rows):
                style = t.row_styles[r_i] if r_i < len(t.row_styles) else None
                row = []
                for i in idx:
                    c = t.columns[i]
                    cls = _cls(T.cell_kind(c, r[i])[1])
                    if c.label == "评定" and style:
                        cls += " " + style
                    row.append({"text": T.fmt_cell(c, r[i]), "cls": cls})
                rows.append(row)
            out.append(
                {
                    "type": "table",
                    "title": t.title,
                    "headers": [t.columns[i].label for i in idx],
                    "rows": rows,
                    "note": t.note,
                }
            )
        elif isinstance(b, Figure):
            src = "data:image/png;base64," + base64.b64encode(b.png).decode("ascii")
            out.append({"type": "figure", "src": src, "caption": b.caption})
        elif isinstance(b, Signature):
            out.append({"type": "signature", "issuer": b.issuer, "when": b.when})
        elif isinstance(b, PageBreak):
            out.append({"type": "pagebreak"})
    return out


def render_html(doc: Document, path: Path) -> None:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_TEMPLATE)
    context = {"doc": doc, "blocks": _blocks(doc), "report_name": REPORT_NAME}
    # first pass to learn which characters the page uses; then embed just those glyphs
    draft = template.render(font_uri="", **context)
    html = template.render(font_uri=subset_font_data_uri(draft + doc.all_text()), **context)
    path.write_text(html, encoding="utf-8")
