"""A tiny hand-made world shaped exactly like the stage contract, for the report tests.

Three dyads over a few years with hand-set outcomes and regime pairs (so every count and rate is
checkable by hand), three models in the tidy models-stage format, two stage audits, and a
one-file manifest whose raw file exists on disk.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from dyadstats.audit import profile_frame, table_record, write_stage_audit
from dyadstats.io.files import sha256_file

OUTCOMES = (
    "coercion_onset", "coercion_onset_limited", "mid_onset", "mid_onset_originators",
    "sanction_threat_onset", "sanction_imposition_onset",
)
JD, MX, JA = "joint democracy", "mixed", "joint autocracy"
N = None

# dyad (ccode1, ccode2), year, regime_pair_polity, coercion_onset, mid_onset
FRAME_ROWS = [
    ((2, 20), 1944, JD, 0, 0),
    ((2, 20), 1945, JD, 1, 1),
    ((2, 20), 1946, JD, 0, 0),
    ((2, 20), 1947, JD, 0, 1),
    ((2, 365), 1944, MX, 1, 1),
    ((2, 365), 1945, MX, 1, 1),
    ((2, 365), 1946, N, 0, 0),   # a democracy score missing: no regime pair
    ((2, 365), 1947, MX, N, N),  # outside the event source's coverage
    ((365, 710), 1990, JA, 0, 0),
    ((365, 710), 1991, JA, 1, 1),
]

Z = 1.959963984540054


def analysis_frame() -> pd.DataFrame:
    rows = []
    for (c1, c2), year, pair, coercion, mid in FRAME_ROWS:
        rows.append(
            {
                "ccode1": c1, "ccode2": c2, "year": year, "dyad_id": c1 * 1000 + c2,
                "regime_pair_polity": pair,
                "joint_democracy_polity": None if pair is None else int(pair == JD),
                "coercion_onset": coercion,
                "coercion_onset_limited": coercion,
                "mid_onset": mid,
                "mid_onset_originators": None if mid is None else 0,
                "sanction_threat_onset": None,  # outside TIES coverage in every row
                "sanction_imposition_onset": None,
            }
        )
    frame = pd.DataFrame(rows)
    for c in ("joint_democracy_polity", *OUTCOMES):
        frame[c] = frame[c].astype("Int64")
    return frame


def _estimate_rows(model: str, terms: dict[str, tuple[float, float]]) -> list[dict]:
    out = []
    for term, (b, se) in terms.items():
        z = b / se
        out.append(
            {
                "model": model, "term": term, "estimate": b, "std_error": se, "statistic": z,
                "p_value": math.erfc(abs(z) / math.sqrt(2)),
                "conf_low": b - Z * se, "conf_high": b + Z * se, "odds_ratio": math.exp(b),
            }
        )
    return out


MODELS = {
    "m1_base": {"joint_democracy_polity": (-0.7, 0.2), "contiguity_land": (1.2, 0.3), "Intercept": (-5.0, 0.4)},
    "m2_controls": {"joint_democracy_polity": (-0.4, 0.3), "contiguity_land": (1.1, 0.3),
                    "log_capability_ratio": (-0.2, 0.05), "Intercept": (-4.5, 0.5)},
    "m3_firth": {"joint_democracy_polity": (0.1, 0.5), "Intercept": (-5.2, 0.6)},
}


def model_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    estimates = pd.DataFrame([r for m, t in MODELS.items() for r in _estimate_rows(m, t)])
    fit = pd.DataFrame(
        {
            "model": list(MODELS),
            "outcome": ["coercion_onset"] * 3,
            "estimator": ["logit", "logit", "firth_logit"],
            "cov_type": ["cluster", "cluster", "nonrobust"],
            "sample": ["all", "all", "all"],
            "n_obs": [123456, 120000, 123456],
            "n_events": [321, 300, 321],
            "n_clusters": [2500.0, 2400.0, float("nan")],
            "log_likelihood": [-1500.5, -1400.25, -1510.0],
            "aic": [3007.0, 2808.5, 3024.0],
            "bic": [3030.0, 2840.0, 3040.0],
            "pseudo_r2": [0.12, 0.15, 0.11],
            "converged": [True, True, True],
            "n_dropped_missing": [0, 3456, 0],
            "separation": ["none", "none", "none"],
            "notes": ["", "", ""],
            "focal_term": ["joint_democracy_polity"] * 3,
            "frame": ["dyad"] * 3,
            "democracy": ["polity"] * 3,
            "formula": ["coercion_onset ~ joint_democracy_polity + contiguity_land",
                        "coercion_onset ~ joint_democracy_polity + contiguity_land + log_capability_ratio",
                        "coercion_onset ~ joint_democracy_polity"],
        }
    )
    pred = []

    def add(model: str, quantity: str, group: str, est: float, half_width: float) -> None:
        pred.append({"model": model, "quantity": quantity, "group": group, "estimate": est,
                     "std_error": half_width / Z, "conf_low": est - half_width,
                     "conf_high": est + half_width, "n_obs": 100})

    observed = {"m1_base": (0.002, 0.006, 0.003), "m2_controls": (0.0025, 0.005, 0.0035)}
    for model, (jd, mixed, autoc) in observed.items():
        other = (mixed + autoc) / 2
        for group, est in (("joint democracy", jd), ("mixed", mixed), ("joint autocracy", autoc), ("other dyads", other)):
            add(model, "observed", group, est, est / 2)
        add(model, "observed", "difference", jd - other, 0.001)
        add(model, "observed", "ratio", jd / other, 0.2)
    # m1_base's counterfactual contrast: joint democracy set to 1 vs 0 for every dyad-year
    add("m1_base", "counterfactual", "joint democracy", 0.0021, 0.0008)
    add("m1_base", "counterfactual", "other dyads", 0.0041, 0.001)
    add("m1_base", "counterfactual", "difference", -0.002, 0.0009)
    add("m1_base", "counterfactual", "ratio", 0.512, 0.25)
    return estimates, fit, pd.DataFrame(pred)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A working directory laid out like a pipeline run that reached the report stage."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "audit").mkdir(parents=True)
    frame = analysis_frame()
    estimates, fit, predictions = model_tables()
    db = tmp_path / "results" / "dyadstats.duckdb"
    con = duckdb.connect(str(db))
    for name, df in {"analysis_dyad_years": frame, "model_estimates": estimates,
                     "model_fit": fit, "model_predictions": predictions}.items():
        con.register("tmp_df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM tmp_df")
        con.unregister("tmp_df")
    con.close()
    models_dir = tmp_path / "results" / "models"
    models_dir.mkdir()
    estimates.to_parquet(models_dir / "estimates.parquet")

    write_stage_audit("ingest", [table_record("cow_states", profile_frame(frame, ["dyad_id", "year"]), rows_in=10)],
                      tmp_path / "results" / "audit" / "ingest.json")
    write_stage_audit("build", [table_record("analysis_dyad_years", profile_frame(frame, ["dyad_id", "year"]),
                                             rows_in=12, dropped={"false dyad": 2})],
                      tmp_path / "results" / "audit" / "build.json")

    raw = tmp_path / "data" / "raw" / "toy" / "toy.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("ccode,year\n2,1816\n")
    manifest = {
        "manifest_version": 1,
        "sources": {
            "toy": {
                "provider": "Toy Provider", "dataset": "Toy Data", "version": "1.0",
                "citation": "Doe, Jane. 2019. \"Toy Data & Things.\" Journal 1(1): 1-2.",
                "bibtex_key": "doe2019toy", "landing_url": "https://example.org/toy",
                "files": [{"file": "toy.csv", "sha256": sha256_file(raw), "format": "csv",
                           "table": {"name": "toy"}}],
            }
        },
    }
    manifest_path = tmp_path / "sources.yaml"
    manifest_path.write_text(yaml.safe_dump(manifest))
    codebook = tmp_path / "results" / "frames" / "codebook.md"
    codebook.parent.mkdir(parents=True)
    codebook.write_text("# Codebook of the toy frame\n")
    config = {
        "manifest": str(manifest_path),
        "mirrors": [],
        "report": {
            "title": "Toy report",
            "term_labels": {"joint_democracy_polity": "Joint democracy (Polity)"},
        },
    }
    return {
        "root": tmp_path, "db": db, "frame": frame, "estimates": estimates, "fit": fit,
        "predictions": predictions, "manifest_path": manifest_path, "config": config,
        "stage_outputs": [str(models_dir / "estimates.parquet")], "codebook": codebook,
    }
