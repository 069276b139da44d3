"""The choice space: dimensions, their levels (config ``multiverse.choices``) and parsing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dyadstats.errors import ConfigError
from dyadstats.models import COVARIANCES as MV_COVARIANCES
from dyadstats.models import (
    MEASURES,
)

log = logging.getLogger("dyadstats.multiverse")


#: Choice dimensions in expansion order (outermost first). The estimator and the covariance are
#: innermost so that specifications sharing one design matrix are adjacent and land in the same
#: chunk.
DIMENSIONS = ("outcome", "democracy", "threshold", "link", "lag", "sample", "era", "time", "estimator",
              "covariance")
#: joint: the joint-democracy dummy against all other dyads; weak_link: the lower score (per SD);
#: regime_vs_*: the three-category regime pair, focal = joint democracy against that reference.
LINKS = ("joint", "weak_link", "regime_vs_autocracy", "regime_vs_mixed")
REGIME_LINK_REFERENCE = {"regime_vs_autocracy": "joint_autocracy", "regime_vs_mixed": "mixed"}
SAMPLES = ("all", "politically_relevant")
TIME_CONTROLS = ("cubic", "splines")
ESTIMATORS = ("logit", "firth")
DEFAULT_THRESHOLD = "default"

#: Years each democracy measure has scores for (the releases in data/sources.yaml). An era that
#: misses a measure's coverage has no sample; two eras that coincide within it are duplicates.
MEASURE_YEARS: dict[str, tuple[int, int]] = {
    "polity": (1800, 2018),   # Polity5 p5v2018
    "vdem": (1789, 2024),     # V-Dem v15
    "bmr": (1800, 2020),      # Boix-Miller-Rosato v4
    "uds": (1946, 2012),      # Unified Democracy Scores, 2014 release
}

#: Columns of the spec-level table, in order.

class MultiverseConfigError(ConfigError):
    """The ``multiverse:`` config section is inconsistent."""


# --------------------------------------------------------------------------------------------
# Choice space
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    """A named year window (``years=None``: the whole build range)."""

    label: str
    years: tuple[int, int] | None = None


@dataclass(frozen=True)
class Threshold:
    """A named democracy coding: ``default`` is the frame's own; others cut each measure's score."""

    label: str
    cuts: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ChoiceSpace:
    """The declared levels of every dimension and the fixed parts of each model."""

    outcomes: tuple[str, ...]
    democracy: tuple[str, ...]
    thresholds: tuple[Threshold, ...]
    links: tuple[str, ...]
    lags: tuple[int, ...]
    samples: tuple[str, ...]
    eras: tuple[Era, ...]
    time: tuple[str, ...]
    estimators: tuple[str, ...]
    controls: str
    covariances: tuple[str, ...] = ("cluster",)
    spline_df: int = 3
    firth_samples: tuple[str, ...] = ("politically_relevant",)
    build_years: tuple[int, int] = (1816, 2014)
    measure_years: Mapping[str, tuple[int, int]] = field(default_factory=lambda: dict(MEASURE_YEARS))

    def levels(self) -> dict[str, list[str]]:
        """Every dimension's level labels, in declared order (the figure's indicator rows)."""
        return {
            "outcome": list(self.outcomes),
            "democracy": list(self.democracy),
            "threshold": [t.label for t in self.thresholds],
            "link": list(self.links),
            "lag": [str(x) for x in self.lags],
            "sample": list(self.samples),
            "era": [e.label for e in self.eras],
            "time": list(self.time),
            "estimator": list(self.estimators),
            "covariance": list(self.covariances),
        }


def _unique(name: str, values: Sequence[Any], allowed: Iterable[Any] | None = None) -> tuple[Any, ...]:
    values = list(values)
    if not values:
        raise MultiverseConfigError(f"multiverse.choices.{name}: at least one level is required")
    if len(set(map(str, values))) != len(values):
        raise MultiverseConfigError(f"multiverse.choices.{name}: levels repeat: {values}")
    if allowed is not None:
        allowed = list(allowed)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise MultiverseConfigError(f"multiverse.choices.{name}: unknown level(s) {bad}; known: {allowed}")
    return tuple(values)


def choice_space(section: Mapping[str, Any], build: Mapping[str, Any] | None = None) -> ChoiceSpace:
    """Parse the ``multiverse:`` config section (already schema-validated) into a choice space."""
    choices = dict(section.get("choices") or {})
    build = build or {}
    thresholds = []
    for raw in choices.get("threshold") or [{"label": DEFAULT_THRESHOLD}]:
        raw = dict(raw)
        label = str(raw.pop("label"))
        if label == DEFAULT_THRESHOLD and raw:
            raise MultiverseConfigError("multiverse.choices.threshold: 'default' is the frame's coding; give it no cuts")
        unknown = set(raw) - set(MEASURES)
        if unknown:
            raise MultiverseConfigError(f"multiverse.choices.threshold {label!r}: unknown measure(s) {sorted(unknown)}")
        thresholds.append(Threshold(label, {m: float(v) for m, v in sorted(raw.items())}))
    _unique("threshold", [t.label for t in thresholds])
    eras = []
    for raw in choices.get("era") or [{"label": "all years", "years": None}]:
        years = raw.get("years")
        if years is not None and (len(years) != 2 or int(years[0]) > int(years[1])):
            raise MultiverseConfigError(f"multiverse.choices.era {raw['label']!r}: years must be [first, last]")
        eras.append(Era(str(raw["label"]), None if years is None else (int(years[0]), int(years[1]))))
    _unique("era", [e.label for e in eras])
    measure_years = dict(MEASURE_YEARS)
    for m, span in (section.get("measure_years") or {}).items():
        measure_years[m] = (int(span[0]), int(span[1]))
    space = ChoiceSpace(
        outcomes=_unique("outcome", choices.get("outcome") or ["coercion_onset"]),
        democracy=_unique("democracy", choices.get("democracy") or ["polity"], MEASURES),
        thresholds=tuple(thresholds),
        links=_unique("link", choices.get("link") or ["joint"], LINKS),
        lags=_unique("lag", [int(x) for x in choices.get("lag") or [0]], (0, 1)),
        samples=_unique("sample", choices.get("sample") or ["all"], SAMPLES),
        eras=tuple(eras),
        time=_unique("time", choices.get("time") or ["cubic"], TIME_CONTROLS),
        estimators=_unique("estimator", choices.get("estimator") or ["logit"], ESTIMATORS),
        controls=str(section.get("controls", "")).strip(),
        covariances=_unique("covariance", choices.get("covariance") or [str(section.get("covariance", "cluster"))],
                            MV_COVARIANCES),
        spline_df=int(section.get("spline_df", 3)),
        firth_samples=tuple(section.get("firth_samples", ("politically_relevant",))),
        build_years=(int(build.get("first_year", 1816)), int(build.get("last_year", 2014))),
        measure_years=measure_years,
    )
    if "{" in space.controls:
        raise MultiverseConfigError(
            "multiverse.controls: name frame columns only; the democracy term is added per specification"
        )
    return space
