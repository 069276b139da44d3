"""Coverage of 95% Wald intervals per covariance when dyads sharing a state are dependent.

Run: ``.venv/bin/python benchmarks/coverage_dyadic.py`` (options: ``--help``). Prints a table;
no file is written. The figures are in docs/models.md ("Dyadic dependence: coverage by covariance").

Data-generating process (non-directed dyad-years, every dyad of ``states`` states observed in
each of ``years`` years), with states a, b of dyad d and year t:

* regressor ``x_dt = sqrt(lam) (v_a + v_b)/sqrt(2) + sqrt(1 - lam) w_dt``: a state-level part
  shared by all of a state's dyads, plus dyad-year noise (all draws standard normal);
* latent index ``y*_dt = b0 + b1 x_dt + e_dt`` with the logistic error ``e_dt = logit(Phi(z_dt))``,
  ``z_dt = sqrt(rho_s) (u_a + u_b)/sqrt(2) + sqrt(rho_d) a_d + sqrt(1 - rho_s - rho_d) n_dt``:
  state shocks ``u`` shared by every dyad of the state in every year, a persistent dyad shock
  ``a_d`` and noise. ``z`` is exactly N(0, 1) and independent of x, so ``e`` is exactly standard
  logistic and ``P(y = 1 | x) = expit(b0 + b1 x)``: the fitted logit is the true marginal model
  and ``b1`` is the target of every interval. ``y = 1[y* > 0]``.

Scores of two dyads sharing a state are correlated (both x and e share that state's parts), so
intervals that treat dyads (or dyads and years) as independent clusters are too short; the
Aronow-Samii-Assenova dyadic-robust variance counts those pairs.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from functools import partial
from multiprocessing import Pool

import numpy as np
import statsmodels.api as sm
from scipy import stats
from scipy.special import logit, ndtr
from threadpoolctl import threadpool_limits

from dyadstats.models import covariance as dcov

COVARIANCES = ("nonrobust", "robust", "cluster (dyad)", "twoway (dyad, year)", "dyadic")
Z975 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Design:
    """Size and true parameters of one simulated panel."""

    states: int = 100
    years: int = 5
    b0: float = -1.5
    b1: float = 0.5
    lam: float = 0.3      # share of the regressor's variance that is state-level
    rho_s: float = 0.1    # share of the latent error's variance from the two states' shocks
    rho_d: float = 0.2    # share from the persistent dyad shock


def error_weights(rho_s: float, rho_d: float) -> tuple[float, float, float]:
    """Weights of (each state shock, dyad shock, noise) in z; their squares (state twice) sum to 1."""
    if rho_s < 0 or rho_d < 0 or rho_s + rho_d > 1:
        raise ValueError(f"need rho_s, rho_d >= 0 and rho_s + rho_d <= 1, got {rho_s}, {rho_d}")
    return float(np.sqrt(rho_s / 2)), float(np.sqrt(rho_d)), float(np.sqrt(1 - rho_s - rho_d))


def panel_layout(states: int, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(state a, state b, dyad index, year) per row, dyad-major, every dyad a < b in every year."""
    a, b = np.triu_indices(states, k=1)
    dyad = np.repeat(np.arange(len(a)), years)
    return a[dyad], b[dyad], dyad, np.tile(np.arange(years), len(a))


def simulate(design: Design, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One panel: columns state1, state2, dyad, year, x, y (see the module docstring)."""
    s1, s2, dyad, year = panel_layout(design.states, design.years)
    n, n_dyads = len(s1), int(dyad.max()) + 1
    v = rng.choice((-1.0, 1.0), size=design.states)
    x = np.sqrt(design.lam) * (v[s1] + v[s2]) / np.sqrt(2) + np.sqrt(1 - design.lam) * rng.standard_normal(n)
    ws, wd, wn = error_weights(design.rho_s, design.rho_d)
    u, a = rng.standard_normal(design.states), rng.standard_normal(n_dyads)
    z = ws * (u[s1] + u[s2]) + wd * a[dyad] + wn * rng.standard_normal(n)
    y = (design.b0 + design.b1 * x + logit(ndtr(z)) > 0).astype(float)
    return {"state1": s1, "state2": s2, "dyad": dyad, "year": year, "x": x, "y": y}


def standard_errors(panel: dict[str, np.ndarray]) -> tuple[float, dict[str, float]]:
    """Logit slope estimate and its standard error under each covariance."""
    X = np.column_stack([np.ones(len(panel["x"])), panel["x"]])
    res = sm.Logit(panel["y"], X).fit(method="newton", disp=0, tol=1e-10)
    scores, bread = dcov.logit_scores(X, panel["y"], res.params)
    covs = {
        "nonrobust": dcov.nonrobust(bread),
        "robust": dcov.robust(scores, bread),
        "cluster (dyad)": dcov.cluster(scores, bread, panel["dyad"]),
        "twoway (dyad, year)": dcov.twoway(scores, bread, panel["dyad"], panel["year"]),
        "dyadic": dcov.dyadic(scores, bread, panel["state1"], panel["state2"]),
    }
    return float(res.params[1]), {k: float(np.sqrt(c.matrix[1, 1])) for k, c in covs.items()}


def replicate(design: Design, seed: int, replication: int) -> tuple[float, dict[str, float]]:
    """One replication, seeded by (seed, replication): results do not depend on the job count."""
    with threadpool_limits(limits=1):
        return standard_errors(simulate(design, np.random.default_rng([seed, replication])))


def run(design: Design, replications: int, seed: int, jobs: int = 1) -> dict[str, dict[str, float]]:
    """Coverage, mean SE and the SD of the estimates over ``replications`` panels."""
    task = partial(replicate, design, seed)
    if jobs > 1:
        with Pool(jobs) as pool:
            draws = pool.map(task, range(replications), chunksize=max(1, replications // (8 * jobs)))
    else:
        draws = [task(r) for r in range(replications)]
    b = np.array([d[0] for d in draws])
    out = {}
    for k in COVARIANCES:
        s = np.array([d[1][k] for d in draws])
        covered = np.abs(b - design.b1) <= Z975 * s
        out[k] = {"coverage": float(covered.mean()), "mean_se": float(s.mean()),
                  "sd_estimate": float(b.std(ddof=1))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", type=int, default=Design.states)
    parser.add_argument("--years", type=int, default=Design.years)
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (results do not depend on it)")
    args = parser.parse_args()
    design = Design(states=args.states, years=args.years)
    start = time.perf_counter()
    table = run(design, args.replications, args.seed, args.jobs)
    elapsed = time.perf_counter() - start
    n = design.states * (design.states - 1) // 2 * design.years
    mc = np.sqrt(0.95 * 0.05 / args.replications)
    print(f"{design.states} states, {design.years} years ({n} dyad-years), b1 = {design.b1}, "
          f"lam = {design.lam}, rho_s = {design.rho_s}, rho_d = {design.rho_d}; "
          f"{args.replications} replications, seed {args.seed}; {elapsed:.0f} s")
    print(f"Monte Carlo SE of a 95% coverage: {100 * mc:.1f} points\n")
    sd = table["dyadic"]["sd_estimate"]
    print("| covariance | 95% CI coverage | mean SE | mean SE / SD of estimates |")
    print("|---|---:|---:|---:|")
    for k in COVARIANCES:
        r = table[k]
        print(f"| {k} | {100 * r['coverage']:.1f}% | {r['mean_se']:.4f} | {r['mean_se'] / sd:.2f} |")
    print(f"\nSD of the slope estimates over the replications: {sd:.4f}")


if __name__ == "__main__":
    main()
