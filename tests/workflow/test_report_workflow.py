"""The whole main job on the real data ends with the report; a second run is byte-identical."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dyadstats.testing.browser import MAIN_TABLE_WIDTH, render_checks
from dyadstats.testing.repo import main_run_config, repo_root, run_workflow

REPO = repo_root()

pytestmark = pytest.mark.slow

DETERMINISTIC = ("reports/tables", "reports/figures", "results/models")


def _hashes(workdir: Path) -> dict[str, str]:
    out = {}
    for sub in DETERMINISTIC:
        for p in sorted((workdir / sub).rglob("*")):
            if p.is_file():
                out[str(p.relative_to(workdir))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture
def run(main_run: Path) -> Path:
    """The session's main job (tests/conftest.py), read-only."""
    return main_run


def test_main_job_ends_with_the_report(run: Path) -> None:
    for f in ("reports/report.html", "reports/report.md", "reports/provenance.json",
              "reports/references.bib", "reports/tables/regression.tex", "reports/figures/odds_ratios.svg"):
        assert (run / f).is_file(), f


def test_finding_and_table_agree_with_model_estimates(run: Path) -> None:
    con = duckdb.connect(str(run / "results" / "dyadstats.duckdb"), read_only=True)
    model, term = con.execute(
        "SELECT model, focal_term FROM model_fit WHERE focal_term IS NOT NULL LIMIT 1"
    ).fetchone()
    b, se, p, lo, hi = con.execute(
        "SELECT estimate, std_error, p_value, conf_low, conf_high FROM model_estimates WHERE model = ? AND term = ?",
        [model, term],
    ).fetchone()
    con.close()
    md = (run / "reports" / "report.md").read_text()
    finding = next(line for line in md.splitlines() if line.startswith("- In the main model"))
    assert f"In the main model ({model}:" in finding
    assert f"odds ratio {math.exp(b):.2f}, 95% CI {math.exp(lo):.2f} to {math.exp(hi):.2f}" in finding
    stars = "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
    regression = (run / "reports" / "tables" / "regression.csv").read_text()
    assert f"{b:.3f}{stars} ({se:.3f})" in regression
    main = (run / "reports" / "tables" / "main.csv").read_text()
    assert f"{b:.3f}{stars} ({se:.3f})" in main and "peace_years_" not in main.split("\n", 1)[1].split(",term")[0]


def test_report_carries_the_runs_specification_curve(run: Path) -> None:
    """The main job's report has its curve section, and the finding counts the grid the run was
    given (MAIN_RUN_CURVE: 36 specifications, worked out by hand in its comment)."""
    con = duckdb.connect(str(run / "results" / "dyadstats.duckdb"), read_only=True)
    rows, estimated, negative = con.execute(
        "SELECT count(*), count(estimate), count(*) FILTER (WHERE estimate < 0) FROM model_multiverse"
    ).fetchone()
    con.close()
    assert rows == 36
    md = (run / "reports" / "report.md").read_text()
    assert "## Specification curve" in md
    assert f"Across the specification curve ({estimated} of 36 specifications estimated" in md
    assert f"{100 * negative / estimated:.1f}% of the democracy terms are negative" in md
    assert 'src="data:image/png;base64,' in (run / "reports" / "report.html").read_text()
    for ext in ("png", "svg"):  # copied into reports/, which alone holds what its Markdown links
        copy = run / "reports" / "figures" / f"specification_curve.{ext}"
        assert copy.read_bytes() == (run / "results" / "multiverse" / copy.name).read_bytes()
        assert f"](figures/specification_curve.{ext})" in md


def test_every_default_model_converged(run: Path) -> None:
    """Each of the default models reached its optimum (Firth on all dyads with the heavy-tailed
    1 / capability ratio once stopped at its iteration limit: dyadstats.models.estimate)."""
    con = duckdb.connect(str(run / "results" / "dyadstats.duckdb"), read_only=True)
    rows = con.execute("SELECT model, iterations, notes FROM model_fit WHERE NOT converged").fetchall()
    con.close()
    assert rows == []


def test_second_run_is_byte_identical(main_run: Path, shared_data: Path, tmp_path: Path) -> None:
    # Rerun in a copy so the session's main run stays untouched for the other tests.
    run = tmp_path / "rerun"
    shutil.copytree(main_run, run, symlinks=True)
    before = _hashes(run)
    assert any(k.startswith("results/models/") for k in before)
    prov_before = json.loads((run / "reports" / "provenance.json").read_text())
    # Rerun the report, the gather and the main model's fit from scratch (refitting all models
    # would only repeat the same check at many times the cost).
    first_model = json.loads((run / "reports" / "provenance.json").read_text())["config"]["models"]["specs"]
    shutil.rmtree(run / "reports")
    shutil.rmtree(run / "results" / "models" / "fits" / next(iter(first_model)))
    for part in ("estimates", "fit", "predictions"):
        (run / "results" / "models" / f"{part}.parquet").unlink()
    result = run_workflow(run, main_run_config(shared_data))
    assert result.returncode == 0, result.stderr[-6000:]
    assert _hashes(run) == before
    prov_after = json.loads((run / "reports" / "provenance.json").read_text())
    # The same input bytes (config files are recorded by absolute path, and the rerun is a copy).
    def digests(prov: dict) -> list[tuple[int, str]]:
        return [(i["bytes"], i["sha256"]) for i in prov["inputs"]]

    assert digests(prov_after) == digests(prov_before)
    assert prov_after["started_at"] >= prov_before["finished_at"]


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_failed_report_leaves_reports_whole_and_the_next_run_heals(
    main_run: Path, shared_data: Path, tmp_path: Path
) -> None:
    """reports/ changes only when the report stage completes (dyadstats.io.swap)."""
    run = tmp_path / "broken"
    shutil.copytree(main_run, run, symlinks=True)
    before = _tree(run / "reports")
    codebook = run / "results" / "frames" / "codebook.md"
    text = codebook.read_text()
    codebook.unlink()
    codebook.mkdir()  # the report reads it after writing its tables and figures: it fails mid-way
    failed = run_workflow(run, main_run_config(shared_data), ["reports/report.html"])
    assert failed.returncode != 0
    assert "codebook.md" in failed.stderr
    assert _tree(run / "reports") == before
    assert not [p.name for p in run.iterdir() if p.name.startswith(".reports.")]
    codebook.rmdir()
    codebook.write_text(text + "\n")  # a changed codebook: the report reruns and carries it
    healed = run_workflow(run, main_run_config(shared_data), ["reports/report.html"])
    assert healed.returncode == 0, healed.stderr[-4000:]
    assert (run / "reports" / "codebook.md").read_text() == text + "\n"
    assert set(_tree(run / "reports")) == set(before)


def test_dyadstats_audit_prints_every_stage(run: Path) -> None:
    stages = {json.loads(p.read_text())["stage"] for p in (run / "results" / "audit").glob("*.json")}
    assert {"ingest", "report"} <= stages and len(stages) >= 4
    out = subprocess.run(
        [sys.executable, "-m", "dyadstats.cli.main", "audit", "--directory", str(run / "results" / "audit")],
        capture_output=True, text=True, check=True,
    ).stdout
    printed = {line.split()[0] for line in out.splitlines()[2:] if line.strip()}
    assert printed == stages
    md = (run / "reports" / "report.md").read_text().split("## Appendix A: stage audit", 1)[1]
    for stage in stages:
        assert f"| {stage} / " in md, stage


def test_snakemake_report_with_captions(run: Path) -> None:
    target = run / "snakemake-report.html"
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(run),
         "--configfile", str(run / "config.yaml"), "--report", str(target)],
        capture_output=True, text=True, cwd=run,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    text = target.read_text(errors="replace")
    assert "Forest plot" in text and "odds_ratios.svg" in text


def test_real_report_renders_in_chromium(run: Path, chromium: str) -> None:
    wide = render_checks(chromium, run / "reports" / "report.html", 1400, REPO / "test-artifacts" / "report-1400.png")
    assert wide["images"] >= 3 and wide["decoded"] == wide["images"]
    assert wide["tables"] >= 7
    assert wide["main_width"] <= MAIN_TABLE_WIDTH and wide["main_scroll"] == 0
    assert wide["overflowing"] == 0 and wide["page_scroll"] == 0
    narrow = render_checks(chromium, run / "reports" / "report.html", 820, REPO / "test-artifacts" / "report-820.png")
    assert narrow["overflowing"] == 0 and narrow["page_scroll"] == 0


def test_reviewer_tables_answer_which_rows_and_why(run: Path) -> None:
    con = duckdb.connect(str(run / "results" / "dyadstats.duckdb"), read_only=True)
    try:
        fit = con.execute("SELECT model, n_sample, n_obs, n_dropped_missing FROM model_fit ORDER BY model").fetchall()
        sample = con.execute(
            "SELECT model, count(*), count(*) FILTER (WHERE in_sample), count(*) FILTER (WHERE NOT in_sample) "
            "FROM model_sample GROUP BY model ORDER BY model").fetchall()
        assert fit == sample  # every model: sample rows, rows used, rows dropped
        whittled = con.execute(
            "SELECT rows_in - rows_out, rows_dropped FROM audit_stages WHERE stage = 'events' AND \"table\" = 'mid_dyad_years'"
        ).fetchone()
        assert whittled[0] == whittled[1] > 0
        reasons = con.execute("SELECT sum(rows) FROM audit_drops WHERE \"table\" = 'mid_dyad_years'").fetchone()[0]
        assert reasons == whittled[1]
    finally:
        con.close()
