"""Sample statistics from the analysis frame, computed in DuckDB SQL (group-bys, no loops).

* ``sample_by_outcome``: dyad-years, dyads, years and events for each coercion coding, counting
  only dyad-years where the coding is defined (outcomes are NULL outside a source's coverage).
* ``rates_by_regime_pair``: events per 1,000 dyad-years by regime-pair type, overall and by era.
* ``rates_over_time``: the same rate in year bins, for the time figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from dyadstats.errors import SchemaError
from dyadstats.report.inputs import FRAME_TABLE
from dyadstats.report.options import REGIME_PAIRS, Era, ReportOptions

ALL_YEARS = "all years"


def frame_columns(con: duckdb.DuckDBPyConnection, table: str = FRAME_TABLE) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def check_frame(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> None:
    """Fail with the missing column names if the frame lacks what the report counts."""
    present = set(frame_columns(con))
    if not present:
        raise SchemaError(f"table '{FRAME_TABLE}' is missing from the stage database; run the build stage")
    needed = ["dyad_id", "year", regime_column(options), *options.outcomes, options.time_outcome]
    missing = sorted({c for c in needed if c not in present})
    if missing:
        raise SchemaError(f"table '{FRAME_TABLE}' lacks column(s) {', '.join(missing)} (report config)")


def regime_column(options: ReportOptions) -> str:
    return f"regime_pair_{options.democracy_measure}"


def _long_outcomes_sql(outcomes: Sequence[str], extra: str) -> str:
    """Stack the outcome columns (NULLs dropped: outside coverage the coding is undefined)."""
    cols = ", ".join(f'"{o}"' for o in outcomes)
    return (
        f"SELECT outcome, value, dyad_id, year{extra} FROM "
        f"(UNPIVOT (SELECT dyad_id, year{extra}, {cols} FROM {FRAME_TABLE}) "
        f"ON {cols} INTO NAME outcome VALUE value)"
    )


def _era_case(eras: Sequence[Era]) -> str:
    whens = " ".join(
        f"WHEN year BETWEEN {int(e.start)} AND {int(e.end)} THEN '{e.label.replace(chr(39), chr(39) * 2)}'"
        for e in eras
    )
    return f"CASE {whens} END"


def _outcome_order(outcomes: Sequence[str]) -> str:
    return "CASE outcome " + " ".join(f"WHEN '{o}' THEN {i}" for i, o in enumerate(outcomes)) + " END"


def sample_by_outcome(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> pd.DataFrame:
    """One row per outcome coding: dyad-years, dyads, years (count, first, last) and events."""
    sql = f"""
        SELECT outcome,
               count(*) AS dyad_years,
               count(DISTINCT dyad_id) AS dyads,
               count(DISTINCT year) AS years,
               min(year) AS first_year,
               max(year) AS last_year,
               sum(value)::BIGINT AS events
        FROM ({_long_outcomes_sql(options.outcomes, "")})
        GROUP BY outcome
        ORDER BY {_outcome_order(options.outcomes)}
    """
    found = con.execute(sql).df()
    # An outcome NULL everywhere has no row after UNPIVOT; keep it, with zero counts.
    full = pd.DataFrame({"outcome": list(options.outcomes)}).merge(found, on="outcome", how="left")
    for c in ("dyad_years", "dyads", "years", "events"):
        full[c] = full[c].fillna(0).astype("int64")
    for c in ("first_year", "last_year"):
        full[c] = full[c].astype("Int64")
    return full


def rates_by_regime_pair(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> pd.DataFrame:
    """Events per 1,000 dyad-years by outcome x period (all years, then each era) x regime pair.

    Dyad-years whose regime pair is undefined (a democracy score missing) are left out; the
    stage audit counts them.
    """
    regime = regime_column(options)
    era_labels = [ALL_YEARS, *(e.label for e in options.eras)]
    period_order = "CASE period " + " ".join(
        f"WHEN '{p.replace(chr(39), chr(39) * 2)}' THEN {i}" for i, p in enumerate(era_labels)
    ) + " END"
    pair_order = "CASE regime_pair " + " ".join(
        f"WHEN '{p}' THEN {i}" for i, p in enumerate(REGIME_PAIRS)
    ) + " END"
    sql = f"""
        WITH long AS (
            SELECT outcome, value, "{regime}" AS regime_pair, {_era_case(options.eras)} AS era
            FROM ({_long_outcomes_sql(options.outcomes, f', "{regime}"')})
            WHERE "{regime}" IS NOT NULL
        ),
        grouped AS (
            SELECT outcome,
                   CASE WHEN grouping(era) = 1 THEN '{ALL_YEARS}' ELSE era END AS period,
                   regime_pair,
                   count(*) AS dyad_years,
                   sum(value)::BIGINT AS events
            FROM long
            GROUP BY GROUPING SETS ((outcome, regime_pair), (outcome, era, regime_pair))
        )
        SELECT outcome, period, regime_pair, dyad_years, events,
               1000.0 * events / dyad_years AS rate_per_1000
        FROM grouped
        WHERE period IS NOT NULL
        ORDER BY {_outcome_order(options.outcomes)}, {period_order}, {pair_order}
    """
    return con.execute(sql).df()


def rates_over_time(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> pd.DataFrame:
    """Events of ``time_outcome`` per 1,000 dyad-years by year bin and regime pair."""
    regime = regime_column(options)
    width = int(options.time_bin_years)
    sql = f"""
        SELECT (year // {width}) * {width} AS bin_start,
               (year // {width}) * {width} + {width - 1} AS bin_end,
               "{regime}" AS regime_pair,
               count(*) AS dyad_years,
               sum("{options.time_outcome}")::BIGINT AS events,
               1000.0 * sum("{options.time_outcome}") / count(*) AS rate_per_1000
        FROM {FRAME_TABLE}
        WHERE "{options.time_outcome}" IS NOT NULL AND "{regime}" IS NOT NULL
        GROUP BY ALL
        ORDER BY bin_start, regime_pair
    """
    return con.execute(sql).df()


def coverage_audit(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> list[dict]:
    """Per outcome: frame rows in, rows counted in the regime-pair rates, drops by reason."""
    regime = regime_column(options)
    selects = " UNION ALL ".join(
        f"""SELECT '{o}' AS outcome, {i} AS k,
                   count(*) AS rows_in,
                   count(*) FILTER (WHERE "{o}" IS NULL) AS outcome_null,
                   count(*) FILTER (WHERE "{o}" IS NOT NULL AND "{regime}" IS NULL) AS regime_null
            FROM {FRAME_TABLE}"""
        for i, o in enumerate(options.outcomes)
    )
    rows = con.execute(f"SELECT outcome, rows_in, outcome_null, regime_null FROM ({selects}) ORDER BY k").fetchall()
    return [
        {
            "outcome": o,
            "rows_in": int(n),
            "dropped": {
                "outcome undefined (outside the event source's coverage)": int(on),
                f"{regime} undefined (a democracy score missing)": int(rn),
            },
            "rows_out": int(n - on - rn),
        }
        for o, n, on, rn in rows
    ]
