"""SQL files of the build stage, shipped as package data (``dyadstats/sql/*.sql``)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def read_sql(name: str) -> str:
    """The text of ``dyadstats/sql/<name>.sql``."""
    return (files("dyadstats") / "sql" / f"{name}.sql").read_text(encoding="utf-8")
