"""Dyad-years with crossed random intercepts (state 1, state 2, dyad) and known truth: the
simulated data the mixed estimator's tests and its candidate benchmark share."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import expit


def crossed_frame(n_states: int, n_dyads: int, n_years: int, seed: int, *,
                  beta: Mapping[str, float], sd: Mapping[str, float], dem_share: float,
                  first_year: int = 0) -> pd.DataFrame:
    """``n_dyads`` distinct pairs of ``n_states`` states over ``n_years`` years.

    y ~ Bernoulli(logistic(beta[Intercept] + beta[x] x + beta[dem] dem + u1[ccode1] + u2[ccode2]
    + u_dyad)), with x ~ N(0, 1), dem ~ Bernoulli(dem_share) and the intercepts normal with the
    SDs ``sd[state_1]``, ``sd[state_2]``, ``sd[dyad]``. Country codes start at 2 (never 0).
    """
    rng = np.random.default_rng(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_dyads:
        a, b = sorted(rng.choice(n_states, 2, replace=False).tolist())
        pairs.add((a, b))
    pair = np.array(sorted(pairs))
    dyad = np.repeat(np.arange(n_dyads), n_years)
    c1, c2 = 2 + pair[dyad, 0], 2 + pair[dyad, 1]
    n = len(dyad)
    x = rng.normal(size=n)
    dem = (rng.random(n) < dem_share).astype(float)
    u1 = rng.normal(0, sd["state_1"], n_states + 2)
    u2 = rng.normal(0, sd["state_2"], n_states + 2)
    ud = rng.normal(0, sd["dyad"], n_dyads)
    eta = beta["Intercept"] + beta["x"] * x + beta["dem"] * dem + u1[c1] + u2[c2] + ud[dyad]
    return pd.DataFrame({
        "ccode1": c1, "ccode2": c2, "year": first_year + np.tile(np.arange(n_years), n_dyads),
        "x": x, "dem": dem, "y": (rng.random(n) < expit(eta)).astype(float),
    })
