"""Fixed SQL of the stages, shipped as package data: ``dyadstats/sql/<stage>/<name>.sql``.

A file holds one statement whose values are bound parameters (``$name``); SQL assembled from the
column registry (the frame's SELECT lists) stays in Python.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def read_sql(name: str) -> str:
    """The text of ``dyadstats/sql/<stage>/<name>.sql``, asked for as ``"<stage>/<name>"``."""
    stage, _, base = name.partition("/")
    if not base or "/" in base:
        raise ValueError(f"read_sql: expected '<stage>/<name>', got {name!r}")
    return (files("dyadstats") / "sql" / stage / f"{base}.sql").read_text(encoding="utf-8")
