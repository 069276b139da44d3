"""The SELECT of a model's sample rows: derived columns, its own peace years, its filter.

One function, so the models stage and the sample-membership table read the same rows.
"""

from __future__ import annotations

from dyadstats.frame.spells import spell_stage_one, spell_stage_two
from dyadstats.models.resolve import Resolved

#: The unit a spell runs over: the dyad (directed frames: the ordered pair), as the frame does.
SPELL_UNIT = "ccode1, ccode2"


def sample_select(resolved: Resolved, relation: str) -> str:
    """SQL selecting ``resolved``'s sample rows (before listwise deletion) from ``relation``.

    A model that recounts its peace years (``peace_years_over: sample`` or a rule other than
    the frame's) gets them from the same window functions the frame uses, run over every frame
    row (``universe``) or over the rows its filter keeps (``sample``: rows, not calendar years,
    are counted, so a dyad that leaves the sample and comes back continues its spell, as
    peacesciencer's add_spells() after filter_prd() does).
    """
    derived = "".join(f', {expr} AS "{name}"' for name, expr in resolved.derived.items())
    spells = resolved.spells
    if spells is None:
        return f"SELECT *{derived} FROM {relation} WHERE {resolved.where}"
    replaced = ", ".join(f'"{c}"' for c in spells.replaces)
    exclude = f" EXCLUDE ({replaced})" if replaced else ""
    rows = f"SELECT *{exclude}{derived} FROM {relation}"
    if spells.over == "sample":
        rows += f" WHERE {resolved.where}"
    o = spells.outcome
    one = ", ".join(f"{sql} AS {name}" for name, sql in spell_stage_one(o, spells.event, SPELL_UNIT))
    two = ", ".join(f"{sql} AS {name}" for name, sql in spell_stage_two(o, SPELL_UNIT))
    counted = (f"SELECT * EXCLUDE (_idx_{o}, _evt_{o}) FROM "
               f"(SELECT *, {two} FROM (SELECT *, {one} FROM ({rows})))")
    return f"SELECT * FROM ({counted}) WHERE {resolved.where if spells.over == 'universe' else 'TRUE'}"
