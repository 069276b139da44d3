"""What the frames of one build read, worked out once from the typed frame options.

``build.frame`` selects columns (:class:`dyadstats.frame.options.FrameOptions`); a narrow frame
joins fewer event tables, harmonises fewer democracy measures and builds fewer control tables.
:func:`frame_needs` says which: the run plan (:mod:`dyadstats.plan`) declares only those as the
events stage's outputs and the frame stage's inputs (so Snakemake's DAG shrinks too), the
events stage builds only the tables the plan asks for, and the frame's prepare step
(:mod:`dyadstats.frame.prepare`) builds only these state-year and control tables. The full
default options need everything.

The rules follow the frame SQL (:mod:`dyadstats.frame.sql`): the non-directed frame always joins
the MID flags; the directed frame always joins the directed MID and TIES flags; the
non-directed frame joins TIES only for a TIES outcome, and either frame joins ICB or war only
for an ICB or war outcome it carries (which needs the source's declared coverage).
"""

from __future__ import annotations

from dataclasses import dataclass

from dyadstats.frame.columns import icb_columns, war_columns
from dyadstats.frame.controls import CONTIGUITY_SPELLS, CONTROL_GROUPS, CONTROL_SOURCES
from dyadstats.frame.covariates import COVARIATE_TABLES
from dyadstats.frame.democracy import MEASURES
from dyadstats.frame.options import FrameOptions
from dyadstats.frame.outcomes import TIES_OUTCOMES
from dyadstats.paths import ICB_TABLE, MID_DIRECTED_TABLE, MID_TABLE, TIES_TABLE, WAR_TABLE

#: The events stage's tables a frame can join, in the stage's order.
FRAME_EVENT_TABLES = (MID_TABLE, MID_DIRECTED_TABLE, TIES_TABLE, ICB_TABLE, WAR_TABLE)
#: Why an event table is left out when the options do not need it (audit notes).
EVENT_SKIP_REASONS = {
    MID_DIRECTED_TABLE: "no directed frame (build.frame.directed: false)",
    TIES_TABLE: "no directed frame and no TIES outcome in build.frame.outcomes",
    ICB_TABLE: "no ICB outcome in build.frame.outcomes (or no ICB coverage)",
    WAR_TABLE: "no war outcome in build.frame.outcomes (or no war coverage)",
}
#: The ingest tables the events stage reads for each event table (MID: every MID source, the
#: stage reads the one ``build.events.source`` names).
EVENT_TABLE_SOURCES: dict[str, tuple[str, ...]] = {
    MID_TABLE: ("mid5_participants", "mid5_disputes", "dyadic_mid402"),
    MID_DIRECTED_TABLE: (),
    TIES_TABLE: ("ties", "cow_states"),
    ICB_TABLE: ("icb_actors", "cow_states"),
    WAR_TABLE: ("ps_cow_war_inter",),
}


@dataclass(frozen=True)
class FrameNeeds:
    """The event tables, democracy measures and control groups one build's frames read."""

    event_tables: tuple[str, ...]
    measures: tuple[str, ...]
    control_groups: tuple[str, ...]
    contiguity_slice: str

    def needs_event(self, table: str) -> bool:
        return table in self.event_tables

    def event_sources(self) -> tuple[str, ...]:
        """The ingest tables the events stage reads to build :attr:`event_tables`."""
        return tuple(dict.fromkeys(s for t in self.event_tables for s in EVENT_TABLE_SOURCES[t]))

    def control_sources(self) -> tuple[str, ...]:
        """The ingest tables of the selected control groups, in ``CONTROL_GROUPS`` order;
        ``contiguity_slice: first`` reads peacesciencer's spell table for contiguity."""
        tables: list[str] = []
        for group in self.control_groups:
            if group == "contiguity" and self.contiguity_slice == "first":
                tables.append(CONTIGUITY_SPELLS)
            elif group in CONTROL_SOURCES:
                tables.append(CONTROL_SOURCES[group][0])
            else:
                tables += COVARIATE_TABLES[group]
        return tuple(dict.fromkeys(tables))

    def frame_sources(self) -> tuple[str, ...]:
        """The ingest tables the frame stage reads: democracy sources, then control sources."""
        return (*(MEASURES[m].table for m in self.measures), *self.control_sources())

    def skipped(self) -> dict[str, dict[str, str]]:
        """What the full frames would read and these do not, with why (empty for the full
        options): the audit says what was not built."""
        events = {t: EVENT_SKIP_REASONS[t] for t in FRAME_EVENT_TABLES[1:] if t not in self.event_tables}
        measures = {m: "not in build.frame.democracy" for m in MEASURES if m not in self.measures}
        controls = {g: "not in build.frame.controls" for g in CONTROL_GROUPS if g not in self.control_groups}
        out = {"event_tables": events, "democracy": measures, "controls": controls}
        return {k: v for k, v in out.items() if v}


def frame_needs(options: FrameOptions) -> FrameNeeds:
    """What the frames ``options`` describe read (the directed one only if ``options.directed``)."""
    frames = (False, True) if options.directed else (False,)
    ties = options.directed or any(options.keeps_outcome(o) for o in TIES_OUTCOMES)
    wanted = {
        MID_TABLE: True,
        MID_DIRECTED_TABLE: options.directed,
        TIES_TABLE: ties,
        ICB_TABLE: any(icb_columns(options, d) for d in frames),
        WAR_TABLE: any(war_columns(options, d) for d in frames),
    }
    return FrameNeeds(
        event_tables=tuple(t for t in FRAME_EVENT_TABLES if wanted[t]),
        measures=tuple(m for m in MEASURES if options.keeps_measure(m)),
        control_groups=tuple(g for g in CONTROL_GROUPS if g in options.controls),
        contiguity_slice=options.contiguity_slice,
    )
