"""Report options: the ``report:`` section of the run config, with its defaults filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dyadstats.errors import ConfigError

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")

DEFAULT_OUTCOMES = (
    "coercion_onset",
    "coercion_onset_limited",
    "mid_onset",
    "mid_onset_originators",
    "sanction_threat_onset",
    "sanction_imposition_onset",
)
DEFAULT_ERAS = (("1816-1945", 1816, 1945), ("1946-1989", 1946, 1989), ("1990-2014", 1990, 2014))
REGIME_PAIRS = ("joint democracy", "mixed", "joint autocracy")


@dataclass(frozen=True)
class Era:
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class ReportOptions:
    """What the report shows. Field docs are in workflow/schemas/config.schema.yaml."""

    title: str = "Do democracies coerce each other less?"
    question: str = (
        "Do pairs of democracies attempt coercion against each other less often than other "
        "pairs of states, once contiguity, power and alliances are held constant?"
    )
    main_model: str | None = None
    regime_model: str | None = None
    table_models: tuple[str, ...] = ()
    main_table_models: tuple[str, ...] = ()
    democracy_measure: str = "polity"
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    time_outcome: str = "coercion_onset"
    time_bin_years: int = 5
    eras: tuple[Era, ...] = tuple(Era(*e) for e in DEFAULT_ERAS)
    significance_levels: tuple[float, float, float] = (0.001, 0.01, 0.05)
    term_labels: Mapping[str, str] = field(default_factory=dict)
    drop_terms: tuple[str, ...] = ()
    multiverse_dir: str = "results/multiverse"

    @property
    def alpha(self) -> float:
        """The level at which the finding calls a result statistically significant."""
        return self.significance_levels[-1]


def _identifier(value: Any, key: str) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ConfigError(f"report.{key}: '{value}' is not a column name (lower snake_case)")
    return value


def report_options(section: Mapping[str, Any] | None) -> ReportOptions:
    """Build options from the config's ``report:`` mapping (missing keys take the defaults)."""
    section = dict(section or {})
    base = ReportOptions()
    eras = section.get("eras")
    levels = tuple(float(x) for x in section.get("significance_levels", base.significance_levels))
    if len(levels) != 3 or not (0 < levels[0] < levels[1] < levels[2] < 1):
        raise ConfigError(f"report.significance_levels: need three ascending p-values in (0, 1), got {list(levels)}")
    era_objs = (
        tuple(Era(str(e["label"]), int(e["start"]), int(e["end"])) for e in eras)
        if eras is not None
        else base.eras
    )
    for era in era_objs:
        if era.start > era.end:
            raise ConfigError(f"report.eras: era '{era.label}' starts after it ends ({era.start} > {era.end})")
    for pattern in section.get("drop_terms", ()):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"report.drop_terms: '{pattern}' is not a regular expression: {exc}") from exc
    return ReportOptions(
        title=str(section.get("title", base.title)),
        question=str(section.get("question", base.question)),
        main_model=section.get("main_model") or None,
        regime_model=section.get("regime_model") or None,
        table_models=tuple(section.get("table_models") or ()),
        main_table_models=tuple(section.get("main_table_models") or ()),
        democracy_measure=_identifier(section.get("democracy_measure", base.democracy_measure), "democracy_measure"),
        outcomes=tuple(_identifier(o, "outcomes") for o in section.get("outcomes", base.outcomes)),
        time_outcome=_identifier(section.get("time_outcome", base.time_outcome), "time_outcome"),
        time_bin_years=int(section.get("time_bin_years", base.time_bin_years)),
        eras=era_objs,
        significance_levels=(levels[0], levels[1], levels[2]),
        term_labels=dict(section.get("term_labels") or {}),
        drop_terms=tuple(section.get("drop_terms") or ()),
        multiverse_dir=str(section.get("multiverse_dir", base.multiverse_dir)),
    )
