-- Classified ICB trigger rows -> directed dyad-years: triggering state (ccode1) -> crisis actor
-- (ccode2). Input: table `icb_trigger_rows` (sql/events/icb_trigger_rows.sql); only its
-- 'state_trigger' rows are used (every other category is counted in the events audit).
--
-- One row per directed dyad-year in which a crisis the triggering state triggered for the actor
-- is active (trigger year to termination year): icb_crisis_trigger = 1 in the trigger year,
-- icb_crisis_active = 1 in every active year (the `ongoing` peace-years rule reads it). Two
-- actor rows of the same pair and year (two crises, or one actor twice in a crisis) give one
-- row; n_trigger_actor_rows and the crisis numbers say which.
WITH kept AS (
    SELECT crisno, trigent, cracid, internal_challenge, year AS trigger_year, active_until
    FROM icb_trigger_rows
    WHERE category = 'state_trigger'
),
active AS (
    SELECT k.*, unnest(range(k.trigger_year, k.active_until + 1)) AS year
    FROM kept AS k
)
SELECT
    trigent AS ccode1,
    cracid AS ccode2,
    year,
    max((year = trigger_year)::INTEGER) AS icb_crisis_trigger,
    1 AS icb_crisis_active,
    count(*) FILTER (WHERE year = trigger_year)::BIGINT AS n_trigger_actor_rows,
    max((year = trigger_year AND internal_challenge)::INTEGER) AS internal_challenge_trigger,
    coalesce(list(DISTINCT crisno ORDER BY crisno) FILTER (WHERE year = trigger_year), []::BIGINT[])
        AS trigger_crisnos,
    list(DISTINCT crisno ORDER BY crisno) AS active_crisnos
FROM active
GROUP BY trigent, cracid, year
