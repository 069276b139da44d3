"""The benchmark's stage runner: one process runs one stage (or the whole job) of the build.

``python -m dyadstats.bench_stages STAGE --ingest DIR --out DIR --config FILE`` calls the very
package functions the Snakemake rules call (``build_universe``, ``build_events``,
``build_frames``, ``models.run_model``) on the Parquet tables in ``--ingest`` and writes their
outputs under ``--out`` (``frames/``, ``audit/``, ``models/``). There is no special fast path:
the only difference from ``snakemake`` is that nothing parses a workflow or builds a DAG.

Stages: ``startup`` (imports only), ``universe``, ``events``, ``frame``, ``fit`` (one logit:
the field's standard model below), and the chains ``build`` (universe + events + frame),
``build_fit`` and ``job`` (build + fit in one process).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from dyadstats.config import validated
from dyadstats.config.build import BuildConfig

log = logging.getLogger("dyadstats.bench")

BUILD_STAGES = ("universe", "events", "frame")
STANDARD_STAGES = (*BUILD_STAGES, "fit")

#: The field's standard dyad-year model (peacesciencer's vignette): MID onset on joint
#: democracy (Polity), land contiguity, a major power in the dyad, the log capability ratio and
#: a cubic in peace years, all dyad-years, errors clustered by dyad.
STANDARD_MODEL: dict[str, Any] = {
    "name": "standard_mid_onset",
    "description": "peacesciencer's standard dyad-year MID model",
    "outcome": "mid_onset",
    "regressors": "{joint_democracy} + contiguity_land + major_power_dyad + log_capability_ratio",
    "democracy": "polity",
    "time_dependence": "cubic",
    "covariance": "cluster",
    "estimator": "logit",
    "predictions": False,
}

FRAME_SOURCES = ("polity5", "vdem", "bmr", "uds", "cow_contdird", "nmc", "cow_majors",
                 "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist")


class Paths:
    """Where a stage reads (``ingest``) and writes (``out``)."""

    def __init__(self, ingest: Path, out: Path) -> None:
        self.ingest = ingest
        self.out = out

    def table(self, name: str) -> str:
        return str(self.ingest / f"{name}.parquet")

    def frame(self, name: str) -> str:
        return str(self.out / "frames" / f"{name}.parquet")

    def audit(self, stage: str) -> str:
        return str(self.out / "audit" / f"{stage}.json")


def _coverage(config: Mapping[str, Any], table: str, default: tuple[int, int]) -> list[int]:
    """A source's coverage years from the manifest (as the frame rule takes them)."""
    from dyadstats.ingest.manifest import load_manifest

    manifest_path = Path(config.get("manifest", "data/sources.yaml"))
    if not manifest_path.is_absolute():
        from dyadstats.cli.common import find_root

        manifest_path = find_root(Path(__file__).parent) / manifest_path
    try:
        item = load_manifest(manifest_path, {})[table]
    except (OSError, KeyError):
        return list(default)
    return list(item.source.get("coverage") or default)


def _build(config: Mapping[str, Any]) -> BuildConfig:
    """The ``build`` section with its defaults (dyadstats.config.build)."""
    return validated(BuildConfig, config.get("build"), "build")


def stage_universe(p: Paths, config: Mapping[str, Any]) -> None:
    from dyadstats.universe import build_universe

    build = _build(config)
    build_universe(
        p.table("cow_states"), p.frame("state_years"), p.frame("dyad_years"),
        p.frame("directed_dyad_years"), p.audit("universe"),
        first_year=build.first_year, last_year=build.last_year,
    )


def stage_events(p: Paths, config: Mapping[str, Any]) -> None:
    from dyadstats.events.build import build_events

    events = _build(config).events
    inputs = {t: p.table(t) for t in ("mid5_participants", "mid5_disputes", "dyadic_mid402",
                                      "ties", "cow_states")}
    outputs = {t: p.frame(t) for t in ("mid_dyad_years", "mid_directed_dyad_years",
                                       "ties_directed_dyad_years")}
    build_events(inputs, outputs, p.audit("events"), source=events.source,
                 whittle_order=events.whittle_order)


def stage_frame(p: Paths, config: Mapping[str, Any]) -> None:
    from dyadstats.frame.build import build_frames
    from dyadstats.frame.options import frame_options

    build = config.get("build") or {}
    source = _build(config).events.source
    mid_table = "mid5_participants" if source == "mid5" else "dyadic_mid402"
    options = frame_options(build, _coverage(config, mid_table, (1816, 2014)),
                            _coverage(config, "ties", (1945, 2005)))
    inputs = {t: p.frame(t) for t in ("dyad_years", "directed_dyad_years", "mid_dyad_years",
                                      "mid_directed_dyad_years", "ties_directed_dyad_years")}
    inputs.update({t: p.table(t) for t in FRAME_SOURCES})
    build_frames(inputs, p.frame("analysis_dyad_years"), p.frame("analysis_directed_dyad_years"),
                 p.audit("frame"), str(p.out / "frames" / "codebook.md"), options)


def stage_fit(p: Paths, config: Mapping[str, Any]) -> None:
    from dyadstats.models import parse_specs, run_model

    name = STANDARD_MODEL["name"]
    spec = parse_specs({"specs": {name: {k: v for k, v in STANDARD_MODEL.items() if k != "name"}}})[name]
    models = p.out / "models"
    run_model(p.frame("analysis_dyad_years"), spec.to_dict(), str(models / f"{name}_estimates.parquet"),
              str(models / f"{name}_fit.parquet"), str(models / f"{name}_predictions.parquet"))


def stage_startup(p: Paths, config: Mapping[str, Any]) -> None:
    """Import what every stage imports (the fixed cost of a fresh Python process)."""
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    import dyadstats.events.build  # noqa: F401
    import dyadstats.frame.build  # noqa: F401
    import dyadstats.models  # noqa: F401
    import dyadstats.universe  # noqa: F401


STAGES: dict[str, Callable[[Paths, Mapping[str, Any]], None]] = {
    "startup": stage_startup,
    "universe": stage_universe,
    "events": stage_events,
    "frame": stage_frame,
    "fit": stage_fit,
}
CHAINS: dict[str, Sequence[str]] = {
    "build": BUILD_STAGES,
    "build_fit": STANDARD_STAGES,
    "job": STANDARD_STAGES,
}


def run(stage: str, ingest: Path, out: Path, config: Mapping[str, Any]) -> dict[str, float]:
    """Run one stage or chain; return each stage's in-process wall seconds."""
    paths = Paths(ingest, out)
    timings: dict[str, float] = {}
    for name in CHAINS.get(stage, (stage,)):
        start = time.perf_counter()
        STAGES[name](paths, config)
        timings[name] = time.perf_counter() - start
        log.info("bench stage %s: %.3f s in process", name, timings[name])
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dyadstats.bench_stages", description=__doc__)
    parser.add_argument("stage", choices=[*STAGES, *CHAINS])
    parser.add_argument("--ingest", required=True, type=Path, help="directory of ingested Parquet")
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument("--config", type=Path, help="run config (build section, manifest)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config: dict[str, Any] = {}
    if args.config:
        config = yaml.safe_load(args.config.read_text()) or {}
    run(args.stage, args.ingest, args.out, config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
