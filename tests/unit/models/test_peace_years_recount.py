"""A model's own peace-years count (``peace_years_over``, ``peace_years_rule``).

Expected values are worked out by hand on a one-dyad frame; a second check counts the hand-built
world's peace years by the other rule and compares them with the frame stage's own count."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dyadstats.models import ModelSpec, SampleSpec, prepare, resolve
from dyadstats.models.sample_sql import sample_select
from dyadstats.models.spec import ModelSpecError, spec_from_dict
from dyadstats.testing.world import build_world_frames

YEARS = list(range(2000, 2008))


def one_dyad() -> pd.DataFrame:
    """Dyad 2-20, 2000-2007: onsets in 2001 and 2005, each active two years (2001-02, 2005-06);
    politically relevant except in 2002-2003. The frame's peace years are the universe count by
    the onset rule: 0 1 | 0 1 2 3 | 0 1."""
    return pd.DataFrame({
        "ccode1": 2, "ccode2": 20, "year": YEARS, "dyad_id": 2020,
        "coercion_onset": [0, 1, 0, 0, 0, 1, 0, 0],
        "ongoing_coercion_onset": [0, 1, 1, 0, 0, 1, 1, 0],
        "politically_relevant": [1, 1, 0, 0, 1, 1, 1, 1],
        "x": [0.3, -1.2, 0.5, 2.0, -0.7, 1.1, 0.4, -0.2],
        "peace_years_coercion_onset": [0, 1, 0, 1, 2, 3, 0, 1],
    }).assign(peace_years_coercion_onset_2=lambda d: d.peace_years_coercion_onset ** 2,
              peace_years_coercion_onset_3=lambda d: d.peace_years_coercion_onset ** 3)


def spec(**keys) -> ModelSpec:
    sample = SampleSpec(politically_relevant=keys.pop("prd", True))
    return ModelSpec(name="m", outcome="coercion_onset", regressors="x", focal="x", sample=sample, **keys)


def counted(**keys) -> dict[int, int]:
    design = prepare(one_dyad(), spec(**keys))
    data = design.data
    assert (data["peace_years_coercion_onset_2"] == data["peace_years_coercion_onset"] ** 2).all()
    assert (data["peace_years_coercion_onset_3"] == data["peace_years_coercion_onset"] ** 3).all()
    return dict(zip(data["year"], data["peace_years_coercion_onset"].astype(int), strict=True))


def test_default_uses_the_frames_universe_count() -> None:
    # PRD rows 2000, 2001, 2004-2007 keep the universe count: 0 1 . . 2 3 0 1
    assert counted() == {2000: 0, 2001: 1, 2004: 2, 2005: 3, 2006: 0, 2007: 1}
    assert resolve(spec(), one_dyad().columns).spells is None


def test_sample_count_runs_over_the_models_rows_only() -> None:
    # over the PRD rows alone (2002-03 skipped, the gap ignored): 2004 follows the 2001 onset
    assert counted(peace_years_over="sample") == {2000: 0, 2001: 1, 2004: 0, 2005: 1, 2006: 0, 2007: 1}


def test_sample_count_by_the_ongoing_rule() -> None:
    # events = active years in the sample: 2001, 2005, 2006 (2002 is not a sample row)
    assert counted(peace_years_over="sample", peace_years_rule="ongoing") == {
        2000: 0, 2001: 1, 2004: 0, 2005: 1, 2006: 0, 2007: 0}


def test_universe_count_by_the_ongoing_rule_then_filtered() -> None:
    # all rows: 0 1 0(e) 0 1 2(e) 0(e) 0 -> PRD rows 2000, 2001, 2004-2007
    assert counted(peace_years_rule="ongoing") == {2000: 0, 2001: 1, 2004: 1, 2005: 2, 2006: 0, 2007: 0}


def test_an_ongoing_count_needs_the_ongoing_column() -> None:
    frame = one_dyad().drop(columns="ongoing_coercion_onset")
    with pytest.raises(Exception, match="ongoing_coercion_onset"):
        resolve(spec(peace_years_rule="ongoing"), frame.columns)


def test_no_time_dependence_needs_no_count() -> None:
    assert resolve(spec(time_dependence="none", peace_years_over="sample"), one_dyad().columns).spells is None


def test_keys_round_trip_and_defaults_stay_out_of_params() -> None:
    plain = spec().to_dict()
    assert "peace_years_over" not in plain and "peace_years_rule" not in plain
    own = spec(peace_years_over="sample", peace_years_rule="ongoing")
    assert spec_from_dict(own.to_dict()) == own
    with pytest.raises(ModelSpecError, match="peace_years_over"):
        spec_from_dict({**plain, "peace_years_over": "prd"})
    with pytest.raises(ModelSpecError, match="peace_years_rule"):
        spec_from_dict({**plain, "peace_years_rule": "war"})


def test_sample_select_filters_after_a_universe_count() -> None:
    sql = sample_select(resolve(spec(peace_years_rule="ongoing"), one_dyad().columns), "t")
    # the universe count reads every row; the sample filter applies to the counted rows
    assert sql.rstrip().endswith('"politically_relevant" = 1')


@pytest.fixture(scope="module")
def frames_by_rule(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for rule in ("onset", "ongoing"):
        root = tmp_path_factory.mktemp(f"world_{rule}")
        build_world_frames(root, {"peace_years": {"rule": rule}})
        out[rule] = root / "out" / "nd.parquet"
    return out


@pytest.mark.parametrize(("built", "asked"), [("onset", "ongoing"), ("ongoing", "onset")])
@pytest.mark.parametrize("outcome", ["coercion_onset", "mid_onset", "sanction_threat_onset"])
def test_a_models_count_by_the_other_rule_equals_the_frame_built_by_it(
        frames_by_rule: dict[str, Path], built: str, asked: str, outcome: str) -> None:
    """Two implementations: the frame stage's window passes over its hidden 'active' flags,
    and the model's recount over the visible ongoing_<outcome> column."""
    model = ModelSpec(name="m", outcome=outcome, regressors="dyad_id", focal="dyad_id", peace_years_rule=asked,
                      sample=SampleSpec(politically_relevant=False))
    resolved = resolve(model, pd.read_parquet(frames_by_rule[built]).columns, built)
    assert resolved.spells is not None and resolved.spells.over == "universe"
    mine = prepare(frames_by_rule[built], model).data.set_index(["ccode1", "ccode2", "year"])
    theirs = pd.read_parquet(frames_by_rule[asked]).set_index(["ccode1", "ccode2", "year"])
    col = f"peace_years_{outcome}"
    assert len(mine) >= 20
    pd.testing.assert_series_equal(mine[col].astype("int64"), theirs.loc[mine.index, col].astype("int64"))
    # The rules differ on this world's multi-year MIDs, so the check has teeth; TIES cases have
    # no duration (active = onset), so both rules count the same there.
    own = pd.read_parquet(frames_by_rule[built]).set_index(["ccode1", "ccode2", "year"])
    differs = bool((own.loc[mine.index, col] != theirs.loc[mine.index, col]).any())
    assert differs == (not outcome.startswith("sanction"))


def test_the_ongoing_column_equals_mid_ongoing_for_hostility_2_to_5(frames_by_rule: dict[str, Path]) -> None:
    nd = pd.read_parquet(frames_by_rule["onset"])
    pd.testing.assert_series_equal(nd["ongoing_mid_onset"], nd["mid_ongoing"], check_names=False)
