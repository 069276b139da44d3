"""The per-model tables built without pandas are the Parquet bytes pandas writes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dyadstats.io.files import write_parquet
from dyadstats.models import parquet_tables as pt
from dyadstats.models.results import estimates_frame, tidy_columns
from dyadstats.models.spec import FIT_COLUMNS, FIT_FAILED, FIT_OK, PREDICTION_COLUMNS
from dyadstats.models.tables import fit_frame


def _bytes(table: pa.Table, path: Path) -> bytes:
    write_parquet(table, str(path))
    return path.read_bytes()


def _fit_row(**changes) -> dict:
    row = {c: f"text of {c} – ü" for c in FIT_COLUMNS}
    row.update({c: i for i, c in enumerate(("year_min", "year_max", "n_sample", "n_obs", "n_events",
                                            "n_clusters", "iterations", "n_dropped_missing"))})
    row.update({"log_likelihood": -123.25, "ll_null": 0.0, "aic": 250.5, "bic": 260.0,
                "pseudo_r2": float("nan"), "converged": True, "status": FIT_OK, "failure_reason": None,
                "n_clusters": np.int64(41)})
    row.update(changes)
    return row


@pytest.mark.parametrize("changes", [{}, {"pseudo_r2": 0.125, "converged": False, "notes": ""}])
def test_fit_row_bytes_equal_pandas(changes, tmp_path: Path) -> None:
    row = _fit_row(**changes)
    ours = pt.fit_table(row)
    assert ours is not None
    theirs = pa.Table.from_pandas(fit_frame([row]), preserve_index=False)
    assert ours.schema.equals(theirs.schema, check_metadata=True)
    assert _bytes(ours, tmp_path / "a.parquet") == _bytes(theirs, tmp_path / "b.parquet")
    back = pd.read_parquet(tmp_path / "a.parquet")
    assert back.dtypes.to_dict() == fit_frame([row]).dtypes.to_dict()
    assert math.isnan(back["pseudo_r2"][0]) == math.isnan(row["pseudo_r2"])


@pytest.mark.parametrize("changes", [
    {"status": FIT_FAILED, "failure_reason": "no rows"},   # a failed model: pandas writes it
    {"focal_term": None},                                  # a null string column
    {"n_obs": None},
    {"aic": 3},                                            # an int where floats are
    {"converged": 1},
])
def test_other_fit_rows_are_left_to_pandas(changes) -> None:
    assert pt.fit_table(_fit_row(**changes)) is None


def test_estimates_bytes_equal_pandas(tmp_path: Path) -> None:
    terms = ["Intercept", "joint_democracy_polity", "größe", "x"]
    cov = np.diag([0.04, 0.01, 0.0, 2.5])   # a zero variance: z and p are NaN, written as null
    cov[0, 1] = cov[1, 0] = 0.001
    columns = tidy_columns("M1", terms, np.array([-3.5, -0.75, 0.0, 1e-3]), cov, "joint_democracy_polity")
    theirs_frame = estimates_frame(columns)
    ours = pt.estimates_table(columns)
    assert ours is not None
    theirs = pa.Table.from_pandas(theirs_frame, preserve_index=False)
    assert ours.schema.equals(theirs.schema, check_metadata=True)
    assert _bytes(ours, tmp_path / "a.parquet") == _bytes(theirs, tmp_path / "b.parquet")
    assert ours.column("statistic").null_count == 1 and ours.column("is_focal").to_pylist() == [
        False, True, False, False]


def test_no_estimates_are_left_to_pandas() -> None:
    assert pt.estimates_table(tidy_columns("M", [], np.array([]), np.zeros((0, 0)), None)) is None


def test_empty_predictions_bytes_equal_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame(columns=PREDICTION_COLUMNS).reindex(columns=PREDICTION_COLUMNS)
    theirs = pa.Table.from_pandas(frame.astype({"n_obs": "int64"}), preserve_index=False)
    ours = pt.empty_predictions_table()
    assert ours.schema.equals(theirs.schema, check_metadata=True)
    assert _bytes(ours, tmp_path / "a.parquet") == _bytes(theirs, tmp_path / "b.parquet")


def test_string_columns_from_buffers() -> None:
    values = ["", "a", None, "ünï", "x" * 300]
    assert pt.arrow_array(values, "str").to_pylist() == values
    assert pt.arrow_array(np.array([True, False, True] * 5), "bool").to_pylist() == [True, False, True] * 5
