-- COW Inter-State War v4.0 dyadic war-years (peacesciencer's cow_war_inter) -> one row per
-- directed dyad-year (ccode1 -> ccode2) in which the two states fight a war on opposite sides.
-- Input: view `ps_cow_war_inter` (one row per directed dyad-year, war and participation spell;
-- battle deaths -9 read as NULL at ingest).
--
-- Flags are maxima over every war row of the dyad-year, so "any war of the year" never depends
-- on which war supplies the war-level fields:
--   war_onset             a war between them starts this year for the pair (cowinteronset: the
--                         pair's first year of the war, or the first year of a resumed spell)
--   war_ongoing           a war between them is fought this year (every row: cowinterongoing)
--   war_initiated         war_onset with ccode1 a COW initiator of that war (initiator1)
--   war_initiator_active  a war fought this year of which ccode1 is an initiator
-- The war-level fields (warnum, batdeath1/2, war_deaths) come from one war per dyad-year, the
-- one peacesciencer's add_cow_wars(type = "inter") keeps: onsets over ongoing wars, then the most
-- battle deaths (sum of both states', a missing side ignored, both missing last); then the
-- first participation spell and the lowest war number (the row order of cow_war_inter).
WITH wars AS (
    SELECT
        warnum, ccode1, ccode2, year, cowinteronset, cowinterongoing, initiator1, resume,
        batdeath1::BIGINT AS batdeath1, batdeath2::BIGINT AS batdeath2,
        CASE WHEN batdeath1 IS NULL AND batdeath2 IS NULL THEN NULL
             ELSE (coalesce(batdeath1, 0) + coalesce(batdeath2, 0))::BIGINT END AS war_deaths
    FROM ps_cow_war_inter
    WHERE ccode1 <> ccode2
),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY ccode1, ccode2, year
        ORDER BY cowinteronset DESC, war_deaths DESC NULLS LAST, resume, warnum
    ) AS _rank
    FROM wars
)
SELECT
    ccode1, ccode2, year::BIGINT AS year,
    max(cowinteronset)::INTEGER AS war_onset,
    max(cowinterongoing)::INTEGER AS war_ongoing,
    max((cowinteronset = 1 AND initiator1 = 1)::INTEGER) AS war_initiated,
    max(initiator1)::INTEGER AS war_initiator_active,
    -- 1 when every onset of the dyad-year is a resumed participation spell (COW's second dates)
    (max(cowinteronset) = 1 AND min(CASE WHEN cowinteronset = 1 THEN resume END) = 1)::INTEGER
        AS war_onset_resumed_only,
    count(DISTINCT warnum)::BIGINT AS n_wars,
    list(DISTINCT warnum ORDER BY warnum) AS warnums,
    coalesce(list(DISTINCT warnum ORDER BY warnum) FILTER (WHERE cowinteronset = 1), []::BIGINT[])
        AS onset_warnums,
    any_value(warnum) FILTER (WHERE _rank = 1) AS warnum,
    any_value(batdeath1) FILTER (WHERE _rank = 1) AS batdeath1,
    any_value(batdeath2) FILTER (WHERE _rank = 1) AS batdeath2,
    any_value(war_deaths) FILTER (WHERE _rank = 1) AS war_deaths
FROM ranked
GROUP BY ccode1, ccode2, year
