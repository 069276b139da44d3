"""What several commands (and the repository's benchmarks/) share: the repository root, text tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The repository (workflow) root: the nearest directory holding a Snakefile."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Snakefile").is_file() and (candidate / "workflow").is_dir():
            return candidate
    raise SystemExit(f"dyadstats: no Snakefile found in {here} or its parents")


def format_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """A plain fixed-width text table."""
    cells = [[str(r.get(c, "")) if r.get(c) is not None else "-" for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, rule, *body])
