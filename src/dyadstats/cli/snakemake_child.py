"""``python -m dyadstats.cli.snakemake_child ARGS``: Snakemake's command line, then a quick exit.

``dyadstats run`` starts Snakemake through this module instead of ``python -m snakemake``. The
run is the same (``snakemake.cli.main`` with the same arguments, in this process, jobs as its
threads); only the end differs. When Snakemake has finished (every job done, its lock released,
its log written), a normal interpreter exit tears down every module and garbage-collects the
whole heap of a run that imported pandas, DuckDB, matplotlib and gpboost: measured at 2-3 s after
Snakemake's last line, and longer on a loaded machine, which is most of a report-only rerun's
budget. Here the logging handlers and standard streams are flushed and the process leaves with
``os._exit`` and Snakemake's exit status. Snakemake registers no ``atexit`` handlers; the only
ones run here are logging's (flushed by hand) and none of this package's.
"""

from __future__ import annotations

import logging
import os
import sys

#: The module's name, as it appears on the child's command line (dyadstats.cli.launch).
MODULE = "dyadstats.cli.snakemake_child"


def exit_status(code: object) -> int:
    """``sys.exit``'s argument as a process exit status (None -> 0, a message -> 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main() -> None:
    from snakemake.cli import main as snakemake_main

    sys.argv[0] = "snakemake"
    try:
        snakemake_main()
        code = 0
    except SystemExit as exc:
        code = exit_status(exc.code)
    if "dyadstats.multiverse.child" in sys.modules:  # the run forked multiverse chunks
        sys.modules["dyadstats.multiverse.child"].stop_chunk_server()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
