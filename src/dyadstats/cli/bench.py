"""``dyadstats bench``: find and load the repository's ``benchmarks/`` package.

The benchmark harness is a set of scripts beside the Snakefile, not part of the installed
package: it times the package from the outside (each step a child process) and needs the
repository's config, Snakefile and workflow. The command therefore only works from a source
checkout and says so clearly elsewhere.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ENTRY = Path("benchmarks") / "bench.py"


def load_bench(root: Path) -> ModuleType:
    """Import ``benchmarks.bench`` from ``root`` (the repository), refusing any other copy."""
    entry = root / ENTRY
    if not entry.is_file():
        raise SystemExit(
            f"dyadstats bench: {entry} not found. The benchmarks are scripts in the repository "
            "(benchmarks/ beside the Snakefile), not part of the installed package: run "
            "`dyadstats bench` from a clone of the dyadstats repository."
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module("benchmarks.bench")
    found = Path(module.__file__ or "").resolve()
    if found != entry.resolve():
        raise SystemExit(f"dyadstats bench: imported {found}, expected {entry}; another package "
                         "named 'benchmarks' shadows the repository's")
    return module
