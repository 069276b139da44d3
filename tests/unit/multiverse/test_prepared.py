"""The multiverse's NumPy designs are the models stage's designs (DuckDB + patsy)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import patsy
import pyarrow as pa
import pytest

from dyadstats import multiverse as mv
from dyadstats.models import frame_columns, prepare, resolve
from dyadstats.multiverse.prepared import (
    build_design,
    cr_center_basis,
    distinct_values,
    load_chunk_frame,
)
from dyadstats.testing.simulate import simulate_analysis_frame

CONTROLS = "contiguity_land + capability_ratio + major_power_dyad + defense_pact"


@pytest.fixture(scope="module")
def frame() -> pa.Table:
    table = simulate_analysis_frame(n_states=25, n_years=100, start_year=1915, event_rate=0.02, seed=7)
    # Shuffled rows and some missing scores: the design must sort and delete listwise as prepare() does.
    order = np.random.default_rng(1).permutation(table.num_rows)
    table = table.take(pa.array(order))
    polity = table.column("polity2_1").to_numpy(zero_copy_only=False).astype(float)
    polity[::17] = np.nan
    return table.set_column(table.schema.get_field_index("polity2_1"), "polity2_1",
                            pa.array(polity, mask=np.isnan(polity)))


def _specs() -> list[mv.Specification]:
    section = {"controls": CONTROLS, "firth_samples": ["politically_relevant"], "choices": {
        "democracy": ["polity"], "threshold": [{"label": "default"}, {"label": "strict", "polity": 7}],
        "link": ["joint", "weak_link", "regime_vs_autocracy"], "lag": [0, 1],
        "sample": ["all", "politically_relevant"],
        "era": [{"label": "all years"}, {"label": "1946-2014", "years": [1946, 2014]}],
        "time": ["cubic", "splines"], "estimator": ["logit"], "covariance": ["cluster"]}}
    return mv.expand(mv.choice_space(section, {"first_year": 1816, "last_year": 2014})).specifications


def test_designs_equal_prepare(frame: pa.Table) -> None:
    specs = _specs()
    available = frame_columns(frame)
    resolved = [resolve(s.model, available) for s in specs]
    assert any(r.derived for r in resolved)  # threshold-coded columns are covered
    chunk = load_chunk_frame(frame, resolved)
    for spec, res in zip(specs, resolved, strict=True):
        ours, theirs = build_design(chunk, res), prepare(frame, res)
        assert ours is not None, spec.slug
        assert list(ours.X.columns) == list(theirs.X.columns), spec.slug
        np.testing.assert_allclose(ours.X.to_numpy(), theirs.X.to_numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(ours.y, theirs.y)
        np.testing.assert_array_equal(ours.groups, theirs.groups)
        for key in ("ccode1", "ccode2", "year"):
            np.testing.assert_array_equal(ours.data[key].to_numpy(), theirs.data[key].to_numpy())
        assert (ours.n_sample, ours.dropped_by_column) == (theirs.n_sample, theirs.dropped_by_column)


def test_unsupported_shapes_are_left_to_prepare(frame: pa.Table) -> None:
    spec = _specs()[0]
    available = frame_columns(frame)
    chunk = load_chunk_frame(frame, [])
    logged = resolve(dataclasses.replace(spec.model, regressors="log(capability_ratio)"), available)
    assert build_design(chunk, logged) is None
    era = resolve(dataclasses.replace(spec.model, sample=dataclasses.replace(spec.model.sample, era="cold_war")),
                  available)
    assert build_design(chunk, era) is None


def test_centred_spline_is_patsys() -> None:
    x = np.random.default_rng(3).integers(0, 80, 5000).astype(float)
    ours = cr_center_basis(x, 3)
    theirs = patsy.dmatrix("cr(x, df=3, constraints='center') - 1", pd.DataFrame({"x": x}))
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("values", [
    np.array([3.0, 0.0, 7.0, 3.0, 3.0, 12.0, 0.0]),            # small whole numbers: counted
    np.array([2.5, 0.0, 2.5, -1.0]),                           # fractions and negatives: sorted
    np.array([float(1 << 17), 1.0, 1.0]),                      # beyond COUNTED_MAX: sorted
    np.random.default_rng(4).integers(0, 300, 5000).astype(float),
])
def test_distinct_values_equal_numpy_unique(values: np.ndarray) -> None:
    got = distinct_values(values)
    want = np.unique(values, return_inverse=True, return_counts=True)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype.kind == b.dtype.kind
