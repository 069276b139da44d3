"""The benchmark cases: which commands each one times.

Cases (``dyadstats bench [CASE ...]``; no argument runs all):

* ``standard``: the field's reference job on the real data (universe 1816-2014, MID 5.0 onsets,
  Polity joint democracy, land contiguity, major power, log capability ratio, cubic peace years,
  one logit), with the package's stage functions and no Snakemake; each stage in its own
  process, then the whole job in one process (:mod:`dyadstats.bench_stages`), and beside it the
  yardstick: the same job as a plain DuckDB + NumPy + statsmodels script
  (``benchmarks/yardstick_standard.py``).
* ``full``: the main job (``snakemake``) from ingested tables to the finished report,
  in a fresh copy of a work directory whose ingest was done once, untimed; then stage by stage
  (one Snakemake call per stage target) and a no-op call (Snakemake's own floor).
* ``rerun``: after a full job, one model's spec is changed in the config; only that model and
  what depends on it rerun.
* ``multiverse``: the specification-curve stage alone, reported as specifications per second.
* ``scale``: synthetic ingested worlds (:mod:`dyadstats.testing.synthetic_world`) at multiples of
  the real number of dyad-years: data build only at the largest factor, build + one model at the
  smaller ones (so that growth from 1x can be read off).
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    BenchError,
    Context,
    Step,
    fresh_copy,
    python,
    snakemake_cmd,
    with_frame,
    workflow_config,
    write_config,
)

log = logging.getLogger("dyadstats.bench")

CASES = ("standard", "full", "rerun", "multiverse", "scale")


def _stage_step(name: str, stage: str, args: Sequence[str], env: Mapping[str, str] | None = None,
                note: str = "", prepare: Callable[[], None] | None = None) -> Step:
    full_env = None
    if env:
        full_env = {**os.environ, **env}
    return Step(name=name, argv=[python(), "-m", "dyadstats.bench_stages", stage, *args],
                env=full_env, note=note, prepare=prepare)


def standard_steps(ctx: Context) -> list[Step]:
    """Start-up alone, each stage in its own process, then the whole job in one process."""
    from dyadstats.bench_stages import STANDARD_STAGES

    ingest_dir = ctx.ensure_ingested() / "results" / "ingest"
    out = ctx.work / "standard"
    cfg = with_frame(ctx.config, ctx.options.standard_frame)
    args = ["--ingest", str(ingest_dir), "--out", str(out),
            "--config", str(write_config(cfg, ctx.work / "standard-config.yaml"))]

    def clean() -> None:
        if out.exists():
            shutil.rmtree(out)

    steps = [_stage_step("startup", "startup", args,
                         note="python + imports of duckdb, pandas, pyarrow, dyadstats' stages")]
    # Each stage reads the previous stage's outputs, so run the chain once before timing them.
    for stage in STANDARD_STAGES:
        steps.append(_stage_step(stage, stage, args))
    steps.append(_stage_step("job", "job", args, prepare=clean,
                             note="all stages + one logit in ONE process (the issue's target)"))
    steps.append(yardstick_step(ctx.root, ingest_dir))
    return steps


def yardstick_step(root: Path, ingest_dir: Path) -> Step:
    """The standard job as a plain DuckDB + NumPy + statsmodels script (no dyadstats)."""
    script = root / "benchmarks" / "yardstick_standard.py"
    return Step(name="yardstick", argv=[python(), str(script), "--ingest", str(ingest_dir)],
                note="the same job as a plain DuckDB + NumPy + statsmodels script "
                     "(benchmarks/yardstick_standard.py)")


def _snakemake_steps(ctx: Context, label: str) -> tuple[Path, Path, Path]:
    template = ctx.ensure_ingested()
    work = ctx.work / label
    configfile = template / "config.yaml"
    return template, work, configfile


def stage_targets() -> list[tuple[str, list[str]]]:
    """One Snakemake target per stage, in pipeline order."""
    return [
        ("universe", ["results/audit/universe.json"]),
        ("events", ["results/audit/events.json"]),
        ("frame", ["results/audit/frame.json"]),
        ("models", ["results/audit/models.json"]),
        ("multiverse", ["results/audit/multiverse.json"]),
        ("database", ["results/dyadstats.duckdb"]),
        ("report", ["results/audit/report.json"]),
    ]


def full_steps(ctx: Context) -> list[Step]:
    template, work, configfile = _snakemake_steps(ctx, "full")
    cores = ctx.options.cores
    threads = ["--force-use-threads"]  # as `dyadstats run` calls Snakemake
    steps = [
        Step(name="job", argv=snakemake_cmd(ctx.root, work, configfile, cores, extra=threads),
             prepare=lambda: fresh_copy(template, work),
             note="snakemake as `dyadstats run` calls it, everything after ingest (the issue's target)"),
        Step(name="noop", argv=snakemake_cmd(ctx.root, work, configfile, cores, extra=threads),
             note="snakemake with nothing to do: parse + DAG (the per-call floor)"),
        # Without --force-use-threads Snakemake 9's local executor spawns every `run:` job as a
        # new `python -m snakemake` process that parses the whole workflow again: timed side by
        # side so the per-job start-up shows.
        Step(name="job_processes", argv=snakemake_cmd(ctx.root, work, configfile, cores),
             prepare=lambda: fresh_copy(template, work),
             note="as job, without --force-use-threads (one process per run: job)"),
    ]
    # Stage by stage: each its own Snakemake call on a copy where the earlier stages are done.
    staged = ctx.work / "full-staged"
    have = set(_declared_outputs(ctx))
    done: list[str] = []
    for name, targets in stage_targets():
        if not set(targets) <= have:
            continue
        before = list(done)

        def prepare(before: list[str] = before) -> None:
            fresh_copy(template, staged)
            if before:
                subprocess.run(snakemake_cmd(ctx.root, staged, configfile, cores, before, threads),
                               check=True, capture_output=True)

        steps.append(Step(name=f"stage_{name}",
                          argv=snakemake_cmd(ctx.root, staged, configfile, cores, targets, threads),
                          prepare=prepare,
                          note="one Snakemake call: this stage only (earlier stages done)"))
        done.extend(targets)
    return steps


def _declared_outputs(ctx: Context) -> list[str]:
    """Every output path the workflow declares (from a dry run's summary), for stage targets."""
    template = ctx.ensure_ingested()
    argv = [python(), "-m", "snakemake", "--snakefile", str(ctx.root / "Snakefile"),
            "--directory", str(template), "--configfile", str(template / "config.yaml"),
            "--summary", "--cores", "1"]
    proc = subprocess.run(argv, capture_output=True, text=True)
    return [line.split("\t", 1)[0] for line in proc.stdout.splitlines()[1:] if line.strip()]


def changed_model_config(cfg: Mapping[str, Any], model: str | None) -> tuple[dict[str, Any], str, str]:
    """The config with one model's spec changed (its covariance toggled): (config, model, change)."""
    new = copy.deepcopy(dict(cfg))
    specs = (new.get("models") or {}).get("specs") or {}
    if not specs:
        raise BenchError("rerun case: the config declares no models.specs to change")
    from dyadstats.models import selected_models

    running = selected_models(new.get("models") or {})
    name = model or running[0]
    if name not in specs:
        raise BenchError(f"rerun case: bench.rerun_model {name!r} is not in models.specs")
    note = ""
    if name not in running:  # a disabled model's change would rerun nothing
        note = f" (bench.rerun_model {name!r} is not run: models.only / models.disable; changed {running[0]!r})"
        log.warning("bench rerun:%s", note)
        name = running[0]
    spec = specs[name]
    defaults = (new.get("models") or {}).get("defaults") or {}
    current = spec.get("covariance", defaults.get("covariance", "cluster"))
    spec["covariance"] = "robust" if current != "robust" else "cluster"
    return new, name, f"covariance {current} -> {spec['covariance']}{note}"


def rerun_steps(ctx: Context) -> list[Step]:
    template, _, configfile = _snakemake_steps(ctx, "rerun")
    done = ctx.work / "rerun-done"
    work = ctx.work / "rerun"
    cores = ctx.options.cores
    cfg = workflow_config(ctx.root, ctx.config)
    changed, model, change = changed_model_config(cfg, ctx.options.rerun_model)
    changed_file = write_config(changed, ctx.work / "rerun-config.yaml")

    fresh_copy(template, done)
    log.info("bench rerun: running the full job once (untimed)")
    proc = subprocess.run(snakemake_cmd(ctx.root, done, configfile, cores, extra=["--force-use-threads"]),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"rerun case: the first full job failed:\n{proc.stderr[-3000:]}")

    return [Step(name="job", argv=snakemake_cmd(ctx.root, work, changed_file, cores,
                                                 extra=["--force-use-threads"]),
                 prepare=lambda: fresh_copy(done, work),
                 note=f"after changing model {model!r} ({change}) in the config",
                 extra={"model": model, "change": change})]


def multiverse_grid_config(cfg: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The config with ``multiverse.choices`` changed: each dimension in ``changes`` replaced,
    or dropped where its value is None."""
    new = copy.deepcopy(dict(cfg))
    section = dict(new.get("multiverse") or {})
    choices = dict(section.get("choices") or {})
    for dimension, levels in changes.items():
        if levels is None:
            choices.pop(dimension, None)
        else:
            choices[dimension] = list(levels)
    section["choices"] = choices
    new["multiverse"] = section
    return new


def multiverse_steps(ctx: Context) -> list[Step]:
    """The multiverse stage alone on a built frame: the grid of ``bench.multiverse_choices``
    (timed ``runs`` times), then the config's own grid once (when the two differ)."""
    template, _, configfile = _snakemake_steps(ctx, "multiverse")
    before = ctx.work / "multiverse-before"
    cores = ctx.options.cores
    target = "results/audit/multiverse.json"  # buildable whether or not multiverse.enabled
    fresh_copy(template, before)
    proc = subprocess.run(
        snakemake_cmd(ctx.root, before, configfile, cores, ["results/audit/frame.json"]),
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise BenchError(f"multiverse case: building the frame failed:\n{proc.stderr[-3000:]}")
    cfg = workflow_config(ctx.root, ctx.config)
    grids = [("job", multiverse_grid_config(cfg, ctx.options.multiverse_choices), None,
              f"the multiverse stage alone (frame already built), choices changed by "
              f"bench.multiverse_choices {dict(ctx.options.multiverse_choices)}")]
    if ctx.options.multiverse_choices:
        grids.append(("config_grid", cfg, 1, "the config's own multiverse grid, once"))
    steps = []
    for name, grid_cfg, runs, note in grids:
        work = ctx.work / f"multiverse-{name}"
        grid_file = write_config(grid_cfg, ctx.work / f"multiverse-{name}-config.yaml")
        steps.append(Step(name=name, argv=snakemake_cmd(ctx.root, work, grid_file, cores, [target],
                                                         ["--force-use-threads"]),
                          prepare=lambda work=work: fresh_copy(before, work), runs=runs, note=note,
                          extra={"specs_from": str(work / target)}))
    return steps


def scale_steps(ctx: Context) -> list[Step]:
    """Synthetic worlds: build + one model at the fit factors, build only at the build factors."""
    from dyadstats.bench_stages import BUILD_STAGES
    from dyadstats.testing.synthetic_world import write_world

    template = ctx.ensure_ingested() / "results" / "ingest"
    cfg_file = write_config(with_frame(ctx.config, ctx.options.scale_frame_section),
                            ctx.work / "scale-config.yaml")
    env = {"DYADSTATS_DUCKDB_MEMORY_LIMIT": ctx.options.scale_memory_limit,
           "DYADSTATS_DUCKDB_TEMP_DIRECTORY": str(ctx.work / "duckdb-spill")}
    steps: list[Step] = []
    plan = [(f, True) for f in ctx.options.scale_fit_factors] + [
        (f, False) for f in ctx.options.scale_build_factors]
    for factor, fit in plan:
        world = ctx.work / f"world-{factor:g}x"
        info = write_world(template, world / "ingest", factor=factor, seed=ctx.options.seed)
        out = ctx.work / f"scale-{factor:g}x"
        args = ["--ingest", str(world / "ingest"), "--out", str(out), "--config", str(cfg_file)]
        stages = [*BUILD_STAGES, "fit"] if fit else list(BUILD_STAGES)

        def clean(out: Path = out) -> None:
            if out.exists():
                shutil.rmtree(out)

        stage = "build_fit" if fit else "build"
        label = f"{stage}_{factor:g}x"
        steps.append(_stage_step(label, stage, args, env=env, prepare=clean,
                                 note=f"{'build + one logit' if fit else 'data build only'}, "
                                      f"synthetic world {factor:g}x: {info['dyad_years']:,} dyad-years"))
        steps[-1].extra.update({"factor": factor, "world": info, "stages": stages})
        if factor == max(ctx.options.scale_build_factors, default=0):
            steps[-1].runs = 1  # minutes long; one run
    return steps


CASE_BUILDERS: dict[str, Callable[[Context], list[Step]]] = {
    "standard": standard_steps,
    "full": full_steps,
    "rerun": rerun_steps,
    "multiverse": multiverse_steps,
    "scale": scale_steps,
}
