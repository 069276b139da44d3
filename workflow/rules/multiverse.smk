# multiverse stage: the specification curve of the joint-democracy effect (docs/multiverse.md).
# The choice space in config `multiverse:` is expanded (pure: config -> list of
# specifications, senseless combinations skipped with their reason); the specifications are
# split into chunks and each chunk is one job with declared resources, so `--cores N` runs
# them in parallel here and a cluster profile (workflow/profiles/slurm) submits them to a
# scheduler. The gathered table, summaries and the figure are always buildable as targets; with
# `multiverse.enabled: true` they are also part of `rule all`, the database and the report
# (dyadstats.plan.RunPlan.db_tables / final_targets).
# Expanded lazily: the choice space, specifications and chunks are built (and
# dyadstats.multiverse with pandas imported) only when a multiverse target is in the DAG, so a
# run with `enabled: false` does not pay for them at parse time; with `enabled: true` the
# choice space is checked at parse time as before.
import functools

MULTIVERSE = PLAN.multiverse_section
MV_DIR = PLAN.multiverse_dir
MV_RESOURCES = MULTIVERSE["resources"]


@functools.cache
def mv_space():
    from dyadstats.multiverse import choice_space

    return choice_space(MULTIVERSE, PLAN.build)


@functools.cache
def mv_expansion():
    from dyadstats.multiverse import expand as expand_choice_space  # not Snakemake's expand

    return expand_choice_space(mv_space())


@functools.cache
def mv_chunks():
    from dyadstats.multiverse import chunk_ids, chunk_specifications

    chunks = chunk_specifications(mv_expansion().specifications, MULTIVERSE["chunk_size"])
    return dict(zip(chunk_ids(len(chunks)), chunks))


if MULTIVERSE["enabled"]:
    mv_space()

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
        specs=lambda w: [s.to_dict() for s in mv_chunks()[w.mv_chunk]],
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
        lambda w: expand(f"{MV_DIR}/chunks/{{mv_chunk}}.parquet", mv_chunk=sorted(mv_chunks())),
    output:
        table=MV_TABLE,
        skipped=f"{MV_DIR}/skipped.parquet",
        levels=f"{MV_DIR}/choice_levels.parquet",
        dimensions=f"{MV_DIR}/choice_dimensions.parquet",
        summary=f"{MV_DIR}/summary.json",
        audit=LAYOUT.audit("multiverse"),
    params:
        skipped=lambda w: mv_expansion().skipped_records(),
        alpha=MULTIVERSE["alpha"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        "logs/multiverse/gather.log",
    run:
        with job_log(log[0]):
            stages.run_multiverse_gather(list(input), mv_expansion(), dict(output), params.alpha)


rule multiverse_figure:
    """The specification curve (PNG embedded in the report, SVG beside it)."""
    input:
        MV_TABLE,
    output:
        png=f"{MV_DIR}/specification_curve.png",
        svg=f"{MV_DIR}/specification_curve.svg",
    params:
        levels=lambda w: mv_space().levels(),
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
