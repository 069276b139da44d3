# events stage: MID dispute-dyad-years whittled to dyad-years (+ directed twin), TIES sanction
# dyad-years and ICB crisis-trigger dyad-years. build.events.source may name a roles.events
# source (roles.smk): its role table replaces MID 5.0 (dyadstats.plan.RunPlan.event_role).


rule events:
    """MID 5.0 (or Dyadic MID 4.02), TIES 4.1, ICB v14 and COW wars -> the event dyad-year tables
    the frames read (PLAN.events_outputs: dyadstats.frame.needs) (+ audit)."""
    input:
        **PLAN.events_inputs(),
    output:
        **PLAN.events_outputs(),
        audit=LAYOUT.audit("events"),
    params:
        source=PLAN.event_source,
        whittle_order=PLAN.whittle_order,
    log:
        "logs/events.log",
    run:
        with job_log(log[0]):
            stages.run_events(dict(input), {t: output[t] for t in PLAN.events_outputs()}, output.audit,
                              params.source, params.whittle_order, PLAN.event_role)
