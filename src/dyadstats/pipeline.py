"""The build stages upstream of the frames, run in one process from a run plan.

The Snakemake rules run each stage as its own job, and independent jobs side by side; the
Python API (:mod:`dyadstats.api.build`) and the benchmark's one-process job
(:mod:`dyadstats.bench_stages`) run the same stage functions here, with the same overlap: the
events stage reads only ingested tables, so it runs beside the universe (and the declared roles
that read the universe's ``state_years``) unless ``build.events.source`` names a role table.
DuckDB releases the GIL while it executes, so the two threads keep both cores busy through the
stages' single-threaded parts (Parquet writes, small queries, audits).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dyadstats import stages
from dyadstats.plan import RunPlan

log = logging.getLogger(__name__)


def run_universe(plan: RunPlan) -> None:
    """The COW universe of the plan's years (state-years, dyad-years, directed dyad-years)."""
    first, last = plan.years
    stages.run_universe(plan.layout.ingest("cow_states"), plan.universe_outputs(),
                        plan.layout.audit("universe"), first, last)


def run_roles(plan: RunPlan) -> None:
    """The config's declared roles (their tables join the events or the frames)."""
    from dyadstats.roles.parse import role_kind

    layout = plan.layout
    for role in plan.roles.all():
        kind = role_kind(role)
        stages.run_role(role, layout.ingest(role.table), layout.frame("state_years"),
                        layout.role(kind, role.name), layout.role_audit(kind, role.name))


def run_events(plan: RunPlan) -> None:
    """The event dyad-year tables of the plan's event source."""
    stages.run_events(plan.events_inputs(), plan.events_outputs(), plan.layout.audit("events"),
                      plan.event_source, plan.whittle_order, plan.event_role)


def run_upstream(plan: RunPlan, roles: bool = True) -> None:
    """Universe, roles (unless ``roles`` is false) and events: everything the frames read.

    Events run in a second thread beside universe + roles when they read no role table. Both
    threads are waited for; the first error (in stage order) is raised, and what either stage
    wrote is whole (every output is written atomically), so a rerun picks up from there.
    """
    def universe_and_roles() -> None:
        run_universe(plan)
        if roles:
            run_roles(plan)

    if plan.event_role is not None:  # the events read a role table built after the universe
        universe_and_roles()
        run_events(plan)
        return
    steps: list[Callable[[], None]] = [universe_and_roles, lambda: run_events(plan)]
    with ThreadPoolExecutor(max_workers=len(steps), thread_name_prefix="dyadstats-build") as pool:
        futures = [pool.submit(step) for step in steps]
    for future in futures:
        future.result()
