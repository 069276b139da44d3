"""Look at the report: headless Chromium loads report.html with its tables and images.

The page is checked through the DOM after load: a copy of the report gets a tiny script that
writes, once the page has loaded, how many images decoded with a non-zero size, how many tables
there are, whether the main table scrolls sideways and how many elements stick out of the page;
``--dump-dom`` returns the DOM after that script ran. Screenshots at 1,400 and 820 px are kept
under ``test-artifacts/`` (git-ignored) for a human to look at.

Without Chromium the test is skipped with a visible reason on a developer's machine; where
``DYADSTATS_REQUIRE_CHROMIUM=1`` is set (``.ci/run`` sets it after installing Chromium) a
missing browser fails the test instead, so CI can never pass by skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest

from dyadstats.ingest.manifest import load_manifest
from dyadstats.report import build_report
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
REQUIRE_ENV = "DYADSTATS_REQUIRE_CHROMIUM"
#: The main table must fit this width without scrolling (the report's column is 1,100 px).
MAIN_TABLE_WIDTH = 1100
PROBE = """
<script>
window.addEventListener("load", () => {
  const imgs = Array.from(document.images);
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const wrap = document.getElementById("main-table");
  const table = wrap.querySelector("table");
  const page = document.documentElement.clientWidth;
  // Elements sticking out of the page; a scrolling table wrapper's children are allowed to.
  const out = Array.from(document.querySelectorAll("body *")).filter(el =>
    !el.closest(".gt-wrap") && !el.closest("details:not([open])") && el.id !== "render-probe" &&
    el.getBoundingClientRect().right > page + 1).length;
  const probe = document.createElement("pre");
  probe.id = "render-probe";
  probe.textContent = `images=${imgs.length} decoded=${ok} tables=${document.querySelectorAll("table").length} ` +
    `main_width=${Math.ceil(table.getBoundingClientRect().width)} main_scroll=${wrap.scrollWidth - wrap.clientWidth} ` +
    `overflowing=${out} page_scroll=${document.documentElement.scrollWidth - page}`;
  document.body.appendChild(probe);
});
</script>
"""


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        reason = "chromium is not installed (apt-get install chromium; .ci/run installs it)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires it")
        pytest.skip(reason)
    return exe


def chromium_argv(exe: str, profile: str, *extra: str) -> list[str]:
    return [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", *extra,
    ]


def render_checks(html_path: Path, width: int, screenshot: Path) -> dict[str, int]:
    """Load the page ``width`` px wide in Chromium; return the probe's numbers; write a screenshot."""
    exe = chromium()
    probe_copy = html_path.with_name("report.probe.html")
    probe_copy.write_text(html_path.read_text().replace("</body>", PROBE + "</body>"))
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            chromium_argv(exe, profile, f"--window-size={width},2000", "--virtual-time-budget=5000",
                          "--dump-dom", probe_copy.as_uri()),
            capture_output=True, text=True, timeout=180,
        )
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r'<pre id="render-probe">([^<]*)</pre>', dom.stdout)
    assert match, "the page did not finish loading (no probe output)"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        shot = subprocess.run(
            chromium_argv(exe, profile, f"--screenshot={screenshot}", f"--window-size={width},2400",
                          html_path.as_uri()),
            capture_output=True, text=True, timeout=180,
        )
    assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # not a blank page
    return {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


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


def test_report_renders_in_headless_chromium(world: dict) -> None:
    chromium()
    models = _eight_models(world)
    config = {**world["config"], "report": {**world["config"]["report"], "main_table_models": models}}
    build_report(
        database=world["db"], audit_dir="results/audit", manifest=load_manifest(world["manifest_path"]),
        config=config, out_dir="reports", repo=REPO, stage_outputs=world["stage_outputs"],
        audit_out="results/audit/report.json", codebook=world["codebook"],
    )
    html = Path("reports/report.html").resolve()
    wide = render_checks(html, 1400, ARTIFACTS / "report-fixture-1400.png")
    assert wide["images"] == 3 and wide["decoded"] == wide["images"]  # every embedded figure decoded
    # main, sample, rates, full regression, robustness, lineage, sources (+ provenance tables)
    assert wide["tables"] >= 7
    assert wide["main_width"] <= MAIN_TABLE_WIDTH and wide["main_scroll"] == 0  # 8 models fit
    assert wide["overflowing"] == 0 and wide["page_scroll"] == 0
    narrow = render_checks(html, 820, ARTIFACTS / "report-fixture-820.png")
    assert narrow["decoded"] == narrow["images"]
    # at 820 px the main table may scroll inside its box (its label column stays); the page may not
    assert narrow["overflowing"] == 0 and narrow["page_scroll"] == 0
