"""The benchmark's stage runner: one process runs one stage (or the whole job) of the build.

``python -m dyadstats.bench_stages STAGE --ingest DIR --out DIR --config FILE`` calls the very
stage functions the Snakemake rules call (:mod:`dyadstats.stages`), with the inputs and
parameters the workflow's run plan gives them (:mod:`dyadstats.plan`), on the Parquet tables in
``--ingest``, and writes their outputs under ``--out`` in the workflow's layout
(``results/frames/``, ``results/audit/``, ``results/models/``). There is no special fast path:
the only difference from ``snakemake`` is that nothing parses a workflow or builds a DAG (and
the frame step builds both frames in one process).

Stages: ``startup`` (imports only), ``universe``, ``events``, ``upstream`` (the two side by side,
as the workflow runs them: :func:`dyadstats.pipeline.run_upstream`), ``frame``, ``fit`` (one
logit: the field's standard model below), and the chains ``build`` (upstream + frame),
``build_fit`` and ``job`` (build + fit in one process).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dyadstats import pipeline, stages
from dyadstats.io.yamlfile import load_yaml
from dyadstats.paths import MODEL_PARTS, Layout
from dyadstats.plan import RunPlan

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

def stage_plan(ingest: Path, out: Path, config: Mapping[str, Any]) -> RunPlan:
    """The run plan of ``config`` reading the ingested tables in ``ingest``, writing under
    ``out`` in the workflow's layout (``out/results/frames``, ``out/results/audit``, ...)."""
    from dyadstats.paths import find_repository

    root = find_repository(Path(__file__).parent) or Path.cwd()
    return RunPlan.from_config(config, root, Layout(root=out, ingest_dir=ingest))


def stage_frame(plan: RunPlan) -> None:
    # both frames in one process (the shared tables built once), as one bench step
    stages.run_frames(plan.frame_inputs(), {t: plan.layout.frame(t) for t in plan.frame_tables},
                      plan.layout.audit("frame"), plan.layout.codebook(), plan.frame_options())


def stage_fit(plan: RunPlan) -> None:
    from dyadstats.models import parse_specs

    name = STANDARD_MODEL["name"]
    spec = parse_specs({"specs": {name: {k: v for k, v in STANDARD_MODEL.items() if k != "name"}}})[name]
    stages.run_model(plan.model_frames()[spec.frame], spec.to_dict(),
                     *(plan.layout.model_part(name, part) for part in MODEL_PARTS))


def stage_startup(plan: RunPlan) -> None:
    """Import what every stage imports (the fixed cost of a fresh Python process)."""
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    import dyadstats.events.build  # noqa: F401
    import dyadstats.frame.build  # noqa: F401
    import dyadstats.models  # noqa: F401
    import dyadstats.universe  # noqa: F401


STAGES: dict[str, Callable[[RunPlan], None]] = {
    "startup": stage_startup,
    "universe": pipeline.run_universe,
    "events": pipeline.run_events,
    # universe and events side by side, as Snakemake runs the two jobs (dyadstats.pipeline)
    "upstream": pipeline.run_upstream,
    "frame": stage_frame,
    "fit": stage_fit,
}
CHAINS: dict[str, Sequence[str]] = {
    "build": ("upstream", "frame"),
    "build_fit": ("upstream", "frame", "fit"),
    "job": ("upstream", "frame", "fit"),
}


def run(stage: str, ingest: Path, out: Path, config: Mapping[str, Any]) -> dict[str, float]:
    """Run one stage or chain; return each stage's in-process wall seconds."""
    plan = stage_plan(ingest, out, config)
    timings: dict[str, float] = {}
    for name in CHAINS.get(stage, (stage,)):
        start = time.perf_counter()
        STAGES[name](plan)
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
        config = load_yaml(args.config.read_text()) or {}
    run(args.stage, args.ingest, args.out, config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
