"""Report figures (matplotlib, object API: no pyplot global state), saved as PNG and SVG with
byte-reproducible settings: no creation date or software stamp, a fixed SVG id salt.

Reading rules the figures follow: nothing is clipped (``bbox_inches="tight"``); log axes carry
a few plain ticks (0.2, 0.5, 1, 2 ...) and no minor labels; a democracy term's colour says its
direction and whether p < alpha, with a legend; dummies and per-point scores (weak link, Polity
product) sit in separate panels because their odds ratios are on different scales; every model
has its own colour and marker; rates over time carry exact Poisson intervals and the dyad-years
behind them, and sparse bins are drawn hollow and do not set the axis range.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter
from scipy.special import gammaincinv

from dyadstats.io.files import atomic_path
from dyadstats.report.labels import term_label
from dyadstats.report.options import REGIME_PAIRS, ReportOptions

matplotlib.use("Agg")

PAIR_COLORS = {"joint democracy": "#1b6ca8", "mixed": "#8c8c8c", "joint autocracy": "#c0392b", "other dyads": "#5d6d7e"}
#: Direction x significance of a democracy term (negative = fewer events with democracy).
DIRECTION_COLORS = {
    ("negative", True): "#1b6ca8", ("negative", False): "#9cc3e0",
    ("positive", True): "#c0392b", ("positive", False): "#eba59c",
}
#: Okabe-Ito colours (colour-blind safe) and markers: one distinct pair per model, up to eight.
MODEL_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
MODEL_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50, 100)
#: A time bin with fewer dyad-years than this is drawn hollow and does not set the y-range.
SPARSE_DYAD_YEARS = 500
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
            fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.08)
        with atomic_path(paths[1]) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight", pad_inches=0.08)
    return paths


def _ratio_axis(ax, low: float, high: float) -> str:
    """An odds-ratio x-axis over [low, high] with 1 in view; returns its scale's name.

    A wide range gets a log axis with a few plain ticks (0.2, 0.5, 1, 2) and no minor labels;
    a narrow one (a per-point score, within a factor of 1.5) a linear axis with ~5 ticks.
    """
    low, high = min(max(low, 1e-3), 0.98), max(high, 1.02)
    if high / low < 1.5:
        pad = 0.08 * (high - low)
        ax.set_xlim(low - pad, high + pad)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        return "linear"
    ticks = [t for t in LOG_TICKS if low * 0.95 <= t <= high * 1.05]
    if len(ticks) > 7:  # keep every other tick so labels never touch, 1 among them
        ticks = ticks[::2] if 1 in ticks[::2] else ticks[1::2]
    ax.set_xscale("log")
    ax.set_xlim(low / 1.15, high * 1.15)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    return "log"


def is_continuous(term: str) -> bool:
    """A per-point democracy score (weak or strong link, Polity product), not a 0/1 dummy."""
    base = term.removesuffix("_lag1")
    return base.startswith(("min_", "max_", "polyprod_"))


def forest_plot(robust: pd.DataFrame, options: ReportOptions) -> Figure:
    """Each model's democracy-term odds ratio and 95% CI: dummies above, per-point scores below."""
    robust = robust.reset_index(drop=True)
    continuous = robust["focal_term"].map(is_continuous)
    panels = [(robust[~continuous], "0/1 codings: odds ratio of the coded pairs against the rest"),
              (robust[continuous], "Per-point scores: odds ratio per point of the score")]
    panels = [(rows, title) for rows, title in panels if len(rows)]
    heights = [len(rows) + 1.5 for rows, _ in panels]
    with matplotlib.rc_context(FIXED_RC):
        fig = Figure(figsize=(7.4, max(2.8, 0.22 * sum(heights) + 1.2)), layout="constrained")
        axes = fig.subplots(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]
        for ax, (rows, title) in zip(axes, panels, strict=True):
            y = np.arange(len(rows))[::-1]
            colors = [DIRECTION_COLORS[("negative" if e < 0 else "positive", bool(s))]
                      for e, s in zip(rows["estimate"], rows["significant"], strict=True)]
            ax.hlines(y, rows["or_low"], rows["or_high"], colors=colors, linewidth=1.8)
            ax.scatter(rows["odds_ratio"], y, c=colors, s=26, zorder=3)
            ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
            scale = _ratio_axis(ax, float(rows["or_low"].min()), float(rows["or_high"].max()))
            ax.set_xlabel(f"Odds ratio (95% CI{', log scale' if scale == 'log' else ''}; 1 = no association)", fontsize=8)
            ax.set_yticks(y)
            labels = rows["label"] if "label" in rows.columns else rows["focal_term"].map(
                lambda t: term_label(t, options.term_labels))
            ax.set_yticklabels([f"{m}: {lab}" for m, lab in zip(rows["model"], labels, strict=True)], fontsize=7.5)
            ax.set_ylim(-0.7, len(rows) - 0.3)
            ax.set_title(title, loc="left", fontsize=9)
            ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
        handles = [Line2D([], [], color=c, marker="o", linewidth=1.8,
                          label=f"{d}, p {'<' if s else '>='} {options.alpha}")
                   for (d, s), c in DIRECTION_COLORS.items()]
        fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=7.5)
        fig.suptitle("The democracy term across models", x=0.01, ha="left", fontsize=10)
    return fig


def predictions_plot(predictions: pd.DataFrame, models: Sequence[str], options: ReportOptions | None = None) -> Figure:
    """Mean predicted probability per 1,000 dyad-years by observed regime pair: one panel per
    outcome, one colour and marker per model."""
    labels = options.term_labels if options else {}
    if "quantity" in predictions.columns:
        predictions = predictions[predictions["quantity"] == "observed"]
    groups = [g for g in (*REGIME_PAIRS, "other dyads") if g in set(predictions["group"])]
    shown = [m for m in models if m in set(predictions["model"])][: len(MODEL_COLORS)]
    style = {m: (MODEL_COLORS[i], MODEL_MARKERS[i]) for i, m in enumerate(shown)}
    outcomes = list(dict.fromkeys(predictions.loc[predictions["model"].isin(shown), "outcome"])) \
        if "outcome" in predictions.columns else [None]
    with matplotlib.rc_context(FIXED_RC):
        fig = Figure(figsize=(7.4, 3.6), layout="constrained")
        axes = fig.subplots(1, max(1, len(outcomes)), squeeze=False, width_ratios=None)[0]
        for ax, outcome in zip(axes, outcomes, strict=True):
            in_panel = [m for m in shown if outcome is None or outcome in set(predictions.loc[predictions["model"] == m, "outcome"])]
            width = 0.8 / max(1, len(in_panel))
            for i, model in enumerate(in_panel):
                rows = predictions[predictions["model"] == model].set_index("group")
                present = [g for g in groups if g in rows.index]
                xs = [groups.index(g) - 0.4 + width * (i + 0.5) for g in present]
                est = 1000 * rows.loc[present, "estimate"].to_numpy(dtype=float)
                lo = 1000 * rows.loc[present, "conf_low"].to_numpy(dtype=float)
                hi = 1000 * rows.loc[present, "conf_high"].to_numpy(dtype=float)
                color, marker = style[model]
                ax.errorbar(xs, est, yerr=[est - lo, hi - est], fmt=marker, color=color, capsize=2,
                            markersize=4, linewidth=1, label=model)
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels([g.replace(" ", "\n", 1) for g in groups], fontsize=8)
            ax.set_ylim(bottom=0)
            if outcome is not None:
                ax.set_title(term_label(str(outcome), labels), loc="left", fontsize=8.5)
        axes[0].set_ylabel("Predicted events per 1,000 dyad-years")
        handles = [Line2D([], [], color=c, marker=mk, linestyle="", label=m) for m, (c, mk) in style.items()]
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)), frameon=False, fontsize=7.5)
        fig.suptitle("Mean predicted probability by observed regime pair (95% CI)", x=0.01, ha="left", fontsize=10)
    return fig


def chi2_ppf(q: float | np.ndarray, df: float | np.ndarray) -> np.ndarray:
    """The chi-squared quantile ``scipy.stats.chi2.ppf(q, df)`` for 0 < q < 1 and df > 0, bit for
    bit: that is its own formula (``chi2_gen._ppf``), ``2 * gammaincinv(df / 2, q)``, without
    importing ``scipy.stats`` (~0.7 s of the report's start-up)."""
    return 2.0 * gammaincinv(np.asarray(df, dtype=float) / 2.0, q)


def poisson_interval(events: np.ndarray, exposure: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson rate ``events / exposure``.

    lower = chi2.ppf(a/2, 2k) / (2E), upper = chi2.ppf(1 - a/2, 2k + 2) / (2E), a = 1 - level;
    the lower bound is 0 when k = 0. Exact coverage >= level at every count, which matters for
    bins with a handful of events.
    """
    k = np.asarray(events, dtype=float)
    e = np.asarray(exposure, dtype=float)
    a = 1.0 - level
    with np.errstate(invalid="ignore"):  # k = 0 has no lower quantile; its bound is 0
        low = np.where(k > 0, chi2_ppf(a / 2, 2 * k) / 2, 0.0) / e
    high = chi2_ppf(1 - a / 2, 2 * k + 2) / 2 / e
    return low, high


def rate_over_time_plot(rates: pd.DataFrame, options: ReportOptions) -> Figure:
    """Events per 1,000 dyad-years in year bins by regime pair, with exact 95% intervals, and the
    dyad-years behind each bin below."""
    with matplotlib.rc_context(FIXED_RC):
        fig = Figure(figsize=(7.4, 4.6), layout="constrained")
        ax, counts = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.2])
        top = 0.0
        for k, pair in enumerate(REGIME_PAIRS):
            rows = rates[rates["regime_pair"] == pair].sort_values("bin_start")
            if rows.empty:
                continue
            x = (rows["bin_start"] + rows["bin_end"]).to_numpy(dtype=float) / 2 + (k - 1) * 0.5
            rate = rows["rate_per_1000"].to_numpy(dtype=float)
            low, high = poisson_interval(rows["events"].to_numpy(), rows["dyad_years"].to_numpy())
            low, high = 1000 * low, 1000 * high
            sparse = rows["dyad_years"].to_numpy() < SPARSE_DYAD_YEARS
            color = PAIR_COLORS[pair]
            ax.plot(x[~sparse], rate[~sparse], color=color, linewidth=1.2, label=pair)
            ax.vlines(x[~sparse], low[~sparse], high[~sparse], color=color, linewidth=0.8, alpha=0.6)
            ax.scatter(x[~sparse], rate[~sparse], color=color, s=10, zorder=3)
            ax.scatter(x[sparse], rate[sparse], facecolors="none", edgecolors=color, s=16, zorder=3)
            if (~sparse).any():
                top = max(top, float(np.nanmax(high[~sparse])))
            counts.plot(x - (k - 1) * 0.5, rows["dyad_years"].to_numpy() / 1000, color=color, linewidth=1.1)
        top = top * 1.08 or 1.0
        ax.set_ylim(0, top)
        # A sparse bin above the range is drawn at the top edge (its value is in rates.csv).
        for pair in REGIME_PAIRS:
            rows = rates[(rates["regime_pair"] == pair) & (rates["dyad_years"] < SPARSE_DYAD_YEARS)
                         & (rates["rate_per_1000"] > top)]
            if len(rows):
                ax.scatter((rows["bin_start"] + rows["bin_end"]) / 2, [top] * len(rows), marker="^",
                           facecolors="none", edgecolors=PAIR_COLORS[pair], s=22, clip_on=False, zorder=4)
        for a in (ax, counts):
            for era in options.eras[1:]:
                a.axvline(era.start - 0.5, color="#bbbbbb", linewidth=0.8, zorder=0)
        x_min, x_max = float(rates["bin_start"].min()), float(rates["bin_end"].max())
        for era in options.eras:  # label only the eras the data reach, inside the x-range
            if era.end >= x_min and era.start <= x_max:
                # inside the axes, below its top: above it the labels ran into the figure title
                ax.text(max(era.start, x_min) + 1, top * 0.985, era.label, ha="left", va="top",
                        fontsize=7, color="#555555", zorder=5,
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
        handles = [Line2D([], [], color=PAIR_COLORS[p], marker="o", markersize=3, label=p) for p in REGIME_PAIRS]
        handles.append(Line2D([], [], color="#666666", marker="o", markerfacecolor="none", linestyle="",
                              label=f"< {SPARSE_DYAD_YEARS} dyad-years (^ = above the range)"))
        fig.legend(handles=handles, frameon=False, fontsize=7.5, loc="outside lower center", ncols=4)
        ax.set_ylabel("Events per 1,000 dyad-years\n(exact 95% CI)")
        counts.set_ylabel("Dyad-years\n(thousands)")
        counts.set_ylim(bottom=0)
        counts.set_xlabel(f"Year ({options.time_bin_years}-year bins)")
        outcome = term_label(options.time_outcome, options.term_labels)
        outcome = outcome[:1].upper() + outcome[1:]
        fig.suptitle(f"{outcome} over time, by regime pair ({options.democracy_measure}), all dyads",
                     x=0.01, ha="left", fontsize=10)
    return fig
