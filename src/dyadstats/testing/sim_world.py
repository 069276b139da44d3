"""The simulated world behind :mod:`dyadstats.testing.simulate`: the simulation's size and true
parameters, and every regressor column drawn as (dyad, year) arrays (regimes, geography,
capabilities, alliances; see that module's data-generating process)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

#: True coefficients of the default data-generating process (frame column -> log odds).
DEFAULT_COEFFICIENTS: dict[str, float] = {
    "joint_democracy_polity": -0.7,
    "contiguity_land": 2.0,
    "capability_ratio": 0.6,
    "major_power_dyad": 1.2,
    "defense_pact": 0.3,
}



@dataclass(frozen=True)
class SimulationSpec:
    """Size and true parameters of one synthetic analysis frame."""

    n_states: int = 100
    n_years: int = 199
    start_year: int = 1816
    coefficients: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COEFFICIENTS))
    #: Intercept of the outcome logit; ``None`` solves it so that the mean probability
    #: (without peace-year effects) equals ``event_rate``.
    intercept: float | None = None
    event_rate: float = 0.001
    dyad_correlation: float = 0.0
    peace_year_effects: Sequence[float] = (0.0, 0.0, 0.0)
    seed: int = 20240601

    @property
    def n_dyads(self) -> int:
        return self.n_states * (self.n_states - 1) // 2

    @property
    def n_rows(self) -> int:
        return self.n_dyads * self.n_years


@dataclass
class SimWorld:
    """State- and dyad-level arrays shared by the outcome draws; arrays are (dyads, years)."""

    years: np.ndarray
    ccode: np.ndarray
    i: np.ndarray
    j: np.ndarray
    columns: dict[str, np.ndarray]


def _ar1(rng: np.random.Generator, n: int, t: int, rho: float, sd: float) -> np.ndarray:
    """n independent stationary AR(1) paths of length t (unit marginal sd times ``sd``)."""
    out = np.empty((n, t))
    out[:, 0] = rng.standard_normal(n)
    shock = math.sqrt(1.0 - rho * rho)
    for k in range(1, t):
        out[:, k] = rho * out[:, k - 1] + shock * rng.standard_normal(n)
    return out * sd


def draw_world(spec: SimulationSpec, rng: np.random.Generator) -> SimWorld:
    """Draw states, dyads and every regressor column."""
    s, t = spec.n_states, spec.n_years
    if s < 3 or s > 998:
        raise ValueError(f"n_states must be in 3..998 (dyad_id = ccode1*1000 + ccode2), got {s}")
    if t < 2:
        raise ValueError(f"n_years must be at least 2, got {t}")
    years = np.arange(spec.start_year, spec.start_year + t)
    ccode = np.sort(rng.choice(np.arange(2, 1000), size=s, replace=False)).astype(np.int16)
    i, j = np.triu_indices(s, k=1)
    cols: dict[str, np.ndarray] = {}

    # Regimes: persistent latent score per state-year, a state-level mean plus AR(1) drift.
    latent = rng.normal(0.0, 1.0, size=(s, 1)) + _ar1(rng, s, t, 0.97, 0.8)
    polity2 = np.clip(np.rint(latent * 6.0), -10, 10)
    polyarchy = expit(1.6 * latent + rng.normal(0, 0.3, size=(s, t)))
    uds = 0.8 * latent + rng.normal(0, 0.2, size=(s, t))
    bmr = (latent + rng.normal(0, 0.3, size=(s, t)) > 0.3).astype(float)
    dem_state = {
        "polity": (polity2 >= 6).astype(float),
        "vdem": (polyarchy >= 0.5).astype(float),
        "uds": (uds > 0).astype(float),
        "bmr": bmr,
    }
    for name, arr in (("polity2", polity2), ("v2x_polyarchy", polyarchy), ("uds_mean", uds)):
        a, b = arr[i], arr[j]
        cols[f"{name}_1"], cols[f"{name}_2"] = a, b
        cols[f"min_{name}"], cols[f"max_{name}"] = np.minimum(a, b), np.maximum(a, b)
    cols["bmr_democracy_1"], cols["bmr_democracy_2"] = bmr[i], bmr[j]
    for m, d in dem_state.items():
        a, b = d[i], d[j]
        cols[f"dem_{m}_1"], cols[f"dem_{m}_2"] = a, b
        cols[f"joint_democracy_{m}"] = a * b
        cols[f"joint_autocracy_{m}"] = (1 - a) * (1 - b)
        cols[f"mixed_dyad_{m}"] = 1 - a * b - (1 - a) * (1 - b)

    # Geography: contiguity types by distance on the unit square (time-invariant). The land
    # radius gives each state about three land neighbours at any n_states, as in the COW data.
    xy = rng.uniform(size=(s, 2))
    dist = np.hypot(*(xy[i] - xy[j]).T)
    r = math.sqrt(3.0 / (math.pi * (s - 1)))
    conttype = np.select(
        [dist < r, dist < 1.15 * r, dist < 1.25 * r, dist < 1.35 * r, dist < 1.7 * r],
        [1, 2, 3, 4, 5],
        default=0,
    ).astype(float)
    cols["conttype"] = np.repeat(conttype[:, None], t, axis=1)
    cols["contiguity_land"] = (cols["conttype"] == 1).astype(float)
    cols["contiguity_any"] = (cols["conttype"] >= 1).astype(float)
    cols["contiguity_150"] = ((cols["conttype"] >= 1) & (cols["conttype"] <= 4)).astype(float)
    cols["mindist"] = np.repeat((np.maximum(dist - r, 0.0) * 8000.0)[:, None], t, axis=1)

    # Capabilities and major powers.
    log_cinc = rng.normal(-6.0, 1.3, size=(s, 1)) + _ar1(rng, s, t, 0.95, 0.3)
    cinc = np.exp(log_cinc)
    cinc = cinc / cinc.sum(axis=0, keepdims=True)
    a, b = cinc[i], cinc[j]
    cols["cinc_1"], cols["cinc_2"] = a, b
    cols["capability_ratio"] = np.minimum(a, b) / np.maximum(a, b)
    cols["log_capability_ratio"] = np.log(np.maximum(a, b) / np.minimum(a, b))
    n_major = max(1, s // 20)
    majors = np.zeros(s)
    majors[np.argsort(-cinc.mean(axis=1))[:n_major]] = 1.0
    cols["major_power_1"] = np.repeat(majors[i][:, None], t, axis=1)
    cols["major_power_2"] = np.repeat(majors[j][:, None], t, axis=1)
    cols["major_power_dyad"] = np.maximum(cols["major_power_1"], cols["major_power_2"])
    cols["politically_relevant"] = np.maximum(cols["contiguity_any"], cols["major_power_dyad"])

    # Defence pacts: one spell for a minority of dyads, likelier between neighbours.
    n_dyads = len(i)
    has_pact = rng.uniform(size=n_dyads) < np.where(conttype > 0, 0.35, 0.03)
    start = rng.integers(0, t, size=n_dyads)
    length = rng.integers(5, 60, size=n_dyads)
    k = np.arange(t)[None, :]
    pact = (has_pact[:, None] & (k >= start[:, None]) & (k < (start + length)[:, None])).astype(float)
    cols["defense_pact"] = pact
    cols["defense_pact_atop"] = np.maximum(pact, (rng.uniform(size=(n_dyads, 1)) < 0.02) * 1.0)
    return SimWorld(years=years, ccode=ccode, i=i, j=j, columns=cols)

