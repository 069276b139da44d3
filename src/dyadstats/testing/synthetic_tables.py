"""The synthetic world's tables, each in the schema of the real ingested table it stands in
for (see :mod:`dyadstats.testing.synthetic_world`): states, state-years, dyadic controls,
minimum distances, MID 5.0 disputes and participants, TIES cases."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dyadstats.io.files import write_parquet
from dyadstats.testing.synthetic_draws import (
    FIRST_DAY_YEAR,
    LAST_DAY_YEAR,
    REAL_DISPUTES,
    REAL_TIES_CASES,
    World,
)

# --------------------------------------------------------------------------------------------
# Writing tables in the template's schema
# --------------------------------------------------------------------------------------------


def _conform(columns: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
    """A table in exactly ``schema``: given columns cast to their type, the others NULL."""
    n = len(next(iter(columns.values())))
    arrays = []
    for f in schema:
        if f.name in columns:
            arrays.append(pa.array(columns[f.name]).cast(f.type) if not isinstance(columns[f.name], pa.Array)
                          else columns[f.name].cast(f.type))
        else:
            arrays.append(pa.nulls(n, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _write(columns: Mapping[str, Any], schema: pa.Schema, path: Path) -> int:
    table = _conform(columns, schema)
    write_parquet(table, path)
    return table.num_rows


def _masked(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    """An Arrow array with NULL where ``mask`` is False."""
    return pa.array(values, mask=~mask)


def _state_year_rows(world: World) -> tuple[np.ndarray, np.ndarray]:
    s, j = np.nonzero(world.alive)
    return s, j


def write_states(world: World, schemas: Mapping[str, pa.Schema], out: Path) -> dict[str, int]:
    sp = world.spells
    rows = {
        "cow_states": _write({
            "stateabb": world.abb[sp["state"]], "ccode": world.ccode[sp["state"]],
            "statenme": np.array([f"State {c}" for c in world.ccode[sp["state"]]]),
            "styear": sp["styear"], "stmonth": sp["stmonth"], "stday": sp["stday"],
            "endyear": sp["endyear"], "endmonth": sp["endmonth"], "endday": sp["endday"],
            "version": np.full(len(sp["state"]), 2016),
        }, schemas["cow_states"], out / "cow_states.parquet"),
    }
    majors = np.sort(world.major)
    rows["cow_majors"] = _write({
        "stateabb": world.abb[majors], "ccode": world.ccode[majors],
        "styear": np.full(len(majors), FIRST_DAY_YEAR), "stmonth": np.ones(len(majors), dtype=np.int64),
        "stday": np.ones(len(majors), dtype=np.int64), "endyear": np.full(len(majors), LAST_DAY_YEAR),
        "endmonth": np.full(len(majors), 12), "endday": np.full(len(majors), 31),
        "version": np.full(len(majors), 2016),
    }, schemas["cow_majors"], out / "cow_majors.parquet")
    return rows


def write_state_years(world: World, schemas: Mapping[str, pa.Schema], out: Path) -> dict[str, int]:
    """nmc, polity5, vdem, bmr, uds: one row per member state-year."""
    s, j = _state_year_rows(world)
    code, year = world.ccode[s], world.years[j]
    polity2 = world.polity2[s, j]
    latent = world.latent[s, j]
    rng = np.random.default_rng([world.n, 7])
    polyarchy = 1.0 / (1.0 + np.exp(-(latent * 1.6 + rng.normal(0, 0.2, len(s)))))
    rows = {
        "nmc": _write({"stateabb": world.abb[s], "ccode": code, "year": year, "cinc": world.cinc[s, j],
                       "version": np.full(len(s), 6)}, schemas["nmc"], out / "nmc.parquet"),
        "polity5": _write({"ccode": code, "year": year, "scode": world.abb[s], "country": world.abb[s],
                           "polity": polity2, "polity2": polity2,
                           "democ": np.clip(polity2, 0, 10), "autoc": np.clip(-polity2, 0, 10)},
                          schemas["polity5"], out / "polity5.parquet"),
        "vdem": _write({"vdem_country_name": world.abb[s], "country_id": code, "vdem_cowcode": code,
                        "year": year, "v2x_polyarchy": polyarchy}, schemas["vdem"], out / "vdem.parquet"),
        "bmr": _write({"country": world.abb[s], "ccode": code, "year": year,
                       "democracy": (latent + rng.normal(0, 0.2, len(s)) > 0.8).astype(np.int64)},
                      schemas["bmr"], out / "bmr.parquet"),
        "uds": _write({"uds_country": world.abb[s], "year": year, "uds_cowcode": code, "cown": code,
                       "mean": latent * 0.8 - 0.6 + rng.normal(0, 0.1, len(s))},
                      schemas["uds"], out / "uds.parquet"),
    }
    return rows


def _pair_years(world: World, pairs: np.ndarray, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """(pair index, year) for pairs with both states members in the year, first..last."""
    lo, hi = world.year_index(first), world.year_index(last)
    both = world.alive[pairs[:, 0], lo:hi + 1] & world.alive[pairs[:, 1], lo:hi + 1]
    p, j = np.nonzero(both)
    return p, world.years[lo + j]


def write_dyadic(world: World, schemas: Mapping[str, pa.Schema], out: Path) -> dict[str, int]:
    """cow_contdird (directed), COW and ATOP defence pacts (both directions)."""
    pairs, ctype = world.neighbours, world.conttype
    p, year = _pair_years(world, pairs, FIRST_DAY_YEAR, LAST_DAY_YEAR)
    a, b = pairs[p, 0], pairs[p, 1]
    s1 = np.concatenate([a, b])
    s2 = np.concatenate([b, a])
    yy = np.concatenate([year, year])
    order = np.lexsort((yy, world.ccode[s2], world.ccode[s1]))
    s1, s2, yy = s1[order], s2[order], yy[order]
    ct = np.concatenate([ctype[p], ctype[p]])[order]
    rows = {"cow_contdird": _write({
        "dyad": world.ccode[s1] * 1000 + world.ccode[s2], "state1no": world.ccode[s1],
        "state1ab": world.abb[s1], "state2no": world.ccode[s2], "state2ab": world.abb[s2],
        "year": yy, "conttype": ct, "version": np.full(len(yy), 3.2),
    }, schemas["cow_contdird"], out / "cow_contdird.parquet")}
    rng = np.random.default_rng([world.n, 11])
    allied = rng.random(len(pairs)) < 0.35
    start = rng.integers(1816, 2000, len(pairs))
    length = rng.integers(5, 80, len(pairs))
    for table, flag, last, extra in (
        ("ps_cow_alliance", "cow_defense", 2012, ("cow_neutral", "cow_nonagg", "cow_entente")),
        ("ps_atop_alliance", "atop_defense", 2018, ("atop_offense", "atop_neutral", "atop_nonagg", "atop_consul")),
    ):
        p, year = _pair_years(world, pairs, FIRST_DAY_YEAR, min(last, LAST_DAY_YEAR))
        keep = allied[p] & (year >= start[p]) & (year < start[p] + length[p])
        p, year = p[keep], year[keep]
        c1 = np.concatenate([world.ccode[pairs[p, 0]], world.ccode[pairs[p, 1]]])
        c2 = np.concatenate([world.ccode[pairs[p, 1]], world.ccode[pairs[p, 0]]])
        yy = np.concatenate([year, year])
        order = np.lexsort((yy, c2, c1))
        cols = {"ccode1": c1[order], "ccode2": c2[order], "year": yy[order],
                flag: np.ones(len(yy), dtype=np.int64)}
        cols.update({e: np.zeros(len(yy), dtype=np.int64) for e in extra})
        rows[table] = _write(cols, schemas[table], out / f"{table}.parquet")
    return rows


def write_mindist(world: World, schema: pa.Schema, out: Path, first: int = 1886) -> int:
    """ps_cow_mindist: every member pair (ccode1 < ccode2) every year from ``first``, by year."""
    i, j = np.triu_indices(world.n, k=1)
    km = np.hypot(*(world.xy[i] - world.xy[j]).T) * 6000.0
    contiguous = np.zeros(len(i), dtype=bool)
    # contiguous pairs touch: distance 0 (triu index of (a, b) with a < b)
    flat = {(int(a), int(b)) for a, b in world.neighbours}
    for k, (a, b) in enumerate(zip(i, j, strict=True)):
        if (int(a), int(b)) in flat:
            contiguous[k] = True
    km[contiguous] = 0.0
    rows = 0

    def years() -> Iterator[pa.Table]:  # one year at a time: the table is too large to hold
        nonlocal rows
        for year in range(first, LAST_DAY_YEAR + 1):
            jj = world.year_index(year)
            both = world.alive[i, jj] & world.alive[j, jj]
            n = int(both.sum())
            yield _conform({
                "ccode1": world.ccode[i[both]], "ccode2": world.ccode[j[both]],
                "year": np.full(n, year, dtype=np.int64), "mindist": km[both],
            }, schema)
            rows += n

    write_parquet(years(), out / "ps_cow_mindist.parquet", schema=schema)
    return rows


# Hostility -> range of MID 5.0 highest-action codes
_HIACT = {1: (0, 0), 2: (1, 6), 3: (7, 13), 4: (14, 20), 5: (21, 21)}


def write_events(world: World, schemas: Mapping[str, pa.Schema], out: Path, factor: float) -> dict[str, int]:
    """MID 5.0 disputes and participants, TIES cases."""
    rng = np.random.default_rng([world.n, 13])
    n_disp = max(1, round(REAL_DISPUTES * factor))
    pool = world.always if len(world.always) >= 2 else np.arange(world.n)
    neigh: dict[int, list[int]] = {}
    for a, b in world.neighbours:
        neigh.setdefault(int(a), []).append(int(b))
        neigh.setdefault(int(b), []).append(int(a))
    disp: dict[str, list[Any]] = {k: [] for k in ("dispnum", "stday", "stmon", "styear", "endday", "endmon",
                                                  "endyear", "hostlev", "hiact", "fatality", "maxdur",
                                                  "mindur", "recip", "numa", "numb", "outcome", "settle")}
    part: dict[str, list[Any]] = {k: [] for k in ("dispnum", "stabb", "ccode", "stday", "stmon", "styear",
                                                  "endday", "endmon", "endyear", "sidea", "hiact",
                                                  "hostlev", "orig", "fatality", "revstate")}
    dispnum = 0
    hostlev_p = np.array([0.08, 0.17, 0.33, 0.37, 0.05])
    while dispnum < n_disp:
        year = int(rng.integers(1816, 2011))
        a = int(rng.choice(pool))
        if neigh.get(a) and rng.random() < 0.6:
            b = int(rng.choice(neigh[a]))
        else:
            b = int(rng.choice(pool))
        if a == b or not (world.alive[b, world.year_index(year)] and world.alive[a, world.year_index(year)]):
            continue
        j = world.year_index(year)
        if world.polity2[a, j] >= 6 and world.polity2[b, j] >= 6 and rng.random() < 0.6:
            continue  # joint democracies fight less: the effect the standard model should find
        dispnum += 1
        start = np.datetime64(f"{year}-01-01") + int(rng.integers(0, 365))
        dur = int(rng.choice([0, int(rng.integers(1, 60)), int(rng.integers(60, 700))], p=[0.3, 0.4, 0.3]))
        end = min(start + dur, np.datetime64(f"{min(year + 3, 2014)}-12-31"))
        host = rng.choice(np.arange(1, 6), size=2, p=hostlev_p)
        members = [(a, 1, int(host[0]), start, end)]
        members.append((b, 0, int(host[1]), start, end))
        if rng.random() < 0.15 and neigh.get(a):
            c = int(rng.choice(neigh[a]))
            if c not in (a, b) and world.alive[c, j]:
                join = min(start + int(rng.integers(0, max(dur, 1) + 1)), end)
                members.append((c, 1, int(rng.integers(1, 5)), join, end))
        fat = int(rng.choice([0, 0, 0, 1, 2, 6]))
        for s, side, hl, st, en in members:
            st_y, st_m, st_d = _ymd(st)
            en_y, en_m, en_d = _ymd(en)
            lo, hi = _HIACT[hl]
            part["dispnum"].append(dispnum)
            part["stabb"].append(str(world.abb[s]))
            part["ccode"].append(int(world.ccode[s]))
            part["stday"].append(st_d)
            part["stmon"].append(st_m)
            part["styear"].append(st_y)
            part["endday"].append(en_d)
            part["endmon"].append(en_m)
            part["endyear"].append(en_y)
            part["sidea"].append(side)
            part["hiact"].append(int(rng.integers(lo, hi + 1)))
            part["hostlev"].append(hl)
            part["orig"].append(1 if st == start else 0)
            part["fatality"].append(fat if hl >= 4 else 0)
            part["revstate"].append(int(side == 1))
        st_y, st_m, st_d = _ymd(start)
        en_y, en_m, en_d = _ymd(end)
        top = max(m[2] for m in members)
        for key, value in (("dispnum", dispnum), ("stday", st_d), ("stmon", st_m), ("styear", st_y),
                           ("endday", en_d), ("endmon", en_m), ("endyear", en_y), ("hostlev", top),
                           ("hiact", int(rng.integers(*_HIACT[top]) if _HIACT[top][0] < _HIACT[top][1] else _HIACT[top][0])),
                           ("fatality", fat if top >= 4 else 0), ("maxdur", dur + 1), ("mindur", dur + 1),
                           ("recip", int(min(host) >= 2)), ("numa", sum(m[1] for m in members)),
                           ("numb", sum(1 - m[1] for m in members)), ("outcome", int(rng.integers(1, 6))),
                           ("settle", int(rng.integers(1, 5)))):
            disp[key].append(value)
    rows = {
        "mid5_disputes": _write({**disp, "version": [5] * len(disp["dispnum"])},
                                schemas["mid5_disputes"], out / "mid5_disputes.parquet"),
        "mid5_participants": _write({**part, "version": [5] * len(part["dispnum"])},
                                    schemas["mid5_participants"], out / "mid5_participants.parquet"),
    }
    n_cases = max(1, round(REAL_TIES_CASES * factor))
    ties_pool = np.flatnonzero(world.alive[:, world.year_index(1945):world.year_index(2005) + 1].all(axis=1))
    ties_pool = ties_pool if len(ties_pool) >= 2 else np.arange(world.n)
    sender = rng.choice(ties_pool, n_cases)
    target = rng.choice(ties_pool, n_cases)
    target = np.where(target == sender, ties_pool[(np.searchsorted(ties_pool, target) + 1) % len(ties_pool)], target)
    start_year = rng.integers(1945, 2006, n_cases)
    threat = (rng.random(n_cases) < 0.6).astype(np.int64)
    imposition = np.where(threat == 0, 1, (rng.random(n_cases) < 0.4).astype(np.int64))
    imp_year = np.minimum(start_year + threat * rng.integers(0, 3, n_cases), 2005)
    rows["ties"] = _write({
        "caseid": np.arange(1, n_cases + 1), "startyear": start_year,
        "startmonth": rng.integers(1, 13, n_cases), "startday": rng.integers(1, 29, n_cases),
        "sender1": world.ccode[sender], "primarysender": world.ccode[sender],
        "targetstate": world.ccode[target], "threat": threat, "imposition": imposition,
        "sancimpositionstartyear": _masked(imp_year.astype(str).astype(object), imposition == 1),
    }, schemas["ties"], out / "ties.parquet")
    return rows


def _ymd(day: np.datetime64) -> tuple[int, int, int]:
    y, m, d = str(day.astype("datetime64[D]")).split("-")
    return int(y), int(m), int(d)


