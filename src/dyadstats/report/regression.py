"""The regression tables: a main table of a few comparable models and the full table of all.

Both are maketables ETables over the models stage's tidy estimates (``tables.TidyModel``).
What the reader sees differs from the stored rows in three declared ways:

- peace-year terms (the cubic polynomial or spline basis in years since the last event) are
  one row saying which time control a model has, not three rows of ``0.001 (0.000)``;
- every term is labelled (:mod:`dyadstats.report.labels`), never shown by its column name;
- in a three-category model (a mixed-dyad or joint-autocracy dummy beside joint democracy) the
  regime dummies are contrasts with the reference pair, so they get their own rows
  ("Joint democracy vs joint autocracy") rather than sharing the pooled coding's row.

Rows for the years used, N, events, rows dropped by listwise deletion, the estimator and the
standard errors follow the coefficients. The CSV keeps each row's raw term name beside its label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import maketables as mt
import pandas as pd

from dyadstats.errors import ConfigError
from dyadstats.report.inputs import ModelTables
from dyadstats.report.labels import term_label
from dyadstats.report.options import ReportOptions
from dyadstats.report.tables import (
    LINEBREAK,
    RenderedTable,
    TidyModel,
    _fixed,
    _int,
    render_mtable,
)

#: The most models the main table shows (it must fit 1,100 px beside its label column).
MAIN_TABLE_MAX = 8
MAIN_STATS = {"N": "Dyad-years (N)", "events": "Events", "n_clusters": "Clusters (dyads)"}
FULL_STATS = {**MAIN_STATS, "pseudo_r2": "Pseudo R²", "ll": "Log-likelihood", "aic": "AIC"}
REGIME_DUMMY = re.compile(r"^(?P<coding>joint_democracy|mixed_dyad|joint_autocracy)_(?P<rest>[a-z0-9_]+)$")
CONTRAST = "__vs_"


def _check_known(names: Sequence[str], known: Sequence[str], key: str) -> None:
    unknown = [m for m in names if m not in known]
    if unknown:
        raise ConfigError(
            f"report.{key}: model(s) {', '.join(unknown)} are not in model_fit (have: {', '.join(known)})"
        )


def full_table_models(tables: ModelTables, options: ReportOptions) -> list[str]:
    """``report.table_models``, else every model in fit order."""
    if not options.table_models:
        return tables.models
    _check_known(options.table_models, tables.models, "table_models")
    return list(options.table_models)


def main_table_models(tables: ModelTables, options: ReportOptions) -> list[str]:
    """``report.main_table_models``, else the first models in fit order (at most 8)."""
    chosen = list(options.main_table_models) or tables.models[:MAIN_TABLE_MAX - 1]
    _check_known(chosen, tables.models, "main_table_models")
    if len(chosen) > MAIN_TABLE_MAX:
        raise ConfigError(
            f"report.main_table_models: {len(chosen)} models do not fit the main table "
            f"(at most {MAIN_TABLE_MAX}); the full table shows every model"
        )
    return chosen


def regime_reference(formula: object) -> str | None:
    """The reference pair of a three-category formula, or None for a pooled coding.

    A formula with a mixed-dyad dummy and no joint-autocracy dummy leaves joint autocracy out
    (its reference), and the other way round; with neither it is the pooled coding.
    """
    text = str(formula) if isinstance(formula, str) else ""
    mixed, autoc = bool(re.search(r"\bmixed_dyad_", text)), bool(re.search(r"\bjoint_autocracy_", text))
    if mixed and not autoc:
        return "joint_autocracy"
    if autoc and not mixed:
        return "mixed_dyad"
    return None


def _contrast_label(term: str, options: ReportOptions) -> str:
    base, ref = term.split(CONTRAST)
    label = term_label(base, options.term_labels)
    name, _, detail = label.partition(" (")
    against = "joint autocracy" if ref == "joint_autocracy" else "mixed dyads"
    return f"{name} vs {against}" + (f" ({detail}" if detail else "")


def model_terms(tables: ModelTables, model: str) -> tuple[pd.DataFrame, str]:
    """One model's displayed coefficient rows (peace years removed, contrasts renamed) and its
    time control ('cubic', 'splines' or 'none')."""
    from dyadstats.report.labels import peace_kind

    fit = tables.fit.set_index("model").loc[model]
    rows = tables.estimates[tables.estimates["model"] == model]
    kinds = {peace_kind(t) for t in rows["term"].astype(str)} - {None}
    rows = rows[[peace_kind(t) is None for t in rows["term"].astype(str)]]
    ref = regime_reference(fit.get("formula"))
    if ref:
        renamed = [
            f"{t}{CONTRAST}{ref}" if (m := REGIME_DUMMY.match(t)) and m["coding"] != ref else t
            for t in rows["term"].astype(str)
        ]
        rows = rows.assign(term=renamed)
    return rows, (sorted(kinds)[0] if kinds else "none")


def focal_labels(tables: ModelTables, robust: pd.DataFrame, options: ReportOptions) -> list[str]:
    """The label of each robustness row's democracy term; a three-category model's joint
    democracy reads as the contrast it is ("Joint democracy vs joint autocracy")."""
    formulas = tables.fit.set_index("model")["formula"] if "formula" in tables.fit.columns else pd.Series(dtype=object)
    out = []
    for model, term in zip(robust["model"], robust["focal_term"].astype(str), strict=True):
        ref = regime_reference(formulas.get(model))
        match = REGIME_DUMMY.match(term)
        if ref and match and match["coding"] != ref:
            out.append(_contrast_label(f"{term}{CONTRAST}{ref}", options))
        else:
            out.append(term_label(term, options.term_labels))
    return out


def _short_sample(text: str) -> str:
    """The sample description with its longest phrase abbreviated (the notes spell it out)."""
    return text.replace("politically relevant dyads", "PRD")


def _years(fit: pd.Series) -> str:
    lo, hi = fit.get("year_min"), fit.get("year_max")
    return "-" if lo is None or pd.isna(lo) else f"{int(lo)}-{int(hi)}"


def _term_order(per_model: dict[str, pd.DataFrame], tables: ModelTables) -> list[str]:
    """Democracy terms (each model's focal term and regime contrasts) first, intercept last."""
    fit = tables.fit.set_index("model")
    terms = [t for rows in per_model.values() for t in rows["term"].astype(str)]
    focal = [str(fit.loc[m, "focal_term"]) for m in per_model if pd.notna(fit.loc[m, "focal_term"])]
    democracy = [t for t in dict.fromkeys(terms) if t in focal or CONTRAST in t]
    intercepts = [t for t in dict.fromkeys(terms) if t.lower() in ("intercept", "const", "(intercept)")]
    rest = [t for t in dict.fromkeys(terms) if t not in democracy and t not in intercepts]
    return [*dict.fromkeys([*(t for t in focal if t in terms), *democracy]), *rest, *intercepts]


def _unique_labels(terms: Sequence[str], options: ReportOptions) -> dict[str, str]:
    labels = {t: (_contrast_label(t, options) if CONTRAST in t else term_label(t, options.term_labels)) for t in terms}
    counts = pd.Series(list(labels.values())).value_counts()
    # Two terms with one label would merge into one row: tell them apart by their column name.
    return {t: (f"{lab} [{t.split(CONTRAST)[0]}]" if counts[lab] > 1 else lab) for t, lab in labels.items()}


def regression_table(
    tables: ModelTables, options: ReportOptions, models: Sequence[str] | None = None,
    *, key: str = "regression", full: bool = True,
) -> RenderedTable:
    """The regression table of ``models`` (default: the full table's models)."""
    models = list(models) if models is not None else full_table_models(tables, options)
    fit = tables.fit.set_index("model")
    per_model, time_control = {}, {}
    for name in models:
        per_model[name], time_control[name] = model_terms(tables, name)
    order = _term_order(per_model, tables)
    labels = _unique_labels(order, options)
    outcome_labels = {o: term_label(str(o), options.term_labels) for o in fit.loc[models, "outcome"]}
    stat_labels = FULL_STATS if full else MAIN_STATS
    levels = list(options.significance_levels)
    kinds = set(time_control.values())
    peace_row = f"Peace years: {kinds.pop()}" if len(kinds) == 1 and "none" not in kinds else "Peace years"
    cells = {
        peace_row: ["yes" if peace_row != "Peace years" else time_control[m] for m in models],
        "Years used": [_years(fit.loc[m]) for m in models],
        "Rows dropped (missing values)": [
            _int(fit.loc[m, "n_dropped_missing"]) if "n_dropped_missing" in fit.columns else "-" for m in models
        ],
        "Estimator": [str(fit.loc[m, "estimator"]) for m in models],
        "Std. errors": [str(fit.loc[m, "cov_type"]) for m in models],
    }
    if "sample" in fit.columns:
        cells["Sample"] = [_short_sample(str(fit.loc[m, "sample"])) for m in models]
    table = mt.ETable(
        [_tidy(name, per_model[name], fit.loc[name], stat_labels) for name in models],
        signif_code=levels,
        coef_fmt=f"b:.3f*{LINEBREAK}(se:.3f)",
        model_stats=list(stat_labels),
        model_stats_labels=stat_labels,
        custom_model_stats=cells,
        stats_order="sc",
        order=[re.escape(t) for t in order],
        drop=list(options.drop_terms),
        labels={**labels, **outcome_labels},
        model_heads=models,
        show_fe=False,
        caption=_caption(fit, models, options, full),
        tab_label=f"tab:{key}",
        notes=(
            f"Coefficients on the log-odds scale; standard errors in parentheses. "
            f"* p < {levels[2]}, ** p < {levels[1]}, *** p < {levels[0]}. "
            "Peace years: the cubic (or spline) in years since the dyad's last event, not shown. "
            "Rows dropped: sample rows with a missing value in a model variable. "
            "PRD: politically relevant dyads."
            + (f" Terms not shown: {', '.join(options.drop_terms)}." if options.drop_terms else "")
        ),
    )
    rendered = render_mtable(key, table, table.caption or "", "Term")
    inverse = {v: k for k, v in labels.items()}
    csv = rendered.csv.copy()
    csv.insert(2, "term", [inverse.get(v, "") for v in csv["Term"]])
    return RenderedTable(rendered.key, rendered.caption, rendered.html, rendered.latex, rendered.markdown, csv)


def _caption(fit: pd.DataFrame, models: Sequence[str], options: ReportOptions, full: bool) -> str:
    estimators = sorted(set(fit.loc[models, "estimator"].astype(str)))
    outcomes = sorted({term_label(str(o), options.term_labels) for o in fit.loc[models, "outcome"]})
    what = "All models" if full else "Main models"
    return (
        f"{what}: {' and '.join(estimators)} coefficients (log-odds) for "
        f"{'; '.join(o if o[:2].isupper() else o[:1].lower() + o[1:] for o in outcomes)}"
    )


def _tidy(name: str, rows: pd.DataFrame, f: pd.Series, stat_labels: dict[str, str]) -> TidyModel:
    coefs = pd.DataFrame(
        {
            "b": rows["estimate"].to_numpy(dtype=float),
            "se": rows["std_error"].to_numpy(dtype=float),
            "t": rows["statistic"].to_numpy(dtype=float),
            "p": rows["p_value"].to_numpy(dtype=float),
        },
        index=pd.Index(rows["term"].astype(str), name="Coefficient"),
    )
    stats = {
        "N": _int(f["n_obs"]), "events": _int(f["n_events"]), "n_clusters": _int(f["n_clusters"]),
        "pseudo_r2": _fixed(f["pseudo_r2"], 3), "ll": _fixed(f["log_likelihood"], 1),
        "aic": _fixed(f["aic"], 1),
    }
    return TidyModel(name=name, outcome=str(f["outcome"]), coefs=coefs,
                     stats={k: stats[k] for k in stat_labels})
