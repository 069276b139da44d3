"""The modelling frames: every coded column on the non-directed and directed dyad-years.

Inputs (all Parquet, registered as DuckDB views under these names):

* universe: ``dyad_years`` (ccode1 < ccode2, year) and ``directed_dyad_years``;
* events: ``mid_dyad_years`` (dispute-dyad-years, columns per the data contract),
  ``ties_directed_dyad_years`` (sender ccode1 -> target ccode2 sanction case-years) and, when
  the options carry an ICB coverage, ``icb_directed_dyad_years`` (``dyadstats.events.icb``);
* democracy sources ``polity5``, ``vdem``, ``bmr``, ``uds`` (see ``dyadstats.frame.democracy``);
* control sources ``cow_contdird``, ``nmc``, ``cow_majors``, ``ps_cow_alliance``,
  ``ps_atop_alliance``, ``ps_cow_mindist`` (see ``dyadstats.frame.controls``);
* the canonical tables of the config's ``roles.democracy`` and ``roles.covariates``
  (``role_<kind>_<name>``, see ``dyadstats.roles``): their columns join the regressors, with
  ``_lag1`` twins.

Outcome codings (0/1; NULL outside the event source's coverage, 0 inside it when no event).
Rule: every MID flag asks "does *any* dispute of this dyad-year satisfy X" and is computed
over all dispute-dyad-years before the whittle (the events stage's hostility-level lists
``onset_hostlevs``, ``active_hostlevs``, ``*_originators`` and its directed flags), never from
the one dispute the whittle kept:

* ``coercion_onset``: a MID new in the dyad-year whose dyadic hostility (the higher of the two
  states' hostility levels) is a threat (2) or display (3) of force; ``coercion_onset_limited``
  2-4; ``mid_onset`` 2-5; ``mid_onset_originators`` a new MID (2-5) in which both states are
  originators. With several new disputes, the dyad-year is 1 if any of them qualifies.
* ``mid_ongoing``: any MID (2-5) active in the dyad-year, the onset year included
  (peacesciencer's ``cowmidongoing``); ``mid_continuing``: a MID active that began in an
  earlier year and no new MID this year. ``build.ongoing: drop`` removes the
  ``mid_continuing`` rows from both frames; ``keep`` (default) keeps them with onsets coded 0.
* Directed: ``coercion_initiated`` (A is a side-A originator whose own hostility in a new
  dispute is 2 or 3, B is on side B), ``mid_initiated`` (same, any hostility 2-5 in the dyad).
* Peace years under ``build.peace_years.rule: ongoing``: a year ends the spell when any
  dispute of the outcome's kind is active in it (``_act_<o>``: hostility in the band, both
  originators for ``mid_onset_originators``, A the side-A originator for the directed ones),
  again over all disputes of the (directed) dyad-year.
* TIES (1945-2005): ``sanction_threat_onset`` / ``sanction_imposition_onset`` (either
  direction) and ``sanction_threat_initiated`` / ``sanction_imposition_initiated`` (ccode1 the
  sender, ccode2 the target).
* ICB (the manifest's coverage, 1918-2017): ``icb_crisis_trigger`` (directed: ccode1 triggered
  a crisis for ccode2 this year) and ``icb_crisis_onset`` (either direction); see ``dyadstats.events.icb``.

Everything is DuckDB SQL: one join pass builds the row-wise columns, two window passes add the
peace years and the ``_lag1`` twins, and the result streams to Parquet sorted by key.

Where each part lives: ``frame.options`` (the ``build`` section), ``frame.outcomes`` (outcome
conditions), ``frame.event_flags`` (event flag tables), ``frame.columns`` (column lists),
``frame.sql`` (SELECT assembly), ``frame.roles`` (role columns), ``frame.prepare`` (the shared
connection), ``frame.write`` (one frame to Parquet, audit and codebook); this module runs them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dyadstats.frame.options import FrameOptions
from dyadstats.frame.prepare import prepare_frame_build
from dyadstats.frame.write import finish_frames, write_frame
from dyadstats.io.files import write_json

FRAMES = (("analysis_dyad_years", False), ("analysis_directed_dyad_years", True))


def build_frames(
    inputs: Mapping[str, str | Path],
    dyad_path: str | Path,
    directed_path: str | Path | None,
    audit_path: str | Path,
    codebook_path: str | Path,
    options: FrameOptions,
    threads: int | None = None,
) -> dict[str, Any]:
    """Build ``analysis_dyad_years`` and (unless ``build.frame.directed`` is false)
    ``analysis_directed_dyad_years`` in one connection, then the audit and codebook."""
    build = prepare_frame_build(inputs, options, threads)
    try:
        paths = {"analysis_dyad_years": dyad_path, "analysis_directed_dyad_years": directed_path}
        records = [write_frame(build, name, paths[name], directed)
                   for name, directed in FRAMES if options.directed or not directed]
    finally:
        build.con.close()
    return finish_frames(records, build.facts, build.coverage, audit_path, codebook_path, options)


def build_frame_part(
    inputs: Mapping[str, str | Path], directed: bool, path: str | Path, part_path: str | Path,
    options: FrameOptions, threads: int | None = None,
) -> dict[str, Any]:
    """One frame as its own job (the workflow builds the two in parallel): the Parquet and a
    JSON part (record, shared facts, coverage) that :func:`finish_frame_parts` gathers."""
    name = dict((d, n) for n, d in FRAMES)[directed]
    build = prepare_frame_build(inputs, options, threads)
    try:
        record = write_frame(build, name, path, directed)
    finally:
        build.con.close()
    part = {"record": record, "facts": build.facts, "coverage": build.coverage}
    write_json(part, part_path)
    return part


def finish_frame_parts(
    part_paths: Sequence[str | Path], audit_path: str | Path, codebook_path: str | Path, options: FrameOptions
) -> dict[str, Any]:
    """Gather the frame jobs' parts (non-directed first) into the stage audit and codebook."""
    parts = [json.loads(Path(p).read_text(encoding="utf-8")) for p in part_paths]
    parts.sort(key=lambda part: [n for n, _ in FRAMES].index(part["record"]["table"]))
    return finish_frames([p["record"] for p in parts], parts[0]["facts"], parts[0]["coverage"],
                         audit_path, codebook_path, options)
