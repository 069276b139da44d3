"""Model specs: the config's ``models:`` section -> checked :class:`ModelSpec` objects.

Also the enumerations, defaults and tidy-table column contracts the rest of
:mod:`dyadstats.models` shares.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from dyadstats.config import vocab
from dyadstats.config.models import MODEL_DEFAULTS as _D
from dyadstats.errors import ConfigError, DyadstatsError
from dyadstats.safe_expr import check_formula_syntax, check_where

MEASURES = vocab.MEASURES
#: Continuous score behind each measure's dichotomy (BMR is published as a dichotomy).
MEASURE_SCORE: dict[str, str | None] = {
    "polity": "polity2", "vdem": "v2x_polyarchy", "uds": "uds_mean", "bmr": None,
}
PLACEHOLDERS = (
    "joint_democracy", "mixed_dyad", "joint_autocracy", "dem_1", "dem_2", "weak_link",
    "strong_link", "regime_pair", "polyprod", "regime_contrasts",
)
#: ``{regime_contrasts}`` enters the dummies of the two regime pairs other than the reference.
REGIME_REFERENCES = vocab.REGIME_REFERENCES
#: Regime-pair category -> its placeholder (the dummy coding it).
REGIME_DUMMIES = {
    "joint democracy": "joint_democracy", "mixed": "mixed_dyad", "joint autocracy": "joint_autocracy",
}
#: Score range behind ``{polyprod}`` (Poznansky & Scroggs: ((polity2_A+10)/2)*((polity2_B+10)/2)).
POLYPROD_OFFSET = {"polity": 10.0}
ESTIMATORS = vocab.ESTIMATORS
COVARIANCES = vocab.COVARIANCES
#: Cluster dimensions (``cluster_by``); ``twoway`` uses two of them, by default both.
CLUSTER_DIMENSIONS = vocab.CLUSTER_DIMENSIONS
TIME_DEPENDENCE = vocab.TIME_DEPENDENCE
PEACE_YEARS_SCOPES = vocab.PEACE_YEARS_SCOPES
PEACE_RULES = vocab.PEACE_RULES
FRAMES = {
    "dyad": "results/frames/analysis_dyad_years.parquet",
    "directed": "results/frames/analysis_directed_dyad_years.parquet",
}
REGIME_GROUPS = ("joint democracy", "mixed", "joint autocracy")
#: Random intercepts a spec may name (``random_effects``, estimator mixed), each keyed to frame
#: columns (``dyadstats.models.mixed``).
RANDOM_EFFECTS = vocab.RANDOM_EFFECTS
#: The seed study's three-way design: state A, state B and the dyad.
DEFAULT_RANDOM_EFFECTS = ("state_1", "state_2", "dyad")
#: The standard normal's 97.5% quantile, scipy.stats.norm.ppf(0.975) to the last bit (written out
#: so that reading a spec does not import scipy.stats, ~0.8 s).
Z975 = 1.959963984540054
#: A coefficient this large or a standard error this large signals (quasi-)separation, in log odds
#: per unit of the column's scale (a dummy's 0 -> 1, else one SD: ``estimate.term_scales``).
HUGE_COEF, HUGE_SE = 15.0, 100.0

ESTIMATE_COLUMNS = [
    "model", "term", "term_index", "estimate", "std_error", "statistic", "p_value",
    "conf_low", "conf_high", "odds_ratio", "is_focal",
]
FIT_COLUMNS = [
    "model", "description", "outcome", "focal_term", "estimator", "cov_type", "frame",
    "democracy", "sample", "formula", "year_min", "year_max", "n_sample", "n_obs", "n_events",
    "n_clusters", "log_likelihood", "ll_null", "aic", "bic", "pseudo_r2", "converged",
    "iterations", "n_dropped_missing", "dropped_by_column", "separation", "notes", "status",
    "failure_reason", "spec",
]
#: ``model_fit.status``: fitted, or not estimable (``failure_reason`` says why; no estimates).
FIT_OK, FIT_FAILED = "ok", "failed"
PREDICTION_COLUMNS = [
    "model", "quantity", "group", "estimate", "std_error", "conf_low", "conf_high", "n_obs",
]


class ModelSpecError(ConfigError):
    """A model spec is invalid (names the model and the key)."""


class FrameColumnError(DyadstatsError):
    """A model needs a column the analysis frame does not have."""



@dataclass(frozen=True)
class SampleSpec:
    """Which rows of the frame a model uses (before listwise deletion)."""

    politically_relevant: bool = _D["sample"]["politically_relevant"]
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
    """One fully merged model specification (defaults: ``dyadstats.config.models``)."""

    name: str
    outcome: str
    regressors: str
    description: str = _D["description"]
    frame: str = _D["frame"]
    sample: SampleSpec = field(default_factory=SampleSpec)
    democracy: str = _D["democracy"]
    democracy_threshold: float | None = _D["democracy_threshold"]
    time_dependence: str = _D["time_dependence"]
    spline_df: int = _D["spline_df"]
    peace_years: str | None = _D["peace_years"]
    #: where the peace-years counter runs: the frame's columns (universe) or the model's sample
    peace_years_over: str = _D["peace_years_over"]
    #: which years end a spell (None: the frame's build.peace_years.rule)
    peace_years_rule: str | None = _D["peace_years_rule"]
    estimator: str = _D["estimator"]
    covariance: str = _D["covariance"]
    cluster_by: str | tuple[str, ...] = _D["cluster_by"]
    lag: bool = _D["lag"]
    focal: str = _D["focal"]
    regime_reference: str = _D["regime_reference"]
    predictions: bool = _D["predictions"]
    max_iter: int = _D["max_iter"]
    #: estimator mixed: random intercepts (None = DEFAULT_RANDOM_EFFECTS)
    random_effects: tuple[str, ...] | None = _D["random_effects"]
    #: estimator relogit: population event rate tau for King-Zeng prior correction
    population_event_rate: float | None = _D["population_event_rate"]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe dict (Snakemake params; stored in the fit row)."""
        out = asdict(self)
        out["sample"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in out["sample"].items()}
        # Estimator-specific keys appear only when set, so adding them left the params (and
        # Snakemake's rerun trigger) of every other spec unchanged.
        for key in ("random_effects", "population_event_rate", "peace_years_rule"):
            if out[key] is None:
                del out[key]
        if out["peace_years_over"] == _D["peace_years_over"]:
            del out["peace_years_over"]
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
    need(spec.peace_years_over in PEACE_YEARS_SCOPES,
         f"peace_years_over must be one of {PEACE_YEARS_SCOPES}, got {spec.peace_years_over!r}")
    need(spec.peace_years_rule is None or spec.peace_years_rule in PEACE_RULES,
         f"peace_years_rule must be one of {PEACE_RULES} or null, got {spec.peace_years_rule!r}")
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
    # Every spec is merged and checked (a disabled one may be another's base, and a typo in it
    # should not wait for the day it is enabled); only the selected ones are returned.
    specs = {name: _spec_from_dict(name, merged_of(name), measures) for name in raw_specs}
    return {name: specs[name] for name in selected_models(section)}


def selected_models(section: Mapping[str, Any]) -> list[str]:
    """The specs a ``models:`` section fits, in declaration order: ``only`` (null = all) less
    ``disable``. Unknown names and an empty selection are errors naming the key."""
    declared = list((section.get("specs") or {}).keys())
    only, disable = section.get("only"), list(section.get("disable") or [])
    for key, names in (("only", list(only or [])), ("disable", disable)):
        unknown = [n for n in names if n not in declared]
        if unknown:
            raise ModelSpecError(f"models.{key}: unknown model(s) {unknown}; the declared models "
                                 f"are {declared}")
    kept = [n for n in declared if (only is None or n in only) and n not in disable]
    if declared and not kept:
        raise ModelSpecError(f"models.only {only} and models.disable {disable} leave no model to fit; "
                             f"the declared models are {declared}")
    return kept


def disabled_models(section: Mapping[str, Any]) -> list[str]:
    """Declared specs the selection leaves out (the report notes them where it names them)."""
    kept = set(selected_models(section))
    return [n for n in (section.get("specs") or {}) if n not in kept]


def spec_from_dict(raw: Mapping[str, Any]) -> ModelSpec:
    """Rebuild a spec from :meth:`ModelSpec.to_dict` output (e.g. Snakemake params)."""
    raw = dict(raw)
    return _spec_from_dict(raw.pop("name"), raw, None)
