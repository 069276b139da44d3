"""The benchmark harness (benchmarks/): measurement mechanics and case building, never timing targets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks import bench, cases, harness
from benchmarks.harness import Measurement, Step
from dyadstats.config.vocab import OUTCOMES

ROOT = Path(__file__).resolve().parents[2]


def test_measure_records_wall_cpu_and_peak_rss_of_the_child(tmp_path: Path) -> None:
    # The child touches ~80 MB, so its own peak RSS must exceed that; the parent's does not count.
    code = "b = bytearray(80 * 1024 * 1024); import time; time.sleep(0.05)"
    m = harness.measure([sys.executable, "-c", code], log_path=tmp_path / "log")
    assert m.returncode == 0
    assert m.wall_s >= 0.05
    assert m.cpu_s > 0
    assert m.peak_rss_mb > 80


def test_measure_reports_the_exit_code(tmp_path: Path) -> None:
    m = harness.measure([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"],
                      log_path=tmp_path / "log")
    assert m.returncode == 3
    assert "boom" in (tmp_path / "log").read_text()


def test_summarise_min_median_max() -> None:
    runs = [Measurement(w, c, c, 0.0, r, 0) for w, c, r in ((3.0, 1.0, 10.0), (1.0, 2.0, 30.0),
                                                               (2.0, 4.0, 20.0))]
    s = harness.summarise(runs)
    assert s["wall_s"] == {"min": 1.0, "median": 2.0, "max": 3.0}
    assert s["cpu_s"] == {"min": 1.0, "median": 2.0, "max": 4.0}
    assert s["peak_rss_mb"] == {"min": 10.0, "median": 20.0, "max": 30.0}


def test_run_step_repeats_with_fresh_prepare_and_fails_loudly(tmp_path: Path) -> None:
    calls = []
    step = Step(name="tiny", argv=[sys.executable, "-c", "pass"], prepare=lambda: calls.append(1))
    out = harness.run_step(step, runs=2, log_dir=tmp_path)
    assert len(calls) == 2 and len(out["runs"]) == 2
    assert out["wall_s"]["min"] <= out["wall_s"]["median"] <= out["wall_s"]["max"]
    bad = Step(name="bad", argv=[sys.executable, "-c", "raise SystemExit(2)"])
    with pytest.raises(harness.BenchError, match="exited 2"):
        harness.run_step(bad, runs=1, log_dir=tmp_path)


def test_main_writes_json_and_prints_a_table(tmp_path: Path, monkeypatch, capsys) -> None:
    def tiny(ctx: harness.Context) -> list[Step]:
        return [Step(name="job", argv=[sys.executable, "-c", "x = [0] * 1000"])]

    def broken(ctx: harness.Context) -> list[Step]:
        raise harness.BenchError("no such stage here")

    monkeypatch.setattr(bench, "CASES", (*bench.CASES, "tiny", "broken"))
    monkeypatch.setitem(bench.CASE_BUILDERS, "tiny", tiny)
    monkeypatch.setitem(bench.CASE_BUILDERS, "broken", broken)
    out = tmp_path / "bench.json"
    rc = bench.main(["tiny", "broken"], output=out, runs=2)
    assert rc == 1  # one case failed, and says so
    body = json.loads(out.read_text())
    assert body["runs_per_step"] == 2
    assert body["machine"]["cores"] >= 1 and body["machine"]["memory_gib"] > 0
    assert body["machine"]["versions"]["duckdb"] == duckdb.__version__
    step = body["cases"]["tiny"]["steps"][0]
    assert step["step"] == "job" and len(step["runs"]) == 2
    assert all(r["wall_s"] > 0 and r["peak_rss_mb"] > 0 for r in step["runs"])
    assert set(step["wall_s"]) == {"min", "median", "max"}
    assert body["cases"]["broken"]["error"] == "no such stage here"
    printed = capsys.readouterr().out
    assert "tiny" in printed and "FAILED" in printed and "cores" in printed


def test_unknown_case_is_refused(tmp_path: Path) -> None:
    assert bench.main(["nope"], output=tmp_path / "b.json") == 2
    assert not (tmp_path / "b.json").exists()


def test_rerun_changes_exactly_one_model() -> None:
    cfg = {"models": {"defaults": {"covariance": "cluster"},
                      "specs": {"a": {"outcome": "y"}, "b": {"outcome": "y", "covariance": "robust"}}}}
    new, name, change = cases.changed_model_config(cfg, None)
    assert name == "a" and new["models"]["specs"]["a"]["covariance"] == "robust"
    assert new["models"]["specs"]["b"] == cfg["models"]["specs"]["b"]
    assert "covariance" not in cfg["models"]["specs"]["a"]  # the original is untouched
    new, name, change = cases.changed_model_config(cfg, "b")
    assert new["models"]["specs"]["b"]["covariance"] == "cluster" and change == "covariance robust -> cluster"
    with pytest.raises(harness.BenchError):
        cases.changed_model_config(cfg, "zzz")
    # a disabled rerun_model would rerun nothing: the first running model changes, with a note
    new, name, change = cases.changed_model_config({"models": {**cfg["models"], "disable": ["b"]}}, "b")
    assert name == "a" and new["models"]["specs"]["a"]["covariance"] == "robust"
    assert change == "covariance cluster -> robust (bench.rerun_model 'b' is not run: models.only / models.disable; changed 'a')"


def test_standard_case_frame_covers_exactly_the_standard_model() -> None:
    """The standard case's build.frame is a config overlay; its frame has every column the
    standard model resolves to (and the scale case uses it unless bench.scale.frame says so)."""
    from dyadstats.bench_stages import STANDARD_MODEL
    from dyadstats.frame.codebook import frame_registry
    from dyadstats.frame.options import frame_options
    from dyadstats.models import parse_specs, resolve

    cfg = {"build": {"first_year": 1816, "frame": {"directed": True}}, "bench": {}}
    options = harness.BenchOptions.from_config(cfg["bench"])
    overlaid = harness.with_frame(cfg, options.standard_frame)
    assert overlaid["build"]["first_year"] == 1816 and overlaid["build"]["frame"] == harness.STANDARD_FRAME
    assert cfg["build"]["frame"] == {"directed": True}  # the original is untouched
    assert options.scale_frame_section == harness.STANDARD_FRAME
    # {} = the full frames: every selection key at its default (dyadstats.config.build.FrameSelection)
    full = harness.BenchOptions.from_config({"scale": {"frame": {}}}).scale_frame_section
    assert full["outcomes"] == list(OUTCOMES) and full["directed"] and full["lags"]
    frame = frame_options(overlaid["build"], (1816, 2014), (1945, 2005))
    columns = [c.name for c in frame_registry(False, frame)]
    spec = parse_specs({"specs": {"s": {k: v for k, v in STANDARD_MODEL.items() if k != "name"}}})["s"]
    resolved = resolve(spec, columns)
    assert set(resolved.columns) <= set(columns)
    assert len(columns) < 40 and not any(c.endswith("_lag1") for c in columns)


def test_derived_growth_against_1x() -> None:
    def step(name: str, factor: float, wall: float, rows: int) -> dict:
        return {"step": name, "factor": factor, "world": {"dyad_years": rows},
                "wall_s": {"median": wall}}

    results = {"scale": {"steps": [step("build_fit_1x", 1, 2.0, 100), step("build_fit_10x", 10, 10.0, 1000)]}}
    bench.derived_figures(results)
    g = results["scale"]["growth_vs_1x"]["10x"]
    assert g["time_ratio"] == 5.0 and g["rows_ratio"] == 10.0 and g["time_per_row_ratio"] == 0.5


def test_standard_job_is_set_beside_the_yardstick() -> None:
    def step(name: str, wall: float, cpu: float, rss: float) -> dict:
        return {"step": name, "runs": [{}], "wall_s": {"min": wall, "median": wall, "max": wall},
                "cpu_s": {"median": cpu}, "peak_rss_mb": {"median": rss}}

    results = {"standard": {"steps": [step("job", 2.0, 1.5, 400.0), step("yardstick", 4.0, 3.0, 500.0)]}}
    bench.derived_figures(results)
    side = results["standard"]["side_by_side"]
    assert side["wall_s"] == {"dyadstats": 2.0, "yardstick": 4.0, "ratio": 0.5}
    assert side["peak_rss_mb"]["ratio"] == 0.8
    text = bench.format_report(results, {"cores": 2, "cores_usable": 2, "memory_gib": 1, "cpu": "x",
                                         "python": "3", "versions": {}})
    assert "yardstick script" in text and "0.50" in text
    assert bench.side_by_side({"standard": {"steps": [step("job", 1, 1, 1)]}}) is None


def test_multiverse_case_grid_is_the_issue_grid_of_672_specifications() -> None:
    """bench.multiverse_choices by default turns the config's choice space into the grid issue
    15 set its 45 s target on: 672 specifications (links joint and weak link, no covariance
    dimension); the config's own grid is untouched and larger."""
    from dyadstats.config import resolved_config
    from dyadstats.multiverse import choice_space, expand
    from dyadstats.plan import RunPlan

    config = harness.load_config(ROOT)
    options = harness.BenchOptions.from_config(config.get("bench"))
    grid = cases.multiverse_grid_config(config, options.multiverse_choices)
    assert "covariance" in config["multiverse"]["choices"]  # the original is untouched

    def n_specs(cfg: dict) -> int:
        cfg = {**cfg, **resolved_config(cfg)}
        plan = RunPlan.from_config(cfg, root=ROOT)
        return len(expand(choice_space(plan.multiverse_section, plan.build)).specifications)

    assert n_specs(grid) == 672
    assert n_specs(config) > 672
    assert cases.multiverse_grid_config(config, {}) == config


def test_multiverse_specs_per_second_per_grid(tmp_path: Path) -> None:
    audit = tmp_path / "multiverse.json"
    audit.write_text(json.dumps({"tables": [{"table": "model_multiverse", "rows_out": 672}]}))

    def step(name: str, wall: float) -> dict:
        return {"step": name, "runs": [{}], "wall_s": {"min": wall, "median": wall, "max": wall},
                "cpu_s": {"median": wall}, "peak_rss_mb": {"median": 1.0}, "specs_from": str(audit)}

    results = {"multiverse": {"steps": [step("job", 42.0), step("config_grid", 84.0)]}}
    bench.derived_figures(results)
    assert [s["specs_per_second"] for s in results["multiverse"]["steps"]] == [16.0, 8.0]
    text = bench.format_report(results, {"cores": 2, "cores_usable": 2, "memory_gib": 1, "cpu": "x",
                                         "python": "3", "versions": {}})
    assert "job: 672 specifications in 42.0 s, 16.0 per second" in text
