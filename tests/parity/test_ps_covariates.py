"""Built-in covariates against peacesciencer's own tables, on every dyad-year of the main run's
frame: NMC components (peacesciencer's cow_nmc, NMC 7.0) and the COW alliance types
(peacesciencer's cow_alliance), each read straight from the package's .rda."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dyadstats.ingest.rda import read_rda
from dyadstats.testing.repo import base_config, repo_root, run_workflow

REPO = repo_root()

KEY = ["ccode1", "ccode2", "year"]


@pytest.fixture(scope="module")
def frame(main_run: Path) -> pd.DataFrame:
    return pd.read_parquet(main_run / "results" / "frames" / "analysis_dyad_years.parquet")


def test_nmc_components_equal_peacesciencer_cow_nmc(frame: pd.DataFrame, shared_data: Path) -> None:
    """NMC 6.0 (the manifest's) and peacesciencer's NMC 7.0 agree on 1816-2016, so each state's
    milex/milper/tpop/upop in the frame equals cow_nmc's value, NULL where it has NA or no row."""
    ps = read_rda(shared_data / "peacesciencer" / "rda" / "cow_nmc.rda")
    checked = 0
    for i in (1, 2):
        side = ps.rename(columns={"ccode": f"ccode{i}"})[[f"ccode{i}", "year", "milex", "milper", "tpop", "upop"]]
        merged = frame[[*KEY, *(f"nmc_{p}_{i}" for p in ("milex", "milper", "tpop", "upop"))]].merge(
            side, on=[f"ccode{i}", "year"], how="left")
        for part in ("milex", "milper", "tpop", "upop"):
            ours = merged[f"nmc_{part}_{i}"].astype("Float64")
            theirs = merged[part].astype("Float64")
            assert (ours.isna() == theirs.isna()).all(), (part, i)
            both = ours.notna()
            assert np.allclose(ours[both].to_numpy(float), theirs[both].to_numpy(float), rtol=0, atol=1e-9), (part, i)
            checked += int(both.sum())
    print(f"NMC components: {len(frame):,} dyad-years, {checked:,} non-missing values equal peacesciencer's")
    assert checked > 5_000_000


def test_alliance_types_equal_peacesciencer_cow_alliance(frame: pd.DataFrame, shared_data: Path) -> None:
    """Each type is 1 where either direction of cow_alliance records it, 0 otherwise inside
    1816-2012, NULL after 2012."""
    ps = read_rda(shared_data / "peacesciencer" / "rda" / "cow_alliance.rda")
    both_ways = pd.concat([ps, ps.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})])
    counts = {}
    for col, name in (("cow_defense", "defense_pact"), ("cow_neutral", "neutrality_pact"),
                      ("cow_nonagg", "nonaggression_pact"), ("cow_entente", "entente_pact")):
        linked = both_ways.loc[both_ways[col] == 1, KEY].drop_duplicates().assign(ps=1)
        merged = frame[[*KEY, name]].merge(linked, on=KEY, how="left")
        inside = merged["year"] <= 2012
        expected = merged.loc[inside, "ps"].fillna(0).astype(int)
        assert (merged.loc[inside, name].astype(int) == expected).all(), name
        assert merged.loc[~inside, name].isna().all(), name
        counts[name] = int(expected.sum())
    print(f"COW alliance types (dyad-years with the type): {counts}")
    assert all(v > 0 for v in counts.values())


def test_manifest_covariates_through_roles_equal_peacesciencer(tmp_path: Path, shared_data: Path) -> None:
    """config/examples/peacesciencer_covariates.yaml: trade, territorial threat and joint IGOs
    from the manifest's .rda tables through roles.covariates; each role table equals the
    peacesciencer table read directly, row for row, once rows outside COW membership are left
    out (unknown_states: drop; membership read here from peacesciencer's cow_states spells,
    any day of the year, 1816-2014). Only what the role tables need is built."""
    overlay = yaml.safe_load((REPO / "config" / "examples" / "peacesciencer_covariates.yaml").read_text())
    config = base_config(shared_data) | {"roles": overlay["roles"]}
    targets = [f"results/roles/covariates/{n}.parquet" for n in overlay["roles"]["covariates"]]
    result = run_workflow(tmp_path, config, targets)
    assert result.returncode == 0, result.stderr[-5000:]
    rda = shared_data / "peacesciencer" / "rda"
    expected = {
        "trade_imports": (read_rda(rda / "cow_trade_sy.rda"), ["ccode", "year"], "imports"),
        "trade_exports": (read_rda(rda / "cow_trade_sy.rda"), ["ccode", "year"], "exports"),
        "terrthreat": (read_rda(rda / "terrthreat.rda"), ["ccode", "year"], "lterrthreat"),
        "joint_igos": (read_rda(rda / "cow_igo_ndy.rda"), KEY, "dyadigos"),
    }
    states = read_rda(rda / "cow_states.rda")
    member = pd.DataFrame([(c, y) for c, a, b in states[["ccode", "styear", "endyear"]].itertuples(index=False)
                           for y in range(a, min(b, 2014) + 1)], columns=["ccode", "year"]).drop_duplicates()
    for name, (ps, key, col) in expected.items():
        n_ps = len(ps)
        for c in ([k for k in key if k.startswith("ccode")]):
            ps = ps.merge(member.rename(columns={"ccode": c}), on=[c, "year"])
        print(f"{name}: {n_ps - len(ps):,} of {n_ps:,} peacesciencer rows outside COW membership")
        ours = pd.read_parquet(tmp_path / f"results/roles/covariates/{name}.parquet").sort_values(key).reset_index(drop=True)
        theirs = ps[[*key, col]].sort_values(key).reset_index(drop=True)
        assert len(ours) == len(theirs), name
        assert (ours[key].to_numpy() == theirs[key].to_numpy()).all(), name
        a, b = ours["value"].astype("Float64"), theirs[col].astype("Float64")
        assert (a.isna() == b.isna()).all() and np.allclose(a[a.notna()].to_numpy(float), b[b.notna()].to_numpy(float)), name
        print(f"{name}: {len(ours):,} rows equal peacesciencer's")
