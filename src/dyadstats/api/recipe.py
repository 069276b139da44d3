"""The recipe a chain of verbs records: which dyad-years, events, measures and controls.

A :class:`Recipe` is plain, hashable data; nothing in this module reads a file or runs a stage.
:mod:`dyadstats.api.build` turns a recipe into the ``build`` config section the workflow's
stage functions take, and :class:`dyadstats.api.frame.Frame` holds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

#: Event sources the verbs know: the MID sources, TIES sanctions, ICB crises and COW inter-state wars.
MID_EVENT_SOURCES = ("mid5", "dyadic_mid402")
OTHER_EVENT_SOURCES = ("ties", "icb", "war")
#: Verb -> the frame's control groups (``dyadstats.frame.controls.CONTROL_SOURCES``).
ALLIANCE_SOURCES = {"cow": "cow_alliance", "atop": "atop_alliance"}
#: ``filter_prd`` needs the contiguity and major-power columns (politically_relevant).
PRD_GROUPS = ("contiguity", "majors")


class RecipeError(ValueError):
    """A verb got an argument it cannot use (names the verb, the argument and the choices)."""


def choice(verb: str, arg: str, value: Any, allowed: tuple[Any, ...] | list[Any]) -> Any:
    """``value`` if it is one of ``allowed``, else a RecipeError saying what is allowed."""
    if value not in allowed:
        raise RecipeError(f"{verb}({arg}={value!r}): expected one of {list(allowed)}")
    return value


@dataclass(frozen=True)
class Recipe:
    """Everything the verbs asked for, in canonical form (verb order does not matter: every
    column is computed on the whole universe and filters apply to the finished frame)."""

    first_year: int = 1816
    last_year: int = 2014
    directed: bool = False
    #: the MID source (build.events.source); None: no MID verb (the events stage runs mid5)
    mid_source: str | None = None
    whittle_order: tuple[str, ...] | None = None
    ongoing: str = "keep"
    #: outcome columns asked for, in the order asked
    outcomes: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    #: measure -> (threshold, rule) overrides of the default democracy coding
    democracy_rules: tuple[tuple[str, float, str], ...] = ()
    #: control groups asked for (their columns are shown)
    controls: tuple[str, ...] = ()
    contiguity_slice: str = "lowest"
    prd: bool = False
    prd_max_conttype: int = 5
    peace_years: bool = False
    peace_rule: str = "onset"
    lags: bool = False
    #: a workflow config file whose manifest, mirrors, extra_sources and roles apply
    config: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    def with_(self, **changes: Any) -> Recipe:
        return replace(self, **changes)

    def add_outcomes(self, names: tuple[str, ...]) -> Recipe:
        return self.with_(outcomes=tuple(dict.fromkeys((*self.outcomes, *names))))

    def add_controls(self, *groups: str) -> Recipe:
        return self.with_(controls=tuple(dict.fromkeys((*self.controls, *groups))))

    def build_groups(self) -> tuple[str, ...]:
        """Control groups the build needs: those asked for, and what the filters read."""
        extra = PRD_GROUPS if self.prd else ()
        return tuple(dict.fromkeys((*self.controls, *extra)))

    def build_section(self) -> dict[str, Any]:
        """The ``build`` config section of this recipe (the workflow's own keys and meaning)."""
        from dyadstats.frame.options import CONTROL_GROUPS

        groups = self.build_groups()
        events: dict[str, Any] = {"source": self.mid_source or "mid5"}
        if self.whittle_order is not None:
            events["whittle_order"] = list(self.whittle_order)
        return {
            "first_year": self.first_year,
            "last_year": self.last_year,
            "events": events,
            "democracy": {m: {"threshold": t, "rule": r} for m, t, r in self.democracy_rules},
            "controls": {"politically_relevant_max_conttype": self.prd_max_conttype,
                         "contiguity_slice": self.contiguity_slice},
            "peace_years": {"rule": self.peace_rule},
            "ongoing": self.ongoing,
            "lag": {"regressors": False},
            "frame": {
                "directed": self.directed,
                "democracy": list(self.measures),
                # canonical order: the frame's columns come in CONTROL_GROUPS order anyway
                "controls": [g for g in CONTROL_GROUPS if g in groups],
                "outcomes": list(self.outcomes),
                "lags": self.lags,
            },
        }


def event_outcomes(source: str, directed: bool) -> tuple[str, ...]:
    """Every outcome column an event source gives a (directed) frame."""
    from dyadstats.events.icb import ICB_DIRECTED_OUTCOMES, ICB_OUTCOMES
    from dyadstats.events.war import WAR_DIRECTED_OUTCOMES, WAR_OUTCOMES
    from dyadstats.frame.outcomes import (
        MID_DIRECTED_OUTCOMES,
        MID_OUTCOMES,
        TIES_DIRECTED_OUTCOMES,
        TIES_OUTCOMES,
    )

    table = {
        "mid": (MID_DIRECTED_OUTCOMES if directed else MID_OUTCOMES),
        "ties": (TIES_DIRECTED_OUTCOMES if directed else TIES_OUTCOMES),
        "icb": (ICB_DIRECTED_OUTCOMES if directed else ICB_OUTCOMES),
        "war": (WAR_DIRECTED_OUTCOMES if directed else WAR_OUTCOMES),
    }
    return tuple(table["mid" if source in MID_EVENT_SOURCES else source])


def pick_outcomes(verb: str, source: str, directed: bool, outcomes: Any) -> tuple[str, ...]:
    """The outcomes a verb asks for: all of the source's by default, else a checked subset."""
    known = event_outcomes(source, directed)
    if outcomes is None:
        return known
    if isinstance(outcomes, str):
        outcomes = (outcomes,)
    unknown = [o for o in outcomes if o not in known]
    if unknown:
        frame = "directed" if directed else "non-directed"
        raise RecipeError(f"{verb}(outcomes=...): {unknown} are not {source} outcomes of the "
                          f"{frame} frame; expected some of {list(known)}")
    return tuple(outcomes)


def check_whittle_order(order: Any) -> tuple[str, ...] | None:
    """A whittle order as the events stage validates it (None: the default order)."""
    if order is None:
        return None
    from dyadstats.errors import ConfigError
    from dyadstats.events.whittle import resolve_whittle_order

    try:
        return tuple(resolve_whittle_order(list(order)))
    except ConfigError as exc:
        raise RecipeError(f"add_mids(whittle_order=...): {exc}") from None
