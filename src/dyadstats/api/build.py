"""Recipe -> the workflow's stage functions -> one analysis frame in the API's cache.

The recipe becomes a ``build`` config section (:meth:`Recipe.build_section`), the config a
:class:`dyadstats.plan.RunPlan` whose layout is the recipe's cache directory; then the same
stage functions the workflow's rules call run (:mod:`dyadstats.stages`): ingest (via
:func:`dyadstats.api.home.ensure_ingested`), universe and roles beside events
(:func:`dyadstats.pipeline.run_upstream`), then the frame. The frame
is a narrow build (``build.frame``) of the workflow's frame: the same SQL with fewer columns and
joins, so every column it has equals the full frame's.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadstats import stages
from dyadstats.api.cache import prune, record_use
from dyadstats.api.home import Home, code_fingerprint, ensure_ingested, load_config
from dyadstats.api.recipe import Recipe
from dyadstats.paths import frame_name
from dyadstats.pipeline import run_upstream
from dyadstats.plan import EVENT_SOURCES, RunPlan, frame_sources

if TYPE_CHECKING:
    from dyadstats.frame.options import FrameOptions

log = logging.getLogger("dyadstats.api")

#: Config keys the API takes from the workflow config (the build section is the recipe's).
CONFIG_KEYS = ("manifest", "mirrors", "extra_sources", "roles")


@dataclass(frozen=True)
class Built:
    """A materialised recipe: the frame's Parquet file and the columns the verbs asked for."""

    path: Path
    columns: tuple[str, ...]
    directory: Path


def recipe_config(recipe: Recipe, home: Home) -> dict[str, Any]:
    base = load_config(recipe.config, home.repo)
    config = {k: base[k] for k in CONFIG_KEYS if k in base}
    config["build"] = recipe.build_section()
    return config


def recipe_plan(recipe: Recipe, home: Home) -> RunPlan:
    """The run plan of a recipe, laid out under its own cache directory."""
    config = recipe_config(recipe, home)
    probe = RunPlan.from_config(config, home.repo)
    key_doc = recipe_key_doc(probe)
    key = hashlib.sha256(json.dumps(key_doc, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return RunPlan(config, probe.manifest, probe.mirrors, home.recipe_layout(key))


def recipe_key_doc(plan: RunPlan) -> dict[str, Any]:
    """What a recipe's cache key hashes (its cache record, :mod:`dyadstats.api.cache`)."""
    used = sorted(set(needed_tables(plan)))
    return {
        "config": {k: plan.config.get(k) for k in ("build", "roles", "extra_sources")},
        "sha256": {t: plan.manifest[t].sha256 for t in used if t in plan.manifest},
        "code": code_fingerprint(),
    }


def needed_tables(plan: RunPlan) -> list[str]:
    """The ingested tables the universe, roles, events and frame stages read."""
    return ["cow_states", *EVENT_SOURCES, *frame_sources(plan.build), *(r.table for r in plan.roles.all())]


def visible_columns(recipe: Recipe, options: FrameOptions) -> tuple[str, ...]:
    """The frame's columns the verbs asked for, in frame order.

    Columns a filter alone needed (``filter_prd`` reads contiguity and major powers), the MID
    ongoing flags without a MID verb and the peace years without ``add_peace_years`` are left
    out; keys, era and the columns of every verb used stay.
    """
    from dyadstats.frame.codebook import ONGOING, frame_registry
    from dyadstats.frame.options import CONTROL_COLUMN_GROUPS

    shown = set(recipe.controls)
    ongoing = {c.name for c in ONGOING}
    out = []
    for doc in frame_registry(recipe.directed, options):
        name = doc.name
        base = name.removesuffix("_lag1") if doc.lagged else name
        if base in CONTROL_COLUMN_GROUPS and not set(CONTROL_COLUMN_GROUPS[base]) <= shown:
            continue
        if name in ongoing and recipe.mid_source is None:
            continue
        if name.startswith(("peace_years_", "ongoing_")) and not recipe.peace_years:
            continue
        out.append(name)
    return tuple(out)


def materialise(recipe: Recipe, home: Home | None = None) -> Built:
    """Build (or reuse) the recipe's frame; return where it is and which columns to show."""
    home = home or Home.locate()
    plan = recipe_plan(recipe, home)
    options = plan.frame_options()
    layout = plan.layout
    name = frame_name(recipe.directed)
    path = Path(layout.frame(name))
    directory = Path(layout.root or ".")
    key_doc = recipe_key_doc(plan)
    if not path.is_file():
        log.info("building %s for the recipe in %s", name, Path(layout.frame(name)).parent.parent)
        ensure_ingested(plan, needed_tables(plan), home)
        run_upstream(plan)
        stages.run_frame(plan.frame_inputs(), recipe.directed, path, layout.frame_part(name), options)
        record_use(directory, key_doc)
        prune(directory.parent, key_doc["code"])
    else:
        record_use(directory, key_doc)
    return Built(path, visible_columns(recipe, options), directory)
