"""Which dyad-years each model used, and why the others in its sample were dropped.

For every model spec: the rows of its analysis frame that pass the spec's sample filter
(``Resolved.where``: politically relevant dyads, era, years ...), each with ``in_sample`` true
when every model column is non-missing, else the columns that were missing (listwise
deletion). The filter and the columns come from :func:`dyadstats.models.resolve`, the same
resolution the models stage fits with; the counts are checked against that stage's
``model_fit`` (``n_sample``, ``n_obs``), so the table cannot silently disagree with the fits.

One query per model, written by DuckDB straight to Parquet (no rows through Python).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from dyadstats.errors import DyadstatsError
from dyadstats.io.db import quote_path
from dyadstats.io.files import write_parquet
from dyadstats.models import ModelSpec, frame_columns, resolve
from dyadstats.models.design import frame_peace_rule
from dyadstats.models.sample_sql import sample_select

log = logging.getLogger(__name__)

COLUMNS = ("model", "ccode1", "ccode2", "year", "in_sample", "reason_dropped")
_EMPTY = ("SELECT NULL::VARCHAR AS model, NULL::INTEGER AS ccode1, NULL::INTEGER AS ccode2, "
          "NULL::INTEGER AS year, NULL::BOOLEAN AS in_sample, NULL::VARCHAR AS reason_dropped WHERE false")


def membership_sql(spec: ModelSpec, frame_path: str | Path, columns: list[str],
                   index: int = 0) -> tuple[str, dict[str, object]]:
    """The SELECT of one model's sample rows and its named parameters.

    Parameters carry the suffix ``_<index>`` (the model name is ``$model_<index>``), so the
    SELECTs of several models can be joined into one statement.
    """
    resolved = resolve(spec, columns, frame_peace_rule(str(frame_path)))
    needed = sorted(set(resolved.columns))  # reasons list missing columns alphabetically
    missing = ", ".join(f"CASE WHEN \"{c}\" IS NULL THEN '{c}' END" for c in needed)
    complete = " AND ".join(f'"{c}" IS NOT NULL' for c in needed) or "TRUE"
    rows = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: f"${m.group(1)}_{index}",
                  sample_select(resolved, f"read_parquet({quote_path(frame_path)})"))
    params: dict[str, object] = {f"{k}_{index}": v for k, v in resolved.params.items()}
    params[f"model_{index}"] = spec.name
    sql = (
        f"SELECT $model_{index}::VARCHAR AS model, ccode1, ccode2, year, ({complete}) AS in_sample, "
        f"CASE WHEN {complete} THEN NULL ELSE 'missing: ' || concat_ws(', ', {missing}) END AS reason_dropped "
        f"FROM ({rows})"
    )
    return sql, params


def write_sample_membership(
    specs: Mapping[str, ModelSpec], frames: Mapping[str, str | Path], fit_path: str | Path, out_path: str | Path,
) -> pd.DataFrame:
    """Write every model's sample membership to ``out_path``; return per-model counts.

    Raises when a model's counts differ from ``model_fit`` (n_sample rows, n_obs in sample).
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        specs = _with_sample(specs, con.execute(
            f"SELECT model, n_sample FROM read_parquet({quote_path(fit_path)})").df())
        # only the frames the models use exist (a run of dyad models builds no directed frame)
        columns = {kind: frame_columns(str(frames[kind])) for kind in {s.frame for s in specs.values()}}
        parts: list[str] = []
        params: dict[str, object] = {}
        for i, spec in enumerate(specs.values()):
            sql, own = membership_sql(spec, frames[spec.frame], columns[spec.frame], i)
            parts.append(sql)
            params.update(own)
        order = "CASE model " + " ".join(f"WHEN $model_{i} THEN {i}" for i in range(len(parts))) + " END"
        if not parts:  # every model failed before reading its sample: an empty table
            parts, order = [_EMPTY], "model"
        query = " UNION ALL ".join(parts)

        def counted(tmp: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
            counts = con.execute(
                f"SELECT model, count(*) AS n_sample, count(*) FILTER (WHERE in_sample) AS n_obs "
                f"FROM read_parquet({quote_path(tmp)}) GROUP BY model"
            ).df()
            fit = con.execute(f"SELECT model, n_sample, n_obs FROM read_parquet({quote_path(fit_path)})").df()
            return counts, _compare(fit, counts)  # raises before the file is moved into place

        counts, check = write_parquet(f"SELECT * FROM ({query}) ORDER BY {order}, ccode1, ccode2, year",
                                      out_path, con=con, params=params, check=counted)
    finally:
        con.close()
    log.info("sample membership: %d models, %d rows", len(counts), int(counts["n_sample"].sum()))
    return check


def _with_sample(specs: Mapping[str, ModelSpec], fit: pd.DataFrame) -> dict[str, ModelSpec]:
    """The specs whose sample was read: a model that failed before (a missing column, an empty
    sample: ``n_sample`` null in model_fit) has no rows to list."""
    known = set(fit.loc[fit["n_sample"].notna(), "model"])
    skipped = [name for name in specs if name not in known]
    if skipped:
        log.info("sample membership: no sample rows for failed model(s) %s", ", ".join(skipped))
    return {name: spec for name, spec in specs.items() if name in known}


def _compare(fit: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Per-model counts beside model_fit's; raise on any difference."""
    fit = fit[fit["n_sample"].notna()]
    check = fit.merge(counts, on="model", how="left", suffixes=("_fit", "_membership"))
    # a model whose sample is empty has no membership rows
    check[["n_sample_membership", "n_obs_membership"]] = check[
        ["n_sample_membership", "n_obs_membership"]].fillna(0)
    bad = check[(check["n_sample_fit"] != check["n_sample_membership"])
                | (check["n_obs_fit"] != check["n_obs_membership"])]
    if len(bad):
        raise DyadstatsError(
            "sample membership disagrees with model_fit for model(s) "
            + ", ".join(f"{r.model} (fit {r.n_sample_fit}/{r.n_obs_fit}, membership "
                        f"{r.n_sample_membership}/{r.n_obs_membership})" for r in bad.itertuples())
        )
    return check
