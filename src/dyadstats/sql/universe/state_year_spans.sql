-- One row per state, calendar year and membership spell: the part of the spell inside that year.
-- Input: view `cow_states` (ingested COW states2016 spells). Parameters: $first_year, $last_year.
-- A state with two spells in one year (exit and re-entry) has two rows for that year; the exact
-- dates are kept so that dyads can apply the same-day rule.
WITH spells AS (
    SELECT
        ccode,
        stateabb,
        make_date(styear, stmonth, stday) AS spell_start,
        make_date(endyear, endmonth, endday) AS spell_end
    FROM cow_states
),
years AS (
    SELECT range AS year FROM range($first_year::BIGINT, $last_year::BIGINT + 1)
)
SELECT
    s.ccode,
    s.stateabb,
    y.year,
    greatest(s.spell_start, make_date(y.year, 1, 1)) AS span_start,
    least(s.spell_end, make_date(y.year, 12, 31)) AS span_end
FROM spells AS s
JOIN years AS y ON y.year BETWEEN year(s.spell_start) AND year(s.spell_end)
