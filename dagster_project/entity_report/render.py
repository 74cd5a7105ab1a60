"""``render_entity_report``: the 公共信用信息报告 of one entity, 公开版 and 内部版, HTML and PDF.

Rendering reuses the monthly report's pieces (``dagster_project.report``): the CJK font from
mplfonts, the A4 PDF class with running header and page numbers, the heading/paragraph/table
renderers, the HTML block conversion and the subset-font embedding. Only the masthead and the
page template are the entity report's own.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf.enums import WrapMode, XPos, YPos
from jinja2 import Environment, StrictUndefined

from ..report.content import Heading, PageBreak, Para, Signature, TableBlock
from ..report.fonts import subset_font_data_uri
from ..report.html import html_blocks
from ..report.pdf_blocks import draw_heading, draw_para, draw_red_rule, draw_signature, draw_table
from ..report.pdf_page import FONT, RED, new_report_pdf
from . import registry
from .config import load_config
from .content import REPORT_NAME, VERSION_CODE, VERSION_ZH, VERSIONS, EntityDocument, build_document
from .model import NATURAL_PERSON, load_entity, user_error
from .privacy import scrub_id_numbers

log = logging.getLogger(__name__)

NATURAL_PERSON_REFUSED = "涉及自然人的信用信息不公开"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')


@dataclass(frozen=True)
class EntityReportFiles:
    """What was written. The public paths are None when only the internal version was asked for."""

    entity_id: str
    entity_name: str
    as_of: date
    public_html: Path | None
    public_pdf: Path | None
    internal_html: Path | None
    internal_pdf: Path | None
    report_nos: dict[str, str] | None = None  # version -> 报告编号 of this issue
    verification_codes: dict[str, str] | None = None  # version -> 验证码

    def all_files(self) -> list[Path]:
        return [p for p in (self.public_html, self.public_pdf, self.internal_html, self.internal_pdf) if p]


def file_stem(name: str, key: str, version: str) -> str:
    """``公共信用信息报告_<name>_<uscc or id>_<公开版|内部版>`` (characters unsafe in file names dropped)."""
    safe = _UNSAFE.sub("", name)[:60] or "未命名"
    return f"{REPORT_NAME}_{safe}_{_UNSAFE.sub('', key)}_{VERSION_ZH[version]}"


def render_entity_report(
    warehouse: Path,
    entity: str,
    out_dir: Path,
    *,
    as_of: date | None = None,
    versions: tuple[str, ...] | list[str] = VERSIONS,
    issuer: str | None = None,
) -> EntityReportFiles:
    """Write the entity's 公共信用信息报告 into ``out_dir``: by default both the 公开版 (only what
    ``marts.public_disclosure`` holds for it, within 公示期 at ``as_of``) and the 内部版 (every record
    of ``marts.fct_credit_record`` with its disclosure status and reason, and the rules its held
    records break), each as HTML and PDF.

    ``entity``: a USCC (any case, full-width allowed) or an entity_id. ``as_of`` (出具日期): by
    default the warehouse's build date; it may not be earlier. Each call is one issue: a new 报告编号 and a
    验证码 per document, registered with the files' SHA-256 in ``<warehouse>.entity-reports/register.csv``
    (``registry``); apart from those, the same inputs give the same documents.

    Raises ``dagster_project.errors.UserError`` (one line) for a missing warehouse, an unknown
    entity, or the public version of a natural person (涉及自然人的信用信息不公开).
    """
    versions = tuple(dict.fromkeys(versions))
    bad = [v for v in versions if v not in VERSIONS]
    if bad or not versions:
        raise user_error(f"版本应为 public 和/或 internal / versions must be public and/or internal, got {bad or versions}")
    data = load_entity(Path(warehouse), entity, as_of, internal="internal" in versions)
    ent = data.entity
    if "public" in versions and ent.is_natural_person:
        raise user_error(
            f"{NATURAL_PERSON_REFUSED}：{ent.entity_id} 为{NATURAL_PERSON}，不出具公开版报告"
            "（只出具内部版：--version internal）"
        )
    config = load_config()
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    kwargs = {"issuer": issuer} if issuer else {}
    paths: dict[str, Path | None] = {}
    numbers: dict[str, str] = {}
    codes: dict[str, str] = {}
    warehouse = Path(warehouse)
    # one issue: the number is taken and the documents registered under the register's lock
    with registry.locked(warehouse):
        issue = registry.next_issue(warehouse, config.report_no_prefix, data.as_of)
        rows = []
        for version in VERSIONS:
            if version not in versions:
                paths[f"{version}_html"] = paths[f"{version}_pdf"] = None
                continue
            numbers[version] = issue.report_no(VERSION_CODE[version])
            codes[version] = registry.new_code()
            doc = build_document(data, version, report_no=numbers[version], verification_code=codes[version],
                                 config=config, **kwargs)
            stem = file_stem(doc.entity_name, ent.key, version)
            html_path, pdf_path = out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"
            render_pdf(doc, pdf_path)
            render_html(doc, html_path)
            paths[f"{version}_html"], paths[f"{version}_pdf"] = html_path, pdf_path
            for path in (pdf_path, html_path):
                rows.append({
                    "report_no": numbers[version], "verification_code": codes[version], "version": version,
                    "entity_id": ent.entity_id, "uscc": ent.valid_uscc or "", "entity_name": scrub_id_numbers(doc.entity_name),
                    "as_of": data.as_of.isoformat(),
                    "data_as_of": data.data_as_of.isoformat() if data.data_as_of else "",
                    "issued_at": issue.issued_at, "file_name": path.name, "sha256": registry.sha256_of(path)})
        registry.append(warehouse, rows)
    return EntityReportFiles(entity_id=ent.entity_id, entity_name=ent.entity_name, as_of=data.as_of,
                             report_nos=numbers, verification_codes=codes, **paths)


# --------------------------------------------------------------------------- PDF


def render_pdf(doc: EntityDocument, path: Path) -> None:
    pdf = new_report_pdf(doc.running_title, doc.all_text(), doc.as_of, "信用报告")
    pdf.set_title(doc.title)
    pdf.set_subject(doc.subject)
    pdf.set_author(doc.issuer)
    pdf.set_creator("credit warehouse 信用报告生成器")
    pdf.set_keywords(f"公共信用信息报告 {VERSION_ZH[doc.version]} {doc.doc_no}")
    pdf.set_lang("zh-CN")
    pdf.set_display_mode(zoom="fullwidth")

    pdf.add_page()
    _masthead(pdf, doc)
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(block, Heading):
            # a section heading stays with the start of its table (title, head and a first row)
            if isinstance(following, TableBlock) and following.table.rows and pdf.will_page_break(62):
                pdf.add_page()
            draw_heading(pdf, block)
        elif isinstance(block, Para):
            draw_para(pdf, block)
        elif isinstance(block, TableBlock):
            if block.table.rows and pdf.will_page_break(48):
                pdf.add_page()
            draw_table(pdf, block.table)
        elif isinstance(block, Signature):
            draw_signature(pdf, block)
        elif isinstance(block, PageBreak):
            pdf.add_page()
    pdf.output(str(path))


def _masthead(pdf, doc: EntityDocument) -> None:
    pdf.set_y(14)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*RED)
    pdf.cell(0, 5, doc.mark, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=15)
    pdf.cell(0, 9, doc.issuer, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=26)
    pdf.cell(0, 15, REPORT_NAME, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, f"（{VERSION_ZH[doc.version]}）", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, size=10)
    meta = dict(doc.meta)
    half = pdf.epw / 2
    pdf.cell(half, 6, f"报告编号：{meta['报告编号']}", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(half, 6, f"出具日期：{meta['出具日期']}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(half, 6, f"验证码：{meta['验证码']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1.5
    draw_red_rule(pdf, y, 0.8)
    pdf.set_y(y + 5)
    pdf.set_font(FONT, size=12)
    pdf.multi_cell(0, 7, doc.subject, align="L", wrapmode=WrapMode.CHAR,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


# --------------------------------------------------------------------------- HTML

_TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="generator" content="credit warehouse 信用报告生成器">
<title>{{ doc.title }}_{{ doc.doc_no }}</title>
<style>
@font-face { font-family: "ReportCJK"; src: url("{{ font_uri }}") format("woff"); }
@page {
  size: A4; margin: 18mm 18mm 20mm 18mm;
  @bottom-center { content: "第 " counter(page) " 页  共 " counter(pages) " 页"; font-family: "ReportCJK"; font-size: 9pt; }
}
body { font-family: "ReportCJK", sans-serif; font-size: 11pt; line-height: 1.6; color: #000;
       max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
.mark { text-align: right; color: #c81010; font-size: 9pt; }
.issuer { text-align: center; color: #c81010; font-size: 15pt; margin: 0; }
.title { text-align: center; font-size: 26pt; margin: 4px 0 0; letter-spacing: 0.05em; }
.version { text-align: center; font-size: 13pt; margin: 0 0 10px; }
.meta { display: flex; justify-content: space-between; font-size: 10pt; }
hr.red { border: 0; border-top: 2.5px solid #c81010; margin: 4px 0 12px; }
.subject { font-size: 12pt; margin: 0 0 8px; }
h2 { font-size: 13pt; font-weight: normal; margin: 18px 0 6px; break-after: avoid; }
p { text-indent: 2em; margin: 4px 0; text-align: justify; }
p.noindent { text-indent: 0; }
p.small, .note { font-size: 9pt; color: #444; text-indent: 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 2px 0; }
caption { font-size: 10pt; padding: 6px 0 4px; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { background: #dee4f0; font-weight: normal; border: 0.5pt solid #555; padding: 2px 4px; text-align: center; }
td { border: 0.5pt solid #555; padding: 2px 4px; white-space: pre-line; }
td.text { text-align: left; } td.num { text-align: center; } td.n { text-align: right; }
.signature { text-align: right; margin-top: 24px; }
.signature div { margin: 2px 0; }
.pagebreak { break-before: page; }
</style>
</head>
<body>
<div class="mark">{{ doc.mark }}</div>
<p class="issuer noindent">{{ doc.issuer }}</p>
<p class="title noindent">{{ report_name }}</p>
<p class="version noindent">（{{ version_zh }}）</p>
<div class="meta">{% for k, v in doc.meta if k != "出具单位" %}<span>{{ k }}：{{ v }}</span>{% endfor %}</div>
<hr class="red">
<p class="subject noindent">{{ doc.subject }}</p>
{% for b in blocks %}
{%- if b.type == "heading" %}
<h2>{{ b.text }}</h2>
{%- elif b.type == "para" %}
<p{% if b.small %} class="small"{% elif not b.indent %} class="noindent"{% endif %}>{{ b.text }}</p>
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
{%- elif b.type == "signature" %}
<div class="signature"><div>{{ b.issuer }}</div><div>{{ b.when }}</div></div>
{%- elif b.type == "pagebreak" %}
<div class="pagebreak"></div>
{%- endif %}
{%- endfor %}
</body>
</html>
"""


def render_html(doc: EntityDocument, path: Path) -> None:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_TEMPLATE)
    blocks = html_blocks(doc)
    # the monthly report's paragraphs are all indented; ours say whether they are
    paras = iter(b for b in doc.blocks if isinstance(b, Para))
    for b in blocks:
        if b["type"] == "para":
            b["indent"] = next(paras).indent
    context = {"doc": doc, "blocks": blocks, "report_name": REPORT_NAME,
               "version_zh": VERSION_ZH[doc.version]}
    draft = template.render(font_uri="", **context)
    html = template.render(font_uri=subset_font_data_uri(draft + doc.all_text()), **context)
    path.write_text(html, encoding="utf-8")
