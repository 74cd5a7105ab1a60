"""``render_monthly_report``: the monthly 通报 (HTML, PDF, Excel) and the 整改清单."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project import pii

from . import tables as T
from .charts import trend_chart, violations_chart
from .content import REPORT_NAME, build_document, number_in_order
from .errors import ReportError
from .excel import INTAKE_SHEET, rectification_filename, write_rectification_workbook, write_report_workbook
from .fmt import fmt_pct, shift_month
from .html import render_html
from .issuer import Issuer, load_issuer
from .model import MONTH_RE, MonthData, load_month
from .pdf import render_pdf
from .rectification import progress_table
from .judgement import rules_in_words
from .thresholds import load_thresholds

RECTIFICATION_DIR = "整改清单"

#: Sheets of the main workbook, in order (one table each).
MAIN_SHEETS = (
    "总体情况",
    "部门排名",
    "区域汇总",
    "数据集汇总",
    "表扬名单",
    "通报批评名单",
    "高频问题",
    "月度趋势",
    "报送文件拒收情况",
    "整改清单汇总",
    "整改进展",
    "部门数据集明细",
    "评定标准",
    "指标口径",
)
#: Sheets of each department's 整改清单 workbook; one whose files or rows were refused at intake gets
#: RECTIFICATION_INTAKE_SHEET first.
RECTIFICATION_SHEETS = ("整改清单", "说明")
RECTIFICATION_INTAKE_SHEET = INTAKE_SHEET


@dataclass(frozen=True)
class ReportSummary:
    """The month's outcome in a few figures; ``str()`` gives a one-line Chinese summary."""

    month: str
    records: int
    compliance_rate: str  # formatted, e.g. "97.24%"
    late_rate: str
    praised: tuple[str, ...]  # department codes, in ranking order
    criticised: tuple[str, ...]
    praised_names: tuple[str, ...]
    criticised_names: tuple[str, ...]
    rectification_departments: tuple[str, ...]  # aligned with ReportFiles.rectification

    def __str__(self) -> str:
        def names(xs):
            return "（" + "、".join(xs) + "）" if xs else ""

        return (
            f"{self.month}：归集{self.records:,}条，合规率{self.compliance_rate}，迟报率{self.late_rate}；"
            f"表扬{len(self.praised)}个{names(self.praised_names)}，"
            f"通报批评{len(self.criticised)}个{names(self.criticised_names)}；"
            f"整改清单{len(self.rectification_departments)}份"
        )


@dataclass(frozen=True)
class ReportFiles:
    """What was written: every field is a path or a tuple of paths, plus ``summary``."""

    html: Path
    pdf: Path
    xlsx: Path
    rectification: tuple[Path, ...]  # 整改清单/<department>_<name>_<YYYY-MM>.xlsx, by department code
    summary: ReportSummary

    @property
    def rectification_dir(self) -> Path:
        return self.pdf.parent / RECTIFICATION_DIR

    def rectification_for(self, department: str) -> Path | None:
        return dict(zip(self.summary.rectification_departments, self.rectification)).get(department)

    @property
    def praised(self) -> tuple[str, ...]:
        return self.summary.praised

    @property
    def criticised(self) -> tuple[str, ...]:
        return self.summary.criticised

    def all_files(self) -> list[Path]:
        return [self.html, self.pdf, self.xlsx, *self.rectification]


def default_as_of(month: str) -> date:
    """The 成文日期 used when none is given: the first day after the month (reproducible)."""
    y, m = (int(p) for p in shift_month(month, 1).split("-"))
    return date(y, m, 1)


def render_monthly_report(
    warehouse: Path,
    month: str,
    out_dir: Path,
    *,
    thresholds_csv: Path | None = None,
    as_of: date | None = None,
    issuer: Issuer | None = None,
    doc_number: int | None = None,
    frozen: dict | None = None,
    amend_document=None,
    extra_sheets=None,
) -> ReportFiles:
    """Render the 通报 of ``month`` (``YYYY-MM``, the month of the drop date) into ``out_dir``.

    Reads ``marts.dual_disclosure_compliance``, ``marts.fct_rectification_item`` and
    ``marts.fct_rule_violation_summary`` from ``warehouse`` over a read-only connection.
    ``thresholds_csv``: a what-if set of 表扬/批评 conditions (by default the build's own, read from the
    warehouse: report/judgement.py); ``as_of`` is
    the date printed on the 通报 (and the files' creation date), by default the first day
    of the following month, so the same inputs give byte-identical PDF and Excel files.
    ``issuer``: the 公文 elements (发文机关, 文号 prefix, 主送, 抄送, 联系人, 印发机关), by default
    ``report_issuer.yml`` (report/issuer.py); ``doc_number``: the 发文顺序号 (default: the month's number).

    Raises :class:`ReportError` (with a message for the operator) when the report cannot be
    produced, and its subclass :class:`NoDataError` when the month has no data at all.

    Issuing (report/issuance.py) passes ``frozen`` (earlier months' issued rows, for 上月 and the trend),
    ``amend_document(doc, md)`` (更正 wording, correction lines) and ``extra_sheets(md)`` (their Excel sheets,
    after MAIN_SHEETS).
    """
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise ReportError(f"月份格式应为 YYYY-MM（如 2026-03），收到 {month!r}")
    as_of = as_of or default_as_of(month)
    if as_of < date(int(month[:4]), int(month[5:]), 1):
        raise ReportError(f"成文日期 {as_of} 早于通报月份 {month}")
    config = issuer or load_issuer()  # the 公文 elements: report_issuer.yml (or CREDIT_REPORT_ISSUER)
    issuer_name = config.issuer
    # the build's own rules and verdicts (marts.report_rule_*, fct_department_verdict); a CSV is a what-if
    thresholds = load_thresholds(thresholds_csv) if thresholds_csv is not None else None
    # every text a department sent passes the one ID-number scrubber before any writer sees it
    md = pii.scrub_deep(load_month(Path(warehouse), month, thresholds, frozen=frozen))

    out_dir = Path(out_dir)
    rect_dir = out_dir / RECTIFICATION_DIR
    rect_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{REPORT_NAME}_{month}"
    html_path, pdf_path, xlsx_path = (out_dir / f"{stem}.{ext}" for ext in ("html", "pdf", "xlsx"))

    # 整改清单, one workbook per department with refused files or rows, or items
    rect_paths: dict[str, Path] = {}
    by_code = {d.department: d for d in md.departments}
    for dept, name in T.rectification_departments(md).items():
        p = rect_dir / rectification_filename(dept, name, month)
        write_rectification_workbook(p, dept, md.items.get(dept, []), month=month, issuer=issuer_name, as_of=as_of,
                                     intake=md.intake.get(dept, []), dept=by_code.get(dept), department_name=name,
                                     progress=md.progress.get(dept))
        rect_paths[dept] = p
    written = set(rect_paths.values())
    for stale in rect_dir.glob(f"*_{month}.xlsx"):  # left by an earlier run of this month
        if stale not in written:
            stale.unlink()

    names = {d: f"{RECTIFICATION_DIR}/{p.name}" for d, p in rect_paths.items()}
    doc = build_document(
        md,
        as_of=as_of,
        issuer=config,
        doc_number=doc_number,
        trend_png=trend_chart(md),
        violations_png=violations_chart(md, T.TOP_VIOLATIONS),
        rectification_files=names,
        xlsx_name=xlsx_path.name,
    )
    if amend_document is not None:
        amend_document(doc, md)
        number_in_order(doc)  # tables an amendment added take their place in the numbering
    render_pdf(doc, pdf_path)
    render_html(doc, html_path)

    sheets = workbook_sheets(md, names)
    if extra_sheets is not None:
        sheets += [pii.scrub_deep(t) for t in extra_sheets(md)]
    write_report_workbook(
        xlsx_path,
        sheets,
        title=doc.title,
        author=issuer_name,
        as_of=as_of,
    )
    return ReportFiles(
        html=html_path,
        pdf=pdf_path,
        xlsx=xlsx_path,
        rectification=tuple(rect_paths.values()),
        summary=ReportSummary(
            month=month,
            records=md.total.records,
            compliance_rate=fmt_pct(md.total.compliance_rate),
            late_rate=fmt_pct(md.total.late_rate),
            praised=tuple(d.department for d in md.praised),
            criticised=tuple(d.department for d in md.criticised),
            praised_names=tuple(d.department_name for d in md.praised),
            criticised_names=tuple(d.department_name for d in md.criticised),
            rectification_departments=tuple(rect_paths),
        ),
    )


def workbook_sheets(md: MonthData, rectification_files: dict[str, str]) -> list[T.Table]:
    """The main workbook's sheets, in the order of MAIN_SHEETS: the document's tables from the same builders,
    each whole (the document shows the top violations only), the 整改进展 table and the rules in words.
    tests/test_report.py checks the order and that each sheet agrees with the document's table."""
    definitions = T.definition_table(md)
    definitions.rows += [[label, text] for label, text in zip(("评定规则", "一个问题只计一次", "排名规则"),
                                                            rules_in_words(md.rules) if md.rules else [])]
    return [
        T.headline_table(md),
        T.department_table(md),
        T.district_table(md),
        T.dataset_table(md),
        T.praise_table(md),
        T.criticise_table(md),
        T.violation_table(md),
        T.trend_table(md),
        T.intake_table(md),
        T.rectification_table(md, rectification_files),
        progress_table(md),
        T.detail_table(md),
        T.threshold_table(md),
        definitions,
    ]
