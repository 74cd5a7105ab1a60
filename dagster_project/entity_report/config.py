"""What the entity 公共信用信息报告 states about itself, read from ``entity_report.yml`` (beside this module).

The report-number prefix, the validity period, the 异议 (objection) contact and the date from which an end date
reads 长期 live in that one file (``CREDIT_ENTITY_REPORT_CONFIG`` names another with the same keys). The issuer's
name is the 通报's (``dagster_project.report.content.DEFAULT_ISSUER``), not repeated here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..report.yaml_config import read_mapping

CONFIG_FILE = Path(__file__).with_name("entity_report.yml")
ENV_VAR = "CREDIT_ENTITY_REPORT_CONFIG"

_TEXT_KEYS = ("report_no_prefix", "objection_unit", "objection_phone", "objection_address")
_KEYS = set(_TEXT_KEYS) | {"validity_days", "long_term_from"}
_PREFIX = re.compile(r"^[A-Z]{2,8}$")
_PHONE = re.compile(r"^[0-9][0-9\- ]{5,20}[0-9]$")


@dataclass(frozen=True)
class EntityReportConfig:
    report_no_prefix: str  # XYBG
    validity_days: int  # 30: valid through 出具日期 + 29 days
    objection_unit: str
    objection_phone: str
    objection_address: str
    long_term_from: date  # an end date on or after it reads 长期
    source: Path

    def valid_until(self, issued: date) -> date:
        from datetime import timedelta

        return issued + timedelta(days=self.validity_days - 1)

    def is_long_term(self, end: date | None) -> bool:
        return end is not None and end >= self.long_term_from


def config_file() -> Path:
    return Path(os.environ[ENV_VAR]).expanduser() if os.environ.get(ENV_VAR) else CONFIG_FILE


def _error(message: str) -> Exception:
    from .model import user_error

    return user_error(message)


def load_config(path: Path | None = None) -> EntityReportConfig:
    """Read and check the file; a missing key or a bad value is a one-line UserError naming the file."""
    path = Path(path) if path is not None else config_file()
    where = f"信用报告配置 {path}"
    data = read_mapping(path, where, _KEYS, _error)
    missing = [k for k in sorted(_KEYS) if data.get(k) in (None, "")]
    if missing:
        raise _error(f"{where} 缺少 {'、'.join(missing)}")
    text = {k: str(data[k]).strip() for k in _TEXT_KEYS}
    if not _PREFIX.match(text["report_no_prefix"]):
        raise _error(f"{where} 的 report_no_prefix 应为2至8个大写字母：{text['report_no_prefix']!r}")
    if not _PHONE.match(text["objection_phone"]):
        raise _error(f"{where} 的 objection_phone 不像电话号码：{text['objection_phone']!r}")
    try:
        days = int(data["validity_days"])
    except (TypeError, ValueError):
        days = 0
    if days < 1:
        raise _error(f"{where} 的 validity_days 应为正整数：{data['validity_days']!r}")
    long_term = data["long_term_from"]
    if not isinstance(long_term, date):
        try:
            long_term = date.fromisoformat(str(long_term))
        except ValueError:
            raise _error(f"{where} 的 long_term_from 应为 YYYY-MM-DD：{long_term!r}") from None
    return EntityReportConfig(validity_days=days, long_term_from=long_term, source=path, **text)
