# multiverse stage: the specification curve of the joint-democracy effect (README 'Multiverse').
# The choice space in config `multiverse:` is expanded at parse time (pure: config -> list of
# specifications, senseless combinations skipped with their reason); the specifications are
# split into chunks and each chunk is one job with declared resources, so `--cores N` runs
# them in parallel here and a cluster profile (workflow/profiles/slurm) submits them to a
# scheduler. The gathered table, summaries and the figure are always buildable as targets; with
# `multiverse.enabled: true` they are also part of `rule all`, the database and the report.
from dyadstats.models import FRAMES as MODEL_FRAMES
# Aliased: `expand` is Snakemake's own helper in this namespace.
from dyadstats.multiverse import chunk_ids, chunk_specifications, choice_space
from dyadstats.multiverse import expand as expand_choice_space

MULTIVERSE = config["multiverse"]
MV_DIR = config["report"]["multiverse_dir"]
MV_SPACE = choice_space(MULTIVERSE, config["build"])
MV_EXPANSION = expand_choice_space(MV_SPACE)
_mv_chunks = chunk_specifications(MV_EXPANSION.specifications, MULTIVERSE["chunk_size"])
MV_CHUNKS = dict(zip(chunk_ids(len(_mv_chunks)), _mv_chunks))
MV_RESOURCES = MULTIVERSE["resources"]
MV_TABLE = f"{MV_DIR}/model_multiverse.parquet"
MV_FIGURE = f"{MV_DIR}/specification_curve.png"
MV_SUMMARY = f"{MV_DIR}/summary.json"
MV_AUDIT = "results/audit/multiverse.json"

if MULTIVERSE["enabled"]:
    DB_TABLES["model_multiverse"] = MV_TABLE
    DB_TABLES["multiverse_skipped"] = f"{MV_DIR}/skipped.parquet"
    FINAL_TARGETS.extend([MV_TABLE, MV_FIGURE, MV_SUMMARY, MV_AUDIT])


wildcard_constraints:
    mv_chunk="[0-9]+",


rule multiverse_chunk:
    """One chunk of specifications: read the frame once, one design per sample, fit each."""
    input:
        frame=MODEL_FRAMES["dyad"],
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
        from dyadstats.io.logs import job_log
        from dyadstats.multiverse import run_chunk

        with job_log(log[0]):
            run_chunk(input.frame, params.specs, wildcards.mv_chunk, output[0], threads)


rule multiverse_gather:
    """All chunks -> model_multiverse (Parquet), skipped combinations, summaries, audit."""
    input:
        expand(f"{MV_DIR}/chunks/{{mv_chunk}}.parquet", mv_chunk=sorted(MV_CHUNKS)),
    output:
        table=MV_TABLE,
        skipped=f"{MV_DIR}/skipped.parquet",
        levels=f"{MV_DIR}/choice_levels.parquet",
        dimensions=f"{MV_DIR}/choice_dimensions.parquet",
        summary=MV_SUMMARY,
        audit=MV_AUDIT,
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
        import pandas as pd

        from dyadstats.io.logs import job_log
        from dyadstats.multiverse import gather, skip_summary

        with job_log(log[0]) as logger:
            skips = skip_summary(MV_EXPANSION.skipped)
            for rule_name, entry in skips.items():
                logger.info("skipped %d combination(s) by rule %s: %s", entry["count"], rule_name,
                            " | ".join(entry["reasons"]))
            gather(
                list(input), pd.DataFrame(params.skipped, columns=MV_EXPANSION.skipped_frame().columns),
                table_path=output.table, skipped_path=output.skipped, levels_path=output.levels,
                dimensions_path=output.dimensions, summary_path=output.summary,
                audit_path=output.audit, alpha=params.alpha, skip_log=skips,
            )


rule multiverse_figure:
    """The specification curve (PNG embedded in the report, SVG beside it)."""
    input:
        MV_TABLE,
    output:
        png=MV_FIGURE,
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
        from dyadstats.io.logs import job_log
        from dyadstats.report.spec_curve import write_specification_curve

        with job_log(log[0]):
            write_specification_curve(input[0], params.levels, MV_DIR, params.alpha, params.labels)
