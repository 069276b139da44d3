# frame stage: the modelling frames (every coded column on the dyad-years) and their codebook.
# One job per frame (models on the non-directed frame need not wait for the directed one, and
# the two build in parallel), then a small gather job writes the stage audit and codebook.
# build.frame selects columns (README 'Performance'); directed: false leaves the directed frame
# out of `all`, the database and the codebook (a model on it still builds it on demand).
FRAME_DIRECTED = config["build"]["frame"]["directed"]
FRAME_TABLES = ("analysis_dyad_years", "analysis_directed_dyad_years") if FRAME_DIRECTED else ("analysis_dyad_years",)
FRAME_SOURCES = (
    "polity5", "vdem", "bmr", "uds",
    "cow_contdird", "nmc", "cow_majors", "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist",
)
# build.controls.contiguity_slice: first reads peacesciencer's spell table (dyadstats.frame.controls)
if config["build"]["controls"]["contiguity_slice"] == "first":
    FRAME_SOURCES += ("ps_cow_contdir",)

# roles.democracy / roles.covariates tables join both frames (input key = view name).
FRAME_ROLES = {f"role_{role_kind(r)}_{r.name}": role_output(r) for r in (*ROLES.democracy, *ROLES.covariates)}
# the event source's declared coverage (manifest or extra_sources): outside it outcomes are NULL
MID_COVERAGE_TABLE = (
    EVENT_ROLE.table if EVENT_ROLE else "dyadic_mid402" if EVENT_SOURCE == "dyadic_mid402" else "mid5_participants"
)

for _table in FRAME_TABLES:
    DB_TABLES[_table] = f"results/frames/{_table}.parquet"
# the codebook reaches reports/ with the report (reports/ changes only when a whole run completes)
FINAL_TARGETS += ["results/audit/frame.json", "results/frames/codebook.md"]


rule frame_table:
    """Universe + events + democracy + controls -> one analysis frame and its audit part."""
    input:
        dyad_years="results/frames/dyad_years.parquet",
        directed_dyad_years="results/frames/directed_dyad_years.parquet",
        mid_dyad_years="results/frames/mid_dyad_years.parquet",
        mid_directed_dyad_years="results/frames/mid_directed_dyad_years.parquet",
        ties_directed_dyad_years="results/frames/ties_directed_dyad_years.parquet",
        icb_directed_dyad_years="results/frames/icb_directed_dyad_years.parquet",
        **{t: f"results/ingest/{t}.parquet" for t in FRAME_SOURCES},
        **FRAME_ROLES,
    output:
        frame="results/frames/{frame_table}.parquet",
        part="results/frames/parts/{frame_table}.json",
    wildcard_constraints:
        frame_table="analysis_dyad_years|analysis_directed_dyad_years",
    params:
        build=config["build"],
        # declared event-source coverage from the manifest: outside it outcomes are NULL
        mid_coverage=MANIFEST[MID_COVERAGE_TABLE].source["coverage"],
        ties_coverage=MANIFEST["ties"].source["coverage"],
        icb_coverage=MANIFEST["icb_actors"].source["coverage"],
    log:
        "logs/frame_{frame_table}.log",
    run:
        from dyadstats.frame.build import build_frame_part
        from dyadstats.frame.options import frame_options
        from dyadstats.io.logs import job_log

        with job_log(log[0]):
            build_frame_part(
                dict(input),
                wildcards.frame_table == "analysis_directed_dyad_years",
                output.frame,
                output.part,
                frame_options(params.build, params.mid_coverage, params.ties_coverage, ROLES, params.icb_coverage),
            )


rule frame:
    """The frame jobs' audit parts -> the stage audit and the codebook."""
    input:
        parts=[f"results/frames/parts/{t}.json" for t in FRAME_TABLES],
    output:
        audit="results/audit/frame.json",
        codebook="results/frames/codebook.md",
    params:
        build=config["build"],
        mid_coverage=MANIFEST[MID_COVERAGE_TABLE].source["coverage"],
        ties_coverage=MANIFEST["ties"].source["coverage"],
        icb_coverage=MANIFEST["icb_actors"].source["coverage"],
    log:
        "logs/frame.log",
    run:
        from dyadstats.frame.build import finish_frame_parts
        from dyadstats.frame.options import frame_options
        from dyadstats.io.logs import job_log

        with job_log(log[0]):
            finish_frame_parts(
                input.parts,
                output.audit,
                output.codebook,
                frame_options(params.build, params.mid_coverage, params.ties_coverage, ROLES, params.icb_coverage),
            )
