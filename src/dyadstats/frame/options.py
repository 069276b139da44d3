"""The frame build's options: the ``build`` config section parsed into :class:`FrameOptions`,
and the ``build.frame`` column selection (which measures, control groups, outcomes, lags)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dyadstats.config import validated
from dyadstats.config.build import BuildConfig, FrameSelection
from dyadstats.errors import ConfigError
from dyadstats.events.war import WAR_OUTCOME_NAMES
from dyadstats.frame.controls import (
    ALLIANCE_TYPES,
    CONTROL_GROUPS,
    NMC_COMPONENTS,
    Coverage,
)
from dyadstats.frame.covariates import (
    COVARIATE_ALIAS_GROUP,
    COVARIATE_COLUMN_GROUPS,
    COVARIATE_RAW_GROUP,
)
from dyadstats.frame.democracy import MEASURES, DemocracyRule, democracy_rules, rules_summary
from dyadstats.frame.outcomes import ALL_OUTCOMES, ICB_OUTCOME_NAMES
from dyadstats.roles.parse import Roles, role_kind

# control column -> the source groups it is computed from
CONTROL_COLUMN_GROUPS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("conttype", "contiguity_land", "contiguity_any", "contiguity_150"), ("contiguity",)),
    **dict.fromkeys(("cinc_1", "cinc_2", "capability_ratio", "log_capability_ratio"), ("nmc",)),
    **dict.fromkeys(("major_power_1", "major_power_2", "major_power_dyad"), ("majors",)),
    "defense_pact": ("cow_alliance",),
    "defense_pact_atop": ("atop_alliance",),
    "mindist": ("mindist",),
    "politically_relevant": ("contiguity", "majors"),
    **dict.fromkeys((f"nmc_{p}_{i}" for p in NMC_COMPONENTS for i in (1, 2)), ("nmc_components",)),
    **dict.fromkeys((name for _, _, name in ALLIANCE_TYPES.values()), ("alliance_types",)),
    **{col: (group,) for col, group in COVARIATE_COLUMN_GROUPS.items()},
}
# raw control value (CONTROL_RAW key) and CONTROL_JOINS alias -> source group
CONTROL_RAW_GROUP = {"conttype": "contiguity", "cinc1": "nmc", "cinc2": "nmc", "major1": "majors",
                     "major2": "majors", "defense": "cow_alliance", "defense_atop": "atop_alliance",
                     "mindist": "mindist",
                     **{f"{p}{i}": "nmc_components" for p in NMC_COMPONENTS for i in (1, 2)},
                     **dict.fromkeys(ALLIANCE_TYPES, "alliance_types"), **COVARIATE_RAW_GROUP}
CONTROL_ALIAS_GROUP = {"c": "contiguity", "n1": "nmc", "n2": "nmc", "m1": "majors", "m2": "majors",
                       "dp": "cow_alliance", "da": "atop_alliance", "md": "mindist",
                       "p1": "nmc_components", "p2": "nmc_components",
                       **{alias: "alliance_types" for _, alias, _ in ALLIANCE_TYPES.values()},
                       **COVARIATE_ALIAS_GROUP}


def measure_column_names(measure: str) -> set[str]:
    """The democracy columns of one measure (``dyad_democracy_columns`` naming)."""
    s = MEASURES[measure].score
    return {f"{s}_1", f"{s}_2", f"min_{s}", f"max_{s}", f"dem_{measure}_1", f"dem_{measure}_2",
            f"joint_democracy_{measure}", f"mixed_dyad_{measure}", f"joint_autocracy_{measure}",
            f"regime_pair_{measure}"}


_BUILD = BuildConfig()  # the defaults (dyadstats.config.build)


def _available(outcome: str, icb: Coverage | None, war: Coverage | None) -> bool:
    """An outcome a build can carry: the ICB and war ones need their source's coverage."""
    return not ((outcome in ICB_OUTCOME_NAMES and not icb) or (outcome in WAR_OUTCOME_NAMES and not war))


@dataclass(frozen=True)
class FrameOptions:
    """Everything that changes a coding, recorded in the audit and the Parquet metadata."""

    democracy: Mapping[str, DemocracyRule]
    mid_coverage: Coverage
    ties_coverage: Coverage
    # ICB outcomes need the declared ICB coverage; without it the frames carry none
    icb_coverage: Coverage | None = None
    # war outcomes (COW Inter-State War) need the declared war coverage; without it none
    war_coverage: Coverage | None = None
    peace_rule: str = _BUILD.peace_years.rule
    ongoing: str = _BUILD.ongoing
    use_lagged: bool = _BUILD.lag.regressors
    prd_max_conttype: int = _BUILD.controls.politically_relevant_max_conttype
    contiguity_slice: str = _BUILD.controls.contiguity_slice
    extra: Mapping[str, Any] = field(default_factory=dict)
    roles: Roles = field(default_factory=Roles)
    # column selection (build.frame): democracy measures, control source groups, outcomes,
    # whether the _lag1 twins and the directed frame are built
    measures: tuple[str, ...] = tuple(MEASURES)
    controls: tuple[str, ...] = CONTROL_GROUPS
    outcomes: tuple[str, ...] = ALL_OUTCOMES
    lags: bool = True
    directed: bool = True

    def keeps_measure(self, measure: str) -> bool:
        return measure in self.measures

    def keeps_control(self, column: str) -> bool:
        return all(g in self.controls for g in CONTROL_COLUMN_GROUPS[column])

    def keeps_outcome(self, outcome: str) -> bool:
        return outcome in self.outcomes

    def default_outcomes(self) -> tuple[str, ...]:
        """Every outcome this build can carry (the ICB and war ones only with their coverage)."""
        return tuple(o for o in ALL_OUTCOMES if _available(o, self.icb_coverage, self.war_coverage))

    def selection(self) -> dict[str, Any]:
        """What ``build.frame`` leaves out, in canonical order; empty for the full frames."""
        out: dict[str, Any] = {}
        if self.measures != tuple(MEASURES):
            out["democracy"] = list(self.measures)
        if self.controls != CONTROL_GROUPS:
            out["controls"] = list(self.controls)
        if self.outcomes != self.default_outcomes():
            out["outcomes"] = list(self.outcomes)
        if not self.lags:
            out["lags"] = False
        if not self.directed:
            out["directed"] = False
        return out

    def record(self) -> dict[str, Any]:
        roles = {r.name: f"{role_kind(r)} from {r.table}" for r in (*self.roles.democracy, *self.roles.covariates)}
        return ({"roles": roles} if roles else {}) | {
            "democracy": rules_summary(self.democracy),
            "mid_coverage": self.mid_coverage.as_list(),
            "ties_coverage": self.ties_coverage.as_list(),
            **({"icb_coverage": self.icb_coverage.as_list()} if self.icb_coverage else {}),
            **({"war_coverage": self.war_coverage.as_list()} if self.war_coverage else {}),
            "peace_years_rule": self.peace_rule,
            "ongoing": self.ongoing,
            "lag_regressors": self.use_lagged,
            "politically_relevant_max_conttype": self.prd_max_conttype,
            "contiguity_slice": self.contiguity_slice,
        } | ({"frame_columns": self.selection()} if self.selection() else {})


def frame_options(
    build: Mapping[str, Any] | None, mid_coverage: Sequence[int], ties_coverage: Sequence[int],
    roles: Roles | None = None, icb_coverage: Sequence[int] | None = None,
    war_coverage: Sequence[int] | None = None,
) -> FrameOptions:
    """Options from the ``build`` config section (defaults and allowed values:
    ``dyadstats.config.build.BuildConfig``) and the parsed ``roles`` section (its democracy
    measures and covariates join the frames). ``icb_coverage`` (the manifest's ICB years) adds the
    ICB outcomes, ``war_coverage`` (the manifest's cow_war_inter years) the war outcomes; without
    them there are none."""
    b = validated(BuildConfig, build, "build")
    selection = frame_selection(b.frame.plain(), b.lag.regressors)
    explicit = selection["outcomes"] != ALL_OUTCOMES  # build.frame.outcomes names a subset
    for coverage, names, what in ((icb_coverage, ICB_OUTCOME_NAMES, "the ICB coverage (the icb source)"),
                                  (war_coverage, WAR_OUTCOME_NAMES, "the war coverage (the cow_war_inter source)")):
        if coverage is not None:
            continue
        asked = sorted(set(b.frame.outcomes) & set(names))
        if asked and explicit:
            raise ConfigError(f"build.frame.outcomes: {asked} need {what}, which is not given")
        selection["outcomes"] = tuple(o for o in selection["outcomes"] if o not in names)
    return FrameOptions(
        democracy=democracy_rules(b.democracy.plain()),
        mid_coverage=Coverage(int(mid_coverage[0]), int(mid_coverage[1])),
        ties_coverage=Coverage(int(ties_coverage[0]), int(ties_coverage[1])),
        icb_coverage=None if icb_coverage is None else Coverage(int(icb_coverage[0]), int(icb_coverage[1])),
        war_coverage=None if war_coverage is None else Coverage(int(war_coverage[0]), int(war_coverage[1])),
        peace_rule=b.peace_years.rule,
        ongoing=b.ongoing,
        use_lagged=b.lag.regressors,
        prd_max_conttype=b.controls.politically_relevant_max_conttype,
        contiguity_slice=b.controls.contiguity_slice,
        roles=roles or Roles(),
        **selection,
    )


def _subset(key: str, value: Any, known: Sequence[str]) -> tuple[str, ...]:
    """A configured list as a subset of ``known`` in ``known``'s order (config order is irrelevant)."""
    if value is None:
        return tuple(known)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"build.frame.{key}: expected a list of names from {list(known)}, got {value!r}")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ConfigError(f"build.frame.{key}: unknown name(s) {unknown}; known: {list(known)}")
    return tuple(k for k in known if k in value)


def frame_selection(section: Mapping[str, Any] | None, use_lagged: bool = False) -> dict[str, Any]:
    """The ``build.frame`` column selection as FrameOptions fields (absent keys: everything)."""
    frame = validated(FrameSelection, section, "build.frame")
    if use_lagged and not frame.lags:
        raise ConfigError("build.lag.regressors is true, so the frames need their _lag1 twins: "
                          "set build.frame.lags to true")
    return {
        "measures": _subset("democracy", frame.democracy, tuple(MEASURES)),
        "controls": _subset("controls", frame.controls, CONTROL_GROUPS),
        "outcomes": _subset("outcomes", frame.outcomes, ALL_OUTCOMES),
        "lags": frame.lags,
        "directed": frame.directed,
    }
