"""Tidy tables on disk: per-model Parquet outputs, the Snakemake entry point, the gather step.

A cleanly fitted model's tables are written from its arrays without pandas
(:mod:`dyadstats.models.parquet_tables`, the same bytes); a failed model's, and computed
predictions, through pandas.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dyadstats.errors import ConfigError, DyadstatsError
from dyadstats.models.design import Design, prepare
from dyadstats.models.estimate import ModelResult, fit_design
from dyadstats.models.failures import NOT_ESTIMABLE
from dyadstats.models.shared import SHARED, SharedDesigns
from dyadstats.models.spec import (
    ESTIMATE_COLUMNS,
    FIT_COLUMNS,
    FIT_FAILED,
    PREDICTION_COLUMNS,
    FrameColumnError,
    ModelSpec,
    spec_from_dict,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("dyadstats.models")

# Nullable integers: a failed model's row has no years, clusters or iterations.
_FIT_TYPES = {
    "year_min": "Int64", "year_max": "Int64", "n_sample": "Int64", "n_obs": "Int64",
    "n_events": "Int64", "n_clusters": "Int64", "iterations": "Int64",
    "n_dropped_missing": "Int64", "converged": "bool",
}
_ESTIMATE_TYPES = {"model": "object", "term": "object", "term_index": "int64", "is_focal": "bool"}


def fit_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Fit rows as a typed frame in the contract's column order."""
    import pandas as pd

    df = pd.DataFrame(list(rows), columns=FIT_COLUMNS)
    # a string column even when every row is fitted (all null), so every part's schema agrees
    return df.astype({**_FIT_TYPES, "failure_reason": "string"})


def failed_result(spec: ModelSpec, exc: BaseException, design: Design | None = None) -> ModelResult:
    """The tidy tables of a model that could not be estimated: one fit row with ``status``
    failed and the reason, no estimates, no predictions. What is known (the formula, the sample
    counts once the design was built) is filled in."""
    import pandas as pd

    reason = str(exc) if isinstance(exc, DyadstatsError) else f"{type(exc).__name__} in the fit: {exc}"
    fit: dict[str, Any] = {c: None for c in FIT_COLUMNS}
    fit.update({
        "model": spec.name, "description": spec.description, "outcome": spec.outcome,
        "estimator": spec.estimator, "cov_type": spec.covariance, "frame": spec.frame,
        "democracy": spec.democracy, "sample": spec.sample.describe(), "converged": False,
        "dropped_by_column": "{}", "separation": "", "notes": "", "status": FIT_FAILED,
        "failure_reason": reason, "spec": json.dumps(spec.to_dict(), sort_keys=True),
    })
    for key in ("log_likelihood", "ll_null", "aic", "bic", "pseudo_r2"):
        fit[key] = float("nan")
    if design is not None:
        years = design.column("year")
        fit.update({
            "formula": design.resolved.formula, "n_sample": design.n_sample, "n_obs": len(design.y),
            "n_events": int(design.y.sum()), "n_dropped_missing": design.n_dropped,
            "year_min": int(years.min()), "year_max": int(years.max()),
            "dropped_by_column": json.dumps(design.dropped_by_column, sort_keys=True),
        })
    estimates = pd.DataFrame({c: pd.Series(dtype=_ESTIMATE_TYPES.get(c, "float64")) for c in ESTIMATE_COLUMNS})
    predictions = pd.DataFrame({c: pd.Series(dtype="object" if c in ("model", "quantity", "group") else "float64")
                                for c in PREDICTION_COLUMNS})
    return ModelResult(spec.name, pd.Series(dtype=float), pd.DataFrame(), estimates, fit, predictions)


def fit_or_fail(source: Any, spec: ModelSpec, shared: SharedDesigns | None = None) -> ModelResult:
    """Prepare and fit ``spec``; a model that is not estimable on its data (no rows in its
    sample, a constant outcome or regressor, a singular design: the errors in
    :data:`~dyadstats.models.failures.NOT_ESTIMABLE`) comes back as :func:`failed_result`.

    A spec that names a column the frame lacks, or is otherwise invalid, is the config's
    error, not the data's: it stops the job with its message (the previous outputs are kept).

    ``shared``: designs and point estimates shared with the other specs of this process
    (:mod:`dyadstats.models.shared`; the same results, each built once).
    """
    design = None
    try:
        if shared is None:
            design = prepare(source, spec)
            return fit_design(design, spec)
        design = shared.design(source, spec)
        return fit_design(design, spec, shared.point_estimate(design, spec))
    except (ConfigError, FrameColumnError):
        raise
    except NOT_ESTIMABLE as exc:
        log.warning("%s: not estimated: %s", spec.name, exc)
        return failed_result(spec, exc, design)


def write_model_outputs(result: ModelResult, estimates_path: str, fit_path: str, predictions_path: str) -> None:
    """Per-model Parquet outputs (atomic, deterministic)."""
    from dyadstats.io.files import write_parquet
    from dyadstats.models import parquet_tables

    columns = result.estimate_columns
    estimates = parquet_tables.estimates_table(columns) if columns is not None else None
    fit = parquet_tables.fit_table(result.fit)
    predictions = None if result.has_predictions_frame else parquet_tables.empty_predictions_table()
    if estimates is None or fit is None or predictions is None:
        import pyarrow as pa

        estimates = estimates or pa.Table.from_pandas(result.estimates, preserve_index=False)
        fit = fit or pa.Table.from_pandas(fit_frame([result.fit]), preserve_index=False)
        predictions = predictions or pa.Table.from_pandas(
            result.predictions.astype({"n_obs": "int64"}), preserve_index=False)
    write_parquet(estimates, estimates_path)
    write_parquet(fit, fit_path)
    write_parquet(predictions, predictions_path)


def run_model(frame_path: str, spec_dict: Mapping[str, Any], estimates_path: str, fit_path: str,
              predictions_path: str, sample_path: str | None = None) -> ModelResult:
    """Snakemake entry point for one model: spec dict -> three per-model Parquet files, and
    (``sample_path``) its sample membership (:mod:`dyadstats.models.sample_membership`)."""
    from threadpoolctl import threadpool_limits

    spec = spec_from_dict(spec_dict)
    # One BLAS thread, set for the whole process (not a context: model jobs share the
    # Snakemake process as threads, and restoring the limit would race). OpenBLAS splits
    # sums differently when jobs run side by side, changing the last bits of estimates.
    threadpool_limits(limits=1)
    # the twins of this spec (same sample and formula) in this process share its design
    result = fit_or_fail(frame_path, spec, SHARED)
    if sample_path is not None:
        from dyadstats.models.sample_membership import write_model_sample

        # first: a membership that disagrees with the fit fails the job before any of the
        # model's files changes (the previous ones stay, dyadstats.io.keep)
        write_model_sample(spec, frame_path, result.fit, sample_path)
    write_model_outputs(result, estimates_path, fit_path, predictions_path)
    return result


def gather_models(model_names: Sequence[str], estimates: Sequence[str], fits: Sequence[str],
                  predictions: Sequence[str], out_estimates: str, out_fit: str,
                  out_predictions: str, audit_path: str) -> None:
    """Concatenate per-model tables in config order into the three tidy tables + stage audit."""
    import pandas as pd
    import pyarrow as pa

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
            notes=[f"{r.model}: failed: {r.failure_reason}" if r.status == FIT_FAILED else
                   f"{r.model}: N={r.n_obs}, events={r.n_events}, dropped={r.n_dropped_missing}, "
                   f"converged={r.converged}, separation={r.separation}" for r in fit.itertuples()],
        ),
        table_record("model_predictions", profile_frame(pred, ["model", "quantity", "group"]),
                     inputs=list(predictions)),
    ]
    write_stage_audit("models", records, audit_path)
