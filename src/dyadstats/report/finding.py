"""The finding, generated from the model tables by a declared rule.

1. The main model's democracy term: odds ratio, 95% interval and p under its own covariance and,
   when the run has the same fit with dyadic-robust SEs (a model that differs only in
   ``covariance: dyadic``), under those too. If significance at the report's alpha depends on
   that choice, the finding's first sentence says so.
2. The contrasts of joint democracy with mixed dyads and with joint autocracies, and the
   predicted probabilities by regime pair, from the three-category model (``{regime_contrasts}``;
   ``report.regime_model`` or the first such model with the main model's outcome), never from a
   model that pools mixed and autocratic dyads.
3. How many comparable models agree in sign and at alpha, by the rule in
   :mod:`dyadstats.report.agreement` (same outcome, a joint-democracy dummy, independent fits),
   listed by name; and every model whose democracy term is positive.

All numbers come from ``model_estimates``, ``model_fit`` and ``model_predictions``; the text is
``templates/finding.txt.j2``. Nothing in it is keyed to particular values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dyadstats.errors import SchemaError
from dyadstats.report.agreement import (
    FIT_IDENTITY,
    comparison_labels,
    cov_family,
    other_way,
    sign_of,
    tally,
)
from dyadstats.report.inputs import ModelTables
from dyadstats.report.options import ReportOptions

PREDICTION_GROUPS = ("joint democracy", "mixed", "joint autocracy")
#: Prediction quantities written by the models stage (dyadstats.models.predictions): mean fitted
#: probability by observed regime pair, the joint-democracy dummy set to 1 and 0, and for a
#: three-category model its log-odds contrasts and per-pair counterfactual probabilities.
OBSERVED, COUNTERFACTUAL = "observed", "counterfactual"
REGIME_CONTRAST, REGIME_COUNTERFACTUAL = "regime_contrast", "regime_counterfactual"


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
class Estimate:
    """One model's democracy term as the finding reads it: odds ratio, interval, p."""

    model: str
    cov_type: str
    odds_ratio: Interval
    p_value: float
    n_clusters: int | None


@dataclass(frozen=True)
class OtherWay:
    """A model whose democracy term points the other way (positive)."""

    model: str
    outcome: str
    focal_term: str
    odds_ratio: float
    p_value: float


#: Focal-term prefixes of 0/1 codings (dyadstats.models.resolve's placeholder columns).
DUMMY_PREFIXES = ("joint_democracy", "dem_", "mixed_dyad", "joint_autocracy")
#: Covariance types whose SEs do not use clusters.
UNCLUSTERED = ("nonrobust", "robust")


@dataclass(frozen=True)
class CurveFacts:
    """The specification curve in numbers: its size and where its democracy terms fall."""

    specifications: int
    estimated: int
    share_negative: float
    share_negative_significant: float
    median_estimate: float


def curve_facts(curve: pd.DataFrame | None, alpha: float) -> CurveFacts | None:
    """:class:`CurveFacts` of ``model_multiverse`` rows (the multiverse summary's own counts:
    :func:`dyadstats.multiverse.summary.summary_counts`); None without a curve or an estimate."""
    if curve is None:
        return None
    from dyadstats.multiverse.summary import summary_counts

    counts = summary_counts(curve, alpha)
    if not counts["estimated"]:
        return None
    return CurveFacts(counts["specifications"], counts["estimated"], counts["share negative"],
                      counts["share negative and significant"], counts["median estimate"])


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
    #: the same fit with dyadic-robust SEs (a model differing from the main one only in covariance)
    dyadic: Estimate | None
    #: the three-category model: joint democracy vs 'mixed' and vs 'joint autocracy' (odds ratios)
    regime_model: str | None
    regime_contrasts: dict[str, Interval]
    #: average predicted probability with every dyad-year set to each regime pair
    predictions: dict[str, Interval]
    robustness: dict[str, object]
    other_way: tuple[OtherWay, ...]
    #: the specification curve's numbers, when the run has one
    curve: CurveFacts | None = None

    @property
    def direction(self) -> str:
        return "lower" if self.odds_ratio.estimate < 1 else "higher"

    @property
    def significant(self) -> bool:
        return bool(self.p_value < self.alpha)

    @property
    def se_dependent(self) -> bool:
        """True when significance at ``alpha`` changes with dyadic-robust standard errors."""
        return self.dyadic is not None and (self.dyadic.p_value < self.alpha) != self.significant

    @property
    def focal_is_dummy(self) -> bool:
        """A 0/1 coding (joint democracy, a side's or a regime pair's dummy), as the models
        stage names them; anything else (weak link, a score, a product) is read per unit."""
        return self.focal_term.removesuffix("_lag1").startswith(DUMMY_PREFIXES)

    @property
    def clustered(self) -> bool:
        """Whether the SEs are built from clusters (so their count is worth stating)."""
        return self.n_clusters is not None and self.cov_type not in UNCLUSTERED

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
    """Sign and significance of the democracy term in every model, with whether the tally of
    comparable models counts it (:mod:`dyadstats.report.agreement`)."""
    rows = focal_rows(tables)
    significant = rows["p_value"] < options.alpha
    extra = [c for c in FIT_IDENTITY if c in tables.fit.columns]
    labelled = rows.merge(tables.fit[["model", *extra]], on="model", how="left") if extra else rows
    comparison = comparison_labels(labelled, main_model(tables, options)) if len(rows) else pd.Series(dtype=object)
    return pd.DataFrame(
        {
            "model": rows["model"],
            "outcome": rows["outcome"],
            "estimator": rows["estimator"],
            "cov_type": rows["cov_type"],
            "focal_term": rows["focal_term"],
            "estimate": rows["estimate"],
            "std_error": rows["std_error"],
            "p_value": rows["p_value"],
            "odds_ratio": rows["odds_ratio"],
            "or_low": rows["or_low"],
            "or_high": rows["or_high"],
            "n_obs": rows["n_obs"],
            "n_events": rows["n_events"],
            "sign": sign_of(rows["estimate"]),
            "significant": significant,
            "comparison": comparison.reindex(rows["model"]).to_numpy(),
        }
    )


def robustness_counts(robust: pd.DataFrame) -> dict[str, object]:
    """The tally over the comparable models (see :func:`dyadstats.report.agreement.tally`)."""
    return tally(robust)


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


def _odds(row: pd.Series) -> Interval:
    return Interval(math.exp(row["estimate"]), math.exp(row["conf_low"]), math.exp(row["conf_high"]))


def _clusters(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[arg-type]


def dyadic_twin(tables: ModelTables, robust: pd.DataFrame, name: str) -> Estimate | None:
    """The main model's fit with dyadic-robust SEs: same data, formula and estimator."""
    twins = robust[
        (robust["comparison"] == f"re-estimate of {name} (same data and formula)")
        & (robust["cov_type"].map(cov_family) == "dyadic")
        & (robust["estimator"] == robust.set_index("model").loc[name, "estimator"])
    ]
    if twins.empty:
        return None
    row = twins.iloc[0]
    clusters = tables.fit.set_index("model").loc[row["model"], "n_clusters"]
    return Estimate(str(row["model"]), str(row["cov_type"]),
                    Interval(float(row["odds_ratio"]), float(row["or_low"]), float(row["or_high"])),
                    float(row["p_value"]), _clusters(clusters))


def regime_model(tables: ModelTables, options: ReportOptions, outcome: str) -> str | None:
    """The configured three-category model, else the first with regime contrasts and the main
    model's outcome."""
    preds = tables.predictions
    with_contrasts = (
        list(dict.fromkeys(preds.loc[preds["quantity"] == REGIME_CONTRAST, "model"]))
        if "quantity" in preds.columns else []
    )
    if options.regime_model:
        if options.regime_model not in with_contrasts:
            raise SchemaError(
                f"report.regime_model: '{options.regime_model}' has no regime-pair contrasts in "
                f"model_predictions (models with them: {', '.join(with_contrasts) or 'none'}); "
                "its regressors must enter {regime_contrasts}"
            )
        return options.regime_model
    outcomes = tables.fit.set_index("model")["outcome"]
    same = [m for m in with_contrasts if outcomes.get(m) == outcome]
    return same[0] if same else None


def compute_finding(tables: ModelTables, options: ReportOptions, curve: pd.DataFrame | None = None) -> Finding:
    """The finding of the main model; ``curve``: ``model_multiverse`` rows (:func:`curve_facts`)."""
    name = main_model(tables, options)
    robust = robustness_table(tables, options)
    focal = focal_rows(tables).set_index("model").loc[name]
    pair_model = regime_model(tables, options, str(focal["outcome"]))
    contrasts: dict[str, Interval] = {}
    predictions: dict[str, Interval] = {}
    if pair_model:
        rows = prediction_rows(tables.predictions, pair_model, REGIME_CONTRAST)
        contrasts = {other: _odds(rows.loc[f"joint democracy vs {other}"]) for other in ("mixed", "joint autocracy")}
        probs = prediction_rows(tables.predictions, pair_model, REGIME_COUNTERFACTUAL)
        predictions = {g: _interval(probs.loc[g]) for g in PREDICTION_GROUPS if g in probs.index}
    against = other_way(robust)
    return Finding(
        model=name,
        outcome=str(focal["outcome"]),
        estimator=str(focal["estimator"]),
        cov_type=str(focal["cov_type"]),
        n_obs=int(focal["n_obs"]),
        n_events=int(focal["n_events"]),
        n_clusters=_clusters(focal["n_clusters"]),
        focal_term=str(focal["focal_term"]),
        focal_label=options.term_labels.get(str(focal["focal_term"]), str(focal["focal_term"])),
        odds_ratio=Interval(math.exp(focal["estimate"]), float(focal["or_low"]), float(focal["or_high"])),
        p_value=float(focal["p_value"]),
        alpha=options.alpha,
        dyadic=dyadic_twin(tables, robust, name),
        regime_model=pair_model,
        regime_contrasts=contrasts,
        predictions=predictions,
        robustness=robustness_counts(robust),
        other_way=tuple(
            OtherWay(str(r.model), str(r.outcome), str(r.focal_term), float(r.odds_ratio), float(r.p_value))
            for r in against.itertuples()
        ),
        curve=curve_facts(curve, options.alpha),
    )
