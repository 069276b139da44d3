# universe stage rules (see README 'What the main job does').
# COW state-years, non-directed and directed dyad-years (same-day rule) from the state spells.
BUILD = config["build"]

for _table in ("state_years", "dyad_years", "directed_dyad_years"):
    DB_TABLES[_table] = f"results/frames/{_table}.parquet"
FINAL_TARGETS.append("results/audit/universe.json")


rule universe:
    """COW state-system spells -> state-years, dyad-years, directed dyad-years (+ audit)."""
    input:
        states="results/ingest/cow_states.parquet",
    output:
        state_years="results/frames/state_years.parquet",
        dyad_years="results/frames/dyad_years.parquet",
        directed="results/frames/directed_dyad_years.parquet",
        audit="results/audit/universe.json",
    params:
        first_year=BUILD["first_year"],
        last_year=BUILD["last_year"],
    log:
        "logs/universe.log",
    run:
        from dyadstats.io.logs import job_log
        from dyadstats.universe import build_universe

        with job_log(log[0]):
            build_universe(
                input.states,
                output.state_years,
                output.dyad_years,
                output.directed,
                output.audit,
                first_year=params.first_year,
                last_year=params.last_year,
            )
