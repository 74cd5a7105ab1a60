"""The report's fonts, taken from an installed PyPI package (mplfonts), never from the system.

A freshly provisioned machine has no CJK system fonts, so nothing here looks at system font
directories: the font files are located through the installed ``mplfonts`` package (pinned in
pyproject.toml), which ships Google's Noto CJK fonts. Both are under the SIL Open Font License 1.1
(free to use, embed and redistribute):

- body: Noto Serif CJK SC (思源宋体), a 宋体-style serif for the 正文, the title and tables;
- headings: Noto Sans CJK SC (思源黑体), a 黑体-style sans for 一级标题, 附件 and charts.

The PDF (fpdf2) embeds subsets of both, the charts (matplotlib) draw with the sans, the HTML embeds
subsets as WOFF. (mplfonts also carries SimHei.ttf, which may not be redistributed: not used.)
"""
from __future__ import annotations

import base64
import functools
import importlib.util
import io
from pathlib import Path

from .errors import ReportError

#: 宋体-style body font (CFF outlines; fpdf2 and matplotlib both handle them).
PRIMARY_FONT_FILE = "NotoSerifCJKsc-Regular.otf"
#: 黑体-style heading font; also the fallback for a character the body font lacks.
HEADING_FONT_FILE = "NotoSansCJKsc-Regular.otf"
FALLBACK_FONT_FILE = HEADING_FONT_FILE
FONT_LICENCE = "SIL Open Font License 1.1"


def _mplfonts_dir() -> Path:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.origin:
        raise ReportError(
            "找不到 CJK 字体：未安装 Python 包 mplfonts（通报所用字体随该包提供，"
            "请按 pyproject.toml 安装依赖）"
        )
    return Path(spec.origin).resolve().parent / "fonts"


def _font(name: str) -> Path:
    path = _mplfonts_dir() / name
    if not path.is_file():
        raise ReportError(f"找不到 CJK 字体文件 {path}（mplfonts 安装不完整？）")
    return path


@functools.lru_cache(maxsize=None)
def cjk_font_path() -> Path:
    """The body font (Noto Serif CJK SC) shipped in the installed mplfonts package."""
    return _font(PRIMARY_FONT_FILE)


@functools.lru_cache(maxsize=None)
def heading_font_path() -> Path:
    """The 黑体-style heading font (Noto Sans CJK SC) shipped in the installed mplfonts package."""
    return _font(HEADING_FONT_FILE)


@functools.lru_cache(maxsize=None)
def fallback_font_path() -> Path | None:
    path = _mplfonts_dir() / FALLBACK_FONT_FILE
    return path if path.is_file() else None


@functools.lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def cjk_codepoints() -> frozenset[int]:
    """Code points the primary CJK font has glyphs for."""
    return _cmap(cjk_font_path())


def missing_in_primary(text: str) -> set[str]:
    """Printable characters of ``text`` the primary font cannot draw."""
    cmap = cjk_codepoints()
    return {ch for ch in set(text) if ch.isprintable() and not ch.isspace() and ord(ch) not in cmap}


def fallback_covers(chars: set[str]) -> set[str]:
    """The subset of ``chars`` the fallback font can draw."""
    path = fallback_font_path()
    if path is None:
        return set()
    cmap = _cmap(path)
    return {ch for ch in chars if ord(ch) in cmap}


def subset_font_data_uri(text: str, path: Path | None = None) -> str:
    """A ``data:`` URI of a font (default: the body font) subset to the characters of ``text`` (WOFF).

    Used to make the HTML self-contained: it then renders the same on a machine without
    any CJK font. Deterministic (no timestamps are recalculated), so the same characters give the same bytes:
    kept per process (a CJK subset takes 1–5 s; a month's report re-rendered — draft, issue, re-issue — reuses it).
    """
    return _subset_data_uri("".join(sorted(set(text) | {" "})), path or cjk_font_path())


@functools.lru_cache(maxsize=16)
def _subset_data_uri(chars: str, path: Path) -> str:
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    options = ftsubset.Options()
    options.flavor = "woff"
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = ["*"]
    font = TTFont(str(path), recalcTimestamp=False)
    try:
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        font.flavor = "woff"
        buf = io.BytesIO()
        font.save(buf, reorderTables=True)
    finally:
        font.close()
    return "data:font/woff;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
