"""The headline numbers: the main model's joint-democracy odds ratio, its predicted
probabilities, and the sign and significance of joint democracy across every model.

All numbers come from ``model_estimates``, ``model_fit`` and ``model_predictions``; the finding
sentence is a template (``templates/finding.txt.j2``) filled with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dyadstats.errors import SchemaError
from dyadstats.report.inputs import ModelTables
from dyadstats.report.options import ReportOptions

PREDICTION_GROUPS = ("joint democracy", "mixed", "joint autocracy", "other dyads")
CONTRAST_GROUPS = ("difference", "ratio")
#: Prediction quantities written by the models stage: mean fitted probability among dyad-years
#: of each observed regime pair, and the average with the joint-democracy dummy set to 1 and 0.
OBSERVED, COUNTERFACTUAL = "observed", "counterfactual"


def prediction_rows(predictions: pd.DataFrame, model: str, quantity: str) -> pd.DataFrame:
    """One model's prediction rows of one quantity, indexed by group.

    A predictions table without a ``quantity`` column holds one quantity, taken as observed.
    """
    rows = predictions[predictions["model"] == model]
    if "quantity" in rows.columns:
        rows = rows[rows["quantity"] == quantity]
    elif quantity != OBSERVED:
        rows = rows.iloc[0:0]
    if rows["group"].duplicated().any():
        raise SchemaError(f"model_predictions: model '{model}' has duplicate groups for quantity '{quantity}'")
    return rows.set_index("group")


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return not (self.low <= 0 <= self.high)

    @property
    def excludes_one(self) -> bool:
        return not (self.low <= 1 <= self.high)


@dataclass(frozen=True)
class Finding:
    model: str
    outcome: str
    estimator: str
    cov_type: str
    n_obs: int
    n_events: int
    n_clusters: int | None
    focal_term: str
    focal_label: str
    odds_ratio: Interval
    p_value: float
    alpha: float
    predictions: dict[str, Interval]
    difference: Interval | None
    ratio: Interval | None
    contrast: str | None
    robustness: dict[str, int]

    @property
    def direction(self) -> str:
        return "lower" if self.odds_ratio.estimate < 1 else "higher"

    @property
    def significant(self) -> bool:
        return bool(self.p_value < self.alpha)

    @property
    def percent_change(self) -> float:
        """Change in the odds, in percent (negative = lower odds)."""
        return 100.0 * (self.odds_ratio.estimate - 1.0)


def focal_rows(tables: ModelTables) -> pd.DataFrame:
    """One row per model: its democracy term's estimate, SE, p, CI and odds ratios.

    Models whose ``focal_term`` is NULL (no democracy term) are left out. ``conf_low`` and
    ``conf_high`` are on the coefficient (log-odds) scale, so the odds-ratio CI is their exp.
    """
    fit = tables.fit[tables.fit["focal_term"].notna()]
    rows = fit[["model", "outcome", "estimator", "cov_type", "n_obs", "n_events", "n_clusters", "focal_term"]].merge(
        tables.estimates, left_on=["model", "focal_term"], right_on=["model", "term"], how="inner", validate="1:1"
    )
    bad = rows[~((rows["conf_low"] <= rows["estimate"]) & (rows["estimate"] <= rows["conf_high"]))]
    if len(bad):
        raise SchemaError(
            "model_estimates: conf_low <= estimate <= conf_high fails for the focal term of model(s) "
            + ", ".join(bad["model"])
            + " (the report expects the CI on the coefficient scale)"
        )
    rows = rows.assign(
        or_low=np.exp(rows["conf_low"]),
        or_high=np.exp(rows["conf_high"]),
    )
    return rows.drop(columns=["term"]).reset_index(drop=True)


def robustness_table(tables: ModelTables, options: ReportOptions) -> pd.DataFrame:
    """Sign and significance of the democracy term in every model of the grid."""
    rows = focal_rows(tables)
    sign = np.where(rows["estimate"] < 0, "negative", np.where(rows["estimate"] > 0, "positive", "zero"))
    significant = rows["p_value"] < options.alpha
    return pd.DataFrame(
        {
            "model": rows["model"],
            "outcome": rows["outcome"],
            "estimator": rows["estimator"],
            "focal_term": rows["focal_term"],
            "estimate": rows["estimate"],
            "std_error": rows["std_error"],
            "p_value": rows["p_value"],
            "odds_ratio": rows["odds_ratio"],
            "or_low": rows["or_low"],
            "or_high": rows["or_high"],
            "n_obs": rows["n_obs"],
            "n_events": rows["n_events"],
            "sign": sign,
            "significant": significant,
        }
    )


def robustness_counts(robust: pd.DataFrame) -> dict[str, int]:
    neg = robust["sign"] == "negative"
    sig = robust["significant"].astype(bool)
    return {
        "models": int(len(robust)),
        "negative": int(neg.sum()),
        "negative_significant": int((neg & sig).sum()),
        "positive": int((robust["sign"] == "positive").sum()),
        "positive_significant": int(((robust["sign"] == "positive") & sig).sum()),
        "not_significant": int((~sig).sum()),
    }


def main_model(tables: ModelTables, options: ReportOptions) -> str:
    """The configured main model, else the first model (in fit order) with a democracy term."""
    with_focal = list(dict.fromkeys(tables.fit.loc[tables.fit["focal_term"].notna(), "model"]))
    if options.main_model:
        if options.main_model not in with_focal:
            raise SchemaError(
                f"report.main_model: '{options.main_model}' is not a model with a democracy term "
                f"in model_fit (have: {', '.join(with_focal) or 'none'})"
            )
        return options.main_model
    if not with_focal:
        raise SchemaError("model_fit: no model names a focal (democracy) term; nothing to report")
    return with_focal[0]


def _interval(row: pd.Series) -> Interval:
    return Interval(float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"]))


def compute_finding(tables: ModelTables, options: ReportOptions) -> Finding:
    name = main_model(tables, options)
    robust = robustness_table(tables, options)
    focal = focal_rows(tables).set_index("model").loc[name]
    observed = prediction_rows(tables.predictions, name, OBSERVED)
    counterfactual = prediction_rows(tables.predictions, name, COUNTERFACTUAL)
    # The contrast in the finding: joint democracy set to 1 vs 0 for every dyad-year when the
    # models stage computed it, else joint democracies vs other dyads as observed.
    contrast, rows = (
        (COUNTERFACTUAL, counterfactual) if "difference" in counterfactual.index
        else (OBSERVED, observed) if "difference" in observed.index
        else (None, observed)
    )
    clusters = focal["n_clusters"]
    return Finding(
        model=name,
        outcome=str(focal["outcome"]),
        estimator=str(focal["estimator"]),
        cov_type=str(focal["cov_type"]),
        n_obs=int(focal["n_obs"]),
        n_events=int(focal["n_events"]),
        n_clusters=None if pd.isna(clusters) else int(clusters),
        focal_term=str(focal["focal_term"]),
        focal_label=options.term_labels.get(str(focal["focal_term"]), str(focal["focal_term"])),
        odds_ratio=Interval(math.exp(focal["estimate"]), float(focal["or_low"]), float(focal["or_high"])),
        p_value=float(focal["p_value"]),
        alpha=options.alpha,
        predictions={g: _interval(observed.loc[g]) for g in PREDICTION_GROUPS if g in observed.index},
        difference=_interval(rows.loc["difference"]) if contrast else None,
        ratio=_interval(rows.loc["ratio"]) if contrast and "ratio" in rows.index and pd.notna(rows.loc["ratio", "estimate"]) else None,
        contrast=contrast,
        robustness=robustness_counts(robust),
    )
