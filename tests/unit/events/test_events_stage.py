"""The events stage builds only the tables asked for: those it builds are the full build's bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dyadstats.events.build import build_events
from tests.unit.events.test_icb import ACTOR_COLUMNS, ACTORS
from tests.unit.events.test_mid import (
    DISPUTE_COLUMNS,
    DISPUTES,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS,
    TIES_CASES,
    TIES_COLUMNS,
    TIES_STATES,
    _frame,
)
from tests.unit.events.test_war import war_rows

FULL = ("mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years", "icb_directed_dyad_years",
        "war_directed_dyad_years", "mid_whittle_log")


def _inputs(directory: Path) -> dict[str, Path]:
    """Every input of the events stage, from the hand-built worlds of the events' unit tests."""
    ties = pd.DataFrame(TIES_CASES, columns=TIES_COLUMNS)
    for c in TIES_COLUMNS[:-1]:
        ties[c] = ties[c].astype("Int64")
    tables = {
        "mid5_participants": _frame(PARTICIPANTS, PARTICIPANT_COLUMNS),
        "mid5_disputes": _frame(DISPUTES, DISPUTE_COLUMNS),
        "ties": ties,
        "cow_states": pd.DataFrame(TIES_STATES, columns=["ccode", "styear", "stmonth", "stday", "endyear",
                                                         "endmonth", "endday"]),
        "icb_actors": pd.DataFrame(ACTORS, columns=ACTOR_COLUMNS).astype("Int64"),
        "ps_cow_war_inter": war_rows(),
    }
    directory.mkdir(parents=True)
    paths = {}
    for name, frame in tables.items():
        paths[name] = directory / f"{name}.parquet"
        frame.to_parquet(paths[name], index=False)
    return paths


@pytest.mark.parametrize("kept", [("mid_dyad_years", "mid_whittle_log"),
                                  ("mid_dyad_years", "ties_directed_dyad_years", "war_directed_dyad_years")])
def test_a_reduced_events_build_writes_the_full_builds_bytes(tmp_path: Path, kept: tuple[str, ...]) -> None:
    inputs = _inputs(tmp_path / "in")
    full = build_events(inputs, {t: tmp_path / "full" / f"{t}.parquet" for t in FULL}, tmp_path / "full.json")
    assert set(full) == set(FULL) - {"mid_whittle_log"}
    assert full["icb_directed_dyad_years"]["rows_out"] > 0 and full["war_directed_dyad_years"]["rows_out"] > 0
    # only the inputs the kept tables read (dyadstats.frame.needs.EVENT_TABLE_SOURCES)
    needed = {"mid5_participants", "mid5_disputes"} | (
        {"ties", "cow_states"} if "ties_directed_dyad_years" in kept else set()) | (
        {"ps_cow_war_inter"} if "war_directed_dyad_years" in kept else set())
    reduced = build_events({k: v for k, v in inputs.items() if k in needed},
                           {t: tmp_path / "reduced" / f"{t}.parquet" for t in kept}, tmp_path / "reduced.json")
    assert set(reduced) == set(kept) - {"mid_whittle_log"}
    assert sorted(p.name for p in (tmp_path / "reduced").iterdir()) == sorted(f"{t}.parquet" for t in kept)
    for table in kept:
        assert (tmp_path / "reduced" / f"{table}.parquet").read_bytes() == \
            (tmp_path / "full" / f"{table}.parquet").read_bytes(), table
    audit = {t["table"]: t for t in json.loads((tmp_path / "reduced.json").read_text())["tables"]}
    full_audit = {t["table"]: t for t in json.loads((tmp_path / "full.json").read_text())["tables"]}
    assert set(audit) == set(kept) - {"mid_whittle_log"}  # no record of a table not built
    left_out = [t for t in FULL[1:5] if t not in kept]
    assert audit["mid_dyad_years"]["notes"][-1].endswith(": " + ", ".join(left_out))
    assert audit["mid_dyad_years"]["notes"][:-1] == full_audit["mid_dyad_years"]["notes"]
    for table in set(audit) - {"mid_dyad_years"}:
        assert audit[table] == full_audit[table]
