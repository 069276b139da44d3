"""Read the models stage's tidy tables from the DuckDB file and check them against the contract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from dyadstats.errors import SchemaError

if TYPE_CHECKING:
    from dyadstats.report.failures import FailedModel

ESTIMATE_COLUMNS = (
    "model", "term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high",
    "odds_ratio",
)
FIT_COLUMNS = (
    "model", "outcome", "estimator", "cov_type", "sample", "n_obs", "n_events", "n_clusters",
    "log_likelihood", "aic", "bic", "pseudo_r2", "converged", "n_dropped_missing", "separation",
    "notes", "focal_term",
)
PREDICTION_COLUMNS = ("model", "group", "estimate", "std_error", "conf_low", "conf_high")
FRAME_TABLE = "analysis_dyad_years"


@dataclass(frozen=True)
class ModelTables:
    """The three tidy model tables, in the models stage's own row order; ``fit`` holds the
    fitted models, ``failed`` the models that could not be estimated."""

    estimates: pd.DataFrame
    fit: pd.DataFrame
    predictions: pd.DataFrame
    failed: tuple[FailedModel, ...] = ()

    @property
    def models(self) -> list[str]:
        """Model names in the order of ``model_fit`` (the models stage's config order)."""
        return list(dict.fromkeys(self.fit["model"]))


def _read(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], where: str) -> pd.DataFrame:
    present = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }
    if not present:
        raise SchemaError(f"{where}: table '{table}' is missing; run the models stage first")
    missing = [c for c in columns if c not in present]
    if missing:
        raise SchemaError(f"{where}: table '{table}' lacks column(s) {', '.join(missing)}")
    # A plain scan keeps the order the models stage wrote (its config order), which the report
    # shows: the tables are views over Parquet and DuckDB preserves insertion order by default.
    return con.execute(f'SELECT * FROM "{table}"').df()


def read_model_tables(con: duckdb.DuckDBPyConnection, where: str) -> ModelTables:
    """Read and check ``model_estimates``, ``model_fit`` and ``model_predictions``."""
    from dyadstats.report.failures import split_fit

    estimates = _read(con, "model_estimates", ESTIMATE_COLUMNS, where)
    fit, failed = split_fit(_read(con, "model_fit", FIT_COLUMNS, where))
    if fit.empty and failed:
        raise SchemaError(f"{where}: no model could be estimated: "
                          + "; ".join(f"{f.model}: {f.reason}" for f in failed))
    predictions = _read(con, "model_predictions", PREDICTION_COLUMNS, where)
    if fit["model"].duplicated().any():
        dup = sorted(fit.loc[fit["model"].duplicated(), "model"].unique())
        raise SchemaError(f"{where}: model_fit has more than one row for model(s) {', '.join(dup)}")
    unknown = sorted(set(estimates["model"]) - set(fit["model"]))
    if unknown:
        raise SchemaError(f"{where}: model_estimates has model(s) not in model_fit: {', '.join(unknown)}")
    focal = fit.merge(
        estimates[["model", "term"]], left_on=["model", "focal_term"], right_on=["model", "term"],
        how="left", indicator=True,
    )
    lacking = focal.loc[(focal["_merge"] == "left_only") & focal["focal_term"].notna(), "model"]
    if len(lacking):
        raise SchemaError(
            f"{where}: focal_term of model(s) {', '.join(sorted(lacking))} has no row in model_estimates"
        )
    return ModelTables(estimates=estimates, fit=fit, predictions=predictions, failed=tuple(failed))


def open_database(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the stage database read-only (the report never writes to it)."""
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: the stage database does not exist; run the pipeline first")
    return duckdb.connect(str(path), read_only=True)


#: The specification curve's columns the finding reads (``model_multiverse``, when the run has it).
CURVE_COLUMNS = ("spec_id", "status", "estimator", "estimate", "p_value")


def read_curve(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The specification curve's rows (:data:`CURVE_COLUMNS`), or None when the database has
    no ``model_multiverse`` (``multiverse.enabled: false``)."""
    (present,) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'model_multiverse'").fetchone()
    if not present:
        return None
    return con.execute(f"SELECT {', '.join(CURVE_COLUMNS)} FROM model_multiverse ORDER BY spec_id").df()
