"""``ds.logit``: a formula on a frame, fitted by the workflow's models code.

The formula and options become a model spec exactly as a ``models.specs`` entry of the config
would (:func:`dyadstats.models.parse_specs`), and the fit is :func:`dyadstats.models.prepare` +
:func:`dyadstats.models.fit_design`, the path every workflow model takes: the same sample
rules, listwise deletion, time dependence, estimators and covariances
(``cluster``, ``dyadic``, ``twoway``, ``robust``, ``nonrobust``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dyadstats.api.recipe import RecipeError

if TYPE_CHECKING:
    import pandas as pd

    from dyadstats.models.estimate import ModelResult
    from dyadstats.models.spec import ModelSpec

_PLACEHOLDER = re.compile(r"\{joint_democracy\}|\bjoint_democracy_[a-z0-9_]+")


@dataclass
class LogitResult:
    """A fitted model: coefficients, standard errors, the fit row and predictions."""

    spec: ModelSpec
    result: ModelResult

    @property
    def params(self) -> pd.Series:
        """Coefficients by term (log odds)."""
        return self._column("estimate")

    @property
    def bse(self) -> pd.Series:
        """Standard errors by term, under the model's covariance."""
        return self._column("std_error")

    @property
    def pvalues(self) -> pd.Series:
        return self._column("p_value")

    @property
    def nobs(self) -> int:
        return int(self.result.fit["n_obs"])

    @property
    def fit_info(self) -> dict[str, Any]:
        """The fit row (``results/models/fit.parquet``'s columns): N, events, clusters, ..."""
        return dict(self.result.fit)

    def _column(self, name: str) -> pd.Series:
        est = self.result.estimates
        return est.set_index("term")[name].rename(name)

    def to_frame(self) -> pd.DataFrame:
        """The tidy estimates (``results/models/estimates.parquet``'s columns)."""
        return self.result.estimates.copy()

    def predictions(self) -> pd.DataFrame:
        """Predicted probabilities by regime pair, and the focal dummy's counterfactual contrast
        (``results/models/predictions.parquet``'s columns)."""
        return self.result.predictions.copy()

    def summary(self) -> str:
        """A readable coefficient table with the fit's key figures."""
        fit, est = self.result.fit, self.result.estimates
        head = [f"{fit['description']}"] if fit.get("description") else []
        head += [
            f"{fit['estimator']} of {fit['outcome']} ({fit['frame']} frame), covariance {fit['cov_type']}",
            f"sample: {fit['sample']}; years {fit['year_min']}-{fit['year_max']}",
            f"N = {fit['n_obs']:,}  events = {fit['n_events']:,}  clusters = {fit['n_clusters']:,}  "
            f"dropped (missing) = {fit['n_dropped_missing']:,}",
            f"log likelihood = {fit['log_likelihood']:.3f}  pseudo R2 = {fit['pseudo_r2']:.4f}  "
            f"converged = {fit['converged']}",
        ]
        width = max(len("term"), *(len(str(t)) for t in est["term"]))
        cols = f"{'term':<{width}}  {'coef':>10}  {'std err':>10}  {'z':>8}  {'p':>8}  {'[0.025':>10}  {'0.975]':>10}"
        rows = [
            f"{r.term:<{width}}  {r.estimate:>10.4f}  {r.std_error:>10.4f}  {r.statistic:>8.3f}  "
            f"{r.p_value:>8.4f}  {r.conf_low:>10.4f}  {r.conf_high:>10.4f}"
            for r in est.itertuples()
        ]
        rule = "-" * len(cols)
        notes = [f"notes: {fit['notes']}"] if fit.get("notes") else []
        sep = [f"separation: {fit['separation']}"] if fit.get("separation") else []
        return "\n".join([*head, rule, cols, rule, *rows, rule, *sep, *notes])

    def __repr__(self) -> str:
        return self.summary()


def split_formula(formula: str) -> tuple[str, str]:
    """``'y ~ a + b'`` -> (``'y'``, ``'a + b'``)."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise RecipeError(f"logit(formula={formula!r}): expected 'outcome ~ regressors'")
    outcome, rhs = (part.strip() for part in formula.split("~"))
    if not outcome or not rhs:
        raise RecipeError(f"logit(formula={formula!r}): expected 'outcome ~ regressors'")
    return outcome, rhs


def model_spec(formula: str, *, frame: str = "dyad", name: str = "api_model", **keys: Any) -> ModelSpec:
    """The spec of a formula and spec keys, parsed and checked as a config entry."""
    from dyadstats.models import parse_specs

    outcome, rhs = split_formula(formula)
    if keys.get("focal") is None:
        # the democracy term the predictions contrast: {joint_democracy} if the formula has one
        found = _PLACEHOLDER.search(rhs)
        keys["focal"] = found.group(0) if found else rhs.split("+")[0].strip()
    raw = {"outcome": outcome, "regressors": rhs, "frame": frame,
           **{k: v for k, v in keys.items() if v is not None}}
    return parse_specs({"specs": {name: raw}})[name]


def logit(formula: str, data: Any, *, covariance: str = "cluster", cluster_by: str | list[str] = "dyad",
          time_dependence: str = "cubic", democracy: str | None = None, estimator: str = "logit",
          lag: bool = False, focal: str | None = None, sample: dict[str, Any] | None = None,
          predictions: bool = True, name: str = "api_model", **spec: Any) -> LogitResult:
    """Fit ``outcome ~ regressors`` on a frame with the workflow's models code.

    ``data``: a :class:`dyadstats.api.frame.Frame` (built on first use), a pandas DataFrame, an
    Arrow table or a Parquet path. The regressors may use the config's placeholders
    (``{joint_democracy}``, ``{weak_link}``, ``{regime_contrasts}``, ...) for ``democracy``
    (default: the frame's one measure, else polity). ``time_dependence='cubic'`` adds
    ``peace_years_<outcome>`` and its square and cube (the frame needs ``add_peace_years()``).
    ``covariance``: cluster (by ``cluster_by``), dyadic, twoway, robust, nonrobust;
    ``estimator``: logit, firth, relogit, mixed. Other keys (``sample``, ``spline_df``,
    ``democracy_threshold``, ...) are those of a ``models.specs`` entry.

    >>> fit = ds.logit("coercion_onset ~ joint_democracy_polity + contiguity_land", frame)  # doctest: +SKIP
    >>> fit.params["joint_democracy_polity"]  # doctest: +SKIP
    """
    from threadpoolctl import threadpool_limits

    from dyadstats.api.frame import Frame
    from dyadstats.errors import DyadstatsError
    from dyadstats.models import fit_design, prepare

    kind = spec.pop("frame", "dyad")
    source = data
    if isinstance(data, Frame):
        kind = "directed" if data.recipe.directed else "dyad"
        measures = data.recipe.measures
        democracy = democracy or (measures[0] if len(measures) == 1 else None)
        spec.setdefault("description", f"frame: {data.describe()}")
        source = data.to_arrow()
    parsed = model_spec(
        formula, frame=kind, name=name, covariance=covariance,
        cluster_by=list(cluster_by) if isinstance(cluster_by, list | tuple) else cluster_by,
        time_dependence=time_dependence, democracy=democracy, estimator=estimator, lag=lag,
        focal=focal, sample=sample, predictions=predictions, **spec,
    )
    # one BLAS thread, as the workflow's model jobs: the last bits of the estimates agree
    with threadpool_limits(limits=1):
        try:
            design = prepare(source, parsed)
        except DyadstatsError as exc:
            hint = (" (the frame lacks the peace years: add .add_peace_years() or pass "
                    "time_dependence='none')") if "peace_years_" in str(exc) else ""
            raise type(exc)(f"{exc}{hint}") from None
        result = fit_design(design, parsed)
    return LogitResult(parsed, result)
