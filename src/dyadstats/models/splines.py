"""patsy's natural cubic regression spline ``cr()``, evaluated once per distinct value.

Peace years take a few hundred distinct values over a million dyad-years, and patsy evaluates
the basis row by row, which made the spline the costliest part of a spline design. This
``cr`` is patsy's own :class:`patsy.mgcv_cubic_splines.CR` with one change: ``transform``
evaluates the basis at the distinct values and indexes the rows into it. The knots and the
centering constraint are still memorized from every row, so the columns are patsy's (each row's
basis depends only on its value and that memorized state; ``tests/unit/models/test_splines.py``
compares the two), and a design built with it keeps its state for counterfactual designs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import patsy
from patsy.mgcv_cubic_splines import CR


class DistinctValueCR(CR):  # type: ignore[misc]
    """patsy's ``cr`` state: knots and constraints from all rows, the basis per distinct value."""

    def transform(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        values = np.atleast_1d(np.asarray(x, dtype=float))
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            return super().transform(x, *args, **kwargs)  # patsy's own error for bad input
        distinct, rows = np.unique(values, return_inverse=True)
        basis = np.asarray(super().transform(distinct, *args, **kwargs))[rows]
        if isinstance(x, pd.Series | pd.DataFrame):
            return pd.DataFrame(basis, index=x.index)
        return basis


#: The formula function ``cr(...)`` (a patsy stateful transform, as patsy's own ``cr``).
cr = patsy.stateful_transform(DistinctValueCR)
