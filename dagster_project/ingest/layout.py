"""Walking the drops tree: DROPS_ROOT/<department>/<YYYY-MM-DD>/<file>.

Names starting with "." are ignored (hidden). Symlinks are never followed. Everything else that is not
a readable drop is yielded with a path-level quarantine code.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterator

# .et (WPS 表格) is read like any workbook (python-calamine judges the bytes, not the name); see WPS_HOW_TO_SAVE
SUPPORTED_EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsm", ".xls": "xls", ".et": "et"}
WPS_HOW_TO_SAVE = (
    "请在 WPS 表格中打开，点击“文件 → 另存为”，文件类型选择“Excel 工作簿（*.xlsx）”，保存后重新报送",
    "open it in WPS Spreadsheets, choose File > Save As, file type 'Excel Workbook (*.xlsx)', and send that file",
)
WPS_DOCUMENT = (".wps", ".wpt")  # WPS 文字 (word-processor) documents: a table in one must be moved to a workbook
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class DropItem:
    path: str  # OS path (for reading)
    rel: str  # relative to the drops root, '/' separated, as shown to people
    department: str | None
    drop_date: date | None
    code: str | None = None  # path-level quarantine code
    reason_zh: str = ""
    reason_en: str = ""
    readable: bool = True  # a regular file whose bytes may be hashed

    @property
    def extension(self) -> str:
        return os.path.splitext(self.path)[1].lower()

    @property
    def file_format(self) -> str | None:
        ext = self.extension
        return SUPPORTED_EXTENSIONS.get(ext, ext.lstrip(".") or None)


def display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (GBK names from a zip) decoded as GB18030."""
    raw = os.fsencode(name)
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def parse_drop_date(name: str) -> date | None:
    if not _DATE_DIR.match(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


class _Walker:
    def __init__(self, root: str, drop_dates: set[date] | None):
        self.root = root
        self.root_real = os.path.realpath(root)
        self.drop_dates = drop_dates

    def rel(self, path: str) -> str:
        return "/".join(display_name(p) for p in os.path.relpath(path, self.root).split(os.sep))

    def _inside(self, target: str) -> bool:
        return target == self.root_real or target.startswith(self.root_real.rstrip(os.sep) + os.sep)

    def _entries(self, path: str) -> list[os.DirEntry]:
        try:
            with os.scandir(path) as it:
                return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError:
            return []

    def _special(self, e: os.DirEntry, dept: str | None, day: date | None) -> DropItem | None:
        """A symlink or a non-regular file, quarantined without being followed or opened."""
        rel = self.rel(e.path)
        if e.is_symlink():
            target = os.path.realpath(e.path)
            if not self._inside(target):
                return DropItem(e.path, rel, dept, day, "outside_drops_root",
                                "符号链接指向报送目录之外，未跟随读取",
                                "a symbolic link resolving outside the drops root; not followed", readable=False)
            return DropItem(e.path, rel, dept, day, "symlink", "符号链接（文件或文件夹），未跟随读取",
                            "a symbolic link (file or folder); links are never followed", readable=False)
        if not e.is_dir(follow_symlinks=False) and not e.is_file(follow_symlinks=False):
            return DropItem(e.path, rel, dept, day, "off_layout_path", "不是普通文件（设备、管道或套接字）",
                            "not a regular file (device, pipe or socket)", readable=False)
        return None

    def _all_files(self, path: str, dept, day, code, zh, en) -> Iterator[DropItem]:
        """Every file under `path` (recursively), each with the same path-level code."""
        for e in self._entries(path):
            special = self._special(e, dept, day)
            if special:
                yield special
            elif e.is_dir(follow_symlinks=False):
                yield from self._all_files(e.path, dept, day, code, zh, en)
            else:
                yield DropItem(e.path, self.rel(e.path), dept, day, code, zh, en)

    def walk(self) -> Iterator[DropItem]:
        for d in self._entries(self.root):
            special = self._special(d, None, None)
            if special:
                yield special
                continue
            if not d.is_dir(follow_symlinks=False):
                yield DropItem(d.path, self.rel(d.path), None, None, "off_layout_path",
                               "文件直接放在报送根目录下，应放在 <部门>/<YYYY-MM-DD>/ 文件夹中",
                               "a file directly under the drops root; drops belong in <department>/<YYYY-MM-DD>/")
                continue
            dept = display_name(d.name)
            for f in self._entries(d.path):
                special = self._special(f, dept, None)
                if special:
                    yield special
                    continue
                if not f.is_dir(follow_symlinks=False):
                    yield DropItem(f.path, self.rel(f.path), dept, None, "off_layout_path",
                                   "文件直接放在部门文件夹下，缺少报送日期文件夹 <YYYY-MM-DD>/",
                                   "a file directly in the department folder, not in a <YYYY-MM-DD>/ drop-date folder")
                    continue
                day = parse_drop_date(f.name)
                if day is None:
                    name = display_name(f.name)
                    yield from self._all_files(
                        f.path, dept, None, "bad_drop_date_folder",
                        f"报送日期文件夹名「{name}」不是有效日期（应为 YYYY-MM-DD）",
                        f"the drop-date folder name '{name}' is not a valid YYYY-MM-DD date",
                    )
                    continue
                if self.drop_dates is not None and day not in self.drop_dates:
                    continue
                yield from self._date_folder(f.path, dept, day)

    def _date_folder(self, path: str, dept: str, day: date) -> Iterator[DropItem]:
        for e in self._entries(path):
            special = self._special(e, dept, day)
            if special:
                yield special
            elif e.is_dir(follow_symlinks=False):
                yield from self._all_files(e.path, dept, day, "off_layout_path",
                                           "文件在报送日期文件夹的子文件夹中（不读取子文件夹）",
                                           "a file in a sub-folder of the drop-date folder (sub-folders are not read)")
            else:
                item = DropItem(e.path, self.rel(e.path), dept, day)
                if item.extension in WPS_DOCUMENT:
                    item.code = "unsupported_extension"
                    item.reason_zh = (f"WPS 文字文档（{item.extension}）不是表格文件：请把其中的表格复制到 WPS 表格或 Excel，"
                                      + WPS_HOW_TO_SAVE[0].removeprefix("请在 WPS 表格中打开，"))
                    item.reason_en = (f"a WPS Writer document ({item.extension}) is not a spreadsheet: copy its table into "
                                      f"WPS Spreadsheets or Excel, then " + WPS_HOW_TO_SAVE[1].removeprefix("open it in WPS Spreadsheets, "))
                elif item.extension not in SUPPORTED_EXTENSIONS:
                    ext = item.extension or "（无扩展名）"
                    item.code = "unsupported_extension"
                    item.reason_zh = f"不支持的文件类型「{ext}」（只读取 .csv、.xlsx、.xlsm、.xls、.et）"
                    item.reason_en = f"unsupported file type '{item.extension or '(none)'}' (only .csv, .xlsx, .xlsm, .xls, .et are read)"
                yield item


def walk_drops(root: str, drop_dates: set[date] | None) -> Iterator[DropItem]:
    return _Walker(root, drop_dates).walk()
