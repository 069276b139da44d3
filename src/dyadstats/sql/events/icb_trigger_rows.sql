-- ICB v14 actor-level rows -> one classified trigger row per crisis actor (see dyadstats.events.icb).
-- Input: view `icb_actors` (icb2v14: one row per crisis actor; an actor can hold two rows in one
-- crisis), table `cow_codes` (every COW state code) and view `cow_states` (membership spells).
-- Parameters: $non_state, $multi_state, $other_code (the ICB codes 996, 997, 995).
--
-- Directed pair: trigent (the triggering entity) -> cracid (the crisis actor), in yrtrig (the
-- year the crisis was triggered for that actor). The crisis is active for the actor from yrtrig
-- to yrterm (its termination year; missing -> the trigger year only).
-- Unified states: ICB keeps 260 for Germany and 678 for Yemen after their 1990 unifications, COW
-- codes them 255 and 679 (from 3 October / 22 May 1990); 260 and 678 after 1990 are read as the
-- COW codes (counted as recoded_to_cow). Every row gets exactly one category, first match wins;
-- only 'state_trigger' rows become dyad-years.
WITH cow_last AS (
    SELECT max(endyear) AS last_year FROM cow_states
),
actors AS (
    SELECT
        crisno, cracno, triggr, trigloc,
        trigent AS trigent_reported, cracid AS cracid_reported,
        yrtrig AS year,
        greatest(coalesce(yrterm, yrtrig), yrtrig) AS active_until,
        yrterm IS NULL AS termination_missing,
        CASE WHEN yrtrig > 1990 AND trigent = 260 THEN 255
             WHEN yrtrig > 1990 AND trigent = 678 THEN 679 ELSE trigent END AS trigent,
        CASE WHEN yrtrig > 1990 AND cracid = 260 THEN 255
             WHEN yrtrig > 1990 AND cracid = 678 THEN 679 ELSE cracid END AS cracid
    FROM icb_actors
)
SELECT
    a.*,
    (a.trigent IS DISTINCT FROM a.trigent_reported OR a.cracid IS DISTINCT FROM a.cracid_reported)
        AS recoded_to_cow,
    coalesce(a.triggr = 6, false) AS internal_challenge,
    coalesce(a.trigloc = 2, false) AS internal_location,
    CASE
        WHEN a.trigent IS NULL OR a.year IS NULL OR a.cracid IS NULL THEN 'missing_trigger_or_year'
        WHEN a.trigent = $non_state THEN 'non_state_actor'
        WHEN a.trigent = $multi_state THEN 'multiple_states'
        WHEN a.trigent = $other_code THEN 'code_995'
        WHEN a.trigent = a.cracid THEN 'self_triggered'
        WHEN a.trigent NOT IN (SELECT ccode FROM cow_codes) THEN 'trigger_not_cow_code'
        WHEN a.cracid NOT IN (SELECT ccode FROM cow_codes) THEN 'actor_not_cow_code'
        WHEN a.year > (SELECT last_year FROM cow_last) THEN 'after_cow_system_data'
        WHEN NOT EXISTS (SELECT 1 FROM cow_states s
                         WHERE s.ccode = a.trigent AND a.year BETWEEN s.styear AND s.endyear)
            THEN 'trigger_not_member_in_year'
        WHEN NOT EXISTS (SELECT 1 FROM cow_states s
                         WHERE s.ccode = a.cracid AND a.year BETWEEN s.styear AND s.endyear)
            THEN 'actor_not_member_in_year'
        ELSE 'state_trigger'
    END AS category
FROM actors AS a
