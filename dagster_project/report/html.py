"""Self-contained HTML rendering (Jinja2, autoescaped): charts inline as PNG, and the CJK
fonts from mplfonts (宋体-style body, 黑体-style headings) subset to the characters used and
embedded as WOFF, so the page renders (and prints, A4) the same on a machine without any CJK
font. A 公文 (``doc.is_official``) follows the order of the PDF: 版头, 标题, 主送, 正文, 附件说明,
落款, 附注, 附件, 版记."""
from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from . import tables as T
from .content import REPORT_NAME, Document, Figure, Heading, PageBreak, Para, Signature, TableBlock
from .fonts import heading_font_path, subset_font_data_uri

_TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="generator" content="credit warehouse 通报生成器">
<title>{{ report_name }}_{{ doc.month }}</title>
<style>
@font-face { font-family: "ReportSerif"; src: url("{{ font_uri }}") format("woff"); }
@font-face { font-family: "ReportHei"; src: url("{{ hei_uri }}") format("woff"); }
@page {
  size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-right { content: "— " counter(page) " —"; font-family: "ReportSerif"; font-size: 14pt; }
}
body { font-family: "ReportSerif", serif; font-size: 16pt; line-height: 1.8; color: #000;
       max-width: 156mm; margin: 0 auto; padding: 8mm 0; }
.mark { text-align: center; color: #c81010; font-size: 30pt; font-weight: bold; letter-spacing: 0.05em;
        margin: 24mm 0 0; text-indent: 0; }
.docno { text-align: center; margin: 14mm 0 4mm; }
hr.red { border: 0; border-top: 2px solid #c81010; margin: 0 0 18mm; }
h1 { font-size: 22pt; text-align: center; font-weight: bold; margin: 0 0 10mm; line-height: 1.45; }
h2 { font-family: "ReportHei", sans-serif; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em;
     break-after: avoid; }
p { text-indent: 2em; margin: 0; text-align: justify; }
p.noindent { text-indent: 0; }
p.small, .note { font-size: 12pt; color: #444; text-indent: 0; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; margin: 2px 0; line-height: 1.35; }
caption { font-family: "ReportHei", sans-serif; font-size: 11pt; padding: 6px 0 4px; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { font-family: "ReportHei", sans-serif; background: #dee4f0; font-weight: normal; border: 0.5pt solid #555;
     padding: 2px 4px; text-align: center; word-break: keep-all; }
td { border: 0.5pt solid #555; padding: 2px 4px; }
td.text { text-align: left; white-space: pre-line; } td.num { text-align: center; } td.n { text-align: right; white-space: nowrap; }
td.praise { color: #006e28; } td.criticise { color: #be1414; }
figure { margin: 10px 0; text-align: center; break-inside: avoid; }
figure img { width: 100%; max-width: 156mm; }
figcaption { font-family: "ReportHei", sans-serif; font-size: 11pt; }
.attachments { margin-top: 1.8em; }
.attachments p { text-indent: 0; padding-left: 2em; }
.attachments p + p { padding-left: 5em; }
.closing { break-inside: avoid; }
.seal { height: 3.6em; }
.signature { text-align: right; padding-right: 4em; }
.signature div { display: inline-block; text-align: center; }
.annex { break-before: page; }
.annex .label { font-family: "ReportHei", sans-serif; text-indent: 0; }
.colophon { margin-top: 3em; font-size: 14pt; border-top: 1.3px solid #000; border-bottom: 1.3px solid #000;
            break-inside: avoid; }
.colophon p { text-indent: 0; padding: 0 1em; }
.colophon .cc { border-bottom: 0.9px solid #000; }
.colophon .printed { display: flex; justify-content: space-between; }
.pagebreak { break-before: page; }
</style>
</head>
<body>
{%- macro render(blocks) %}
{%- for b in blocks %}
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
<div class="signature"><div>{{ b.issuer }}<br>{{ b.when }}</div></div>
{%- elif b.type == "pagebreak" %}
<div class="pagebreak"></div>
{%- endif %}
{%- endfor %}
{%- endmacro %}
{%- if doc.is_official %}
<p class="mark">{{ doc.issuer_mark }}</p>
<div class="docno">{{ doc.doc_no }}</div>
<hr class="red">
<h1>{% for line in title_lines %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</h1>
<p class="noindent">{{ doc.recipients }}</p>
{{ render(blocks) }}
<div class="closing">
{%- if attachments %}
<div class="attachments">{% for a in attachments %}<p>{{ a }}</p>{% endfor %}</div>
{%- endif %}
<div class="seal"></div>
<div class="signature"><div>{{ doc.issuer }}<br>{{ doc.signed_date }}</div></div>
{%- if doc.note %}<p>{{ doc.note }}</p>{% endif %}
</div>
{%- for a in annexes %}
<section class="annex">
<p class="label">附件{% if annexes|length > 1 %}{{ loop.index }}{% endif %}</p>
<h1>{{ a.title }}</h1>
{{ render(a.blocks) }}
</section>
{%- endfor %}
<div class="colophon">
{%- if doc.cc %}<p class="cc">抄送：{{ doc.cc }}</p>{% endif %}
<p class="printed"><span>{{ doc.printed_by }}</span><span>{{ doc.signed_date }}印发</span></p>
</div>
{%- else %}
<div class="masthead"><p class="noindent">{{ doc.issuer }}</p><p class="noindent">{{ report_name }}</p></div>
<div class="docno">{{ doc.doc_no }}</div>
<hr class="red">
<h1>{{ doc.title }}</h1>
<p class="noindent">{{ doc.recipients }}</p>
{{ render(blocks) }}
{%- endif %}
</body>
</html>
"""


def _cls(kind: str) -> str:
    return {"text": "text", "num": "num"}.get(kind, "n")


def html_blocks(doc: Document, blocks: list | None = None) -> list[dict]:
    out: list[dict] = []
    for b in (doc.blocks if blocks is None else blocks):
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
    lines = list(doc.title_lines)
    if lines and doc.title.startswith("".join(lines)):
        lines[-1] += doc.title[len("".join(lines)):]
    context = {
        "doc": doc,
        "blocks": html_blocks(doc),
        "report_name": REPORT_NAME,
        "title_lines": lines or [doc.title],
        "attachments": doc.attachment_lines,
        "annexes": [{"title": a.title, "blocks": html_blocks(doc, a.blocks)} for a in doc.annexes],
    }
    # first pass to learn which characters the page uses; then embed just those glyphs of both fonts
    draft = template.render(font_uri="", hei_uri="", **context)
    text = draft + doc.all_text()
    html = template.render(font_uri=subset_font_data_uri(text),
                           hei_uri=subset_font_data_uri(text, heading_font_path()), **context)
    path.write_text(html, encoding="utf-8")
