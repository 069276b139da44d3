"""Designs and point estimates shared by the model jobs of one process (dyadstats.models.shared).

The reference is the unshared path (``fit_or_fail`` without ``shared``: one ``prepare`` and one
fit per spec); sharing must return exactly its tables, and must build each design once.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pandas as pd
import pytest

import dyadstats.models.shared as shared_mod
from dyadstats.models import fit_or_fail, parse_specs
from dyadstats.models.shared import SharedDesigns

RHS = "{joint_democracy} + contiguity_land"
BASE = {"outcome": "coercion_onset", "regressors": RHS, "time_dependence": "none",
        "sample": {"politically_relevant": False}}
#: Twins: the same sample and formula, different estimator or covariance.
TWINS = {
    "logit_cluster": {"covariance": "cluster"},
    "logit_robust": {"covariance": "robust"},
    "logit_dyadic": {"covariance": "dyadic"},
    "relogit": {"estimator": "relogit", "covariance": "cluster"},
    "firth": {"estimator": "firth", "covariance": "nonrobust"},
}


def specs(extra: dict | None = None) -> dict:
    return parse_specs({"specs": {n: {**BASE, **kw, **(extra or {})} for n, kw in TWINS.items()}})


def sim_frame(seed: int = 0, n_dyads: int = 60, years: int = 30) -> pd.DataFrame:
    """A simulated logit (known coefficients -3, -0.8, 0.9) on a dyad-year panel."""
    rng = np.random.default_rng(seed)
    c1 = np.repeat(np.arange(n_dyads) % 12 + 2, years)
    c2 = np.repeat(np.arange(n_dyads) // 12 + 100, years)
    year = np.tile(np.arange(1950, 1950 + years), n_dyads)
    jd = rng.binomial(1, 0.4, c1.size).astype(float)
    cont = np.repeat(rng.binomial(1, 0.5, n_dyads), years).astype(float)
    p = 1 / (1 + np.exp(-(-3 - 0.8 * jd + 0.9 * cont)))
    return pd.DataFrame({"ccode1": c1, "ccode2": c2, "year": year,
                         "coercion_onset": rng.binomial(1, p).astype(float),
                         "joint_democracy_polity": jd, "contiguity_land": cont,
                         "polity2_1": np.where(jd == 1, 8.0, -4.0), "polity2_2": 7.0})


@pytest.fixture
def frame_path(tmp_path):
    path = tmp_path / "frame.parquet"
    sim_frame().to_parquet(path, index=False)
    return str(path)


@pytest.fixture
def prepares(monkeypatch):
    """Count the designs the shared cache builds."""
    calls: list[str] = []
    real = shared_mod.prepare

    def counting(source, spec):
        calls.append(getattr(spec, "spec", spec).name)
        return real(source, spec)

    monkeypatch.setattr(shared_mod, "prepare", counting)
    return calls


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.estimates, b.estimates, check_exact=True)
    pd.testing.assert_frame_equal(a.predictions, b.predictions, check_exact=True)
    assert a.fit.keys() == b.fit.keys()
    for key in a.fit:
        x, y = a.fit[key], b.fit[key]
        assert x == y or (isinstance(x, float) and np.isnan(x) and np.isnan(y)), key


def test_twins_share_one_design_and_match_unshared_fits(frame_path, prepares) -> None:
    cache = SharedDesigns()
    sp = specs()
    got = {n: fit_or_fail(frame_path, s, cache) for n, s in sp.items()}
    assert prepares == ["logit_cluster"]  # one design for all five
    for name, spec in sp.items():
        want = fit_or_fail(frame_path, spec)
        assert_same(got[name], want)
        assert got[name].fit["model"] == name and got[name].estimates["model"].eq(name).all()
    # relogit shares the logit MLE; the logit twins' estimates are equal, their SEs are not
    est = {n: r.estimates.set_index("term") for n, r in got.items()}
    assert est["logit_robust"]["estimate"].equals(est["logit_cluster"]["estimate"])
    assert not est["logit_robust"]["std_error"].equals(est["logit_cluster"]["std_error"])


def test_other_sample_or_formula_gets_its_own_design(frame_path, prepares) -> None:
    cache = SharedDesigns()
    one = specs()["logit_cluster"]
    later = specs({"sample": {"politically_relevant": False, "years": [1960, 1979]}})["logit_cluster"]
    fewer = specs({"regressors": "{joint_democracy}"})["logit_cluster"]
    results = [fit_or_fail(frame_path, s, cache) for s in (one, later, fewer)]
    assert len(prepares) == 3
    assert [r.fit["n_obs"] for r in results] == [1800, 1200, 1800]
    for spec, result in zip((one, later, fewer), results, strict=True):
        assert_same(result, fit_or_fail(frame_path, spec))


def test_rewritten_frame_file_is_read_again(frame_path, prepares) -> None:
    cache = SharedDesigns()
    spec = specs()["logit_cluster"]
    first = fit_or_fail(frame_path, spec, cache)
    sim_frame(seed=1).to_parquet(frame_path, index=False)
    st = os.stat(frame_path)
    os.utime(frame_path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a new mtime for sure
    second = fit_or_fail(frame_path, spec, cache)
    assert len(prepares) == 2
    assert not first.estimates["estimate"].equals(second.estimates["estimate"])
    assert_same(second, fit_or_fail(frame_path, spec))


def test_in_memory_frames_are_not_cached(prepares) -> None:
    cache = SharedDesigns()
    df = sim_frame()
    a = fit_or_fail(df, specs()["logit_cluster"], cache)
    fit_or_fail(df, specs()["logit_robust"], cache)
    assert len(prepares) == 2 and not cache._entries  # prepared each time, nothing kept
    assert_same(a, fit_or_fail(df, specs()["logit_cluster"]))


def test_size_bound_drops_least_recently_used(frame_path) -> None:
    cache = SharedDesigns(max_bytes=1)
    for years in ([1950, 1959], [1960, 1969], [1970, 1979]):
        fit_or_fail(frame_path, specs({"sample": {"politically_relevant": False, "years": years}})["logit_cluster"], cache)
    assert len(cache._entries) == 1  # only the last design is kept


def test_threads_build_a_design_once(frame_path, prepares) -> None:
    cache = SharedDesigns()
    sp = specs()
    out: dict = {}
    threads = [threading.Thread(target=lambda n=n, s=s: out.__setitem__(n, fit_or_fail(frame_path, s, cache)))
               for n, s in sp.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(prepares) == 1
    for name, spec in sp.items():
        assert_same(out[name], fit_or_fail(frame_path, spec))
