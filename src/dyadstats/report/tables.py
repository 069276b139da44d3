"""Report tables: the shared table machinery (the regression tables are built in
:mod:`dyadstats.report.regression`) and the descriptive tables (maketables MTable), each
rendered as HTML, LaTeX, Markdown and CSV.

The models stage stores tidy estimates, not fitted objects, and the report must not refit.
maketables' documented plug-in format (``__maketables_coef_table__`` and friends) lets a small
``TidyModel`` wrapper feed those rows to ETable, so stars, SE layout, statistic rows and the
LaTeX/HTML writers all come from the maintained library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import maketables as mt
import pandas as pd

from dyadstats.io.files import write_text
from dyadstats.report.options import REGIME_PAIRS, ReportOptions

LINEBREAK = "\n"
TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
TEX_PATTERN = re.compile("|".join(re.escape(k) for k in TEX_SPECIALS))
STAT_LABELS = {
    "N": "Dyad-years (N)",
    "events": "Events",
    "n_clusters": "Clusters (dyads)",
    "pseudo_r2": "Pseudo R²",
    "ll": "Log-likelihood",
    "aic": "AIC",
}


@dataclass(frozen=True)
class TidyModel:
    """One fitted model as the models stage stored it, in maketables' plug-in format."""

    name: str
    outcome: str
    coefs: pd.DataFrame  # index: term; columns b, se, t, p
    stats: Mapping[str, Any]

    @property
    def __maketables_coef_table__(self) -> pd.DataFrame:
        return self.coefs

    def __maketables_stat__(self, key: str) -> Any:
        value = self.stats.get(key)
        return None if value is None or pd.isna(value) else value

    @property
    def __maketables_depvar__(self) -> str:
        return self.outcome

    @property
    def __maketables_default_stat_keys__(self) -> list[str]:
        return list(STAT_LABELS)


@dataclass(frozen=True)
class RenderedTable:
    """One table in every output format the report writes."""

    key: str
    caption: str
    html: str
    latex: str
    markdown: str
    csv: pd.DataFrame

    def write(self, directory: str | Path) -> list[Path]:
        """Write ``<key>.csv`` and ``<key>.tex`` (deterministic bytes)."""
        directory = Path(directory)
        csv_path, tex_path = directory / f"{self.key}.csv", directory / f"{self.key}.tex"
        write_text(self.csv.to_csv(index=False, lineterminator="\n"), csv_path)
        write_text(self.latex if self.latex.endswith("\n") else self.latex + "\n", tex_path)
        return [csv_path, tex_path]


def tex_escape(text: Any) -> Any:
    """Escape LaTeX specials in a string (other values pass through)."""
    if not isinstance(text, str):
        return text
    return TEX_PATTERN.sub(lambda m: TEX_SPECIALS[m.group(0)], text)


def _escape_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(tex_escape(v) for v in t) for t in index], names=index.names
        )
    return pd.Index([tex_escape(v) for v in index], name=index.name)


def _tex_table(table: mt.MTable) -> str:
    """LaTeX of an MTable with every label and cell escaped (maketables does not escape)."""
    df = table.df.copy()
    df.index = _escape_index(df.index)
    df.columns = _escape_index(df.columns)
    df = df.map(tex_escape)
    escaped = mt.MTable(
        df,
        notes=tex_escape(table.notes),
        caption=tex_escape(table.caption),
        tab_label=table.tab_label,
        rgroup_display=table.rgroup_display,
    )
    return str(escaped.make("tex"))


GT_WRAPPER_ID = re.compile(r'^<div id="([^"]+)"')


def _html_table(table: mt.MTable, key: str) -> str:
    """Great Tables HTML with a fixed element id.

    Great Tables scopes its CSS under a random ten-letter id (``with_id`` is not honoured on
    the table maketables builds), which would make every render differ; the id is replaced,
    in the wrapper and in every CSS selector, by ``tbl-<key>``.
    """
    html = str(table.make("gt").as_raw_html())
    match = GT_WRAPPER_ID.match(html)
    if not match:
        raise RuntimeError("great-tables HTML no longer starts with its id'd wrapper <div>")
    return html.replace(match.group(1), f"tbl-{key}")


def _flat_header(col: Any) -> str:
    parts = col if isinstance(col, tuple) else (col,)
    return "<br>".join(str(p) for p in parts if str(p) != "")


def _md_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).replace("|", "\\|").replace(LINEBREAK, "<br>").strip()


def markdown_table(df: pd.DataFrame, stub: str = "", show_groups: bool = True) -> str:
    """A GitHub Markdown table; a 2-level row index prints its group once, in bold."""
    header = [stub, *(_flat_header(c) for c in df.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    previous = None
    for idx, row in df.iterrows():
        if isinstance(idx, tuple):
            group, label = idx[0], idx[-1]
            if show_groups and group != previous and df.index.nlevels > 1 and str(group):
                lines.append("| **" + _md_cell(group) + "** |" + " |" * len(df.columns))
            previous = group
        else:
            label = idx
        lines.append("| " + " | ".join([_md_cell(label), *(_md_cell(v) for v in row)]) + " |")
    return "\n".join(lines) + "\n"


def _csv_frame(df: pd.DataFrame, stub: str) -> pd.DataFrame:
    """The displayed table as a flat frame: one label column, one column per display column."""
    flat = df.copy()
    flat.columns = [_flat_header(c).replace("<br>", " | ") for c in df.columns]
    flat = flat.map(lambda v: v.replace(LINEBREAK, " ").strip() if isinstance(v, str) else v)
    labels = [idx[-1] if isinstance(idx, tuple) else idx for idx in df.index]
    flat.insert(0, stub, labels)
    if df.index.nlevels > 1:
        flat.insert(0, "group", [idx[0] for idx in df.index])
    return flat.reset_index(drop=True)


def render_mtable(
    key: str, table: mt.MTable, caption: str, stub: str, csv: pd.DataFrame | None = None
) -> RenderedTable:
    return RenderedTable(
        key=key,
        caption=caption,
        html=_html_table(table, key),
        latex=_tex_table(table),
        markdown=markdown_table(table.df, stub, show_groups=table.rgroup_display),
        csv=_csv_frame(table.df, stub) if csv is None else csv,
    )


def _int(v: Any) -> str:
    return "-" if v is None or pd.isna(v) else f"{int(v):,}"


def _fixed(v: Any, digits: int) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):,.{digits}f}"


# --- regression table ------------------------------------------------------------------------


# --- descriptive tables ----------------------------------------------------------------------




def sample_table(sample: pd.DataFrame, options: ReportOptions) -> RenderedTable:
    display = pd.DataFrame(
        {
            "Dyad-years": [_int(v) for v in sample["dyad_years"]],
            "Dyads": [_int(v) for v in sample["dyads"]],
            "Years": [
                "-" if pd.isna(a) else f"{int(a)}-{int(b)} ({int(n)})"
                for a, b, n in zip(sample["first_year"], sample["last_year"], sample["years"], strict=True)
            ],
            "Events": [_int(v) for v in sample["events"]],
        },
        index=pd.Index([options.term_labels.get(o, o) for o in sample["outcome"]], name="Coding"),
    )
    table = mt.MTable(
        display,
        caption="The sample: dyad-years where each coercion coding is defined",
        tab_label="tab:sample",
        notes="Years: first-last (number of distinct years). A coding is undefined outside its event source's coverage.",
    )
    return render_mtable("sample", table, table.caption or "", "Coding", csv=sample)


def rates_table(rates: pd.DataFrame, options: ReportOptions) -> RenderedTable:
    cells = rates.assign(
        cell=[
            f"{r:.2f}{LINEBREAK}({e:,}/{n:,})"
            for r, e, n in zip(rates["rate_per_1000"], rates["events"], rates["dyad_years"], strict=True)
        ]
    )
    wide = cells.pivot(index=["outcome", "period"], columns="regime_pair", values="cell")
    order = pd.MultiIndex.from_frame(cells[["outcome", "period"]].drop_duplicates())
    wide = wide.reindex(index=order, columns=[p for p in REGIME_PAIRS if p in wide.columns]).fillna("-")
    wide.index = pd.MultiIndex.from_tuples(
        [(options.term_labels.get(o, o), p) for o, p in wide.index], names=["Coding", "Period"]
    )
    wide.columns = pd.Index(list(wide.columns), name=None)
    table = mt.MTable(
        wide,
        caption=f"Events per 1,000 dyad-years by regime-pair type ({options.democracy_measure})",
        tab_label="tab:rates",
        notes="Cells: rate per 1,000 dyad-years (events / dyad-years). Dyad-years with a missing democracy score are left out.",
    )
    return render_mtable("rates", table, table.caption or "", "Period", csv=rates)


def _fmt_p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def robustness_display(robust: pd.DataFrame, options: ReportOptions) -> RenderedTable:
    display = pd.DataFrame(
        {
            "Outcome": [options.term_labels.get(o, o) for o in robust["outcome"]],
            "Estimator": robust["estimator"].astype(str).tolist(),
            "SEs": robust["cov_type"].astype(str).tolist(),
            "Democracy term": [options.term_labels.get(t, t) for t in robust["focal_term"]],
            "Odds ratio [95% CI]": [
                f"{o:.3f} [{lo:.3f}, {hi:.3f}]"
                for o, lo, hi in zip(robust["odds_ratio"], robust["or_low"], robust["or_high"], strict=True)
            ],
            "p": [_fmt_p(p) for p in robust["p_value"]],
            "Sign": robust["sign"].tolist(),
            f"p < {options.alpha}": ["yes" if s else "no" for s in robust["significant"]],
            "Tally": robust["comparison"].astype(str).tolist(),
        },
        index=pd.Index(robust["model"].tolist(), name="Model"),
    )
    table = mt.MTable(
        display,
        caption="The democracy term across the model grid: sign, significance and whether the tally counts it",
        tab_label="tab:robustness",
        notes="Odds ratios are exp(coefficient); the interval is exp of the coefficient's 95% CI.",
    )
    return render_mtable("robustness", table, table.caption or "", "Model", csv=robust)


def plain_table(key: str, frame: pd.DataFrame, caption: str, stub_column: str) -> RenderedTable:
    """Any small frame of strings/numbers (sources, lineage, provenance) as a report table."""
    display = frame.set_index(stub_column).map(lambda v: "-" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    table = mt.MTable(display, caption=caption, tab_label=f"tab:{key}")
    return render_mtable(key, table, caption, stub_column, csv=frame)
