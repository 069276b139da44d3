"""The ``build`` section: universe years, event source and whittle, democracy cuts, controls,
peace years, ongoing disputes, lags and the frames' column selection."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from dyadstats.config.base import ConfigModel, Number, unique_list
from dyadstats.config.vocab import (
    CONTROL_GROUPS,
    LEGACY_THRESHOLD_RULES,
    MEASURES,
    OUTCOMES,
    SNAKE_NAME,
    WHITTLE_RULES,
    ContiguitySlice,
    ControlGroup,
    Measure,
    Ongoing,
    Outcome,
    PeaceRule,
    ThresholdRuleInput,
    WhittleRule,
)

log = logging.getLogger("dyadstats.config")

RULE_DESCRIPTION = (
    "democracy iff score <rule> threshold (>=, >, <=, <, ==); the old spellings ge and gt are "
    "read as >= and > with a warning saying what to write"
)


def normalise_rule(value: str, where: str) -> str:
    """The operator spelling of a threshold rule; an old spelling is read with a warning."""
    if value in LEGACY_THRESHOLD_RULES:
        new = LEGACY_THRESHOLD_RULES[value]
        log.warning("%s: rule '%s' is the old spelling; write rule: \"%s\" (read as %s)", where, value, new, new)
        return new
    return value


class _Cut(ConfigModel):
    """A democracy cut for one measure: a state is a democracy when score <rule> threshold."""

    threshold: Number
    rule: ThresholdRuleInput = Field(">=", description=RULE_DESCRIPTION)

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        return normalise_rule(value, f"build.democracy.{cls.__name__.removesuffix('Cut').lower()}")


# Each threshold within its measure's scale: a cut outside it codes every state alike.
class PolityCut(_Cut):
    threshold: Number = Field(6, ge=-10, le=10, description="polity2 runs -10..10")


class VdemCut(_Cut):
    threshold: Number = Field(0.5, ge=0, le=1, description="v2x_polyarchy runs 0..1")


class BmrCut(_Cut):
    threshold: Number = Field(1, ge=0, le=1, description="BMR democracy is 0/1")


class UdsCut(_Cut):
    threshold: Number = Field(0, ge=-4, le=4, description="UDS posterior means run about -2.5..3")
    rule: ThresholdRuleInput = Field(">", description=RULE_DESCRIPTION)


class DemocracyCuts(ConfigModel):
    """Democracy cut per measure: a state is a democracy when its score <rule> threshold; a
    missing score stays missing."""

    polity: PolityCut = Field(PolityCut(), description="Polity5 polity2")
    vdem: VdemCut = Field(VdemCut(), description="V-Dem v2x_polyarchy")
    bmr: BmrCut = Field(BmrCut(), description="Boix-Miller-Rosato democracy (0/1)")
    uds: UdsCut = Field(UdsCut(), description="UDS posterior mean")


class EventsOptions(ConfigModel):
    """MID dispute-dyad-year source and how several disputes in one dyad-year are whittled to one."""

    source: Annotated[str, StringConstraints(pattern=SNAKE_NAME)] = Field(
        "mid5",
        description=(
            "mid5 = pair side A with side B participants of MID 5.0 (MIDA + MIDB) on overlapping "
            "days; dyadic_mid402 = the published Dyadic MID 4.02 dispute-dyad-years; or the name "
            "of a roles.events source (checked against roles.events when the workflow loads)"
        ),
    )
    whittle_order: unique_list(WhittleRule, min_length=1) = Field(
        list(WHITTLE_RULES),
        description=(
            "rules applied in order to keep one dispute per dyad-year (onset = new disputes over "
            "ongoing; fatality = highest, missing read as 0.5; hostility = highest; mindur/maxdur "
            "= longest; recip = reciprocated; stmon = earliest start month; dispnum = lowest). "
            "dispnum is appended when missing so that the result is always unique."
        ),
    )


class ControlOptions(ConfigModel):
    """Control-variable options (each control is NULL outside its source's coverage)."""

    politically_relevant_max_conttype: int = Field(
        5, ge=1, le=5,
        description=(
            "highest COW contiguity type that makes a pair politically relevant (with either "
            "state a major power): 5 = within 400 miles of water (default), 1 = land only"
        ),
    )
    contiguity_slice: ContiguitySlice = Field(
        "lowest",
        description=(
            "which contiguity type a dyad-year gets: lowest = the lowest (closest) type COW's "
            "contdird records in the year (COW's rule); first = the type of the year's first "
            "recorded month in peacesciencer's spell table cow_contdir, as its add_contiguity() "
            "default, quirks included (its type-0 spells can enclose real contiguity spells)"
        ),
    )


class PeaceYearsOptions(ConfigModel):
    """Peace years (spells) per outcome."""

    rule: PeaceRule = Field(
        "onset",
        description=(
            "which years end a spell: onset = years with a new event; ongoing = every year an "
            "event of that kind is active (peacesciencer add_spells conflict_event_type = ongoing)"
        ),
    )


class LagOptions(ConfigModel):
    """One-year lags (the frames always carry <column>_lag1 twins)."""

    regressors: bool = Field(
        False,
        description=(
            "true = the models use the _lag1 twin of every time-varying regressor (democracy "
            "and controls); recorded in the frames' Parquet metadata and results/audit/frame.json"
        ),
    )


class FrameSelection(ConfigModel):
    """Which columns and frames the frame stage builds (docs/performance.md). Every key left
    out means everything; a narrow frame's columns equal the full frame's. The default model
    set needs the full frames; a model naming a column left out fails with the column's name."""

    directed: bool = Field(
        True,
        description=(
            "build analysis_directed_dyad_years as part of `all`, the database and the codebook "
            "(false: only when a directed model asks for it)"
        ),
    )
    democracy: unique_list(Measure) = Field(
        list(MEASURES),
        description="democracy measures whose score and indicator columns the frames carry",
    )
    controls: unique_list(ControlGroup) = Field(
        list(CONTROL_GROUPS),
        description=(
            "control sources whose columns the frames carry (contiguity: conttype and the "
            "contiguity flags; nmc: CINC and the capability ratios; majors: major powers; "
            "cow_alliance / atop_alliance: defense pacts; mindist: minimum distance; "
            "nmc_components: milex, milper, tpop, upop per state; alliance_types: COW "
            "neutrality, non-aggression and entente pacts; rivalries: Thompson-Dreyer and "
            "Thompson-Sakuwa-Suhas strategic rivalries; capital_distance: capital-to-capital km; "
            "trade: COW state-year imports and exports; territorial_threat: latent territorial "
            "threat per state; igos: joint IGO memberships); politically_relevant needs "
            "contiguity and majors"
        ),
    )
    outcomes: unique_list(Outcome) = Field(
        list(OUTCOMES),
        description=(
            "outcomes (with their peace years) the frames carry; the non-directed ones go to "
            "analysis_dyad_years, the *_initiated ones and icb_crisis_trigger to the directed "
            "frame (icb_* and war_* only with their source's coverage in the manifest). "
            "mid_ongoing and mid_continuing are always kept"
        ),
    )
    lags: bool = Field(True, description="write the <column>_lag1 twins (lag.regressors true needs them)")


class BuildConfig(ConfigModel):
    """Dyad-year build options (universe, codings, controls, peace years)."""

    first_year: int = Field(
        1816, ge=1816,
        description="first year of the state-year and dyad-year universe (COW spells start 1816)")
    last_year: int = Field(
        2014, ge=1816, le=2016,
        description="last year of the universe (COW v2016 spells end 2016; MID 5.0 ends 2014)")
    events: EventsOptions = Field(EventsOptions(), description=EventsOptions.__doc__)
    democracy: DemocracyCuts = Field(DemocracyCuts(), description=DemocracyCuts.__doc__)
    controls: ControlOptions = Field(ControlOptions(), description=ControlOptions.__doc__)
    peace_years: PeaceYearsOptions = Field(PeaceYearsOptions(), description=PeaceYearsOptions.__doc__)
    ongoing: Ongoing = Field(
        "keep",
        description=(
            "dyad-years with a MID continuing from an earlier year and no new MID (mid_continuing = 1): "
            "keep them with onsets coded 0, or drop them from both frames"
        ),
    )
    lag: LagOptions = Field(LagOptions(), description=LagOptions.__doc__)
    frame: FrameSelection = Field(FrameSelection(), description=FrameSelection.__doc__)

    @model_validator(mode="after")
    def _consistent(self) -> BuildConfig:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        if self.lag.regressors and not self.frame.lags:
            raise ValueError("build.lag.regressors is true, so the frames need their _lag1 twins: "
                             "set build.frame.lags to true")
        return self


def frame_selection_defaults() -> dict[str, Any]:
    """The full frames' selection (what an absent ``build.frame`` means)."""
    return FrameSelection().plain()
