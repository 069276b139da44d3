"""Which dyad-years each model used, and why the others in its sample were dropped.

For every model spec: the rows of its analysis frame that pass the spec's sample filter
(``Resolved.where``: politically relevant dyads, era, years ...), each with ``in_sample`` true
when every model column is non-missing, else the columns that were missing (listwise
deletion). The filter and the columns come from :func:`dyadstats.models.resolve`, the same
resolution the models stage fits with; the counts are checked against that stage's
``model_fit`` (``n_sample``, ``n_obs``), so the table cannot silently disagree with the fits.

One query per model, written by DuckDB straight to Parquet (no rows through Python) by the
model's own job (``results/models/fits/<model>/sample.parquet``): a changed spec rewrites its
model's rows only. The database's ``model_sample`` is one view over every model's file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.errors import DyadstatsError
from dyadstats.io.db import quote_path
from dyadstats.io.files import write_parquet
from dyadstats.models.design import frame_columns, frame_peace_rule
from dyadstats.models.resolve import resolve
from dyadstats.models.sample_sql import sample_select
from dyadstats.models.spec import ModelSpec

log = logging.getLogger(__name__)

COLUMNS = ("model", "ccode1", "ccode2", "year", "in_sample", "reason_dropped")
# Every model's file has these types (the database reads them as one table).
_EMPTY = ("SELECT NULL::VARCHAR AS model, NULL::BIGINT AS ccode1, NULL::BIGINT AS ccode2, "
          "NULL::BIGINT AS year, NULL::BOOLEAN AS in_sample, NULL::VARCHAR AS reason_dropped WHERE false")


def membership_sql(spec: ModelSpec, frame_path: str | Path, columns: list[str]) -> tuple[str, dict[str, object]]:
    """The SELECT of one model's sample rows and its named parameters (the sample's own and
    ``$membership_model``, the model's name)."""
    resolved = resolve(spec, columns, frame_peace_rule(str(frame_path)))
    needed = sorted(set(resolved.columns))  # reasons list missing columns alphabetically
    missing = ", ".join(f"CASE WHEN \"{c}\" IS NULL THEN '{c}' END" for c in needed)
    complete = " AND ".join(f'"{c}" IS NOT NULL' for c in needed) or "TRUE"
    rows = sample_select(resolved, f"read_parquet({quote_path(frame_path)})")
    params: dict[str, object] = {**resolved.params, "membership_model": spec.name}
    sql = (
        "SELECT $membership_model::VARCHAR AS model, ccode1::BIGINT AS ccode1, ccode2::BIGINT AS ccode2, "
        f"year::BIGINT AS year, ({complete}) AS in_sample, "
        f"CASE WHEN {complete} THEN NULL ELSE 'missing: ' || concat_ws(', ', {missing}) END AS reason_dropped "
        f"FROM ({rows})"
    )
    return sql, params


def write_model_sample(spec: ModelSpec, frame_path: str | Path, fit: Mapping[str, Any],
                       out_path: str | Path) -> tuple[int, int]:
    """Write one model's sample membership to ``out_path`` (its rows in key order); return the
    rows and the rows in the sample.

    ``fit`` is the model's fit row: a model that failed before its sample was read (a missing
    column, no complete rows: ``n_sample`` null) gets an empty table. Raises, leaving no file,
    when the counts differ from the fit row's ``n_sample`` and ``n_obs``.
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        if fit.get("n_sample") is None:
            log.info("sample membership of %s: no sample rows (the model failed before reading them)", spec.name)
            query, params = _EMPTY, {}
        else:
            sql, params = membership_sql(spec, frame_path, frame_columns(str(frame_path)))
            query = f"SELECT * FROM ({sql}) ORDER BY ccode1, ccode2, year"
        expected = (fit.get("n_sample") or 0, fit.get("n_obs") or 0)

        def counted(tmp: Path) -> tuple[int, int]:
            rows, in_sample = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE in_sample) FROM read_parquet({quote_path(tmp)})"
            ).fetchone()
            if (rows, in_sample) != expected:  # raises before the file is moved into place
                raise DyadstatsError(
                    f"sample membership disagrees with model_fit for model {spec.name} "
                    f"(fit {expected[0]}/{expected[1]}, membership {rows}/{in_sample})"
                )
            return int(rows), int(in_sample)

        counts: tuple[int, int] = write_parquet(query, out_path, con=con, params=params, check=counted)
    finally:
        con.close()
    log.info("sample membership of %s: %d rows, %d in the sample", spec.name, *counts)
    return counts
