"""model_sample: each model's sample rows, used or dropped with the missing columns named; the
counts must agree with model_fit or the job fails."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import DyadstatsError
from dyadstats.models import parse_specs
from dyadstats.models.sample_membership import write_model_sample

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
    out = tmp_path / "sample.parquet"
    counts = write_model_sample(_specs()["m1"], tmp_path / "frame.parquet", {"n_sample": 5, "n_obs": 2}, out)
    assert counts == (5, 2)
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
    with pytest.raises(DyadstatsError, match=r"m1 \(fit 5/3, membership 5/2\)"):
        write_model_sample(_specs()["m1"], tmp_path / "frame.parquet", {"n_sample": 5, "n_obs": 3},
                           tmp_path / "sample.parquet")
    assert not (tmp_path / "sample.parquet").exists()


def test_a_model_that_never_read_its_sample_gets_an_empty_file_of_the_same_types(tmp_path: Path) -> None:
    """A failed model's file (no rows) and a fitted model's read as one table (the database's
    model_sample view over every model's file)."""
    _frame(tmp_path / "frame.parquet")
    write_model_sample(_specs()["m1"], tmp_path / "frame.parquet", {"n_sample": 5, "n_obs": 2}, tmp_path / "a.parquet")
    assert write_model_sample(_specs()["m1"], tmp_path / "frame.parquet", {"n_sample": None, "n_obs": None},
                              tmp_path / "b.parquet") == (0, 0)
    files = [str(tmp_path / "b.parquet"), str(tmp_path / "a.parquet")]
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall() == [(5,)]
    types = {str(tmp_path / n): duckdb.sql(f"DESCRIBE SELECT * FROM '{tmp_path / n}'").fetchall()
             for n in ("a.parquet", "b.parquet")}
    assert [t[:2] for t in types[files[0]]] == [t[:2] for t in types[files[1]]]


def test_a_failed_membership_check_leaves_the_models_files_unchanged(tmp_path: Path, monkeypatch) -> None:
    """run_model writes the membership first: when it disagrees with the fit, the job fails
    before the model's estimates, fit row or predictions are written."""
    from dyadstats.models import sample_membership
    from dyadstats.models.tables import run_model

    _frame(tmp_path / "frame.parquet")

    def disagree(*args, **kwargs):
        raise DyadstatsError("sample membership disagrees with model_fit for model m1")

    monkeypatch.setattr(sample_membership, "write_model_sample", disagree)
    parts = [str(tmp_path / f"{p}.parquet") for p in ("estimates", "fit", "predictions", "sample")]
    with pytest.raises(DyadstatsError, match="disagrees"):
        run_model(str(tmp_path / "frame.parquet"), _specs()["m1"].to_dict(), *parts)
    assert not any(Path(p).exists() for p in parts)
