"""The CJK font the report uses, taken from an installed PyPI package (mplfonts).

A freshly provisioned machine has no CJK system fonts, so nothing here looks at system
font directories: the font file is located through the installed ``mplfonts`` package.
The same file is used for the PDF (fpdf2), the charts (matplotlib) and, subset and
embedded, for the HTML.
"""
from __future__ import annotations

import base64
import functools
import importlib.util
import io
from pathlib import Path

from .errors import ReportError

#: Primary font: a TrueType (glyf) font, which fpdf2 embeds and subsets well.
PRIMARY_FONT_FILE = "SimHei.ttf"
#: Fallback for the rare character SimHei lacks (CFF outlines; only loaded when needed).
FALLBACK_FONT_FILE = "NotoSansCJKsc-Regular.otf"


def _mplfonts_dir() -> Path:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.origin:
        raise ReportError(
            "找不到 CJK 字体：未安装 Python 包 mplfonts（通报所用字体随该包提供，"
            "请按 pyproject.toml 安装依赖）"
        )
    return Path(spec.origin).resolve().parent / "fonts"


@functools.lru_cache(maxsize=None)
def cjk_font_path() -> Path:
    """Path of SimHei.ttf shipped in the installed mplfonts package."""
    path = _mplfonts_dir() / PRIMARY_FONT_FILE
    if not path.is_file():
        raise ReportError(f"找不到 CJK 字体文件 {path}（mplfonts 安装不完整？）")
    return path


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


def subset_font_data_uri(text: str) -> str:
    """A ``data:`` URI of the primary font subset to the characters of ``text`` (WOFF).

    Used to make the HTML self-contained: it then renders the same on a machine without
    any CJK font. Deterministic (no timestamps are recalculated).
    """
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    options = ftsubset.Options()
    options.flavor = "woff"
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = ["*"]
    font = TTFont(str(cjk_font_path()), recalcTimestamp=False)
    try:
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(text="".join(sorted(set(text) | {" "})))
        subsetter.subset(font)
        font.flavor = "woff"
        buf = io.BytesIO()
        font.save(buf, reorderTables=True)
    finally:
        font.close()
    return "data:font/woff;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
