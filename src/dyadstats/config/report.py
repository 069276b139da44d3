"""The ``report`` section: what the report shows and how it is labelled (every number in it is
computed; these options only choose)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from dyadstats.config.base import ConfigModel, Number, unique_list
from dyadstats.config.vocab import SNAKE_NAME

Snake = Annotated[str, StringConstraints(pattern=SNAKE_NAME)]


class EraRow(ConfigModel):
    """A period of the rate table (inclusive years)."""

    label: str = Field(description="the period's name")
    start: int = Field(description="first year")
    end: int = Field(description="last year")

    @model_validator(mode="after")
    def _ordered(self) -> EraRow:
        if self.start > self.end:
            raise ValueError(f"era '{self.label}' starts after it ends ({self.start} > {self.end})")
        return self


class ReportConfig(ConfigModel):
    """Report options (reports/report.html, report.md, tables/, figures/)."""

    title: str = Field("Do democracies coerce each other less?", description="the report's title")
    question: str = Field(
        "Do pairs of democracies attempt coercion against each other less often than other pairs of "
        "states, once contiguity, power and alliances are held constant?",
        description="the research question, stated at the top of the report")
    main_model: str | None = Field(None, description=(
        "model whose joint-democracy estimate the finding sentence reports (default - the first "
        "model in model_fit with a democracy term)"))
    regime_model: str | None = Field(None, description=(
        "three-category model ({regime_contrasts}) whose contrasts and regime-pair probabilities the "
        "finding reports (default - the first such model with the main model's outcome)"))
    table_models: unique_list(str) = Field([], description=(
        "models in the full regression table (tables/regression.csv/.tex and the report's collapsible "
        "section), in this order (empty = every model, in model_fit order)"))
    main_table_models: unique_list(str, max_length=8) = Field([], description=(
        "the few comparable models of the main regression table, in this order (empty = the first "
        "seven models in model_fit order)"))
    democracy_measure: Snake = Field("polity", description=(
        "measure whose regime_pair_<measure> column groups the sample rates and the time figure"))
    outcomes: unique_list(Snake, min_length=1) = Field(
        ["coercion_onset", "coercion_onset_limited", "mid_onset",
                                 "mid_onset_originators", "sanction_threat_onset", "sanction_imposition_onset"],
        description="coercion codings (analysis_dyad_years columns) counted in the sample and rate tables")
    time_outcome: Snake = Field("coercion_onset", description="outcome plotted over time by regime pair")
    time_bin_years: int = Field(5, ge=1, le=50, description="width in years of the bins in the rate-over-time figure")
    eras: Annotated[list[EraRow], Field(min_length=1)] | None = Field(None, description=(
        "periods for the rate table (inclusive year ranges); null = the frame's eras, "
        "<first_year>-1945, 1946-1989, 1990-<last_year> of the build's years"))
    significance_levels: Annotated[list[Annotated[Number, Field(gt=0, lt=1)]], Field(min_length=3, max_length=3)] = Field(
        [0.001, 0.01, 0.05], description=(
            "p-value cutoffs for ***, ** and * (ascending); the largest is the level the finding calls significant"))
    term_labels: dict[str, str] = Field({}, description=(
        "display labels for model terms and outcome names (column name -> label)"))
    drop_terms: list[str] = Field([], description=(
        "regular expressions of terms left out of the regression table (named in its note)"))
    multiverse_dir: str = Field("results/multiverse", description=(
        "directory where the multiverse stage writes specification_curve.png and summary.json (rendered when present)"))

    @field_validator("significance_levels")
    @classmethod
    def _ascending(cls, levels: list[Number]) -> list[Number]:
        if not levels[0] < levels[1] < levels[2]:
            raise ValueError(f"need three ascending p-values in (0, 1), got {levels}")
        return levels

    @field_validator("drop_terms")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"'{pattern}' is not a regular expression: {exc}") from exc
        return patterns
