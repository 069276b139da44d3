# events stage rules (see README 'What the main job does').
# MID dispute-dyad-years whittled to dyad-years (+ directed twin), TIES sanction dyad-years and
# ICB crisis-trigger dyad-years.
from dyadstats.events.pairing import MID_SOURCES
from dyadstats.errors import ConfigError

EVENTS = config["build"]["events"]
EVENT_TABLES = ("mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years", "icb_directed_dyad_years",
                "mid_whittle_log")
# build.events.source may name a roles.events source (roles.smk): its role table replaces MID 5.0.
EVENT_SOURCE = EVENTS["source"]
EVENT_ROLE = {r.name: r for r in ROLES.events}.get(EVENT_SOURCE)
if EVENT_ROLE is None and EVENT_SOURCE not in MID_SOURCES:
    raise ConfigError(
        f"build.events.source: '{EVENT_SOURCE}' is neither one of {', '.join(MID_SOURCES)} nor a "
        f"roles.events name (declared: {', '.join(r.name for r in ROLES.events) or 'none'})"
    )

for _table in EVENT_TABLES:
    DB_TABLES[_table] = f"results/frames/{_table}.parquet"
FINAL_TARGETS.append("results/audit/events.json")


rule events:
    """MID 5.0 (or Dyadic MID 4.02), TIES 4.1 and ICB v14 -> event dyad-year tables (+ audit)."""
    input:
        mid5_participants="results/ingest/mid5_participants.parquet",
        mid5_disputes="results/ingest/mid5_disputes.parquet",
        dyadic_mid402="results/ingest/dyadic_mid402.parquet",
        ties="results/ingest/ties.parquet",
        icb_actors="results/ingest/icb_actors.parquet",
        cow_states="results/ingest/cow_states.parquet",
        **({"role_events": role_output(EVENT_ROLE)} if EVENT_ROLE else {}),
    output:
        **{table: f"results/frames/{table}.parquet" for table in EVENT_TABLES},
        audit="results/audit/events.json",
    params:
        source=EVENT_SOURCE,
        whittle_order=EVENTS["whittle_order"],
    log:
        "logs/events.log",
    run:
        from dyadstats.events.build import build_events
        from dyadstats.io.logs import job_log

        with job_log(log[0]):
            build_events(
                dict(input),
                {table: output[table] for table in EVENT_TABLES},
                output.audit,
                source=params.source,
                whittle_order=params.whittle_order,
                event_role=EVENT_ROLE,
            )
