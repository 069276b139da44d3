# events stage rules (see README 'What the main job does').
# MID dispute-dyad-years whittled to dyad-years (+ directed twin) and TIES sanction dyad-years.
EVENTS = config.get("build", {}).get("events", {})
EVENT_TABLES = ("mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years")

for _table in EVENT_TABLES:
    DB_TABLES[_table] = f"results/frames/{_table}.parquet"
FINAL_TARGETS.append("results/audit/events.json")


rule events:
    """MID 5.0 (or Dyadic MID 4.02) and TIES 4.1 -> event dyad-year tables (+ audit)."""
    input:
        mid5_participants="results/ingest/mid5_participants.parquet",
        mid5_disputes="results/ingest/mid5_disputes.parquet",
        dyadic_mid402="results/ingest/dyadic_mid402.parquet",
        ties="results/ingest/ties.parquet",
        cow_states="results/ingest/cow_states.parquet",
    output:
        **{table: f"results/frames/{table}.parquet" for table in EVENT_TABLES},
        audit="results/audit/events.json",
    params:
        source=EVENTS.get("source", "mid5"),
        whittle_order=EVENTS.get("whittle_order"),
    log:
        "logs/events.log",
    run:
        from dyadstats.events import build_events
        from dyadstats.logs import job_log

        with job_log(log[0]):
            build_events(
                dict(input),
                {table: output[table] for table in EVENT_TABLES},
                output.audit,
                source=params.source,
                whittle_order=params.whittle_order,
            )
