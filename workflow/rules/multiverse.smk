# multiverse stage: the specification curve of the joint-democracy effect (docs/multiverse.md).
# The choice space in config `multiverse:` is expanded at parse time (pure: config -> list of
# specifications, senseless combinations skipped with their reason); the specifications are
# split into chunks and each chunk is one job with declared resources, so `--cores N` runs
# them in parallel here and a cluster profile (workflow/profiles/slurm) submits them to a
# scheduler. The gathered table, summaries and the figure are always buildable as targets; with
# `multiverse.enabled: true` they are also part of `rule all`, the database and the report
# (dyadstats.plan.RunPlan.db_tables / final_targets).
# Aliased: `expand` is Snakemake's own helper in this namespace.
from dyadstats.multiverse import chunk_ids, chunk_specifications, choice_space
from dyadstats.multiverse import expand as expand_choice_space

MULTIVERSE = PLAN.multiverse_section
MV_DIR = PLAN.multiverse_dir
MV_SPACE = choice_space(MULTIVERSE, PLAN.build)
MV_EXPANSION = expand_choice_space(MV_SPACE)
_mv_chunks = chunk_specifications(MV_EXPANSION.specifications, MULTIVERSE["chunk_size"])
MV_CHUNKS = dict(zip(chunk_ids(len(_mv_chunks)), _mv_chunks))
MV_RESOURCES = MULTIVERSE["resources"]
MV_TABLE = f"{MV_DIR}/model_multiverse.parquet"


wildcard_constraints:
    mv_chunk="[0-9]+",


rule multiverse_chunk:
    """One chunk of specifications: read the frame once, one design per sample, fit each."""
    input:
        frame=PLAN.model_frames()["dyad"],
    output:
        f"{MV_DIR}/chunks/{{mv_chunk}}.parquet",
    params:
        specs=lambda w: [s.to_dict() for s in MV_CHUNKS[w.mv_chunk]],
    threads: 1
    resources:
        mem_mb=MV_RESOURCES["mem_mb"],
        runtime=MV_RESOURCES["runtime"],
    log:
        "logs/multiverse/chunk_{mv_chunk}.log",
    run:
        with job_log(log[0]):
            stages.run_multiverse_chunk(input.frame, params.specs, wildcards.mv_chunk, output[0], threads)


rule multiverse_gather:
    """All chunks -> model_multiverse (Parquet), skipped combinations, summaries, audit."""
    input:
        expand(f"{MV_DIR}/chunks/{{mv_chunk}}.parquet", mv_chunk=sorted(MV_CHUNKS)),
    output:
        table=MV_TABLE,
        skipped=f"{MV_DIR}/skipped.parquet",
        levels=f"{MV_DIR}/choice_levels.parquet",
        dimensions=f"{MV_DIR}/choice_dimensions.parquet",
        summary=f"{MV_DIR}/summary.json",
        audit=LAYOUT.audit("multiverse"),
    params:
        skipped=MV_EXPANSION.skipped_frame().to_dict("records"),
        alpha=MULTIVERSE["alpha"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        "logs/multiverse/gather.log",
    run:
        with job_log(log[0]):
            stages.run_multiverse_gather(list(input), MV_EXPANSION, dict(output), params.alpha)


rule multiverse_figure:
    """The specification curve (PNG embedded in the report, SVG beside it)."""
    input:
        MV_TABLE,
    output:
        png=f"{MV_DIR}/specification_curve.png",
        svg=f"{MV_DIR}/specification_curve.svg",
    params:
        levels=MV_SPACE.levels(),
        alpha=MULTIVERSE["alpha"],
        labels=config["report"]["term_labels"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        "logs/multiverse/figure.log",
    run:
        with job_log(log[0]):
            stages.run_multiverse_figure(input[0], params.levels, MV_DIR, params.alpha, params.labels)
