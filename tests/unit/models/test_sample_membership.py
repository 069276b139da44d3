"""model_sample: each model's sample rows, used or dropped with the missing columns named; the
counts must agree with model_fit or the job fails."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import DyadstatsError
from dyadstats.models import parse_specs
from dyadstats.models.sample_membership import write_sample_membership

N = None
# ccode1, ccode2, year, politically_relevant, joint_democracy_polity, contiguity_land
ROWS = [
    (2, 20, 1990, 1, 1, 1),     # in the sample, complete
    (2, 20, 1991, 1, N, 1),     # in the sample, democracy missing
    (2, 200, 1990, 1, 0, N),    # in the sample, contiguity missing
    (2, 200, 1991, 1, N, N),    # in the sample, both missing
    (20, 200, 1990, 0, 1, 0),   # not politically relevant: outside the sample
    (20, 200, 1991, 1, 0, 0),   # in the sample, complete
]


def _frame(path: Path) -> None:
    df = pd.DataFrame(ROWS, columns=["ccode1", "ccode2", "year", "politically_relevant",
                                     "joint_democracy_polity", "contiguity_land"])
    df = df.assign(dyad_id=df["ccode1"] * 1000 + df["ccode2"], coercion_onset=[0, 1, 0, 0, 1, 0],
                   peace_years_coercion_onset=[0, 1, 0, 1, 0, 1])
    df["peace_years_coercion_onset_2"] = df["peace_years_coercion_onset"] ** 2
    df["peace_years_coercion_onset_3"] = df["peace_years_coercion_onset"] ** 3
    for c in ("joint_democracy_polity", "contiguity_land"):
        df[c] = df[c].astype("Int64")
    df.to_parquet(path)


def _specs():
    return parse_specs({"defaults": {"sample": {"politically_relevant": True}},
                        "specs": {"m1": {"outcome": "coercion_onset",
                                         "regressors": "{joint_democracy} + contiguity_land"}}})


def test_membership_names_every_dropped_row_and_its_missing_columns(tmp_path: Path) -> None:
    _frame(tmp_path / "frame.parquet")
    pd.DataFrame({"model": ["m1"], "n_sample": [5], "n_obs": [2]}).to_parquet(tmp_path / "fit.parquet")
    out = tmp_path / "sample.parquet"
    write_sample_membership(_specs(), {"dyad": tmp_path / "frame.parquet"}, tmp_path / "fit.parquet", out)
    got = duckdb.sql(f"SELECT * FROM read_parquet('{out}')").df()
    assert got[["ccode1", "ccode2", "year"]].values.tolist() == [
        [2, 20, 1990], [2, 20, 1991], [2, 200, 1990], [2, 200, 1991], [20, 200, 1991]]
    assert got["in_sample"].tolist() == [True, False, False, False, True]
    assert [None if pd.isna(v) else v for v in got["reason_dropped"]] == [
        None, "missing: joint_democracy_polity", "missing: contiguity_land",
        "missing: contiguity_land, joint_democracy_polity", None]
    assert set(got["model"]) == {"m1"}


def test_membership_that_disagrees_with_model_fit_fails(tmp_path: Path) -> None:
    _frame(tmp_path / "frame.parquet")
    pd.DataFrame({"model": ["m1"], "n_sample": [5], "n_obs": [3]}).to_parquet(tmp_path / "fit.parquet")
    with pytest.raises(DyadstatsError, match=r"m1 \(fit 5/3, membership 5/2\)"):
        write_sample_membership(_specs(), {"dyad": tmp_path / "frame.parquet"}, tmp_path / "fit.parquet",
                                tmp_path / "sample.parquet")
    assert not (tmp_path / "sample.parquet").exists()
