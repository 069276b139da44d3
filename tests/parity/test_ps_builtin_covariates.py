"""The built-in peacesciencer covariates (dyadstats.frame.covariates) against peacesciencer's own
tables, read straight from the package's .rda, on every dyad-year of the main run's frames:
rivalries against a literal reading of the spell tables, capital distance against an
independent NumPy haversine over cow_capitals, trade, territorial threat and IGOs against the
tables themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dyadstats.ingest.rda import read_rda

KEY = ["ccode1", "ccode2", "year"]
TSS_TYPES = ("positional", "spatial", "ideological", "interventionary")


@pytest.fixture(scope="module")
def frame(main_run: Path) -> pd.DataFrame:
    return pd.read_parquet(main_run / "results" / "frames" / "analysis_dyad_years.parquet")


@pytest.fixture(scope="module")
def rda(shared_data: Path) -> Path:
    return shared_data / "peacesciencer" / "rda"


def _rivalry_years(spells: pd.DataFrame, first: str, last: str, flags: tuple[str, ...] = ()) -> pd.DataFrame:
    """Each spell's years, first to last inclusive, codes as listed but 300 -> 305 from 1919
    (peacesciencer's adjustment), one row per non-directed dyad-year with the flags' max."""
    rows = []
    for rec in spells.to_dict("records"):
        for year in range(int(rec[first]), int(rec[last]) + 1):
            a, b = (305 if c == 300 and year >= 1919 else int(c) for c in (rec["ccode1"], rec["ccode2"]))
            rows.append((min(a, b), max(a, b), year, *(0 if pd.isna(rec[f]) else int(rec[f]) for f in flags)))
    df = pd.DataFrame(rows, columns=[*KEY, *flags])
    return df.groupby(KEY, as_index=False).max().assign(ongoing=1)


def _check(frame: pd.DataFrame, column: str, expected: pd.Series, inside: pd.Series) -> int:
    """Inside the coverage the frame equals ``expected`` (missing where it is missing); outside
    it is NULL. Returns the number of non-missing values compared."""
    ours = frame[column].astype("Float64")
    theirs = expected.astype("Float64")
    assert ours[~inside].isna().all(), f"{column}: values outside the coverage"
    a, b = ours[inside], theirs[inside]
    assert (a.isna() == b.isna()).all(), f"{column}: missing differs in {int((a.isna() != b.isna()).sum())} rows"
    both = a.notna()
    assert np.allclose(a[both].to_numpy(float), b[both].to_numpy(float), rtol=0, atol=1e-9), column
    return int(both.sum())


def test_rivalries_equal_the_spell_tables(frame: pd.DataFrame, rda: Path) -> None:
    """td_rivalry 1 in every year of a Thompson-Dreyer spell (0 otherwise up to 2010, NULL
    after); tss_rivalry and its four types the same from the TSS table (to 2020)."""
    td = _rivalry_years(read_rda(rda / "td_rivalries.rda"), "styear", "endyear")
    tss = _rivalry_years(read_rda(rda / "tss_rivalries.rda"), "start", "end", TSS_TYPES)
    merged = frame[[*KEY, "td_rivalry", "tss_rivalry", *(f"tss_rivalry_{t}" for t in TSS_TYPES)]]
    merged = merged.merge(td.rename(columns={"ongoing": "td"}), on=KEY, how="left")
    merged = merged.merge(tss.rename(columns={"ongoing": "tss"}), on=KEY, how="left")
    counts = {"td_rivalry": _check(merged, "td_rivalry", merged["td"].fillna(0), merged["year"] <= 2010)}
    inside = merged["year"] <= 2020
    counts["tss_rivalry"] = _check(merged, "tss_rivalry", merged["tss"].fillna(0), inside)
    for t in TSS_TYPES:
        _check(merged, f"tss_rivalry_{t}", merged[t].fillna(0), inside)
    ones = {c: int(merged[c].sum()) for c in ("td_rivalry", "tss_rivalry", *(f"tss_rivalry_{t}" for t in TSS_TYPES))}
    print(f"rivalries: {len(frame):,} dyad-years compared ({counts}); rivalry dyad-years {ones}")
    # every spell year from 1816 on whose dyad is in the universe is found
    assert ones["td_rivalry"] == int(td.merge(frame[KEY], on=KEY).shape[0]) > 5_000
    assert ones["tss_rivalry"] == int(tss.merge(frame[KEY], on=KEY).shape[0]) > 5_000


def _haversine_km(lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lng2 - lng1) / 2) ** 2
    return 2 * 6378.137 * np.arcsin(np.sqrt(h))


def test_capital_distance_equals_an_independent_haversine(frame: pd.DataFrame, rda: Path) -> None:
    """Capital-years from cow_capitals (each spell's calendar years; with two capitals in a year
    the earlier-starting one, peacesciencer's "Jan. 1 capital"), then a haversine on the
    sphere of geosphere's default radius: equal to 1e-6 km on every dyad-year, NULL where a
    capital is unknown."""
    caps = read_rda(rda / "cow_capitals.rda")
    caps = caps.assign(st=pd.to_datetime(caps["stdate"]), en=pd.to_datetime(caps["enddate"]))
    years = caps.assign(year=[list(range(s.year, e.year + 1)) for s, e in zip(caps["st"], caps["en"], strict=True)])
    years = years.explode("year").astype({"year": int}).sort_values(["ccode", "year", "st"])
    cap_years = years.drop_duplicates(["ccode", "year"])[["ccode", "year", "lat", "lng"]]
    m = frame[[*KEY, "capdist"]]
    for i in (1, 2):
        m = m.merge(cap_years.rename(columns={"ccode": f"ccode{i}", "lat": f"lat{i}", "lng": f"lng{i}"}),
                    on=[f"ccode{i}", "year"], how="left")
    expected = _haversine_km(m["lat1"].to_numpy(float), m["lng1"].to_numpy(float),
                             m["lat2"].to_numpy(float), m["lng2"].to_numpy(float))
    ours = m["capdist"].astype("Float64")
    assert (ours.isna().to_numpy() == np.isnan(expected)).all()
    both = ours.notna().to_numpy()
    worst = float(np.max(np.abs(ours.to_numpy(float, na_value=np.nan)[both] - expected[both])))
    print(f"capdist: {int(both.sum()):,} of {len(m):,} dyad-years, largest difference {worst:.2e} km; "
          f"{int((~both).sum()):,} without a known capital")
    assert worst < 1e-6 and both.sum() > 0.99 * len(m)
    us_canada = m.loc[(m.ccode1 == 2) & (m.ccode2 == 20) & (m.year == 2000), "capdist"].item()
    assert us_canada == pytest.approx(734.869, abs=1e-3)  # Washington-Ottawa (tests/unit/frame/test_covariates.py)


def test_trade_threat_and_igos_equal_the_tables(frame: pd.DataFrame, rda: Path) -> None:
    """Each state's imports/exports (cow_trade_sy, 1870-2014) and lterrthreat (terrthreat,
    1816-2010), and the pair's dyadigos (cow_igo_ndy, 1816-2014), NULL where the table has no
    row or NA; rows matching no dyad-year are the ones the audit counts."""
    trade, threat = read_rda(rda / "cow_trade_sy.rda"), read_rda(rda / "terrthreat.rda")
    igo = read_rda(rda / "cow_igo_ndy.rda")
    counts = {}
    for table, cols, lo, hi in ((trade, ("imports", "exports"), 1870, 2014), (threat, ("lterrthreat",), 1816, 2010)):
        for i in (1, 2):
            side = table.rename(columns={"ccode": f"ccode{i}"})[[f"ccode{i}", "year", *cols]]
            m = frame[[*KEY, *(f"{c}_{i}" for c in cols)]].merge(side, on=[f"ccode{i}", "year"], how="left")
            for c in cols:
                counts[f"{c}_{i}"] = _check(m, f"{c}_{i}", m[c], m["year"].between(lo, hi))
    m = frame[[*KEY, "dyadigos"]].merge(igo.rename(columns={"dyadigos": "ps"}), on=KEY, how="left")
    counts["dyadigos"] = _check(m, "dyadigos", m["ps"], m["year"] <= 2014)
    print(f"trade, threat, IGOs: non-missing values equal peacesciencer's {counts}")
    assert min(counts.values()) > 400_000


def test_directed_frame_reads_each_pair_both_ways(main_run: Path, frame: pd.DataFrame) -> None:
    """The directed frame's (A, B) and (B, A) rows carry the non-directed row's values, with the
    per-state columns swapped for (B, A)."""
    cols = ["td_rivalry", "tss_rivalry_spatial", "capdist", "dyadigos", "imports_1", "imports_2",
            "lterrthreat_1", "lterrthreat_2"]
    dr = pd.read_parquet(main_run / "results" / "frames" / "analysis_directed_dyad_years.parquet", columns=[*KEY, *cols])
    nd = frame[[*KEY, *cols]]
    swapped = nd.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1", "imports_1": "imports_2", "imports_2": "imports_1",
                                 "lterrthreat_1": "lterrthreat_2", "lterrthreat_2": "lterrthreat_1"})
    both = pd.concat([nd, swapped[nd.columns]]).sort_values(KEY).reset_index(drop=True)
    dr = dr.sort_values(KEY).reset_index(drop=True)
    assert len(dr) == len(both)
    pd.testing.assert_frame_equal(dr, both, check_dtype=False)
