-- TIES sanction onsets -> directed sender -> target dyad-years with threat and imposition onsets.
-- Input: table `ties_events` (ties_events.sql: one row per case, sender, target and onset year,
-- codes recoded by year, in_system flag).
--
-- Kept: pairs in the state system in the onset year (in_system: that also leaves out codes
-- that are no COW state code, e.g. 1000 for a non-state sender) and no self-pairs
-- (sender = target).
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
FROM ties_events
WHERE in_system
  AND sender <> targetstate
GROUP BY sender, targetstate, year
