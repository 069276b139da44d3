"""One dyad-year's lineage, from the stage database: why a row is coded the way it is.

``dyadstats explain 200 220 1898`` answers a reviewer's "why is UK-France 1898 a coercion
onset?" in one command: the two states and their membership spells, the raw MID participant
rows of every dispute the pair shared that year, the dispute-dyad-years the pairing made and
which whittle rule removed each (``mid_whittle_log``), the whittled event row, every coding in
the analysis frame, and which models used the row (``model_sample``) or why they dropped it.

Everything is read from ``results/dyadstats.duckdb`` (read-only) with bound parameters; a
section whose table the run did not build (another event source, no models yet) says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.errors import DyadstatsError

# the identity columns of a frame row, printed in the heading rather than among the codings
ROW_KEYS = ("ccode1", "ccode2", "stateabb1", "stateabb2", "year", "dyad_id", "pair_id")
LAG_SUFFIX = "_lag1"
# why a table can be absent, shown after "<table> is not in the database"
MISSING_WHY = {
    "mid_whittle_log": " (a run from before the whittle log: rerun the events stage)",
    "model_sample": " (no models were fitted)",
}


class ExplainError(DyadstatsError):
    """The database is missing or the dyad-year is not in it."""


@dataclass(frozen=True)
class Section:
    """One titled block: column names and rows, or a note when there is nothing to show."""

    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    heading: str
    sections: list[Section] = field(default_factory=list)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _section(con: duckdb.DuckDBPyConnection, tables: set[str], table: str, title: str, sql: str,
             params: Sequence[Any] | Mapping[str, Any], note: str) -> Section:
    """Run ``sql`` (bound ``params``) as one section; say so when the run did not build ``table``."""
    if table not in tables:
        return Section(title, note=f"{table} is not in the database{MISSING_WHY.get(table, '')}")
    cur = con.execute(sql, dict(params) if isinstance(params, Mapping) else list(params))
    columns = tuple(d[0] for d in cur.description)
    rows = tuple(tuple(r) for r in cur.fetchall())
    return Section(title, columns, rows, "" if rows else note)


def _state_names(con: duckdb.DuckDBPyConnection, ccodes: Sequence[int], tables: set[str]) -> dict[int, str]:
    if "cow_states" not in tables:
        return {}
    rows = con.execute(
        "SELECT DISTINCT ccode, stateabb, statenme FROM cow_states WHERE ccode IN (?, ?)", list(ccodes)
    ).fetchall()
    return {int(c): f"{name} ({abb}, {c})" for c, abb, name in rows}


def _membership(con: duckdb.DuckDBPyConnection, ccodes: Sequence[int], tables: set[str]) -> Section:
    return _section(
        con, tables, "cow_states", "State-system membership (COW spells)",
        "SELECT ccode, stateabb, styear, stmonth, stday, endyear, endmonth, endday FROM cow_states "
        "WHERE ccode IN (?, ?) ORDER BY ccode, styear", ccodes, "neither code is a COW state",
    )


def _participants(con: duckdb.DuckDBPyConnection, a: int, b: int, year: int, tables: set[str]) -> Section:
    return _section(
        con, tables, "mid5_participants",
        "MID 5.0 participant rows of the disputes both states were in, active this year",
        """
        SELECT p.dispnum, p.ccode, p.stabb, p.sidea, p.styear, p.stmon, p.endyear, p.endmon,
               p.hostlev, p.hiact, p.orig, p.fatality
        FROM mid5_participants p
        WHERE p.ccode IN ($a, $b) AND $year BETWEEN p.styear AND p.endyear
          AND p.dispnum IN (SELECT dispnum FROM mid5_participants WHERE ccode = $a
                            INTERSECT SELECT dispnum FROM mid5_participants WHERE ccode = $b)
        ORDER BY p.dispnum, p.sidea DESC, p.ccode, p.styear
        """,
        {"a": a, "b": b, "year": year},
        "no MID 5.0 dispute had both states active this year",
    )


def _whittle(con: duckdb.DuckDBPyConnection, a: int, b: int, year: int, tables: set[str]) -> Section:
    return _section(
        con, tables, "mid_whittle_log",
        "Pairing and whittle: every dispute-dyad-year of the pair, and the rule that removed it",
        "SELECT dispnum, mid_onset, fatality, disp_hostlev, mindur, maxdur, recip, stmon, removed_by, "
        "removed_at_step FROM mid_whittle_log "
        "WHERE ccode1 = ? AND ccode2 = ? AND year = ? ORDER BY removed_at_step NULLS FIRST, dispnum",
        [a, b, year], "the pairing made no dispute-dyad-year for this pair and year",
    )


def _event_row(con: duckdb.DuckDBPyConnection, a: int, b: int, year: int, tables: set[str]) -> Section:
    return _section(
        con, tables, "mid_dyad_years", "The whittled event row (mid_dyad_years) the frame reads",
        "SELECT dispnum, mid_onset, mid_ongoing, hostlev, hostlev1, hostlev2, orig1, orig2, sidea1, sidea2, "
        "n_disputes, n_onsets, onset_hostlevs, active_hostlevs FROM mid_dyad_years "
        "WHERE ccode1 = ? AND ccode2 = ? AND year = ?",
        [a, b, year], "no event row: no dispute, so every MID outcome is 0 (inside the source's coverage)",
    )


def _format_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def coding_rows(columns: Sequence[str], values: Sequence[Any]) -> tuple[tuple[str, str, str], ...]:
    """(column, value, value of its ``_lag1`` twin) for every non-key column of a frame row."""
    by_name = dict(zip(columns, values, strict=True))
    rows = []
    for name in columns:
        if name in ROW_KEYS or name.endswith(LAG_SUFFIX):
            continue
        lagged = name + LAG_SUFFIX
        rows.append((name, _format_value(by_name[name]),
                     _format_value(by_name[lagged]) if lagged in by_name else ""))
    return tuple(rows)


def _codings(con: duckdb.DuckDBPyConnection, a: int, b: int, year: int, tables: set[str]) -> Section | None:
    """The analysis frame row; None when the pair is not a dyad-year of the universe."""
    if "analysis_dyad_years" not in tables:
        raise ExplainError("analysis_dyad_years is not in the database: run the pipeline first")
    cur = con.execute("SELECT * FROM analysis_dyad_years WHERE ccode1 = ? AND ccode2 = ? AND year = ?", [a, b, year])
    columns = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        return None
    return Section("Codings in analysis_dyad_years (value, and the previous year's value used by lagged models)",
                   ("column", "value", "lag1"), coding_rows(columns, row))


def _models(con: duckdb.DuckDBPyConnection, a: int, b: int, year: int, tables: set[str]) -> Section:
    return _section(
        con, tables, "model_sample", "Models: whether each fit used this dyad-year, and why not",
        "SELECT s.model, f.estimator, f.outcome, s.ccode1, s.ccode2, s.in_sample, s.reason_dropped "
        "FROM model_sample s LEFT JOIN model_fit f USING (model) "
        "WHERE s.year = $year AND ((s.ccode1 = $a AND s.ccode2 = $b) OR (s.ccode1 = $b AND s.ccode2 = $a)) "
        "ORDER BY s.model, s.ccode1",
        {"a": a, "b": b, "year": year},
        "no model's sample holds this dyad-year (outside every model's years or sample filter)",
    )


def explain_dyad_year(con: duckdb.DuckDBPyConnection, ccode1: int, ccode2: int, year: int) -> Explanation:
    """Collect the lineage of one non-directed dyad-year (the codes may come in either order)."""
    if ccode1 == ccode2:
        raise ExplainError(f"a dyad needs two different states, got {ccode1} twice")
    a, b = sorted((int(ccode1), int(ccode2)))
    tables = _tables(con)
    names = _state_names(con, (a, b), tables)
    heading = f"{names.get(a, a)} - {names.get(b, b)}, {year}"
    codings = _codings(con, a, b, year, tables)
    membership = _membership(con, (a, b), tables)
    if codings is None:
        return Explanation(
            heading,
            [membership, Section("In the universe", note=(
                f"{a}-{b} {year} is not a dyad-year of the universe: both states must be system "
                "members in that year (spells above) and the year inside build.first_year..last_year"))],
        )
    return Explanation(heading, [
        membership,
        _participants(con, a, b, year, tables),
        _whittle(con, a, b, year, tables),
        _event_row(con, a, b, year, tables),
        codings,
        _models(con, a, b, year, tables),
    ])


def format_section(section: Section) -> str:
    lines = [section.title, "-" * len(section.title)]
    if not section.rows:
        lines.append(f"  ({section.note})")
        return "\n".join(lines)
    cells = [[_format_value(v) for v in row] for row in section.rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(section.columns)]
    lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(section.columns, widths, strict=True)).rstrip())
    lines.extend("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells)
    return "\n".join(lines)


def format_explanation(explanation: Explanation) -> str:
    """Plain text for the console: the heading, then each section."""
    return "\n\n".join([explanation.heading, *(format_section(s) for s in explanation.sections)]) + "\n"


def explain(database: str | Path, ccode1: int, ccode2: int, year: int) -> str:
    """Open the stage database read-only and explain one dyad-year."""
    path = Path(database)
    if not path.is_file():
        raise ExplainError(f"{path}: no stage database; run `dyadstats run` first (or pass --database)")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return format_explanation(explain_dyad_year(con, ccode1, ccode2, year))
    finally:
        con.close()
