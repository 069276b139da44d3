"""A quiet console for ``dyadstats run``: one line per finished stage, the full Snakemake
output in a log file, and the report's path as the last line; when a model could not be
estimated, the failed models' names come last and the exit status is 3 (EXIT_MODELS_FAILED).

Snakemake prints a dozen lines per job (rule, input, output, log, reason, an empty "Shell
command" ...), over a thousand for one run. The filter below reads that stream and keeps:

- the job plan (how many jobs of which rule), as one line;
- one line per rule once all of its jobs have finished, with their count and wall time;
- on a terminal, one status line rewritten in place (``[37/82] model 12/28``);
- on failure, the error block, and always the path of the full log.

``--verbose`` passes Snakemake's output through unchanged.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

FINISHED = re.compile(r"^Finished jobid: \d+ \(Rule: (?P<rule>[\w-]+)\)")
STARTED = re.compile(r"^(?:local)?rule (?P<rule>[\w-]+):$")
STEPS = re.compile(r"^(?P<done>\d+) of (?P<total>\d+) steps \(\d+%\) done")
STATS_ROW = re.compile(r"^(?P<rule>[\w-]+)\s+(?P<count>\d+)$")
ERROR = re.compile(r"(ERROR|Error|Exception|Traceback|error:|MissingInput|WorkflowError|IncompleteFilesException|LockException)")
NOTHING = "Nothing to be done"
#: Rules that only gather what others made; listed as done but not timed.
QUIET_RULES = frozenset({"all"})


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


@dataclass
class Progress:
    """What the filter has read so far of one Snakemake run."""

    planned: dict[str, int] = field(default_factory=dict)
    finished: dict[str, int] = field(default_factory=dict)
    first_start: dict[str, float] = field(default_factory=dict)
    total: int = 0
    done: int = 0
    errors: list[str] = field(default_factory=list)
    in_stats: bool = False
    nothing_to_do: bool = False

    def feed(self, line: str, now: float) -> list[str]:
        """Read one line of Snakemake output; return the lines to print for it."""
        text = line.rstrip("\n")
        stripped = text.strip()
        if stripped == "Job stats:":
            self.in_stats = True
            return []
        if self.in_stats:
            return self._stats_row(stripped)
        if m := STARTED.match(stripped):
            self.first_start.setdefault(m["rule"], now)
            return []
        if m := STEPS.match(stripped):
            self.done, self.total = int(m["done"]), int(m["total"])
            return []
        if m := FINISHED.match(stripped):
            return self._finished(m["rule"], now)
        if NOTHING in stripped:
            self.nothing_to_do = True
            return ["dyadstats: nothing to do (every output is up to date)"]
        if ERROR.search(stripped) or self.errors and stripped and text.startswith((" ", "\t")):
            self.errors.append(text)
        return []

    def _stats_row(self, stripped: str) -> list[str]:
        m = STATS_ROW.match(stripped)
        if m and m["rule"] == "total":
            self.in_stats = False
            self.total = int(m["count"])
            plan = ", ".join(f"{r} {n}" for r, n in self.planned.items() if r not in QUIET_RULES)
            return [f"dyadstats: {self.total} jobs to run ({plan})"]
        if m and m["rule"] != "job":
            self.planned[m["rule"]] = int(m["count"])
        return []

    def _finished(self, rule: str, now: float) -> list[str]:
        self.finished[rule] = self.finished.get(rule, 0) + 1
        self.done += 1  # Snakemake prints its "k of n steps" line after this one
        if rule in QUIET_RULES or self.finished[rule] != self.planned.get(rule, 1):
            return []
        count = self.finished[rule]
        took = _duration(now - self.first_start.get(rule, now))
        jobs = f"{count} job{'s' if count != 1 else ''}"
        return [f"  done  {rule:<18} {jobs:>8}  {took:>7}   [{self.done}/{self.total}]"]

    def status(self) -> str:
        """The one-line status for a terminal: steps done and the rules still running."""
        running = [f"{r} {self.finished.get(r, 0)}/{n}" for r, n in self.planned.items()
                   if r in self.first_start and self.finished.get(r, 0) < n]
        return f"[{self.done}/{self.total}] " + (", ".join(running) or "waiting")


def filter_stream(
    lines: Iterable[str], out: IO[str], log: IO[str], *, tty: bool = False, clock=time.monotonic
) -> Progress:
    """Copy every line to ``log``; print the progress lines to ``out``."""
    progress = Progress()
    width = 0
    for line in lines:
        log.write(line)
        printed = progress.feed(line, clock())
        if tty and width:
            out.write("\r" + " " * width + "\r")
            width = 0
        for p in printed:
            out.write(p + "\n")
        if tty and progress.total:
            status = progress.status()[:120]
            out.write(status)
            width = len(status)
        out.flush()
    if tty and width:
        out.write("\r" + " " * width + "\r")
    return progress


def run_quiet(argv: Sequence[str], workdir: Path, *, verbose: bool = False) -> int:
    """Run Snakemake (``argv``); quiet unless ``verbose``. Ends with the report's path."""
    from dyadstats.cli.launch import forwarding_signals, run_child, wait_for

    if verbose:
        return _final_line(run_child(argv), workdir)
    log_path = workdir / "logs" / "dyadstats-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    # Snakemake runs in its own process group; Ctrl-C and SIGTERM reach it as SIGINT, its clean
    # stop (dyadstats.cli.launch), and its output keeps streaming through the filter meanwhile.
    with open(log_path, "w", encoding="utf-8") as log, subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        process_group=0,
    ) as proc, forwarding_signals(proc):
        assert proc.stdout is not None
        progress = filter_stream(proc.stdout, sys.stdout, log, tty=sys.stdout.isatty())
        code = wait_for(proc)
    if code != 0:
        for line in progress.errors[-30:]:
            print(line, file=sys.stderr)
        print(f"dyadstats: the run failed (exit {code}); full log: {log_path}", file=sys.stderr)
        return code
    print(f"dyadstats: finished in {_duration(time.time() - started)}; full log: {log_path}", flush=True)
    return _final_line(code, workdir)


#: ``dyadstats run``'s exit status when the run finished (database and report written) but some
#: model could not be estimated (``model_fit.status = 'failed'``).
EXIT_MODELS_FAILED = 3


def failed_models(workdir: Path) -> list[tuple[str, str]]:
    """(model, reason) of each model the run's ``model_fit`` records as failed."""
    from dyadstats.models.spec import FIT_FAILED
    from dyadstats.paths import WORKFLOW

    path = workdir / WORKFLOW.models("fit")
    if not path.is_file():
        return []
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if "status" not in table.column_names:
        return []
    rows = table.select(["model", "status", "failure_reason"]).to_pylist()
    return [(r["model"], r["failure_reason"] or "") for r in rows if r["status"] == FIT_FAILED]


def _final_line(code: int, workdir: Path) -> int:
    """The report's path when the run succeeded and the report exists; then, if any model
    failed, one line per failure (stderr) and, last, the failed models' names. Returns the
    exit status: ``code``, or :data:`EXIT_MODELS_FAILED`."""
    if code != 0:
        return code
    report = workdir / "reports" / "report.html"
    if report.is_file():
        print(report.resolve())
    failed = failed_models(workdir)
    if not failed:
        return code
    for name, reason in failed:
        print(f"dyadstats: model {name} was not estimated: {reason}", file=sys.stderr, flush=True)
    print(f"dyadstats: {len(failed)} model(s) failed: {', '.join(n for n, _ in failed)} "
          f"(reasons at the top of the report and in model_fit.failure_reason; exit {EXIT_MODELS_FAILED})",
          flush=True)
    return EXIT_MODELS_FAILED
