"""Gathering the chunks into ``model_multiverse``, with summary counts and choice effects."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from dyadstats.errors import DyadstatsError
from dyadstats.multiverse.estimate import spec_table
from dyadstats.multiverse.space import DIMENSIONS

log = logging.getLogger("dyadstats.multiverse")


# --------------------------------------------------------------------------------------------
# Gather and summarise
# --------------------------------------------------------------------------------------------


def summary_counts(df: pd.DataFrame, alpha: float = 0.05) -> dict[str, Any]:
    """Counts over the specifications that were estimated (``status == 'ok'``)."""
    ok = df[df["status"] == "ok"]
    est, p = ok["estimate"].to_numpy(float), ok["p_value"].to_numpy(float)
    n = len(ok)

    def share(mask: np.ndarray) -> float | None:
        return round(float(mask.mean()), 4) if n else None

    return {
        "specifications": int(len(df)),
        "estimated": int(n),
        "not estimated": int(len(df) - n),
        "share negative": share(est < 0),
        "share significant": share(p < alpha),
        "share negative and significant": share((est < 0) & (p < alpha)),
        "share positive and significant": share((est > 0) & (p < alpha)),
        "median estimate": round(float(np.median(est)), 4) if n else None,
        # Firth fits carry model-based SEs only (firthmodels), which ignore the dependence of a
        # dyad's years: their p values are smaller than clustered ones. Report logit alone too.
        "share significant, logit only": (
            round(float((ok.loc[ok["estimator"] == "logit", "p_value"].to_numpy(float) < alpha).mean()), 4)
            if (ok["estimator"] == "logit").any() else None
        ),
        "alpha": alpha,
    }


def choice_effects(df: pd.DataFrame, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which choices move the estimate: per level and per dimension.

    ``levels``: for each dimension and level, the number of specifications, the median estimate,
    share negative and share significant. ``dimensions``: the range of the level medians (how
    far the median moves when only this choice changes its level, over all other choices) and
    eta squared, the share of the estimates' variance between the dimension's levels (one-way
    ANOVA decomposition). Dimensions with one level are left out.
    """
    ok = df[df["status"] == "ok"]
    level_rows, dim_rows = [], []
    total_ss = float(((ok["estimate"] - ok["estimate"].mean()) ** 2).sum())
    for dim in DIMENSIONS:
        groups = ok.groupby(dim, sort=False, observed=True)["estimate"]
        if groups.ngroups < 2:
            continue
        medians = []
        between = 0.0
        for level, est in groups:
            e = est.to_numpy(float)
            p = ok.loc[est.index, "p_value"].to_numpy(float)
            medians.append(float(np.median(e)))
            between += len(e) * (float(e.mean()) - float(ok["estimate"].mean())) ** 2
            level_rows.append({
                "dimension": dim, "level": str(level), "n": len(e), "median_estimate": float(np.median(e)),
                "share_negative": float((e < 0).mean()), "share_significant": float((p < alpha).mean()),
            })
        dim_rows.append({
            "dimension": dim, "levels": int(groups.ngroups),
            "median_range": max(medians) - min(medians),
            "eta_squared": between / total_ss if total_ss > 0 else math.nan,
        })
    levels = pd.DataFrame(level_rows, columns=["dimension", "level", "n", "median_estimate",
                                               "share_negative", "share_significant"])
    dims = pd.DataFrame(dim_rows, columns=["dimension", "levels", "median_range", "eta_squared"])
    dims = dims.sort_values(["eta_squared", "dimension"], ascending=[False, True], kind="stable")
    return levels, dims.reset_index(drop=True)


def report_summary(counts: Mapping[str, Any], dims: pd.DataFrame, skipped: int) -> dict[str, Any]:
    """The flat label -> value mapping the report shows beside the figure."""
    out: dict[str, Any] = {
        "specifications estimated": f"{counts['estimated']} of {counts['specifications']}",
        "combinations skipped (reasons in results/audit/multiverse.json)": skipped,
        "share with a negative joint-democracy estimate": counts["share negative"],
        f"share significant at {counts['alpha']:g}": counts["share significant"],
        f"share negative and significant at {counts['alpha']:g}": counts["share negative and significant"],
        f"share significant at {counts['alpha']:g}, logit (dyad-clustered SEs) only":
            counts["share significant, logit only"],
        "median estimate (log odds)": counts["median estimate"],
    }
    if not dims.empty:
        top = dims.head(3)
        out["choices that move the estimate most (eta squared; range of level medians)"] = "; ".join(
            f"{r.dimension} ({r.eta_squared:.2f}; {r.median_range:.2f})" for r in top.itertuples()
        )
    return out


def gather(
    chunk_paths: Sequence[str],
    skipped: pd.DataFrame,
    *,
    table_path: str,
    skipped_path: str,
    levels_path: str,
    dimensions_path: str,
    summary_path: str,
    audit_path: str,
    alpha: float = 0.05,
    skip_log: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Concatenate chunk tables into ``model_multiverse`` and write summaries and the audit."""
    from dyadstats.audit import profile_frame, table_record, write_stage_audit
    from dyadstats.io.files import write_json, write_parquet

    df = spec_table(pd.concat([pd.read_parquet(p) for p in chunk_paths], ignore_index=True).to_dict("records"))
    if df["spec_id"].duplicated().any():
        raise DyadstatsError("multiverse gather: a specification appears in two chunks")
    counts = summary_counts(df, alpha)
    levels, dims = choice_effects(df, alpha)
    write_parquet(pa.Table.from_pandas(df, preserve_index=False), table_path)
    write_parquet(pa.Table.from_pandas(skipped.reset_index(drop=True), preserve_index=False), skipped_path)
    write_parquet(pa.Table.from_pandas(levels, preserve_index=False), levels_path)
    write_parquet(pa.Table.from_pandas(dims, preserve_index=False), dimensions_path)
    write_json(report_summary(counts, dims, len(skipped)), summary_path)
    not_ok = df[df["status"] != "ok"]
    notes = [f"{k}: {v}" for k, v in counts.items()]
    notes += [f"skipped by rule {rule}: {v['count']} ({'; '.join(v['reasons'])})"
              for rule, v in (skip_log or {}).items()]
    notes += [f"{r.slug}: {r.status} ({r.notes})" for r in not_ok.itertuples()]
    notes += [f"moves the estimate: {r.dimension} eta^2={r.eta_squared:.3f}, range of level medians "
              f"{r.median_range:.3f}" for r in dims.itertuples()]
    records = [
        table_record("model_multiverse", profile_frame(df, ["spec_id"]), rows_in=len(df) + len(skipped),
                     dropped={"skipped combinations": len(skipped)}, inputs=list(chunk_paths), notes=notes),
        table_record("multiverse_skipped", profile_frame(skipped), notes=[]),
    ]
    write_stage_audit("multiverse", records, audit_path)
    log.info("multiverse: %s", json.dumps(counts, sort_keys=True))
    return df
