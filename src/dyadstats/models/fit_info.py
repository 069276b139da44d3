"""The fit record's likelihood facts shared by every estimator (own fits and library ones)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def converged_info(log_likelihood: float, y: np.ndarray, iterations: int, k: int) -> dict[str, Any]:
    """The fit record of an own fit that converged cleanly (no warnings to pass on)."""
    return {"log_likelihood": log_likelihood, "ll_null": ll_null(y), "converged": True,
            "iterations": iterations, "warnings": [], "k": k}


def ll_null(y: np.ndarray) -> float:
    """Log-likelihood of the intercept-only logit (closed form)."""
    n, e = len(y), float(y.sum())
    if e in (0.0, float(n)):
        return 0.0
    pbar = e / n
    return e * math.log(pbar) + (n - e) * math.log1p(-pbar)
