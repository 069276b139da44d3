"""Multiverse: choice-space expansion and skip rules, chunking, estimation, summaries, figure."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from snakemake.utils import validate

from dyadstats import multiverse as mv
from dyadstats.models import ModelSpec, fit_spec
from dyadstats.report.spec_curve import curve_colors, curve_order, write_specification_curve
from dyadstats.testing.repo import repo_root
from dyadstats.testing.simulate import DEFAULT_COEFFICIENTS, simulate_analysis_frame

REPO = repo_root()
CONTROLS = "contiguity_land + capability_ratio + major_power_dyad + defense_pact"


def space(**choices: object) -> mv.ChoiceSpace:
    section = {"controls": CONTROLS, "choices": choices}
    return mv.choice_space(section, {"first_year": 1816, "last_year": 2014})


@pytest.fixture(scope="module")
def frame() -> pa.Table:
    # Small synthetic frame with the data contract's columns and a known joint-democracy effect.
    return simulate_analysis_frame(n_states=40, n_years=120, start_year=1895, event_rate=0.01, seed=7)


# --------------------------------------------------------------------------------------------
# Expansion and skip rules
# --------------------------------------------------------------------------------------------


def test_threshold_and_link_rules_by_hand() -> None:
    ex = mv.expand(space(
        democracy=["polity", "bmr"],
        threshold=[{"label": "default"}, {"label": "strict", "polity": 7}],
        link=["joint", "weak_link"],
    ))
    kept = [(s.choices["democracy"], s.choices["threshold"], s.choices["link"]) for s in ex.specifications]
    assert kept == [
        ("polity", "default", "joint"), ("polity", "default", "weak_link"), ("polity", "strict", "joint"),
        ("bmr", "default", "joint"),
    ]
    rules = {(s.choices["democracy"], s.choices["threshold"], s.choices["link"]): s.rule for s in ex.skipped}
    assert rules == {
        ("polity", "strict", "weak_link"): "threshold_weak_link",
        ("bmr", "default", "weak_link"): "weak_link_dichotomy",
        ("bmr", "strict", "joint"): "threshold_dichotomy",
        ("bmr", "strict", "weak_link"): "weak_link_dichotomy",
    }
    assert all(s.reason for s in ex.skipped)
    assert [s.spec_id for s in ex.specifications] == [1, 2, 3, 4]
    strict = ex.specifications[2].model
    assert strict.democracy_threshold == 7.0 and strict.democracy == "polity"
    assert ex.specifications[0].model.democracy_threshold is None


def test_threshold_without_cut_for_a_measure_is_skipped() -> None:
    ex = mv.expand(space(democracy=["polity", "vdem"], threshold=[{"label": "default"}, {"label": "strict", "polity": 7}]))
    assert [(s.choices["democracy"], s.choices["threshold"]) for s in ex.specifications] == [
        ("polity", "default"), ("polity", "strict"), ("vdem", "default")]
    assert [s.rule for s in ex.skipped] == ["threshold_undeclared"]


def test_era_rules_follow_measure_coverage() -> None:
    eras = [{"label": "all years", "years": None}, {"label": "1816-1945", "years": [1816, 1945]},
            {"label": "1946-2014", "years": [1946, 2014]}]
    ex = mv.expand(space(democracy=["polity", "uds"], era=eras))
    kept = [(s.choices["democracy"], s.choices["era"]) for s in ex.specifications]
    # UDS starts in 1946: nothing before, and 1946-2014 is the same sample as all years.
    assert kept == [("polity", "all years"), ("polity", "1816-1945"), ("polity", "1946-2014"), ("uds", "all years")]
    assert {s.choices["era"]: s.rule for s in ex.skipped} == {"1816-1945": "era_coverage", "1946-2014": "era_duplicate"}
    era_spec = ex.specifications[1].model
    assert era_spec.sample.years == (1816, 1945)


def test_firth_only_on_declared_samples_and_model_based_covariance() -> None:
    ex = mv.expand(space(sample=["all", "politically_relevant"], estimator=["logit", "firth"]))
    kept = [(s.choices["sample"], s.choices["estimator"]) for s in ex.specifications]
    assert kept == [("all", "logit"), ("politically_relevant", "logit"), ("politically_relevant", "firth")]
    assert [s.rule for s in ex.skipped] == ["firth_sample"]
    firth = ex.specifications[2].model
    assert firth.estimator == "firth" and firth.covariance == "cluster"  # the sandwich at the Firth estimate
    assert firth.sample.politically_relevant and not ex.specifications[0].model.sample.politically_relevant
    assert ex.specifications[0].model.covariance == "cluster"


def test_lag_time_and_link_reach_the_model_spec() -> None:
    ex = mv.expand(space(lag=[0, 1], time=["cubic", "splines"], link=["joint", "weak_link"]))
    assert len(ex.specifications) == 8 and not ex.skipped
    by_slug = {s.slug: s.model for s in ex.specifications}
    m = by_slug["coercion_onset/polity/default/weak_link/1/all/all years/splines/logit/cluster"]
    assert m.lag is True and m.time_dependence == "splines" and m.focal == "{weak_link}"
    assert m.regressors == "{weak_link} + " + CONTROLS and m.predictions is False


def test_regime_links_enter_three_categories_and_match_a_direct_fit(frame: pa.Table) -> None:
    ex = mv.expand(space(link=["regime_vs_autocracy", "regime_vs_mixed"]))
    models = {s.choices["link"]: s.model for s in ex.specifications}
    assert models["regime_vs_mixed"].regressors == "{regime_contrasts} + " + CONTROLS
    assert models["regime_vs_mixed"].regime_reference == "mixed"
    assert models["regime_vs_autocracy"].regime_reference == "joint_autocracy"
    rows = mv.estimate_specifications(frame, ex.specifications).set_index("link")
    # Second route: the same contrasts from explicit dummies in a plain spec.
    for link, other in (("regime_vs_autocracy", "mixed_dyad_polity"), ("regime_vs_mixed", "joint_autocracy_polity")):
        direct = ModelSpec(name="check", outcome="coercion_onset",
                           regressors=f"joint_democracy_polity + {other} + " + CONTROLS,
                           focal="joint_democracy_polity", predictions=False)
        est, _, _ = fit_spec(frame, direct)
        jd = est.set_index("term").loc["joint_democracy_polity"]
        assert rows.loc[link, "estimate"] == pytest.approx(jd["estimate"], rel=1e-9)
        assert rows.loc[link, "std_error"] == pytest.approx(jd["std_error"], rel=1e-9)
        assert "vs" in rows.loc[link, "focal_scale"]


def test_covariance_is_a_choice_sharing_one_design(frame: pa.Table) -> None:
    ex = mv.expand(space(covariance=["cluster", "dyadic", "twoway"]))
    assert [s.choices["covariance"] for s in ex.specifications] == ["cluster", "dyadic", "twoway"]
    assert len({s.design_key for s in ex.specifications}) == 1
    assert ex.specifications[2].model.cluster_by == ("dyad", "year")
    rows = mv.estimate_specifications(frame, ex.specifications).set_index("covariance")
    # Same fit, different standard errors: each equals a direct fit with that covariance.
    assert rows["estimate"].nunique() == 1
    for cov in ("cluster", "dyadic", "twoway"):
        direct = ModelSpec(name="check", outcome="coercion_onset", regressors="{joint_democracy} + " + CONTROLS,
                           covariance=cov, cluster_by=("dyad", "year") if cov == "twoway" else "dyad",
                           predictions=False)
        est, _, _ = fit_spec(frame, direct)
        se = est.set_index("term").loc["joint_democracy_polity", "std_error"]
        assert rows.loc[cov, "std_error"] == pytest.approx(se, rel=1e-10)
    assert rows.loc["dyadic", "std_error"] != pytest.approx(rows.loc["cluster", "std_error"], rel=1e-3)


def test_bad_levels_are_rejected() -> None:
    with pytest.raises(mv.MultiverseConfigError, match=r"multiverse\.choices\.democracy\.1: 'freedom_house' is not one of"):
        space(democracy=["polity", "freedom_house"])
    with pytest.raises(mv.MultiverseConfigError, match="repeat"):
        space(outcome=["mid_onset", "mid_onset"])
    with pytest.raises(mv.MultiverseConfigError, match="frame columns only"):
        mv.choice_space({"controls": "{joint_democracy}"})


def test_repository_config_validates_and_expands_to_hundreds() -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    sp = mv.choice_space(config["multiverse"], config["build"])
    ex = mv.expand(sp)
    n_combinations = math.prod(len(v) for v in sp.levels().values())
    assert len(ex.specifications) + len(ex.skipped) == n_combinations
    assert len(ex.specifications) >= 200
    assert len({s.slug for s in ex.specifications}) == len(ex.specifications)
    summary = mv.skip_summary(ex.skipped)
    assert sum(v["count"] for v in summary.values()) == len(ex.skipped)
    assert all(v["reasons"] for v in summary.values())


# --------------------------------------------------------------------------------------------
# Chunks
# --------------------------------------------------------------------------------------------


def test_chunks_cover_every_spec_once_and_never_split_a_design() -> None:
    ex = mv.expand(space(outcome=["coercion_onset", "mid_onset"], sample=["all", "politically_relevant"],
                         time=["cubic", "splines"], estimator=["logit", "firth"]))
    specs = ex.specifications
    assert len(specs) == 12  # 2 outcomes x 2 times x (all: logit; relevant: logit + firth)
    chunks = mv.chunk_specifications(specs, 3)
    flat = [s.spec_id for c in chunks for s in c]
    assert flat == [s.spec_id for s in specs]
    homes: dict[str, set[int]] = {}
    for i, c in enumerate(chunks):
        assert 1 <= len(c) <= 3
        for s in c:
            homes.setdefault(s.design_key, set()).add(i)
    assert all(len(v) == 1 for v in homes.values())
    assert len(mv.chunk_specifications(specs, 100)) == 1
    assert mv.chunk_ids(3) == ["000", "001", "002"] and mv.chunk_ids(1500)[-1] == "1499"
    with pytest.raises(mv.MultiverseConfigError):
        mv.chunk_specifications(specs, 0)


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------


def test_estimates_match_models_stage_and_recover_the_true_effect(frame: pa.Table) -> None:
    ex = mv.expand(space(sample=["all", "politically_relevant"], estimator=["logit", "firth"]))
    df = mv.estimate_specifications(frame, ex.specifications, chunk="000")
    assert list(df.columns) == mv.TABLE_COLUMNS and (df["status"] == "ok").all()
    truth = DEFAULT_COEFFICIENTS["joint_democracy_polity"]
    for spec, row in zip(ex.specifications, df.itertuples(), strict=True):
        est, fit, _ = fit_spec(frame, spec.model)  # the models stage, one spec at a time
        focal = est[est["is_focal"]].iloc[0]
        assert row.estimate == pytest.approx(focal["estimate"], rel=1e-10)
        assert row.std_error == pytest.approx(focal["std_error"], rel=1e-10)
        assert row.n_obs == fit["n_obs"] and row.n_events == fit["n_events"]
        assert row.focal_term == "joint_democracy_polity"
        assert row.conf_low < truth < row.conf_high
    firth = df[df["estimator"] == "firth"].iloc[0]
    logit = df[(df["estimator"] == "logit") & (df["sample"] == "politically_relevant")].iloc[0]
    assert firth["n_obs"] == logit["n_obs"]  # one shared design
    # Firth shrinks towards zero relative to maximum likelihood.
    assert abs(firth["estimate"]) < abs(logit["estimate"])


def test_weak_link_is_reported_per_sd_exactly(frame: pa.Table) -> None:
    ex = mv.expand(space(link=["weak_link"]))
    row = mv.estimate_specifications(frame, ex.specifications).iloc[0]
    values = frame.column("min_polity2").to_numpy(zero_copy_only=False).astype(float)
    sd = float(np.nanstd(values, ddof=1))
    # Independent route: fit on the standardised column directly.
    scaled = frame.append_column("weak_link_sd", pa.array(values / sd))
    spec = ModelSpec(name="check", outcome="coercion_onset", regressors="weak_link_sd + " + CONTROLS,
                     focal="weak_link_sd", predictions=False, sample=ex.specifications[0].model.sample)
    est, _, _ = fit_spec(scaled, spec)
    focal = est[est["is_focal"]].iloc[0]
    assert row.estimate == pytest.approx(focal["estimate"], rel=1e-6)
    assert row.std_error == pytest.approx(focal["std_error"], rel=1e-6)
    assert row.conf_low == pytest.approx(focal["conf_low"], rel=1e-6)
    assert row.p_value == pytest.approx(focal["p_value"], rel=1e-6)
    assert "per SD" in row.focal_scale


def test_a_spec_without_data_fails_alone(frame: pa.Table) -> None:
    # TIES outcomes are NULL before 1945: that era has no complete rows.
    ex = mv.expand(space(outcome=["sanction_threat_onset", "coercion_onset"],
                         era=[{"label": "early", "years": [1895, 1930]}]))
    df = mv.estimate_specifications(frame, ex.specifications)
    assert df["status"].tolist() == ["failed", "ok"]
    assert "no complete rows" in df["notes"].iloc[0]


def test_run_chunk_reads_the_frame_and_writes_parquet(frame: pa.Table, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "frame.parquet"
    pq.write_table(frame, path)
    ex = mv.expand(space(democracy=["polity", "vdem"], threshold=[{"label": "default"}, {"label": "strict", "polity": 7}]))
    cols = mv.needed_columns([s.model for s in ex.specifications], frame.column_names)
    # threshold coding reads the scores; nothing else beyond the model's columns and keys
    assert {"polity2_1", "polity2_2", "joint_democracy_polity", "joint_democracy_vdem"} <= set(cols)
    assert "joint_democracy_uds" not in cols and len(cols) < frame.num_columns
    out = tmp_path / "chunk.parquet"
    df = mv.run_chunk(str(path), [s.to_dict() for s in ex.specifications], "007", str(out))
    back = pd.read_parquet(out)
    assert back["chunk"].unique().tolist() == ["007"] and len(back) == len(df) == 3
    assert back["threshold"].tolist() == ["default", "strict", "default"]


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def _toy(estimates: list[float], p: list[float], **dims: list[str]) -> pd.DataFrame:
    rows = []
    for i, (e, pv) in enumerate(zip(estimates, p, strict=True)):
        base = {d: "x" for d in mv.DIMENSIONS}
        base["estimator"] = "logit"
        base.update({d: v[i] for d, v in dims.items()})
        rows.append({"spec_id": i + 1, "estimate": e, "p_value": pv, "status": "ok", **base})
    return pd.DataFrame(rows)


def test_summary_counts_by_hand() -> None:
    df = _toy([-0.5, -0.2, 0.1, -0.3, 0.4], [0.01, 0.2, 0.03, 0.04, 0.5])
    df.loc[0, "estimator"] = "firth"
    df.loc[len(df)] = {**df.iloc[0].to_dict(), "spec_id": 6, "estimate": np.nan, "status": "failed"}
    c = mv.summary_counts(df)
    assert c["specifications"] == 6 and c["estimated"] == 5 and c["not estimated"] == 1
    assert c["share negative"] == 0.6
    assert c["share significant"] == 0.6
    assert c["share negative and significant"] == 0.4
    assert c["share positive and significant"] == 0.2
    assert c["median estimate"] == -0.2
    assert c["share significant, logit only"] == 0.5  # p of the logit rows: 0.2, 0.03, 0.04, 0.5


def test_choice_effects_variance_decomposition() -> None:
    # Balanced 2x2: 'democracy' shifts the estimate by 1, 'time' does nothing.
    df = _toy([-1.0, -1.0, 0.0, 0.0], [0.01, 0.01, 0.9, 0.9],
              democracy=["polity", "polity", "vdem", "vdem"], time=["cubic", "splines", "cubic", "splines"])
    levels, dims = mv.choice_effects(df)
    d = dims.set_index("dimension")
    assert d.loc["democracy", "eta_squared"] == pytest.approx(1.0)
    assert d.loc["time", "eta_squared"] == pytest.approx(0.0)
    assert d.loc["democracy", "median_range"] == pytest.approx(1.0)
    assert dims["dimension"].tolist() == ["democracy", "time"]
    lv = levels.set_index(["dimension", "level"])
    assert lv.loc[("democracy", "polity"), "median_estimate"] == -1.0
    assert lv.loc[("democracy", "polity"), "share_significant"] == 1.0
    summary = mv.report_summary(mv.summary_counts(df), dims, skipped=3)
    assert summary["share with a negative joint-democracy estimate"] == 0.5
    assert summary["choices that move the estimate most (eta squared; range of level medians)"].startswith(
        "democracy (1.00; 1.00)")


def test_gather_writes_table_summary_and_audit(frame: pa.Table, tmp_path: Path) -> None:
    import json

    ex = mv.expand(space(sample=["all", "politically_relevant"], democracy=["polity", "bmr"],
                         link=["joint", "weak_link"]))
    chunks = mv.chunk_specifications(ex.specifications, 2)
    paths = []
    for cid, c in zip(mv.chunk_ids(len(chunks)), chunks, strict=True):
        p = tmp_path / f"{cid}.parquet"
        df = mv.estimate_specifications(frame, c, cid)
        df.to_parquet(p)
        paths.append(str(p))
    out = {k: str(tmp_path / f"{k}.out") for k in ("table", "skipped", "levels", "dims", "summary", "audit")}
    df = mv.gather(list(reversed(paths)), ex.skipped_frame(), table_path=out["table"], skipped_path=out["skipped"],
                   levels_path=out["levels"], dimensions_path=out["dims"], summary_path=out["summary"],
                   audit_path=out["audit"], skip_log=mv.skip_summary(ex.skipped))
    assert df["spec_id"].tolist() == list(range(1, 7))
    assert pd.read_parquet(out["table"])["spec_id"].tolist() == list(range(1, 7))
    assert len(pd.read_parquet(out["skipped"])) == len(ex.skipped) == 2
    audit = json.loads(Path(out["audit"]).read_text())
    rec = {r["table"]: r for r in audit["tables"]}["model_multiverse"]
    assert audit["stage"] == "multiverse" and rec["rows_out"] == 6 and rec["key_unique"]
    assert rec["dropped"] == {"skipped combinations": 2}
    assert any("weak_link_dichotomy" in n for n in rec["notes"])
    summary = json.loads(Path(out["summary"]).read_text())
    assert summary["specifications estimated"] == "6 of 6"


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------


def test_specification_curve_is_sorted_coloured_and_reproducible(tmp_path: Path) -> None:
    df = _toy([0.3, -0.5, -0.1, 0.2], [0.01, 0.01, 0.5, 0.9], democracy=["a", "b", "a", "b"])
    df["conf_low"], df["conf_high"] = df["estimate"] - 0.1, df["estimate"] + 0.1
    curve = curve_order(df)
    assert curve["spec_id"].tolist() == [2, 3, 4, 1]
    assert curve_colors(curve, 0.05).tolist() == ["#1b6ca8", "#9a9a9a", "#9a9a9a", "#c0392b"]
    table = tmp_path / "t.parquet"
    df.to_parquet(table)
    levels = {"democracy": ["a", "b"], "time": ["x"]}
    first = [p.read_bytes() for p in write_specification_curve(table, levels, tmp_path / "one")]
    second = [p.read_bytes() for p in write_specification_curve(table, levels, tmp_path / "two")]
    assert first == second and first[0][:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in first[1]


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def test_cli_multiverse_adds_the_enabling_overlay() -> None:
    from dyadstats.cli.main import build_parser, multiverse_argv

    overlay = yaml.safe_load((REPO / "config" / "multiverse.yaml").read_text())
    assert overlay == {"multiverse": {"enabled": True}}
    args = build_parser().parse_args(["multiverse", "--cores", "2", "--grid-only", "--profile", "p"])
    argv = multiverse_argv(REPO, args)
    i = argv.index("--configfile")
    assert argv[i + 1:i + 3] == [str(REPO / "config" / "config.yaml"), str(REPO / "config" / "multiverse.yaml")]
    assert argv[argv.index("--cores") + 1] == "2" and argv[argv.index("--profile") + 1] == "p"
    assert "results/multiverse/model_multiverse.parquet" in argv[:i]
    full = multiverse_argv(REPO, build_parser().parse_args(["multiverse"]))
    assert not any(a.startswith("results/") for a in full)  # default target: rule all
