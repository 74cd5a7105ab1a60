"""The monthly 通报 (circular) on 双公示 reporting quality, and the 整改清单 per department.

    from dagster_project.report import render_monthly_report, ReportFiles
    files = render_monthly_report(warehouse, "2026-03", out_dir)

Inputs: marts.dual_disclosure_compliance, marts.fct_rectification_item,
marts.fct_rule_violation_summary and (when present) marts.fct_intake_file and
marts.fct_intake_rejection_summary (read-only). Thresholds: dbt_credit/seeds/report_thresholds.csv.
Fonts: SimHei.ttf from the installed mplfonts package (no system fonts are used).
"""
from __future__ import annotations

from .errors import NoDataError, ReportError
from .render import (
    MAIN_SHEETS,
    RECTIFICATION_DIR,
    RECTIFICATION_SHEETS,
    ReportFiles,
    ReportSummary,
    default_as_of,
    render_monthly_report,
)

__all__ = [
    "MAIN_SHEETS",
    "NoDataError",
    "RECTIFICATION_DIR",
    "RECTIFICATION_SHEETS",
    "ReportError",
    "ReportFiles",
    "ReportSummary",
    "default_as_of",
    "render_monthly_report",
]
