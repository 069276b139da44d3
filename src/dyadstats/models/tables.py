"""Tidy tables on disk: per-model Parquet outputs, the Snakemake entry point, the gather step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from dyadstats.models.design import prepare
from dyadstats.models.estimate import ModelResult, fit_design
from dyadstats.models.spec import FIT_COLUMNS, spec_from_dict

_FIT_TYPES = {
    "year_min": "int64", "year_max": "int64", "n_sample": "int64", "n_obs": "int64",
    "n_events": "int64", "n_clusters": "int64", "iterations": "int64",
    "n_dropped_missing": "int64", "converged": "bool",
}


def fit_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Fit rows as a typed frame in the contract's column order."""
    df = pd.DataFrame(list(rows), columns=FIT_COLUMNS)
    return df.astype(_FIT_TYPES)


def write_model_outputs(result: ModelResult, estimates_path: str, fit_path: str, predictions_path: str) -> None:
    """Per-model Parquet outputs (atomic, deterministic)."""
    from dyadstats.io.files import write_parquet

    write_parquet(pa.Table.from_pandas(result.estimates, preserve_index=False), estimates_path)
    write_parquet(pa.Table.from_pandas(fit_frame([result.fit]), preserve_index=False), fit_path)
    write_parquet(pa.Table.from_pandas(result.predictions.astype({"n_obs": "int64"}), preserve_index=False),
                  predictions_path)


def run_model(frame_path: str, spec_dict: Mapping[str, Any], estimates_path: str, fit_path: str,
              predictions_path: str) -> ModelResult:
    """Snakemake entry point for one model: spec dict -> three per-model Parquet files."""
    from threadpoolctl import threadpool_limits

    spec = spec_from_dict(spec_dict)
    # One BLAS thread, set for the whole process (not a context: model jobs share the
    # Snakemake process as threads, and restoring the limit would race). OpenBLAS splits
    # sums differently when jobs run side by side, changing the last bits of estimates.
    threadpool_limits(limits=1)
    result = fit_design(prepare(frame_path, spec), spec)
    write_model_outputs(result, estimates_path, fit_path, predictions_path)
    return result


def gather_models(model_names: Sequence[str], estimates: Sequence[str], fits: Sequence[str],
                  predictions: Sequence[str], out_estimates: str, out_fit: str,
                  out_predictions: str, audit_path: str) -> None:
    """Concatenate per-model tables in config order into the three tidy tables + stage audit."""
    from dyadstats.audit import profile_frame, table_record, write_stage_audit
    from dyadstats.io.files import write_parquet

    order = {name: i for i, name in enumerate(model_names)}

    def cat(paths: Sequence[str], sort: list[str]) -> pd.DataFrame:
        if not paths:  # no models declared: empty tables with the contract's columns
            return pd.DataFrame(columns=["model", *sort])
        df = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
        df["__order"] = df["model"].map(order)
        return df.sort_values(["__order", *sort], kind="stable").drop(columns="__order").reset_index(drop=True)

    est = cat(estimates, ["term_index"])
    fit = cat(fits, [])
    pred = cat(predictions, [])
    for df, path in ((est, out_estimates), (fit, out_fit), (pred, out_predictions)):
        write_parquet(pa.Table.from_pandas(df, preserve_index=False), path)
    records = [
        table_record("model_estimates", profile_frame(est, ["model", "term"]), inputs=list(estimates)),
        table_record(
            "model_fit", profile_frame(fit.drop(columns=["spec"]), ["model"]), inputs=list(fits),
            notes=[f"{r.model}: N={r.n_obs}, events={r.n_events}, dropped={r.n_dropped_missing}, "
                   f"converged={r.converged}, separation={r.separation}" for r in fit.itertuples()],
        ),
        table_record("model_predictions", profile_frame(pred, ["model", "quantity", "group"]),
                     inputs=list(predictions)),
    ]
    write_stage_audit("models", records, audit_path)
