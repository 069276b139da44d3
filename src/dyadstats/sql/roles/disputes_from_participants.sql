-- Dispute-level fields the MID 5.0 pairing reads from MIDA, derived from the participant rows of
-- a participant-level roles.events source (view mid5_participants): highest hostility and
-- fatality of any participant, reciprocated if a side-B state took militarized action
-- (hostility >= 2), the earliest start; durations need exact days.
SELECT dispnum,
       max(hostlev) AS hostlev,
       max(fatality) AS fatality,
       max((sidea = 0 AND hostlev >= 2)::INTEGER) AS recip,
       NULL::BIGINT AS mindur, NULL::BIGINT AS maxdur,
       arg_min(stmon, styear * 100 + stmon) AS stmon,
       min(styear) AS styear
FROM mid5_participants
GROUP BY dispnum
