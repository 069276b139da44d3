"""A published peacesciencer design reproduced by one overlay file
(config/examples/peacesciencer_dangerous_dyads.yaml), checked against a second implementation:
the same design computed here with pandas and statsmodels from peacesciencer's own tables
(cow_ddy, cow_contdir, cow_majors, cow_mid_ddydisps, ccode_democracy, atop_alliance) and the
NMC 6.0 file, following the R functions' definitions rather than dyadstats' SQL."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml

from dyadstats.frame.spells import peace_years_reference
from dyadstats.ingest.rda import read_rda
from dyadstats.testing.peacesciencer import reference_first_month
from dyadstats.testing.repo import base_config, repo_root, run_workflow

OVERLAY = repo_root() / "config" / "examples" / "peacesciencer_dangerous_dyads.yaml"
MODEL = "PS_dangerous_dyads"
KEYS = ["ccode1", "ccode2", "year"]
FIRST, LAST = 1816, 2010


def layered(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on ``base`` key by key, as Snakemake layers --configfile files."""
    out = dict(base)
    for key, value in over.items():
        out[key] = layered(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def reference_design(shared: Path) -> tuple[pd.DataFrame, int]:
    """The vignette's pipeline on peacesciencer's tables; returns complete cases and the sample size."""
    rda = shared / "peacesciencer" / "rda"
    ddy = read_rda(rda / "cow_ddy.rda")
    d = ddy[(ddy.ccode1 < ddy.ccode2) & ddy.year.between(FIRST, LAST)].astype("int64")
    # add_contiguity(): the first month's relationship; dyad-years without a spell are 0
    cont = reference_first_month(read_rda(rda / "cow_contdir.rda"))
    d = d.merge(cont, on=KEYS, how="left")
    d["conttype"] = d["conttype"].fillna(0).astype("int64")
    # add_cow_majors(): a major power in any part of the year
    majors = read_rda(rda / "cow_majors.rda")
    major_years = (majors.assign(year=[list(range(int(a), int(b) + 1)) for a, b in zip(majors.styear, majors.endyear, strict=True)])
                   .explode("year")[["ccode", "year"]].astype("int64").drop_duplicates())
    for side in ("1", "2"):
        flag = major_years.rename(columns={"ccode": f"ccode{side}"}).assign(**{f"maj{side}": True})
        d = d.merge(flag, on=[f"ccode{side}", "year"], how="left")
        d[f"maj{side}"] = d[f"maj{side}"].fillna(False).astype(bool)
    d["cowmajdyad"] = (d.maj1 | d.maj2).astype(int)
    # filter_prd(): contiguous (types 1-5) or a major power involved
    d = d[(d.conttype.between(1, 5)) | (d.cowmajdyad == 1)].copy()
    # add_cow_mids(): cowmidonset of the whittled dispute-dyad-years, 0 for other years
    mids = read_rda(rda / "cow_mid_ddydisps.rda")
    onset = mids[mids.ccode1 < mids.ccode2].groupby(KEYS, as_index=False)["cowmidonset"].max()
    d = d.merge(onset, on=KEYS, how="left")
    d["cowmidonset"] = d["cowmidonset"].fillna(0).astype(int)
    # add_spells() after filter_prd(): over the remaining rows in year order, gaps ignored
    d = d.sort_values(KEYS).reset_index(drop=True)
    d["spell"] = np.concatenate([peace_years_reference(g.tolist()) for _, g in d.groupby(["ccode1", "ccode2"], sort=True)["cowmidonset"]])
    n_sample = len(d)
    # add_nmc() (NMC 6.0, -9 missing): cincprop and the lower military burden
    nmc = pd.read_csv(shared / "raw" / "cow_nmc_v6.0" / "NMC-60-abridged.csv").replace(-9, np.nan)
    for side in ("1", "2"):
        s = nmc[["ccode", "year", "cinc", "milper", "tpop"]].rename(
            columns={"ccode": f"ccode{side}", "cinc": f"cinc{side}", "milper": f"milper{side}", "tpop": f"tpop{side}"})
        d = d.merge(s, on=[f"ccode{side}", "year"], how="left")
    d["cincprop"] = np.minimum(d.cinc1, d.cinc2) / np.maximum(d.cinc1, d.cinc2)
    d["minmilit"] = np.minimum(d.milper1 / d.tpop1, d.milper2 / d.tpop2)
    # add_democracy(): the lower extended UDS score of the two
    dem = read_rda(rda / "ccode_democracy.rda")[["ccode", "year", "xm_qudsest"]]
    for side in ("1", "2"):
        d = d.merge(dem.rename(columns={"ccode": f"ccode{side}", "xm_qudsest": f"quds{side}"}),
                    on=[f"ccode{side}", "year"], how="left")
    d["mindemest"] = np.minimum(d.quds1, d.quds2)
    # add_atop_alliance(): the directed pair as listed, 0 where ATOP records no pledge
    atop = read_rda(rda / "atop_alliance.rda")[[*KEYS, "atop_defense"]]
    d = d.merge(atop, on=KEYS, how="left")
    d["atop_defense"] = d["atop_defense"].fillna(0)
    d["landcontig"] = (d.conttype == 1).astype(int)
    d["t"], d["t2"], d["t3"] = d.spell, d.spell ** 2, d.spell ** 3
    cols = ["landcontig", "cincprop", "cowmajdyad", "atop_defense", "mindemest", "minmilit", "t", "t2", "t3"]
    return d.dropna(subset=["cowmidonset", *cols])[["cowmidonset", *cols]], n_sample


@pytest.fixture(scope="module")
def overlay_fit(main_run: Path, tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """The overlay's model, built over the main run's raw files, ingested tables and events."""
    work = tmp_path_factory.mktemp("dangerous_dyads")
    shutil.copytree(main_run / "data" / "raw", work / "data" / "raw")
    shutil.copytree(main_run / "results" / "ingest", work / "results" / "ingest")
    shutil.copytree(main_run / "results" / "frames", work / "results" / "frames",
                    ignore=shutil.ignore_patterns("analysis_*", "codebook.md", "parts"))
    config = layered(base_config(shared_data), yaml.safe_load(OVERLAY.read_text()))
    targets = [f"results/models/fits/{MODEL}/{part}.parquet" for part in ("estimates", "fit")]
    result = run_workflow(work, config, targets)
    assert result.returncode == 0, result.stderr[-5000:]
    return work / "results" / "models" / "fits" / MODEL


def test_the_overlay_equals_peacesciencers_tables_read_by_pandas(overlay_fit: Path, shared_data: Path) -> None:
    data, n_sample = reference_design(shared_data)
    fit = pd.read_parquet(overlay_fit / "fit.parquet").iloc[0]
    est = pd.read_parquet(overlay_fit / "estimates.parquet").set_index("term")
    ref = sm.Logit(data["cowmidonset"], sm.add_constant(data.drop(columns="cowmidonset"))).fit(disp=0, tol=1e-12)
    ours = est[["estimate", "std_error"]].to_numpy()
    print(f"dangerous dyads: sample {n_sample:,} (ours {fit.n_sample:,}), N {len(data):,} (ours {fit.n_obs:,}), "
          f"events {int(data.cowmidonset.sum()):,}; max |diff| coef "
          f"{np.abs(ours[:, 0] - ref.params.to_numpy()).max():.2e}, SE {np.abs(ours[:, 1] - ref.bse.to_numpy()).max():.2e}")
    assert (int(fit.n_sample), int(fit.n_obs), int(fit.n_events)) == (n_sample, len(data), int(data.cowmidonset.sum()))
    np.testing.assert_allclose(ours[:, 0], ref.params.to_numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours[:, 1], ref.bse.to_numpy(), rtol=1e-6, atol=1e-12)
    assert "recounted over the model's own sample rows" in str(fit.notes)
