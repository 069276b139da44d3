"""dyadstats: a reproducible dyad-year pipeline for the democratic peace and coercive diplomacy.

The Python API (``ds.dyad_years``, ``ds.logit``, ...; :mod:`dyadstats.api`) is imported on
first use, so ``import dyadstats`` stays cheap (no DuckDB, pandas or statsmodels).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public names served lazily from dyadstats.api.
_API = ("Frame", "LogitResult", "Recipe", "RecipeError", "dyad_years", "logit")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module("dyadstats.api"), name)
    raise AttributeError(f"module 'dyadstats' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
