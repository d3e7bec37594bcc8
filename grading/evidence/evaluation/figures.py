"""The evaluation section's figures (matplotlib's object API on Agg, as the class report's): PNG bytes, no
names, nothing fetched."""

from __future__ import annotations

from pathways.evaluation.items import TIMEPOINT_NAMES, TIMEPOINTS

from ...instructor.report_figures import _figure, _png
from .analysis import Evaluation

COLOURS = {"pre": "#9e9e9e", "post": "#3f51b5", "followup": "#00897b"}




def objectives(ev: Evaluation) -> bytes:
    """Share right per objective at each time point, as grouped horizontal bars."""
    rows = ev.objectives
    fig = _figure(figsize=(7.5, 0.55 * len(rows) + 1.4))
    ax = fig.subplots()
    for k, tp in enumerate(TIMEPOINTS):
        ys = [i + (k - 1) * 0.27 for i in range(len(rows))]
        ax.barh(ys, [100 * (r.share[tp] or 0) for r in rows], height=0.26, color=COLOURS[tp],
                label=f"{TIMEPOINT_NAMES[tp]} (n = {ev.taken[tp]})")
    ax.set_yticks(range(len(rows)), [f"{r.lesson[:2]} obj. {r.objective}" for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of answers right")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Knowledge per lesson objective")
    return _png(fig)


def paired(ev: Evaluation) -> bytes:
    """Each pseudonymous learner's score at each time point they took, joined by a line; the means in bold."""
    fig = _figure(figsize=(6, 3.6))
    ax = fig.subplots()
    codes = sorted(set().union(*(ev.scores[tp] for tp in TIMEPOINTS)))
    for c in codes:
        xs = [i for i, tp in enumerate(TIMEPOINTS) if c in ev.scores[tp]]
        ax.plot(xs, [ev.scores[TIMEPOINTS[i]][c] for i in xs], color="#9fa8da", alpha=0.5, marker="o", ms=3, lw=1)
    means = [(i, sum(ev.scores[tp].values()) / len(ev.scores[tp])) for i, tp in enumerate(TIMEPOINTS) if ev.scores[tp]]
    ax.plot([i for i, _ in means], [m for _, m in means], color="#1a237e", lw=3, marker="s", label="mean")
    ax.set_xticks(range(3), [f"{TIMEPOINT_NAMES[tp]}\n(n = {ev.taken[tp]})" for tp in TIMEPOINTS])
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of items right")
    ax.legend(fontsize=8)
    ax.set_title("Each learner's knowledge score (pseudonymous)")
    return _png(fig)


def attitudes(ev: Evaluation, values: dict[str, list[float]]) -> bytes:
    """The attitude scale's scores at each time point, as box plots."""
    fig = _figure(figsize=(6, 3))
    ax = fig.subplots()
    shown = [tp for tp in TIMEPOINTS if values.get(tp)]
    if shown:
        ax.boxplot([values[tp] for tp in shown], tick_labels=[f"{TIMEPOINT_NAMES[tp]}\n(n = {len(values[tp])})"
                                                              for tp in shown])
    ax.set_ylim(1, 5)
    ax.set_ylabel("scale score (1-5, higher: trauma-informed)")
    ax.set_title("Attitude scale (written for this course, not externally validated)", fontsize=9)
    return _png(fig)
