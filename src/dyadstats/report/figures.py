"""Report figures (matplotlib, object API: no pyplot global state), saved as PNG and SVG with
byte-reproducible settings: no creation date or software stamp, a fixed SVG id salt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from dyadstats.io import atomic_path
from dyadstats.report.options import REGIME_PAIRS, ReportOptions

matplotlib.use("Agg")

PAIR_COLORS = {"joint democracy": "#1b6ca8", "mixed": "#8c8c8c", "joint autocracy": "#c0392b", "other dyads": "#5d6d7e"}
FIXED_RC = {
    "svg.hashsalt": "dyadstats-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
DPI = 150


def save_figure(fig: Figure, directory: str | Path, stem: str) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` atomically; same figure -> same bytes."""
    directory = Path(directory)
    paths = [directory / f"{stem}.png", directory / f"{stem}.svg"]
    with matplotlib.rc_context(FIXED_RC):
        with atomic_path(paths[0]) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
        with atomic_path(paths[1]) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None})
    return paths


def _new_figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(FIXED_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        fig.add_subplot()
    return fig


def forest_plot(robust: pd.DataFrame, options: ReportOptions) -> Figure:
    """Joint-democracy odds ratios with 95% CIs, one row per model (log scale, 1 = no effect)."""
    n = len(robust)
    with matplotlib.rc_context(FIXED_RC):
        fig = _new_figure(7.0, max(2.2, 0.38 * n + 1.2))
        ax = fig.axes[0]
        y = np.arange(n)[::-1]
        colors = np.where(robust["significant"].astype(bool), "#1b6ca8", "#8c8c8c")
        ax.hlines(y, robust["or_low"], robust["or_high"], colors=colors, linewidth=1.6)
        ax.scatter(robust["odds_ratio"], y, c=colors, s=28, zorder=3)
        ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        plain = FuncFormatter(lambda v, _pos: f"{v:g}")
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(plain)
        ax.set_yticks(y)
        ax.set_yticklabels(
            [f"{m}  ({options.term_labels.get(t, t)})" for m, t in zip(robust["model"], robust["focal_term"], strict=True)]
        )
        ax.set_xlabel("Odds ratio of the model's democracy term (95% CI, log scale; 1 = no association)")
        ax.set_title(f"The democracy term across models (blue: p < {options.alpha})", loc="left")
    return fig


def predictions_plot(predictions: pd.DataFrame, models: Sequence[str]) -> Figure:
    """Mean predicted probability per 1,000 dyad-years by observed regime-pair type, with CIs."""
    if "quantity" in predictions.columns:
        predictions = predictions[predictions["quantity"] == "observed"]
    groups = [g for g in (*REGIME_PAIRS, "other dyads") if g in set(predictions["group"])]
    shown = [m for m in models if m in set(predictions["model"])]
    with matplotlib.rc_context(FIXED_RC):
        fig = _new_figure(7.0, 3.8)
        ax = fig.axes[0]
        width = 0.8 / max(1, len(shown))
        markers = "osD^v<>ph*"
        for i, model in enumerate(shown):
            rows = predictions[predictions["model"] == model].set_index("group")
            xs = [j - 0.4 + width * (i + 0.5) for j, g in enumerate(groups) if g in rows.index]
            present = [g for g in groups if g in rows.index]
            est = 1000 * rows.loc[present, "estimate"].to_numpy(dtype=float)
            lo = 1000 * rows.loc[present, "conf_low"].to_numpy(dtype=float)
            hi = 1000 * rows.loc[present, "conf_high"].to_numpy(dtype=float)
            ax.errorbar(xs, est, yerr=[est - lo, hi - est], fmt=markers[i % len(markers)], capsize=2,
                        label=model, linewidth=1)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(groups)
        ax.set_ylabel("Predicted probability per 1,000 dyad-years")
        ax.set_ylim(bottom=0)
        ax.set_title("Mean predicted probability by observed regime pair (95% CI)", loc="left")
        if shown:
            ax.legend(frameon=False, fontsize=7, ncols=min(3, len(shown)))
    return fig


def rate_over_time_plot(rates: pd.DataFrame, options: ReportOptions) -> Figure:
    """Events per 1,000 dyad-years in year bins, one line per regime-pair type."""
    with matplotlib.rc_context(FIXED_RC):
        fig = _new_figure(7.0, 3.6)
        ax = fig.axes[0]
        for pair in REGIME_PAIRS:
            rows = rates[rates["regime_pair"] == pair].sort_values("bin_start")
            if rows.empty:
                continue
            middle = (rows["bin_start"] + rows["bin_end"]) / 2
            ax.plot(middle, rows["rate_per_1000"], marker="o", markersize=3,
                    color=PAIR_COLORS[pair], label=pair, linewidth=1.3)
        for era in options.eras[1:]:
            ax.axvline(era.start, color="#cccccc", linewidth=0.8, zorder=0)
        ax.set_xlabel(f"Year ({options.time_bin_years}-year bins, plotted at their midpoint)")
        ax.set_ylabel("Events per 1,000 dyad-years")
        outcome = options.term_labels.get(options.time_outcome, options.time_outcome)
        ax.set_title(f"{outcome} over time by regime pair ({options.democracy_measure})", loc="left")
        ax.legend(frameon=False)
    return fig
