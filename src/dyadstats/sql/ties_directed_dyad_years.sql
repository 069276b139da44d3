-- TIES 4.1 cases -> directed sender -> target dyad-years with threat and imposition onsets.
-- Input: view `ties` (TIESv4-1, one row per case), table `cow_codes` (ccode: every COW state code).
--
-- Senders: sender1..sender5 (deduplicated). A code that is not a COW state code (TIES uses 1000
-- for a non-state sender) is skipped; cases with no state sender at all (institution-only
-- sanctions: sender1 empty) give no rows. Self-pairs (sender = target) are skipped.
-- Threat onset: threat = 1 -> the case's startyear (TIES starts a case at the first threat, or at
-- the imposition when there was no threat).
-- Imposition onset: imposition = 1 -> the year of sancimpositionstartyear (its leading four-digit
-- year; a few cells carry a note after the year); when that is empty and there was no threat, the
-- case started with the imposition, so startyear; when it is empty after a threat, the year is
-- unknown and the case gives no imposition onset (counted in the audit).
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
)
SELECT
    sender AS ccode1,
    targetstate AS ccode2,
    year,
    max(is_threat) AS sanction_threat_onset,
    max(is_imposition) AS sanction_imposition_onset,
    max((sender = primarysender)::INTEGER) AS primary_sender,
    sum(is_threat)::BIGINT AS n_threat_cases,
    sum(is_imposition)::BIGINT AS n_imposition_cases,
    list(DISTINCT caseid ORDER BY caseid) AS caseids
FROM events
WHERE sender IN (SELECT ccode FROM cow_codes)
  AND targetstate IN (SELECT ccode FROM cow_codes)
  AND sender <> targetstate
GROUP BY sender, targetstate, year
