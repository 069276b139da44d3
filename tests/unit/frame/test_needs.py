"""What the frames read (``dyadstats.frame.needs``): the plan declares only that, and a build
that leaves the rest out writes the very bytes of the full build for what it does build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dyadstats.config.bench import BenchConfig
from dyadstats.frame.build import build_frames
from dyadstats.frame.needs import frame_needs
from dyadstats.frame.options import frame_options
from dyadstats.paths import Layout
from dyadstats.plan import RunPlan
from dyadstats.testing.repo import base_config, repo_root
from dyadstats.testing.world import MID_COVERAGE, TIES_COVERAGE, write_world

# Written out by hand (not from the package's constants): what the full default build reads and
# writes, as the plan declared it before the frames' needs were worked out.
ALL_EVENT_TABLES = {"mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years",
                    "icb_directed_dyad_years", "war_directed_dyad_years"}
ALL_EVENT_SOURCES = {"mid5_participants", "mid5_disputes", "dyadic_mid402", "ties", "icb_actors",
                     "cow_states", "ps_cow_war_inter"}
DEMOCRACY_SOURCES = {"polity5", "vdem", "bmr", "uds"}
CONTROL_SOURCES = {"cow_contdird", "nmc", "cow_majors", "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist",
                   "ps_td_rivalries", "ps_tss_rivalries", "ps_cow_capitals", "ps_cow_trade_sy", "ps_terrthreat",
                   "ps_cow_igo_ndy"}
STANDARD_SOURCES = {"polity5", "cow_contdird", "nmc", "cow_majors"}


def _plan(tmp_path: Path, frame: dict | None = None) -> RunPlan:
    config = base_config(tmp_path)
    if frame is not None:
        config["build"]["frame"] = frame
    return RunPlan.from_config(config, repo_root(), Layout(root=tmp_path))


def test_the_standard_frame_needs_only_mid_polity_and_three_controls(tmp_path: Path) -> None:
    """The bench's standard frame (Polity; contiguity, NMC, majors; mid_onset; no directed frame)."""
    plan = _plan(tmp_path, BenchConfig().standard_frame.plain())
    needs = plan.frame_needs
    assert needs.event_tables == ("mid_dyad_years",)
    assert needs.measures == ("polity",)
    assert needs.control_groups == ("contiguity", "nmc", "majors")
    assert set(plan.events_outputs()) == {"mid_dyad_years", "mid_whittle_log"}
    assert set(plan.events_inputs()) == {"mid5_participants", "mid5_disputes", "dyadic_mid402"}
    assert set(plan.frame_inputs()) == {"dyad_years", "mid_dyad_years", *STANDARD_SOURCES}
    db = plan.db_tables()
    assert "mid_dyad_years" in db and not ({"ties_directed_dyad_years", "icb_directed_dyad_years"} & set(db))
    skipped = needs.skipped()
    assert set(skipped["event_tables"]) == ALL_EVENT_TABLES - {"mid_dyad_years"}
    assert set(skipped["democracy"]) == {"vdem", "bmr", "uds"}
    assert "cow_alliance" in skipped["controls"] and "contiguity" not in skipped["controls"]


def test_the_default_config_needs_everything_it_builds_today(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    assert set(plan.frame_needs.event_tables) == ALL_EVENT_TABLES
    assert set(plan.events_outputs()) == ALL_EVENT_TABLES | {"mid_whittle_log"}
    assert set(plan.events_inputs()) == ALL_EVENT_SOURCES
    assert set(plan.frame_inputs()) == (
        {"dyad_years", "directed_dyad_years"} | ALL_EVENT_TABLES | DEMOCRACY_SOURCES | CONTROL_SOURCES)
    assert plan.frame_needs.skipped() == {}
    assert ALL_EVENT_TABLES | {"mid_whittle_log"} <= set(plan.db_tables())


@pytest.mark.parametrize(("frame", "events", "sources"), [
    # a TIES outcome in the non-directed frame needs TIES, not the directed MID table
    ({"directed": False, "outcomes": ["mid_onset", "sanction_threat_onset"]},
     {"mid_dyad_years", "ties_directed_dyad_years"}, set()),
    # the directed frame joins the directed MID and TIES flags whatever its outcomes
    ({"outcomes": ["mid_initiated"]}, {"mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years"},
     set()),
    ({"directed": False, "outcomes": ["icb_crisis_onset"]}, {"mid_dyad_years", "icb_directed_dyad_years"}, set()),
    ({"directed": False, "outcomes": ["war_onset"], "democracy": [], "controls": ["mindist"]},
     {"mid_dyad_years", "war_directed_dyad_years"}, {"ps_cow_mindist"}),
])
def test_each_outcome_and_frame_needs_its_event_table(tmp_path: Path, frame: dict, events: set, sources: set) -> None:
    plan = _plan(tmp_path, frame)
    assert set(plan.frame_needs.event_tables) == events
    assert set(plan.events_outputs()) == events | {"mid_whittle_log"}
    if sources:
        assert set(plan.frame_needs.frame_sources()) == sources


def test_the_first_contiguity_slice_reads_the_spell_table_only() -> None:
    build = {"controls": {"contiguity_slice": "first"}, "frame": {"controls": ["contiguity", "nmc"]}}
    needs = frame_needs(frame_options(build, MID_COVERAGE, TIES_COVERAGE))
    assert needs.control_sources() == ("ps_cow_contdir", "nmc")


def test_outcomes_without_their_coverage_need_no_icb_or_war(tmp_path: Path) -> None:
    needs = frame_needs(frame_options({}, MID_COVERAGE, TIES_COVERAGE))  # no ICB or war coverage
    assert needs.event_tables == ("mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years")


NARROW = {"directed": False, "democracy": ["polity"], "controls": ["contiguity", "nmc", "majors"],
          "outcomes": ["mid_onset", "coercion_onset"], "lags": True}


def test_a_reduced_frame_build_writes_the_bytes_of_the_full_preparation(tmp_path: Path, monkeypatch) -> None:
    """The narrow frame built from only the tables it needs equals, byte for byte, the same
    frame built after preparing everything (every measure, control and event flag table)."""
    import dyadstats.frame.prepare as prepare

    paths = write_world(tmp_path / "in")
    options = frame_options({"frame": NARROW}, MID_COVERAGE, TIES_COVERAGE)
    needs = frame_needs(options)
    reduced = {k: v for k, v in paths.items()
               if k in {"dyad_years", *needs.event_tables, *needs.frame_sources()}}
    assert set(paths) - set(reduced) >= {"vdem", "ties_directed_dyad_years", "ps_cow_alliance"}
    build_frames(reduced, tmp_path / "r" / "nd.parquet", None, tmp_path / "r" / "frame.json",
                 tmp_path / "r" / "codebook.md", options)
    full_needs = frame_needs(frame_options({"controls": {"contiguity_slice": options.contiguity_slice}},
                                           MID_COVERAGE, TIES_COVERAGE))
    monkeypatch.setattr(prepare, "frame_needs", lambda _options: full_needs)
    build_frames(paths, tmp_path / "f" / "nd.parquet", None, tmp_path / "f" / "frame.json",
                 tmp_path / "f" / "codebook.md", options)
    assert (tmp_path / "r" / "nd.parquet").read_bytes() == (tmp_path / "f" / "nd.parquet").read_bytes()
    reduced_audit = json.loads((tmp_path / "r" / "frame.json").read_text())["tables"][0]
    full_audit = json.loads((tmp_path / "f" / "frame.json").read_text())["tables"][0]
    # the audit records only what was built, and says what was not
    assert set(reduced_audit["democracy"]) == {"polity"} and set(full_audit["democracy"]) == {"polity", "vdem", "bmr", "uds"}
    assert "ties" not in reduced_audit["coverage"] and "cow_alliance" not in reduced_audit["coverage"]
    assert "ties_directed_dyad_year_rows" not in reduced_audit["events"]
    assert set(reduced_audit["not_built"]["democracy"]) == {"vdem", "bmr", "uds"}
    assert reduced_audit["inputs"] == sorted(reduced)
