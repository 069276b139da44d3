"""Read R data files (``.rda``/``.RData``, ``.rds``) into the frame a Parquet export gives.

R keeps most codes (ccode, year, dispnum, indicators) as doubles. The Parquet exports of the
peacesciencer tables (``../shared/data/peacesciencer/README.md``) wrote every numeric column
whose non-missing values are all whole numbers as an integer column, nulls kept where R had
``NA``; this reader does the same, so a table read from the package's original ``.rda`` bytes
equals the table read from its export, types included:

* a double column whose non-missing values are all whole numbers -> nullable ``Int64``
  (an all-``NA`` column too, as the export's rule reads it); other doubles stay ``float64``;
* R integers -> ``Int64``; logicals -> ``boolean``;
* factors -> their labels as strings (the codes are R's storage detail, not data);
* character columns -> pandas strings; ``Date`` columns -> ``datetime.date`` values (pyreadr's
  reading, which is also how pandas reads a Parquet ``date32`` column).

An ``.rda`` file may hold several objects; the data frame named like the file (peacesciencer's
convention: ``cow_nmc.rda`` holds ``cow_nmc``) is taken, else the only data frame, and a file
with several unnamed candidates is refused rather than guessed at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dyadstats.errors import ReadError


def _pick_frame(objects: dict[str | None, object], path: Path) -> pd.DataFrame:
    frames = {k: v for k, v in objects.items() if isinstance(v, pd.DataFrame)}
    if not frames:
        raise ReadError(f"{path}: the R data file holds no data frame")
    if path.stem in frames:
        return frames[path.stem]
    if len(frames) == 1:
        return next(iter(frames.values()))
    raise ReadError(
        f"{path}: the R data file holds {len(frames)} data frames ({', '.join(map(str, frames))}) "
        f"and none is named '{path.stem}' like the file: cannot tell which one is the table"
    )


def _whole(values: pd.Series) -> bool:
    finite = values.dropna().to_numpy(dtype="float64")
    return bool(np.all(np.isfinite(finite)) and np.all(finite == np.round(finite)))


def normalize_r_column(series: pd.Series) -> pd.Series:
    """One column as the Parquet export typed it (module docstring)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype("string")
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    if pd.api.types.is_integer_dtype(series):
        return series.astype("Int64")
    if pd.api.types.is_float_dtype(series):
        return series.astype("Int64") if _whole(series) else series.astype("float64")
    if pd.api.types.is_string_dtype(series) and not _holds_dates(series):
        return series.astype("string")
    return series


def _holds_dates(series: pd.Series) -> bool:
    first = series.dropna().head(1)
    return not first.empty and not isinstance(first.iloc[0], str)


def read_rda(path: str | Path) -> pd.DataFrame:
    """Read the table of an R data file, typed as its Parquet export (module docstring)."""
    import pyreadr  # imported here: only R-format sources need it

    path = Path(path)
    try:
        objects = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own and librdata's error types
        raise ReadError(f"{path}: cannot read as R data: {exc}") from exc
    frame = _pick_frame(dict(objects), path)
    # R row names are labels, not data: the table is its columns in row order
    frame = frame.reset_index(drop=True)
    return pd.DataFrame({col: normalize_r_column(frame[col]) for col in frame.columns})
