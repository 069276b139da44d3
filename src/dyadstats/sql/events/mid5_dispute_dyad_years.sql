-- MID 5.0 participant-level data (MIDB + MIDA) -> non-directed dispute-dyad-years, unwhittled.
-- Inputs: views `mid5_participants` (MIDB), `mid5_disputes` (MIDA).
--
-- Pairing ("naive", EUGene/peacesciencer style): every side-A participant row with every side-B
-- participant row of the same dispute whose participation spells share at least one day.
-- A missing start day (NULL, was -9) is read as the 1st of the month and a missing end day as
-- the last day of the month, the widest reading, as peacesciencer does.
-- Each overlapping pair of participant rows is an "episode"; it contributes one row per calendar
-- year it touches. A dyad-year is an onset if some episode of that pair begins in that year:
-- the first year of the pair in the dispute, and also a year in which a participant re-enters
-- the dispute with a new participant row (e.g. Greece in MID 4095 in 1999 and 2000).
-- If several episodes of one pair fall in one year (re-entry, side switching), the earliest
-- episode supplies the side-level fields.
WITH part AS (
    SELECT
        dispnum, ccode, sidea, hiact, hostlev, orig, fatality, fatalpre,
        make_date(styear, stmon, coalesce(stday, 1)) AS part_start,
        coalesce(make_date(endyear, endmon, endday), last_day(make_date(endyear, endmon, 1))) AS part_end
    FROM mid5_participants
),
episodes AS (
    SELECT
        a.dispnum,
        a.ccode AS ccode1, b.ccode AS ccode2,
        a.sidea AS sidea1, b.sidea AS sidea2,
        a.hiact AS hiact1, b.hiact AS hiact2,
        a.hostlev AS hostlev1, b.hostlev AS hostlev2,
        a.orig AS orig1, b.orig AS orig2,
        a.fatality AS fatality1, b.fatality AS fatality2,
        a.fatalpre AS fatalpre1, b.fatalpre AS fatalpre2,
        greatest(a.part_start, b.part_start) AS episode_start,
        least(a.part_end, b.part_end) AS episode_end
    FROM part AS a
    JOIN part AS b
      ON a.dispnum = b.dispnum
     AND a.ccode < b.ccode
     AND a.sidea <> b.sidea
    WHERE greatest(a.part_start, b.part_start) <= least(a.part_end, b.part_end)
),
episode_years AS (
    SELECT
        *,
        unnest(generate_series(year(episode_start), year(episode_end))) AS year
    FROM episodes
),
ranked AS (
    SELECT
        *,
        max((year = year(episode_start))::INTEGER) OVER pair_year AS mid_onset,
        row_number() OVER (
            PARTITION BY dispnum, ccode1, ccode2, year
            ORDER BY episode_start, episode_end, sidea1 DESC
        ) AS episode_rank
    FROM episode_years
    WINDOW pair_year AS (PARTITION BY dispnum, ccode1, ccode2, year)
)
SELECT
    r.dispnum, r.ccode1, r.ccode2, r.year::BIGINT AS year,
    r.mid_onset, 1 AS mid_ongoing,
    r.sidea1, r.sidea2, r.hiact1, r.hiact2, r.hostlev1, r.hostlev2, r.orig1, r.orig2,
    r.fatality1, r.fatality2, r.fatalpre1, r.fatalpre2,
    greatest(r.hostlev1, r.hostlev2) AS hostlev,
    d.hostlev AS disp_hostlev,
    d.fatality, d.recip, d.mindur, d.maxdur, d.stmon, d.styear,
    'mid5' AS source
FROM ranked AS r
JOIN mid5_disputes AS d USING (dispnum)
WHERE r.episode_rank = 1
