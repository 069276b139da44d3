-- Non-directed dyad-years (ccode1 < ccode2) under the same-day rule: two states form a dyad in a
-- year only if some membership span of each, inside that year, shares at least one calendar day.
-- Input: table `state_year_spans` (state_year_spans.sql).
SELECT DISTINCT a.ccode AS ccode1, b.ccode AS ccode2, a.year
FROM state_year_spans AS a
JOIN state_year_spans AS b
  ON a.year = b.year
 AND a.ccode < b.ccode
 AND a.span_start <= b.span_end
 AND b.span_start <= a.span_end
