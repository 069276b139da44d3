-- TIES cases skipped, by reason (reasons overlap: a case can lose some sender-target rows and
-- keep others). Reads ties, cow_codes, ties_code_recodes and ties_events.
WITH s AS (
    SELECT caseid, threat, imposition, sancimpositionstartyear, targetstate,
           list_filter([sender1, sender2, sender3, sender4, sender5], lambda x: x IS NOT NULL)
               AS senders
    FROM ties
),
non_cow_sender AS (
    SELECT DISTINCT caseid FROM (SELECT caseid, unnest(senders) AS sender FROM s)
    WHERE sender NOT IN (SELECT ccode FROM cow_codes)
),
outside AS (  -- COW-coded pairs (after recoding) not in the system in the onset year
    SELECT DISTINCT caseid, sender_reported IN (SELECT from_code FROM ties_code_recodes)
                            OR target_reported IN (SELECT from_code FROM ties_code_recodes) AS recodable
    FROM ties_events
    WHERE NOT in_system AND sender <> targetstate
      AND sender IN (SELECT ccode FROM cow_codes) AND targetstate IN (SELECT ccode FROM cow_codes)
)
SELECT
    count(*) FILTER (WHERE len(senders) = 0) AS cases_without_state_sender,
    count(*) FILTER (WHERE caseid IN (SELECT caseid FROM non_cow_sender))
        AS cases_with_non_cow_sender_code,
    count(*) FILTER (WHERE targetstate NOT IN (SELECT ccode FROM cow_codes))
        AS cases_with_non_cow_target,
    count(*) FILTER (WHERE imposition = 1 AND threat = 1 AND
        try_cast(regexp_extract(CAST(sancimpositionstartyear AS VARCHAR), '^\s*(\d{4})', 1) AS BIGINT) IS NULL)
        AS impositions_after_threat_without_year,
    count(*) FILTER (WHERE list_contains(senders, targetstate)) AS cases_with_sender_equal_target,
    count(*) FILTER (WHERE caseid IN (SELECT caseid FROM outside))
        AS cases_with_pair_outside_system_in_onset_year,
    count(*) FILTER (WHERE caseid IN (SELECT caseid FROM outside WHERE recodable))
        AS cases_with_german_code_outside_system
FROM s
