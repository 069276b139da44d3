"""Models the report cannot show: failed fits (``model_fit.status``) and disabled specs.

The report lists the failed models at its top with their reasons, and a report option that
names a model which did not run (``main_model``, ``regime_model``, ``main_table_models``,
``table_models``) skips it with a note there instead of stopping the report; a name that is
no model at all is still an error (:mod:`dyadstats.report.regression`, ``finding``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dyadstats.models.spec import FIT_FAILED, disabled_models
from dyadstats.report.options import ReportOptions


@dataclass(frozen=True)
class FailedModel:
    model: str
    description: str
    reason: str


def split_fit(fit: pd.DataFrame) -> tuple[pd.DataFrame, list[FailedModel]]:
    """``model_fit`` -> (the fitted rows, the failed models in fit order). A table without a
    ``status`` column (written before models could fail) holds fitted rows only."""
    if "status" not in fit.columns:
        return fit, []
    failed = fit["status"] == FIT_FAILED
    rows = [FailedModel(str(r.model), str(r.description or ""),
                        # the list names the model already
                        str(r.failure_reason or "no reason recorded").removeprefix(f"model {str(r.model)!r}: "))
            for r in fit[failed].itertuples()]
    return fit[~failed].reset_index(drop=True), rows


def unavailable_models(config: Mapping[str, Any], failed: list[FailedModel]) -> dict[str, str]:
    """Model name -> why the report has no estimates for it (disabled, or failed)."""
    out = {name: "not run (models.only / models.disable)" for name in disabled_models(config.get("models") or {})}
    out.update({f.model: "failed (see the top of the report)" for f in failed})
    return out


def drop_unavailable(options: ReportOptions, unavailable: Mapping[str, str]) -> tuple[ReportOptions, list[str]]:
    """The options without the models that did not run, and a note per model left out."""
    notes: list[str] = []

    def keep(key: str, names: tuple[str, ...]) -> tuple[str, ...]:
        gone = [n for n in names if n in unavailable]
        notes.extend(f"report.{key} names {n}, which is {unavailable[n]}: left out" for n in gone)
        return tuple(n for n in names if n not in unavailable)

    changes: dict[str, Any] = {key: keep(key, getattr(options, key)) for key in ("main_table_models", "table_models")}
    for key in ("main_model", "regime_model"):
        name = getattr(options, key)
        if name in unavailable:
            notes.append(f"report.{key} names {name}, which is {unavailable[name]}: the default choice is used")
            changes[key] = None
    return dataclasses.replace(options, **changes), notes
