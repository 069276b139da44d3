"""Sandwiches from per-dyad score sums equal the models stage's covariances."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dyadstats.models import ModelSpec
from dyadstats.models import covariance as dcov
from dyadstats.multiverse.fits import dyad_sums, sums_covariance


def _design(n_states: int = 12, n_years: int = 9, seed: int = 0) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(2, n_states + 2) for b in range(a + 1, n_states + 2)]
    rows = [(a * 1000 + b, a, b, t) for a, b in pairs for t in range(n_years) if rng.random() < 0.8]
    ids, c1, c2, years = map(np.array, zip(*rows, strict=True))
    data = pd.DataFrame({"ccode1": c1, "ccode2": c2, "year": years})
    return SimpleNamespace(groups=ids, data=data, column=lambda name: data[name].to_numpy())


def _spec(covariance: str) -> ModelSpec:
    return ModelSpec(name="m", outcome="y", regressors="x", covariance=covariance)


@pytest.mark.parametrize("covariance", ["cluster", "dyadic"])
def test_sums_covariance_equals_the_models_stage(covariance: str) -> None:
    design = _design()
    n = len(design.groups)
    rng = np.random.default_rng(1)
    scores, a = rng.normal(size=(n, 4)), rng.normal(size=(4, 4))
    bread = np.linalg.inv(a @ a.T + 4 * np.eye(4))
    runs = dyad_sums(design)
    assert runs is not None
    ours = sums_covariance(_spec(covariance), scores, bread, runs)
    if covariance == "cluster":
        theirs = dcov.cluster(scores, bread, design.groups, "dyad")
    else:
        theirs = dcov.dyadic(scores, bread, design.data["ccode1"].to_numpy(), design.data["ccode2"].to_numpy())
    np.testing.assert_allclose(ours.matrix, theirs.matrix, rtol=1e-12, atol=1e-15)
    assert (ours.n_clusters, ours.note) == (theirs.n_clusters, theirs.note)


def test_other_covariances_and_unsorted_or_ambiguous_clusters_are_left_to_the_models_stage() -> None:
    design = _design()
    runs = dyad_sums(design)
    assert sums_covariance(_spec("robust"), np.ones((len(design.groups), 2)), np.eye(2), runs) is None
    shuffled = SimpleNamespace(groups=design.groups[::-1], column=lambda c: design.column(c)[::-1])
    assert dyad_sums(shuffled) is None
    twice = SimpleNamespace(groups=np.arange(len(design.groups)), column=design.column)  # one id per row
    assert dyad_sums(twice) is None
