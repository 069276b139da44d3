"""The ``roles`` section: what user-declared tables are for (docs/own-data.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dyadstats.config.base import ConfigModel, Number, optional
from dyadstats.config.build import RULE_DESCRIPTION, normalise_rule
from dyadstats.config.vocab import (
    SNAKE_NAME,
    CovariateLevel,
    EventLevel,
    ThresholdRuleInput,
    UnknownStates,
)

RoleName = Annotated[str, StringConstraints(pattern=SNAKE_NAME)]

UNKNOWN_STATES_DESCRIPTION = (
    "rows whose state code is not a system member in that year stop the run (error) or are "
    "dropped and counted in the log and audit (drop)"
)


class DemocracyRoleConfig(ConfigModel):
    """A state-year democracy measure."""

    table: str = Field(description="canonical table (extra_sources or manifest)")
    ccode: str = Field("ccode", description="COW state code column")
    year: str = Field("year", description="year column")
    score: str = Field(description="democracy score column (numeric)")
    threshold: Number = Field(description="democracy iff score <rule> threshold")
    rule: ThresholdRuleInput = Field(">=", description=RULE_DESCRIPTION)
    unknown_states: UnknownStates = Field("error", description=UNKNOWN_STATES_DESCRIPTION)

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        return normalise_rule(value, "roles.democracy")


class EventRoleConfig(ConfigModel):
    """A coercion-attempt source."""

    table: str = Field(description="canonical table (extra_sources or manifest)")
    level: EventLevel = Field(
        description=(
            "participant = MID-format participant rows (dispnum, ccode, sidea, styear, stmon, "
            "endyear, endmon, hostlev, hiact, orig, fatality); dyadic = dyad-year rows "
            "(ccode1, ccode2, year, onset or start_year, optional hostlev, hostlev1/2, orig1/2, dispnum)"
        )
    )
    columns: dict[str, str] = Field(
        {},
        description="canonical column -> column of the table (default the canonical name)")
    directed: bool = Field(False, description="dyadic rows list each pair in both directions")
    unknown_states: UnknownStates = Field("error", description=UNKNOWN_STATES_DESCRIPTION)


class CovariateRoleConfig(ConfigModel):
    """A state-year or dyad-year variable."""

    table: str = Field(description="canonical table (extra_sources or manifest)")
    level: CovariateLevel = Field("state_year", description="state-year or dyad-year variable")
    column: str | None = optional("value column (default: the covariate name)")
    ccode: str = Field("ccode", description="COW state code column (state_year)")
    ccode1: str = Field("ccode1", description="first state's code column (dyad_year)")
    ccode2: str = Field("ccode2", description="second state's code column (dyad_year)")
    year: str = Field("year", description="year column")
    directed: bool = Field(False, description="dyad-year rows list each pair in both directions")
    unknown_states: UnknownStates = Field("error", description=UNKNOWN_STATES_DESCRIPTION)
    absent: Number | None = Field(None, description=(
        "value of a state-year / dyad-year the table has no row for, inside the years the table "
        "covers (its first to last year), e.g. 0 for an alliance table that lists only allied "
        "dyad-years (peacesciencer's add_atop_alliance); null: such keys stay missing. A row whose "
        "value is missing stays missing either way"))


class RolesConfig(ConfigModel):
    """What user-declared tables are for (docs/own-data.md): democracy measures, event
    sources and covariates, each mapped onto canonical columns and checked against the state
    system."""

    democracy: dict[RoleName, DemocracyRoleConfig] = Field(
        {}, description="measure name -> state-year democracy measure")
    events: dict[RoleName, EventRoleConfig] = Field(
        {}, description="event source name -> coercion-attempt source")
    covariates: dict[RoleName, CovariateRoleConfig] = Field(
        {}, description="covariate name -> state-year or dyad-year variable")
