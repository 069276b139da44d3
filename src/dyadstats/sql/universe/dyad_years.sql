-- Non-directed dyad-years (ccode1 < ccode2) under the same-day rule: two states form a dyad in a
-- year only if some membership span of each, inside that year, shares at least one calendar day.
-- Each state carries its state-year's abbreviation (the lowest over that year's spans, as in
-- state_years), so no join back to state_years is needed; a state with two spans in one year
-- can pair twice, hence the GROUP BY.
-- Input: table `state_year_spans` (state_year_spans.sql).
WITH spans AS (
    SELECT ccode, year, span_start, span_end,
           min(stateabb) OVER (PARTITION BY ccode, year) AS year_abb
    FROM state_year_spans
)
SELECT a.ccode AS ccode1, b.ccode AS ccode2, a.year,
       min(a.year_abb) AS stateabb1, min(b.year_abb) AS stateabb2
FROM spans AS a
JOIN spans AS b
  ON a.year = b.year
 AND a.ccode < b.ccode
 AND a.span_start <= b.span_end
 AND b.span_start <= a.span_end
GROUP BY a.ccode, b.ccode, a.year
