"""Peace years ("spells") per outcome, by window functions, plus a reference implementation.

Definition (the Beck-Katz-Tucker convention that peacesciencer's ``add_spells`` implements
through ``stevemisc::ps_spells(ongoing = FALSE)``):

* The count runs over the unit's rows in the sample, ordered by year, restricted to rows where
  the outcome is observed (not NULL: inside the event source's coverage).
* It is 0 in the unit's first observed row and in the row after every event row, and grows by
  one per row otherwise. An event row still carries the peace accumulated before the event
  (the event ends the spell; the next spell starts at 0 the year after).
* Which rows are "events" is the configurable rule (``build.peace_years.rule``):
  ``onset`` = years with a new event of that outcome; ``ongoing`` = every year in which an
  event of that kind is active (peacesciencer's ``conflict_event_type = "ongoing"``), so the
  clock restarts only once the dispute is over.

Rows, not calendar years, are counted, as ps_spells does: a dyad that leaves and re-enters
the system continues its spell over the gap. Outside an outcome's coverage the peace years
are NULL, and the count starts at 0 in the dyad's first covered year (e.g. 1945 for TIES).
"""

from __future__ import annotations

from collections.abc import Sequence


def peace_years_name(outcome: str) -> str:
    return f"peace_years_{outcome}"


def ongoing_name(outcome: str) -> str:
    """The column flagging the years an event of ``outcome``'s kind is active (onset included)."""
    return f"ongoing_{outcome}"


def peace_year_column_names(outcome: str) -> list[str]:
    """The three spell columns of one outcome: count, square, cube."""
    base = peace_years_name(outcome)
    return [base, f"{base}_2", f"{base}_3"]


def spell_stage_one(outcome: str, event: str, partition: str, order: str = "year") -> list[tuple[str, str]]:
    """First window pass: the running index of observed rows and the event flag per row.

    ``_idx_<o>`` = how many observed rows of the unit up to and including this one.
    """
    window = f"PARTITION BY {partition} ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    return [
        (f"_idx_{outcome}", f"CASE WHEN {outcome} IS NOT NULL THEN count({outcome}) OVER ({window}) END"),
        (f"_evt_{outcome}", f"CASE WHEN {outcome} IS NOT NULL THEN {event} END"),
    ]


def spell_stage_two(outcome: str, partition: str, order: str = "year",
                    powers: bool = True) -> list[tuple[str, str]]:
    """Second window pass: peace years = rows since the last earlier event row (or the start),
    with its square and cube unless ``powers`` is false (then :func:`spell_powers` adds them
    later, over the count, so the window runs once instead of once per power)."""
    window = f"PARTITION BY {partition} ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    last = f"coalesce(max(CASE WHEN _evt_{outcome} = 1 THEN _idx_{outcome} END) OVER ({window}), 0)"
    count = f"(_idx_{outcome} - {last} - 1)"
    counted = [(peace_years_name(outcome), f"CAST({count} AS INTEGER)")]
    return counted + (spell_powers(outcome, count) if powers else [])


def spell_powers(outcome: str, count: str) -> list[tuple[str, str]]:
    """The square and cube of the peace-years ``count`` (an SQL expression)."""
    base = peace_years_name(outcome)
    return [
        (f"{base}_2", f"CAST({count} * {count} AS INTEGER)"),
        (f"{base}_3", f"CAST({count} * {count} * {count} AS INTEGER)"),
    ]


def peace_years_reference(events: Sequence[int | None]) -> list[int | None]:
    """Peace years of one unit's rows in year order, computed by a plain loop (for tests).

    ``events`` holds the event flag per row (1/0) or None where the outcome is unobserved.
    """
    out: list[int | None] = []
    count = 0
    previous_event = False
    for e in events:
        if e is None:
            out.append(None)
            continue
        count = 0 if previous_event else count
        out.append(count)
        previous_event = e == 1
        count += 1
    # the first observed row starts at 0 because count starts at 0
    return out
