"""The ``roles.democracy`` / ``roles.covariates`` columns in the frames: their input tables,
the join that appends them, their ``_lag1`` twins and coverage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.errors import ConfigError
from dyadstats.frame.columns import lag_name
from dyadstats.frame.options import FrameOptions
from dyadstats.io.db import quote_path
from dyadstats.roles.attach import attach_roles_sql, role_columns
from dyadstats.roles.parse import role_kind, role_output


def role_input(role: Any) -> str:
    """The frame rule's input key (and view name) of a role table: ``role_<kind>_<name>``."""
    return f"role_{role_kind(role)}_{role.name}"


def attach_roles(
    base: str, visible: Sequence[str], options: FrameOptions, inputs: Mapping[str, str | Path]
) -> tuple[str, list[str]]:
    """The base rows with the role columns (``dyadstats.roles.attach.attach_roles_sql``) appended.

    The role tables are the frame inputs ``role_<kind>_<name>``; a role column that would
    shadow one of the frame's own columns is refused, naming the role.
    """
    roles = options.roles
    added = role_columns(roles)
    if not added:
        return base, list(visible)
    clash = sorted(set(added) & set(visible))
    if clash:
        raise ConfigError(
            f"roles: column(s) {clash} of a roles.democracy / roles.covariates name clash with the "
            "frame's own columns; rename the role"
        )
    paths = {}
    for role in (*roles.democracy, *roles.covariates):
        if role_input(role) not in inputs:
            raise ConfigError(f"frame: the role table {role_input(role)} ({role_output(role)}) is not an input")
        paths[role_output(role)] = str(inputs[role_input(role)])
    return attach_roles_sql(f"({base})", roles, paths), [*visible, *added]


def role_lag_columns(options: FrameOptions, alias: str = "n") -> list[tuple[str, str]]:
    """The ``_lag1`` twins of the role columns: the dyad's value in the previous year."""
    return [(lag_name(c), f"CASE WHEN {alias}._has_prev THEN {alias}._l_{c} END") for c in role_columns(options.roles)]


def role_coverage(con: duckdb.DuckDBPyConnection, options: FrameOptions, inputs: Mapping[str, str | Path]) -> dict[str, list[int | None]]:
    """``role_<name>``: first and last year with a non-missing score or value in the role table."""
    out: dict[str, list[int | None]] = {}
    for role in (*options.roles.democracy, *options.roles.covariates):
        column = "score" if role_kind(role) == "democracy" else "value"
        lo, hi = con.execute(
            f"SELECT min(year), max(year) FROM read_parquet({quote_path(inputs[role_input(role)])}) "
            f"WHERE {column} IS NOT NULL"
        ).fetchone()
        out[f"role_{role.name}"] = [None if lo is None else int(lo), None if hi is None else int(hi)]
    return out

