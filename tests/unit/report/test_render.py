"""The whole report on the hand-made world: files, self-containment, determinism, hooks."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from dyadstats.cli.main import main as cli_main
from dyadstats.ingest.manifest import load_manifest
from dyadstats.paths import Layout
from dyadstats.plan import RunPlan
from dyadstats.report import build_report
from dyadstats.report.render import curve_outputs, report_outputs
from dyadstats.testing.repo import base_config, repo_root

# Lines that legitimately differ between runs: run times and the git state (other people may
# commit or edit while the test runs).
TIME_LINE = re.compile(r"(Started|Finished|started_at|finished_at|Working tree|Git commit)")


def _build(world: dict, out_dir: str = "reports") -> dict[str, list[str]]:
    return build_report(
        database=world["db"],
        audit_dir="results/audit",
        manifest=load_manifest(world["manifest_path"]),
        config=world["config"],
        out_dir=out_dir,
        repo=Path(__file__).resolve().parents[3],
        started_at="2000-01-01T00:00:00+00:00",
        stage_outputs=world["stage_outputs"],
        extra_inputs=[world["manifest_path"]],
        audit_out="results/audit/report.json",
        codebook=world["codebook"],
    )


def _hashes(root: Path, sub: str) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / sub).iterdir())}


def test_every_declared_output_is_written(world: dict) -> None:
    outputs = _build(world)
    assert outputs == report_outputs("reports")
    for files in outputs.values():
        for f in files:
            assert Path(f).is_file() and Path(f).stat().st_size > 0, f
    assert Path("results/audit/report.json").is_file()


def test_html_is_self_contained_with_tables_and_images(world: dict) -> None:
    _build(world)
    html = Path("reports/report.html").read_text()
    # nothing loads from the network or from beside the file
    assert not re.search(r"<(img|script|link|iframe)[^>]+(src|href)=\"(?!data:)", html)
    assert "@import" not in html
    assert html.count('<img src="data:image/png;base64,') == 3
    for key in ("sample", "rates", "regression", "robustness", "sources", "lineage"):
        assert f'id="tbl-{key}"' in html, key
    assert "Toy report" in html and "doe2019toy" in html


def test_markdown_links_figures_and_tables(world: dict) -> None:
    _build(world)
    md = Path("reports/report.md").read_text()
    for stem in ("odds_ratios", "predicted_probabilities", "rate_over_time"):
        assert f"(figures/{stem}.png)" in md and (Path("reports/figures") / f"{stem}.png").is_file()
    assert "(tables/regression.tex)" in md
    assert "\n- In the main model (m1_base" in md


def test_rerun_is_byte_identical_except_run_times(world: dict) -> None:
    _build(world)
    first = {sub: _hashes(Path("reports"), sub) for sub in ("tables", "figures")}
    md1 = Path("reports/report.md").read_text()
    html1 = Path("reports/report.html").read_text()
    audit1 = Path("results/audit/report.json").read_bytes()
    bib1 = Path("reports/references.bib").read_bytes()
    _build(world)
    assert {sub: _hashes(Path("reports"), sub) for sub in ("tables", "figures")} == first
    assert Path("results/audit/report.json").read_bytes() == audit1
    assert Path("reports/references.bib").read_bytes() == bib1

    def strip(text: str) -> list[str]:
        return [line for line in text.splitlines() if not TIME_LINE.search(line)]

    assert strip(Path("reports/report.md").read_text()) == strip(md1)
    assert strip(Path("reports/report.html").read_text()) == strip(html1)


def test_provenance_records_inputs_config_software_git_and_times(world: dict) -> None:
    _build(world)
    prov = json.loads(Path("reports/provenance.json").read_text())
    assert prov["started_at"] == "2000-01-01T00:00:00+00:00"
    assert prov["finished_at"] > prov["started_at"]
    raw = next(i for i in prov["inputs"] if i["path"] == "data/raw/toy/toy.csv")
    assert raw["sha256"] == hashlib.sha256(Path("data/raw/toy/toy.csv").read_bytes()).hexdigest()
    assert any(i["path"] == str(world["manifest_path"]) for i in prov["inputs"])
    assert prov["stage_outputs"][0]["sha256"] == hashlib.sha256(
        Path(world["stage_outputs"][0]).read_bytes()).hexdigest()
    assert prov["config"]["report"]["title"] == "Toy report"
    assert prov["software"]["snakemake"] and prov["software"]["python"]
    assert {"duckdb", "maketables", "statsmodels"} <= set(prov["software"]["packages"])
    assert re.fullmatch(r"[0-9a-f]{40}", prov["git"]["commit"])
    assert isinstance(prov["git"]["dirty"], bool)


def test_references_cite_datasets_and_methods(world: dict) -> None:
    _build(world)
    bib = Path("reports/references.bib").read_text()
    for key in ("doe2019toy", "firth1993bias", "king2001logistic", "carter2010back", "beck1998taking",
                "simonsohn2020specification", "poznansky2016ballots", "miller2022peacesciencer",
                "seabold2010statsmodels", "molder2021sustainable", "raasveldt2019duckdb"):
        assert f"{{{key}," in bib, key
    # the dataset citation's ampersand is escaped, its year parsed from the citation
    assert r"Toy Data \& Things" in bib and "year = {2019}" in bib


def test_multiverse_section_appears_only_when_its_outputs_exist(world: dict) -> None:
    _build(world)
    assert 'id="multiverse"' not in Path("reports/report.html").read_text()
    mv = Path("results/multiverse")
    mv.mkdir(parents=True)
    png = Path("reports/figures/odds_ratios.png").read_bytes()
    (mv / "specification_curve.png").write_bytes(png)
    (mv / "specification_curve.svg").write_text("<svg/>")
    (mv / "summary.json").write_text(json.dumps({"specifications": 96, "share negative": 0.9}))
    outputs = _build(world)
    html = Path("reports/report.html").read_text()
    assert 'id="multiverse"' in html and html.count("data:image/png;base64,") == 4
    assert "share negative" in html and "<code>figures/specification_curve.svg</code>" in html
    # reports/ alone holds every image its Markdown links: the curve is copied in and declared
    md = Path("reports/report.md").read_text()
    assert "](figures/specification_curve.png)" in md and "](figures/specification_curve.svg)" in md
    assert "](../" not in md
    assert Path("reports/figures/specification_curve.png").read_bytes() == png
    assert outputs == report_outputs("reports", curve=True)
    assert curve_outputs("reports") == ["reports/figures/specification_curve.png",
                                        "reports/figures/specification_curve.svg"]


def test_audit_lineage_in_report_and_terminal(world: dict, capsys: pytest.CaptureFixture[str]) -> None:
    _build(world)
    md = Path("reports/report.md").read_text()
    lineage = md.split("## Appendix A: stage audit", 1)[1].split("## Appendix B", 1)[0]
    stage_tables = ("ingest / cow_states", "build / analysis_dyad_years", "report / rates:coercion_onset")
    for stage_table in stage_tables:
        assert stage_table in lineage
    # pipeline order (ingest, build, report), not file-name order (build, ingest, report)
    assert [lineage.index(t) for t in stage_tables] == sorted(lineage.index(t) for t in stage_tables)
    assert "false dyad: 2" in lineage
    assert "| 12 |" in lineage and "12.0" not in lineage  # counts are integers
    assert cli_main(["audit", "--directory", "results/audit"]) == 0
    out = capsys.readouterr().out
    stages = [line.split()[0] for line in out.splitlines()[2:]]
    assert list(dict.fromkeys(stages)) == ["ingest", "build", "report"]


def test_a_stage_audit_without_tables_still_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dyadstats.audit import write_stage_audit

    write_stage_audit("models", [], tmp_path / "models.json")
    assert cli_main(["audit", "--directory", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[2].split()[0] == "models"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_workflow_declares_the_curve_copies_the_report_writes(tmp_path: Path, enabled: bool) -> None:
    """rule write_report's outputs and rule all take the copies from the plan: the same paths as
    the report stage's own list, and none when the run makes no curve."""
    config = base_config(tmp_path)
    config["multiverse"]["enabled"] = enabled
    plan = RunPlan.from_config(config, repo_root(), Layout(root=None))
    assert plan.report_curve_files() == (curve_outputs("reports") if enabled else [])
    assert set(plan.report_curve_files()) <= set(plan.final_targets())
