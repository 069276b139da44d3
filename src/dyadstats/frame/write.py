"""Writing one analysis frame (Parquet with the coding options as metadata, its audit record)
and the stage's audit and codebook over the written frames."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dyadstats.audit import profile_parquet, table_record, write_stage_audit
from dyadstats.errors import SchemaError
from dyadstats.frame.codebook import frame_registry, render_codebook
from dyadstats.frame.columns import lag_columns
from dyadstats.frame.democracy import rules_summary
from dyadstats.frame.options import FrameOptions
from dyadstats.frame.prepare import FrameBuild
from dyadstats.frame.roles import attach_roles, role_lag_columns
from dyadstats.frame.sql import (
    base_select_sql,
    check_aligned,
    create_sorted_base,
    final_sql,
    narrow_sql,
)
from dyadstats.io.files import write_parquet, write_text
from dyadstats.roles.attach import role_columns

log = logging.getLogger(__name__)


def _metadata(options: FrameOptions) -> dict[str, str]:
    metadata = {
        "dyadstats.ongoing": options.ongoing,
        "dyadstats.peace_years_rule": options.peace_rule,
        "dyadstats.lag_regressors": str(options.use_lagged).lower(),
        "dyadstats.frame.democracy": "; ".join(f"{k}: {v}" for k, v in rules_summary(options.democracy).items()),
    }
    if options.selection():
        metadata["dyadstats.frame_columns"] = str(options.selection())
    return metadata


def write_frame(build: FrameBuild, name: str, path: str | Path, directed: bool) -> dict[str, Any]:
    """Build one analysis frame, stream it to ``path``; return its audit record."""
    con, options, inputs = build.con, build.options, build.inputs
    lagged_roles = role_columns(options.roles) if options.lags else []
    base, visible, _ = base_select_sql(options, build.control_cov, directed, build.years)
    base, visible = attach_roles(base, visible, options, inputs)
    lags = lag_columns(options, build.control_cov) + (role_lag_columns(options) if options.lags else [])
    sql, columns = final_sql(visible, lags, directed, options=options)
    registry = [c.name for c in frame_registry(directed, options)]
    if registry != columns:
        raise SchemaError(
            f"{name}: the codebook registry and the SQL disagree: "
            f"only in SQL {sorted(set(columns) - set(registry))}, "
            f"only in registry {sorted(set(registry) - set(columns))}"
            + ("" if set(columns) != set(registry) else " (order differs)")
        )
    log.info("frame: joining %s", name)
    universe = "directed_dyad_years" if directed else "dyad_years"
    create_sorted_base(con, base, universe)
    log.info("frame: peace years and lags of %s", name)
    narrow = narrow_sql(options, directed, lagged=lagged_roles)
    con.execute(f"CREATE OR REPLACE TEMP TABLE frame_narrow AS {narrow}")
    check_aligned(con)
    log.info("frame: writing %s (%d columns)", name, len(columns))
    # streamed to Parquet with the coding options as key-value metadata
    write_parquet(sql, path, con=con, metadata=_metadata(options))
    con.execute("DROP TABLE frame_narrow")
    con.execute("DROP TABLE frame_base")
    rows_in = con.execute(f"SELECT count(*) FROM {universe}").fetchone()[0]
    profile = profile_parquet(con, path, ["ccode1", "ccode2", "year"])
    dropped = {"ongoing_mid_years_dropped": int(rows_in - profile["rows"])} if options.ongoing == "drop" else {}
    record = table_record(
        name,
        profile,
        rows_in=int(rows_in),
        dropped=dropped,
        inputs=sorted(inputs),
        notes=[
            f"ongoing MID years (a MID from an earlier year, no new MID): {options.ongoing}",
            f"peace years counted on {options.peace_rule} years",
            f"lag regressors in models: {options.use_lagged}",
        ],
    )
    record["options"] = options.record()
    record["coverage"] = build.coverage
    log.info("frame: %s has %d rows", name, profile["rows"])
    return record


def finish_frames(
    records: Sequence[Mapping[str, Any]], facts: Mapping[str, Any], coverage: Mapping[str, Any],
    audit_path: str | Path, codebook_path: str | Path, options: FrameOptions,
) -> dict[str, Any]:
    """The stage audit (facts on the first frame's record) and the codebook of the written frames."""
    out = [dict(r) for r in records]
    out[0].update(facts)
    write_stage_audit("frame", out, audit_path)
    write_text(render_codebook(options, coverage, {r["table"]: r for r in out}), codebook_path)
    return {r["table"]: r for r in out}


