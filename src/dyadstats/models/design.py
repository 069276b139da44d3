"""Sample and design: the resolved sample read through DuckDB, listwise deletion, X
(:mod:`dyadstats.models.design_matrix`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from dyadstats.errors import DyadstatsError
from dyadstats.models.design_matrix import dmatrices
from dyadstats.models.resolve import _IDENT, Resolved, resolve
from dyadstats.models.sample_sql import sample_select
from dyadstats.models.spec import ModelSpec
from dyadstats.safe_expr import eval_namespace

log = logging.getLogger("dyadstats.models")


@dataclass
class Design:
    """Complete-case data and design matrices of one resolved spec (reusable across fits)."""

    resolved: Resolved
    data: pd.DataFrame              # complete-case rows: model columns, keys, regime pair
    y: np.ndarray
    X: pd.DataFrame
    groups: np.ndarray
    n_sample: int
    dropped_by_column: dict[str, int]

    @property
    def n_dropped(self) -> int:
        return self.n_sample - len(self.y)


def _relation_name(con: duckdb.DuckDBPyConnection, source: Any) -> str:
    """Register or reference the frame: Parquet path, Arrow table or pandas frame."""
    if isinstance(source, str | Path):
        return f"read_parquet('{Path(source).as_posix()}')"
    if isinstance(source, pa.Table | pd.DataFrame):
        con.register("analysis_frame", source)
        return "analysis_frame"
    raise TypeError(f"frame source must be a path, Arrow table or pandas frame, got {type(source)}")


def frame_columns(source: Any) -> list[str]:
    """Column names of a frame source without reading its data."""
    if isinstance(source, pa.Table):
        return list(source.column_names)
    if isinstance(source, pd.DataFrame):
        return [str(c) for c in source.columns]
    import pyarrow.parquet as pq

    return list(pq.read_schema(source).names)


def frame_peace_rule(source: Any) -> str | None:
    """The peace-years rule a frame file was built with (its metadata); None if not recorded."""
    if not isinstance(source, str | Path):
        return None
    import pyarrow.parquet as pq

    meta = pq.read_schema(source).metadata or {}
    rule = meta.get(b"dyadstats.peace_years_rule")
    return rule.decode() if rule else None


def no_complete_rows(resolved: Resolved, n_sample: int) -> DyadstatsError:
    """The error of a sample that listwise deletion leaves empty."""
    return DyadstatsError(
        f"model {resolved.spec.name!r}: no complete rows in the sample "
        f"({resolved.spec.sample.describe()}; {n_sample} rows before listwise deletion)"
    )


def check_binary_outcome(resolved: Resolved, y: np.ndarray) -> None:
    """Refuse an outcome holding anything but 0 and 1 (a logit's outcome)."""
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise DyadstatsError(
            f"model {resolved.spec.name!r}: outcome {resolved.outcome!r} must be 0/1; "
            f"{int(bad.sum())} rows hold other values (e.g. {y[bad][:3].tolist()})"
        )


def prepare(source: Any, spec: ModelSpec | Resolved) -> Design:
    """Read the sample (needed columns only, filter pushed down), drop incomplete rows, build X.

    Listwise deletion is counted per column among the sample rows (a row missing two columns
    counts under both), and cluster ids come from the complete-case rows, so the groups line
    up with the estimation sample exactly.
    """
    available = frame_columns(source)
    resolved = spec if isinstance(spec, Resolved) else resolve(spec, available, frame_peace_rule(source))
    if isinstance(source, pa.Table | pd.DataFrame):
        # Project in-memory frames to the referenced columns first (cheap, avoids wide scans).
        referenced = set(_IDENT.findall(" ".join([
            *resolved.columns, *resolved.derived.values(), resolved.where, resolved.cluster_expr,
            "ccode1 ccode2 year", resolved.regime_pair or "",
            *(resolved.spells.inputs if resolved.spells else ()),
        ])))
        keep_cols = [c for c in available if c in referenced]
        source = source.select(keep_cols) if isinstance(source, pa.Table) else source[keep_cols]
    con = duckdb.connect()
    try:
        rel = _relation_name(con, source)
        base = sample_select(resolved, rel)
        model_cols = [c for c in resolved.columns if c != resolved.outcome]
        counts = ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in model_cols)
        row = con.execute(f"SELECT count(*){', ' + counts if counts else ''} FROM ({base})", resolved.params).fetchone()
        n_sample = int(row[0])
        dropped = {c: int(n) for c, n in zip(model_cols, row[1:], strict=True) if n}
        keep = [*resolved.columns, "ccode1", "ccode2", "year"]
        if resolved.regime_pair and resolved.regime_pair not in keep:
            keep.append(resolved.regime_pair)
        complete = " AND ".join(f'"{c}" IS NOT NULL' for c in resolved.columns)
        # model columns as DOUBLE already in DuckDB: no float copy of each column in pandas
        select = ", ".join(f'"{c}"::DOUBLE AS "{c}"' if c in resolved.columns and c != resolved.regime_pair
                           else f'"{c}"' for c in dict.fromkeys(keep))
        columns = con.execute(
            f"SELECT {select}, {resolved.cluster_expr} AS __cluster FROM ({base}) "
            # A total order (directed frames hold A->B and B->A in one year): float sums
            # then run in the same order every time, so reruns are byte-identical.
            f"WHERE {complete} ORDER BY __cluster, \"year\", \"ccode1\", \"ccode2\"",
            resolved.params,
        ).fetchnumpy()
    finally:
        con.close()
    groups = np.asarray(columns.pop("__cluster"))
    # NumPy columns straight from DuckDB, kept as they are (no block copy): a fifth of
    # .df()'s cost on 0.7 M rows
    data = pd.DataFrame(columns, copy=False)
    if data.empty:
        raise no_complete_rows(resolved, n_sample)
    frame = data
    y, X = dmatrices(resolved.formula, frame, eval_namespace())
    check_binary_outcome(resolved, y)
    log.info("%s: %d sample rows, %d complete, %d events, %d regressors",
             resolved.spec.name, n_sample, len(y), int(y.sum()), X.shape[1])
    return Design(resolved=resolved, data=frame, y=y, X=X, groups=groups, n_sample=n_sample,
                  dropped_by_column=dropped)
