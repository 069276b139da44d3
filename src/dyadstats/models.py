"""Config-declared logit models of coercion: spec -> sample -> design -> fit -> tidy tables.

A model spec (``models.specs.<name>`` in ``config/config.yaml``) names an outcome column, a
right-hand side (a patsy formula that may use democracy placeholders such as
``{joint_democracy}``), a sample, a democracy measure, a time-dependence control, an estimator
(``logit``, ``firth``, ``mixed``: crossed random intercepts, see :mod:`dyadstats.mixed`, or
``relogit``: King-Zeng rare-events logit, see :mod:`dyadstats.relogit`), a covariance
(``cluster`` by dyad, ``dyadic``, ``twoway``, ``robust``, ``nonrobust``;
:mod:`dyadstats.covariance`) and a lag option. The pieces:

* :func:`parse_specs` merges ``defaults``, ``base:`` inheritance and each spec's own keys into
  :class:`ModelSpec` objects (one per model; a config edit changes only that spec's dict).
* :func:`resolve` turns a spec into concrete column names, the SQL that selects the sample
  and the patsy formula (:class:`Resolved`).
* :func:`prepare` reads only the needed columns of the analysis frame (a Parquet path, an Arrow
  table or a pandas frame) through DuckDB with the sample filter pushed down, applies listwise
  deletion and counts what it dropped per column, and builds the design matrix once
  (:class:`Design`). Cluster groups come from the same complete-case rows.
* :func:`fit_design` estimates (statsmodels ``Logit``, ``firthmodels`` or gpboost), checks for
  separation and convergence, and returns tidy estimates, one fit row and predictions
  (:class:`ModelResult`). :func:`fit_spec` does prepare + fit in one call.

Nothing is hidden: non-convergence, suspected separation, dropped rows and unlagged regressors
are written to the fit row's ``converged``, ``separation`` and ``notes`` columns.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import patsy
import pyarrow as pa
import statsmodels.api as sm
from scipy import stats

from dyadstats import covariance as dcov
from dyadstats.errors import ConfigError, DyadstatsError
from dyadstats.job_warnings import captured_warnings, warning_texts
from dyadstats.mixed import RANDOM_EFFECTS
from dyadstats.safe_expr import (
    allowed_functions,
    check_formula_syntax,
    check_where,
    eval_namespace,
    formula_names,
)

log = logging.getLogger("dyadstats.models")

MEASURES = ("polity", "vdem", "bmr", "uds")
#: Continuous score behind each measure's dichotomy (BMR is published as a dichotomy).
MEASURE_SCORE: dict[str, str | None] = {
    "polity": "polity2", "vdem": "v2x_polyarchy", "uds": "uds_mean", "bmr": None,
}
PLACEHOLDERS = (
    "joint_democracy", "mixed_dyad", "joint_autocracy", "dem_1", "dem_2", "weak_link",
    "strong_link", "regime_pair", "polyprod", "regime_contrasts",
)
#: ``{regime_contrasts}`` enters the dummies of the two regime pairs other than the reference.
REGIME_REFERENCES = ("joint_autocracy", "mixed", "joint_democracy")
#: Regime-pair category -> its placeholder (the dummy coding it).
REGIME_DUMMIES = {
    "joint democracy": "joint_democracy", "mixed": "mixed_dyad", "joint autocracy": "joint_autocracy",
}
#: Score range behind ``{polyprod}`` (Poznansky & Scroggs: ((polity2_A+10)/2)*((polity2_B+10)/2)).
POLYPROD_OFFSET = {"polity": 10.0}
ESTIMATORS = ("logit", "firth", "mixed", "relogit")
COVARIANCES = ("cluster", "dyadic", "twoway", "robust", "nonrobust")
#: Cluster dimensions (``cluster_by``); ``twoway`` uses two of them, by default both.
CLUSTER_DIMENSIONS = ("dyad", "year")
TIME_DEPENDENCE = ("cubic", "splines", "none")
FRAMES = {
    "dyad": "results/frames/analysis_dyad_years.parquet",
    "directed": "results/frames/analysis_directed_dyad_years.parquet",
}
REGIME_GROUPS = ("joint democracy", "mixed", "joint autocracy")
Z975 = float(stats.norm.ppf(0.975))
#: A coefficient this large (log odds) or a standard error this large signals (quasi-)separation.
HUGE_COEF, HUGE_SE = 15.0, 100.0

ESTIMATE_COLUMNS = [
    "model", "term", "term_index", "estimate", "std_error", "statistic", "p_value",
    "conf_low", "conf_high", "odds_ratio", "is_focal",
]
FIT_COLUMNS = [
    "model", "description", "outcome", "focal_term", "estimator", "cov_type", "frame",
    "democracy", "sample", "formula", "year_min", "year_max", "n_sample", "n_obs", "n_events",
    "n_clusters", "log_likelihood", "ll_null", "aic", "bic", "pseudo_r2", "converged",
    "iterations", "n_dropped_missing", "dropped_by_column", "separation", "notes", "spec",
]
PREDICTION_COLUMNS = [
    "model", "quantity", "group", "estimate", "std_error", "conf_low", "conf_high", "n_obs",
]


class ModelSpecError(ConfigError):
    """A model spec is invalid (names the model and the key)."""


class FrameColumnError(DyadstatsError):
    """A model needs a column the analysis frame does not have."""


# --------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSpec:
    """Which rows of the frame a model uses (before listwise deletion)."""

    politically_relevant: bool = False
    years: tuple[int, int] | None = None
    era: str | None = None
    where: str | None = None

    def describe(self) -> str:
        parts = ["politically relevant dyads" if self.politically_relevant else "all dyads"]
        if self.years:
            parts.append(f"{self.years[0]}-{self.years[1]}")
        if self.era:
            parts.append(f"era {self.era}")
        if self.where:
            parts.append(f"where {self.where}")
        return ", ".join(parts)


@dataclass(frozen=True)
class ModelSpec:
    """One fully merged model specification."""

    name: str
    outcome: str
    regressors: str
    description: str = ""
    frame: str = "dyad"
    sample: SampleSpec = field(default_factory=SampleSpec)
    democracy: str = "polity"
    democracy_threshold: float | None = None
    time_dependence: str = "cubic"
    spline_df: int = 3
    peace_years: str | None = None
    estimator: str = "logit"
    covariance: str = "cluster"
    cluster_by: str | tuple[str, ...] = "dyad"
    lag: bool = False
    focal: str = "{joint_democracy}"
    regime_reference: str = "joint_autocracy"
    predictions: bool = True
    max_iter: int = 100
    #: estimator mixed: random intercepts (None = dyadstats.mixed.DEFAULT_RANDOM_EFFECTS)
    random_effects: tuple[str, ...] | None = None
    #: estimator relogit: population event rate tau for King-Zeng prior correction
    population_event_rate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe dict (Snakemake params; stored in the fit row)."""
        out = asdict(self)
        out["sample"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in out["sample"].items()}
        # Estimator-specific keys appear only when set, so adding them left the params (and
        # Snakemake's rerun trigger) of every other spec unchanged.
        for key in ("random_effects", "population_event_rate"):
            if out[key] is None:
                del out[key]
        if self.random_effects is not None:
            out["random_effects"] = list(self.random_effects)
        return out


_SPEC_KEYS = {f for f in ModelSpec.__dataclass_fields__ if f != "name"} | {"base"}
_SAMPLE_KEYS = set(SampleSpec.__dataclass_fields__)


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Override ``base`` by ``over``; the ``sample`` sub-dict merges key by key."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if key == "sample" and isinstance(value, Mapping):
            out["sample"] = {**out.get("sample", {}), **value}
        else:
            out[key] = copy.deepcopy(value)
    return out


def _spec_from_dict(name: str, raw: Mapping[str, Any], measures: Sequence[str] | None = MEASURES) -> ModelSpec:
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise ModelSpecError(f"model {name!r}: unknown key(s) {sorted(unknown)}")
    for key in ("outcome", "regressors"):
        if not raw.get(key):
            raise ModelSpecError(f"model {name!r}: '{key}' is required")
    sample_raw = dict(raw.get("sample") or {})
    bad = set(sample_raw) - _SAMPLE_KEYS
    if bad:
        raise ModelSpecError(f"model {name!r}: unknown sample key(s) {sorted(bad)}")
    years = sample_raw.get("years")
    if years is not None:
        if len(years) != 2 or int(years[0]) > int(years[1]):
            raise ModelSpecError(f"model {name!r}: sample.years must be [first, last], got {years}")
        sample_raw["years"] = (int(years[0]), int(years[1]))
    sample = SampleSpec(**{k: v for k, v in sample_raw.items() if v is not None})
    fields = {k: v for k, v in raw.items() if k not in ("sample", "base")}
    if isinstance(fields.get("cluster_by"), list | tuple):
        fields["cluster_by"] = tuple(fields["cluster_by"])
    if fields.get("random_effects") is not None:
        fields["random_effects"] = tuple(fields["random_effects"])
    spec = ModelSpec(name=name, sample=sample, **fields)
    _check_spec(spec, measures)
    return spec


def _measure_score(measure: str) -> str | None:
    """The continuous score column stem of a measure; a ``roles.democracy`` measure <m> has its
    scores as ``<m>_1`` / ``<m>_2`` / ``min_<m>`` / ``max_<m>``."""
    return MEASURE_SCORE.get(measure, measure)


def _check_spec(spec: ModelSpec, measures: Sequence[str] | None = MEASURES) -> None:
    """Enumerations and combinations the JSON schema cannot express.

    ``measures``: the democracy measures allowed (the built-in four plus the config's
    ``roles.democracy`` names); None accepts any snake_case name (a spec rebuilt from a dict that
    was checked when the config was parsed; the frame's columns are checked in :func:`resolve`).
    """
    def need(ok: bool, msg: str) -> None:
        if not ok:
            raise ModelSpecError(f"model {spec.name!r}: {msg}")

    need(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", spec.name) is not None,
         "model names use letters, digits and underscores")
    need(spec.frame in FRAMES, f"frame must be one of {sorted(FRAMES)}, got {spec.frame!r}")
    if measures is None:
        need(re.fullmatch(r"[a-z][a-z0-9_]*", spec.democracy) is not None,
             f"democracy must be a measure name, got {spec.democracy!r}")
    else:
        need(spec.democracy in measures,
             f"democracy must be one of {tuple(measures)} (built-in or roles.democracy), got {spec.democracy!r}")
    need(spec.estimator in ESTIMATORS, f"estimator must be one of {ESTIMATORS}")
    need(spec.covariance in COVARIANCES, f"covariance must be one of {COVARIANCES}")
    need(spec.time_dependence in TIME_DEPENDENCE, f"time_dependence must be one of {TIME_DEPENDENCE}")
    dims = spec.cluster_by if isinstance(spec.cluster_by, tuple) else (spec.cluster_by,)
    need(all(d in CLUSTER_DIMENSIONS for d in dims),
         f"cluster_by must name dimensions among {CLUSTER_DIMENSIONS}, got {spec.cluster_by!r}")
    need(isinstance(spec.cluster_by, str) or spec.covariance == "twoway",
         f"cluster_by lists several dimensions only with covariance: twoway, got {spec.cluster_by!r}")
    need(isinstance(spec.cluster_by, str) or (len(dims) == 2 and dims[0] != dims[1]),
         f"covariance: twoway needs two different cluster_by dimensions, got {list(dims)}")
    need(spec.spline_df >= 1, "spline_df must be >= 1")
    need(not (spec.estimator == "mixed" and spec.covariance != "nonrobust"),
         "mixed models report the model-based covariance only (the joint precision at the "
         "Laplace mode); set covariance: nonrobust")
    if spec.random_effects is not None:
        need(spec.estimator == "mixed", "random_effects applies to estimator mixed only")
        need(len(spec.random_effects) > 0 and len(set(spec.random_effects)) == len(spec.random_effects)
             and set(spec.random_effects) <= set(RANDOM_EFFECTS),
             f"random_effects must be distinct names from {RANDOM_EFFECTS}, got {spec.random_effects!r}")
    if spec.population_event_rate is not None:
        need(spec.estimator == "relogit", "population_event_rate applies to estimator relogit only")
        need(0.0 < float(spec.population_event_rate) < 1.0,
             f"population_event_rate must lie in (0, 1), got {spec.population_event_rate!r}")
    need(not (spec.democracy_threshold is not None and _measure_score(spec.democracy) is None),
         f"democracy_threshold needs a continuous measure; {spec.democracy!r} is a dichotomy")
    # Config is data: unsafe formula constructs and non-predicate filters stop the run here,
    # before any job (the frame's columns are checked when the model resolves).
    check_formula_syntax(spec.regressors, f"models.specs.{spec.name}.regressors")
    check_formula_syntax(spec.focal, f"models.specs.{spec.name}.focal")
    if spec.sample.where:
        check_where(spec.sample.where, None, f"models.specs.{spec.name}.sample.where")
    placeholders = re.findall(r"\{([^}]*)\}", spec.regressors + " " + spec.focal)
    for ph in placeholders:
        need(ph in PLACEHOLDERS, f"unknown placeholder {{{ph}}}; known: {PLACEHOLDERS}")
    need(spec.regime_reference in REGIME_REFERENCES,
         f"regime_reference must be one of {REGIME_REFERENCES}, got {spec.regime_reference!r}")
    need("polyprod" not in placeholders or spec.democracy in POLYPROD_OFFSET,
         f"{{polyprod}} is defined on Polity's polity2 (-10..10); democracy is {spec.democracy!r}")


def parse_specs(section: Mapping[str, Any], role_measures: Sequence[str] = ()) -> dict[str, ModelSpec]:
    """All model specs of a config ``models:`` section, in declaration order.

    ``role_measures``: the config's ``roles.democracy`` names, allowed as ``democracy`` besides
    the built-in measures (their frame columns follow the same naming).

    ``defaults`` apply to every spec; ``base: <other model>`` starts from that model's merged
    spec (chains allowed, cycles rejected); the spec's own keys win.
    """
    defaults = dict(section.get("defaults") or {})
    raw_specs: Mapping[str, Mapping[str, Any]] = section.get("specs") or {}
    merged: dict[str, dict[str, Any]] = {}

    def merged_of(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
        if name in merged:
            return merged[name]
        if name not in raw_specs:
            raise ModelSpecError(f"model {chain[-1]!r}: base {name!r} is not a declared model")
        if name in chain:
            raise ModelSpecError(f"models: circular base chain {' -> '.join((*chain, name))}")
        own = dict(raw_specs[name] or {})
        start = merged_of(own["base"], (*chain, name)) if own.get("base") else defaults
        merged[name] = _merge(start, {k: v for k, v in own.items() if k != "base"})
        return merged[name]

    measures = (*MEASURES, *role_measures)
    return {name: _spec_from_dict(name, merged_of(name), measures) for name in raw_specs}


def spec_from_dict(raw: Mapping[str, Any]) -> ModelSpec:
    """Rebuild a spec from :meth:`ModelSpec.to_dict` output (e.g. Snakemake params)."""
    raw = dict(raw)
    return _spec_from_dict(raw.pop("name"), raw, None)


# --------------------------------------------------------------------------------------------
# Resolution: placeholders, lags, thresholds -> columns, SQL and formula
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A spec in concrete terms for one frame."""

    spec: ModelSpec
    outcome: str
    formula: str
    rhs: str
    focal_term: str | None
    focal_is_dummy: bool
    regime_pair: str | None
    columns: tuple[str, ...]          # frame/derived columns the model needs (listwise deletion)
    derived: dict[str, str]           # derived column -> SQL expression over frame columns
    where: str                        # SQL predicate selecting the sample
    cluster_expr: str                 # SQL expression of the cluster id
    notes: tuple[str, ...] = ()
    #: three-category regime coding: category -> dummy column ('' for the reference), else {}
    regime_terms: dict[str, str] = field(default_factory=dict)
    #: bound parameters of ``where`` ($first_year, $last_year, $era)
    params: dict[str, Any] = field(default_factory=dict)


def _lag(col: str, lag: bool) -> str:
    return f"{col}_lag1" if lag else col


def _threshold_tag(measure: str, threshold: float, lag: bool) -> str:
    """Column-name tag of a threshold coding, e.g. ``polity_ge7`` or ``vdem_ge0p5_lag1``."""
    tag = f"{measure}_ge{threshold:g}".replace(".", "p").replace("-", "m")
    return tag + ("_lag1" if lag else "")


def _derived_democracy(measure: str, threshold: float, lag: bool) -> dict[str, str]:
    """Placeholder -> (column name, SQL) for threshold-coded democracy (NULL if a score is)."""
    score = _measure_score(measure)
    s1, s2 = _lag(f"{score}_1", lag), _lag(f"{score}_2", lag)
    tag = _threshold_tag(measure, threshold, lag)
    miss = f'"{s1}" IS NULL OR "{s2}" IS NULL'
    d1, d2 = f'("{s1}" >= {threshold!r})', f'("{s2}" >= {threshold!r})'

    def case(expr: str) -> str:
        # Guard first: SQL's NULL AND FALSE is FALSE, which would code a missing score as 0.
        return f"CASE WHEN {miss} THEN NULL ELSE ({expr})::INTEGER END"

    return {
        "dem_1": (f"dem_{tag}_1", case(d1)),
        "dem_2": (f"dem_{tag}_2", case(d2)),
        "joint_democracy": (f"joint_democracy_{tag}", case(f"{d1} AND {d2}")),
        "mixed_dyad": (f"mixed_dyad_{tag}", case(f"{d1} <> {d2}")),
        "joint_autocracy": (f"joint_autocracy_{tag}", case(f"NOT {d1} AND NOT {d2}")),
        "regime_pair": (
            f"regime_pair_{tag}",
            f"CASE WHEN {miss} THEN NULL WHEN {d1} AND {d2} THEN 'joint democracy' "
            f"WHEN {d1} <> {d2} THEN 'mixed' ELSE 'joint autocracy' END",
        ),
    }


def _regime_pair_sql(dem_1: str, dem_2: str, name: str) -> tuple[str, str]:
    """A regime-pair label coded from the two sides' 0/1 democracy columns (NULL-safe)."""
    return name, (
        f'CASE WHEN "{dem_1}" IS NULL OR "{dem_2}" IS NULL THEN NULL '
        f'WHEN "{dem_1}" = 1 AND "{dem_2}" = 1 THEN \'joint democracy\' '
        f'WHEN "{dem_1}" = 0 AND "{dem_2}" = 0 THEN \'joint autocracy\' ELSE \'mixed\' END'
    )


def placeholder_columns(spec: ModelSpec) -> tuple[dict[str, str], dict[str, str]]:
    """Placeholder -> column for the spec's measure (and lag), and derived column -> SQL."""
    m, lag = spec.democracy, spec.lag
    score = _measure_score(m)
    derived: dict[str, str] = {}
    if spec.democracy_threshold is not None:
        coded = _derived_democracy(m, float(spec.democracy_threshold), lag)
        cols = {ph: name for ph, (name, _) in coded.items()}
        derived = {name: sql for name, sql in coded.values()}
    else:
        cols = {
            "dem_1": _lag(f"dem_{m}_1", lag),
            "dem_2": _lag(f"dem_{m}_2", lag),
            "joint_democracy": _lag(f"joint_democracy_{m}", lag),
            "mixed_dyad": _lag(f"mixed_dyad_{m}", lag),
            "joint_autocracy": _lag(f"joint_autocracy_{m}", lag),
            # Groups the predictions; resolve() codes it from dem_1/dem_2 if the frame lacks it.
            "regime_pair": _lag(f"regime_pair_{m}", lag),
        }
    if score is None:  # BMR: the weakest link of a dichotomy is joint democracy itself.
        cols["weak_link"] = cols["joint_democracy"]
        cols["strong_link"] = f"(1 - {cols['joint_autocracy']})"
    else:
        cols["weak_link"] = _lag(f"min_{score}", lag)
        cols["strong_link"] = _lag(f"max_{score}", lag)
    if m in POLYPROD_OFFSET:
        name, sql = _polyprod(str(score), POLYPROD_OFFSET[m], lag)
        cols["polyprod"] = name
        derived[name] = sql
    cols["regime_contrasts"] = " + ".join(
        cols[ph] for cat, ph in REGIME_DUMMIES.items() if cat != _category(spec.regime_reference)
    )
    return cols, derived


def _category(reference: str) -> str:
    """Regime-pair label of a ``regime_reference`` value (``joint_autocracy`` -> 'joint autocracy')."""
    return reference.replace("_", " ")


def _polyprod(score: str, offset: float, lag: bool) -> tuple[str, str]:
    """The product of the two sides' scores shifted to start at 0 and halved (NULL if either is)."""
    s1, s2 = _lag(f"{score}_1", lag), _lag(f"{score}_2", lag)
    name = _lag(f"polyprod_{score}", lag)
    return name, f'(("{s1}" + {offset!r}) / 2.0) * (("{s2}" + {offset!r}) / 2.0)'


def regime_terms(spec: ModelSpec, cols: Mapping[str, str]) -> dict[str, str]:
    """Regime-pair category -> its dummy column, for a spec entering ``{regime_contrasts}``.

    Empty when the spec does not use the three-category coding. The reference category maps
    to an empty string (its coefficient is zero by construction).
    """
    if "{regime_contrasts}" not in spec.regressors:
        return {}
    ref = _category(spec.regime_reference)
    return {cat: ("" if cat == ref else cols[ph]) for cat, ph in REGIME_DUMMIES.items()}


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _time_terms(spec: ModelSpec) -> tuple[str, list[str]]:
    """Formula terms and columns for the time-dependence control."""
    base = f"peace_years_{spec.peace_years or spec.outcome}"
    if spec.time_dependence == "cubic":
        cols = [base, f"{base}_2", f"{base}_3"]
        return " + ".join(cols), cols
    if spec.time_dependence == "splines":
        # patsy's cr() is a natural cubic regression spline; its knots are stored in the
        # design info, so counterfactual designs reuse them.
        return f"cr({base}, df={spec.spline_df}, constraints='center')", [base]
    return "", []


def resolve(spec: ModelSpec, frame_columns: Sequence[str]) -> Resolved:
    """Concrete columns, formula and sample SQL of ``spec`` for a frame with these columns."""
    available = set(frame_columns)
    cols, derived = placeholder_columns(spec)
    notes: list[str] = []
    rhs = spec.regressors.format_map(cols)
    focal = spec.focal.format_map(cols) if spec.focal else None

    # Lag plain frame columns named in the regressors (democracy placeholders are already lagged).
    if spec.lag:
        placeholder_values = set(cols.values()) | set(derived)
        not_lagged: list[str] = []

        def lag_token(match: re.Match[str]) -> str:
            tok = match.group(0)
            if tok in placeholder_values or tok not in available:
                return tok
            if f"{tok}_lag1" in available:
                return f"{tok}_lag1"
            not_lagged.append(tok)
            return tok

        rhs = _IDENT.sub(lag_token, rhs)
        if focal and focal in available and f"{focal}_lag1" in available and focal not in placeholder_values:
            focal = f"{focal}_lag1"
        if not_lagged:
            notes.append(f"no _lag1 twin in the frame, entered unlagged: {sorted(set(not_lagged))}")

    time_rhs, time_cols = _time_terms(spec)
    full_rhs = " + ".join(p for p in (rhs, time_rhs) if p)
    formula = f"{spec.outcome} ~ {full_rhs}"
    # Config is data: the formula may hold only columns, constants, arithmetic and the allowed
    # functions (dyadstats.safe_expr); anything else is refused before patsy evaluates it.
    known = available | set(derived)
    used, unknown_names = formula_names(formula, known, f"models.specs.{spec.name}.regressors")
    if focal:
        focal_used, focal_unknown = formula_names(f"y ~ {focal}", known, f"models.specs.{spec.name}.focal")
        used |= focal_used
        unknown_names |= focal_unknown - {"y"}
    used_derived = {k: v for k, v in derived.items() if k in used}
    needed = [spec.outcome, *sorted(t for t in used if t in available), *time_cols]
    needed += sorted(used_derived)
    missing = [c for c in [spec.outcome, *time_cols] if c not in available]
    if spec.frame == "dyad" and spec.sample.politically_relevant:
        missing += [] if "politically_relevant" in available else ["politically_relevant"]
    unknown = sorted(unknown_names)
    if missing or unknown:
        raise FrameColumnError(
            f"model {spec.name!r}: the {spec.frame} analysis frame lacks column(s) "
            f"{sorted(set(missing + unknown))}, which are neither frame columns nor allowed "
            f"functions ({allowed_functions()}) (formula: {formula})"
        )
    regime: str | None = cols["regime_pair"]
    if regime in derived:
        used_derived[regime] = derived[regime]
    elif regime not in available:
        # The directed frame carries only the sides' dummies: code the pair from them.
        if cols["dem_1"] in available and cols["dem_2"] in available:
            regime, sql = _regime_pair_sql(cols["dem_1"], cols["dem_2"], regime)
            used_derived[regime] = sql
        else:
            regime = None
    focal_is_dummy = bool(focal) and focal.startswith("joint_democracy")
    terms = regime_terms(spec, cols)

    # Values reach SQL as bound parameters; a `where` filter is parsed and re-rendered so it
    # can only be a predicate over frame columns (dyadstats.safe_expr.check_where).
    where = [f'"{spec.outcome}" IS NOT NULL']
    params: dict[str, Any] = {}
    if spec.sample.politically_relevant:
        where.append('"politically_relevant" = 1')
    if spec.sample.years:
        where.append('"year" BETWEEN $first_year AND $last_year')
        params.update(first_year=int(spec.sample.years[0]), last_year=int(spec.sample.years[1]))
    if spec.sample.era:
        where.append('"era" = $era')
        params["era"] = str(spec.sample.era)
    if spec.sample.where:
        where.append(f"({check_where(spec.sample.where, available, f'models.specs.{spec.name}.sample.where')})")
    if spec.cluster_by == "year":
        cluster_expr = '"year"'
    elif spec.frame == "directed":
        # Both directions of a pair form one cluster (the non-directed dyad).
        cluster_expr = 'least("ccode1", "ccode2") * 1000 + greatest("ccode1", "ccode2")'
    else:
        cluster_expr = '"dyad_id"' if "dyad_id" in available else '"ccode1" * 1000 + "ccode2"'
    return Resolved(
        spec=spec, outcome=spec.outcome, formula=formula, rhs=full_rhs, focal_term=focal,
        focal_is_dummy=focal_is_dummy, regime_pair=regime,
        columns=tuple(dict.fromkeys(needed)), derived=used_derived, where=" AND ".join(where), params=params,
        cluster_expr=cluster_expr, notes=tuple(notes), regime_terms=terms,
    )


# --------------------------------------------------------------------------------------------
# Sample and design
# --------------------------------------------------------------------------------------------


@dataclass
class Design:
    """Complete-case data and design matrices of one resolved spec (reusable across fits)."""

    resolved: Resolved
    data: pd.DataFrame              # complete-case rows: model columns, keys, regime pair
    y: np.ndarray
    X: pd.DataFrame
    groups: np.ndarray
    n_sample: int
    dropped_by_column: dict[str, int]

    @property
    def n_dropped(self) -> int:
        return self.n_sample - len(self.y)


def _relation_name(con: duckdb.DuckDBPyConnection, source: Any) -> str:
    """Register or reference the frame: Parquet path, Arrow table or pandas frame."""
    if isinstance(source, str | Path):
        return f"read_parquet('{Path(source).as_posix()}')"
    if isinstance(source, pa.Table | pd.DataFrame):
        con.register("analysis_frame", source)
        return "analysis_frame"
    raise TypeError(f"frame source must be a path, Arrow table or pandas frame, got {type(source)}")


def frame_columns(source: Any) -> list[str]:
    """Column names of a frame source without reading its data."""
    if isinstance(source, pa.Table):
        return list(source.column_names)
    if isinstance(source, pd.DataFrame):
        return [str(c) for c in source.columns]
    import pyarrow.parquet as pq

    return list(pq.read_schema(source).names)


def prepare(source: Any, spec: ModelSpec | Resolved) -> Design:
    """Read the sample (needed columns only, filter pushed down), drop incomplete rows, build X.

    Listwise deletion is counted per column among the sample rows (a row missing two columns
    counts under both), and cluster ids come from the complete-case rows, so the groups line
    up with the estimation sample exactly.
    """
    available = frame_columns(source)
    resolved = spec if isinstance(spec, Resolved) else resolve(spec, available)
    if isinstance(source, pa.Table | pd.DataFrame):
        # Project in-memory frames to the referenced columns first (cheap, avoids wide scans).
        referenced = set(_IDENT.findall(" ".join([
            *resolved.columns, *resolved.derived.values(), resolved.where, resolved.cluster_expr,
            "ccode1 ccode2 year", resolved.regime_pair or "",
        ])))
        keep_cols = [c for c in available if c in referenced]
        source = source.select(keep_cols) if isinstance(source, pa.Table) else source[keep_cols]
    con = duckdb.connect()
    try:
        rel = _relation_name(con, source)
        derived_sql = "".join(f", {expr} AS \"{name}\"" for name, expr in resolved.derived.items())
        base = f"SELECT *{derived_sql} FROM {rel} WHERE {resolved.where}"
        model_cols = [c for c in resolved.columns if c != resolved.outcome]
        counts = ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in model_cols)
        row = con.execute(f"SELECT count(*){', ' + counts if counts else ''} FROM ({base})", resolved.params).fetchone()
        n_sample = int(row[0])
        dropped = {c: int(n) for c, n in zip(model_cols, row[1:], strict=True) if n}
        keep = [*resolved.columns, "ccode1", "ccode2", "year"]
        if resolved.regime_pair and resolved.regime_pair not in keep:
            keep.append(resolved.regime_pair)
        complete = " AND ".join(f'"{c}" IS NOT NULL' for c in resolved.columns)
        select = ", ".join(f'"{c}"' for c in dict.fromkeys(keep))
        data = con.execute(
            f"SELECT {select}, {resolved.cluster_expr} AS __cluster FROM ({base}) "
            # A total order (directed frames hold A->B and B->A in one year): float sums
            # then run in the same order every time, so reruns are byte-identical.
            f"WHERE {complete} ORDER BY __cluster, \"year\", \"ccode1\", \"ccode2\"",
            resolved.params,
        ).df()
    finally:
        con.close()
    if data.empty:
        raise DyadstatsError(
            f"model {resolved.spec.name!r}: no complete rows in the sample "
            f"({resolved.spec.sample.describe()}; {n_sample} rows before listwise deletion)"
        )
    groups = data.pop("__cluster").to_numpy()
    numeric = {c: data[c].astype("float64") for c in resolved.columns if c != resolved.regime_pair}
    frame = data.assign(**numeric)
    y_df, X = patsy.dmatrices(resolved.formula, frame, NA_action="raise", return_type="dataframe",
                              eval_env=eval_namespace())
    y = y_df.to_numpy().ravel()
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise DyadstatsError(
            f"model {resolved.spec.name!r}: outcome {resolved.outcome!r} must be 0/1; "
            f"{int(bad.sum())} rows hold other values (e.g. {y[bad][:3].tolist()})"
        )
    log.info("%s: %d sample rows, %d complete, %d events, %d regressors",
             resolved.spec.name, n_sample, len(y), int(y.sum()), X.shape[1])
    return Design(resolved=resolved, data=frame, y=y, X=X, groups=groups, n_sample=n_sample,
                  dropped_by_column=dropped)


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------


@dataclass
class ModelResult:
    """Everything one fitted model contributes to the tidy tables."""

    name: str
    params: pd.Series
    cov: pd.DataFrame
    estimates: pd.DataFrame
    fit: dict[str, Any]
    predictions: pd.DataFrame


def separation_checks(X: pd.DataFrame, y: np.ndarray) -> list[str]:
    """Binary design columns whose 1-rows or 0-rows hold no events or no non-events.

    Such a column has an infinite maximum-likelihood coefficient (quasi-complete separation).
    """
    found = []
    events_total, n = float(y.sum()), len(y)
    for name in X.columns:
        col = X[name].to_numpy()
        if name == "Intercept" or not np.isin(col, (0.0, 1.0)).all():
            continue
        ones = col == 1.0
        n1 = int(ones.sum())
        if n1 in (0, n):
            found.append(f"{name}: constant in the estimation sample")
            continue
        e1 = float(y[ones].sum())
        for label, events, rows in (("=1", e1, n1), ("=0", events_total - e1, n - n1)):
            if events == 0:
                found.append(f"{name}{label}: no events in {rows} rows")
            elif events == rows:
                found.append(f"{name}{label}: events in all {rows} rows")
    return found


def _fit_logit(design: Design, spec: ModelSpec) -> tuple[pd.Series, dict[str, Any]]:
    with captured_warnings() as caught:
        res = sm.Logit(design.y, design.X).fit(method="newton", maxiter=spec.max_iter, disp=0)
    info = {
        "log_likelihood": float(res.llf),
        # Closed form: statsmodels' res.llnull refits a null model by Nelder-Mead (slow).
        "ll_null": _ll_null(design.y),
        "converged": bool(res.mle_retvals.get("converged", False)),
        "iterations": int(res.mle_retvals.get("iterations", -1)),
        "warnings": warning_texts(caught),
        "k": int(res.df_model) + 1,
    }
    return res.params, info


def _fit_firth(design: Design, spec: ModelSpec) -> tuple[pd.Series, dict[str, Any]]:
    from firthmodels import FirthLogisticRegression

    X = design.X.to_numpy()
    # Firth's penalty (Jeffreys prior) is invariant to rescaling columns, so fit on columns of
    # unit scale and map back exactly: b = b_scaled / scale. This spares Newton-Raphson the
    # step-halving that raw cubic peace-year columns (up to ~10^7) provoke.
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    with captured_warnings() as caught:
        # Tight tolerances (library default 1e-4): Newton converges quadratically, so this costs
        # one or two iterations and makes the estimates reproducible to ~1e-8.
        model = FirthLogisticRegression(
            fit_intercept=False, max_iter=spec.max_iter, gtol=1e-8, xtol=1e-8
        ).fit(X / scale, design.y)
    params = pd.Series(model.coef_ / scale, index=design.X.columns)
    p = 1.0 / (1.0 + np.exp(-(X @ params.to_numpy())))
    with np.errstate(divide="ignore"):
        llf = float(np.sum(design.y * np.log(p) + (1 - design.y) * np.log1p(-p)))
    info = {
        "log_likelihood": llf,
        "ll_null": _ll_null(design.y),
        "converged": bool(model.converged_),
        "iterations": int(model.n_iter_),
        "warnings": warning_texts(caught),
        "k": X.shape[1],
        "penalized_log_likelihood": float(model.loglik_),
    }
    return params, info


def _twoway_dims(spec: ModelSpec) -> tuple[str, str]:
    """The two ``twoway`` dimensions: ``cluster_by`` when it lists two, else dyad and year."""
    if isinstance(spec.cluster_by, tuple):
        return spec.cluster_by[0], spec.cluster_by[1]
    return CLUSTER_DIMENSIONS[0], CLUSTER_DIMENSIONS[1]


def _dimension_ids(design: Design, dim: str) -> np.ndarray:
    """Cluster ids of one dimension per design row (dyad = the unordered pair of states)."""
    if dim == "year":
        return design.data["year"].to_numpy()
    return dcov.unordered_dyads(design.data["ccode1"].to_numpy(), design.data["ccode2"].to_numpy())


def model_covariance(design: Design, spec: ModelSpec, params: pd.Series) -> dcov.Covariance:
    """The spec's covariance at ``params`` (formulas and factors: :mod:`dyadstats.covariance`).

    Logit sandwiches use the score contributions x_i (y_i - p_i); Firth sandwiches use the
    Firth-modified contributions x_i (y_i - p_i + h_i (1/2 - p_i)) at the penalized estimate.
    The bread is (X'WX)^-1 at the estimate either way; ``nonrobust`` is the bread itself.
    """
    X = design.X.to_numpy()
    score_fn = dcov.firth_scores if spec.estimator == "firth" else dcov.logit_scores
    scores, bread = score_fn(X, design.y, params.to_numpy())
    if spec.covariance == "nonrobust":
        return dcov.nonrobust(bread)
    if spec.covariance == "robust":
        return dcov.robust(scores, bread)
    if spec.covariance == "cluster":
        return dcov.cluster(scores, bread, design.groups, str(spec.cluster_by))
    if spec.covariance == "dyadic":
        data = design.data
        return dcov.dyadic(scores, bread, data["ccode1"].to_numpy(), data["ccode2"].to_numpy())
    if spec.covariance == "twoway":
        dims = _twoway_dims(spec)
        return dcov.twoway(scores, bread, _dimension_ids(design, dims[0]),
                           _dimension_ids(design, dims[1]), dims)
    raise ModelSpecError(f"model {spec.name!r}: unknown covariance {spec.covariance!r}")


def _cov_type(spec: ModelSpec) -> str:
    """The fit row's ``cov_type``: the covariance with its cluster dimension(s)."""
    if spec.covariance == "cluster":
        return f"cluster ({spec.cluster_by})"
    if spec.covariance == "twoway":
        return "twoway ({}, {})".format(*_twoway_dims(spec))
    return spec.covariance


def _estimate(design: Design, spec: ModelSpec) -> tuple[pd.Series, pd.DataFrame, dict[str, Any], str, int]:
    """Fit by the spec's estimator: ``(params, cov, info, covariance note, n_clusters)``.

    logit and Firth take any covariance (:func:`model_covariance`); relogit corrects the logit
    MLE and scales its covariance (:mod:`dyadstats.relogit`); mixed reports its model-based
    covariance (:mod:`dyadstats.mixed`).
    """
    if spec.estimator == "mixed":
        from dyadstats.mixed import fit_design_mixed

        params, cov, info = fit_design_mixed(design, spec)
        info = {**info, "ll_null": _ll_null(design.y)}
        note = ("model-based covariance of the fixed effects: inverse joint precision at the "
                "Laplace mode, given the variance components")
        return params, cov, info, note, int(len(np.unique(design.groups)))
    params, info = (_fit_firth if spec.estimator == "firth" else _fit_logit)(design, spec)
    covariance = model_covariance(design, spec, params)
    cov = pd.DataFrame(covariance.matrix, index=params.index, columns=params.index)
    n_clusters = int(covariance.n_clusters if covariance.n_clusters is not None
                     else len(np.unique(design.groups)))
    if spec.estimator == "relogit":
        from dyadstats.relogit import describe, relogit

        tau = spec.population_event_rate
        if tau is not None and "Intercept" not in design.X.columns:
            raise ModelSpecError(f"model {spec.name!r}: population_event_rate needs an intercept "
                                 "in the formula (prior correction shifts it)")
        params, cov, correction = relogit(design.X, design.y, params, cov, tau)
        info = {**info, "notes": [describe(correction, tau)]}
    return params, cov, info, covariance.note, n_clusters


def _ll_null(y: np.ndarray) -> float:
    """Log-likelihood of the intercept-only logit (closed form)."""
    n, e = len(y), float(y.sum())
    if e in (0.0, float(n)):
        return 0.0
    pbar = e / n
    return e * math.log(pbar) + (n - e) * math.log1p(-pbar)


def tidy_estimates(name: str, params: pd.Series, cov: pd.DataFrame, focal: str | None) -> pd.DataFrame:
    """One row per term: estimate, SE, z, two-sided normal p, 95% Wald CI, odds ratio."""
    se = np.sqrt(np.clip(np.diag(cov.to_numpy()), 0.0, None))
    est = params.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = est / se
        out = pd.DataFrame({
            "model": name,
            "term": params.index.astype(str),
            "term_index": np.arange(len(params), dtype=np.int64),
            "estimate": est,
            "std_error": se,
            "statistic": z,
            "p_value": 2.0 * stats.norm.sf(np.abs(z)),
            "conf_low": est - Z975 * se,
            "conf_high": est + Z975 * se,
            "odds_ratio": np.exp(est),
        })
    out["is_focal"] = out["term"] == (focal or "")
    return out[ESTIMATE_COLUMNS]


def fit_design(design: Design, spec: ModelSpec | None = None) -> ModelResult:
    """Estimate one model on a prepared design and tidy it (estimates, fit row, predictions)."""
    from dyadstats.predictions import model_predictions

    spec = spec or design.resolved.spec
    resolved = design.resolved
    params, cov, info, cov_note, n_clusters = _estimate(design, spec)
    estimates = tidy_estimates(spec.name, params, cov, resolved.focal_term)

    separation = separation_checks(design.X, design.y)
    huge = estimates[(estimates["estimate"].abs() > HUGE_COEF) | (estimates["std_error"] > HUGE_SE)]
    separation += [
        f"{r.term}: estimate {r.estimate:.3g}, SE {r.std_error:.3g} (suspected separation)"
        for r in huge.itertuples()
    ]
    notes = list(resolved.notes) + info["warnings"] + info.get("notes", [])
    if not info["converged"]:
        notes.append(f"did not converge in {info['iterations']} iterations")
    if design.n_dropped:
        notes.append(f"listwise deletion dropped {design.n_dropped} of {design.n_sample} sample rows")
    if spec.estimator == "firth":
        notes.append(
            f"Firth: penalized log-likelihood {info['penalized_log_likelihood']:.4f}; "
            "log_likelihood/AIC/BIC are the unpenalized values at the Firth estimate"
            + ("" if spec.covariance == "nonrobust" else
               "; sandwich from the Firth-modified scores at the penalized estimate")
        )
    notes.append(cov_note)
    if resolved.focal_term and resolved.focal_term not in set(estimates["term"]):
        notes.append(f"focal term {resolved.focal_term!r} is not a coefficient of this model")

    n, k = len(design.y), info["k"]
    llf = info["log_likelihood"]
    years = design.data["year"]
    fit = {
        "model": spec.name,
        "description": spec.description,
        "outcome": spec.outcome,
        "focal_term": resolved.focal_term,
        "estimator": spec.estimator,
        "cov_type": _cov_type(spec),
        "frame": spec.frame,
        "democracy": spec.democracy + (
            f" >= {spec.democracy_threshold:g}" if spec.democracy_threshold is not None else ""),
        "sample": spec.sample.describe(),
        "formula": resolved.formula,
        "year_min": int(years.min()),
        "year_max": int(years.max()),
        "n_sample": int(design.n_sample),
        "n_obs": int(n),
        "n_events": int(design.y.sum()),
        "n_clusters": n_clusters,
        "log_likelihood": llf,
        "ll_null": info["ll_null"],
        "aic": 2 * k - 2 * llf,
        "bic": k * math.log(n) - 2 * llf,
        "pseudo_r2": 1.0 - llf / info["ll_null"] if info["ll_null"] else float("nan"),
        "converged": info["converged"],
        "iterations": info["iterations"],
        "n_dropped_missing": int(design.n_dropped),
        "dropped_by_column": json.dumps(design.dropped_by_column, sort_keys=True),
        "separation": "; ".join(separation) if separation else "none detected",
        "notes": "; ".join(notes),
        "spec": json.dumps(spec.to_dict(), sort_keys=True),
    }
    preds = (
        model_predictions(design, params, cov) if spec.predictions
        else pd.DataFrame(columns=PREDICTION_COLUMNS)
    )
    if not preds.empty:
        preds.insert(0, "model", spec.name)
    log.info("%s: %s estimator, N=%d, events=%d, clusters=%d, converged=%s",
             spec.name, spec.estimator, n, fit["n_events"], fit["n_clusters"], fit["converged"])
    return ModelResult(spec.name, params, cov, estimates, fit, preds.reindex(columns=PREDICTION_COLUMNS))


def fit_spec(source: Any, spec: ModelSpec) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Prepare and fit one spec on a frame (path, Arrow table or pandas frame).

    Returns ``(estimates, fit_row, predictions)``. To fit many specs on one sample, call
    :func:`prepare` once and :func:`fit_design` per estimator/covariance variant.
    """
    result = fit_design(prepare(source, spec), spec)
    return result.estimates, result.fit, result.predictions


# --------------------------------------------------------------------------------------------
# Tidy tables on disk
# --------------------------------------------------------------------------------------------

_FIT_TYPES = {
    "year_min": "int64", "year_max": "int64", "n_sample": "int64", "n_obs": "int64",
    "n_events": "int64", "n_clusters": "int64", "iterations": "int64",
    "n_dropped_missing": "int64", "converged": "bool",
}


def fit_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Fit rows as a typed frame in the contract's column order."""
    df = pd.DataFrame(list(rows), columns=FIT_COLUMNS)
    return df.astype(_FIT_TYPES)


def write_model_outputs(result: ModelResult, estimates_path: str, fit_path: str, predictions_path: str) -> None:
    """Per-model Parquet outputs (atomic, deterministic)."""
    from dyadstats.io import write_parquet

    write_parquet(pa.Table.from_pandas(result.estimates, preserve_index=False), estimates_path)
    write_parquet(pa.Table.from_pandas(fit_frame([result.fit]), preserve_index=False), fit_path)
    write_parquet(pa.Table.from_pandas(result.predictions.astype({"n_obs": "int64"}), preserve_index=False),
                  predictions_path)


def run_model(frame_path: str, spec_dict: Mapping[str, Any], estimates_path: str, fit_path: str,
              predictions_path: str) -> ModelResult:
    """Snakemake entry point for one model: spec dict -> three per-model Parquet files."""
    from threadpoolctl import threadpool_limits

    spec = spec_from_dict(spec_dict)
    # One BLAS thread, set for the whole process (not a context: model jobs share the
    # Snakemake process as threads, and restoring the limit would race). OpenBLAS splits
    # sums differently when jobs run side by side, changing the last bits of estimates.
    threadpool_limits(limits=1)
    result = fit_design(prepare(frame_path, spec), spec)
    write_model_outputs(result, estimates_path, fit_path, predictions_path)
    return result


def gather_models(model_names: Sequence[str], estimates: Sequence[str], fits: Sequence[str],
                  predictions: Sequence[str], out_estimates: str, out_fit: str,
                  out_predictions: str, audit_path: str) -> None:
    """Concatenate per-model tables in config order into the three tidy tables + stage audit."""
    from dyadstats.audit import profile_frame, table_record, write_stage_audit
    from dyadstats.io import write_parquet

    order = {name: i for i, name in enumerate(model_names)}

    def cat(paths: Sequence[str], sort: list[str]) -> pd.DataFrame:
        if not paths:  # no models declared: empty tables with the contract's columns
            return pd.DataFrame(columns=["model", *sort])
        df = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
        df["__order"] = df["model"].map(order)
        return df.sort_values(["__order", *sort], kind="stable").drop(columns="__order").reset_index(drop=True)

    est = cat(estimates, ["term_index"])
    fit = cat(fits, [])
    pred = cat(predictions, [])
    for df, path in ((est, out_estimates), (fit, out_fit), (pred, out_predictions)):
        write_parquet(pa.Table.from_pandas(df, preserve_index=False), path)
    records = [
        table_record("model_estimates", profile_frame(est, ["model", "term"]), inputs=list(estimates)),
        table_record(
            "model_fit", profile_frame(fit.drop(columns=["spec"]), ["model"]), inputs=list(fits),
            notes=[f"{r.model}: N={r.n_obs}, events={r.n_events}, dropped={r.n_dropped_missing}, "
                   f"converged={r.converged}, separation={r.separation}" for r in fit.itertuples()],
        ),
        table_record("model_predictions", profile_frame(pred, ["model", "quantity", "group"]),
                     inputs=list(predictions)),
    ]
    write_stage_audit("models", records, audit_path)
