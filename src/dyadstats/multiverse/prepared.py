"""The designs of a chunk built in NumPy from one read of the frame (no per-design DuckDB or patsy).

A chunk's specifications share one frame. :func:`load_chunk_frame` turns the columns every
specification reads into float64 arrays (NULL as NaN) once per chunk, adds the derived
(threshold-coded) columns their resolution defines by one DuckDB projection, and keeps the rows
in the order :func:`dyadstats.models.prepare` sorts a sample by (cluster, year, ccode1, ccode2). :func:`build_design`
then makes a specification's :class:`~dyadstats.models.Design` by masks and column stacking:
the sample filter, listwise deletion with its per-column counts, the 0/1 outcome check and the
design matrix with patsy's columns and names (intercept, the named columns, the centred natural
cubic spline ``cr()`` of :mod:`dyadstats.models.splines` evaluated per distinct value).

It covers the multiverse's shapes only: a spec it cannot build exactly (its own peace-years
count, an era or ``where`` filter, a formula term other than a column name or ``cr(col, df=K,
constraints='center')``, a frame without ``dyad_id``) gets ``None`` and the caller uses
:func:`dyadstats.models.prepare`. ``tests/unit/multiverse/test_prepared.py`` checks both give
the same design.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from patsy.mgcv_cubic_splines import (
    _absorb_constraints,
    _get_all_sorted_knots,
    _get_free_crs_dmatrix,
)

from dyadstats.models import Design, Resolved
from dyadstats.models.design import check_binary_outcome, no_complete_rows

#: Row order of a prepared sample (dyadstats.models.design.prepare with ``dyad_id`` clusters).
ORDER = ("dyad_id", "year", "ccode1", "ccode2")
_KEYS = ("ccode1", "ccode2", "year", "dyad_id", "politically_relevant")
_SPLINE = re.compile(r"cr\(([A-Za-z_][A-Za-z0-9_]*), df=(\d+), constraints='center'\)")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class ChunkFrame:
    """The chunk's columns, sorted as a prepared sample, NULL as NaN (keys as int64)."""

    columns: dict[str, np.ndarray]
    keys: dict[str, np.ndarray]
    n_rows: int
    _missing: dict[str, np.ndarray] = field(default_factory=dict)

    def missing(self, column: str) -> np.ndarray:
        """Where ``column`` is NULL (computed once per chunk)."""
        if column not in self._missing:
            self._missing[column] = np.isnan(self.columns[column])
        return self._missing[column]


def _terms(resolved: Resolved) -> list[tuple[str, int]] | None:
    """The formula's right-hand side as ``(column, spline df)`` terms (0: the column itself)."""
    out: list[tuple[str, int]] = []
    for term in resolved.rhs.split(" + "):
        term = term.strip()
        spline = _SPLINE.fullmatch(term)
        if spline:
            out.append((spline.group(1), int(spline.group(2))))
        elif _COLUMN.fullmatch(term):
            out.append((term, 0))
        else:
            return None
    return list(dict.fromkeys(out))


def supported(resolved: Resolved) -> bool:
    """Whether :func:`build_design` builds this spec's design exactly."""
    sample = resolved.spec.sample
    return (resolved.spells is None and not sample.era and not sample.where
            and resolved.cluster_expr == '"dyad_id"' and _terms(resolved) is not None
            and resolved.formula == f"{resolved.outcome} ~ {resolved.rhs}")


def load_chunk_frame(table: pa.Table, resolved: Sequence[Resolved]) -> ChunkFrame:
    """The columns of every supported spec as arrays (derived ones by one DuckDB projection),
    sorted as a prepared sample (a frame built by dyadstats is sorted already: checked, not redone)."""
    have = set(table.column_names)
    if not set(ORDER) <= have:
        return ChunkFrame(columns={}, keys={}, n_rows=table.num_rows)  # every spec: prepare()
    derived: dict[str, str] = {}
    wanted: set[str] = set()
    for res in resolved:
        if not supported(res):
            continue
        for c in res.columns:
            if c in res.derived:
                derived[c] = res.derived[c]
            elif c in have:
                wanted.add(c)
    plain = sorted(wanted | {c for c in _KEYS if c in have})
    arrays = {name: _floats(table.column(name)) for name in plain}
    if derived:
        con = duckdb.connect()
        try:
            con.register("chunk_frame", table)
            select = ", ".join(f'{sql} AS "{name}"' for name, sql in sorted(derived.items()))
            # A projection keeps the frame's row order (DuckDB preserves insertion order).
            computed = con.sql(f"SELECT {select} FROM chunk_frame").to_arrow_table()
        finally:
            con.close()
        arrays.update({name: _floats(computed.column(name)) for name in computed.column_names})
    keys = {c: table.column(c).to_numpy(zero_copy_only=False).astype(np.int64)
            for c in ("ccode1", "ccode2", "year", "dyad_id")}
    order = _sort_order(keys)
    if order is not None:
        arrays = {name: values[order] for name, values in arrays.items()}
        keys = {name: values[order] for name, values in keys.items()}
    return ChunkFrame(columns=arrays, keys=keys, n_rows=table.num_rows)


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    """A column as float64, NULL as NaN."""
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)


def _sort_order(keys: dict[str, np.ndarray]) -> np.ndarray | None:
    """The permutation sorting rows by :data:`ORDER`; ``None`` if they are sorted already."""
    columns = [keys[c] for c in ORDER]
    n = len(columns[0])
    if n < 2:
        return None
    later = np.zeros(n - 1, dtype=bool)   # row i+1 sorts after row i (decided so far)
    tied = np.ones(n - 1, dtype=bool)
    for values in columns:
        later |= tied & (values[1:] > values[:-1])
        tied &= values[1:] == values[:-1]
    if np.all(later | tied):
        return None
    return np.lexsort(tuple(reversed(columns)))


#: Values a column of small non-negative integers (peace years) may reach to be counted, not sorted.
COUNTED_MAX = 1 << 16


def distinct_values(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True, return_counts=True)`` of a float column; by counting
    (O(n), no sort) when every value is a small non-negative integer, as peace years are."""
    if x.size and x.min() >= 0.0 and x.max() < COUNTED_MAX:
        whole = x.astype(np.int64)
        if np.array_equal(whole, x):
            counts = np.bincount(whole)
            present = np.flatnonzero(counts)
            rank = np.zeros(counts.size, dtype=np.intp)
            rank[present] = np.arange(present.size)
            return present.astype(float), rank[whole], counts[present]
    return np.unique(x, return_inverse=True, return_counts=True)


def cr_center_basis(x: np.ndarray, df: int) -> np.ndarray:
    """patsy's ``cr(x, df=df, constraints='center')`` columns, the basis per distinct value."""
    knots = _get_all_sorted_knots(x, n_inner_knots=df - 2 + 1)
    distinct, rows, counts = distinct_values(x)
    free = _get_free_crs_dmatrix(distinct, knots, cyclic=False)
    constraint = (counts @ free / len(x)).reshape(1, -1)
    return _absorb_constraints(free, constraint)[rows.ravel()]


def build_design(frame: ChunkFrame, resolved: Resolved) -> Design | None:
    """The spec's design from the chunk's arrays; ``None`` when :func:`supported` says no."""
    if not supported(resolved):
        return None
    cols, spec = frame.columns, resolved.spec
    if any(c not in cols for c in resolved.columns):
        return None
    outcome = cols[resolved.outcome]
    mask = ~frame.missing(resolved.outcome)
    if spec.sample.politically_relevant:
        mask &= cols["politically_relevant"] == 1.0
    if spec.sample.years:
        year = frame.keys["year"]
        mask &= (year >= int(spec.sample.years[0])) & (year <= int(spec.sample.years[1]))
    n_sample = int(mask.sum())
    complete = mask.copy()
    dropped: dict[str, int] = {}
    for c in resolved.columns:
        missing = frame.missing(c)
        if c != resolved.outcome:
            n_missing = int(np.count_nonzero(missing & mask))
            if n_missing:
                dropped[c] = n_missing
        complete &= ~missing
    rows = np.flatnonzero(complete)
    if rows.size == 0:
        raise no_complete_rows(resolved, n_sample)
    y = outcome[rows]
    check_binary_outcome(resolved, y)
    terms = _terms(resolved) or []
    # splines first (their width is known only once evaluated), then every column gathered
    # straight into its column of the (column-major) matrix: no per-column temporaries
    bases = {column: cr_center_basis(cols[column][rows], df) for column, df in terms if df}
    width = 1 + sum(bases[c].shape[1] if df else 1 for c, df in terms)
    matrix = np.empty((rows.size, width), order="F")
    matrix[:, 0] = 1.0
    names = ["Intercept"]
    for column, df in terms:
        j = len(names)
        if df:
            term = f"cr({column}, df={df}, constraints='center')"
            names += [f"{term}[{i}]" for i in range(bases[column].shape[1])]
            matrix[:, j:len(names)] = bases[column]
        else:
            names.append(column)
            np.take(cols[column], rows, out=matrix[:, j], mode="clip")  # "raise" buffers out
    X = pd.DataFrame(matrix, columns=names, copy=False)
    keys = frame.keys
    data = {name: keys[name][rows] for name in ("ccode1", "ccode2", "year")}
    return Design(resolved=resolved, data=data, y=y, X=X, groups=keys["dyad_id"][rows],
                  n_sample=n_sample, dropped_by_column=dropped)
