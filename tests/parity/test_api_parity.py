"""The Python API on the real data equals the workflow: the same frame column for column, the
same M1_prd estimate, and the README's example runs as written."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

import dyadstats as ds
from dyadstats.models import parse_specs
from dyadstats.testing.repo import repo_root

REPO = repo_root()


@pytest.fixture(scope="module")
def api_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Path]:
    """A fresh API home: raw files acquired from the mirror and ingested on first use."""
    home = tmp_path_factory.mktemp("api_home")
    saved = {k: os.environ.get(k) for k in ("DYADSTATS_HOME", "DYADSTATS_MIRROR")}
    os.environ["DYADSTATS_HOME"] = str(home)
    os.environ["DYADSTATS_MIRROR"] = str(shared_data)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def readme_frame() -> ds.Frame:
    return (ds.dyad_years(1816, 2014).filter_prd().add_mids(source="mid5").add_democracy("polity")
            .add_contiguity(slice="lowest").add_capabilities().add_major_powers().add_alliances()
            .add_peace_years())


def workflow_frame(main_run: Path, name: str, columns: list[str], where: str = "true") -> pd.DataFrame:
    path = main_run / "results" / "frames" / f"{name}.parquet"
    select = ", ".join(f'"{c}"' for c in columns)
    return duckdb.sql(f"SELECT {select} FROM read_parquet('{path}') WHERE {where}").df()


def test_api_frame_equals_the_workflows_prd_rows(api_home: Path, main_run: Path) -> None:
    frame = readme_frame()
    api = frame.to_pandas()
    # the verbs' columns: MID outcomes, Polity democracy, contiguity, capabilities, majors,
    # COW defense pacts, peace years (and the keys); nothing from sources no verb asked for
    assert {"coercion_onset", "joint_democracy_polity", "contiguity_land", "log_capability_ratio",
            "major_power_dyad", "defense_pact", "peace_years_coercion_onset_3"} <= set(api.columns)
    assert not {"joint_democracy_vdem", "mindist", "sanction_threat_onset"} & set(api.columns)
    wf = workflow_frame(main_run, "analysis_dyad_years", list(api.columns), "politically_relevant = 1")
    assert len(api) == len(wf) > 100_000
    pd.testing.assert_frame_equal(api, wf, check_exact=True)
    # the API's cache got the verified raw copies and canonical tables, as the workflow did
    assert (api_home / "results" / "ingest" / "cow_states.parquet").is_file()
    assert any((api_home / "data" / "raw").rglob("*"))


def test_api_directed_frame_equals_the_workflows(api_home: Path, main_run: Path) -> None:
    frame = ds.dyad_years(1816, 2014, directed=True).add_mids().add_democracy("vdem").add_events("ties")
    api = frame.to_pandas()
    assert {"coercion_initiated", "dem_vdem_1", "sanction_threat_initiated", "pair_id"} <= set(api.columns)
    wf = workflow_frame(main_run, "analysis_directed_dyad_years", list(api.columns))
    assert len(api) == len(wf) > 1_000_000
    pd.testing.assert_frame_equal(api, wf, check_exact=True)


def test_logit_reproduces_model_m1_prd(api_home: Path, main_run: Path) -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    m1 = parse_specs(config["models"])["M1_prd"]
    assert m1.sample.politically_relevant and m1.estimator == "logit"
    fit = ds.logit(f"{m1.outcome} ~ {m1.regressors}", readme_frame(), covariance=m1.covariance,
                   cluster_by=m1.cluster_by, time_dependence=m1.time_dependence, democracy=m1.democracy)
    models = main_run / "results" / "models"
    est = pd.read_parquet(models / "estimates.parquet").query("model == 'M1_prd'").set_index("term")
    fit_row = pd.read_parquet(models / "fit.parquet").query("model == 'M1_prd'").iloc[0]
    assert fit.nobs == fit_row["n_obs"]
    assert list(fit.params.index) == list(est.index)
    term = "joint_democracy_polity"
    assert fit.params[term] == pytest.approx(est.loc[term, "estimate"], rel=1e-9, abs=1e-12)
    assert fit.bse[term] == pytest.approx(est.loc[term, "std_error"], rel=1e-9)
    pd.testing.assert_series_equal(fit.params, est["estimate"], check_names=False, rtol=1e-9)


def test_readme_python_example_runs_verbatim(api_home: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Python API\n.*?^```python\n(.*?)^```", readme, flags=re.S | re.M)
    assert found, "README.md has no ```python block under '## Python API'"
    namespace: dict = {}
    exec(compile(found.group(1), "README.md", "exec"), namespace)  # the block as written
    assert isinstance(namespace["df"], pd.DataFrame) and len(namespace["df"]) > 100_000
    fit = namespace["fit"]
    assert fit.bse["joint_democracy_polity"] > 0 and "dyadic" in fit.fit_info["cov_type"]
