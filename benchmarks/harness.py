"""The benchmark harness: measure child processes, repeat steps, describe the machine.

Every measured step is a separate child process, started with :mod:`subprocess` and reaped
with :func:`os.wait4`, so the figures are the operating system's own accounting of that child
(and the processes it waited for): wall time (``time.perf_counter`` around start and reap), CPU
time (user + system) and peak resident set size (``ru_maxrss``). Process start-up (importing
pandas, DuckDB, Snakemake) is therefore inside every figure, as a user running the command
would pay it; the ``startup`` stage measures it on its own.

This module holds the mechanics (measurement, steps, machine and versions, the ``bench``
config section, work directories ingested once); :mod:`benchmarks.cases` builds the steps of
each case and :mod:`benchmarks.bench` runs and reports them.
"""

from __future__ import annotations

import copy
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

log = logging.getLogger("dyadstats.bench")

_DEFAULTS = BenchConfig()  # every bench default (dyadstats.config.bench)
DEFAULT_RUNS = _DEFAULTS.runs
PACKAGES = ("dyadstats", "duckdb", "pandas", "numpy", "pyarrow", "statsmodels", "scipy",
            "snakemake", "patsy")

#: The standard case's ``build.frame`` (config ``bench.standard_frame``): only the columns the
#: standard model reads (Polity, contiguity, majors, capabilities, MID onsets and their peace
#: years), no directed frame, no lags. The same frame code builds it; its columns equal the
#: full frame's.
STANDARD_FRAME: dict[str, Any] = _DEFAULTS.standard_frame.plain()



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
    multiverse_choices: Mapping[str, Any] = field(default_factory=lambda: dict(_DEFAULTS.multiverse_choices))

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
            multiverse_choices=dict(b.multiverse_choices),
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
    """Snakemake as ``dyadstats run`` starts it (:mod:`dyadstats.cli.snakemake_child`: the same
    command line and jobs, without the seconds of heap teardown at exit a user never waits for)."""
    from dyadstats.cli.snakemake_child import MODULE

    return [
        python(), "-m", MODULE,
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
