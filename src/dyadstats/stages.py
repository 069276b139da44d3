"""The stage functions: one ``run_<stage>()`` per workflow step, on explicit paths and options.

Three front ends call exactly these: the workflow's rule bodies (each ``run:`` is one call),
the benchmark's stage runner (:mod:`dyadstats.bench_stages`) and the Python API
(:mod:`dyadstats.api`). A stage function takes typed arguments (paths, a parsed option object,
a spec) and knows nothing about Snakemake; what it reads and with which parameters for a given
config is :mod:`dyadstats.plan`'s business, where files live :mod:`dyadstats.paths`'.

The heavy imports (DuckDB, pandas, statsmodels) happen inside each function, so importing this
module is cheap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from dyadstats.frame.options import FrameOptions
    from dyadstats.ingest.manifest import SourceFile
    from dyadstats.models.estimate import ModelResult
    from dyadstats.multiverse import Expansion
    from dyadstats.roles.parse import CovariateRole, DemocracyRole, EventRole

PathLike = str | Path


def _read_json(paths: Sequence[PathLike]) -> list[dict[str, Any]]:
    return [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]


# -- acquire and ingest --------------------------------------------------------------------------

def run_acquire(item: SourceFile, dest: PathLike, mirrors: Sequence[Path]) -> str:
    """Copy ``item`` from the first mirror that has it, or download it; verify its sha256."""
    from dyadstats.ingest.acquire import acquire

    return acquire(item, dest, mirrors)


def run_ingest(item: SourceFile, raw: PathLike, parquet: PathLike, audit: PathLike) -> dict[str, Any]:
    """One verified raw file -> its canonical Parquet table and the table's audit record."""
    from dyadstats.ingest.canonical import ingest_file
    from dyadstats.io.files import write_json

    record = ingest_file(item, raw, parquet)
    write_json(record, audit)
    return record


def run_stage_audit(stage: str, parts: Sequence[PathLike], out: PathLike) -> None:
    """Gather per-table audit records (ingest, roles) into ``results/audit/<stage>.json``."""
    from dyadstats.audit import write_stage_audit

    write_stage_audit(stage, _read_json(parts), out)


# -- universe, roles, events ---------------------------------------------------------------------

def run_universe(states: PathLike, outputs: Mapping[str, PathLike], audit: PathLike,
                 first_year: int, last_year: int) -> dict[str, Any]:
    """COW state spells -> ``state_years``, ``dyad_years``, ``directed_dyad_years`` (+ audit);
    the directed table only if ``outputs`` names it."""
    from dyadstats.universe import build_universe

    return build_universe(states, outputs["state_years"], outputs["dyad_years"],
                          outputs.get("directed_dyad_years"), audit,
                          first_year=first_year, last_year=last_year)


def run_role(role: DemocracyRole | EventRole | CovariateRole, table: PathLike,
             state_years: PathLike, out: PathLike, audit: PathLike) -> dict[str, Any]:
    """One declared role -> its canonical table, checked against the state system (+ audit)."""
    from dyadstats.io.files import write_json
    from dyadstats.roles.tables import build_role_table

    record = build_role_table(role, table, state_years, out)
    write_json(record, audit)
    return record


def run_events(inputs: Mapping[str, PathLike], outputs: Mapping[str, PathLike], audit: PathLike,
               source: str, whittle_order: Sequence[str] | None = None,
               event_role: EventRole | None = None) -> dict[str, Any]:
    """MID (or a ``roles.events`` source), TIES and ICB -> the event dyad-year tables (+ audit)."""
    from dyadstats.events.build import build_events

    return build_events(dict(inputs), dict(outputs), audit, source=source,
                        whittle_order=whittle_order, event_role=event_role)


# -- frame ---------------------------------------------------------------------------------------

def run_frame(inputs: Mapping[str, PathLike], directed: bool, frame: PathLike, part: PathLike,
              options: FrameOptions, threads: int | None = None) -> dict[str, Any]:
    """One analysis frame (one job) and its audit part for :func:`run_frame_audit`."""
    from dyadstats.frame.build import build_frame_part

    return build_frame_part(inputs, directed, frame, part, options, threads)


def run_frame_audit(parts: Sequence[PathLike], audit: PathLike, codebook: PathLike,
                    options: FrameOptions) -> dict[str, Any]:
    """The frame jobs' parts -> the frame stage audit and the codebook."""
    from dyadstats.frame.build import finish_frame_parts

    return finish_frame_parts(parts, audit, codebook, options)


def run_frames(inputs: Mapping[str, PathLike], outputs: Mapping[str, PathLike], audit: PathLike,
               codebook: PathLike, options: FrameOptions, threads: int | None = None) -> dict[str, Any]:
    """Both frames in one process and one connection (the shared tables built once), then the
    audit and codebook; ``outputs`` maps frame names to paths (the directed one only if the
    options keep it)."""
    from dyadstats.frame.build import build_frames

    return build_frames(inputs, outputs["analysis_dyad_years"], outputs.get("analysis_directed_dyad_years"),
                        audit, codebook, options, threads)


# -- models --------------------------------------------------------------------------------------

def run_model(frame: PathLike, spec: Mapping[str, Any], estimates: PathLike, fit: PathLike,
              predictions: PathLike, sample: PathLike | None = None) -> ModelResult:
    """Fit one model spec (a :meth:`ModelSpec.to_dict`) -> its three per-model Parquet tables
    and, given ``sample``, its sample membership."""
    from dyadstats.models import run_model

    return run_model(str(frame), spec, str(estimates), str(fit), str(predictions),
                     None if sample is None else str(sample))


def run_models(names: Sequence[str], parts: Mapping[str, Sequence[PathLike]],
               outputs: Mapping[str, PathLike], audit: PathLike) -> None:
    """Gather the per-model tables (in ``names`` order) into the three tidy tables + audit."""
    from dyadstats.models import gather_models

    gather_models(list(names), *(list(map(str, parts[p])) for p in ("estimates", "fit", "predictions")),
                  *(str(outputs[p]) for p in ("estimates", "fit", "predictions")), str(audit))


def run_multiverse_chunk(frame: PathLike, specs: Sequence[Mapping[str, Any]], chunk: str,
                         out: PathLike, threads: int = 1) -> None:
    """One chunk of multiverse specifications (read the frame once, fit each), in a process of
    its own: chunk jobs side by side would share one GIL (:mod:`dyadstats.multiverse.child`)."""
    from dyadstats.multiverse.child import run_chunk_in_child

    run_chunk_in_child(str(frame), specs, chunk, str(out), threads)


def run_multiverse_gather(chunks: Sequence[PathLike], expansion: Expansion,
                          outputs: Mapping[str, PathLike], alpha: float) -> pd.DataFrame:
    """All chunks -> ``model_multiverse``, the skipped combinations, summaries and the audit.
    ``outputs``: table, skipped, levels, dimensions, summary, audit."""
    import logging

    from dyadstats.multiverse import gather, skip_summary

    skips = skip_summary(expansion.skipped)
    log = logging.getLogger("dyadstats.multiverse")
    for rule_name, entry in skips.items():
        log.info("skipped %d combination(s) by rule %s: %s", entry["count"], rule_name,
                 " | ".join(entry["reasons"]))
    return gather(
        [str(c) for c in chunks], expansion.skipped_frame(),
        table_path=str(outputs["table"]), skipped_path=str(outputs["skipped"]),
        levels_path=str(outputs["levels"]), dimensions_path=str(outputs["dimensions"]),
        summary_path=str(outputs["summary"]), audit_path=str(outputs["audit"]),
        alpha=alpha, skip_log=skips,
    )


def run_multiverse_figure(table: PathLike, levels: Mapping[str, Sequence[str]], out_dir: PathLike,
                          alpha: float, labels: Mapping[str, str]) -> list[Path]:
    """The specification curve (PNG embedded in the report, SVG beside it)."""
    from dyadstats.report.spec_curve import write_specification_curve

    return write_specification_curve(table, levels, out_dir, alpha, labels)


# -- audit, database, report ---------------------------------------------------------------------

def run_audit_tables(audits: Sequence[PathLike], stages_out: PathLike, drops_out: PathLike) -> None:
    """Stage audits (JSON) -> ``audit_stages`` and ``audit_drops`` (Parquet, stage order)."""
    from dyadstats.audit import stage_rank, write_audit_tables

    records = _read_json(audits)
    records.sort(key=lambda a: stage_rank(str(a.get("stage", ""))))
    write_audit_tables(records, stages_out, drops_out)


def run_database(tables: Mapping[str, PathLike | Sequence[PathLike]], out: PathLike) -> None:
    """Register every stage's Parquet tables as views in one DuckDB file (a list of files:
    one view over all of them)."""
    from dyadstats.io.db import build_database

    build_database(tables, out)


def run_report(**kwargs: Any) -> dict[str, list[str]]:
    """The report from the stage database (:func:`dyadstats.report.build_report`'s arguments)."""
    from dyadstats.report import build_report

    return build_report(**kwargs)
