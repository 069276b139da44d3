"""Look at the report: headless Chromium loads report.html with its tables and images.

The page is checked through the DOM after load: a copy of the report gets a tiny script that
writes, once the page has loaded, how many images decoded with a non-zero size and how many
tables there are; ``--dump-dom`` returns the DOM after that script ran. A screenshot is kept
under ``test-artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from dyadstats.manifest import load_manifest
from dyadstats.report import build_report
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
PROBE = """
<script>
window.addEventListener("load", () => {
  const imgs = Array.from(document.images);
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const probe = document.createElement("pre");
  probe.id = "render-probe";
  probe.textContent = `images=${imgs.length} decoded=${ok} tables=${document.querySelectorAll("table").length} width=${document.body.scrollWidth}`;
  document.body.appendChild(probe);
});
</script>
"""


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed (.ci/run installs Debian's package); cannot look at the report")
    return exe


def chromium_argv(exe: str, profile: str, *extra: str) -> list[str]:
    return [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *extra,
    ]


def render_checks(html_path: Path, screenshot: Path) -> str:
    """Load the page in Chromium; return the probe line; write a screenshot."""
    exe = chromium()
    probe_copy = html_path.with_name("report.probe.html")
    probe_copy.write_text(html_path.read_text().replace("</body>", PROBE + "</body>"))
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            chromium_argv(exe, profile, "--virtual-time-budget=5000", "--dump-dom", probe_copy.as_uri()),
            capture_output=True, text=True, timeout=120,
        )
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r'<pre id="render-probe">([^<]*)</pre>', dom.stdout)
    assert match, "the page did not finish loading (no probe output)"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        shot = subprocess.run(
            chromium_argv(exe, profile, f"--screenshot={screenshot}", "--window-size=1280,4000",
                          "--hide-scrollbars", html_path.as_uri()),
            capture_output=True, text=True, timeout=120,
        )
    assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    return match.group(1)


def test_report_renders_in_headless_chromium(world: dict) -> None:
    build_report(
        database=world["db"], audit_dir="results/audit", manifest=load_manifest(world["manifest_path"]),
        config=world["config"], out_dir="reports", repo=REPO, stage_outputs=world["stage_outputs"],
        audit_out="results/audit/report.json",
    )
    html = Path("reports/report.html").resolve()
    probe = dict(kv.split("=") for kv in render_checks(html, ARTIFACTS / "report-fixture.png").split())
    assert int(probe["images"]) == 3
    assert probe["decoded"] == probe["images"]  # every embedded figure decoded
    # sources, sample, rates, regression, robustness, lineage (+ provenance key-value tables)
    assert int(probe["tables"]) >= 6
    png = (ARTIFACTS / "report-fixture.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # not a blank page
