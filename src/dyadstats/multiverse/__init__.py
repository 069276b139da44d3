"""Multiverse: every defensible coding and modelling choice, estimated as a specification curve.

A *choice space* (config ``multiverse.choices``) lists the levels of each decision a reviewer
could reasonably make differently: the coercion coding, the democracy measure, its threshold,
joint democracy vs the weakest link or the three-category regime contrast, the sample, the era, the time-dependence control, the
estimator and the lag. :func:`expand` takes their Cartesian product in a fixed order and drops
the combinations that make no sense, each with its reason (:class:`Skipped`), e.g. a threshold
for BMR (a published dichotomy) or an era outside a measure's coverage. What remains are
:class:`Specification` objects, each carrying a :class:`~dyadstats.models.ModelSpec`.

Specifications are estimated in chunks that Snakemake runs as separate jobs
(:func:`chunk_specifications`, :func:`run_chunk`). A chunk reads the analysis frame once,
projected to the columns its specifications need, brings them into NumPy once and builds each
design from those arrays (:mod:`~dyadstats.multiverse.prepared`; what it does not cover goes
through :func:`dyadstats.models.prepare`); specifications that differ only in the estimator or
the covariance share the design, and each estimator is fitted once per design with warm starts
from its neighbours (:mod:`~dyadstats.multiverse.fits`; the fit row, notes and separation checks
are :func:`dyadstats.models.fit_design`'s). :func:`gather` concatenates
the chunks into ``model_multiverse`` (one row per specification: choices, joint-democracy
estimate, SE, CI, p, N, events) and writes the summary counts and which choices move the
estimate most (:func:`summary_counts`, :func:`choice_effects`).

Reference: Simonsohn, Simmons & Nelson (2020), "Specification curve analysis", Nature Human
Behaviour 4.

Modules: :mod:`~dyadstats.multiverse.space` (dimensions and the choice space),
:mod:`~dyadstats.multiverse.expansion` (specifications, skip rules, chunks),
:mod:`~dyadstats.multiverse.estimate` (fitting a chunk), :mod:`~dyadstats.multiverse.prepared`
(designs from the chunk's arrays), :mod:`~dyadstats.multiverse.fits` (warm-started fits, sandwiches
from dyad sums), :mod:`~dyadstats.multiverse.memory` (malloc reuse in chunk jobs) and
:mod:`~dyadstats.multiverse.summary` (gather, counts, choice effects). Every public name is
re-exported here, imported on first use: ``from dyadstats import multiverse as mv`` works as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Where each re-exported name lives: a name is imported on first use, so reading the choice
#: space (every workflow run parses it) does not import the fitting code with pandas and scipy.
_HOMES = {
    "TABLE_COLUMNS": "dyadstats.multiverse.estimate",
    "column_sd": "dyadstats.multiverse.estimate",
    "estimate_specifications": "dyadstats.multiverse.estimate",
    "needed_columns": "dyadstats.multiverse.estimate",
    "rescale_weak_link": "dyadstats.multiverse.estimate",
    "run_chunk": "dyadstats.multiverse.estimate",
    "spec_table": "dyadstats.multiverse.estimate",
    "Expansion": "dyadstats.multiverse.expansion",
    "Skipped": "dyadstats.multiverse.expansion",
    "Specification": "dyadstats.multiverse.expansion",
    "chunk_ids": "dyadstats.multiverse.expansion",
    "chunk_specifications": "dyadstats.multiverse.expansion",
    "expand": "dyadstats.multiverse.expansion",
    "model_spec": "dyadstats.multiverse.expansion",
    "skip_reason": "dyadstats.multiverse.expansion",
    "skip_summary": "dyadstats.multiverse.expansion",
    "DEFAULT_THRESHOLD": "dyadstats.multiverse.space",
    "DIMENSIONS": "dyadstats.multiverse.space",
    "ESTIMATORS": "dyadstats.multiverse.space",
    "LINKS": "dyadstats.multiverse.space",
    "MEASURE_YEARS": "dyadstats.multiverse.space",
    "MV_COVARIANCES": "dyadstats.multiverse.space",
    "REGIME_LINK_REFERENCE": "dyadstats.multiverse.space",
    "SAMPLES": "dyadstats.multiverse.space",
    "TIME_CONTROLS": "dyadstats.multiverse.space",
    "ChoiceSpace": "dyadstats.multiverse.space",
    "Era": "dyadstats.multiverse.space",
    "MultiverseConfigError": "dyadstats.multiverse.space",
    "Threshold": "dyadstats.multiverse.space",
    "choice_space": "dyadstats.multiverse.space",
    "choice_effects": "dyadstats.multiverse.summary",
    "gather": "dyadstats.multiverse.summary",
    "report_summary": "dyadstats.multiverse.summary",
    "summary_counts": "dyadstats.multiverse.summary",
}

if TYPE_CHECKING:
    from dyadstats.multiverse.estimate import (
        TABLE_COLUMNS,
        column_sd,
        estimate_specifications,
        needed_columns,
        rescale_weak_link,
        run_chunk,
        spec_table,
    )
    from dyadstats.multiverse.expansion import (
        Expansion,
        Skipped,
        Specification,
        chunk_ids,
        chunk_specifications,
        expand,
        model_spec,
        skip_reason,
        skip_summary,
    )
    from dyadstats.multiverse.space import (
        DEFAULT_THRESHOLD,
        DIMENSIONS,
        ESTIMATORS,
        LINKS,
        MEASURE_YEARS,
        MV_COVARIANCES,
        REGIME_LINK_REFERENCE,
        SAMPLES,
        TIME_CONTROLS,
        ChoiceSpace,
        Era,
        MultiverseConfigError,
        Threshold,
        choice_space,
    )
    from dyadstats.multiverse.summary import (
        choice_effects,
        gather,
        report_summary,
        summary_counts,
    )


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_THRESHOLD", "DIMENSIONS", "ESTIMATORS", "LINKS", "MEASURE_YEARS", "MV_COVARIANCES",
    "REGIME_LINK_REFERENCE", "SAMPLES", "TABLE_COLUMNS", "TIME_CONTROLS", "ChoiceSpace", "Era",
    "Expansion", "MultiverseConfigError", "Skipped", "Specification", "Threshold", "choice_effects",
    "choice_space", "chunk_ids", "chunk_specifications", "column_sd", "estimate_specifications",
    "expand", "gather", "model_spec", "needed_columns", "report_summary", "rescale_weak_link",
    "run_chunk", "skip_reason", "skip_summary", "spec_table", "summary_counts",
]
