"""The multiverse's shared fits and warm starts give exactly what one fit per specification gives."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from dyadstats import multiverse as mv
from dyadstats.models import fit_design, prepare
from dyadstats.testing.simulate import simulate_analysis_frame

CONTROLS = "contiguity_land + capability_ratio + major_power_dyad + defense_pact"


@pytest.fixture(scope="module")
def frame() -> pa.Table:
    return simulate_analysis_frame(n_states=30, n_years=120, start_year=1895, event_rate=0.015, seed=4)


@pytest.fixture(scope="module")
def expansion() -> mv.Expansion:
    section = {"controls": CONTROLS, "firth_samples": ["politically_relevant"], "choices": {
        "democracy": ["polity"], "link": ["joint", "weak_link"], "lag": [0, 1],
        "sample": ["all", "politically_relevant"], "time": ["cubic", "splines"],
        "estimator": ["logit", "firth"], "covariance": ["cluster", "dyadic", "robust"]}}
    return mv.expand(mv.choice_space(section, {"first_year": 1816, "last_year": 2014}))


def _one_fit_per_spec(frame: pa.Table, spec: mv.Specification) -> dict[str, float]:
    """The old path: a fresh design and a cold fit for every specification."""
    result = fit_design(prepare(frame, spec.model), spec.model)
    row = result.estimates.set_index("term").loc[result.fit["focal_term"]]
    scale = mv.column_sd(frame, result.fit["focal_term"]) if spec.choices["link"] == "weak_link" else 1.0
    return {"estimate": row["estimate"] * scale, "std_error": row["std_error"] * scale,
            "p_value": row["p_value"], "n_obs": result.fit["n_obs"],
            "converged": result.fit["converged"], "notes": result.fit["notes"]}


def test_shared_fits_and_warm_starts_equal_one_fit_per_specification(frame, expansion):
    specs = expansion.specifications
    assert len(specs) == 72 and len({s.design_key for s in specs}) == 16
    new = mv.estimate_specifications(frame, specs).set_index("spec_id")
    assert (new["status"] == "ok").all()
    for spec in specs:
        old = _one_fit_per_spec(frame, spec)
        got = new.loc[spec.spec_id]
        assert got["estimate"] == pytest.approx(old["estimate"], rel=1e-8, abs=1e-12), spec.slug
        assert got["std_error"] == pytest.approx(old["std_error"], rel=1e-8), spec.slug
        assert got["p_value"] == pytest.approx(old["p_value"], rel=1e-6, abs=1e-12), spec.slug
        assert got["n_obs"] == old["n_obs"] and bool(got["converged"]) == old["converged"]
        assert got["notes"] == old["notes"], spec.slug


def test_one_fit_serves_every_covariance(frame, expansion, monkeypatch):
    calls: list[str] = []

    def counting(real):
        def fit(design, spec, *args):
            calls.append(spec.estimator)
            return real(design, spec, *args)
        return fit

    monkeypatch.setattr(mv.estimate, "fit_logit", counting(mv.estimate.fit_logit))
    monkeypatch.setattr(mv.estimate, "fit_firth", counting(mv.estimate.fit_firth))
    specs = expansion.specifications[:12]
    rows = mv.estimate_specifications(frame, specs)
    designs = len({s.design_key for s in specs})
    n_estimators = len({(s.design_key, s.choices["estimator"]) for s in specs})
    assert len(calls) == n_estimators < len(specs)
    assert designs < n_estimators  # Firth and logit on the politically relevant sample
    # three covariances of one fit: one estimate, three standard errors
    first = rows[rows["spec_id"].isin([s.spec_id for s in specs[:3]])]
    assert first["estimate"].nunique() == 1 and first["std_error"].nunique() == 3
    assert np.isfinite(rows["std_error"]).all()


def test_firth_falls_back_to_firthmodels_with_the_same_answer(frame, expansion, monkeypatch):
    specs = [s for s in expansion.specifications if s.choices["estimator"] == "firth"][:6]
    fast = mv.estimate_specifications(frame, specs).set_index("spec_id")
    monkeypatch.setattr(mv.fits, "firth_logit", lambda *args, **kwargs: None)
    library = mv.estimate_specifications(frame, specs).set_index("spec_id")
    assert (fast["status"] == "ok").all() and (library["status"] == "ok").all()
    for col in ("estimate", "std_error", "p_value"):
        np.testing.assert_allclose(fast[col], library[col], rtol=1e-7, atol=1e-12)
    assert list(fast["notes"]) == list(library["notes"])


def test_a_chunk_of_lagged_specifications_reads_the_unlagged_names_it_resolves(frame, expansion, tmp_path):
    # Resolution lags the controls only when it sees both names: a chunk of lag-1 specs read
    # from a path must resolve against the whole frame, not against the columns it read.
    import pyarrow.parquet as pq

    path = tmp_path / "frame.parquet"
    pq.write_table(frame, path)
    specs = [s for s in expansion.specifications if s.choices["lag"] == "1"][:8]
    rows = mv.run_chunk(str(path), [s.to_dict() for s in specs], "000", str(tmp_path / "out.parquet"))
    assert (rows["status"] == "ok").all(), rows["notes"].tolist()
    assert rows["formula"].str.contains("_lag1").all()
