"""The ``models`` section: ``defaults`` (every key's default, written here once) and ``specs``.

A spec's keys are all optional: a key left out comes from its ``base`` model's merged spec or,
failing that, from ``models.defaults``, whose own keys left out take the defaults below. So the
spec model (:class:`ModelSpecEntry`) is derived from :class:`ModelDefaults` with every field made
an optional key (no default in the schema: Snakemake must not fill one into a spec, where it
would override the base). Checks the schema cannot express (placeholders, formula safety,
cluster_by lists without twoway, base cycles) are made by ``dyadstats.models.parse_specs``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, create_model

from dyadstats.config.base import ConfigModel, Number, optional, unique_list, year_range
from dyadstats.config.vocab import (
    MODEL_NAME,
    SNAKE_NAME,
    ClusterDimension,
    Covariance,
    Estimator,
    FrameKind,
    PeaceRule,
    PeaceYearsScope,
    RandomEffect,
    RegimeReference,
    TimeDependence,
)

Snake = Annotated[str, StringConstraints(pattern=SNAKE_NAME)]
ERA_DESCRIPTION = ("era label of the frame: <first_year>-1945, 1946-1989, 1990-<last_year> of the build's "
                   "years (e.g. 1990-2014); a model whose era the frame lacks is recorded as failed")
ModelName = Annotated[str, StringConstraints(pattern=MODEL_NAME)]


class SampleConfig(ConfigModel):
    """Which rows of the frame a model uses (before listwise deletion); merged key by key over
    the base's sample."""

    politically_relevant: bool = Field(False, description="keep politically relevant dyads only")
    years: year_range("inclusive year range") | None = Field(None, description="inclusive year range")
    era: str | None = Field(None, description=ERA_DESCRIPTION)
    where: str | None = Field(None, description="extra SQL predicate on frame columns")


def _spec_fields() -> dict[str, Any]:
    """(annotation, Field) per spec key, in the order the schema lists them."""
    return {
        "description": (str, Field("", description="one line shown in the report")),
        "outcome": (Snake | None, optional("0/1 outcome column of the frame (required per spec)")),
        "regressors": (str | None, optional(
            "patsy right-hand side; democracy placeholders such as {joint_democracy} allowed (required per spec)")),
        "frame": (FrameKind, Field("dyad", description="analysis_dyad_years or analysis_directed_dyad_years")),
        "democracy": (Snake, Field("polity", description=(
            "democracy measure the placeholders resolve to: polity, vdem, bmr, uds or a roles.democracy name"))),
        "democracy_threshold": (Number | None, Field(None, description=(
            "code democracy as score >= threshold from the continuous score (polity2, v2x_polyarchy, "
            "uds_mean) instead of the frame's coding"))),
        "time_dependence": (TimeDependence, Field("cubic", description=(
            "cubic in peace years, natural cubic regression splines (patsy cr) or none"))),
        "spline_df": (int, Field(3, ge=1, description="degrees of freedom of the peace-years spline")),
        "peace_years": (str | None, Field(None, description=(
            "outcome whose peace_years_<outcome> columns measure time (default: the model's outcome)"))),
        "peace_years_over": (PeaceYearsScope, Field("universe", description=(
            "where the peace-years counter runs: universe = the frame's columns (every dyad-year of "
            "the universe); sample = recounted over the model's own sample rows after its filters "
            "(politically relevant, years, era, where) and before listwise deletion, calendar gaps "
            "ignored, as peacesciencer's add_spells() after filter_prd()"))),
        "peace_years_rule": (PeaceRule | None, Field(None, description=(
            "which years end a spell for this model: onset (years with a new event) or ongoing "
            "(every year an event of the kind is active); null = build.peace_years.rule (the frame's)"))),
        "estimator": (Estimator, Field("logit", description=(
            "maximum likelihood (statsmodels Logit), Firth penalized logit (firthmodels), logit with "
            "crossed random intercepts (mixed, gpboost Laplace) or King-Zeng rare-events logit (relogit: "
            "bias-corrected logit MLE, the logit's covariance times (n/(n+k))^2); mixed needs covariance "
            "nonrobust (model-based)"))),
        "covariance": (Covariance, Field("cluster", description=(
            "one-way cluster-robust (CRV1) by cluster_by, Aronow-Samii-Assenova dyadic-robust (pairs "
            "sharing a state), Cameron-Gelbach-Miller two-way (cluster_by dimensions, default dyad and "
            "year), HC0 robust or model-based; firth sandwiches use the Firth-modified scores (README Models)"))),
        "cluster_by": (ClusterDimension | unique_list(ClusterDimension, min_length=1, max_length=2), Field(
            "dyad", description=(
                "cluster dimension of covariance: cluster (directed frames cluster by the non-directed "
                "pair); covariance: twoway takes a list of two, e.g. [dyad, year] (its default)"))),
        "random_effects": (unique_list(RandomEffect, min_length=1) | None, Field(None, description=(
            "estimator mixed only: random intercepts for ccode1 (state_1), ccode2 (state_2), the "
            "non-directed pair (dyad) and/or year; null = [state_1, state_2, dyad]"))),
        "population_event_rate": (Annotated[Number, Field(gt=0, lt=1)] | None, Field(None, description=(
            "estimator relogit only: the population event rate tau; the intercept is prior-corrected by "
            "-ln[((1-tau)/tau)(ybar/(1-ybar))]"))),
        "lag": (bool, Field(False, description="use the _lag1 twin of every regressor that has one")),
        "focal": (str, Field("{joint_democracy}", description=(
            "the democracy term reported as focal_term (placeholder or column)"))),
        "regime_reference": (RegimeReference, Field("joint_autocracy", description=(
            "reference regime pair of {regime_contrasts} (the two other pairs enter as dummies)"))),
        "predictions": (bool, Field(True, description="compute average predicted probabilities")),
        "max_iter": (int, Field(100, ge=1, description="iteration limit (Newton-Raphson; L-BFGS for mixed)")),
        "sample": (SampleConfig, Field(SampleConfig(), description=SampleConfig.__doc__)),
    }


#: ``models.defaults``: every spec key with its default (the one place these defaults live).
ModelDefaults = create_model(
    "ModelDefaults",
    __base__=ConfigModel,
    __doc__="Keys applied to every spec unless it (or its base) overrides them; a key left out "
            "takes the default shown.",
    **_spec_fields(),
)


def _constrained(annotation: Any, field: Any) -> Any:
    """The field's type with its constraints (ge, lt, ...) attached to the type itself."""
    return Annotated[(annotation, *field.metadata)] if field.metadata else annotation


def _as_optional(annotation: Any, field: Any) -> tuple[Any, Any]:
    return (_constrained(annotation, field) | None, optional(field.description or ""))


class SpecSampleEntry(ConfigModel):
    """A spec's sample keys (each optional: merged over the base's sample)."""

    politically_relevant: bool | None = optional("keep politically relevant dyads only")
    years: year_range("inclusive year range") | None = Field(
        None, description="inclusive year range", json_schema_extra=lambda s: s.pop("default", None))
    era: str | None = Field(None, description=ERA_DESCRIPTION,
                            json_schema_extra=lambda s: s.pop("default", None))
    where: str | None = Field(None, description="extra SQL predicate on frame columns",
                              json_schema_extra=lambda s: s.pop("default", None))


def _entry_fields() -> dict[str, Any]:
    fields = {name: _as_optional(ann, f) for name, (ann, f) in _spec_fields().items() if name != "sample"}
    # keys whose null is a value (it overrides the base's), not an absent key
    for name in ("democracy_threshold", "peace_years", "peace_years_rule", "random_effects",
                 "population_event_rate"):
        ann, f = _spec_fields()[name]
        fields[name] = (_constrained(ann, f), Field(None, description=f.description,
                                   json_schema_extra=lambda s: s.pop("default", None)))
    fields["sample"] = (SpecSampleEntry | None, optional(SpecSampleEntry.__doc__ or ""))
    return {"base": (ModelName | None, optional("start from this model's merged spec")), **fields}


#: ``models.specs.<name>``: the spec keys, each optional, plus ``base``.
ModelSpecEntry = create_model(
    "ModelSpecEntry",
    __base__=ConfigModel,
    __doc__="One model: its own keys over its base's merged spec (or models.defaults).",
    **_entry_fields(),
)


class ModelsConfig(ConfigModel):
    """Model specifications (docs/models.md); one Snakemake job per entry of specs."""

    defaults: ModelDefaults = Field(ModelDefaults(), description=ModelDefaults.__doc__)
    specs: dict[ModelName, ModelSpecEntry] = Field(
        {}, description="model name -> spec (names are letters, digits and underscores)")
    # Selection lives beside specs, not in them: a spec key would be inherited through base.
    only: unique_list(ModelName, min_length=1) | None = Field(None, description=(
        "fit only these models (their bases are still merged, not fitted); null = every spec"))
    disable: unique_list(ModelName) = Field([], description=(
        "models not fitted (e.g. an overlay removing a default spec; specs based on one still merge it)"))

    def entries(self) -> dict[str, dict[str, Any]]:
        """Each spec's own keys as written (what :func:`dyadstats.models.parse_specs` merges)."""
        return {name: spec.model_dump(mode="json", exclude_unset=True) for name, spec in self.specs.items()}


#: The defaults every spec starts from, as a plain dict.
MODEL_DEFAULTS: dict[str, Any] = ModelDefaults().plain()
