"""Failed and disabled models in the report: listed at its top, skipped where options name them."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError, SchemaError
from dyadstats.ingest.manifest import load_manifest
from dyadstats.report import build_report
from dyadstats.report.failures import FailedModel, drop_unavailable, split_fit, unavailable_models
from dyadstats.report.options import report_options

SHOWN = "no complete rows in the sample (all dyads, era 1990-2010; 0 rows before listwise deletion)"
REASON = f"model 'm4_empty': {SHOWN}"  # as model_fit holds it; the report drops the model's name


def _with_failure(fit: pd.DataFrame) -> pd.DataFrame:
    failed = {c: None for c in fit.columns} | {
        "model": "m4_empty", "outcome": "coercion_onset", "estimator": "logit", "cov_type": "cluster",
        "sample": "all dyads, era 1990-2010", "converged": False, "separation": "", "notes": "",
        "frame": "dyad", "democracy": "polity", "log_likelihood": math.nan,
    }
    out = pd.concat([fit.assign(status="ok", failure_reason=None), pd.DataFrame([failed])], ignore_index=True)
    out.loc[out["model"] == "m4_empty", ["status", "failure_reason", "description"]] = ["failed", REASON, "M1 after 1990"]
    return out


def test_split_fit_and_the_notes_for_options_naming_models(world: dict) -> None:
    fit, failed = split_fit(_with_failure(world["fit"]))
    assert fit["model"].tolist() == ["m1_base", "m2_controls", "m3_firth"]
    assert failed == [FailedModel("m4_empty", "M1 after 1990", SHOWN)]
    assert split_fit(world["fit"])[1] == []  # a model_fit from before the status column
    config = {"models": {"specs": {m: {} for m in ("m1_base", "m4_empty", "m5_off")}, "disable": ["m5_off"]}}
    gone = unavailable_models(config, failed)
    assert set(gone) == {"m4_empty", "m5_off"}
    options = report_options({"main_table_models": ["m5_off", "m1_base", "m4_empty"], "main_model": "m5_off",
                              "regime_model": "m1_base"})
    kept, notes = drop_unavailable(options, gone)
    assert kept.main_table_models == ("m1_base",) and kept.main_model is None and kept.regime_model == "m1_base"
    assert notes == [
        "report.main_table_models names m5_off, which is not run (models.only / models.disable): left out",
        "report.main_table_models names m4_empty, which is failed (see the top of the report): left out",
        "report.main_model names m5_off, which is not run (models.only / models.disable): the default choice is used",
    ]


def _build(world: dict, config: dict) -> None:
    build_report(database=world["db"], audit_dir="results/audit", manifest=load_manifest(world["manifest_path"]),
                 config=config, out_dir="reports", repo=Path(__file__).resolve().parents[3],
                 started_at="2000-01-01T00:00:00+00:00", stage_outputs=world["stage_outputs"],
                 codebook=world["codebook"])


def _replace_fit(world: dict, fit: pd.DataFrame) -> None:
    con = duckdb.connect(str(world["db"]))
    con.register("tmp_df", fit)
    con.execute("CREATE OR REPLACE TABLE model_fit AS SELECT * FROM tmp_df")
    con.close()


def test_the_report_lists_failures_first_and_skips_what_did_not_run(world: dict) -> None:
    _replace_fit(world, _with_failure(world["fit"]))
    config = {**world["config"],
              "models": {"specs": {m: {} for m in ("m1_base", "m2_controls", "m3_firth", "m4_empty", "m5_off")},
                         "disable": ["m5_off"]},
              "report": {**world["config"]["report"], "main_table_models": ["m1_base", "m4_empty", "m5_off"],
                         "main_model": "m5_off"}}
    _build(world, config)
    md = (world["root"] / "reports" / "report.md").read_text()
    top = md.split("**Question.**")[0]
    assert "**1 model(s) could not be estimated**" in top
    assert f"- `m4_empty` (M1 after 1990): {SHOWN}" in top
    assert "report.main_table_models names m5_off, which is not run" in top
    assert "report.main_model names m5_off" in top
    html = (world["root"] / "reports" / "report.html").read_text()
    assert html.index('id="failed-models"') < html.index('id="finding"')
    main = pd.read_csv(world["root"] / "reports" / "tables" / "main.csv")
    assert "m1_base" in " ".join(main.columns) and "m4_empty" not in " ".join(main.columns)
    # a name that is no model at all is still an error
    config["report"]["main_table_models"] = ["m1_base", "typo"]
    with pytest.raises(ConfigError, match="typo"):
        _build(world, config)


def test_a_report_with_every_model_failed_says_why(world: dict) -> None:
    fit = _with_failure(world["fit"])
    _replace_fit(world, fit[fit["model"] == "m4_empty"])
    with pytest.raises(SchemaError, match="no model could be estimated: m4_empty: no complete rows"):
        _build(world, world["config"])
