"""Compare the two candidate libraries for estimator ``mixed`` on simulated crossed data.

Candidates: gpboost (``GPModel``, Laplace approximation, as dyadstats.models.mixed calls it) and
statsmodels' ``BinomialBayesMixedGLM.fit_vb`` (mean-field variational Bayes; L-BFGS-B, since
its default BFGS keeps a dense inverse Hessian over ~4,400 variational parameters and did not
finish in 15 minutes; statsmodels' default priors, ``scale_fe=True``, ``rng=0``).

Data: sized like the real politically relevant 1949-2001 sample (57,111 dyad-years, 1,853
dyads, 198 states): 190 states, 1,850 dyads x 31 years = 57,350 rows, known fixed effects and
random-intercept SDs for state 1, state 2 and the dyad. Prints, per candidate, the mean
estimate over the replications next to the truth, the mean reported SE (gpboost: the
covariance dyadstats reports; statsmodels: the posterior SD) and the median wall time.

Run: ``.venv/bin/python benchmarks/mixed_candidates.py [--reps 2] [--skip-statsmodels]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from dyadstats.models.mixed import DEFAULT_RANDOM_EFFECTS, fit_crossed_logit, group_codes
from dyadstats.testing.crossed import crossed_frame

BETA = {"Intercept": -4.5, "x": 0.5, "dem": -0.7}
SD = {"state_1": 0.7, "state_2": 0.5, "dyad": 0.9}


def simulate(n_states: int, n_dyads: int, n_years: int, seed: int) -> pd.DataFrame:
    """Dyad-years with crossed state-1, state-2 and dyad intercepts (truth: BETA, SD)."""
    return crossed_frame(n_states, n_dyads, n_years, seed, beta=BETA, sd=SD, dem_share=0.25)


def run_gpboost(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    start = time.perf_counter()
    fit = fit_crossed_logit(X, y, groups, DEFAULT_RANDOM_EFFECTS)
    seconds = time.perf_counter() - start
    se = np.sqrt(np.diag(fit.cov.to_numpy()))
    out = {"seconds": seconds}
    for j, term in enumerate(BETA):
        out[term], out[f"se_{term}"] = float(fit.params.iloc[j]), float(se[j])
    for effect in SD:
        out[f"sd_{effect}"] = float(fit.sd[effect])
    return out


def run_statsmodels(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    blocks, ident = [], []
    for j in range(groups.shape[1]):
        _, index = np.unique(groups[:, j], return_inverse=True)
        size = int(index.max()) + 1
        blocks.append(sp.csr_matrix((np.ones(len(y)), (np.arange(len(y)), index)), shape=(len(y), size)))
        ident += [j] * size
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BinomialBayesMixedGLM(y, X.to_numpy(), sp.hstack(blocks).tocsr(), np.array(ident))
        res = model.fit_vb(fit_method="L-BFGS-B", scale_fe=True, rng=0, minim_opts={"maxiter": 20000})
    seconds = time.perf_counter() - start
    out = {"seconds": seconds}
    for j, term in enumerate(BETA):
        out[term], out[f"se_{term}"] = float(res.fe_mean[j]), float(res.fe_sd[j])
    # vcp are log SDs; exp of the variational mean is the posterior median SD.
    for j, effect in enumerate(SD):
        out[f"sd_{effect}"] = float(np.exp(res.vcp_mean[j]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2, help="replications (seeds 1..reps)")
    parser.add_argument("--skip-statsmodels", action="store_true", help="gpboost only (fast)")
    args = parser.parse_args()
    threadpool_limits(limits=1)
    candidates = {"gpboost": run_gpboost}
    if not args.skip_statsmodels:
        candidates["statsmodels VB"] = run_statsmodels
    runs: dict[str, list[dict[str, float]]] = {c: [] for c in candidates}
    for seed in range(1, args.reps + 1):
        df = simulate(190, 1850, 31, seed)
        X = pd.DataFrame({"Intercept": 1.0, "x": df["x"], "dem": df["dem"]})
        y, groups = df["y"].to_numpy(), group_codes(df, DEFAULT_RANDOM_EFFECTS)
        print(f"seed {seed}: {len(y):,} rows, {int(y.sum()):,} events ({y.mean():.2%})", flush=True)
        for name, run in candidates.items():
            runs[name].append(run(X, y, groups))
            print(f"  {name}: {runs[name][-1]['seconds']:.1f} s", flush=True)
    rows = []
    for name, results in runs.items():
        mean = pd.DataFrame(results).mean()
        for term, truth in BETA.items():
            rows.append({"candidate": name, "parameter": term, "truth": truth,
                         "mean estimate": mean[term], "mean SE": mean[f"se_{term}"]})
        for effect, truth in SD.items():
            rows.append({"candidate": name, "parameter": f"SD {effect}", "truth": truth,
                         "mean estimate": mean[f"sd_{effect}"], "mean SE": float("nan")})
        rows.append({"candidate": name, "parameter": "median seconds", "truth": float("nan"),
                     "mean estimate": float(np.median([r["seconds"] for r in results])),
                     "mean SE": float("nan")})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
