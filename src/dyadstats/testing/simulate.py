"""Synthetic analysis frames with known logit coefficients.

Used by the model verification tests (does the pipeline recover the true coefficients, do its
95% intervals cover them, are clustered errors right when outcomes are correlated within
dyads?) and by the performance benchmark (a frame of any size with the data contract's column
names).

Data-generating process (non-directed dyad-years, every dyad observed every year)
-------------------------------------------------------------------------------
* States get a latent regime score that follows a persistent AR(1) walk. Polity2 is its
  rounded, clipped image in [-10, 10]; V-Dem polyarchy, UDS and BMR are noisy monotone
  transforms of the same latent score, so the measures disagree a little as real ones do.
  ``dem_<m>_<side>`` codes democracy with the usual thresholds (polity2 >= 6, polyarchy >= 0.5,
  UDS mean > 0, BMR as is); ``joint_democracy_<m>`` etc. follow.
* States sit at random points on the unit square: distance decides COW contiguity type and
  ``mindist``; capabilities (CINC) are log-normal with a slow AR(1) drift; the states with the
  largest mean capabilities are major powers; some dyads share a defence pact for one spell.
* The outcome ``coercion_onset`` is drawn from a logit with known coefficients on frame columns
  (``coefficients``). Two kinds of dependence within a dyad are available:

  - ``dyad_correlation`` (rho): the latent logistic error of dyad d in year t is
    ``logit(Phi(z))`` with ``z = sqrt(rho) a_d + sqrt(1 - rho) e_dt`` (a Gaussian copula).
    Each error is still exactly standard logistic, so P(y = 1 | x) is *exactly* the logit
    with the given coefficients (the population-averaged model is the fitted model), while
    outcomes of one dyad are positively correlated: naive standard errors are then too small
    and dyad-clustered ones are right.
  - ``peace_year_effects`` (g1, g2, g3): state dependence through a cubic in the years since
    the dyad's last onset. Then the conditional logit given the peace-year terms is exact.

  Combine the two only for benchmarks: with both, the peace-year terms are correlated with the
  dyad's persistent error, so no simple logit is the true model.

Columns are built with numpy in (dyad, year) arrays and returned as one Arrow table in dyad-
major order with compact types (int16 codes, int8 dummies, float32 scores) to stay lean at
millions of rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from scipy.special import expit, logit, ndtr

ERAS: tuple[tuple[str, int, int], ...] = (
    ("1816-1945", 1816, 1945),
    ("1946-1989", 1946, 1989),
    ("1990-2014", 1990, 2014),
)

#: True coefficients of the default data-generating process (frame column -> log odds).
DEFAULT_COEFFICIENTS: dict[str, float] = {
    "joint_democracy_polity": -0.7,
    "contiguity_land": 2.0,
    "capability_ratio": 0.6,
    "major_power_dyad": 1.2,
    "defense_pact": 0.3,
}

#: Measures whose dem/joint/mixed/autocracy columns the simulator writes.
MEASURES = ("polity", "vdem", "bmr", "uds")

#: Time-varying regressors that get a ``_lag1`` twin.
LAGGED = (
    "polity2_1", "polity2_2", "min_polity2", "max_polity2",
    "v2x_polyarchy_1", "v2x_polyarchy_2", "min_v2x_polyarchy", "max_v2x_polyarchy",
    "uds_mean_1", "uds_mean_2", "min_uds_mean", "max_uds_mean",
    "bmr_democracy_1", "bmr_democracy_2",
    *(f"{c}_{m}" for m in MEASURES for c in ("joint_democracy", "mixed_dyad", "joint_autocracy")),
    *(f"dem_{m}_{s}" for m in MEASURES for s in (1, 2)),
    "cinc_1", "cinc_2", "capability_ratio", "log_capability_ratio",
    "major_power_1", "major_power_2", "major_power_dyad", "defense_pact", "defense_pact_atop",
    "conttype", "contiguity_land", "contiguity_any", "contiguity_150", "politically_relevant",
)


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
class _World:
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


def _world(spec: SimulationSpec, rng: np.random.Generator) -> _World:
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
    return _World(years=years, ccode=ccode, i=i, j=j, columns=cols)


def linear_predictor(columns: Mapping[str, np.ndarray], coefficients: Mapping[str, float]) -> np.ndarray:
    """Sum of coefficient x column over the named frame columns (no intercept)."""
    eta = None
    for name, beta in coefficients.items():
        if name not in columns:
            raise KeyError(f"simulation coefficient names unknown column {name!r}")
        term = beta * columns[name]
        eta = term if eta is None else eta + term
    if eta is None:
        raise ValueError("at least one coefficient is needed")
    return eta


def solve_intercept(eta: np.ndarray, event_rate: float) -> float:
    """The intercept a such that mean(expit(a + eta)) equals ``event_rate`` (bisection)."""
    if not 0.0 < event_rate < 1.0:
        raise ValueError(f"event_rate must be in (0, 1), got {event_rate}")
    lo, hi = -30.0, 30.0
    flat = eta.ravel()
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if expit(mid + flat).mean() < event_rate:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _logistic_errors(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> np.ndarray:
    """Standard-logistic errors, equicorrelated within a row (dyad) via a Gaussian copula."""
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"dyad_correlation must be in [0, 1), got {rho}")
    z = rng.standard_normal(shape)
    if rho > 0:
        z = math.sqrt(rho) * rng.standard_normal((shape[0], 1)) + math.sqrt(1.0 - rho) * z
    u = np.clip(ndtr(z), 1e-15, 1 - 1e-15)
    return logit(u)


def _draw_outcome(
    rng: np.random.Generator,
    eta: np.ndarray,
    rho: float,
    peace_effects: Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """Onsets y (dyads x years) and the peace years in force when each year began.

    Peace years count the years since the dyad's last onset (0 in its first year and in the
    year after an onset), the convention of the cubic-in-peace-years literature.
    """
    err = _logistic_errors(rng, eta.shape, rho)
    g1, g2, g3 = (float(g) for g in peace_effects)
    if g1 == g2 == g3 == 0.0:
        y = (err < eta).astype(np.int8)
        return y, _peace_years(y)
    y = np.zeros(eta.shape, dtype=np.int8)
    peace = np.zeros(eta.shape)
    since = np.zeros(eta.shape[0])
    for k in range(eta.shape[1]):
        peace[:, k] = since
        lin = eta[:, k] + g1 * since + g2 * since**2 + g3 * since**3
        y[:, k] = err[:, k] < lin
        since = np.where(y[:, k] == 1, 0.0, since + 1.0)
    return y, peace


def _peace_years(y: np.ndarray) -> np.ndarray:
    """Years since the last onset before each year (dyads x years), vectorised over dyads."""
    n, t = y.shape
    k = np.arange(t)
    # Index of the last onset strictly before year k (or -1 if none): running max of onset years.
    marks = np.where(y == 1, k[None, :], -1)
    last = np.maximum.accumulate(marks, axis=1)
    before = np.concatenate([np.full((n, 1), -1), last[:, :-1]], axis=1)
    return np.where(before < 0, k[None, :], k[None, :] - before - 1).astype(float)


def _lag(arr: np.ndarray) -> np.ndarray:
    """The previous year's value within each dyad (NaN in the first year)."""
    out = np.empty_like(arr, dtype=float)
    out[:, 0] = np.nan
    out[:, 1:] = arr[:, :-1]
    return out


_INT8_PREFIXES = (
    "joint_democracy", "mixed_dyad", "joint_autocracy", "dem_", "major_power", "contiguity",
    "defense_pact", "politically_relevant", "bmr_democracy", "conttype",
)
_FLOAT32_PREFIXES = ("cinc", "v2x", "uds", "mindist")


def _column_type(name: str) -> type:
    """Compact storage type for a frame column: int8 dummies/codes, int32 counts, float32 scores."""
    base = name.removesuffix("_lag1")
    if base.startswith("peace_years"):
        return np.int32
    if base.startswith(_INT8_PREFIXES):
        return np.int8
    if base.startswith(_FLOAT32_PREFIXES):
        return np.float32
    return np.float64


def _to_arrow(arr: np.ndarray, dtype: type) -> pa.Array:
    """Flatten (dyads, years) to dyad-major order as an Arrow array; NaN becomes NULL."""
    flat = arr.ravel()
    mask = np.isnan(flat) if flat.dtype.kind == "f" else None
    if mask is not None and not mask.any():
        mask = None
    if np.issubdtype(dtype, np.integer) and mask is not None:
        flat = np.where(mask, 0, flat)
    return pa.array(flat.astype(dtype), mask=mask)


def _arrow_column(name: str, arr: np.ndarray) -> pa.Array:
    return _to_arrow(arr, _column_type(name))


def simulate_analysis_frame(spec: SimulationSpec | None = None, **overrides: object) -> pa.Table:
    """A synthetic ``analysis_dyad_years`` frame with the data contract's column names.

    ``coercion_onset`` follows the logit of ``spec.coefficients`` (plus ``spec.intercept`` or
    the intercept that yields ``spec.event_rate``). ``mid_onset`` adds separate use-of-force
    onsets (so it is a superset, as in the real coding); ``sanction_threat_onset`` is an
    independent logit, NULL outside 1945-2005 as TIES. Peace-year columns are computed from the
    simulated onsets. The true intercept is stored in the schema metadata.
    """
    spec = spec or SimulationSpec()
    if overrides:
        spec = SimulationSpec(**{**spec.__dict__, **overrides})
    rng = np.random.default_rng(spec.seed)
    world = _world(spec, rng)
    cols = world.columns
    eta = linear_predictor(cols, spec.coefficients)
    intercept = spec.intercept if spec.intercept is not None else solve_intercept(eta, spec.event_rate)
    coercion, peace = _draw_outcome(rng, intercept + eta, spec.dyad_correlation, spec.peace_year_effects)
    force_eta = intercept - 0.3 - 1.0 * cols["joint_democracy_polity"] + 2.0 * cols["contiguity_land"]
    force, _ = _draw_outcome(rng, force_eta, spec.dyad_correlation, (0.0, 0.0, 0.0))
    mid = np.maximum(coercion, force)
    limited = np.maximum(coercion, (force == 1) & (rng.uniform(size=force.shape) < 0.8)).astype(np.int8)
    sanction_eta = intercept + 0.2 - 0.4 * cols["joint_democracy_polity"] + 1.0 * cols["major_power_dyad"]
    sanction, _ = _draw_outcome(rng, sanction_eta, 0.0, (0.0, 0.0, 0.0))
    ties_cover = (world.years >= 1945) & (world.years <= 2005)

    n_dyads, t = eta.shape
    out: dict[str, pa.Array] = {}
    c1 = world.ccode[world.i].astype(np.int64)
    c2 = world.ccode[world.j].astype(np.int64)
    out["ccode1"] = pa.array(np.repeat(c1, t))
    out["ccode2"] = pa.array(np.repeat(c2, t))
    year = np.tile(world.years.astype(np.int64), n_dyads)
    out["year"] = pa.array(year)
    out["dyad_id"] = pa.array(np.repeat(c1 * 1000 + c2, t))
    era = np.full(t, None, dtype=object)
    for label, lo, hi in ERAS:
        era[(world.years >= lo) & (world.years <= hi)] = label
    out["era"] = pa.array(np.tile(era, n_dyads), type=pa.string())

    outcomes = {
        "coercion_onset": coercion,
        "coercion_onset_limited": limited,
        "mid_onset": mid,
        "sanction_threat_onset": np.where(ties_cover[None, :], sanction, np.nan),
    }
    for name, arr in outcomes.items():
        arr = arr.astype(float)
        out[name] = _to_arrow(arr, np.int8)
        py = peace if name == "coercion_onset" else _peace_years(np.nan_to_num(arr).astype(np.int8))
        if name == "sanction_threat_onset":
            py = np.where(ties_cover[None, :], py, np.nan)
        for power, suffix in ((1, ""), (2, "_2"), (3, "_3")):
            out[f"peace_years_{name}{suffix}"] = _to_arrow(py**power, np.int32)
    del coercion, force, mid, limited, sanction
    for m in MEASURES:
        jd, mx = cols[f"joint_democracy_{m}"], cols[f"mixed_dyad_{m}"]
        pair = np.where(jd == 1, "joint democracy", np.where(mx == 1, "mixed", "joint autocracy"))
        out[f"regime_pair_{m}"] = pa.array(pair.ravel(), type=pa.string())
    for name in sorted(cols):
        out[name] = _arrow_column(name, cols[name])
    for name in LAGGED:
        out[f"{name}_lag1"] = _arrow_column(name, _lag(cols[name]))
    meta = {
        b"dyadstats.simulation.intercept": repr(float(intercept)).encode(),
        b"dyadstats.simulation.seed": str(spec.seed).encode(),
    }
    return pa.table(out).replace_schema_metadata(meta)


def true_intercept(table: pa.Table) -> float:
    """The intercept the simulator used (stored in the table's schema metadata)."""
    return float(table.schema.metadata[b"dyadstats.simulation.intercept"])


def simulate_directed_frame(spec: SimulationSpec | None = None, **overrides: object) -> pa.Table:
    """A synthetic ``analysis_directed_dyad_years`` frame (both directions of every dyad).

    ``coercion_initiated`` follows a logit with ``spec.coefficients``, where the names
    ``dem_polity_1``/``dem_polity_2`` (challenger/target democracy) may appear; symmetric dyad
    columns are copied to both directions, side-specific ones (``*_1``/``*_2``) are swapped.
    """
    spec = spec or SimulationSpec(
        coefficients={"dem_polity_1": -0.3, "dem_polity_2": -0.5, "contiguity_land": 2.0,
                      "capability_ratio": 0.6, "major_power_dyad": 1.2, "defense_pact": 0.3}
    )
    if overrides:
        spec = SimulationSpec(**{**spec.__dict__, **overrides})
    rng = np.random.default_rng(spec.seed)
    world = _world(spec, rng)
    cols = world.columns
    side = {n for n in cols if n.endswith(("_1", "_2"))}
    swapped = {n: cols[n[:-1] + ("2" if n.endswith("1") else "1")] if n in side else cols[n] for n in cols}
    both = {n: np.concatenate([cols[n], swapped[n]], axis=0) for n in cols}
    eta = linear_predictor(both, spec.coefficients)
    intercept = spec.intercept if spec.intercept is not None else solve_intercept(eta, spec.event_rate)
    # Both directions of a dyad share the copula's dyad component (they are one cluster).
    n_dyads, t = cols["conttype"].shape
    z = rng.standard_normal((2 * n_dyads, t))
    if spec.dyad_correlation > 0:
        a = np.tile(rng.standard_normal((n_dyads, 1)), (2, 1))
        z = math.sqrt(spec.dyad_correlation) * a + math.sqrt(1 - spec.dyad_correlation) * z
    err = logit(np.clip(ndtr(z), 1e-15, 1 - 1e-15))
    y = (err < intercept + eta).astype(np.int8)
    py = _peace_years(y).astype(float)

    c_lo = world.ccode[world.i].astype(np.int64)
    c_hi = world.ccode[world.j].astype(np.int64)
    c1 = np.concatenate([c_lo, c_hi])
    c2 = np.concatenate([c_hi, c_lo])
    out: dict[str, pa.Array] = {
        "ccode1": pa.array(np.repeat(c1, t)),
        "ccode2": pa.array(np.repeat(c2, t)),
        "year": pa.array(np.tile(world.years.astype(np.int64), 2 * n_dyads)),
        "coercion_initiated": _to_arrow(y.astype(float), np.int8),
    }
    for power, suffix in ((1, ""), (2, "_2"), (3, "_3")):
        out[f"peace_years_coercion_initiated{suffix}"] = _to_arrow(py**power, np.int32)
    for name in sorted(both):
        out[name] = _arrow_column(name, both[name])
    for name in LAGGED:
        if name in both:
            out[f"{name}_lag1"] = _arrow_column(name, _lag(both[name]))
    meta = {b"dyadstats.simulation.intercept": repr(float(intercept)).encode()}
    return pa.table(out).replace_schema_metadata(meta)
