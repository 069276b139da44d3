"""The choice space: dimensions, their levels (config ``multiverse.choices``) and parsing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dyadstats.config import validated, vocab
from dyadstats.config.build import BuildConfig
from dyadstats.config.multiverse import DEFAULT_THRESHOLD, MeasureYears, MultiverseConfig
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
LINKS = vocab.LINKS
REGIME_LINK_REFERENCE = {"regime_vs_autocracy": "joint_autocracy", "regime_vs_mixed": "mixed"}
SAMPLES = vocab.SAMPLE_CHOICES
TIME_CONTROLS = vocab.TIME_CONTROLS
ESTIMATORS = vocab.MULTIVERSE_ESTIMATORS

#: Years each democracy measure has scores for (the releases in data/sources.yaml). An era that
#: misses a measure's coverage has no sample; two eras that coincide within it are duplicates.
MEASURE_YEARS: dict[str, tuple[int, int]] = {
    m: (span[0], span[1]) for m, span in MeasureYears().plain().items()  # dyadstats.config.multiverse
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


_MV, _BUILD = MultiverseConfig(), BuildConfig()  # the defaults (dyadstats.config)


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
    covariances: tuple[str, ...] = (_MV.covariance,)
    spline_df: int = _MV.spline_df
    firth_samples: tuple[str, ...] = tuple(_MV.firth_samples)
    build_years: tuple[int, int] = (_BUILD.first_year, _BUILD.last_year)
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
    """Parse the ``multiverse:`` config section into a choice space (defaults and allowed levels:
    ``dyadstats.config.multiverse.MultiverseConfig``)."""
    mv = validated(MultiverseConfig, section, "multiverse", MultiverseConfigError)
    b = validated(BuildConfig, build, "build", MultiverseConfigError)
    choices = mv.choices
    thresholds = []
    for t in choices.threshold:
        cuts = {m: float(v) for m, v in sorted(t.plain().items()) if m != "label"}
        if t.label == DEFAULT_THRESHOLD and cuts:
            raise MultiverseConfigError("multiverse.choices.threshold: 'default' is the frame's coding; give it no cuts")
        thresholds.append(Threshold(t.label, cuts))
    _unique("threshold", [t.label for t in thresholds])
    eras = [Era(e.label, None if e.years is None else (e.years[0], e.years[1])) for e in choices.era]
    _unique("era", [e.label for e in eras])
    space = ChoiceSpace(
        outcomes=_unique("outcome", choices.outcome),
        democracy=_unique("democracy", choices.democracy, MEASURES),
        thresholds=tuple(thresholds),
        links=_unique("link", choices.link, LINKS),
        lags=_unique("lag", choices.lag, vocab.LAG_CHOICES),
        samples=_unique("sample", choices.sample, SAMPLES),
        eras=tuple(eras),
        time=_unique("time", choices.time, TIME_CONTROLS),
        estimators=_unique("estimator", choices.estimator, ESTIMATORS),
        controls=mv.controls.strip(),
        covariances=_unique("covariance", choices.covariance or [mv.covariance], MV_COVARIANCES),
        spline_df=mv.spline_df,
        firth_samples=tuple(mv.firth_samples),
        build_years=(b.first_year, b.last_year),
        measure_years={m: (span[0], span[1]) for m, span in mv.measure_years.plain().items()},
    )
    if "{" in space.controls:
        raise MultiverseConfigError(
            "multiverse.controls: name frame columns only; the democracy term is added per specification"
        )
    return space
