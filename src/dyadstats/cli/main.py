"""The ``dyadstats`` command: run the workflow or the multiverse, print the audit lineage, run benchmarks."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dyadstats.cli.common import find_root, format_table


def snakemake_argv(root: Path, cores: int, extra: Sequence[str], workdir: Path | None = None) -> list[str]:
    """Snakemake's command line; ``workdir`` (default the repository root) receives data/raw,
    results/, logs/ and reports/."""
    from dyadstats.cli.snakemake_child import MODULE

    return [
        # Snakemake's own command line, then os._exit instead of a full interpreter teardown
        sys.executable, "-m", MODULE,
        "--snakefile", str(root / "Snakefile"),
        "--directory", str(workdir or root),
        "--cores", str(cores),
        "--rerun-incomplete",
        # run: jobs in threads of this process; otherwise Snakemake 9 starts a new
        # interpreter (re-parsing the workflow and re-importing the stack) for every job.
        "--force-use-threads",
        *extra,
    ]


def run_argv(root: Path, args: argparse.Namespace) -> list[str]:
    """Snakemake arguments of ``dyadstats run``.

    ``--configfile`` files are layered, in order, over config/config.yaml (Snakemake merges
    command-line config files key by key over the Snakefile's ``configfile``), so an overlay
    holds only what changes. Paths are taken relative to the current directory.
    """
    extra = list(args.snakemake_args)
    # Always named: with --directory the Snakefile's relative `configfile:` would be looked up
    # in that directory, not in the repository.
    files = [str(Path(f).resolve()) for f in args.configfile or ()]
    extra = ["--configfile", str(root / "config" / "config.yaml"), *files, *extra]
    if args.targets:
        extra = [*args.targets, *extra]
    workdir = Path(args.directory).resolve() if args.directory else None
    return snakemake_argv(root, args.cores, extra, workdir)


def cmd_run(args: argparse.Namespace) -> int:
    # quiet console (dyadstats.cli.console) over a clean launch: signals forwarded, stale locks and
    # dead runs' .part files cleared (dyadstats.cli.launch)
    from dyadstats.cli.console import run_quiet
    from dyadstats.cli.launch import launch

    root = find_root()
    workdir = Path(args.directory).resolve() if args.directory else root
    return launch(run_argv(root, args), workdir,
                  runner=lambda argv: run_quiet(argv, workdir, verbose=args.verbose))


MULTIVERSE_OVERLAY = Path("config") / "multiverse.yaml"
MULTIVERSE_TARGETS = (
    "results/multiverse/model_multiverse.parquet",
    "results/multiverse/specification_curve.png",
)


def multiverse_argv(root: Path, args: argparse.Namespace) -> list[str]:
    """Snakemake arguments of ``dyadstats multiverse``: the config plus the enabling overlay."""
    base = args.configfile or str(root / "config" / "config.yaml")
    targets = list(MULTIVERSE_TARGETS) if args.grid_only else []
    extra = [*targets, "--configfile", base, str(root / MULTIVERSE_OVERLAY)]
    if args.profile:
        extra += ["--profile", args.profile]
    return snakemake_argv(root, args.cores, [*extra, *args.snakemake_args])


def cmd_multiverse(args: argparse.Namespace) -> int:
    from dyadstats.cli.console import run_quiet
    from dyadstats.cli.launch import launch

    root = find_root()
    return launch(multiverse_argv(root, args), root,
                  runner=lambda argv: run_quiet(argv, root, verbose=args.verbose))


def cmd_validate(args: argparse.Namespace) -> int:
    from dyadstats.cli.validate import validate_run

    root = find_root()
    overlays = [Path(f).resolve() for f in args.configfile or ()]
    checks = validate_run(root, overlays, Path(args.directory).resolve() if args.directory else None)
    for check in checks:
        print(f"{'ok' if check.ok else 'FAILED':>6}  {check.name}: {check.summary}".rstrip(": "))
        for problem in check.problems:
            print(f"        - {problem}")
    ok = all(c.ok for c in checks)
    print("dyadstats validate: " + ("everything needed to run is in place" if ok else "problems found (above)"))
    return 0 if ok else 1


def cmd_audit(args: argparse.Namespace) -> int:
    from dyadstats.audit import LINEAGE_COLUMNS, lineage_rows, read_audits

    directory = Path(args.directory) if args.directory else find_root() / "results" / "audit"
    audits = read_audits(directory)
    if not audits:
        print(f"dyadstats audit: no stage audits in {directory}; run the pipeline first", file=sys.stderr)
        return 1
    rows = lineage_rows(audits)
    print(format_table(rows, LINEAGE_COLUMNS))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from dyadstats.explain import ExplainError, explain

    database = Path(args.database) if args.database else find_root() / "results" / "dyadstats.duckdb"
    try:
        print(explain(database, args.ccode1, args.ccode2, args.year), end="")
    except ExplainError as exc:
        print(f"dyadstats explain: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the repository's benchmarks/ (a source checkout's, not part of the installed package)."""
    from dyadstats.cli.bench import load_bench

    bench = load_bench(find_root())
    return int(bench.main(args.cases, output=args.output))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dyadstats")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dyadstats", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the Snakemake workflow (real data -> report)")
    run.add_argument("targets", nargs="*", help="Snakemake targets (default: all)")
    run.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    run.add_argument("--configfile", nargs="+", metavar="FILE",
                     help="config file(s) layered in order over config/config.yaml (only what changes)")
    run.add_argument("--directory", metavar="DIR",
                     help="working directory for data/raw, results, logs and reports "
                          "(default: the repository root), e.g. runs/<name> for an example")
    run.add_argument("--verbose", action="store_true",
                     help="print Snakemake's full output (default: one line per finished stage; "
                          "the full output is in logs/dyadstats-run.log)")
    run.add_argument("--snakemake-args", nargs=argparse.REMAINDER, default=[],
                     help="further arguments passed to Snakemake unchanged")
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser(
        "validate", help="check the config, the manifest and that every raw file is found, running no job")
    validate.add_argument("--configfile", nargs="+", metavar="FILE",
                          help="config file(s) layered in order over config/config.yaml")
    validate.add_argument("--directory", metavar="DIR", help="run directory whose data/raw is searched")
    validate.set_defaults(func=cmd_validate)

    multiverse = sub.add_parser(
        "multiverse",
        help="run the specification-curve grid (and, by default, the database and report with it)",
    )
    multiverse.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    multiverse.add_argument("--configfile", help="a config file to use instead of config/config.yaml")
    multiverse.add_argument("--profile", help="a Snakemake profile, e.g. workflow/profiles/slurm")
    multiverse.add_argument("--grid-only", action="store_true",
                            help="build only the gathered table and the figure, not the report")
    multiverse.add_argument("--verbose", action="store_true", help="print Snakemake's full output")
    multiverse.add_argument("--snakemake-args", nargs=argparse.REMAINDER, default=[],
                            help="further arguments passed to Snakemake unchanged")
    multiverse.set_defaults(func=cmd_multiverse)

    audit = sub.add_parser("audit", help="print the per-stage audit lineage")
    audit.add_argument("--directory", help="audit directory (default results/audit)")
    audit.set_defaults(func=cmd_audit)

    explain = sub.add_parser(
        "explain", help="print one dyad-year's lineage: MID rows, pairing, whittle, codings, models")
    explain.add_argument("ccode1", type=int, help="COW code of one state (e.g. 200, the UK)")
    explain.add_argument("ccode2", type=int, help="COW code of the other (e.g. 220, France)")
    explain.add_argument("year", type=int)
    explain.add_argument("--database", help="stage database (default results/dyadstats.duckdb)")
    explain.set_defaults(func=cmd_explain)

    bench = sub.add_parser("bench", help="time every stage and the whole job")
    bench.add_argument("cases", nargs="*", help="benchmark cases (default: all)")
    bench.add_argument("--output", default="reports/bench.json")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
