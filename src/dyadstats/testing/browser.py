"""Look at a rendered report: headless Chromium loads report.html with its tables and images.

The page is checked through the DOM after load: a copy of the report gets a tiny script that
writes, once the page has loaded, how many images decoded with a non-zero size, how many tables
there are, whether the main table scrolls sideways and how many elements stick out of the page;
``--dump-dom`` returns the DOM after that script ran. Screenshots are written for a human to
look at. Tests get the browser from the ``chromium`` fixture (tests/conftest.py), which skips
without one, or fails where ``DYADSTATS_REQUIRE_CHROMIUM=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

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


def find_chromium() -> str | None:
    """The Chromium executable on PATH, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_argv(exe: str, profile: str, *extra: str) -> list[str]:
    return [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", *extra,
    ]


def render_checks(exe: str, html_path: Path, width: int, screenshot: Path) -> dict[str, int]:
    """Load the page ``width`` px wide in Chromium ``exe``; return the probe's numbers
    (images, decoded, tables, main_width, main_scroll, overflowing, page_scroll); write a
    screenshot. Raises AssertionError when the page does not load or renders blank."""
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
