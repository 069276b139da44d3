"""Sample and design: the resolved sample read through DuckDB, listwise deletion, X
(:mod:`dyadstats.models.design_matrix`).

A :class:`Design` holds NumPy arrays: the sample's columns by name and the design matrix with
its column names. The common formula (bare numeric names) is built and fitted without pandas
or patsy; ``Design.X`` and ``Design.data`` give the pandas views (patsy's ``DesignInfo``
attached to ``X``) to the code that wants them (predictions, mixed and relogit fits), built on
first use from the same arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from dyadstats.errors import DyadstatsError
from dyadstats.io.files import is_arrow_table, is_dataframe
from dyadstats.models.design_matrix import DesignMatrix, design_info, dmatrices, numpy_design
from dyadstats.models.resolve import _IDENT, Resolved, resolve
from dyadstats.models.sample_sql import sample_select
from dyadstats.models.separation import ColumnRanges, column_ranges, column_scales
from dyadstats.models.spec import ModelSpec

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("dyadstats.models")

#: The complete-case rows by column name: NumPy arrays, or a pandas frame.
Columns = Mapping[str, np.ndarray]


class Design:
    """Complete-case data and design matrices of one resolved spec (reusable across fits).

    ``data``: the complete-case rows (model columns, keys, regime pair) as NumPy columns by
    name or a pandas frame; ``X``: a :class:`~dyadstats.models.design_matrix.DesignMatrix` or
    patsy's DataFrame. Either way :attr:`matrix`, :attr:`terms` and :meth:`column` read them
    as NumPy, and :attr:`X` / :attr:`data` as pandas.
    """

    def __init__(self, resolved: Resolved, data: Columns | pd.DataFrame, y: np.ndarray,
                 X: DesignMatrix | pd.DataFrame, groups: np.ndarray, n_sample: int,
                 dropped_by_column: dict[str, int]) -> None:
        self.resolved = resolved
        self.y = y
        self.groups = groups
        self.n_sample = n_sample
        self.dropped_by_column = dropped_by_column
        self._data = data
        self._X = X
        self._cache: dict[str, Any] = {}  # the pandas views and the term scales, built once

    @property
    def n_dropped(self) -> int:
        return self.n_sample - len(self.y)

    @property
    def matrix(self) -> np.ndarray:
        """The design matrix as a NumPy array (column-major as built; no copy)."""
        if isinstance(self._X, DesignMatrix):
            return self._X.values
        return self._X.to_numpy()

    @property
    def terms(self) -> list[str]:
        """The design's column names (patsy's)."""
        return [str(c) for c in self._X.columns]

    def column(self, name: str) -> np.ndarray:
        """One column of the complete-case rows as a NumPy array."""
        col = self._data[name]
        return col if isinstance(col, np.ndarray) else col.to_numpy()

    def has_column(self, name: str) -> bool:
        """Whether the complete-case rows hold column ``name``."""
        return name in self._data

    def scales(self) -> np.ndarray:
        """:func:`~dyadstats.models.separation.column_scales` of the matrix (computed once)."""
        if "scales" not in self._cache:
            self._cache["scales"] = column_scales(self.matrix, self.ranges())
        return self._cache["scales"]

    def ranges(self) -> ColumnRanges:
        """:func:`~dyadstats.models.separation.column_ranges` of the matrix (computed once: the
        estimability, separation and scale checks all read them)."""
        if "ranges" not in self._cache:
            self._cache["ranges"] = column_ranges(self.matrix)
        return self._cache["ranges"]

    def gram(self) -> np.ndarray:
        """``X'X`` (computed once: the rank checks of the design and of the Newton fit read it)."""
        if "gram" not in self._cache:
            X = self.matrix
            self._cache["gram"] = X.T @ X
        return self._cache["gram"]

    def shares_matrix(self, other: Design) -> bool:
        """Whether ``other`` is this design or a view of it (the same matrix object)."""
        return self._X is other._X

    def nbytes(self) -> int:
        """Memory held by the arrays of the rows, the matrix and the vectors (shallow)."""
        if isinstance(self._data, Mapping):
            data = sum(np.asarray(c).nbytes for c in self._data.values())
        else:
            data = int(self._data.memory_usage(index=True).sum())
        return int(data + self.matrix.nbytes + self.y.nbytes + self.groups.nbytes)

    def with_resolved(self, resolved: Resolved) -> Design:
        """This design under another spec's resolution (same arrays, same pandas views and scales)."""
        twin = Design(resolved, self._data, self.y, self._X, self.groups, self.n_sample,
                      self.dropped_by_column)
        twin._cache = self._cache
        return twin

    @property
    def data(self) -> pd.DataFrame:
        """The complete-case rows as a pandas frame (its columns are the arrays, not copies)."""
        if "data" not in self._cache:
            import pandas as pd

            self._cache["data"] = (self._data if isinstance(self._data, pd.DataFrame)
                                    else pd.DataFrame(dict(self._data), copy=False))
        return self._cache["data"]

    @property
    def X(self) -> pd.DataFrame:
        """The design matrix as patsy's DataFrame, ``design_info`` attached."""
        if "X" not in self._cache:
            if isinstance(self._X, DesignMatrix):
                import pandas as pd

                from dyadstats.safe_expr import eval_namespace

                frame = pd.DataFrame(self._X.values, columns=list(self._X.columns),
                                     index=self.data.index, copy=False)
                frame.design_info = design_info(self._X.formula, self.data, eval_namespace())  # type: ignore[attr-defined]
                self._cache["X"] = frame
            else:
                self._cache["X"] = self._X
        return self._cache["X"]


def _in_memory(source: Any) -> bool:
    """An Arrow table or pandas frame (without importing either for a path)."""
    return is_arrow_table(source) or is_dataframe(source)


def _relation_name(con: duckdb.DuckDBPyConnection, source: Any) -> str:
    """Register or reference the frame: Parquet path, Arrow table or pandas frame."""
    if isinstance(source, str | Path):
        return f"read_parquet('{Path(source).as_posix()}')"
    if _in_memory(source):
        con.register("analysis_frame", source)
        return "analysis_frame"
    raise TypeError(f"frame source must be a path, Arrow table or pandas frame, got {type(source)}")


def frame_columns(source: Any) -> list[str]:
    """Column names of a frame source without reading its data."""
    if is_arrow_table(source):
        return list(source.column_names)
    if is_dataframe(source):
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
    if _in_memory(source):
        # Project in-memory frames to the referenced columns first (cheap, avoids wide scans).
        referenced = set(_IDENT.findall(" ".join([
            *resolved.columns, *resolved.derived.values(), resolved.where, resolved.cluster_expr,
            "ccode1 ccode2 year", resolved.regime_pair or "",
            *(resolved.spells.inputs if resolved.spells else ()),
        ])))
        keep_cols = [c for c in available if c in referenced]
        source = source.select(keep_cols) if is_arrow_table(source) else source[keep_cols]
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
    if not len(groups):
        raise no_complete_rows(resolved, n_sample)
    data, y, X = _design_arrays(resolved.formula, columns)
    check_binary_outcome(resolved, y)
    log.info("%s: %d sample rows, %d complete, %d events, %d regressors",
             resolved.spec.name, n_sample, len(y), int(y.sum()), X.shape[1])
    return Design(resolved=resolved, data=data, y=y, X=X, groups=groups, n_sample=n_sample,
                  dropped_by_column=dropped)


def _design_arrays(formula: str, columns: dict[str, np.ndarray],
                   ) -> tuple[Columns | pd.DataFrame, np.ndarray, DesignMatrix | pd.DataFrame]:
    """``(data, y, X)`` of the complete-case NumPy ``columns``: a bare numeric formula without
    pandas or patsy, any other through patsy on a pandas frame of the same columns."""
    built = numpy_design(formula, columns)
    if built is not None:
        return columns, *built
    import pandas as pd

    from dyadstats.safe_expr import eval_namespace

    # NumPy columns straight from DuckDB, kept as they are (no block copy): a fifth of
    # .df()'s cost on 0.7 M rows
    frame = pd.DataFrame(columns, copy=False)
    y, X = dmatrices(formula, frame, eval_namespace())
    return frame, y, X
