"""归集 (ingestion): departmental drops -> the raw schema of the warehouse.

    from dagster_project.ingest import ensure_raw_schema, ingest_drops, IngestResult
    result = ingest_drops(con, drops_root, raw_dir, load_id=None, drop_dates=None)  # raw_dir: settings.raw_dir_path
    print(result.summary_line())

See loader.py (idempotency), csv_reader.py / excel_reader.py (parsing, source_row), headers.py (header
matching), layout.py (the drops tree) and schema.py (the raw tables) and raw_store.py (their Parquet files and the raw.* views).
"""
from .limits import IngestLimits, load_limits
from .loader import IngestResult, ingest_drops, new_load_id
from .raw_store import RawStore
from .schema import ensure_raw_schema, raw_table_columns

REASON_CODES = {
    "empty_file": "the file (or every sheet of the workbook) is empty",
    "header_only": "a header but no data rows (per CSV or sheet)",
    "unknown_layout": "no row of the first 30 meets the identify and recognise rules of any dataset (seeds/layout_rules.csv)",
    "missing_required_columns": "the header lacks the columns a key rule of seeds/layout_rules.csv needs (named in the reason)",
    "undecodable": "the bytes decode as neither UTF-8, UTF-16 (BOM), GB18030 nor charset-normalizer's guess",
    "binary_file": "NUL bytes, control bytes or a workbook's magic number in a .csv",
    "corrupt_xlsx": "a workbook (.xlsx/.xlsm/.xls) that cannot be opened, or a sheet that cannot be read",
    "bad_drop_date_folder": "the drop-date folder is not a valid YYYY-MM-DD date",
    "symlink": "a symbolic link (file or folder), never followed",
    "outside_drops_root": "a symbolic link resolving outside the drops root, never followed",
    "unsupported_extension": "not .csv / .xlsx / .xlsm / .xls / .et (a .wps document or an unreadable .et: the reason says how to save it)",
    "off_layout_path": "not at <department>/<YYYY-MM-DD>/<file> (or not a regular file)",
    "unreadable_file": "the file could not be read (permissions, vanished)",
    "parse_error": "an unexpected error while reading the file (a bug to report; the night goes on)",
    "unknown_department": "the first folder level is not a department code of seeds/departments.csv (every file under it)",
    "suspicious_expansion": "a workbook whose zip would expand beyond max_expansion_ratio or max_uncompressed_mb (ingest_limits.yml); not opened",
    "too_many_rows": "a sheet with values beyond max_rows_per_sheet (ingest_limits.yml); trailing empty rows do not count",
    "hidden_sheets_only": "a workbook whose data is only in hidden sheets (hidden sheets are skipped)",
    "formula_without_value": "a sheet where every data row has a formula without a cached value in a mapped column (else those rows are rejected)",
}

__all__ = ["IngestLimits", "load_limits", "IngestResult", "RawStore", "ensure_raw_schema", "raw_table_columns", "ingest_drops", "new_load_id", "REASON_CODES"]
