"""Charts (PNG bytes) drawn with matplotlib using the 黑体-style font shipped in mplfonts (Noto Sans CJK SC).

No pyplot and no global matplotlib state: each chart is a ``Figure`` on its own Agg
canvas, every text element gets ``FontProperties(fname=<Noto Sans CJK SC>)`` explicitly, and a
missing glyph (a box in the output) is turned into an error rather than a warning.
"""
from __future__ import annotations

import io
import logging
import math
import textwrap
import warnings
from fractions import Fraction

from .errors import ReportError
from .fonts import heading_font_path
from .model import MonthData
from .thresholds import Threshold

log = logging.getLogger(__name__)

DPI = 200
MM = 1 / 25.4
_RC = {
    "axes.unicode_minus": False,  # an ASCII hyphen, as in the tables
    "svg.hashsalt": "credit-report",
    "path.simplify": True,
}


def font_properties(size: float | None = None):
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(heading_font_path()), size=size)


class _Canvas:
    """Context: a Figure; on exit renders PNG bytes and checks for missing glyphs."""

    def __init__(self, width_mm: float, height_mm: float, overlaps: list | None = None):
        self.size = (width_mm * MM, height_mm * MM)
        self.png: bytes = b""
        self.overlaps = overlaps  # collects pairs of overlapping labels (the layout test asserts none)

    def __enter__(self):
        import matplotlib

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self._rc = matplotlib.rc_context(_RC)
        self._rc.__enter__()
        self._warn = warnings.catch_warnings(record=True)
        self._caught = self._warn.__enter__()
        warnings.simplefilter("always")
        self.fig = Figure(figsize=self.size, dpi=DPI, layout="constrained")
        FigureCanvasAgg(self.fig)
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                buf = io.BytesIO()
                self.fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
                self.png = buf.getvalue()
                found = text_overlaps(self.fig)
                if found:
                    log.warning("图表中有标签重叠：%s", "；".join(f"{a} / {b}" for a, b in found))
                if self.overlaps is not None:
                    self.overlaps.extend(found)
        finally:
            self._warn.__exit__(None, None, None)
            self._rc.__exit__(None, None, None)
        missing = [str(w.message) for w in self._caught if "missing from font" in str(w.message)]
        if exc_type is None and missing:
            raise ReportError("图表中有字体无法显示的字符：" + "；".join(sorted(set(missing))[:5]))
        return False


def text_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty labels (titles, tick labels, annotations, bar labels) whose drawn boxes
    overlap; call after the figure was drawn."""
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = (hi - lo) * 1e-9
            # matplotlib keeps tick labels outside the view (not drawn): only the drawn ones count
            texts += [t.label1 for t in axis.get_major_ticks() if lo - eps <= t.get_loc() <= hi + eps]
    boxes = [(str(t.get_text()), t.get_window_extent(renderer))
             for t in texts if t.get_visible() and str(t.get_text()).strip()]
    out = []
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            if ba.overlaps(bb) and ba.width > 0 and bb.width > 0:
                out.append((a, b))
    return out


def _style_ticks(ax, fp) -> None:
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(fp)


def _pct_formatter(decimals: int):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda y, _pos: f"{y * 100:.{decimals}f}%")


def _threshold_lines(ax, thresholds: tuple[Threshold, ...], metric: str, fp) -> None:
    colors = {"praise": "#2e7d32", "criticise": "#c62828"}
    for t in thresholds:
        if t.metric != metric:
            continue
        y = float(t.value)
        ax.axhline(y, color=colors[t.action], linestyle="--", linewidth=0.8, zorder=1)
        label = ("表扬线 " if t.action == "praise" else "批评线 ") + t.condition_zh().split(" ", 1)[1]
        ax.annotate(  # at the left end: the right end carries the latest month's value
            label,
            xy=(0.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(2, 2),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontproperties=font_properties(6.5),
            color=colors[t.action],
        )


def trend_chart(md: MonthData, overlaps: list | None = None) -> bytes:
    """合规率 (top) and 迟报率 (bottom) over the 12 months up to the report month."""
    months = [t.month for t in md.trend]
    comp = [_nan(t.counts.compliance_rate if t.counts else None) for t in md.trend]
    late = [_nan(t.counts.late_rate if t.counts else None) for t in md.trend]
    fp = font_properties(7.5)
    with _Canvas(156, 105, overlaps) as c:
        ax1, ax2 = c.fig.subplots(2, 1, sharex=True)
        x = list(range(len(months)))
        for ax, ys, metric, color, name in (
            (ax1, comp, "compliance_rate", "#1f4e9a", "合规率"),
            (ax2, late, "late_rate", "#d9822b", "迟报率"),
        ):
            ax.plot(x, ys, marker="o", markersize=3.5, linewidth=1.6, color=color, label=name, zorder=3)
            _threshold_lines(ax, md.thresholds, metric, fp)
            finite = [y for y in ys if not math.isnan(y)]
            bounds = finite + [float(t.value) for t in md.thresholds if t.metric == metric]
            if bounds:
                lo, hi = min(bounds), max(bounds)
                pad = max((hi - lo) * 0.15, 0.005)
                ax.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad) if hi <= 1 else hi + pad)
            else:
                ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(_pct_formatter(1))
            ax.set_ylabel(name, fontproperties=fp)
            ax.grid(axis="y", linewidth=0.4, alpha=0.6)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            if finite and not math.isnan(ys[-1]):
                ax.annotate(
                    f"{ys[-1] * 100:.2f}%",
                    xy=(x[-1], ys[-1]),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    fontproperties=font_properties(7),
                    color=color,
                    annotation_clip=False,
                )
            if not finite:
                ax.text(0.5, 0.5, "无数据", transform=ax.transAxes, ha="center", va="center",
                        fontproperties=font_properties(9), color="#777777")
            _style_ticks(ax, fp)
        ax2.set_xticks(x)
        ax2.set_xticklabels(months, rotation=45, ha="right", fontproperties=fp)
        ax2.set_xlim(-0.5, len(months) - 0.5)
        ax1.set_title(
            f"近12个月合规率与迟报率趋势（{months[0]} 至 {months[-1]}）",
            fontproperties=font_properties(10),
        )
    return c.png


def _nan(x: Fraction | None) -> float:
    return float("nan") if x is None else float(x)


def violations_chart(md: MonthData, top: int = 10, overlaps: list | None = None) -> bytes:
    """Horizontal bars of the most frequent rule violations of the month."""
    vs = md.violations[:top]
    fp = font_properties(7.5)
    height = 30 + 11 * max(len(vs), 2)
    with _Canvas(156, height, overlaps) as c:
        ax = c.fig.subplots()
        ax.set_title(f"本月高频问题（前{len(vs) or top}位，按违反次数）", fontproperties=font_properties(10))
        if not vs:
            ax.text(0.5, 0.5, "本月未发现问题记录", transform=ax.transAxes, ha="center",
                    va="center", fontproperties=font_properties(10), color="#555555")
            ax.set_axis_off()
        else:
            labels = [_wrap_label(v.rule_message_zh) for v in vs][::-1]
            counts = [v.count for v in vs][::-1]
            y = list(range(len(vs)))
            bars = ax.barh(y, counts, color="#1f4e9a", height=0.6)
            ax.set_yticks(y)
            ax.set_yticklabels(labels, fontproperties=fp)
            ax.bar_label(bars, labels=[f"{n:,}" for n in counts], padding=2, fontproperties=fp)
            ax.set_xlim(0, max(counts) * 1.15)
            ax.set_xlabel("违反次数", fontproperties=fp)
            ax.xaxis.get_major_locator().set_params(integer=True)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            _style_ticks(ax, fp)
    return c.png


def _wrap_label(text: str, width: int = 20, lines: int = 2) -> str:
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1] + "…"
    return "\n".join(parts)
