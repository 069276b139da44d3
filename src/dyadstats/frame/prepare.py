"""One connection with the shared inputs of both frames prepared: the input views, the
harmonised democracy state-years, the control tables, the event flags and their coverage."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.errors import SchemaError
from dyadstats.events.icb import ICB_TABLE, create_icb_event_tables
from dyadstats.events.war import WAR_TABLE, create_war_event_tables
from dyadstats.frame.controls import Coverage, control_coverage, create_control_tables
from dyadstats.frame.democracy import create_democracy_state_years
from dyadstats.frame.event_flags import create_event_tables
from dyadstats.frame.needs import TIES_TABLE, frame_needs
from dyadstats.frame.options import FrameOptions
from dyadstats.frame.roles import role_coverage
from dyadstats.io.db import connect, quote_path

log = logging.getLogger(__name__)


def register_inputs(con: duckdb.DuckDBPyConnection, inputs: Mapping[str, str | Path]) -> None:
    """One view per input Parquet file, named by its key."""
    for name, path in inputs.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({quote_path(path)})")


def universe_years(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    lo, hi = con.execute("SELECT min(year), max(year) FROM dyad_years").fetchone()
    if lo is None:
        raise SchemaError("dyad_years is empty: no frame to build")
    return int(lo), int(hi)


@dataclass
class FrameBuild:
    """A connection with the shared inputs of both frames prepared (democracy, controls, events)."""

    con: duckdb.DuckDBPyConnection
    inputs: Mapping[str, str | Path]
    options: FrameOptions
    years: tuple[int, int]
    control_cov: dict[str, Coverage]
    coverage: dict[str, Any]
    facts: dict[str, Any]


def prepare_frame_build(
    inputs: Mapping[str, str | Path], options: FrameOptions, threads: int | None = None
) -> FrameBuild:
    """Register the inputs and build the state-year and event tables the frames join: only
    those :func:`dyadstats.frame.needs.frame_needs` says the options read (the facts record
    what was left out and why)."""
    needs = frame_needs(options)
    con = connect(threads=threads)
    try:
        # the POSITIONAL JOIN below relies on the tables keeping their ORDER BY order
        con.execute("SET preserve_insertion_order = true")
        register_inputs(con, inputs)
        years = universe_years(con)
        log.info("frame: harmonising democracy scores (%s)", ", ".join(needs.measures) or "none")
        dem_facts = create_democracy_state_years(con, measures=needs.measures)
        control_cov = control_coverage(con, options.contiguity_slice, needs.control_groups)
        log.info("frame: control tables; coverage %s", {k: v.as_list() for k, v in control_cov.items()})
        control_facts = create_control_tables(con, needs.control_groups, options.contiguity_slice)
        event_facts = create_event_tables(con, directed=options.directed, ties=needs.needs_event(TIES_TABLE))
        icb, war = needs.needs_event(ICB_TABLE), needs.needs_event(WAR_TABLE)
        if icb:
            event_facts |= create_icb_event_tables(con)
        if war:
            event_facts |= create_war_event_tables(con)
        coverage = {
            "mid": options.mid_coverage.as_list(),
            **({"ties": options.ties_coverage.as_list()} if needs.needs_event(TIES_TABLE) else {}),
            **({"icb": options.icb_coverage.as_list()} if icb and options.icb_coverage else {}),
            **({"war": options.war_coverage.as_list()} if war and options.war_coverage else {}),
            **{k: v.as_list() for k, v in control_cov.items()},
            **{f"democracy_{k}": v["score_years"] for k, v in dem_facts.items()},
            "universe": list(years),
            **role_coverage(con, options, inputs),
        }
    except BaseException:
        con.close()
        raise
    facts = {"democracy": dem_facts, "controls": control_facts, "events": event_facts}
    skipped = needs.skipped()
    if skipped:
        log.info("frame: not built, the frames read none of it: %s", skipped)
        facts["not_built"] = skipped
    return FrameBuild(con, inputs, options, years, control_cov, coverage, facts)
