"""Benchmark harness mechanics (never timing targets) and the synthetic world generator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dyadstats import bench
from dyadstats.bench import Measurement, Step
from dyadstats.testing import synthetic_world


def test_measure_records_wall_cpu_and_peak_rss_of_the_child(tmp_path: Path) -> None:
    # The child touches ~80 MB, so its own peak RSS must exceed that; the parent's does not count.
    code = "b = bytearray(80 * 1024 * 1024); import time; time.sleep(0.05)"
    m = bench.measure([sys.executable, "-c", code], log_path=tmp_path / "log")
    assert m.returncode == 0
    assert m.wall_s >= 0.05
    assert m.cpu_s > 0
    assert m.peak_rss_mb > 80


def test_measure_reports_the_exit_code(tmp_path: Path) -> None:
    m = bench.measure([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"],
                      log_path=tmp_path / "log")
    assert m.returncode == 3
    assert "boom" in (tmp_path / "log").read_text()


def test_summarise_min_median_max() -> None:
    runs = [Measurement(w, c, c, 0.0, r, 0) for w, c, r in ((3.0, 1.0, 10.0), (1.0, 2.0, 30.0),
                                                               (2.0, 4.0, 20.0))]
    s = bench.summarise(runs)
    assert s["wall_s"] == {"min": 1.0, "median": 2.0, "max": 3.0}
    assert s["cpu_s"] == {"min": 1.0, "median": 2.0, "max": 4.0}
    assert s["peak_rss_mb"] == {"min": 10.0, "median": 20.0, "max": 30.0}


def test_run_step_repeats_with_fresh_prepare_and_fails_loudly(tmp_path: Path) -> None:
    calls = []
    step = Step(name="tiny", argv=[sys.executable, "-c", "pass"], prepare=lambda: calls.append(1))
    out = bench.run_step(step, runs=2, log_dir=tmp_path)
    assert len(calls) == 2 and len(out["runs"]) == 2
    assert out["wall_s"]["min"] <= out["wall_s"]["median"] <= out["wall_s"]["max"]
    bad = Step(name="bad", argv=[sys.executable, "-c", "raise SystemExit(2)"])
    with pytest.raises(bench.BenchError, match="exited 2"):
        bench.run_step(bad, runs=1, log_dir=tmp_path)


def test_main_writes_json_and_prints_a_table(tmp_path: Path, monkeypatch, capsys) -> None:
    def tiny(ctx: bench.Context) -> list[Step]:
        return [Step(name="job", argv=[sys.executable, "-c", "x = [0] * 1000"])]

    def broken(ctx: bench.Context) -> list[Step]:
        raise bench.BenchError("no such stage here")

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
    new, name, change = bench.changed_model_config(cfg, None)
    assert name == "a" and new["models"]["specs"]["a"]["covariance"] == "robust"
    assert new["models"]["specs"]["b"] == cfg["models"]["specs"]["b"]
    assert "covariance" not in cfg["models"]["specs"]["a"]  # the original is untouched
    new, name, change = bench.changed_model_config(cfg, "b")
    assert new["models"]["specs"]["b"]["covariance"] == "cluster" and change == "covariance robust -> cluster"
    with pytest.raises(bench.BenchError):
        bench.changed_model_config(cfg, "zzz")


def test_standard_case_frame_covers_exactly_the_standard_model() -> None:
    """The standard case's build.frame is a config overlay; its frame has every column the
    standard model resolves to (and the scale case uses it unless bench.scale.frame says so)."""
    from dyadstats.bench_stages import STANDARD_MODEL
    from dyadstats.frame.codebook import frame_registry
    from dyadstats.frame.options import frame_options
    from dyadstats.models import parse_specs, resolve

    cfg = {"build": {"first_year": 1816, "frame": {"directed": True}}, "bench": {}}
    options = bench.BenchOptions.from_config(cfg["bench"])
    overlaid = bench.with_frame(cfg, options.standard_frame)
    assert overlaid["build"]["first_year"] == 1816 and overlaid["build"]["frame"] == bench.STANDARD_FRAME
    assert cfg["build"]["frame"] == {"directed": True}  # the original is untouched
    assert options.scale_frame_section == bench.STANDARD_FRAME
    assert bench.BenchOptions.from_config({"scale": {"frame": {}}}).scale_frame_section == {}
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


# --------------------------------------------------------------------------------------------
# Synthetic world
# --------------------------------------------------------------------------------------------

INT, F, S = pa.int64(), pa.float64(), pa.large_string()
TEMPLATE_SCHEMAS = {
    "cow_states": [("stateabb", S), ("ccode", INT), ("statenme", S), ("styear", INT), ("stmonth", INT),
                   ("stday", INT), ("endyear", INT), ("endmonth", INT), ("endday", INT), ("version", INT)],
    "cow_majors": [("stateabb", S), ("ccode", INT), ("styear", INT), ("stmonth", INT), ("stday", INT),
                   ("endyear", INT), ("endmonth", INT), ("endday", INT), ("version", INT)],
    "nmc": [("stateabb", S), ("ccode", INT), ("year", INT), ("milex", INT), ("cinc", F), ("version", INT)],
    "polity5": [("ccode", INT), ("scode", S), ("country", S), ("year", INT), ("democ", INT), ("autoc", INT),
                ("polity", INT), ("polity2", INT), ("durable", INT)],
    "vdem": [("vdem_country_name", S), ("country_id", INT), ("year", INT), ("vdem_cowcode", INT),
             ("v2x_polyarchy", F), ("cown", INT)],
    "bmr": [("country", S), ("ccode", INT), ("year", INT), ("democracy", INT)],
    "uds": [("uds_country", S), ("year", INT), ("uds_cowcode", INT), ("mean", F), ("cown", INT)],
    "cow_contdird": [("dyad", INT), ("state1no", INT), ("state1ab", S), ("state2no", INT), ("state2ab", S),
                     ("year", INT), ("conttype", INT), ("version", F)],
    "ps_cow_alliance": [("ccode1", INT), ("ccode2", INT), ("year", INT), ("cow_defense", INT), ("cow_neutral", INT),
                        ("cow_nonagg", INT), ("cow_entente", INT)],
    "ps_atop_alliance": [("ccode1", INT), ("ccode2", INT), ("year", INT), ("atop_defense", INT), ("atop_offense", INT),
                         ("atop_neutral", INT), ("atop_nonagg", INT), ("atop_consul", INT)],
    "ps_cow_mindist": [("ccode1", INT), ("ccode2", INT), ("year", INT), ("mindist", F)],
    "mid5_disputes": [(c, INT) for c in ("dispnum", "stday", "stmon", "styear", "endday", "endmon", "endyear",
                                       "outcome", "settle", "fatality", "fatalpre", "maxdur", "mindur", "hiact",
                                       "hostlev", "recip", "numa", "numb", "ongo2014", "version")],
    "mid5_participants": [("dispnum", INT), ("stabb", S), ("ccode", INT)] + [
        (c, INT) for c in ("stday", "stmon", "styear", "endday", "endmon", "endyear", "sidea", "revstate",
                         "revtype1", "revtype2", "fatality", "fatalpre", "hiact", "hostlev", "orig", "version")],
    "ties": [("caseid", INT), ("startmonth", INT), ("startday", INT), ("startyear", INT), ("sender1", INT),
             ("sender2", INT), ("sender3", INT), ("sender4", INT), ("sender5", INT), ("primarysender", INT),
             ("targetstate", INT), ("threat", INT), ("imposition", INT), ("sancimpositionstartyear", S)],
    "icb_crises": [("crisno", INT)],  # not synthesised: copied whole
}


@pytest.fixture()
def template(tmp_path: Path) -> Path:
    """Real-shaped but tiny ingested tables: ten states members 1816-2016 (45 dyads a year)."""
    d = tmp_path / "template"
    d.mkdir()
    for name, fields in TEMPLATE_SCHEMAS.items():
        schema = pa.schema(fields)
        if name == "cow_states":
            codes = [2, 20, 200, 220, 255, 300, 325, 365, 640, 710]
            cols = {"ccode": codes, "stateabb": [f"X{c}" for c in codes], "statenme": [f"X{c}" for c in codes],
                    "styear": [1816] * 10, "stmonth": [1] * 10, "stday": [1] * 10,
                    "endyear": [2016] * 10, "endmonth": [12] * 10, "endday": [31] * 10, "version": [2016] * 10}
            table = pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in schema})
        elif name == "icb_crises":
            table = pa.table({"crisno": pa.array([1, 2], type=INT)})
        else:
            table = schema.empty_table()
        pq.write_table(table, d / f"{name}.parquet")
    return d


def test_real_dyad_years_counts_pairs_per_year(template: Path) -> None:
    assert synthetic_world.real_dyad_years(template) == 45 * 199  # C(10, 2) dyads, 1816-2014


def test_write_world_hits_the_target_in_the_template_schemas(template: Path, tmp_path: Path) -> None:
    from dyadstats.universe import build_universe

    out = tmp_path / "world"
    info = synthetic_world.write_world(template, out, factor=3, seed=7)
    target = 3 * 45 * 199
    assert info["target_dyad_years"] == target
    assert target <= info["dyad_years"] <= target * 1.25  # the smallest world at least that big
    for name, fields in TEMPLATE_SCHEMAS.items():
        schema = pq.read_schema(out / f"{name}.parquet").remove_metadata()
        assert schema.names == [f for f, _ in fields], name
        assert [str(t) for t in schema.types] == [str(t) for _, t in fields], name
    # The package's own universe stage agrees with the generator's count up to the same-day rule.
    f = tmp_path / "frames"
    rec = build_universe(out / "cow_states.parquet", f / "sy.parquet", f / "dy.parquet", f / "ddy.parquet",
                         tmp_path / "audit.json")
    n = rec["dyad_years"]["rows_out"]
    assert 0.97 * info["dyad_years"] <= n <= info["dyad_years"]
    con = duckdb.connect()
    states = set(np.asarray(con.sql(f"SELECT DISTINCT ccode FROM '{out}/cow_states.parquet'").fetchnumpy()["ccode"]))
    mid_states = con.sql(f"SELECT DISTINCT ccode FROM '{out}/mid5_participants.parquet'").fetchnumpy()["ccode"]
    assert set(mid_states) <= states
    assert con.execute(f"SELECT count(*) FROM '{out}/mid5_disputes.parquet'").fetchone()[0] == round(2436 * 3)
    # contiguity is symmetric, state-year tables have unique keys
    assert con.execute(f"""SELECT count(*) FROM '{out}/cow_contdird.parquet' a ANTI JOIN '{out}/cow_contdird.parquet' b
                       ON a.state1no = b.state2no AND a.state2no = b.state1no AND a.year = b.year""").fetchone()[0] == 0
    assert con.execute(f"""SELECT count(*) FROM (SELECT ccode, year FROM '{out}/polity5.parquet'
                       GROUP BY ALL HAVING count(*) > 1)""").fetchone()[0] == 0
    assert pq.read_table(out / "icb_crises.parquet").num_rows == 2  # copied as is
    # same arguments, same world (the summary is reused; a different seed is a different world)
    assert synthetic_world.write_world(template, out, factor=3, seed=7) == info
    other = synthetic_world.write_world(template, tmp_path / "w2", factor=3, seed=8)
    assert other["key"]["seed"] == 8


def test_too_large_a_world_is_refused() -> None:
    with pytest.raises(ValueError, match="stop at 999"):
        synthetic_world.choose_states(10**9, seed=1, first_year=1816, last_year=2014)
