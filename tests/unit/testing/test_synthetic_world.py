"""The synthetic world generator (dyadstats.testing.synthetic_world) the scale benchmark builds on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dyadstats.testing import synthetic_world

INT, F, S = pa.int64(), pa.float64(), pa.large_string()
TEMPLATE_SCHEMAS = {
    "cow_states": [("stateabb", S), ("ccode", INT), ("statenme", S), ("styear", INT), ("stmonth", INT),
                   ("stday", INT), ("endyear", INT), ("endmonth", INT), ("endday", INT), ("version", INT)],
    "cow_majors": [("stateabb", S), ("ccode", INT), ("styear", INT), ("stmonth", INT), ("stday", INT),
                   ("endyear", INT), ("endmonth", INT), ("endday", INT), ("version", INT)],
    "nmc": [("stateabb", S), ("ccode", INT), ("year", INT), ("milex", INT), ("cinc", F), ("version", INT)],
    "polity5": [("ccode", INT), ("scode", S), ("country", S), ("year", INT), ("democ", INT), ("autoc", INT),
                ("polity", INT), ("polity2", INT), ("durable", INT)],
    "vdem": [("vdem_country_name", S), ("country_id", INT), ("year", INT), ("vdem_cowcode", INT),
             ("v2x_polyarchy", F), ("cown", INT)],
    "bmr": [("country", S), ("ccode", INT), ("year", INT), ("democracy", INT)],
    "uds": [("uds_country", S), ("year", INT), ("uds_cowcode", INT), ("mean", F), ("cown", INT)],
    "cow_contdird": [("dyad", INT), ("state1no", INT), ("state1ab", S), ("state2no", INT), ("state2ab", S),
                     ("year", INT), ("conttype", INT), ("version", F)],
    "ps_cow_alliance": [("ccode1", INT), ("ccode2", INT), ("year", INT), ("cow_defense", INT), ("cow_neutral", INT),
                        ("cow_nonagg", INT), ("cow_entente", INT)],
    "ps_atop_alliance": [("ccode1", INT), ("ccode2", INT), ("year", INT), ("atop_defense", INT), ("atop_offense", INT),
                         ("atop_neutral", INT), ("atop_nonagg", INT), ("atop_consul", INT)],
    "ps_cow_mindist": [("ccode1", INT), ("ccode2", INT), ("year", INT), ("mindist", F)],
    "mid5_disputes": [(c, INT) for c in ("dispnum", "stday", "stmon", "styear", "endday", "endmon", "endyear",
                                       "outcome", "settle", "fatality", "fatalpre", "maxdur", "mindur", "hiact",
                                       "hostlev", "recip", "numa", "numb", "ongo2014", "version")],
    "mid5_participants": [("dispnum", INT), ("stabb", S), ("ccode", INT)] + [
        (c, INT) for c in ("stday", "stmon", "styear", "endday", "endmon", "endyear", "sidea", "revstate",
                         "revtype1", "revtype2", "fatality", "fatalpre", "hiact", "hostlev", "orig", "version")],
    "ties": [("caseid", INT), ("startmonth", INT), ("startday", INT), ("startyear", INT), ("sender1", INT),
             ("sender2", INT), ("sender3", INT), ("sender4", INT), ("sender5", INT), ("primarysender", INT),
             ("targetstate", INT), ("threat", INT), ("imposition", INT), ("sancimpositionstartyear", S)],
    "icb_crises": [("crisno", INT)],  # not synthesised: copied whole
}


@pytest.fixture()
def template(tmp_path: Path) -> Path:
    """Real-shaped but tiny ingested tables: ten states members 1816-2016 (45 dyads a year)."""
    d = tmp_path / "template"
    d.mkdir()
    for name, fields in TEMPLATE_SCHEMAS.items():
        schema = pa.schema(fields)
        if name == "cow_states":
            codes = [2, 20, 200, 220, 255, 300, 325, 365, 640, 710]
            cols = {"ccode": codes, "stateabb": [f"X{c}" for c in codes], "statenme": [f"X{c}" for c in codes],
                    "styear": [1816] * 10, "stmonth": [1] * 10, "stday": [1] * 10,
                    "endyear": [2016] * 10, "endmonth": [12] * 10, "endday": [31] * 10, "version": [2016] * 10}
            table = pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in schema})
        elif name == "icb_crises":
            table = pa.table({"crisno": pa.array([1, 2], type=INT)})
        else:
            table = schema.empty_table()
        pq.write_table(table, d / f"{name}.parquet")
    return d


def test_real_dyad_years_counts_pairs_per_year(template: Path) -> None:
    assert synthetic_world.real_dyad_years(template) == 45 * 199  # C(10, 2) dyads, 1816-2014


def test_write_world_hits_the_target_in_the_template_schemas(template: Path, tmp_path: Path) -> None:
    from dyadstats.universe import build_universe

    out = tmp_path / "world"
    info = synthetic_world.write_world(template, out, factor=3, seed=7)
    target = 3 * 45 * 199
    assert info["target_dyad_years"] == target
    assert target <= info["dyad_years"] <= target * 1.25  # the smallest world at least that big
    for name, fields in TEMPLATE_SCHEMAS.items():
        schema = pq.read_schema(out / f"{name}.parquet").remove_metadata()
        assert schema.names == [f for f, _ in fields], name
        assert [str(t) for t in schema.types] == [str(t) for _, t in fields], name
    # The package's own universe stage agrees with the generator's count up to the same-day rule.
    f = tmp_path / "frames"
    rec = build_universe(out / "cow_states.parquet", f / "sy.parquet", f / "dy.parquet", f / "ddy.parquet",
                         tmp_path / "audit.json")
    n = rec["dyad_years"]["rows_out"]
    assert 0.97 * info["dyad_years"] <= n <= info["dyad_years"]
    con = duckdb.connect()
    states = set(np.asarray(con.sql(f"SELECT DISTINCT ccode FROM '{out}/cow_states.parquet'").fetchnumpy()["ccode"]))
    mid_states = con.sql(f"SELECT DISTINCT ccode FROM '{out}/mid5_participants.parquet'").fetchnumpy()["ccode"]
    assert set(mid_states) <= states
    assert con.execute(f"SELECT count(*) FROM '{out}/mid5_disputes.parquet'").fetchone()[0] == round(2436 * 3)
    # contiguity is symmetric, state-year tables have unique keys
    assert con.execute(f"""SELECT count(*) FROM '{out}/cow_contdird.parquet' a ANTI JOIN '{out}/cow_contdird.parquet' b
                       ON a.state1no = b.state2no AND a.state2no = b.state1no AND a.year = b.year""").fetchone()[0] == 0
    assert con.execute(f"""SELECT count(*) FROM (SELECT ccode, year FROM '{out}/polity5.parquet'
                       GROUP BY ALL HAVING count(*) > 1)""").fetchone()[0] == 0
    assert pq.read_table(out / "icb_crises.parquet").num_rows == 2  # copied as is
    # same arguments, same world (the summary is reused; a different seed is a different world)
    assert synthetic_world.write_world(template, out, factor=3, seed=7) == info
    other = synthetic_world.write_world(template, tmp_path / "w2", factor=3, seed=8)
    assert other["key"]["seed"] == 8


def test_too_large_a_world_is_refused() -> None:
    with pytest.raises(ValueError, match="stop at 999"):
        synthetic_world.choose_states(10**9, seed=1, first_year=1816, last_year=2014)
