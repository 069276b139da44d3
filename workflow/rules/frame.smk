# frame stage: the modelling frames (every coded column on the dyad-years) and their codebook.
# One job per frame (models on the non-directed frame need not wait for the directed one, and
# the two build in parallel), then a small gather job writes the stage audit and codebook.
# build.frame selects columns (docs/performance.md); directed: false leaves the directed frame
# out of `all`, the database and the codebook (a model on it still builds it on demand).
# Inputs, coverages and options: dyadstats.plan.RunPlan (frame_inputs, frame_options).


rule frame_table:
    """Universe + events + democracy + controls -> one analysis frame and its audit part."""
    input:
        **PLAN.frame_inputs(),
    output:
        frame="results/frames/{frame_table}.parquet",
        part="results/frames/parts/{frame_table}.json",
    wildcard_constraints:
        frame_table="analysis_dyad_years|analysis_directed_dyad_years",
    params:
        build=PLAN.build,
        # declared event-source coverage from the manifest: outside it outcomes are NULL
        coverage=PLAN.frame_coverages(),
    log:
        "logs/frame_{frame_table}.log",
    run:
        with job_log(log[0]):
            stages.run_frame(dict(input), wildcards.frame_table == "analysis_directed_dyad_years",
                             output.frame, output.part, PLAN.frame_options())


rule frame:
    """The frame jobs' audit parts -> the stage audit and the codebook."""
    input:
        parts=[LAYOUT.frame_part(t) for t in PLAN.frame_tables],
    output:
        audit=LAYOUT.audit("frame"),
        codebook=LAYOUT.codebook(),
    params:
        build=PLAN.build,
        coverage=PLAN.frame_coverages(),
    log:
        "logs/frame.log",
    run:
        with job_log(log[0]):
            stages.run_frame_audit(input.parts, output.audit, output.codebook, PLAN.frame_options())
