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

The world's regressors are drawn in :mod:`dyadstats.testing.sim_world`, the outcomes in
:mod:`dyadstats.testing.sim_outcomes`; this module assembles the frames.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
from scipy.special import logit, ndtr

from dyadstats.testing.sim_outcomes import (
    draw_outcome,
    lag_within_dyad,
    linear_predictor,
    peace_years,
    solve_intercept,
)
from dyadstats.testing.sim_world import DEFAULT_COEFFICIENTS, SimulationSpec, draw_world

__all__ = [
    "DEFAULT_COEFFICIENTS", "ERAS", "LAGGED", "MEASURES", "SimulationSpec", "linear_predictor",
    "simulate_analysis_frame", "simulate_directed_frame", "solve_intercept", "true_intercept",
]

ERAS: tuple[tuple[str, int, int], ...] = (
    ("1816-1945", 1816, 1945),
    ("1946-1989", 1946, 1989),
    ("1990-2014", 1990, 2014),
)


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
    world = draw_world(spec, rng)
    cols = world.columns
    eta = linear_predictor(cols, spec.coefficients)
    intercept = spec.intercept if spec.intercept is not None else solve_intercept(eta, spec.event_rate)
    coercion, peace = draw_outcome(rng, intercept + eta, spec.dyad_correlation, spec.peace_year_effects)
    force_eta = intercept - 0.3 - 1.0 * cols["joint_democracy_polity"] + 2.0 * cols["contiguity_land"]
    force, _ = draw_outcome(rng, force_eta, spec.dyad_correlation, (0.0, 0.0, 0.0))
    mid = np.maximum(coercion, force)
    limited = np.maximum(coercion, (force == 1) & (rng.uniform(size=force.shape) < 0.8)).astype(np.int8)
    sanction_eta = intercept + 0.2 - 0.4 * cols["joint_democracy_polity"] + 1.0 * cols["major_power_dyad"]
    sanction, _ = draw_outcome(rng, sanction_eta, 0.0, (0.0, 0.0, 0.0))
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
        py = peace if name == "coercion_onset" else peace_years(np.nan_to_num(arr).astype(np.int8))
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
        out[f"{name}_lag1"] = _arrow_column(name, lag_within_dyad(cols[name]))
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
    world = draw_world(spec, rng)
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
    py = peace_years(y).astype(float)

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
            out[f"{name}_lag1"] = _arrow_column(name, lag_within_dyad(both[name]))
    meta = {b"dyadstats.simulation.intercept": repr(float(intercept)).encode()}
    return pa.table(out).replace_schema_metadata(meta)
