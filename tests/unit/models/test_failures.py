"""Models that cannot be estimated, the model selection, and the scale-aware separation warning.

Every expected value is worked out from a hand-built frame or a known simulation parameter.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dyadstats.models import (
    FIT_COLUMNS,
    ModelFailure,
    ModelSpecError,
    check_estimable,
    disabled_models,
    fit_or_fail,
    fit_spec,
    gather_models,
    parse_specs,
    prepare,
    selected_models,
    term_scales,
    write_model_outputs,
)

RHS = "{joint_democracy} + contiguity_land"


def spec_of(name: str = "M", **kw):
    base = {"outcome": "coercion_onset", "regressors": RHS, "time_dependence": "none",
            "covariance": "robust", "predictions": False}
    return parse_specs({"specs": {name: {**base, **kw}}})[name]


def hand_frame() -> pd.DataFrame:
    """8 dyad-years in two eras: 3 events, joint democracy and contiguity both varying."""
    return pd.DataFrame({
        "ccode1": [2, 2, 2, 2, 20, 20, 20, 20], "ccode2": [200] * 4 + [220] * 4,
        "year": [1950, 1951, 1995, 1996, 1950, 1951, 1995, 1996],
        "era": ["1946-1989", "1946-1989", "1990-2014", "1990-2014"] * 2,
        "coercion_onset": [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0],
        "joint_democracy_polity": [0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0],
        "polity2_1": [-5.0, 8.0, 8.0, -5.0, -3.0, 2.0, 9.0, 7.0],
        "polity2_2": [6.0, 7.0, 9.0, 3.0, -7.0, 8.0, 8.0, 8.0],
        "contiguity_land": [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0],
        "regime_pair_polity": ["mixed", "joint democracy", "joint democracy", "mixed",
                               "joint autocracy", "mixed", "joint democracy", "joint democracy"],
    })


# -- selection ------------------------------------------------------------------------------------

SECTION = {"specs": {
    "A": {"outcome": "coercion_onset", "regressors": RHS},
    "B": {"base": "A", "democracy": "vdem"},
    "C": {"base": "B", "sample": {"years": [1950, 1960]}},
}}


def test_only_fits_the_named_models_with_their_bases_merged():
    specs = parse_specs({**SECTION, "only": ["C"]})
    assert list(specs) == ["C"]
    # C inherits B's democracy (B itself is not fitted) and keeps its own sample
    assert specs["C"].democracy == "vdem" and specs["C"].sample.years == (1950, 1960)
    assert disabled_models({**SECTION, "only": ["C"]}) == ["A", "B"]


def test_disable_removes_a_spec_others_still_build_on():
    specs = parse_specs({**SECTION, "disable": ["B"]})
    assert list(specs) == ["A", "C"] and specs["C"].democracy == "vdem"
    # only and disable together: only first, then disable; declaration order, not list order
    assert selected_models({**SECTION, "only": ["C", "A", "B"], "disable": ["B"]}) == ["A", "C"]


@pytest.mark.parametrize(("key", "names"), [("only", ["A", "Z9"]), ("disable", ["nope"])])
def test_unknown_selection_names_the_key_and_the_known_models(key, names):
    with pytest.raises(ModelSpecError, match=rf"models\.{key}: unknown model\(s\) .*the declared models are \['A', 'B', 'C'\]"):
        parse_specs({**SECTION, key: names})


def test_a_selection_that_leaves_nothing_is_refused():
    with pytest.raises(ModelSpecError, match="leave no model to fit"):
        parse_specs({**SECTION, "only": ["A"], "disable": ["A"]})


# -- not estimable --------------------------------------------------------------------------------

def test_an_era_without_rows_is_a_failed_row_not_a_crash(tmp_path):
    df = hand_frame()
    spec = spec_of(sample={"era": "1990-2010"})
    result = fit_or_fail(df, spec)
    assert result.fit["status"] == "failed" and result.estimates.empty and result.predictions.empty
    assert "no complete rows in the sample" in result.fit["failure_reason"]
    assert "era 1990-2010" in result.fit["failure_reason"]
    assert result.fit["n_sample"] is None  # the sample was never read
    # the fitted neighbour and the failure gather into one model_fit in config order
    ok = fit_or_fail(df, spec_of("OK", regressors="contiguity_land", focal="contiguity_land"))
    assert ok.fit["status"] == "ok" and ok.fit["failure_reason"] is None
    parts = {}
    for res in (ok, result):
        paths = [str(tmp_path / f"{res.name}_{p}.parquet") for p in ("estimates", "fit", "predictions")]
        write_model_outputs(res, *paths)
        parts[res.name] = paths
    out = [str(tmp_path / f"all_{p}.parquet") for p in ("estimates", "fit", "predictions")]
    gather_models(["OK", "M"], *([parts[m][i] for m in ("OK", "M")] for i in range(3)), *out,
                  str(tmp_path / "audit.json"))
    fit = pq.read_table(out[1]).to_pandas()
    assert list(fit.columns) == FIT_COLUMNS
    assert fit["model"].tolist() == ["OK", "M"] and fit["status"].tolist() == ["ok", "failed"]
    assert fit.loc[0, "n_obs"] == 8 and fit.loc[0, "year_min"] == 1950 and fit.loc[0, "year_max"] == 1996
    assert pd.isna(fit.loc[1, "n_obs"]) and pd.isna(fit.loc[1, "year_min"])
    assert set(pq.read_table(out[0]).to_pandas()["model"]) == {"OK"}
    audit = json.loads((tmp_path / "audit.json").read_text())
    assert any("M: failed: model 'M': no complete rows" in n for t in audit["tables"] for n in t["notes"])


def test_constant_outcome_is_not_estimable():
    df = hand_frame().assign(coercion_onset=0.0)
    with pytest.raises(ModelFailure, match="has no events in the 8 complete rows"):
        fit_spec(df, spec_of())
    result = fit_or_fail(df.assign(coercion_onset=1.0), spec_of())
    assert "is an event in every one of the 8 complete rows" in result.fit["failure_reason"]
    # the design was built: its counts are kept on the failed row
    assert (result.fit["n_sample"], result.fit["n_obs"], result.fit["n_events"]) == (8, 8, 8)


def test_a_threshold_outside_the_scale_codes_every_row_alike():
    # polity2 runs from -10 to 10: a threshold of 11 makes joint democracy 0 in every row
    result = fit_or_fail(hand_frame(), spec_of(democracy_threshold=11))
    reason = result.fit["failure_reason"]
    assert result.fit["status"] == "failed"
    assert "constant in the 8 complete rows: joint_democracy_polity_ge11 = 0" in reason
    assert "democracy_threshold 11 on polity2" in reason


def test_collinear_columns_are_named():
    df = hand_frame().assign(twice=lambda d: 2.0 * d["contiguity_land"] - 1.0)
    design = prepare(df, spec_of(regressors="{joint_democracy} + contiguity_land + twice"))
    with pytest.raises(ModelFailure, match=r"singular: column\(s\) \['Intercept', 'contiguity_land', 'twice'\]"):
        check_estimable(design)


def test_programming_errors_still_raise(monkeypatch):
    import dyadstats.models.tables as tables

    def broken(*_args, **_kw):
        raise TypeError("a bug in the fit")

    monkeypatch.setattr(tables, "fit_design", broken)
    with pytest.raises(TypeError, match="a bug in the fit"):
        fit_or_fail(hand_frame(), spec_of())


# -- separation, judged on the column's scale ----------------------------------------------------

def _keys(n: int, per_year: int) -> dict[str, np.ndarray]:
    i = np.arange(n)
    return {"ccode1": i % per_year, "ccode2": 1000 + i % per_year, "year": 1900 + i // per_year}


def test_term_scales_dummies_one_continuous_sd():
    X = pd.DataFrame({"Intercept": [1.0] * 4, "d": [0.0, 1.0, 1.0, 0.0], "x": [1.0, 3.0, 1.0, 3.0]})
    assert term_scales(X).to_dict() == {"Intercept": 1.0, "d": 1.0, "x": 1.0}  # population SD of x: 1
    X["x"] = [0.0, 0.004, 0.0, 0.004]
    assert term_scales(X)["x"] == pytest.approx(0.002)


def test_a_large_coefficient_on_a_small_ratio_is_not_separation():
    rng = np.random.default_rng(11)
    n = 50_000
    ratio = 0.003 * rng.lognormal(0.0, 1.0, n)  # mean ~0.005, SD ~0.0065
    z = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-2.5 + 30.0 * ratio + 0.5 * z)))).astype(float)
    df = pd.DataFrame({**_keys(n, 500), "coercion_onset": y, "ratio": ratio, "z": z})
    est, fit, _ = fit_spec(df, spec_of(regressors="ratio + z", focal="ratio"))
    b = est.set_index("term").loc["ratio"]
    assert b.estimate > 20  # the raw coefficient the old rule (|b| > 15) flagged
    assert abs(b.estimate - 30.0) < 3 * b.std_error  # the true value, recovered
    assert fit["separation"] == "none detected"


def test_continuous_quasi_separation_is_still_flagged():
    rng = np.random.default_rng(3)
    n = 2_000
    x = rng.integers(0, 5, n).astype(float)  # 0..4: no events below 3, only events above 3
    y = np.where(x < 3, 0.0, np.where(x > 3, 1.0, (rng.uniform(size=n) < 0.5).astype(float)))
    w = rng.normal(size=n)
    df = pd.DataFrame({**_keys(n, 50), "coercion_onset": y, "x": x, "w": w})
    _, fit, _ = fit_spec(df, spec_of(regressors="x + w", focal="x"))
    assert "x: estimate" in fit["separation"] and "log odds per SD) (suspected separation)" in fit["separation"]
    assert "w: estimate" not in fit["separation"]
