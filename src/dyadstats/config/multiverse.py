"""The ``multiverse`` section: the specification curve's choice space (docs/multiverse.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from dyadstats.config.base import ConfigModel, Number, optional, unique_list, year_range
from dyadstats.config.vocab import (
    SNAKE_NAME,
    Covariance,
    LagChoice,
    Link,
    Measure,
    MultiverseEstimator,
    SampleChoice,
    TimeControl,
)

Snake = Annotated[str, StringConstraints(pattern=SNAKE_NAME)]
DEFAULT_THRESHOLD = "default"


class ThresholdChoice(ConfigModel):
    """A democracy coding: label default = the frame's own coding, others a score cut (>=) per measure."""

    label: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")] = Field(description="the level's name")
    polity: Annotated[Number, Field(ge=-10, le=10)] | None = optional("polity2 cut")
    vdem: Annotated[Number, Field(ge=0, le=1)] | None = optional("v2x_polyarchy cut")
    uds: Number | None = optional("UDS posterior-mean cut")


class EraChoice(ConfigModel):
    """A named year window (years null: the whole build range)."""

    label: str = Field(description="the level's name")
    years: year_range() | None = Field(None, description="inclusive [first, last] years, or null for all")


class Choices(ConfigModel):
    """The levels of each choice dimension (their Cartesian product is the grid)."""

    outcome: unique_list(Snake, min_length=1) = Field(
        ["coercion_onset"], description="outcome columns of analysis_dyad_years")
    democracy: unique_list(Measure, min_length=1) = Field(
        ["polity"], description="democracy measures")
    threshold: Annotated[list[ThresholdChoice], Field(min_length=1)] = Field(
        [ThresholdChoice(label=DEFAULT_THRESHOLD)],
        description="democracy codings; label default = the frame's own coding, others give a score cut (>=) per measure")
    link: unique_list(Link, min_length=1) = Field(
        ["joint"],
        description=(
            "joint = joint-democracy dummy; weak_link = the lower democracy score of the pair "
            "(standardised); regime_vs_autocracy / regime_vs_mixed = the three-category regime pair, "
            "joint democracy against that reference"))
    lag: unique_list(LagChoice, min_length=1) = Field(
        [0], description="1 = regressors lagged one year (_lag1 twins)")
    sample: unique_list(SampleChoice, min_length=1) = Field(
        ["all"], description="all dyads or politically relevant ones")
    era: Annotated[list[EraChoice], Field(min_length=1)] = Field(
        [EraChoice(label="all years", years=None)], description="year windows")
    time: unique_list(TimeControl, min_length=1) = Field(
        ["cubic"],
        description="peace-years control - cubic polynomial or natural cubic spline")
    estimator: unique_list(MultiverseEstimator, min_length=1) = Field(
        ["logit"], description="estimators")
    covariance: unique_list(Covariance, min_length=1) | None = optional(
        "covariance choices: cluster (dyad), dyadic (Aronow-Samii-Assenova), twoway (dyad and year), "
        "robust, nonrobust; one design per sample, one row per covariance (default: [multiverse.covariance])")


class MeasureYears(ConfigModel):
    """A democracy measure's coverage [first, last] used by the era skip rules (the releases in
    data/sources.yaml)."""

    polity: year_range() = Field([1800, 2018], description="Polity5 p5v2018")
    vdem: year_range() = Field([1789, 2024], description="V-Dem v15")
    bmr: year_range() = Field([1800, 2020], description="Boix-Miller-Rosato v4")
    uds: year_range() = Field([1946, 2012], description="Unified Democracy Scores, 2014 release")


class Resources(ConfigModel):
    """Resources declared by each chunk job (also what a cluster executor requests)."""

    mem_mb: int = Field(3000, ge=100, description="memory in MB")
    runtime: int = Field(60, ge=1, description="minutes")


class MultiverseConfig(ConfigModel):
    """Specification curve of the joint-democracy estimate over a declared choice space
    (docs/multiverse.md); combinations that make no sense are skipped with their reason."""

    enabled: bool = Field(True, description=(
        "true - the grid is part of rule all, the database (model_multiverse) and the report; "
        "false - a separate target (dyadstats multiverse)"))
    chunk_size: int = Field(84, ge=1, description=(
        "specifications per Snakemake job, each in a process of its own (a design shared by two "
        "estimators is never split)"))
    alpha: Number = Field(0.05, gt=0, lt=1, description=(
        "significance level of the summary shares and the figure's colours"))
    controls: str = Field(
        "contiguity_land + log_capability_ratio + major_power_dyad + defense_pact",
        description="patsy terms (frame columns) added to every specification after the democracy term")
    covariance: Covariance = Field("cluster", description=(
        "covariance of every fit when choices.covariance is not given (Firth gets the sandwich at "
        "its penalized estimate)"))
    spline_df: int = Field(3, ge=1, description="degrees of freedom of the peace-years spline (time = splines)")
    firth_samples: unique_list(SampleChoice) = Field(
        ["politically_relevant"],
        description="samples on which the Firth estimator is run (others are skipped, with the reason)")
    measure_years: MeasureYears = Field(MeasureYears(), description=MeasureYears.__doc__)
    resources: Resources = Field(Resources(), description=Resources.__doc__)
    choices: Choices = Field(Choices(), description=Choices.__doc__)
