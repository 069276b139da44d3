-- Directed initiation flags over all disputes of a directed dyad-year (A = ccode1, B = ccode2).
-- Reads view directed_dispute_dyad_years (dispute_dyad_years in both directions).
-- mid_initiated: a new dispute (dyadic hostility 2-5) in which A is a side-A originator and B
-- is on side B; coercion_initiated: the same, with A's own highest hostility a threat or
-- display (2-3, i.e. MID 5 actions 1-12). The *_initiator_active twins drop the "new"
-- condition: any active dispute of the directed dyad-year so initiated (the ongoing
-- peace-years rule).
SELECT
    ccode1, ccode2, year,
    max((mid_onset = 1 AND sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev BETWEEN 2 AND 5)::INTEGER) AS mid_initiated,
    max((mid_onset = 1 AND sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev1 IN (2, 3))::INTEGER) AS coercion_initiated,
    max((sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev BETWEEN 2 AND 5)::INTEGER) AS mid_initiator_active,
    max((sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev1 IN (2, 3))::INTEGER) AS coercion_initiator_active
FROM directed_dispute_dyad_years
GROUP BY ccode1, ccode2, year
