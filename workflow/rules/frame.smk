# frame stage: the modelling frames (every coded column on the dyad-years) and their codebook.
FRAME_TABLES = ("analysis_dyad_years", "analysis_directed_dyad_years")
FRAME_SOURCES = (
    "polity5", "vdem", "bmr", "uds",
    "cow_contdird", "nmc", "cow_majors", "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist",
)

# roles.democracy / roles.covariates tables join both frames (input key = view name).
FRAME_ROLES = {f"role_{role_kind(r)}_{r.name}": role_output(r) for r in (*ROLES.democracy, *ROLES.covariates)}
# the event source's declared coverage (manifest or extra_sources): outside it outcomes are NULL
MID_COVERAGE_TABLE = (
    EVENT_ROLE.table if EVENT_ROLE else "dyadic_mid402" if EVENT_SOURCE == "dyadic_mid402" else "mid5_participants"
)

for _table in FRAME_TABLES:
    DB_TABLES[_table] = f"results/frames/{_table}.parquet"
FINAL_TARGETS += ["results/audit/frame.json", "reports/codebook.md"]


rule frame:
    """Universe + events + democracy + controls -> analysis frames, audit and codebook."""
    input:
        dyad_years="results/frames/dyad_years.parquet",
        directed_dyad_years="results/frames/directed_dyad_years.parquet",
        mid_dyad_years="results/frames/mid_dyad_years.parquet",
        mid_directed_dyad_years="results/frames/mid_directed_dyad_years.parquet",
        ties_directed_dyad_years="results/frames/ties_directed_dyad_years.parquet",
        **{t: f"results/ingest/{t}.parquet" for t in FRAME_SOURCES},
        **FRAME_ROLES,
    output:
        dyad="results/frames/analysis_dyad_years.parquet",
        directed="results/frames/analysis_directed_dyad_years.parquet",
        audit="results/audit/frame.json",
        codebook="reports/codebook.md",
    params:
        build=config.get("build", {}),
        # declared event-source coverage from the manifest: outside it outcomes are NULL
        mid_coverage=MANIFEST[MID_COVERAGE_TABLE].source["coverage"],
        ties_coverage=MANIFEST["ties"].source["coverage"],
    log:
        "logs/frame.log",
    run:
        from dyadstats.frame import build_frames, frame_options
        from dyadstats.logs import job_log

        with job_log(log[0]):
            build_frames(
                dict(input),
                output.dyad,
                output.directed,
                output.audit,
                output.codebook,
                frame_options(params.build, params.mid_coverage, params.ties_coverage, ROLES),
            )
