"""The class report's charts, drawn with matplotlib's object API: PNG bytes, never a window.

Each figure is a `matplotlib.figure.Figure` with its own Agg canvas: no pyplot, no global backend switch and
no registry of open figures, so a figure is freed as soon as its PNG is written (`_png`). Figures never show
names.
"""

from __future__ import annotations

import base64
import functools
import io
from collections import Counter
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

HONOUR, BREAK = "#2e7d32", "#c62828"
#: Figures drawn in this process, by what they show: the report with names, made right after the one without,
#: shows the same figures, and drawing one takes up to a second or two (text layout), so none is drawn twice.
_DRAWN: dict[str, bytes] = {}


@dataclass
class Chart:
    """One figure of a page (the class report, its evaluation section): its file name (without .png), its alt text
    (also its caption) and the PNG."""

    name: str
    alt: str
    png: bytes

    @property
    def data(self) -> str:
        """The PNG in base64, for a data: URI."""
        return base64.b64encode(self.png).decode("ascii")


def _remembered(draw):
    """`draw`, drawing each distinct figure once per process (its arguments' repr is the key; a few dozen kept)."""
    @functools.wraps(draw)
    def remembered(*args) -> bytes:
        key = f"{draw.__name__}{args!r}"
        if key not in _DRAWN:
            if len(_DRAWN) >= 64:
                _DRAWN.clear()
            _DRAWN[key] = draw(*args)
        return _DRAWN[key]
    return remembered


def _figure(**kw) -> Figure:
    fig = Figure(**kw)
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas: the PNG is drawn by Agg, whatever pyplot's backend
    return fig


def _png(fig: Figure) -> bytes:
    """The figure as a PNG; it is cleared after (nothing else refers to it, so it is freed with its axes)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    finally:
        fig.clear()
    return buf.getvalue()


def short(text: str, n: int = 60) -> str:
    """Text on one line, cut to n characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@_remembered
def scores(values: list[float], max_score: float, lesson: str) -> bytes:
    """Histogram of a lesson's scores."""
    fig = _figure(figsize=(6, 3))
    ax = fig.subplots()
    bins = max(5, min(20, int(max_score) + 1)) if max_score else 10
    ax.hist(values, bins=bins, range=(0, max_score or 1), color="#3f51b5", edgecolor="white")
    ax.set_xlabel(f"score (of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{lesson}: scores ({len(values)} graded)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


@_remembered
def checks(labels: list[str], shares: list[float], lesson: str) -> bytes:
    """Share of the class with each check right."""
    fig = _figure(figsize=(7, 0.45 * len(labels) + 1.2))
    ax = fig.subplots()
    y = list(range(len(labels)))
    ax.barh(y, [100 * s for s in shares], color=[HONOUR if s >= 0.7 else "#f9a825" if s >= 0.4 else BREAK
                                                 for s in shares])
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded students with full marks")
    ax.set_title(f"{lesson}: knowledge checks and activities")
    for i, s in enumerate(shares):
        ax.text(min(100 * s + 1, 92), i, f"{100 * s:.0f}%", va="center", fontsize=8)
    return _png(fig)


@_remembered
def roleplay(scenario, counts: dict[str, Counter], walkers: int) -> bytes:
    """One panel per role-play moment: the share taking each choice, green if it honours a principle."""
    nodes = [nid for nid, node in scenario.nodes.items() if node.choices]
    heights = [len(scenario.nodes[n].choices) + 1.2 for n in nodes]
    fig = _figure(figsize=(8, 0.38 * sum(heights) + 0.8), layout="constrained")
    axes = fig.subplots(len(nodes), 1, squeeze=False, sharex=True, gridspec_kw={"height_ratios": heights})
    for ax, nid in zip(axes[:, 0], nodes, strict=True):
        node = scenario.nodes[nid]
        total = sum(counts[nid].values())
        shares = [(counts[nid][c.id] / total if total else 0.0) for c in node.choices]
        ax.barh(range(len(node.choices)), [100 * s for s in shares],
                color=[HONOUR if c.feedback.honours else BREAK for c in node.choices])
        ax.set_yticks(range(len(node.choices)), [short(c.text, 55) for c in node.choices], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_title(f"{nid} ({total} of {walkers} reached it): {short(node.text, 70)}", fontsize=8, loc="left")
        for i, s in enumerate(shares):
            ax.text(min(100 * s + 1, 90), i, f"{100 * s:.0f}%", va="center", fontsize=7)
    axes[-1, 0].set_xlabel("% of the students who reached this moment (green: honours the principle)")
    fig.suptitle(f"Role-play '{scenario.title}': choices taken", fontsize=10)
    return _png(fig)
