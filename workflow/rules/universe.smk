# universe stage: COW state-years, non-directed and directed dyad-years (same-day rule).


rule universe:
    """COW state-system spells -> state-years, dyad-years, directed dyad-years (+ audit)."""
    input:
        states=LAYOUT.ingest("cow_states"),
    output:
        **PLAN.universe_outputs(),
        audit=LAYOUT.audit("universe"),
    params:
        first_year=PLAN.years[0],
        last_year=PLAN.years[1],
    log:
        "logs/universe.log",
    run:
        with job_log(log[0]):
            stages.run_universe(input.states, {t: output[t] for t in PLAN.universe_tables}, output.audit,
                                params.first_year, params.last_year)
