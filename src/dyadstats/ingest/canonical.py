"""Ingest stage: one raw file -> one canonical, validated Parquet table.

Canonical means: snake_case column names (after an optional declared ``rename`` mapping),
declared missing codes turned into NULL, integer codes as nullable integers, and every
declared rule (types, ranges, allowed codes, primary key, row count) checked with pandera.
A violation raises ``SchemaError`` naming the file, rows, column and reason; nothing is
written for that table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from dyadstats.audit import profile_frame, table_record
from dyadstats.errors import ChecksumError, SchemaError
from dyadstats.ingest.manifest import SourceFile
from dyadstats.ingest.readers import DEFAULT_NA, LINES_ATTR, read_raw
from dyadstats.io.files import sha256_file, write_parquet

MAX_EXAMPLES = 5
#: Beyond 2**53 a float64 no longer holds every integer: such values are re-read from the text.
EXACT_FLOAT_LIMIT = 2**53
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def snake_case(name: str) -> str:
    """Lower-case a provider column name and turn other symbols into underscores."""
    name = name.strip().lower()
    name = re.sub(r"[^0-9a-z]+", "_", name)
    return name.strip("_") or "column"


def _row_label(index: Sequence[int], fmt: str, lines: Sequence[int] | None = None) -> str:
    # CSV rows are numbered as in a text editor (header = line 1): ``lines`` (the reader's
    # physical line per row) keeps that exact after blank lines; other formats by data row.
    offset = 2 if fmt in ("csv", "tsv") else 1
    first = [int(i) for i in list(index)[:MAX_EXAMPLES]]
    shown = ", ".join(str(lines[i]) if lines is not None else str(i + offset) for i in first)
    more = f" (and {len(index) - MAX_EXAMPLES} more)" if len(index) > MAX_EXAMPLES else ""
    kind = "line" if fmt in ("csv", "tsv") else "row"
    return f"{kind}{'s' if len(index) > 1 else ''} {shown}{more}"


def _to_numeric(series: pd.Series) -> pd.Series | None:
    """Numeric version of a text column, or None if any non-empty value is not a number."""
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return series
    stripped = series.astype("string").str.strip()
    numeric = pd.to_numeric(stripped, errors="coerce")
    bad = numeric.isna() & stripped.notna() & (stripped != "")
    if bad.any():
        return None
    return numeric


def _as_integer(series: pd.Series) -> pd.Series | None:
    values = series.astype("Float64")
    whole = values.isna() | (values == values.round())
    if not bool(whole.all()):
        return None
    return values.astype("Int64")


def _refuse_non_finite(
    col: str, numeric: pd.Series, source: pd.Series, path: str | Path, fmt: str, lines: Sequence[int] | None
) -> None:
    """``inf``, ``-inf`` and text beyond the float range (``1e400``) are errors, not numbers."""
    if pd.api.types.is_integer_dtype(numeric) or pd.api.types.is_bool_dtype(numeric):
        return
    values = numeric.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    infinite = np.isinf(values)
    if infinite.any():
        idx = np.flatnonzero(infinite)
        shown = ", ".join(repr(v) for v in source.iloc[idx[:MAX_EXAMPLES]].astype("string").str.strip())
        raise SchemaError(
            f"{path}: column '{col}' must hold finite numbers but {_row_label(idx, fmt, lines)} "
            f"hold(s) {shown} (infinite, or beyond the range of a 64-bit float)"
        )


def _exact_integer(
    col: str, numeric: pd.Series, source: pd.Series, path: str | Path, fmt: str, lines: Sequence[int] | None
) -> pd.Series | None:
    """``numeric`` as exact Int64, or None if some value is not a whole number.

    Text integers beyond 2**53 lost digits in the float parse, so they are re-read from the
    text (only those rows); one outside the 64-bit range, or a float literal that large, is an
    error naming its lines, never a wrapped or rounded number.
    """
    if pd.api.types.is_integer_dtype(numeric):  # already exact (Stata, Parquet, small text ints)
        return numeric.astype("Int64")
    values = numeric.astype("Float64")
    big = (values.abs() >= EXACT_FLOAT_LIMIT).fillna(False).to_numpy(dtype=bool)
    if not big.any():
        return _as_integer(numeric)
    if not bool((values.isna() | (values == values.round())).all()):
        return None
    text = source.astype("string").str.strip().to_numpy(dtype=object)[big]
    exact = [int(t) if isinstance(t, str) and INTEGER_TEXT.fullmatch(t) else None for t in text]
    bad = np.array([v is None or not INT64_MIN <= v <= INT64_MAX for v in exact])
    if bad.any():
        idx = np.flatnonzero(big)[bad]
        raise SchemaError(
            f"{path}: column '{col}' holds integer(s) outside the 64-bit range or too large to "
            f"hold exactly: {_row_label(idx, fmt, lines)} hold(s) "
            + ", ".join(repr(t) for t in text[bad][:MAX_EXAMPLES])
        )
    result = values.mask(pd.Series(big, index=values.index)).astype("Int64")
    result[big] = pd.array(exact, dtype="Int64")
    return result


def canonicalize(frame: pd.DataFrame, item: SourceFile, path: str | Path) -> pd.DataFrame:
    """Rename, type and null-code a raw frame according to its table declaration."""
    spec = item.table
    fmt = item.format
    lines = frame.attrs.get(LINES_ATTR)
    frame = frame.copy()
    rename: Mapping[str, str] = spec.get("rename") or {}
    missing_src = [src for src in rename if src not in frame.columns]
    if missing_src:
        raise SchemaError(
            f"{path}: the column mapping names source columns that are not in the file: "
            f"{', '.join(missing_src)}. Found columns: {', '.join(map(str, frame.columns))}"
        )
    frame = frame.rename(columns=dict(rename))
    frame.columns = [snake_case(str(c)) for c in frame.columns]
    dupes = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if dupes:
        raise SchemaError(f"{path}: column names collide after snake_case: {', '.join(dupes)}")

    declared: Mapping[str, Mapping[str, Any]] = spec.get("columns") or {}
    absent = [c for c in declared if c not in frame.columns]
    if absent:
        raise SchemaError(
            f"{path}: missing column(s) {', '.join(absent)} (table '{item.table_name}'). "
            f"Expected (declared): {', '.join(declared)}. Found: {', '.join(frame.columns)}"
        )

    for col in frame.columns:
        want = (declared.get(col) or {}).get("type")
        series = frame[col]
        if want == "str":
            frame[col] = series.astype("string")
            continue
        numeric = _to_numeric(series)
        if numeric is None:
            if want in ("int", "float"):
                text = series.astype("string").str.strip()
                bad = pd.to_numeric(text, errors="coerce").isna() & text.notna() & (text != "")
                idx = np.flatnonzero(bad.to_numpy())
                examples = ", ".join(repr(v) for v in text[bad].head(MAX_EXAMPLES))
                raise SchemaError(
                    f"{path}: column '{col}' must be {'an integer' if want == 'int' else 'a number'}"
                    f" but {_row_label(idx, fmt, lines)} hold(s) {examples}"
                )
            frame[col] = series.astype("string")
            continue
        if pd.api.types.is_bool_dtype(numeric):
            frame[col] = numeric.astype("boolean")
            continue
        _refuse_non_finite(col, numeric, series, path, fmt, lines)
        integer = _exact_integer(col, numeric, series, path, fmt, lines) if want != "float" else None
        if want == "int" and integer is None:
            values = numeric.astype("Float64")
            bad = values.notna() & (values != values.round())
            idx = np.flatnonzero(bad.to_numpy())
            raise SchemaError(
                f"{path}: column '{col}' must be an integer but {_row_label(idx, fmt, lines)} hold(s) "
                + ", ".join(repr(float(v)) for v in values[bad].head(MAX_EXAMPLES))
            )
        if want == "float" or integer is None:
            frame[col] = numeric.astype("Float64")
        else:
            frame[col] = integer

    missing_codes: Mapping[str, Sequence[float]] = spec.get("missing_codes") or {}
    for col, codes in missing_codes.items():
        targets = (
            [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
            if col == "*"
            else [col]
        )
        for target in targets:
            if target not in frame.columns:
                raise SchemaError(f"{path}: missing_codes names column '{target}', not in the file")
            frame[target] = frame[target].mask(frame[target].isin(list(codes)))
    return frame


def build_schema(item: SourceFile) -> pa.DataFrameSchema:
    """A pandera schema from the manifest's table declaration."""
    spec = item.table
    columns: dict[str, pa.Column] = {}
    for name, rule in (spec.get("columns") or {}).items():
        checks = []
        if "min" in rule:
            checks.append(pa.Check.ge(rule["min"]))
        if "max" in rule:
            checks.append(pa.Check.le(rule["max"]))
        if "isin" in rule:
            checks.append(pa.Check.isin(rule["isin"]))
        dtype = {"int": "Int64", "float": "Float64", "str": "string"}.get(rule.get("type"))
        columns[name] = pa.Column(
            dtype, checks=checks, nullable=bool(rule.get("nullable", False)), required=True
        )
    key = list(spec.get("primary_key") or [])
    return pa.DataFrameSchema(
        columns, unique=key or None, strict=False, name=item.table_name, report_duplicates="all"
    )


def _describe_failures(err: pa.errors.SchemaErrors, frame: pd.DataFrame, item: SourceFile, path: str | Path) -> str:
    cases = err.failure_cases
    rows = frame.attrs.get(LINES_ATTR)
    lines = [f"{path}: table '{item.table_name}' violates its declared schema:"]
    key = list(item.table.get("primary_key") or [])
    key_reported = False
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        idx = [i for i in group["index"].dropna().astype(int).unique()]
        if check == "multiple_fields_uniqueness" or "unique" in str(check):
            if key_reported:
                continue
            key_reported = True
            dup = frame.loc[frame.duplicated(key, keep=False), key].drop_duplicates().head(MAX_EXAMPLES)
            shown = "; ".join(", ".join(f"{k}={v}" for k, v in row.items()) for row in dup.to_dict("records"))
            n_dup = int(frame.duplicated(key, keep=False).sum())
            lines.append(
                f"  duplicate primary key ({', '.join(key)}): {n_dup} rows share a key, "
                f"{_row_label(idx, item.format, rows)}; first keys: {shown}"
            )
            continue
        values = ", ".join(
            repr(v.item() if hasattr(v, "item") else v) for v in group["failure_case"].head(MAX_EXAMPLES)
        )
        where = _row_label(idx, item.format, rows) if idx else "the column"
        lines.append(f"  column '{column}' fails {check}: {where} hold(s) {values}")
    return "\n".join(lines)


def validate(frame: pd.DataFrame, item: SourceFile, path: str | Path) -> pd.DataFrame:
    """Check the declared schema and the expected row count; raise SchemaError on violation."""
    schema = build_schema(item)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise SchemaError(_describe_failures(err, frame, item, path)) from None
    coverage = item.source.get("coverage")
    year_col = item.table.get("year_column")
    if coverage and year_col:
        years = frame[year_col]
        outside = years.notna() & ((years < coverage[0]) | (years > coverage[1]))
        if outside.any():
            idx = np.flatnonzero(outside.to_numpy())
            raise SchemaError(
                f"{path}: column '{year_col}' has years outside the declared coverage "
                f"{coverage[0]}-{coverage[1]}: {_row_label(idx, item.format, frame.attrs.get(LINES_ATTR))} hold(s) "
                + ", ".join(str(v) for v in years[outside].head(MAX_EXAMPLES))
            )
    if item.rows is not None and len(frame) != item.rows:
        raise SchemaError(
            f"{path}: table '{item.table_name}' has {len(frame):,} rows, the manifest declares "
            f"{item.rows:,}: the file is incomplete or a different release"
        )
    return frame


def verify_raw(item: SourceFile, raw_path: str | Path) -> None:
    """Refuse a raw file whose sha256 is no longer the manifest's (edited after acquire).

    Acquire verified the copy once; re-hashing what is actually read (a few ms per MB) is what
    lets the Parquet metadata claim the manifest hash.
    """
    actual = sha256_file(raw_path)
    if actual != item.sha256:
        raise ChecksumError(
            f"{raw_path}: sha256 {actual}, but the manifest declares {item.sha256} for source "
            f"'{item.source_id}' file '{item.file}': the file was changed after it was verified. "
            "Delete it to re-acquire the verified file, or declare the new sha256 if the change is meant."
        )


def ingest_file(item: SourceFile, raw_path: str | Path, out_path: str | Path) -> dict[str, Any]:
    """Re-verify, read, canonicalize, validate and write one table; return its audit record."""
    verify_raw(item, raw_path)
    na = tuple(item.table.get("na_strings", DEFAULT_NA))
    raw = read_raw(raw_path, item.format, na)
    frame = canonicalize(raw, item, raw_path)
    validate(frame, item, raw_path)
    frame = frame.reset_index(drop=True)
    frame.attrs.pop(LINES_ATTR, None)
    table = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {
            "dyadstats.source": item.source_id,
            "dyadstats.file": item.file,
            "dyadstats.sha256": item.sha256,
        }
    )
    write_parquet(table, out_path)
    key = list(item.table.get("primary_key") or [])
    profile = profile_frame(frame, key)
    return table_record(
        item.table_name,
        profile,
        rows_in=len(raw),
        inputs=[str(raw_path)],
        notes=[f"{item.source.get('dataset', item.source_id)} {item.source.get('version', '')}".strip()],
    )
