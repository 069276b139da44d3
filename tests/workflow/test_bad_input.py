"""Every class of bad user input, through Snakemake: a clear message, a non-zero exit, earlier
results untouched (a failing job keeps its previous good output) and no partial output.

Each case is a user democracy measure declared in config (its own source, table and role) over a
four-year universe of the tiny provider-shaped COW states of :mod:`dyadstats.testing.raw_world`
(offline: no ../shared). One good run builds them all; then every file is broken the way a
researcher might break it, and one rerun (``--keep-going``, so that each case fails on its own)
must stop non-zero, print each case's message, leave each failing job without output and leave
every other earlier result byte-identical. Config errors stop before any job and are run one
by one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dyadstats.testing.raw_world import write_raw_world
from dyadstats.testing.repo import base_config, repo_root, snakemake_argv

REPO = repo_root()


GOOD_CSV = b"ccode,year,score\n2,1990,8\n2,1991,9\n200,1990,10\n200,1991,10\n365,1990,-7\n365,1991,0\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Case:
    """One bad input: the bytes that replace the good file and what the run must say."""

    bad: bytes
    expected: list[str]
    stage: str = "ingest"  # where it fails: acquire | ingest | roles
    name: str = "dem.csv"
    fmt: str = "csv"
    update_sha: bool = True  # a researcher who replaces a file also updates its sha256
    bad_path: str | None = None  # declare this (absent) path instead of writing the file
    role: dict = field(default_factory=dict)


CASES: dict[str, Case] = {
    "missing_file": Case(b"", ["source 'src_missing_file' file 'dem.csv'", "was not found",
                              "places looked", "dem_v2.csv (absent)"], stage="acquire", bad_path="dem_v2.csv"),
    "checksum": Case(GOOD_CSV + b"2,1992,9\n", [
        "source 'src_checksum' file 'dem.csv': checksum mismatch, refusing to use it",
        f"expected sha256 {sha(GOOD_CSV)}"], stage="acquire", update_sha=False),
    "truncated": Case(GOOD_CSV + b"365,19", [
        "row 7 (the last line) has 2 fields, the header has 3: the file looks truncated"]),
    "unreadable": Case(b"PAR1 this is not parquet", ["dem.parquet: cannot read as Parquet"],
                       name="dem.parquet", fmt="parquet"),
    "renamed_column": Case(GOOD_CSV.replace(b"ccode,year", b"ccode,yr"), [
        "missing column(s) year (table 'tab_renamed_column')", "Expected (declared): ccode, year, score",
        "Found: ccode, yr, score"]),
    "wrong_type": Case(GOOD_CSV.replace(b"2,1991,9", b'2,"1,2",9'), [
        "column 'year' must be an integer but line 3 hold(s) '1,2'"]),
    "duplicate_key": Case(GOOD_CSV + b"2,1990,7\n", [
        "duplicate primary key (ccode, year): 2 rows share a key", "ccode=2, year=1990"]),
    "outside_coverage": Case(GOOD_CSV + b"2,1950,7\n", [
        "column 'year' has years outside the declared coverage 1989-1992: line 8 hold(s) 1950"]),
    "out_of_range": Case(GOOD_CSV.replace(b"2,1991,9", b"2,1991,99"), [
        "column 'score' fails less_than_or_equal_to(10)", "line 3 hold(s) 99"]),
    "empty": Case(b"", ["dem.csv: the file is empty"]),
    "header_only": Case(b"ccode,year,score\n", ["has a header but no data rows"]),
    "not_utf8": Case(b"ccode,year,score,name\n2,1990,8,Fran\xe7e\n", ["not valid UTF-8 at byte 35 (line 2)"]),
    "utf16": Case("ccode,year,score\n2,1990,8\n".encode("utf-16"), [
        "the file is UTF-16LE (byte-order mark ff fe), not UTF-8"]),
    # 260 (West Germany) left the COW system on 1990-10-03; 999 is no state.
    # reader faults (issue 12): never a wrapped, rounded, padded or renamed value
    "int_overflow": Case(GOOD_CSV.replace(b"2,1991,9", b"99999999999999999999,1991,9"), [
        "column 'ccode' holds integer(s) outside the 64-bit range or too large to hold exactly: "
        "line 3 hold(s) '99999999999999999999'"]),
    "infinite": Case(GOOD_CSV.replace(b"2,1991,9", b"2,1991,inf"), [
        "column 'score' must hold finite numbers but line 3 hold(s) 'inf'"]),
    "float_range": Case(GOOD_CSV.replace(b"2,1991,9", b"2,1991,1e400"), [
        "column 'score' must hold finite numbers but line 3 hold(s) '1e400'"]),
    "short_row": Case(GOOD_CSV.replace(b"200,1990,10\n", b"200,1990\n"), [
        "1 row(s) do not have the header's 3 fields: line 4 has 2"]),
    "duplicate_header": Case(GOOD_CSV.replace(b"ccode,year,score", b"ccode,year,year"), [
        "the header (line 1) repeats column name(s) 'year'"]),
    # two blank lines before the bad row: it is line 5 in an editor, data row 3
    "line_after_blanks": Case(GOOD_CSV.replace(b"2,1991,9\n", b"\n\n2,1991,99\n"), [
        "column 'score' fails less_than_or_equal_to(10)", "line 5 hold(s) 99"]),
    "state_code": Case(GOOD_CSV + b"260,1991,10\n999,1990,5\n999,1991,5\n345,1991,-5\n", [
        "3 of 10 rows have a state code that is not a member of the state system in that year (1989-1992)",
        "ccode=999 in 1990-1991 (2 rows)", "ccode=260 in 1991 (1 row)",
        "set roles.democracy.dem_state_code.unknown_states: drop"], stage="roles"),
    "role_column": Case(GOOD_CSV, [
        "roles.democracy.dem_role_column maps column(s) not in the table: score -> 'polyarchy'",
        "Found: ccode, year, score"], stage="roles", role={"score": "polyarchy"}),
}
# Inputs that are not errors: they must succeed in the same rerun.
GOOD_CHANGES: dict[str, Case] = {
    "bom": Case(b"\xef\xbb\xbf" + GOOD_CSV, []),
    "dropped_states": Case(GOOD_CSV + b"999,1990,5\n", [], role={"unknown_states": "drop"}),
}


def source(case_id: str, path: Path, data: bytes, fmt: str) -> dict:
    return {
        "provider": "A researcher", "dataset": f"Democracy scores ({case_id})", "version": "1",
        "citation": "Researcher, A. 2024. My democracy scores.", "coverage": [1989, 1992],
        "files": [{
            "file": path.name, "path": str(path), "sha256": sha(data), "format": fmt,
            "table": {
                "name": f"tab_{case_id}", "primary_key": ["ccode", "year"], "year_column": "year",
                "columns": {"ccode": {"type": "int"}, "year": {"type": "int"},
                            "score": {"type": "float", "min": -10, "max": 10}},
            },
        }],
    }


def write_good(user: Path, mirror: Path, manifest: Path) -> dict:
    """The good files and a config declaring one source and one role per case."""
    config = base_config(mirror)
    config["manifest"] = str(manifest)
    config["build"] = {**config.get("build", {}), "first_year": 1989, "last_year": 1992}
    config["extra_sources"], config["roles"] = {}, {"democracy": {}}
    for case_id in [*CASES, *GOOD_CHANGES]:
        path = user / case_id / "dem.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(GOOD_CSV)
        config["extra_sources"][f"src_{case_id}"] = source(case_id, path, GOOD_CSV, "csv")
        config["roles"]["democracy"][f"dem_{case_id}"] = {"table": f"tab_{case_id}", "score": "score", "threshold": 6}
    return config


def break_inputs(user: Path, config: dict) -> None:
    """Apply every case (and every good change) to the files and the config."""
    for case_id, case in {**CASES, **GOOD_CHANGES}.items():
        path = user / case_id / case.name
        entry = config["extra_sources"][f"src_{case_id}"]["files"][0]
        if case.bad_path:
            path = user / case_id / case.bad_path
        elif not path.is_file() or path.read_bytes() != case.bad:
            path.write_bytes(case.bad)
        entry["path"], entry["file"], entry["format"] = str(path), case.name, case.fmt
        if case.update_sha and not case.bad_path:
            entry["sha256"] = sha(case.bad)
        config["roles"]["democracy"][f"dem_{case_id}"].update(case.role)


def run(workdir: Path, config: dict, *extra: str) -> subprocess.CompletedProcess[str]:
    cfg = workdir / "config.yaml"
    cfg.write_text(yaml.safe_dump(config, sort_keys=False))
    # jobs in threads, Snakemake started as `dyadstats run` starts it
    return subprocess.run(snakemake_argv(workdir, cfg, None, 2, *extra), capture_output=True, text=True, cwd=workdir)


def targets(config: dict) -> list[str]:
    return [f"results/roles/democracy/{name}.parquet" for name in config["roles"]["democracy"]]


def snapshot(workdir: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime (ns) of every result file."""
    return {
        str(p.relative_to(workdir)): (sha(p.read_bytes()), p.stat().st_mtime_ns)
        for p in sorted((workdir / "results").rglob("*")) if p.is_file()
    }


def outputs_of(case_id: str, stage: str) -> set[str]:
    """The results a failing case's jobs would have rewritten (and so must now be absent)."""
    role = {f"results/roles/democracy/dem_{case_id}.parquet", f"results/audit/roles/democracy/dem_{case_id}.json"}
    ingest = {f"results/ingest/tab_{case_id}.parquet", f"results/audit/ingest/tab_{case_id}.json"}
    return {"roles": role, "ingest": ingest}.get(stage, set())


@dataclass
class Rerun:
    workdir: Path
    result: subprocess.CompletedProcess[str]
    before: dict[str, tuple[str, int]]
    after: dict[str, tuple[str, int]]


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("bad_input")
    # the tiny provider-shaped COW states (dyadstats.testing.raw_world): no ../shared needed
    mirror, manifest = write_raw_world(root / "world", REPO / "data" / "sources.yaml")
    config = write_good(root / "user", mirror, manifest)
    (root / "run").mkdir()
    result = run(root / "run", config, *targets(config))
    assert result.returncode == 0, result.stderr[-4000:]
    return root, config


@pytest.fixture(scope="module")
def rerun(good_run: tuple[Path, dict]) -> Rerun:
    # In place: the user's files keep their paths, so only what a case changes is stale.
    root, config = good_run
    config = json.loads(json.dumps(config))
    workdir = root / "run"
    before = snapshot(workdir)
    break_inputs(root / "user", config)
    result = run(workdir, config, "--keep-going", *targets(config))
    return Rerun(workdir, result, before, snapshot(workdir))


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bad_input_stops_with_message_and_loses_nothing(case_id: str, rerun: Rerun) -> None:
    case = CASES[case_id]
    assert rerun.result.returncode != 0
    for text in case.expected:
        assert text in rerun.result.stderr, f"{text!r} not in:\n{rerun.result.stderr[-3000:]}"
    # the failing job's previous good outputs are kept byte for byte (update() outputs,
    # dyadstats.io.keep); a failed acquire never reached ingest, so its table is as it was too
    for path in outputs_of(case_id, case.stage):
        assert rerun.after[path][0] == rerun.before[path][0], f"previous output lost or changed: {path}"
    # downstream of a failed acquire or ingest, the good run's role table stays as it was
    role_table = f"results/roles/democracy/dem_{case_id}.parquet"
    if case.stage in ("acquire", "ingest"):
        assert rerun.after[role_table] == rerun.before[role_table]


def test_earlier_results_untouched_and_no_temporary_files(rerun: Rerun) -> None:
    rewritten = set().union(*(outputs_of(c, k.stage) for c, k in CASES.items()))
    # a role-stage case with new (valid) data was re-ingested on purpose
    rewritten |= set().union(*(outputs_of(c, "ingest") for c, k in CASES.items()
                               if k.stage == "roles" and k.bad != GOOD_CSV))
    # the good changes (BOM, dropped states) were rebuilt on purpose
    for case_id in GOOD_CHANGES:
        rewritten |= outputs_of(case_id, "ingest") | outputs_of(case_id, "roles")
    for path, state in rerun.before.items():
        if path not in rewritten:
            assert rerun.after.get(path) == state, f"earlier result changed: {path}"
        else:  # kept (failed) or rebuilt (good change): never deleted
            assert path in rerun.after, f"earlier result deleted: {path}"
    assert not list(rerun.workdir.rglob("*.part")), "temporary .part file left behind"
    assert not list(rerun.workdir.rglob(".*.part")), "temporary .part file left behind"


def test_bom_file_is_read_cleanly(rerun: Rerun) -> None:
    frame = pd.read_parquet(rerun.workdir / "results/ingest/tab_bom.parquet")
    assert frame.columns.tolist() == ["ccode", "year", "score"]
    assert len(frame) == 6


def test_unknown_state_codes_dropped_on_request(rerun: Rerun) -> None:
    assert "dropped 1 rows whose state code is not a system member" in rerun.result.stderr
    audit = json.loads((rerun.workdir / "results/audit/roles/democracy/dem_dropped_states.json").read_text())
    assert audit["dropped"] == {"state code not a system member in that year": 1}
    assert audit["rows_in"] == 7 and audit["rows_out"] == 6


CONFIG_ERRORS = {
    "type": (lambda c: c["roles"]["democracy"]["dem_bom"].update(threshold="six"),
             ["'six' is not of type 'number'", "roles", "dem_bom", "threshold"]),
    "enum": (lambda c: c["roles"]["democracy"]["dem_bom"].update(rule="=>"), ["'=>' is not one of", "rule"]),
    "pattern": (lambda c: c["extra_sources"]["src_bom"]["files"][0].update(sha256="abc"),
                ["'abc' does not match", "sha256"]),
    "column_type": (lambda c: c["extra_sources"]["src_bom"]["files"][0]["table"]["columns"]["year"].update(type="integer"),
                    ["'integer' is not one of ['int', 'float', 'str']", "year"]),
    "unknown_key": (lambda c: c["roles"]["democracy"]["dem_bom"].update(treshold=5),
                    ["Additional properties are not allowed ('treshold' was unexpected)"]),
    "unknown_table": (lambda c: c["roles"]["democracy"]["dem_bom"].update(table="tab_bmo"),
                      ["roles.democracy.dem_bom.table: 'tab_bmo' is not a declared table"]),
    # issue 12: unknown keys at every level, threshold ranges, empty model list, path-like names
    "build_unknown_key": (lambda c: c["build"].update(frist_year=1990),
                          ["Additional properties are not allowed ('frist_year' was unexpected)", "build"]),
    "source_unknown_key": (lambda c: c["extra_sources"]["src_bom"].update(coverge=[1989, 1992]),
                           ["Additional properties are not allowed ('coverge' was unexpected)", "src_bom"]),
    "file_unknown_key": (lambda c: c["extra_sources"]["src_bom"]["files"][0].update(shasum="x"),
                         ["Additional properties are not allowed ('shasum' was unexpected)", "files"]),
    "threshold_range": (lambda c: c["build"]["democracy"]["polity"].update(threshold=11),
                        ["11 is greater than the maximum of 10", "polity", "threshold"]),
    "empty_models": (lambda c: c["models"].update(specs={}),
                     ["models.specs is empty: declare at least one model"]),
    "source_id_path": (lambda c: c["extra_sources"].update({"../src_x": c["extra_sources"].pop("src_bom")}),
                       ["extra_sources.../src_x: source id '../src_x' contains a path separator"]),
    "file_name_path": (lambda c: c["extra_sources"]["src_bom"]["files"][0].update(file="sub/dem.csv"),
                       ["source 'src_bom': file name 'sub/dem.csv' contains a path separator"]),
    # issue 12: config is data, refused when the config is read (no job runs, nothing written)
    "where_statement": (lambda c: c["models"]["specs"][next(iter(c["models"]["specs"]))].setdefault("sample", {})
                        .update(where="1=1; COPY (SELECT 42) TO 'injected.csv'"),
                        ["sample.where: give one predicate, not 2 statements"]),
    "where_table_function": (lambda c: c["models"]["specs"][next(iter(c["models"]["specs"]))].setdefault("sample", {})
                             .update(where="year IN (SELECT 1 FROM read_csv('/etc/passwd'))"),
                             ["sample.where", "is not allowed"]),
    "formula_code": (lambda c: c["models"]["specs"][next(iter(c["models"]["specs"]))]
                     .update(regressors="{joint_democracy} + __import__('os').system('touch injected.txt')"),
                     ["models.specs.M1_prd.regressors: the attribute", "is not allowed in a formula"]),
}


@pytest.mark.parametrize("error", sorted(CONFIG_ERRORS))
def test_config_error_names_the_key(error: str, good_run: tuple[Path, dict], tmp_path: Path) -> None:
    src, config = good_run
    shutil.copytree(src / "run" / "results", tmp_path / "results", symlinks=True)
    before = snapshot(tmp_path)
    config = json.loads(json.dumps(config))
    change, expected = CONFIG_ERRORS[error]
    change(config)
    result = run(tmp_path, config, *targets(config))
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr[-3000:]}"
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.glob("injected*")), "an injected command wrote a file"
