"""The synthetic world's draws (see :mod:`dyadstats.testing.synthetic_world`): how many states
give the asked-for dyad-years, and the states with their spells, positions, regimes and
capabilities."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

FIRST_DAY_YEAR, LAST_DAY_YEAR = 1816, 2016
#: Provider codes the democracy crosswalks recode to another COW code (see dyadstats.frame.democracy).
RECODED = {99, 305, 324, 341, 342, 347, 348, 364, 525, 529, 626, 624, 769, 818}
MAX_STATES = len([c for c in range(2, 1000) if c not in RECODED])
REAL_DISPUTES, REAL_TIES_CASES = 2436, 1412
SYNTHESISED = ("cow_states", "cow_majors", "cow_contdird", "nmc", "polity5", "vdem", "bmr", "uds",
               "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist", "mid5_disputes",
               "mid5_participants", "ties")



# --------------------------------------------------------------------------------------------
# Sizing
# --------------------------------------------------------------------------------------------


def real_dyad_years(template: Path, first_year: int = 1816, last_year: int = 2014) -> int:
    """Non-directed dyad-years of the real state system: sum over years of C(members, 2)."""
    states = pq.read_table(template / "cow_states.parquet", columns=["ccode", "styear", "endyear"])
    counts = np.zeros(last_year - first_year + 1, dtype=np.int64)
    members: dict[int, set[int]] = {}
    for c, s, e in zip(*(states.column(i).to_pylist() for i in range(3)), strict=True):
        for y in range(max(s, first_year), min(e, last_year) + 1):
            members.setdefault(y, set()).add(c)
    for y, m in members.items():
        counts[y - first_year] = len(m)
    return int((counts * (counts - 1) // 2).sum())


def _spells(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Membership spells of ``n`` states (one or two per state)."""
    late = rng.random(n) < 0.10
    gap = (~late) & (rng.random(n) < 0.05)
    start_year = np.where(late, rng.integers(1817, 2001, n), FIRST_DAY_YEAR)
    start_month = np.where(late, rng.integers(1, 13, n), 1)
    start_day = np.where(late, rng.integers(1, 29, n), 1)
    exit_year = rng.integers(1830, 1990, n)
    reenter_year = exit_year + rng.integers(1, 15, n)
    rows: dict[str, list[Any]] = {k: [] for k in ("state", "styear", "stmonth", "stday",
                                                  "endyear", "endmonth", "endday")}
    for i in range(n):
        if gap[i]:
            spells = [(FIRST_DAY_YEAR, 1, 1, int(exit_year[i]), int(rng.integers(1, 13)), int(rng.integers(1, 29))),
                      (int(reenter_year[i]), int(rng.integers(1, 13)), int(rng.integers(1, 29)), LAST_DAY_YEAR, 12, 31)]
        else:
            spells = [(int(start_year[i]), int(start_month[i]), int(start_day[i]), LAST_DAY_YEAR, 12, 31)]
        for sp in spells:
            rows["state"].append(i)
            for key, value in zip(("styear", "stmonth", "stday", "endyear", "endmonth", "endday"), sp, strict=True):
                rows[key].append(value)
    return {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}


def _alive(spells: Mapping[str, np.ndarray], n: int, years: np.ndarray) -> np.ndarray:
    """Boolean (state, year): a member on some day of the year."""
    alive = np.zeros((n, len(years)), dtype=bool)
    for s, a, b in zip(spells["state"], spells["styear"], spells["endyear"], strict=True):
        alive[s, (years >= a) & (years <= b)] = True
    return alive


def _dyad_years(alive: np.ndarray) -> int:
    k = alive.sum(axis=0).astype(np.int64)
    return int((k * (k - 1) // 2).sum())


def choose_states(target: int, seed: int, first_year: int, last_year: int) -> int:
    """The number of states whose world has about ``target`` dyad-years (bisection)."""
    years = np.arange(first_year, last_year + 1)

    def size(n: int) -> int:
        rng = np.random.default_rng([seed, n])
        return _dyad_years(_alive(_spells(n, rng), n, years))

    if size(MAX_STATES) < target:
        raise ValueError(
            f"a synthetic world of {target:,} dyad-years needs more than {MAX_STATES} states; "
            "COW codes (and dyad_id = ccode1 * 1000 + ccode2) stop at 999"
        )
    lo, hi = 3, MAX_STATES
    while lo < hi:
        mid = (lo + hi) // 2
        if size(mid) < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


class World:
    """Everything drawn once: states, spells, positions, regimes, capabilities."""

    def __init__(self, n: int, seed: int, first_year: int, last_year: int) -> None:
        self.n = n
        self.rng = np.random.default_rng([seed, n])
        self.spells = _spells(n, self.rng)
        self.years = np.arange(FIRST_DAY_YEAR, LAST_DAY_YEAR + 1)
        self.alive = _alive(self.spells, n, self.years)
        self.dyad_years = _dyad_years(self.alive[:, first_year - FIRST_DAY_YEAR:last_year - FIRST_DAY_YEAR + 1])
        rng = np.random.default_rng([seed, n, 1])
        codes = np.array([c for c in range(2, 1000) if c not in RECODED])
        self.ccode = np.sort(rng.choice(codes, size=n, replace=False)).astype(np.int64)
        self.abb = np.array([f"S{c:03d}" for c in self.ccode])
        self.xy = rng.random((n, 2))
        t = len(self.years)
        latent = np.zeros((n, t))
        latent[:, 0] = rng.normal(-0.5, 1.0, n)
        shocks = rng.normal(0, 0.25, (n, t))
        for j in range(1, t):
            latent[:, j] = 0.97 * latent[:, j - 1] + 0.03 * 0.3 + shocks[:, j]
        self.latent = latent
        self.polity2 = np.clip(np.rint(latent * 6), -10, 10).astype(np.int64)
        logcap = np.zeros((n, t))
        logcap[:, 0] = rng.normal(0, 1.2, n)
        cap_shocks = rng.normal(0, 0.08, (n, t))
        for j in range(1, t):
            logcap[:, j] = 0.995 * logcap[:, j - 1] + cap_shocks[:, j]
        cap = np.exp(logcap) * self.alive
        self.cinc = cap / np.maximum(cap.sum(axis=0, keepdims=True), 1e-12)
        self.major = np.argsort(-np.where(self.alive, self.cinc, 0).mean(axis=1))[: max(2, n * 3 // 100)]
        self.neighbours, self.conttype = self._contiguity(rng)
        self.always = np.flatnonzero(self.alive.all(axis=1))

    def _contiguity(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Non-directed contiguous pairs (i < j) and their COW type: each state's 4 nearest."""
        from scipy.spatial import cKDTree

        k = min(5, self.n)
        dist, idx = cKDTree(self.xy).query(self.xy, k=k)
        pairs: dict[tuple[int, int], int] = {}
        for i in range(self.n):
            for rank in range(1, k):
                j = int(idx[i, rank])
                key = (min(i, j), max(i, j))
                ctype = 1 if rank <= 2 else int(rng.integers(2, 6))
                pairs[key] = min(pairs.get(key, 6), ctype)
        keys = sorted(pairs)
        return np.array(keys, dtype=np.int64).reshape(-1, 2), np.array([pairs[k] for k in keys], dtype=np.int64)

    def year_index(self, year: int) -> int:
        return year - FIRST_DAY_YEAR


