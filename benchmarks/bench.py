"""``dyadstats bench``: run the benchmark cases, print a table, write the JSON.

Every step is repeated ``bench.runs`` times (config) and reported as min / median / max; the
JSON (``reports/bench.json`` by default) also keeps every single run. Timings are never judged
here: issue 15's targets are printed beside the medians for the reader. The ``standard`` case
also prints dyadstats' one-process job beside the yardstick script of the same job, with the
ratio of their medians (:func:`side_by_side`).

The harness lives in the repository, not in the package: ``dyadstats bench`` (from a clone)
loads this module by path; ``python -m benchmarks.bench [CASE ...]`` from the repository root
does the same.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.cases import CASE_BUILDERS, CASES
from benchmarks.harness import (
    BenchError,
    BenchOptions,
    Context,
    load_config,
    machine_info,
    run_step,
)
from dyadstats.cli.common import find_root, format_table
from dyadstats.io.files import write_json

log = logging.getLogger("dyadstats.bench")

#: Issue 15's targets, printed beside the medians (never asserted).
TARGETS: dict[str, dict[str, float]] = {
    "standard/job": {"wall_s": 2.5, "peak_rss_mb": 500.0},
    "full/job": {"wall_s": 60.0},
    "rerun/job": {"wall_s": 5.0},
    "multiverse/job": {"wall_s": 45.0},
    "scale/build_50x": {"peak_rss_mb": 6144.0},
}


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------

TABLE_COLUMNS = ("case", "step", "runs", "wall s (min/med/max)", "cpu s (med)",
                 "peak RSS MB (med)", "target")


def _target_text(case: str, step: str) -> str:
    t = TARGETS.get(f"{case}/{step}")
    if not t:
        return ""
    parts = []
    if "wall_s" in t:
        parts.append(f"<= {t['wall_s']:g} s")
    if "peak_rss_mb" in t:
        parts.append(f"<= {t['peak_rss_mb']:.0f} MB")
    return ", ".join(parts)


def table_rows(results: Mapping[str, Any]) -> list[dict[str, str]]:
    rows = []
    for case, body in results.items():
        for step in body.get("steps", []):
            w = step["wall_s"]
            rows.append({
                "case": case,
                "step": step["step"],
                "runs": str(len(step["runs"])),
                "wall s (min/med/max)": f"{w['min']:.2f} / {w['median']:.2f} / {w['max']:.2f}",
                "cpu s (med)": f"{step['cpu_s']['median']:.2f}",
                "peak RSS MB (med)": f"{step['peak_rss_mb']['median']:.0f}",
                "target": _target_text(case, step["step"]),
            })
        if body.get("error"):
            rows.append({"case": case, "step": "FAILED", "runs": "0",
                         "wall s (min/med/max)": body["error"].splitlines()[0][:60]})
    return rows


def side_by_side(results: Mapping[str, Any]) -> dict[str, Any] | None:
    """dyadstats' one-process standard job beside the yardstick script: medians and ratios.

    ``None`` unless both steps ran. Ratios are dyadstats / yardstick (below 1: dyadstats is
    faster or leaner); issue 15 asks for a wall ratio of at most 0.67.
    """
    steps = {s["step"]: s for s in (results.get("standard") or {}).get("steps", [])}
    if "job" not in steps or "yardstick" not in steps:
        return None
    job, yard = steps["job"], steps["yardstick"]
    out: dict[str, Any] = {}
    for figure in ("wall_s", "cpu_s", "peak_rss_mb"):
        a, b = job[figure]["median"], yard[figure]["median"]
        out[figure] = {"dyadstats": a, "yardstick": b, "ratio": a / b if b else float("nan")}
    return out


SIDE_COLUMNS = ("figure (medians)", "dyadstats job", "yardstick script", "ratio")


def format_side_by_side(side: Mapping[str, Any]) -> str:
    labels = {"wall_s": "wall s", "cpu_s": "cpu s", "peak_rss_mb": "peak RSS MB"}
    rows = [{"figure (medians)": labels[k], "dyadstats job": f"{v['dyadstats']:.2f}",
             "yardstick script": f"{v['yardstick']:.2f}", "ratio": f"{v['ratio']:.2f}"}
            for k, v in side.items()]
    return ("standard job: dyadstats (one process) vs the plain DuckDB/NumPy/statsmodels script\n"
            + format_table(rows, SIDE_COLUMNS))


def format_report(results: Mapping[str, Any], machine: Mapping[str, Any]) -> str:
    head = (f"machine: {machine['cores']} cores ({machine['cores_usable']} usable), "
            f"{machine['memory_gib']} GiB, {machine['cpu']}; load {machine.get('load_average_1_5_15')}; "
            f"Python {machine['python']}; "
            + ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v))
    text = head + "\n\n" + format_table(table_rows(results), TABLE_COLUMNS)
    side = (results.get("standard") or {}).get("side_by_side")
    text += "\n\n" + format_side_by_side(side) if side else ""
    grids = [s for s in (results.get("multiverse") or {}).get("steps", []) if s.get("specs")]
    if grids:
        text += "\n\nmultiverse: " + "; ".join(
            f"{s['step']}: {s['specs']} specifications in {s['wall_s']['median']:.1f} s, "
            f"{s['specs_per_second']:.1f} per second" for s in grids)
    return text


def derived_figures(results: dict[str, Any]) -> None:
    """Add figures computed from the steps: the standard job beside the yardstick, scale growth,
    multiverse specs per second."""
    side = side_by_side(results)
    if side:
        results["standard"]["side_by_side"] = side
    scale = results.get("scale")
    if scale and scale.get("steps"):
        fits = {s["factor"]: s for s in scale["steps"] if s["step"].startswith("build_fit_")}
        if 1 in fits:
            base = fits[1]
            growth = {}
            for f, s in sorted(fits.items()):
                ratio = s["wall_s"]["median"] / base["wall_s"]["median"]
                rows = s["world"]["dyad_years"] / base["world"]["dyad_years"]
                growth[f"{f:g}x"] = {"time_ratio": ratio, "rows_ratio": rows,
                                   "time_per_row_ratio": ratio / rows}
            scale["growth_vs_1x"] = growth
    mv = results.get("multiverse")
    for step in (mv or {}).get("steps") or []:
        n_specs = _count_specs(Path(step.get("specs_from", "")))
        if n_specs:
            step["specs"] = n_specs
            step["specs_per_second"] = n_specs / step["wall_s"]["median"]


def _count_specs(audit: Path) -> int | None:
    """Number of specifications the multiverse stage fitted (from its audit)."""
    try:
        body = json.loads(audit.read_text())
    except (OSError, ValueError):
        return None
    for rec in body.get("tables", []):
        if rec.get("table") in ("model_multiverse", "multiverse_specifications"):
            return rec.get("rows_out")
    return body.get("n_specs") if isinstance(body.get("n_specs"), int) else None


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def compile_package() -> bool:
    """Compile dyadstats' bytecode first, as a regular install does: with an editable install and
    PYTHONDONTWRITEBYTECODE set, every timed process would otherwise compile the package again."""
    import compileall

    import dyadstats

    return bool(compileall.compile_dir(Path(dyadstats.__file__).parent, quiet=1))


def run_cases(cases: Sequence[str], ctx: Context) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for case in cases:
        log.info("bench: case %s", case)
        started = time.perf_counter()
        try:
            steps = CASE_BUILDERS[case](ctx)
            measured = [run_step(s, ctx.options.runs, ctx.work / "logs" / case) for s in steps]
            results[case] = {"steps": measured}
        except (BenchError, subprocess.CalledProcessError) as exc:
            log.error("bench: case %s failed: %s", case, exc)
            results[case] = {"steps": [], "error": str(exc)}
        results[case]["case_seconds"] = time.perf_counter() - started
    derived_figures(results)
    return results


def main(cases: Sequence[str] | None = None, output: str | Path = "reports/bench.json",
         root: Path | None = None, runs: int | None = None) -> int:
    """Run the named cases (all when empty), print the table, write the JSON. 0 if all ran."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    root = root or find_root()
    wanted = list(cases or CASES)
    unknown = [c for c in wanted if c not in CASES]
    if unknown:
        print(f"dyadstats bench: unknown case(s) {unknown}; choose from {list(CASES)}", file=sys.stderr)
        return 2
    config = load_config(root)
    options = BenchOptions.from_config(config.get("bench"))
    if runs:
        options = BenchOptions(**{**asdict(options), "runs": runs})
    work = Path(options.workdir)
    work = work if work.is_absolute() else root / work
    ctx = Context(root=root, config=config, options=options, work=work)
    machine = machine_info(root)
    machine["bytecode_compiled"] = compile_package()
    results = run_cases(wanted, ctx)
    machine["load_average_after"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    out = Path(output)
    out = out if out.is_absolute() else root / out
    write_json({"machine": machine, "runs_per_step": options.runs, "cases": results,
                "targets": TARGETS}, out)
    print(format_report(results, machine))
    print(f"\nwritten {out}")
    return 1 if any(r.get("error") for r in results.values()) else 0


def cli(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.bench [CASE ...] [--output FILE] [--runs N]`` from the repository root."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__)
    parser.add_argument("cases", nargs="*", help=f"cases (default: all of {', '.join(CASES)})")
    parser.add_argument("--output", default="reports/bench.json")
    parser.add_argument("--runs", type=int, help="repeats per step (default: config bench.runs)")
    args = parser.parse_args(argv)
    return main(args.cases, output=args.output, runs=args.runs)


if __name__ == "__main__":
    raise SystemExit(cli())
