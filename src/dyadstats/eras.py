"""The eras of the frame's ``era`` column, of the report's rate table and of era models.

The breaks are fixed (the end of the Second World War, the end of the Cold War); the outer
bounds follow the run's years (``build.first_year``, ``build.last_year``), so a run ending in
2010 has a last era "1990-2010", and an era outside the years is not coded at all.
"""

from __future__ import annotations

#: Last year of every era but the last.
ERA_ENDS = (1945, 1989)


def era_periods(first: int, last: int) -> list[tuple[str, int, int]]:
    """``(label, start, end)`` of each era meeting ``[first, last]``, clipped to those years."""
    starts = (first, *(end + 1 for end in ERA_ENDS))
    ends = (*ERA_ENDS, last)
    periods = []
    for start, end in zip(starts, ends, strict=True):
        start, end = max(start, first), min(end, last)
        if start <= end:
            periods.append((f"{start}-{end}", start, end))
    return periods


def era_labels(first: int, last: int) -> list[str]:
    """The era labels a frame built for ``[first, last]`` carries, in time order."""
    return [label for label, _, _ in era_periods(first, last)]
