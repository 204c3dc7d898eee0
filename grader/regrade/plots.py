"""The batch's plots, drawn with matplotlib's Agg canvas (no display): ``histogram.png`` of the totals and
``parts.png``, how each part went. Each returns False, writing nothing, when matplotlib is not installed."""

from __future__ import annotations

import math
from pathlib import Path

from grader.regrade.summary import RegradeSummary

COLOURS = {"full marks": "#55A868", "a named mistake": "#DD8452", "wrong or partly right otherwise": "#C44E52",
           "not answered (blank, unreadable)": "#B0B0B0"}


def histogram_png(summary: RegradeSummary, path: Path) -> bool:
    """The totals' histogram, with the mean and the median."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return False
    figure = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    totals = list(summary.totals)
    low = math.floor(min([0.0, *totals]))
    high = math.ceil(max([summary.possible, *totals, 1.0]))
    width = 1.0 if high - low <= 40 else (high - low) / 40
    edges = [low + width * step for step in range(int(math.ceil((high - low) / width)) + 2)]
    if totals:
        axes.hist(totals, bins=edges, color="#4C72B0", edgecolor="white")
        axes.axvline(summary.mean, color="#C44E52", linestyle="--", linewidth=1, label=f"mean {summary.mean:g}")
        axes.axvline(summary.median, color="#55A868", linestyle=":", linewidth=1.5, label=f"median {summary.median:g}")
        axes.legend(loc="best", fontsize=9, frameon=False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(low, edges[-1])
    axes.set_xlabel(f"total score (full marks {summary.possible:g}; extra credit can add more)")
    axes.set_ylabel("submissions")
    axes.set_title(f"{summary.problem_set}\n{summary.scored} scored of {summary.count}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return True


def parts_png(summary: RegradeSummary, path: Path) -> bool:
    """One bar per part, in part order from the top: the shares of full marks, named mistakes, other wrong
    answers and unanswered, among the submissions whose answers were read."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import PercentFormatter
    except ImportError:
        return False
    rows = summary.breakdown
    figure = Figure(figsize=(9, 1.2 + 0.32 * max(1, len(rows))), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [_short(item.part) for item in rows]
    series = {"full marks": [item.full for item in rows], "a named mistake": [item.named for item in rows],
              "wrong or partly right otherwise": [item.other for item in rows],
              "not answered (blank, unreadable)": [item.unanswered for item in rows]}
    left = [0.0] * len(rows)
    for label, shares in series.items():
        axes.barh(labels, shares, left=left, color=COLOURS[label], label=label, height=0.7)
        left = [start + share for start, share in zip(left, shares)]
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.tick_params(axis="y", labelsize=8)
    read = summary.statuses.get("graded", 0)
    axes.set_xlabel(f"share of the {read} submissions whose answers were read")
    axes.set_title(f"{summary.problem_set}\nhow each part went", fontsize=10)
    if rows:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    figure.savefig(path, format="png", bbox_inches="tight")
    return True


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"
