"""The frames' outcome vocabulary: each outcome's onset and 'active' conditions over the events
stage's tables (MID, TIES, ICB, war), and the event columns the frame reads."""

from __future__ import annotations

from dyadstats.events.icb import ICB_DIRECTED_OUTCOMES, ICB_OUTCOMES
from dyadstats.events.war import WAR_DIRECTED_OUTCOMES, WAR_OUTCOMES


# Non-directed MID outcomes. Every one asks "does any dispute of this dyad-year satisfy X", so
# it is read from the events stage's hostility-level lists over *all* dispute-dyad-years before
# the whittle (``dyadstats.events.mid.HOSTLEV_LISTS``), never from the kept dispute's own fields:
# the whittle prefers the higher fatality and hostility, so a kept use of force can hide a new
# threat, or a kept dispute with one originator a new one with two (US-Cuba 1983: MID 3058
# kept, MID 2981 has both as originators).
def _any_level(levels: str, lo: int, hi: int) -> str:
    """SQL: the hostility-level list ``levels`` holds a level in ``lo..hi``."""
    return f"list_has_any({levels}, {list(range(lo, hi + 1))})"


# outcome -> (onset condition, 'active' condition for the ongoing peace-years rule)
MID_OUTCOMES: dict[str, tuple[str, str]] = {
    "coercion_onset": (_any_level("onset_hostlevs", 2, 3), _any_level("active_hostlevs", 2, 3)),
    "coercion_onset_limited": (_any_level("onset_hostlevs", 2, 4), _any_level("active_hostlevs", 2, 4)),
    "mid_onset": (_any_level("onset_hostlevs", 2, 5), _any_level("active_hostlevs", 2, 5)),
    "mid_onset_originators": (
        _any_level("onset_hostlevs_originators", 2, 5),
        _any_level("active_hostlevs_originators", 2, 5),
    ),
}
# mid_ongoing: any MID (2-5) active in the dyad-year, whichever dispute was kept.
MID_ONGOING = _any_level("active_hostlevs", 2, 5)
# Directed: the events stage codes initiation, and the active twins, over all disputes of the
# directed dyad-year (``sql/events/mid_directed_flags.sql``).
MID_DIRECTED_OUTCOMES: dict[str, tuple[str, str]] = {
    "coercion_initiated": ("coercion_initiated = 1", "coercion_initiator_active = 1"),
    "mid_initiated": ("mid_initiated = 1", "mid_initiator_active = 1"),
}
# TIES rows exist only in onset years (cases carry no yearly duration), so 'active' = onset.
TIES_OUTCOMES: dict[str, str] = {
    "sanction_threat_onset": "sanction_threat_onset",
    "sanction_imposition_onset": "sanction_imposition_onset",
}
TIES_DIRECTED_OUTCOMES: dict[str, str] = {
    "sanction_threat_initiated": "sanction_threat_onset",
    "sanction_imposition_initiated": "sanction_imposition_onset",
}
MID_COLUMNS = ("ccode1", "ccode2", "year", "onset_hostlevs", "active_hostlevs",
               "onset_hostlevs_originators", "active_hostlevs_originators")
MID_DIRECTED_COLUMNS = ("ccode1", "ccode2", "year", "mid_initiated", "coercion_initiated",
                        "mid_initiator_active", "coercion_initiator_active")
TIES_COLUMNS = ("ccode1", "ccode2", "year", "sanction_threat_onset", "sanction_imposition_onset")

# What a frame can leave out (``build.frame``; the defaults build everything). A narrow frame is
# the same SQL with fewer columns and joins, so every column it has is byte-for-byte the full
# frame's column.
ALL_OUTCOMES: tuple[str, ...] = (*MID_OUTCOMES, *TIES_OUTCOMES, *MID_DIRECTED_OUTCOMES, *TIES_DIRECTED_OUTCOMES,
                                 *ICB_OUTCOMES, *ICB_DIRECTED_OUTCOMES, *WAR_OUTCOMES, *WAR_DIRECTED_OUTCOMES)
ICB_OUTCOME_NAMES: tuple[str, ...] = (*ICB_OUTCOMES, *ICB_DIRECTED_OUTCOMES)
