"""The specification-curve figure of the multiverse (Simonsohn, Simmons & Nelson 2020).

Top panel: every estimated specification's joint-democracy estimate (log odds), sorted from
the most negative to the most positive, with its 95% confidence interval; blue where the
estimate is negative and significant at ``alpha``, red where positive and significant, grey
otherwise. Bottom panel: one row per choice level (grouped by dimension), a mark in the column
of every specification that made that choice, so a reader sees which choices sit at either
end of the curve. Saved as PNG and SVG with the report's byte-reproducible settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dyadstats.report.figures import FIXED_RC, save_figure

matplotlib.use("Agg")

NEGATIVE, POSITIVE, NEUTRAL = "#1b6ca8", "#c0392b", "#9a9a9a"
STEM = "specification_curve"


def curve_order(df: pd.DataFrame) -> pd.DataFrame:
    """Estimated specifications sorted by estimate (ties broken by ``spec_id``: deterministic)."""
    ok = df[df["status"] == "ok"]
    return ok.sort_values(["estimate", "spec_id"], kind="stable").reset_index(drop=True)


def curve_colors(curve: pd.DataFrame, alpha: float) -> np.ndarray:
    """Blue for negative and significant, red for positive and significant, grey otherwise."""
    sig = curve["p_value"].to_numpy(float) < alpha
    est = curve["estimate"].to_numpy(float)
    return np.where(sig & (est < 0), NEGATIVE, np.where(sig & (est > 0), POSITIVE, NEUTRAL))


def curve_caption(alpha: float) -> str:
    """The figure's caption: what its marks and colours (:func:`curve_colors`) mean."""
    return (f"Specification curve: each estimated specification's democracy term (log odds; weak links "
            f"per SD of the lower score) with its 95% confidence interval, sorted by size; blue: "
            f"negative with p < {alpha:g}, red: positive with p < {alpha:g}, grey: otherwise; the dashed "
            f"line is the median. Below, the choices each specification made.")


def specification_curve(
    df: pd.DataFrame, levels: Mapping[str, Sequence[str]], alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """The two-panel specification curve of ``model_multiverse`` rows."""
    labels = labels or {}
    curve = curve_order(df)
    n = len(curve)
    rows = [(dim, lvl) for dim, lvls in levels.items() if len(lvls) > 1 for lvl in lvls]
    x = np.arange(n)
    colors = curve_colors(curve, alpha)
    with matplotlib.rc_context(FIXED_RC):
        fig = Figure(figsize=(10.0, 3.2 + 0.16 * len(rows)), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3.2, max(1.0, 0.16 * len(rows))])
        top.vlines(x, curve["conf_low"], curve["conf_high"], colors=colors, linewidth=0.6, alpha=0.6)
        top.scatter(x, curve["estimate"], c=colors, s=6, zorder=3, linewidths=0)
        top.axhline(0.0, color="black", linewidth=0.8)
        median = float(np.median(curve["estimate"])) if n else 0.0
        top.axhline(median, color=NEGATIVE if median < 0 else POSITIVE, linewidth=0.8, linestyle="--")
        top.set_ylabel("joint-democracy estimate\n(log odds, 95% CI)")
        share = float((curve["estimate"] < 0).mean()) if n else float("nan")
        top.set_title(
            f"{n} specifications; {share:.1%} negative; dashed line: median ({median:.2f})",
            fontsize=9, loc="left",
        )
        ylabels = []
        for i, (dim, lvl) in enumerate(rows):
            chosen = curve[dim].astype(str).to_numpy() == str(lvl)
            bottom.scatter(x[chosen], np.full(int(chosen.sum()), i), c=colors[chosen], s=3, marker="s",
                           linewidths=0)
            ylabels.append(f"{labels.get(dim, dim)}: {labels.get(str(lvl), lvl)}")
        # Separate the dimensions with faint lines.
        bounds = [i - 0.5 for i in range(1, len(rows)) if rows[i][0] != rows[i - 1][0]]
        for b in bounds:
            bottom.axhline(b, color="#dddddd", linewidth=0.6)
        bottom.set_yticks(range(len(rows)), ylabels, fontsize=6)
        bottom.set_ylim(len(rows) - 0.5, -0.5)
        bottom.set_xlim(-1, max(n, 1))
        bottom.set_xlabel("specification (sorted by estimate)")
    return fig


def write_specification_curve(
    table_path: str | Path, levels: Mapping[str, Sequence[str]], out_dir: str | Path,
    alpha: float = 0.05, labels: Mapping[str, str] | None = None,
) -> list[Path]:
    """Read ``model_multiverse`` and write ``specification_curve.png`` / ``.svg``."""
    df = pd.read_parquet(table_path)
    fig = specification_curve(df, levels, alpha, labels)
    return save_figure(fig, out_dir, STEM)
