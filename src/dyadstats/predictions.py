"""Compatibility alias: the predictions code lives in :mod:`dyadstats.models.predictions`."""

from __future__ import annotations

from dyadstats.models.predictions import (
    GROUPS,
    REGIME_CONTRASTS,
    Z975,
    average_prediction,
    contrast_rows,
    counterfactual_design,
    counterfactual_predictions,
    model_predictions,
    observed_group_predictions,
    regime_contrast_rows,
    regime_counterfactual_predictions,
)

__all__ = [
    "GROUPS",
    "REGIME_CONTRASTS",
    "Z975",
    "average_prediction",
    "contrast_rows",
    "counterfactual_design",
    "counterfactual_predictions",
    "model_predictions",
    "observed_group_predictions",
    "regime_contrast_rows",
    "regime_counterfactual_predictions",
]
