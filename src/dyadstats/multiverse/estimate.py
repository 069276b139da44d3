"""Estimation of a chunk of specifications on one analysis frame, one row per specification."""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dyadstats.errors import DyadstatsError
from dyadstats.models import (
    Design,
    ModelSpec,
    ModelSpecError,
    Resolved,
    check_estimable,
    design_checks,
    fit_design,
    frame_columns,
    prepare,
    resolve,
    spec_from_dict,
)
from dyadstats.models.design import frame_peace_rule
from dyadstats.multiverse.expansion import Specification
from dyadstats.multiverse.fits import (
    EstimatorFit,
    WarmStarts,
    dyad_sums,
    fit_firth,
    fit_logit,
    sums_covariance,
)
from dyadstats.multiverse.prepared import ChunkFrame, build_design, load_chunk_frame
from dyadstats.multiverse.space import DIMENSIONS

log = logging.getLogger("dyadstats.multiverse")


TABLE_COLUMNS = [
    "spec_id", "model", "slug", "chunk", *DIMENSIONS, "focal_term", "focal_scale", "estimate",
    "std_error", "conf_low", "conf_high", "p_value", "odds_ratio", "n_obs", "n_events",
    "n_clusters", "year_min", "year_max", "converged", "separation", "status", "notes", "formula",
]


# --------------------------------------------------------------------------------------------
# Estimation of one chunk
# --------------------------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Errors that fail a design or a specification (recorded), not the chunk.
_ERRORS = (DyadstatsError, ValueError, np.linalg.LinAlgError)
_ALWAYS = ("ccode1", "ccode2", "year", "dyad_id", "era", "politically_relevant")


def needed_columns(specs: Sequence[ModelSpec], available: Sequence[str]) -> list[str]:
    """Frame columns a set of specs reads (model columns, derived-coding inputs, keys)."""
    have = set(available)
    cols: set[str] = {c for c in _ALWAYS if c in have}
    for spec in specs:
        res = resolve(spec, available)
        cols.update(c for c in res.columns if c in have)
        for sql in (*res.derived.values(), res.where, res.cluster_expr):
            cols.update(t for t in _IDENT.findall(sql) if t in have)
    return sorted(cols)


def column_sd(frame: Any, column: str) -> float:
    """Sample standard deviation of a frame column over its non-missing values."""
    if isinstance(frame, pd.DataFrame):
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    else:
        table = frame if isinstance(frame, pa.Table) else pq.read_table(frame, columns=[column])
        values = table.column(column).to_numpy(zero_copy_only=False).astype(float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return math.nan
    return float(np.std(values, ddof=1))


def rescale_weak_link(focal: Mapping[str, float], sd: float) -> dict[str, float]:
    """The weak-link coefficient per SD of the lower score: beta * sd (SE and CI alike).

    Fitting on x / sd gives exactly these numbers (a linear reparametrisation); the z statistic
    and p value do not change.
    """
    out = dict(focal)
    for key in ("estimate", "std_error", "conf_low", "conf_high"):
        out[key] = focal[key] * sd
    out["odds_ratio"] = math.exp(out["estimate"]) if np.isfinite(out["estimate"]) else math.nan
    return out


_FOCAL_NUMBERS = ("estimate", "std_error", "conf_low", "conf_high", "p_value", "odds_ratio")


def _focal_row(result: Any, focal: str | None) -> dict[str, Any]:
    """The focal term's numbers; from the tidy columns when the fit gave them (a DataFrame per
    specification only to read one row cost a tenth of a chunk)."""
    columns = result.estimate_columns
    if columns is None:
        est = result.estimates
        columns = {k: est[k].to_numpy() for k in ("term", *_FOCAL_NUMBERS)}
    terms = list(columns["term"])
    if (focal or "") not in terms:
        return dict.fromkeys(_FOCAL_NUMBERS, math.nan)
    i = terms.index(focal or "")
    return {k: float(columns[k][i]) for k in _FOCAL_NUMBERS}


def _status(fit: Mapping[str, Any], focal: Mapping[str, float]) -> str:
    if not fit["converged"]:
        return "not converged"
    if not np.isfinite(focal["estimate"]) or not np.isfinite(focal["std_error"]):
        return "no estimate"
    return "ok"


def _failed_row(spec: Specification, chunk: str, exc: Exception) -> dict[str, Any]:
    return {
        "spec_id": spec.spec_id, "model": spec.model.name, "slug": spec.slug, "chunk": chunk,
        **spec.choices, "status": "failed", "notes": f"{type(exc).__name__}: {exc}",
        "converged": False, "separation": "", "focal_term": None, "formula": None,
    }


_SCALES = {
    "regime_vs_autocracy": "joint democracy vs joint autocracy (0/1; mixed dyads entered)",
    "regime_vs_mixed": "joint democracy vs mixed dyads (0/1; joint autocracies entered)",
}


def _frame_table(frame: Any, specs: Sequence[Specification]) -> tuple[pa.Table, list[str], str | None]:
    """The frame as an Arrow table (a path: only the columns the specs read), its full column
    list and its peace-years rule."""
    available = frame_columns(frame)
    if isinstance(frame, pa.Table):
        return frame, available, None
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False), available, None
    columns = needed_columns([s.model for s in specs], available)
    return pq.read_table(frame, columns=columns), available, frame_peace_rule(frame)


def _design(table: pa.Table, chunk_frame: ChunkFrame, res: Resolved) -> Design:
    """The spec's design from the chunk's arrays, or by :func:`dyadstats.models.prepare`."""
    return build_design(chunk_frame, res) or prepare(table, res)


def _spec_row(spec: Specification, chunk: str, result: Any, frame: pa.Table,
              sds: dict[str, float]) -> dict[str, Any]:
    fit = result.fit
    focal = _focal_row(result, fit["focal_term"])
    scale = _SCALES.get(spec.choices["link"], "joint democracy (0/1)")
    if spec.choices["link"] == "weak_link":
        column = fit["focal_term"]
        if column not in sds:
            sds[column] = column_sd(frame, column)
        focal = rescale_weak_link(focal, sds[column])
        scale = f"weak link: per SD ({sds[column]:.4g}) of {column} over all dyad-years"
    return {
        "spec_id": spec.spec_id, "model": spec.model.name, "slug": spec.slug, "chunk": chunk,
        **spec.choices,
        "focal_term": fit["focal_term"],
        "focal_scale": scale,
        **focal,
        "n_obs": fit["n_obs"], "n_events": fit["n_events"], "n_clusters": fit["n_clusters"],
        "year_min": fit["year_min"], "year_max": fit["year_max"],
        "converged": fit["converged"], "separation": fit["separation"],
        "status": _status(fit, focal), "notes": fit["notes"], "formula": fit["formula"],
    }


def _fit_group(design: Design, group: Sequence[Specification], warm: WarmStarts) -> list[Any]:
    """Each spec's :class:`~dyadstats.models.ModelResult` (or the exception that failed it);
    a converged logit joins the warm starts."""
    check_estimable(design)
    checks = design_checks(design)
    runs = dyad_sums(design)
    fits: dict[str, EstimatorFit | Exception] = {}
    logit: pd.Series | None = None
    out: list[Any] = []
    for spec in group:
        model = spec.model
        estimator = model.estimator
        if estimator not in fits:
            try:
                if estimator == "logit":
                    fits[estimator] = fit_logit(design, model, warm.logit_start(design), checks.scale_values)
                    if fits[estimator].fitted[1]["converged"]:
                        logit = fits[estimator].fitted[0]
                        warm.add_logit(design, logit)
                elif estimator == "firth":
                    fits[estimator] = fit_firth(design, model, warm.firth_start(design, logit))
                    if logit is not None and fits[estimator].fitted[1]["converged"]:
                        warm.add_firth(design, fits[estimator].fitted[0], logit)
                else:
                    raise ModelSpecError(f"model {model.name!r}: estimator {estimator!r} is not a "
                                         "multiverse estimator")
            except _ERRORS as exc:
                fits[estimator] = exc
        done = fits[estimator]
        if isinstance(done, Exception):
            out.append(done)
            continue
        try:
            cov = sums_covariance(model, done.scores, done.bread, runs) if runs else None
            out.append(fit_design(design, model, fitted=done.fitted, covariance=cov, checks=checks))
        except _ERRORS as exc:
            out.append(exc)
    return out


def estimate_specifications(frame: Any, specs: Sequence[Specification], chunk: str = "") -> pd.DataFrame:
    """Fit each specification on ``frame`` (path, Arrow table or pandas); one row per spec.

    The frame is read once (a path: the columns the specs read) and brought into NumPy once
    (:func:`~dyadstats.multiverse.prepared.load_chunk_frame`); a design is built from those arrays
    once per group of specifications that differ only in the estimator and the covariance
    (:func:`~dyadstats.multiverse.prepared.build_design`, else :func:`dyadstats.models.prepare`),
    and each estimator is fitted once per design: its point estimate and per-dyad score sums
    serve every covariance choice (:mod:`~dyadstats.multiverse.fits`). Logits are warm-started
    from a neighbouring design's logit estimate (:class:`~dyadstats.multiverse.fits.WarmStarts`),
    Firth from its own design's logit; either changes the number of Newton steps, not the root.
    Weak-link estimates are reported per SD of the lower score over all dyad-years of the frame
    (:func:`rescale_weak_link`), so they sit on a comparable scale across measures.
    A specification that cannot be estimated (no complete rows, singular design) becomes a row
    with ``status = 'failed'`` and the error in ``notes``, so one bad cell never stops the grid.
    """
    table, available, rule = _frame_table(frame, specs)
    groups = [list(g) for _, g in itertools.groupby(specs, key=lambda s: s.design_key)]
    resolved: list[Resolved | Exception] = []
    for group in groups:
        try:
            resolved.append(resolve(group[0].model, available, rule))
        except _ERRORS as exc:
            resolved.append(exc)
    chunk_frame = load_chunk_frame(table, [r for r in resolved if isinstance(r, Resolved)])
    rows: list[dict[str, Any]] = []
    sds: dict[str, float] = {}
    warm = WarmStarts()
    for group, res in zip(groups, resolved, strict=True):
        try:
            if isinstance(res, Exception):
                raise res
            design = _design(table, chunk_frame, res)
            results = _fit_group(design, group, warm)
        except _ERRORS as exc:
            log.warning("multiverse %s: design failed: %s", group[0].design_key, exc)
            rows.extend(_failed_row(s, chunk, exc) for s in group)
            continue
        for spec, result in zip(group, results, strict=True):
            if isinstance(result, Exception):
                log.warning("multiverse %s: fit failed: %s", spec.slug, result)
                rows.append(_failed_row(spec, chunk, result))
            else:
                rows.append(_spec_row(spec, chunk, result, table, sds))
    return spec_table(rows)


_INT_COLUMNS = ("spec_id", "n_obs", "n_events", "n_clusters", "year_min", "year_max")
_FLOAT_COLUMNS = ("estimate", "std_error", "conf_low", "conf_high", "p_value", "odds_ratio")


def spec_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows as a typed frame in :data:`TABLE_COLUMNS` order, sorted by ``spec_id``."""
    df = pd.DataFrame(list(rows), columns=TABLE_COLUMNS)
    for c in _INT_COLUMNS:
        df[c] = df[c].astype("Int64")
    for c in _FLOAT_COLUMNS:
        df[c] = df[c].astype("float64")
    df["converged"] = df["converged"].astype("bool")
    for c in (c for c in TABLE_COLUMNS if c not in _INT_COLUMNS + _FLOAT_COLUMNS + ("converged",)):
        df[c] = df[c].astype("string")
    return df.sort_values("spec_id", kind="stable").reset_index(drop=True)


def run_chunk(
    frame_path: str, spec_dicts: Sequence[Mapping[str, Any]], chunk: str, out_path: str, threads: int = 1
) -> pd.DataFrame:
    """Snakemake entry point: read the frame once (needed columns only), fit, write Parquet.

    BLAS is held to the job's declared ``threads``: two chunk jobs on two cores must not each
    start a thread per core (oversubscription makes the grid slower, not faster). Freed large
    blocks are kept for reuse (:mod:`dyadstats.multiverse.memory`).
    """
    from threadpoolctl import threadpool_limits

    from dyadstats.multiverse.memory import reuse_freed_memory

    reuse_freed_memory()
    with threadpool_limits(limits=max(1, int(threads))):
        return _run_chunk(frame_path, spec_dicts, chunk, out_path)


def _run_chunk(frame_path: str, spec_dicts: Sequence[Mapping[str, Any]], chunk: str, out_path: str) -> pd.DataFrame:
    from dyadstats.io.files import write_parquet

    specs = [
        Specification(int(d["spec_id"]), dict(d["choices"]), spec_from_dict(d["model"])) for d in spec_dicts
    ]
    log.info("multiverse chunk %s: %d specifications", chunk, len(specs))
    df = estimate_specifications(frame_path, specs, chunk)
    write_parquet(pa.Table.from_pandas(df, preserve_index=False), out_path)
    bad = df[df["status"] != "ok"]
    log.info("multiverse chunk %s: %d ok, %d not ok", chunk, len(df) - len(bad), len(bad))
    return df
