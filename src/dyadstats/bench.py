"""``dyadstats bench``: time every stage and the whole job, each in its own process.

Every measured step is a separate child process, started with :mod:`subprocess` and reaped
with :func:`os.wait4`, so the figures are the operating system's own accounting of that child
(and the processes it waited for): wall time (``time.perf_counter`` around start and reap), CPU
time (user + system) and peak resident set size (``ru_maxrss``). Process start-up (importing
pandas, statsmodels, DuckDB, Snakemake) is therefore inside every figure, as a user running the
command would pay it; the ``startup`` stage measures it on its own.

Cases (``dyadstats bench [CASE ...]``; no argument runs all):

* ``standard``: the field's reference job on the real data (universe 1816-2014, MID 5.0 onsets,
  Polity joint democracy, land contiguity, major power, log capability ratio, cubic peace years,
  one logit), with the package's stage functions and no Snakemake; each stage in its own
  process, then the whole job in one process (:mod:`dyadstats.bench_stages`).
* ``full``: the README main job (``snakemake``) from ingested tables to the finished report,
  in a fresh copy of a work directory whose ingest was done once, untimed; then stage by stage
  (one Snakemake call per stage target) and a no-op call (Snakemake's own floor).
* ``rerun``: after a full job, one model's spec is changed in the config; only that model and
  what depends on it rerun.
* ``multiverse``: the specification-curve stage alone, reported as specifications per second.
* ``scale``: synthetic ingested worlds (:mod:`dyadstats.testing.synthetic_world`) at multiples of the
  real number of dyad-years: data build only at the largest factor, build + one model at the
  smaller ones (so that growth from 1x can be read off).

Every step is repeated ``bench.runs`` times (config) and reported as min / median / max; the
JSON (``reports/bench.json`` by default) also keeps every single run. Timings are never judged
here: the targets of issue 7 are printed beside the medians for the reader.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from dyadstats.config import validated
from dyadstats.config.bench import BenchConfig
from dyadstats.io.files import write_json

log = logging.getLogger("dyadstats.bench")

CASES = ("standard", "full", "rerun", "multiverse", "scale")
_DEFAULTS = BenchConfig()  # every bench default (dyadstats.config.bench)
DEFAULT_RUNS = _DEFAULTS.runs
PACKAGES = ("dyadstats", "duckdb", "pandas", "numpy", "pyarrow", "statsmodels", "scipy",
            "snakemake", "patsy")

#: The standard case's ``build.frame`` (config ``bench.standard_frame``): only the columns the
#: standard model reads (Polity, contiguity, majors, capabilities, MID onsets and their peace
#: years), no directed frame, no lags. The same frame code builds it; its columns equal the
#: full frame's.
STANDARD_FRAME: dict[str, Any] = _DEFAULTS.standard_frame.plain()

#: Issue 7's targets, printed beside the medians (never asserted).
TARGETS: dict[str, dict[str, float]] = {
    "standard/job": {"wall_s": 2.5, "peak_rss_mb": 700.0},
    "full/job": {"wall_s": 60.0},
    "rerun/job": {"wall_s": 10.0},
    "scale/build_50x": {"peak_rss_mb": 6144.0},
}


# --------------------------------------------------------------------------------------------
# Measuring one child process
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """One run of one child process."""

    wall_s: float
    cpu_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    returncode: int


def measure(
    argv: Sequence[str],
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    log_path: str | Path | None = None,
) -> Measurement:
    """Run ``argv`` once and return its wall time, CPU time and peak RSS.

    ``os.wait4`` reaps exactly this child and returns its resource usage, which on Linux covers
    the child and every descendant it waited for (CPU times add up; ``ru_maxrss`` is the largest
    single process, in KiB). Output goes to ``log_path`` (or is discarded).
    """
    sink = open(log_path, "ab") if log_path else open(os.devnull, "wb")  # noqa: SIM115
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
    finally:
        sink.close()
    return Measurement(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024.0,
        returncode=proc.returncode,
    )


def summarise(runs: Sequence[Measurement]) -> dict[str, dict[str, float]]:
    """min / median / max of each figure over the runs."""
    out: dict[str, dict[str, float]] = {}
    for name in ("wall_s", "cpu_s", "peak_rss_mb"):
        values = [getattr(r, name) for r in runs]
        out[name] = {
            "min": min(values),
            "median": statistics.median(values),
            "max": max(values),
        }
    return out


# --------------------------------------------------------------------------------------------
# Steps and cases
# --------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One measured command; ``prepare`` runs before every repeat and is not timed."""

    name: str
    argv: list[str]
    cwd: Path | None = None
    env: dict[str, str] | None = None
    prepare: Callable[[], None] | None = None
    runs: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class BenchError(RuntimeError):
    """A measured command failed; its log says why."""


def run_step(step: Step, runs: int, log_dir: Path) -> dict[str, Any]:
    """Measure ``step`` ``runs`` times (fresh ``prepare`` each time); fail on a non-zero exit."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{step.name}.log"
    log_path.write_text("")
    measurements = []
    for i in range(step.runs or runs):
        if step.prepare:
            step.prepare()
        m = measure(step.argv, cwd=step.cwd, env=step.env, log_path=log_path)
        if m.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise BenchError(
                f"bench step {step.name!r} exited {m.returncode} (run {i + 1}); "
                f"command {' '.join(step.argv)}; log {log_path}:\n{tail}"
            )
        log.info("%s run %d: %.2f s wall, %.2f s cpu, %.0f MB peak",
                 step.name, i + 1, m.wall_s, m.cpu_s, m.peak_rss_mb)
        measurements.append(m)
    return {
        "step": step.name,
        "command": step.argv,
        "note": step.note,
        **step.extra,
        "runs": [asdict(m) for m in measurements],
        **summarise(measurements),
    }


# --------------------------------------------------------------------------------------------
# Machine and versions
# --------------------------------------------------------------------------------------------


def _meminfo_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info(root: Path) -> dict[str, Any]:
    """Cores, memory, CPU model, OS, Python and the versions of the packages that do the work."""
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(affinity) if affinity is not None else os.cpu_count(),
        "memory_gib": _meminfo_gib(),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "git_commit": _git_commit(root),
        # Other work on the machine inflates wall times: record how busy it was.
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# --------------------------------------------------------------------------------------------
# Options (config ``bench`` section)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchOptions:
    runs: int = DEFAULT_RUNS
    workdir: str = _DEFAULTS.workdir
    cores: int = _DEFAULTS.cores
    scale_fit_factors: tuple[float, ...] = tuple(_DEFAULTS.scale.fit_factors)
    scale_build_factors: tuple[float, ...] = tuple(_DEFAULTS.scale.build_factors)
    scale_memory_limit: str = _DEFAULTS.scale.memory_limit
    seed: int = _DEFAULTS.seed
    rerun_model: str | None = _DEFAULTS.rerun_model
    standard_frame: Mapping[str, Any] = field(default_factory=lambda: dict(STANDARD_FRAME))
    scale_frame: Mapping[str, Any] | None = None  # None: the standard case's frame

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> BenchOptions:
        b = validated(BenchConfig, section, "bench")
        return cls(
            runs=b.runs,
            workdir=b.workdir,
            cores=b.cores,
            scale_fit_factors=tuple(b.scale.fit_factors),
            scale_build_factors=tuple(b.scale.build_factors),
            scale_memory_limit=b.scale.memory_limit,
            seed=b.seed,
            rerun_model=b.rerun_model,
            standard_frame=b.standard_frame.plain(),
            scale_frame=None if b.scale.frame is None else b.scale.frame.plain(),
        )

    @property
    def scale_frame_section(self) -> Mapping[str, Any]:
        return self.standard_frame if self.scale_frame is None else self.scale_frame


def with_frame(config: Mapping[str, Any], frame: Mapping[str, Any]) -> dict[str, Any]:
    """The config with ``build.frame`` replaced by ``frame`` (an empty mapping: full frames)."""
    cfg = copy.deepcopy(dict(config))
    build = dict(cfg.get("build") or {})
    build["frame"] = dict(frame)
    cfg["build"] = build
    return cfg


def load_config(root: Path) -> dict[str, Any]:
    with open(root / "config" / "config.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


# --------------------------------------------------------------------------------------------
# Work directories: the real data ingested once, untimed
# --------------------------------------------------------------------------------------------


def python() -> str:
    return sys.executable


def snakemake_cmd(root: Path, workdir: Path, configfile: Path, cores: int,
                  targets: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    return [
        python(), "-m", "snakemake",
        *targets,  # first: `--quiet` takes any number of values
        "--snakefile", str(root / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(configfile),
        "--cores", str(cores),
        *extra,
        "--quiet", "rules",
    ]


def workflow_config(root: Path, config: Mapping[str, Any]) -> dict[str, Any]:
    """The repository config with absolute manifest and mirror paths (runs from any directory)."""
    cfg = copy.deepcopy(dict(config))
    cfg["manifest"] = str((root / cfg.get("manifest", "data/sources.yaml")).resolve())
    mirrors = []
    for m in cfg.get("mirrors") or []:
        p = Path(m)
        mirrors.append(str(p if p.is_absolute() else (root / p).resolve()))
    cfg["mirrors"] = mirrors
    return cfg


def write_config(cfg: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(cfg), sort_keys=False))
    return path


def ingest_targets(root: Path, cfg: Mapping[str, Any]) -> list[str]:
    """Every ingest output of the manifest (what the `full` case starts from)."""
    from dyadstats.ingest.manifest import load_manifest

    manifest = load_manifest(cfg["manifest"], {})
    return [f"results/ingest/{name}.parquet" for name in sorted(manifest)] + [
        "results/audit/ingest.json"
    ]


def ensure_ingested(root: Path, base: Path, cfg: Mapping[str, Any], cores: int) -> Path:
    """A work directory with the real data acquired and ingested (done once, untimed)."""
    base.mkdir(parents=True, exist_ok=True)
    configfile = write_config(cfg, base / "config.yaml")
    argv = snakemake_cmd(root, base, configfile, cores, ingest_targets(root, cfg))
    log.info("bench: acquiring and ingesting the real data into %s (untimed)", base)
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"ingest for the benchmark failed:\n{proc.stderr[-3000:]}")
    return base


def fresh_copy(template: Path, dest: Path) -> None:
    """Replace ``dest`` by a copy of ``template`` (file times kept, so Snakemake sees no change)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template, dest, symlinks=True, copy_function=shutil.copy2)


# --------------------------------------------------------------------------------------------
# Case builders
# --------------------------------------------------------------------------------------------


@dataclass
class Context:
    root: Path
    config: dict[str, Any]
    options: BenchOptions
    work: Path

    @property
    def ingested(self) -> Path:
        return self.work / "ingested"

    _ingest_checked: bool = False

    def ensure_ingested(self) -> Path:
        """Acquire + ingest the real data into the template work dir once per bench call."""
        if not self._ingest_checked:
            ensure_ingested(self.root, self.ingested, workflow_config(self.root, self.config),
                            self.options.cores)
            self._ingest_checked = True
        return self.ingested


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
                         note="python + imports of duckdb, pandas, statsmodels, dyadstats")]
    # Each stage reads the previous stage's outputs, so run the chain once before timing them.
    for stage in STANDARD_STAGES:
        steps.append(_stage_step(stage, stage, args))
    steps.append(_stage_step("job", "job", args, prepare=clean,
                             note="all stages + one logit in ONE process (the issue's target)"))
    return steps


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
    name = model or next(iter(specs))
    if name not in specs:
        raise BenchError(f"rerun case: bench.rerun_model {name!r} is not in models.specs")
    spec = specs[name]
    defaults = (new.get("models") or {}).get("defaults") or {}
    current = spec.get("covariance", defaults.get("covariance", "cluster"))
    spec["covariance"] = "robust" if current != "robust" else "cluster"
    return new, name, f"covariance {current} -> {spec['covariance']}"


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


def multiverse_steps(ctx: Context) -> list[Step]:
    template, _, configfile = _snakemake_steps(ctx, "multiverse")
    before = ctx.work / "multiverse-before"
    work = ctx.work / "multiverse"
    cores = ctx.options.cores
    target = "results/audit/multiverse.json"  # buildable whether or not multiverse.enabled
    fresh_copy(template, before)
    proc = subprocess.run(
        snakemake_cmd(ctx.root, before, configfile, cores, ["results/audit/frame.json"]),
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise BenchError(f"multiverse case: building the frame failed:\n{proc.stderr[-3000:]}")
    return [Step(name="job", argv=snakemake_cmd(ctx.root, work, configfile, cores, [target],
                                                 ["--force-use-threads"]),
                 prepare=lambda: fresh_copy(before, work),
                 note="the multiverse stage alone (frame already built)",
                 extra={"specs_from": str(work / target)})]


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


def format_report(results: Mapping[str, Any], machine: Mapping[str, Any]) -> str:
    from dyadstats.cli.main import format_table

    head = (f"machine: {machine['cores']} cores ({machine['cores_usable']} usable), "
            f"{machine['memory_gib']} GiB, {machine['cpu']}; load {machine.get('load_average_1_5_15')}; "
            f"Python {machine['python']}; "
            + ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v))
    return head + "\n\n" + format_table(table_rows(results), TABLE_COLUMNS)


def derived_figures(results: dict[str, Any]) -> None:
    """Add figures computed from the steps: scale growth, multiverse specs per second."""
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
    if mv and mv.get("steps"):
        step = mv["steps"][0]
        n_specs = _count_specs(Path(step.get("specs_from", "")))
        if n_specs:
            mv["specs"] = n_specs
            mv["specs_per_second"] = n_specs / step["wall_s"]["median"]


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
    from dyadstats.cli.main import find_root

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
    results = run_cases(wanted, ctx)
    machine["load_average_after"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    out = Path(output)
    out = out if out.is_absolute() else root / out
    write_json({"machine": machine, "runs_per_step": options.runs, "cases": results,
                "targets": TARGETS}, out)
    print(format_report(results, machine))
    print(f"\nwritten {out}")
    return 1 if any(r.get("error") for r in results.values()) else 0
