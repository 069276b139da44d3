-- TIES 4.1 cases -> one row per case, sender, target and onset year (threat or imposition),
-- with COW codes recoded by year and a flag whether the pair is in the state system that year.
-- Inputs: view `ties` (TIESv4-1, one row per case), view `cow_states` (COW spells), table
-- `ties_code_recodes` (from_code, to_code: see dyadstats.events.mid.TIES_CODE_RECODES).
--
-- Senders: sender1..sender5 (deduplicated); cases with no state sender at all (institution-only
-- sanctions: sender1 empty) give no rows.
-- Threat onset: threat = 1 -> the case's startyear (TIES starts a case at the first threat, or at
-- the imposition when there was no threat).
-- Imposition onset: imposition = 1 -> the year of sancimpositionstartyear (its leading four-digit
-- year; a few cells carry a note after the year); when that is empty and there was no threat, the
-- case started with the imposition, so startyear; when it is empty after a threat, the year is
-- unknown and the case gives no imposition onset (counted in the audit).
-- Recoding: a sender, target or primary sender code `from_code` is read as `to_code` in an onset
-- year in which from_code is not a COW member (no spell touches the year) but to_code is. TIES
-- codes West Germany (COW 260, 1955-05-05 .. 1990-10-02) with 255 in some Cold War cases; COW's
-- 255 is Germany up to 1945 and from 1990-10-03.
-- in_system: the sender and the target are COW members on a common day of the onset year (the
-- universe's same-day rule); other rows cannot join a dyad-year and are counted, then left out.
WITH cases AS (
    SELECT
        caseid, startyear, threat, imposition, primarysender, targetstate,
        try_cast(regexp_extract(CAST(sancimpositionstartyear AS VARCHAR), '^\s*(\d{4})', 1) AS BIGINT)
            AS imposition_year_reported,
        list_distinct(list_filter([sender1, sender2, sender3, sender4, sender5], lambda s: s IS NOT NULL))
            AS senders
    FROM ties
),
case_years AS (
    SELECT
        caseid, startyear, threat, imposition, primarysender, targetstate, senders,
        CASE WHEN threat = 1 THEN startyear END AS threat_year,
        CASE
            WHEN imposition = 1 AND imposition_year_reported IS NOT NULL THEN imposition_year_reported
            WHEN imposition = 1 AND coalesce(threat, 0) = 0 THEN startyear
        END AS imposition_year
    FROM cases
),
sender_target AS (
    SELECT c.*, unnest(c.senders) AS sender
    FROM case_years AS c
),
events AS (
    SELECT caseid, sender, targetstate, primarysender, threat_year AS year, 1 AS is_threat, 0 AS is_imposition
    FROM sender_target WHERE threat_year IS NOT NULL
    UNION ALL
    SELECT caseid, sender, targetstate, primarysender, imposition_year AS year, 0, 1
    FROM sender_target WHERE imposition_year IS NOT NULL
),
spells AS (
    SELECT ccode, make_date(styear, stmonth, stday) AS spell_start, make_date(endyear, endmonth, endday) AS spell_end
    FROM cow_states
),
member_years AS (
    SELECT DISTINCT ccode, unnest(generate_series(styear, endyear)) AS year FROM cow_states
),
applicable_recodes AS (
    SELECT r.from_code, r.to_code, m.year
    FROM ties_code_recodes AS r
    JOIN member_years AS m ON m.ccode = r.to_code
    WHERE NOT EXISTS (SELECT 1 FROM member_years AS x WHERE x.ccode = r.from_code AND x.year = m.year)
),
recoded AS (
    SELECT
        e.caseid, e.year, e.is_threat, e.is_imposition,
        e.sender AS sender_reported, e.targetstate AS target_reported,
        coalesce(rs.to_code, e.sender) AS sender,
        coalesce(rt.to_code, e.targetstate) AS targetstate,
        coalesce(rp.to_code, e.primarysender) AS primarysender
    FROM events AS e
    LEFT JOIN applicable_recodes AS rs ON rs.from_code = e.sender AND rs.year = e.year
    LEFT JOIN applicable_recodes AS rt ON rt.from_code = e.targetstate AND rt.year = e.year
    LEFT JOIN applicable_recodes AS rp ON rp.from_code = e.primarysender AND rp.year = e.year
)
SELECT
    r.*,
    EXISTS (
        SELECT 1 FROM spells AS a, spells AS b
        WHERE a.ccode = r.sender AND b.ccode = r.targetstate
          AND greatest(a.spell_start, b.spell_start, make_date(r.year, 1, 1))
              <= least(a.spell_end, b.spell_end, make_date(r.year, 12, 31))
    ) AS in_system
FROM recoded AS r
