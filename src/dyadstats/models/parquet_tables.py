"""The per-model tables as Arrow tables without pandas, byte for byte what pandas would write.

The models stage wrote each model's fit row, estimates and predictions as pandas frames
through ``pa.Table.from_pandas``. For a cleanly fitted model the same tables are built here
from plain values and NumPy arrays: the same Arrow types (pandas' ``str`` columns are
``large_string``, nullable ``Int64`` columns ``int64``, an all-empty object column ``null``),
NaN stored as null as ``from_pandas`` does, and the same ``pandas`` schema metadata (the JSON
pyarrow writes, naming the pandas and pyarrow versions), so the Parquet files are
byte-identical and pandas reads them back with the same dtypes (the gather step concatenates
them with pandas). Anything outside these shapes (a failed model, computed predictions, an
unexpected value type) is left to pandas by the caller: :func:`fit_table` and
:func:`estimates_table` return ``None`` then.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import numpy as np

from dyadstats.models.spec import ESTIMATE_COLUMNS, FIT_COLUMNS, FIT_OK, PREDICTION_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

#: Column kinds: (pandas_type, numpy_type) of pandas' metadata for each kind.
_KINDS: dict[str, tuple[str, str]] = {
    "str": ("object", "str"),          # pandas' default string dtype: large_string
    "string": ("object", "string"),    # the explicit nullable "string" dtype: large_string
    "Int64": ("int64", "Int64"),       # nullable integers: int64
    "int64": ("int64", "int64"),
    "float64": ("float64", "float64"),
    "bool": ("bool", "bool"),
    "empty": ("empty", "object"),      # an object column without rows: null
}

#: The fit row's column kinds (``tables.fit_frame``'s dtypes for a fitted model).
FIT_KINDS: dict[str, str] = {
    **{c: "str" for c in FIT_COLUMNS},
    **{c: "Int64" for c in ("year_min", "year_max", "n_sample", "n_obs", "n_events", "n_clusters",
                            "iterations", "n_dropped_missing")},
    **{c: "float64" for c in ("log_likelihood", "ll_null", "aic", "bic", "pseudo_r2")},
    "converged": "bool",
    "failure_reason": "string",
}
ESTIMATE_KINDS: dict[str, str] = {
    **{c: "float64" for c in ESTIMATE_COLUMNS},
    "model": "str", "term": "str", "term_index": "int64", "is_focal": "bool",
}
#: The predictions table of a model without predictions: no rows, ``n_obs`` int64.
EMPTY_PREDICTION_KINDS: dict[str, str] = {**{c: "empty" for c in PREDICTION_COLUMNS}, "n_obs": "int64"}


def pandas_metadata(kinds: Mapping[str, str]) -> bytes:
    """The ``pandas`` schema metadata ``pa.Table.from_pandas(df, preserve_index=False)`` writes
    for a frame whose columns have these kinds (in this order)."""
    import pyarrow as pa

    columns = [{"name": name, "field_name": name, "pandas_type": _KINDS[kind][0],
                "numpy_type": _KINDS[kind][1], "metadata": None} for name, kind in kinds.items()]
    meta = {"index_columns": [], "column_indexes": [], "columns": columns, "attributes": {},
            "creator": {"library": "pyarrow", "version": pa.__version__},
            "pandas_version": version("pandas")}
    return json.dumps(meta).encode()


def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa

    return {"str": pa.large_string(), "string": pa.large_string(), "Int64": pa.int64(),
            "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(), "empty": pa.null()}[kind]


def _bits(flags: np.ndarray) -> pa.Buffer:
    """An Arrow bitmap (least significant bit first) of boolean ``flags``."""
    import pyarrow as pa

    return pa.py_buffer(np.packbits(flags, bitorder="little"))


def _strings(values: Sequence[str | None]) -> pa.Array:
    """A ``large_string`` array (None as null) from its offsets and UTF-8 bytes."""
    import pyarrow as pa

    encoded = [b"" if v is None else v.encode() for v in values]
    valid = np.array([v is not None for v in values], dtype=bool)
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    nulls = int((~valid).sum())
    return pa.Array.from_buffers(pa.large_string(), len(encoded),
                                 [_bits(valid) if nulls else None, pa.py_buffer(offsets),
                                  pa.py_buffer(b"".join(encoded))], null_count=nulls)


def arrow_array(values: Any, kind: str) -> pa.Array:
    """One column of ``kind`` from its buffers (``pa.array`` would import pandas to check its
    input); float NaN as null, as ``from_pandas`` stores it."""
    import pyarrow as pa

    if kind in ("str", "string"):
        return _strings(list(values))
    if kind == "empty":
        return pa.nulls(len(values))
    if kind == "float64":
        data = np.ascontiguousarray(values, dtype=float)
        missing = np.isnan(data)
        nulls = int(missing.sum())
        return pa.Array.from_buffers(pa.float64(), len(data), [_bits(~missing) if nulls else None,
                                                               pa.py_buffer(data)], null_count=nulls)
    if kind == "bool":
        flags = np.asarray(values, dtype=bool)
        return pa.Array.from_buffers(pa.bool_(), len(flags), [None, _bits(flags)], null_count=0)
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)], null_count=0)


def arrow_table(columns: Mapping[str, Any], kinds: Mapping[str, str]) -> pa.Table:
    """An Arrow table of ``columns`` (sequences by name) typed by ``kinds``, with pandas'
    metadata; float NaN stored as null (as ``from_pandas``)."""
    import pyarrow as pa

    arrays = [arrow_array(columns[name], kind) for name, kind in kinds.items()]
    schema = pa.schema([pa.field(name, _arrow_type(kind)) for name, kind in kinds.items()],
                       metadata={b"pandas": pandas_metadata(kinds)})
    return pa.Table.from_arrays(arrays, schema=schema)


def _fits_kind(value: Any, kind: str) -> bool:
    """Whether ``value`` is what pandas would store in a column of ``kind`` unchanged."""
    if kind == "str":
        return isinstance(value, str)
    if kind == "Int64":
        return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    if kind == "float64":
        return isinstance(value, float)
    if kind == "bool":
        return isinstance(value, bool | np.bool_)
    return False


def fit_table(fit: Mapping[str, Any]) -> pa.Table | None:
    """The fit table of one fitted model's row; ``None`` unless it is a clean fitted row
    (status ok, no failure reason, every value of its column's type)."""
    if fit.get("status") != FIT_OK or fit.get("failure_reason") is not None:
        return None
    if set(fit) != set(FIT_COLUMNS):
        return None
    for name, kind in FIT_KINDS.items():
        if name != "failure_reason" and not _fits_kind(fit[name], kind):
            return None
    return arrow_table({c: [fit[c]] for c in FIT_COLUMNS}, FIT_KINDS)


def estimates_table(columns: Mapping[str, Sequence[Any]]) -> pa.Table | None:
    """The estimates table of tidy columns (``results.tidy_columns``); ``None`` without rows."""
    if not len(columns["term"]) or not all(isinstance(t, str) for t in (*columns["model"], *columns["term"])):
        return None
    return arrow_table(columns, ESTIMATE_KINDS)


def empty_predictions_table() -> pa.Table:
    """The predictions table of a model without predictions."""
    return arrow_table({c: [] for c in PREDICTION_COLUMNS}, EMPTY_PREDICTION_KINDS)
