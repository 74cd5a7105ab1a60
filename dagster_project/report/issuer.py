"""Who sends the 通报 and to whom: the 公文 elements read from ``report_issuer.yml`` (beside this module).

One file holds the issuer, the city, the 文号 prefix, 主送, 抄送, 联系人 and 电话 and the 印发机关; the monthly,
quarterly and annual 通报 all take them from here (``CREDIT_REPORT_ISSUER`` names another file with the same keys).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ReportError
from .yaml_config import read_mapping

ISSUER_FILE = Path(__file__).with_name("report_issuer.yml")
ENV_VAR = "CREDIT_REPORT_ISSUER"

_TEXT_KEYS = ("city", "issuer", "issuer_mark", "doc_no_prefix", "contact_name", "contact_phone", "printed_by")
_LIST_KEYS = ("recipients", "cc")
# a city's full name: at least one character before 市 (自治州/地区/盟 are not cities the 通报 is issued for)
_CITY = re.compile(r"^[\u4e00-\u9fff]{1,10}市$")
_PHONE = re.compile(r"^[0-9][0-9\-－ ]{5,20}[0-9]$")


@dataclass(frozen=True)
class Issuer:
    city: str  # 大连市
    issuer: str  # 发文机关全称 (落款, 印发机关 default)
    issuer_mark: str  # 发文机关标志 (红头)
    doc_no_prefix: str  # 机关代字
    recipients: tuple[str, ...]  # 主送机关
    cc: tuple[str, ...]  # 抄送机关
    contact_name: str
    contact_phone: str
    printed_by: str  # 印发机关
    source: Path

    def doc_no(self, year: int, number: int) -> str:
        """发文字号 per GB/T 9704: 机关代字〔年份〕顺序号号 (no 第, no leading zeros)."""
        return f"{self.doc_no_prefix}〔{year}〕{int(number)}号"

    @property
    def recipients_line(self) -> str:
        return "，".join(self.recipients) + "："

    @property
    def cc_line(self) -> str:
        return "、".join(self.cc) + "。"

    @property
    def note_line(self) -> str:
        """附注: （联系人：…，电话：…）."""
        return f"（联系人：{self.contact_name}，电话：{self.contact_phone}）"


def issuer_file() -> Path:
    return Path(os.environ[ENV_VAR]).expanduser() if os.environ.get(ENV_VAR) else ISSUER_FILE


def load_issuer(path: Path | None = None) -> Issuer:
    """Read and check the issuer file; a missing key or a bad value is a :class:`ReportError` naming the file."""
    path = Path(path) if path is not None else issuer_file()
    where = f"通报发文配置 {path}"
    data = read_mapping(path, where, (*_TEXT_KEYS, *_LIST_KEYS), ReportError)
    values: dict = {}
    for key in _TEXT_KEYS:
        v = data.get(key)
        if v is None or not str(v).strip():
            raise ReportError(f"{where} 缺少 {key}")
        values[key] = str(v).strip()
    for key in _LIST_KEYS:
        v = data.get(key)
        if isinstance(v, str):
            v = [v]
        items = tuple(str(x).strip() for x in (v or []) if x is not None and str(x).strip())
        if not items:
            raise ReportError(f"{where} 的 {key} 至少要有一个机关")
        values[key] = items
    if not _CITY.match(values["city"]):
        raise ReportError(f"{where} 的 city 应为城市全称（如“大连市”），收到“{values['city']}”")
    if not values["issuer"].startswith(values["city"]):
        raise ReportError(f"{where} 的 issuer（{values['issuer']}）应以城市全称“{values['city']}”开头")
    if not _PHONE.match(values["contact_phone"]):
        raise ReportError(f"{where} 的 contact_phone 不像电话号码：“{values['contact_phone']}”")
    return Issuer(source=path, **values)
