-- Dyadic MID 4.02 (directed, an AB and a BA row per dispute-dyad-year) -> non-directed
-- dispute-dyad-years in the same shape as mid5_dispute_dyad_years.sql. Input: view `dyadic_mid402`.
--
-- The AB row with statea < stateb is kept (the BA twin mirrors it). The source is dyadic, so:
-- hostlev = disp_hostlev = hihost (the dyad's highest hostility), fatality = fatlev and recip are
-- the dyad's, stmon/styear = strtmnth/strtyr (the dyad's start), mindur = maxdur = the dyad's
-- total duration in days (largest cumdurat of the dyadic dispute). hiact uses the MID 5 action
-- scale (mid5hiacta/b), not the older highmca scale. A dyad-year is an onset when year = strtyr.
-- A dyad-year listed twice for one dispute (re-entry within a year) keeps the earliest-starting
-- row and is an onset if either row is.
WITH ab AS (
    SELECT
        *,
        max(cumdurat) OVER (PARTITION BY disno, statea, stateb) AS dyad_duration,
        max((year = strtyr)::INTEGER) OVER (PARTITION BY disno, statea, stateb, year) AS onset_any,
        row_number() OVER (
            PARTITION BY disno, statea, stateb, year ORDER BY strtyr, strtmnth, strtday, dyindex
        ) AS row_rank
    FROM dyadic_mid402
    WHERE statea < stateb
)
SELECT
    disno AS dispnum, statea AS ccode1, stateb AS ccode2, year,
    onset_any AS mid_onset, 1 AS mid_ongoing,
    sideaa AS sidea1, sideab AS sidea2,
    mid5hiacta AS hiact1, mid5hiactb AS hiact2,
    hihosta AS hostlev1, hihostb AS hostlev2,
    orignata AS orig1, orignatb AS orig2,
    fatleva AS fatality1, fatlevb AS fatality2,
    CAST(NULL AS BIGINT) AS fatalpre1, CAST(NULL AS BIGINT) AS fatalpre2,
    hihost AS hostlev,
    hihost AS disp_hostlev,
    fatlev AS fatality, recip, dyad_duration AS mindur, dyad_duration AS maxdur,
    strtmnth AS stmon, strtyr AS styear,
    'dyadic_mid402' AS source
FROM ab
WHERE row_rank = 1
