"""Look at the report: headless Chromium loads report.html with its tables and images.

The page is checked through the DOM after load: a copy of the report gets a tiny script that
writes, once the page has loaded, how many images decoded with a non-zero size, how many tables
there are, whether the main table scrolls sideways and how many elements stick out of the page;
``--dump-dom`` returns the DOM after that script ran. Screenshots at 1,400 and 820 px are kept
under ``test-artifacts/`` (git-ignored) for a human to look at.

The harness is dyadstats.testing.browser. Without Chromium the test is skipped with a visible
reason on a developer's machine; where ``DYADSTATS_REQUIRE_CHROMIUM=1`` is set (``.ci/run``
sets it after installing Chromium) a missing browser fails the test instead (the ``chromium``
fixture), so CI can never pass by skipping it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dyadstats.ingest.manifest import load_manifest
from dyadstats.report import build_report
from dyadstats.testing.browser import MAIN_TABLE_WIDTH, render_checks
from dyadstats.testing.repo import repo_root

REPO = repo_root()

ARTIFACTS = REPO / "test-artifacts"
def _eight_models(world: dict) -> list[str]:
    """The fixture's models plus copies under long names, so the main table has eight columns."""
    con = duckdb.connect(str(world["db"]))
    names = ["M1_politically_relevant", "M1_all_dyads", "M4_vdem_polyarchy", "M5_bmr", "M6_uds_mean"]
    try:
        for name in names:
            for table in ("model_estimates", "model_fit"):
                con.execute(f"INSERT INTO {table} SELECT * REPLACE (? AS model) FROM {table} WHERE model = 'm2_controls'", [name])
    finally:
        con.close()
    return ["m1_base", "m2_controls", "m3_firth", *names]


def test_report_renders_in_headless_chromium(world: dict, chromium: str) -> None:
    models = _eight_models(world)
    config = {**world["config"], "report": {**world["config"]["report"], "main_table_models": models}}
    build_report(
        database=world["db"], audit_dir="results/audit", manifest=load_manifest(world["manifest_path"]),
        config=config, out_dir="reports", repo=REPO, stage_outputs=world["stage_outputs"],
        audit_out="results/audit/report.json", codebook=world["codebook"],
    )
    html = Path("reports/report.html").resolve()
    wide = render_checks(chromium, html, 1400, ARTIFACTS / "report-fixture-1400.png")
    assert wide["images"] == 3 and wide["decoded"] == wide["images"]  # every embedded figure decoded
    # main, sample, rates, full regression, robustness, lineage, sources (+ provenance tables)
    assert wide["tables"] >= 7
    assert wide["main_width"] <= MAIN_TABLE_WIDTH and wide["main_scroll"] == 0  # 8 models fit
    assert wide["overflowing"] == 0 and wide["page_scroll"] == 0
    narrow = render_checks(chromium, html, 820, ARTIFACTS / "report-fixture-820.png")
    assert narrow["decoded"] == narrow["images"]
    # at 820 px the main table may scroll inside its box (its label column stays); the page may not
    assert narrow["overflowing"] == 0 and narrow["page_scroll"] == 0
