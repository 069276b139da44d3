"""A tiny hand-built world of frame-stage inputs whose codings are worked out by hand.

The frame stage (:mod:`dyadstats.frame.build`) reads the universe, the event dyad-years and the
ingested democracy and control tables. :func:`write_world` writes every one of them for four
states over 2000-2009, in the shape the workflow's earlier stages give them, so that tests (and
users trying the library) can build analysis frames in a second without the real data. The
universe is built by :func:`dyadstats.universe.build_universe` from hand-made COW spells; the
event tables are written as the events stage writes them.

The story (every expected coding in the tests follows from it):

- states 2 (USA) and 20 (CAN) are members throughout; 200 (UKG) exits on 2005-06-30; 220 (FRN)
  enters on 2003-07-01, so the non-directed universe has 39 dyad-years: (2, 20) 2000-2009,
  (2, 200) and (20, 200) 2000-2005, (2, 220) and (20, 220) 2003-2009, (200, 220) 2003-2005.
- MID coverage is declared 2000-2008 (2009 outcomes NULL); TIES coverage 2001-2007.
- (2, 20): dispute A begins 2001 (dyadic hostility 3, both originators) and continues in 2002;
  in 2004 two disputes begin at once, B (hostility 4, only 2 an originator, kept by the
  whittle) and C (hostility 2, initiated by 20 against 2, both originators), so the dyad-year's
  lists over all its disputes say onset_hostlevs [2, 4], onset_hostlevs_originators [2]
  (the US-Cuba 1983 pattern: the kept dispute has one originator, another new one has two).
  TIES: 20 threatens sanctions on 2 in 2002 and imposes them in 2003.
- (2, 200): dispute D begins 2003 (2 threatens 200: hostility 2) and continues in 2004.
- (2, 220): 220 joins D on side B in 2004 (new participation, not an originator; 220 displays
  force, so the dyadic hostility is 3). In 2005 D goes on (hostility 3) and 2 begins dispute F
  against 220 (2 uses force: hostility 4, both originators), which the whittle keeps (new over
  ongoing): active_hostlevs [3, 4] (the US-Mexico 1860 pattern: a continuing threat or display
  beside a kept new use of force).
- Democracy: polity2 is 10 (2, 20), -7 (200), 6 (220; missing from 2006); V-Dem scores only
  2 (0.8) and 20 (0.5); BMR codes 200 alone as no democracy; UDS means 1.0, 0.0, -0.5, 0.3.
- Controls: (2, 20) land-contiguous 2000-2008; (2, 200) contiguous by water (type 4, and also
  type 5 in 2001: the lowest type counts); (20, 220) type 2 from 2003; NMC to 2007 with CINC
  0.2, 0.05, 0.1, 0.02; majors 2 (2000-2009) and 200 (2000-2002); a COW defence pact (2, 20)
  2000-2006 (the COW table ends 2006); ATOP (2, 20) throughout plus one asymmetric row
  220 -> 20 in 2005; minimum distance (2, 20) 0 km and (2, 200) 100.5 km 2001-2005.
- peacesciencer's covariates: a Thompson-Dreyer rivalry (2, 200) 2001-2003 (TD data to 2008);
  a TSS spatial rivalry (20, 220) 2004-2008 (TSS data to 2009); capitals Washington, Ottawa, London,
  Paris (220 moves to Vichy on 2006-07-09, so 2006 keeps Paris and 2007 is Vichy); COW trade
  2000-2007 for 2 and 20 only; territorial threat 2000-2009 for every state; joint IGOs
  (2, 20) 60 and (2, 200) 50 every year.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa

from dyadstats.io.files import write_parquet
from dyadstats.universe import build_universe

YEARS = range(2000, 2010)
FIRST_YEAR, LAST_YEAR = 2000, 2009
MID_COVERAGE = [2000, 2008]
TIES_COVERAGE = [2001, 2007]
LEVEL_LISTS = ("onset_hostlevs", "active_hostlevs", "onset_hostlevs_originators", "active_hostlevs_originators")


class Frames(NamedTuple):
    """The frames built on the world, indexed by (ccode1, ccode2, year), with audit and codebook."""

    nd: pd.DataFrame
    dr: pd.DataFrame
    audit: dict[str, Any]
    codebook: str


def save_frame(df: pd.DataFrame, path: Path, schema: dict[str, pa.DataType] | None = None) -> str:
    """Write ``df`` as Parquet (columns named in ``schema`` cast to its types); return the path."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    if schema:
        table = table.cast(pa.schema([(c, schema.get(c, table.schema.field(c).type)) for c in table.column_names]))
    write_parquet(table, path)
    return str(path)


def _ints(df: pd.DataFrame) -> pd.DataFrame:
    skip = ("stateabb", "statenme", "source", *LEVEL_LISTS)
    return df.astype({c: "Int64" for c in df.columns if df[c].dtype == object and c not in skip})


def mid_row(c1: int, c2: int, year: int, onset: int, host1: int, host2: int, orig1: int, orig2: int,
            sidea1: int, n_onsets: int, min_h: int | None, max_h: int | None,
            onset_levels: list[int] | None = None, active_levels: list[int] | None = None,
            onset_orig_levels: list[int] | None = None, active_orig_levels: list[int] | None = None) -> dict:
    """One whittled ``mid_dyad_years`` row; the hostility-level lists over all disputes of the
    dyad-year default to the kept dispute's alone (a dyad-year with one dispute)."""
    host = max(host1, host2)
    both = orig1 == 1 and orig2 == 1
    own_onset = [host] if onset else []
    return dict(ccode1=c1, ccode2=c2, year=year, mid_onset=onset, mid_ongoing=1,
                hostlev=host, hostlev1=host1, hostlev2=host2, orig1=orig1, orig2=orig2,
                sidea1=sidea1, sidea2=1 - sidea1, n_onsets=n_onsets,
                min_onset_hostlev=min_h, max_onset_hostlev=max_h,
                onset_hostlevs=own_onset if onset_levels is None else onset_levels,
                active_hostlevs=[host] if active_levels is None else active_levels,
                onset_hostlevs_originators=(own_onset if both else []) if onset_orig_levels is None else onset_orig_levels,
                active_hostlevs_originators=([host] if both else []) if active_orig_levels is None else active_orig_levels)


def story_mid_rows() -> list[dict]:
    """The whittled MID dyad-years of the story (disputes A-F)."""
    return [
        mid_row(2, 20, 2001, 1, 3, 3, 1, 1, 1, 1, 3, 3),
        mid_row(2, 20, 2002, 0, 3, 3, 1, 1, 1, 0, None, None),
        mid_row(2, 20, 2004, 1, 4, 1, 1, 0, 1, 2, 2, 4, onset_levels=[2, 4], active_levels=[2, 4],
                onset_orig_levels=[2], active_orig_levels=[2]),
        mid_row(2, 200, 2003, 1, 2, 1, 1, 1, 1, 1, 2, 2),
        mid_row(2, 200, 2004, 0, 2, 1, 1, 1, 1, 0, None, None),
        mid_row(2, 220, 2004, 1, 2, 3, 1, 0, 1, 1, 3, 3),
        mid_row(2, 220, 2005, 1, 4, 1, 1, 1, 1, 1, 4, 4, active_levels=[3, 4]),
    ]


def _write_universe(out: Path, paths: dict[str, str]) -> None:
    states = pd.DataFrame(
        [
            ("USA", 2, "A", 2000, 1, 1, 2009, 12, 31),
            ("CAN", 20, "B", 2000, 1, 1, 2009, 12, 31),
            ("UKG", 200, "C", 2000, 1, 1, 2005, 6, 30),
            ("FRN", 220, "D", 2003, 7, 1, 2009, 12, 31),
        ],
        columns=["stateabb", "ccode", "statenme", "styear", "stmonth", "stday", "endyear", "endmonth", "endday"],
    ).assign(version=2016)
    states_path = save_frame(states, out / "cow_states.parquet")
    for name in ("state_years", "dyad_years", "directed_dyad_years"):
        paths[name] = str(out / f"{name}.parquet")
    build_universe(states_path, paths["state_years"], paths["dyad_years"], paths["directed_dyad_years"],
                   out / "universe.json", first_year=FIRST_YEAR, last_year=LAST_YEAR)
    paths.pop("state_years")  # written (role tables read it) but no frame input


def _write_events(out: Path, paths: dict[str, str], mid_rows: list[dict]) -> None:
    mid = pd.DataFrame(mid_rows)
    list_type = {c: pa.list_(pa.int64()) for c in LEVEL_LISTS}
    paths["mid_dyad_years"] = save_frame(_ints(mid), out / "mid_dyad_years.parquet", list_type)
    per_dyad = ["n_onsets", "min_onset_hostlev", "max_onset_hostlev"]
    directed = pd.concat([
        mid.drop(columns=per_dyad),
        mid.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1", "hostlev1": "hostlev2", "hostlev2": "hostlev1",
                            "orig1": "orig2", "orig2": "orig1", "sidea1": "sidea2", "sidea2": "sidea1"})
        .drop(columns=per_dyad),
    ])
    # initiation over all disputes, as the events stage codes it (worked out from the story):
    # (mid_initiated, coercion_initiated) for new disputes ...
    initiated = {(2, 20, 2001): (1, 1), (2, 20, 2004): (1, 0), (20, 2, 2004): (1, 1),
                 (2, 200, 2003): (1, 1), (2, 220, 2004): (1, 1), (2, 220, 2005): (1, 0)}
    # ... and (mid_initiator_active, coercion_initiator_active) for every active dispute: in
    # 2005 2 is D's side-A originator with its own threat (2) while the kept F is a use of force
    active = {(2, 20, 2001): (1, 1), (2, 20, 2002): (1, 1), (2, 20, 2004): (1, 0), (20, 2, 2004): (1, 1),
              (2, 200, 2003): (1, 1), (2, 200, 2004): (1, 1), (2, 220, 2004): (1, 1), (2, 220, 2005): (1, 1)}
    keys = list(zip(directed.ccode1, directed.ccode2, directed.year, strict=True))
    for i, name in enumerate(("mid_initiated", "coercion_initiated")):
        directed[name] = [initiated.get(k, (0, 0))[i] for k in keys]
    for i, name in enumerate(("mid_initiator_active", "coercion_initiator_active")):
        directed[name] = [active.get(k, (0, 0))[i] for k in keys]
    paths["mid_directed_dyad_years"] = save_frame(_ints(directed), out / "mid_directed_dyad_years.parquet", list_type)
    ties = pd.DataFrame(
        [(20, 2, 2002, 1, 0), (20, 2, 2003, 0, 1), (2, 220, 2008, 1, 0)],
        columns=["ccode1", "ccode2", "year", "sanction_threat_onset", "sanction_imposition_onset"],
    )
    paths["ties_directed_dyad_years"] = save_frame(ties, out / "ties_directed_dyad_years.parquet")


def _write_democracy(out: Path, paths: dict[str, str]) -> None:
    score = {2: 10, 20: 10, 200: -7, 220: 6}
    polity = pd.DataFrame(
        [(c, y, (None if c == 220 and y >= 2006 else s)) for c, s in score.items() for y in YEARS],
        columns=["ccode", "year", "polity2"],
    ).astype({"polity2": "Int64"})
    paths["polity5"] = save_frame(polity, out / "polity5.parquet")
    vdem = pd.DataFrame(
        [(c, c, c, y, v) for c, v in {2: 0.8, 20: 0.5}.items() for y in YEARS],
        columns=["vdem_cowcode", "cown", "country_id", "year", "v2x_polyarchy"],
    )
    paths["vdem"] = save_frame(vdem, out / "vdem.parquet")
    bmr = pd.DataFrame([(c, y, d) for c, d in {2: 1, 20: 1, 200: 0, 220: 1}.items() for y in YEARS],
                       columns=["ccode", "year", "democracy"])
    paths["bmr"] = save_frame(bmr, out / "bmr.parquet")
    uds = pd.DataFrame([(c, c, y, m) for c, m in {2: 1.0, 20: 0.0, 200: -0.5, 220: 0.3}.items() for y in YEARS],
                       columns=["cown", "uds_cowcode", "year", "mean"])
    paths["uds"] = save_frame(uds, out / "uds.parquet")


def _write_controls(out: Path, paths: dict[str, str]) -> None:
    cont = [(2, 20, y, 1) for y in range(2000, 2009)]
    cont += [(2, 200, y, 4) for y in range(2000, 2006)] + [(2, 200, 2001, 5)]
    cont += [(20, 220, y, 2) for y in range(2003, 2009)]
    cont += [(b, a, y, t) for a, b, y, t in cont]
    paths["cow_contdird"] = save_frame(pd.DataFrame(cont, columns=["state1no", "state2no", "year", "conttype"]),
                                        out / "cow_contdird.parquet")
    cinc = {2: 0.2, 20: 0.05, 200: 0.1, 220: 0.02}
    nmc = pd.DataFrame([(c, y, v, 10 * c, c, 100.0 * c, None) for c, v in cinc.items() for y in range(2000, 2008)],
                       columns=["ccode", "year", "cinc", "milex", "milper", "tpop", "upop"])
    paths["nmc"] = save_frame(nmc, out / "nmc.parquet")
    majors = pd.DataFrame([(2, 2000, 2009), (200, 2000, 2002)], columns=["ccode", "styear", "endyear"])
    paths["cow_majors"] = save_frame(majors, out / "cow_majors.parquet")
    cow_all = [(2, 20, y, 1) for y in range(2000, 2007)] + [(20, 2, y, 1) for y in range(2000, 2007)] + [(20, 220, 2006, 0)]
    cow_all = pd.DataFrame([(*r, r[3], 0, 0) for r in cow_all],
                           columns=["ccode1", "ccode2", "year", "cow_defense", "cow_neutral", "cow_nonagg", "cow_entente"])
    paths["ps_cow_alliance"] = save_frame(cow_all, out / "ps_cow_alliance.parquet")
    atop = [(2, 20, y, 1) for y in YEARS] + [(20, 2, y, 1) for y in YEARS] + [(220, 20, 2005, 1)]
    paths["ps_atop_alliance"] = save_frame(pd.DataFrame(atop, columns=["ccode1", "ccode2", "year", "atop_defense"]),
                                            out / "ps_atop_alliance.parquet")
    dist = [(2, 20, y, 0.0) for y in YEARS] + [(2, 200, y, 100.5) for y in range(2001, 2006)]
    paths["ps_cow_mindist"] = save_frame(pd.DataFrame(dist, columns=["ccode1", "ccode2", "year", "mindist"]),
                                          out / "ps_cow_mindist.parquet")
    _write_covariates(out, paths)


# capitals of the world's states: (ccode, start, end, lat, lng)
WORLD_CAPITALS = [(2, "1816-01-01", "2024-12-31", 38.895037, -77.036543), (20, "1867-01-01", "2024-12-31", 45.420878, -75.690111),
                  (200, "1816-01-01", "2024-12-31", 51.507446, -0.127765), (220, "1816-01-01", "2006-07-08", 48.85889, 2.320041),
                  (220, "2006-07-09", "2024-12-31", 46.123927, 3.420371)]


def _write_covariates(out: Path, paths: dict[str, str]) -> None:
    """peacesciencer's covariate tables (``dyadstats.frame.covariates``) in their ingested shape."""
    td = pd.DataFrame([(1, 2, 200, 2001, 2003), (2, 300, 640, 1494, 2008)],
                      columns=["rivalryno", "ccode1", "ccode2", "styear", "endyear"])
    paths["ps_td_rivalries"] = save_frame(td, out / "ps_td_rivalries.parquet")
    tss = pd.DataFrame([(1, 20, 220, 2004, 2008, None, 1, None, None), (2, 300, 640, 1494, 2009, 1, None, None, None)],
                       columns=["tssr_id", "ccode1", "ccode2", "start", "end", "positional", "spatial",
                                "ideological", "interventionary"]).astype({c: "Int64" for c in ("positional", "spatial", "ideological", "interventionary")})
    paths["ps_tss_rivalries"] = save_frame(tss, out / "ps_tss_rivalries.parquet")
    paths["ps_cow_capitals"] = save_frame(pd.DataFrame(WORLD_CAPITALS, columns=["ccode", "stdate", "enddate", "lat", "lng"]),
                                           out / "ps_cow_capitals.parquet")
    trade = pd.DataFrame([(c, y, 100.0 * c + y - 2000, 50.0 * c) for c in (2, 20) for y in range(2000, 2008)],
                         columns=["ccode", "year", "imports", "exports"])
    paths["ps_cow_trade_sy"] = save_frame(trade, out / "ps_cow_trade_sy.parquet")
    threat = pd.DataFrame([(c, y, c / 100.0 - 1.0) for c in (2, 20, 200, 220) for y in YEARS],
                          columns=["ccode", "year", "lterrthreat"])
    paths["ps_terrthreat"] = save_frame(threat, out / "ps_terrthreat.parquet")
    igo = pd.DataFrame([(2, 20, y, 60) for y in YEARS] + [(2, 200, y, 50) for y in range(2000, 2006)],
                       columns=["ccode1", "ccode2", "year", "dyadigos"])
    paths["ps_cow_igo_ndy"] = save_frame(igo, out / "ps_cow_igo_ndy.parquet")


def write_world(directory: str | Path, mid_rows: list[dict] | None = None) -> dict[str, str]:
    """Write every input table of the frame stage for the world; return input name -> path.

    ``mid_rows`` replaces the story's MID dyad-years (property tests draw their own, with
    :func:`mid_row`). ``state_years.parquet`` is written beside them for role tables.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {}
    _write_universe(out, paths)
    _write_events(out, paths, story_mid_rows() if mid_rows is None else mid_rows)
    _write_democracy(out, paths)
    _write_controls(out, paths)
    return paths


def build_world_frames(directory: str | Path, build: dict | None = None,
                       mid_rows: list[dict] | None = None) -> Frames:
    """Write the world under ``directory/in`` and build both frames under ``directory/out``
    (``nd.parquet``, ``dir.parquet``, ``frame.json``, ``codebook.md``) with the ``build``
    config section; return them read back."""
    from dyadstats.frame.build import build_frames  # a later stage than the world's
    from dyadstats.frame.options import frame_options

    root = Path(directory)
    paths = write_world(root / "in", mid_rows)
    out = root / "out"
    build_frames(paths, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md",
                 frame_options(build or {}, MID_COVERAGE, TIES_COVERAGE))
    key = ["ccode1", "ccode2", "year"]
    return Frames(pd.read_parquet(out / "nd.parquet").set_index(key),
                  pd.read_parquet(out / "dir.parquet").set_index(key),
                  json.loads((out / "frame.json").read_text()), (out / "codebook.md").read_text())


def dyad_column(frame: pd.DataFrame, dyad: tuple[int, int], column: str) -> list:
    """A dyad's values of ``column`` in year order, with missing values as ``None``."""
    s = frame.loc[dyad][column]
    return [None if pd.isna(v) else v for v in s.tolist()]
