"""Synthetic *ingested* tables at any multiple of the real number of dyad-years (benchmarks).

The performance benchmark's ``scale`` case needs the build stages (universe, events, frame) to
run on inputs many times larger than the real data, with the same table names, column names
and column types as ``results/ingest/*.parquet``. :func:`write_world` writes such a world:

* **States.** ``N`` states with distinct COW-range codes (2..999, skipping the codes that the
  democracy crosswalks recode, so that no synthetic state is merged into another). Most are
  members from 1816-01-01 to 2016-12-31; a tenth enter late (a random day of a random year) and
  a twentieth leave and re-enter (two spells), so the same-day rule and membership gaps are
  exercised. ``N`` is chosen by bisection so that the number of non-directed dyad-years in the
  configured years is ``factor`` times that of the real COW system (the template).
  Because ``dyad_id = ccode1 * 1000 + ccode2``, codes stay below 1000: about 55x is the most.
* **Geography.** States sit at random points of the unit square; each state's nearest
  neighbours are directly contiguous (COW type 1 by land, 2-5 by water, by rank), all pairs get
  a minimum distance (km) every year from 1886, as CShapes-based ``ps_cow_mindist`` does.
* **Regimes and capabilities.** Polity2 follows a persistent AR(1) walk in -10..10 per state;
  V-Dem polyarchy, UDS and BMR are monotone images of it; CINC is log-normal with AR(1) drift,
  normalised to sum to 1 per year; the top 3% of states by mean CINC are major powers.
* **Alliances.** Neighbouring pairs share defence pacts for random spells (COW to 2012, ATOP
  to 2018), written in both directions as the peacesciencer tables are.
* **Events.** ``2436 * factor`` MID 5.0 disputes (MIDA) with their participants (MIDB): an
  originator on side A and one on side B (a neighbour 60% of the time), sometimes a joiner;
  joint democracies are drawn less often, so the standard model has a real negative effect to
  find. ``1412 * factor`` TIES cases 1945-2005 with threats and impositions.

Columns that no stage reads are written as typed NULLs; tables no build stage reads at scale
(ICB, dyadic MID 4.02, the peacesciencer reference tables) are copied from the template as is.
Everything is seeded: the same arguments give the same tables. The draws live in
:mod:`dyadstats.testing.synthetic_draws`, the table writers in
:mod:`dyadstats.testing.synthetic_tables`.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from dyadstats.testing.synthetic_draws import World, choose_states, real_dyad_years
from dyadstats.testing.synthetic_tables import (
    write_dyadic,
    write_events,
    write_mindist,
    write_state_years,
    write_states,
)

log = logging.getLogger("dyadstats.testing.synthetic_world")

__all__ = ["SYNTHESISED", "choose_states", "real_dyad_years", "write_world"]

SYNTHESISED = ("cow_states", "cow_majors", "cow_contdird", "nmc", "polity5", "vdem", "bmr", "uds",
               "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist", "mid5_disputes",
               "mid5_participants", "ties")


def write_world(template: str | Path, out: str | Path, factor: float = 1.0, seed: int = 20250101,
                first_year: int = 1816, last_year: int = 2014) -> dict[str, Any]:
    """Write a synthetic ingested world ``factor`` times the real dyad-years into ``out``.

    ``template`` is a directory of real ingested tables (``results/ingest``): their schemas are
    copied exactly, and the tables no build stage reads at scale are copied whole. Returns a
    summary (states, dyad-years, rows per table). Reuses ``out`` when its summary matches.
    """
    import json

    template, out = Path(template), Path(out)
    target = round(real_dyad_years(template, first_year, last_year) * factor)
    summary_path = out / "_world.json"
    key = {"factor": factor, "seed": seed, "first_year": first_year, "last_year": last_year,
           "target_dyad_years": target, "generator": 1}
    if summary_path.exists():
        summary = json.loads(summary_path.read_text())
        if summary.get("key") == key:
            return summary
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    n = choose_states(target, seed, first_year, last_year)
    log.info("synthetic world %gx: %d states for about %s dyad-years", factor, n, f"{target:,}")
    world = World(n, seed, first_year, last_year)
    schemas = {p.stem: pq.read_schema(p) for p in template.glob("*.parquet")}
    schemas = {k: s.remove_metadata() for k, s in schemas.items()}
    rows: dict[str, int] = {}
    rows.update(write_states(world, schemas, out))
    rows.update(write_state_years(world, schemas, out))
    rows.update(write_dyadic(world, schemas, out))
    rows["ps_cow_mindist"] = write_mindist(world, schemas["ps_cow_mindist"], out)
    rows.update(write_events(world, schemas, out, factor))
    for name in sorted(set(schemas) - set(SYNTHESISED)):
        shutil.copy2(template / f"{name}.parquet", out / f"{name}.parquet")
    summary = {"key": key, "factor": factor, "states": n, "dyad_years": world.dyad_years,
               "target_dyad_years": target, "rows": rows}
    summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
