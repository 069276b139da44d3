"""The Python API offline: laziness, verb errors, recipe -> stage calls, the frame's filters and
projection, and ds.logit against statsmodels (a second implementation)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import statsmodels.api as sm

import dyadstats as ds
from dyadstats import stages
from dyadstats.api import build as api_build
from dyadstats.api import cache
from dyadstats.api.build import Built, recipe_plan, visible_columns
from dyadstats.api.home import Home, code_fingerprint
from dyadstats.errors import DyadstatsError
from dyadstats.testing.simulate import simulate_analysis_frame

REPO = Path(__file__).resolve().parents[2]
STAGE_FUNCTIONS = [n for n in dir(stages) if n.startswith("run_")]


def test_import_dyadstats_is_cheap() -> None:
    code = ("import sys, dyadstats; heavy = [m for m in ('duckdb', 'pandas', 'statsmodels', 'pyarrow') "
            "if m in sys.modules]; print(heavy); assert callable(dyadstats.dyad_years)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def no_stages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stage function replaced by a recorder."""
    calls: list[str] = []
    for name in STAGE_FUNCTIONS:
        monkeypatch.setattr(stages, name, lambda *a, _n=name, **k: calls.append(_n))
    monkeypatch.setattr(api_build, "ensure_ingested", lambda *a, **k: calls.append("ensure_ingested"))
    return calls


def test_verbs_only_record_a_recipe(no_stages: list[str]) -> None:
    frame = (ds.dyad_years(1816, 2014).filter_prd().add_mids(source="mid5").add_democracy("polity")
             .add_contiguity(slice="lowest").add_capabilities().add_major_powers().add_alliances()
             .add_events("ties").add_peace_years())
    repr(frame)
    assert no_stages == []
    r = frame.recipe
    assert r.prd and r.mid_source == "mid5" and r.measures == ("polity",) and r.peace_years
    assert r.controls == ("contiguity", "nmc", "majors", "cow_alliance")
    assert r.outcomes[-2:] == ("sanction_threat_onset", "sanction_imposition_onset")


def test_materialising_runs_the_stages_in_order(no_stages: list[str], tmp_path: Path) -> None:
    recipe = ds.dyad_years(1990, 2000).add_mids(outcomes="coercion_onset").add_democracy("vdem").recipe
    built = api_build.materialise(recipe, Home(tmp_path, REPO))
    # universe and events run side by side (dyadstats.pipeline), then the frame
    assert no_stages[0] == "ensure_ingested" and no_stages[-1] == "run_frame"
    assert sorted(no_stages[1:-1]) == ["run_events", "run_universe"]
    assert built.directory.parent == tmp_path / "results" / "api"
    assert built.path == built.directory / "results" / "frames" / "analysis_dyad_years.parquet"


def test_recipe_becomes_the_workflows_build_options(tmp_path: Path) -> None:
    frame = (ds.dyad_years(1950, 2000, directed=True).filter_prd(max_conttype=3)
             .add_mids(source="dyadic_mid402", whittle_order=["fatality", "onset"], ongoing="drop")
             .add_democracy("uds", threshold=0.2, rule=">=").add_capabilities().add_peace_years("ongoing"))
    plan = recipe_plan(frame.recipe, Home(tmp_path, REPO))
    options = plan.frame_options()
    assert plan.years == (1950, 2000)
    assert plan.event_source == "dyadic_mid402"
    assert plan.whittle_order == ["fatality", "onset", "dispnum"]
    assert options.measures == ("uds",)
    assert options.democracy["uds"].threshold == 0.2 and options.democracy["uds"].rule == ">="
    # filter_prd needs contiguity and majors, in the frame's canonical group order
    assert options.controls == ("contiguity", "nmc", "majors")
    assert options.outcomes == ("coercion_initiated", "mid_initiated")
    assert (options.prd_max_conttype, options.peace_rule, options.ongoing) == (3, "ongoing", "drop")
    assert options.directed and not options.lags
    # the mid coverage is the dyadic MID 4.02 declaration's, as in the workflow
    assert list(options.mid_coverage.as_list()) == plan.coverage("dyadic_mid402")
    columns = visible_columns(frame.recipe, options)
    # the filter's own inputs are hidden; the asked-for columns and the keys stay
    assert "politically_relevant" not in columns and "contiguity_land" not in columns
    assert {"ccode1", "ccode2", "year", "pair_id", "cinc_1", "joint_democracy_uds",
            "peace_years_coercion_initiated_3", "mid_ongoing"} <= set(columns)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: ds.dyad_years().add_democracy("freedom_house"), r"add_democracy\(measure='freedom_house'\): expected one of \['polity', 'vdem', 'bmr', 'uds'\]"),
    (lambda: ds.dyad_years().add_mids(source="mid9"), r"add_mids\(source='mid9'\): expected one of"),
    (lambda: ds.dyad_years().add_mids(whittle_order=["coinflip"]), r"unknown rule\(s\) \['coinflip'\]"),
    (lambda: ds.dyad_years().add_mids(outcomes=["coercion_initiated"]), r"not mid5 outcomes of the non-directed frame"),
    (lambda: ds.dyad_years().add_mids().add_mids(source="dyadic_mid402"), r"one MID source per frame"),
    (lambda: ds.dyad_years().filter_prd(max_conttype=9), r"filter_prd\(max_conttype=9\)"),
    (lambda: ds.dyad_years(2000, 1990), r"first_year is after last_year"),
    (lambda: ds.dyad_years("1816"), r"dyad_years\(first_year='1816'\): expected a year"),
    (lambda: ds.dyad_years().add_alliances("atop", types=True), r"alliance types are COW's"),
    (lambda: ds.dyad_years().add_contiguity(slice="middle"), r"add_contiguity\(slice='middle'\)"),
    (lambda: ds.dyad_years().add_democracy("polity", rule="about"), r"add_democracy\(rule='about'\)"),
    (lambda: ds.dyad_years().add_events("cow_wars"), r"add_events\(source='cow_wars'\)"),
    (lambda: ds.logit("coercion_onset = joint_democracy", pd.DataFrame()), r"expected 'outcome ~ regressors'"),
])
def test_verb_errors_name_the_verb_and_the_choices(make, message) -> None:
    with pytest.raises(ds.RecipeError, match=message):
        make()


def test_frame_applies_the_filter_and_shows_the_asked_columns(tmp_path: Path, monkeypatch) -> None:
    # a hand-built 'analysis frame': the filter keeps rows 1 and 3, the projection drops the rest
    path = tmp_path / "analysis_dyad_years.parquet"
    pq.write_table(pa.table({"ccode1": [2, 2, 20, 20], "ccode2": [20, 200, 200, 220], "year": [2000] * 4,
                             "politically_relevant": [1, 0, 1, 0], "mid_onset": [0, 1, 1, 0],
                             "cinc_1": [0.2, 0.2, 0.05, 0.05]}), path)
    built = Built(path, ("ccode1", "ccode2", "year", "mid_onset"), tmp_path)
    monkeypatch.setattr(api_build, "materialise", lambda recipe: built)
    frame = ds.dyad_years(2000, 2000).filter_prd().add_mids(outcomes="mid_onset")
    df = frame.to_pandas()
    assert list(df.columns) == ["ccode1", "ccode2", "year", "mid_onset"]
    assert df[["ccode2", "mid_onset"]].values.tolist() == [[20, 0], [200, 1]]
    assert frame.to_arrow().num_rows == 2
    assert isinstance(frame.to_duckdb(), duckdb.DuckDBPyRelation)
    assert frame.sql("SELECT sum(mid_onset) AS n FROM frame").fetchall() == [(1,)]
    con = duckdb.connect()
    assert frame.to_duckdb(con).aggregate("count(*)").fetchall() == [(2,)]


def test_logit_equals_statsmodels_with_dyad_clusters() -> None:
    table = simulate_analysis_frame(n_states=30, n_years=60, event_rate=0.05, dyad_correlation=0.3, seed=7)
    fit = ds.logit("coercion_onset ~ joint_democracy_polity + contiguity_land + capability_ratio",
                   table.to_pandas(), time_dependence="none", predictions=True)
    df = table.select(["coercion_onset", "joint_democracy_polity", "contiguity_land",
                       "capability_ratio", "dyad_id"]).to_pandas().dropna()
    X = sm.add_constant(df[["joint_democracy_polity", "contiguity_land", "capability_ratio"]].astype(float))
    ref = sm.Logit(df["coercion_onset"].astype(float), X).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": df["dyad_id"].to_numpy()})
    terms = ["Intercept", "joint_democracy_polity", "contiguity_land", "capability_ratio"]
    np.testing.assert_allclose(fit.params[terms].to_numpy(), ref.params.to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(fit.bse[terms].to_numpy(), ref.bse.to_numpy(), rtol=1e-6)
    assert fit.nobs == len(df)
    # the simulation's true joint-democracy effect lies inside the 99.9% interval
    assert abs(fit.params["joint_democracy_polity"] + 0.7) < 3.3 * fit.bse["joint_democracy_polity"]
    text = fit.summary()
    assert "joint_democracy_polity" in text and f"N = {len(df):,}" in text
    assert set(fit.to_frame()["term"]) == set(terms)
    assert {"observed", "counterfactual"} <= set(fit.predictions()["quantity"])


@pytest.mark.parametrize("covariance", ["cluster", "dyadic", "twoway", "robust", "nonrobust"])
def test_logit_takes_every_covariance(covariance: str) -> None:
    table = simulate_analysis_frame(n_states=20, n_years=40, event_rate=0.05, seed=3).to_pandas()
    fit = ds.logit("coercion_onset ~ {joint_democracy} + contiguity_land", table, covariance=covariance,
                   cluster_by=["dyad", "year"] if covariance == "twoway" else "dyad",
                   time_dependence="none", predictions=False)
    assert fit.fit_info["cov_type"].startswith(covariance)
    assert fit.bse["joint_democracy_polity"] > 0


def test_logit_names_the_missing_peace_years() -> None:
    table = simulate_analysis_frame(n_states=10, n_years=20, seed=1).to_pandas()
    table = table.drop(columns=[c for c in table.columns if c.startswith("peace_years_")])
    with pytest.raises(DyadstatsError, match=r"peace_years_coercion_onset.*add \.add_peace_years\(\)"):
        ds.logit("coercion_onset ~ contiguity_land", table)


def test_docstring_examples_of_the_verbs_run() -> None:
    import doctest

    from dyadstats.api import frame as frame_module

    result = doctest.testmod(frame_module, extraglobs={"ds": ds}, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 12 and result.failed == 0


def _recipe_dir(root: Path, name: str, code: str | None, last_use: float) -> Path:
    directory = root / name
    (directory / "results").mkdir(parents=True)
    if code is not None:
        (directory / cache.RECORD).write_text(json.dumps({"code": code}))
        os.utime(directory / cache.RECORD, (last_use, last_use))
    os.utime(directory, (last_use, last_use))
    return directory


def test_cache_prunes_what_no_call_will_reuse(tmp_path: Path) -> None:
    """Other code's directories go once idle a day, any directory once idle 30 days (days
    worked out by hand from the times below); the rest stay."""
    now, day = 1_900_000_000.0, 86_400.0
    root = tmp_path / "results" / "api"
    keep = [_recipe_dir(root, "same-code-10d", "abc", now - 10 * day),
            _recipe_dir(root, "other-code-2h", "old", now - 2 * 3600)]
    gone = [_recipe_dir(root, "same-code-31d", "abc", now - 31 * day),
            _recipe_dir(root, "other-code-2d", "old", now - 2 * day),
            _recipe_dir(root, "no-record-3d", None, now - 3 * day)]
    assert cache.prune(root, "abc", now=now) == sorted(gone)
    assert sorted(p for p in root.iterdir()) == sorted(keep)
    assert cache.prune(tmp_path / "nothing-here", "abc", now=now) == []


def test_materialising_records_the_recipe_and_prunes_old_code(no_stages: list[str], tmp_path: Path) -> None:
    stale = _recipe_dir(tmp_path / "results" / "api", "built-by-old-code", "old", 0.0)
    recipe = ds.dyad_years(1990, 2000).add_mids(outcomes="coercion_onset").recipe
    built = api_build.materialise(recipe, Home(tmp_path, REPO))
    record = json.loads((built.directory / cache.RECORD).read_text())
    assert record["code"] == code_fingerprint() and record["config"]["build"]["first_year"] == 1990
    assert not stale.exists() and built.directory.exists()
