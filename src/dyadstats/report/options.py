"""Report options: the ``report:`` section of the run config, with its defaults filled in
(defaults and checks: ``dyadstats.config.report.ReportConfig``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dyadstats.config import validated
from dyadstats.config.build import BuildConfig
from dyadstats.config.report import ReportConfig
from dyadstats.eras import era_periods

REGIME_PAIRS = ("joint democracy", "mixed", "joint autocracy")
_D = ReportConfig()  # the defaults
_B = BuildConfig()  # the default years, whose eras the rate table shows unless report.eras is set


@dataclass(frozen=True)
class Era:
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class ReportOptions:
    """What the report shows. Field docs: ``dyadstats.config.report.ReportConfig``."""

    title: str = _D.title
    question: str = _D.question
    main_model: str | None = _D.main_model
    regime_model: str | None = _D.regime_model
    table_models: tuple[str, ...] = tuple(_D.table_models)
    main_table_models: tuple[str, ...] = tuple(_D.main_table_models)
    democracy_measure: str = _D.democracy_measure
    outcomes: tuple[str, ...] = tuple(_D.outcomes)
    time_outcome: str = _D.time_outcome
    time_bin_years: int = _D.time_bin_years
    eras: tuple[Era, ...] = tuple(Era(*p) for p in era_periods(_B.first_year, _B.last_year))
    significance_levels: tuple[float, float, float] = (
        _D.significance_levels[0], _D.significance_levels[1], _D.significance_levels[2])
    term_labels: Mapping[str, str] = field(default_factory=dict)
    drop_terms: tuple[str, ...] = tuple(_D.drop_terms)
    multiverse_dir: str = _D.multiverse_dir

    @property
    def alpha(self) -> float:
        """The level at which the finding calls a result statistically significant."""
        return self.significance_levels[-1]


def report_options(section: Mapping[str, Any] | None,
                   years: tuple[int, int] | None = None) -> ReportOptions:
    """Build options from the config's ``report:`` mapping (missing keys take the defaults).

    ``years``: the build's first and last year, whose eras the rate table shows when
    ``report.eras`` is null (default: the build defaults').
    """
    r = validated(ReportConfig, section, "report")
    first, last = years or (_B.first_year, _B.last_year)
    levels = r.significance_levels
    return ReportOptions(
        title=r.title,
        question=r.question,
        main_model=r.main_model or None,
        regime_model=r.regime_model or None,
        table_models=tuple(r.table_models),
        main_table_models=tuple(r.main_table_models),
        democracy_measure=r.democracy_measure,
        outcomes=tuple(r.outcomes),
        time_outcome=r.time_outcome,
        time_bin_years=r.time_bin_years,
        eras=(tuple(Era(e.label, e.start, e.end) for e in r.eras) if r.eras is not None
              else tuple(Era(*p) for p in era_periods(first, last))),
        significance_levels=(levels[0], levels[1], levels[2]),
        term_labels=dict(r.term_labels),
        drop_terms=tuple(r.drop_terms),
        multiverse_dir=r.multiverse_dir,
    )
