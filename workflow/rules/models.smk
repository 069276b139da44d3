# models stage: one job per config model spec, then a gather into the three tidy tables.
from dyadstats.models import FRAMES, parse_specs

# roles.democracy names are measures too (their columns are in the frames, see frame.smk)
MODEL_SPECS = parse_specs(config["models"], [r.name for r in ROLES.democracy])
MODEL_NAMES = list(MODEL_SPECS)
if not MODEL_NAMES:
    from dyadstats.errors import ConfigError

    # the gather, the database's model tables and the report all need at least one fit
    raise ConfigError("models.specs is empty: declare at least one model (README 'Models')")
MODEL_PARTS = ("estimates", "fit", "predictions")

DB_TABLES["model_estimates"] = "results/models/estimates.parquet"
DB_TABLES["model_fit"] = "results/models/fit.parquet"
DB_TABLES["model_predictions"] = "results/models/predictions.parquet"
FINAL_TARGETS += [
    "results/models/estimates.parquet",
    "results/models/fit.parquet",
    "results/models/predictions.parquet",
    "results/audit/models.json",
]


wildcard_constraints:
    model="[A-Za-z][A-Za-z0-9_]*",


rule model:
    """Fit one model spec on its analysis frame -> per-model estimates, fit row, predictions."""
    input:
        frame=lambda w: FRAMES[MODEL_SPECS[w.model].frame],
    # update(): a failed fit keeps the model's previous files (dyadstats.io.keep)
    output:
        **{part: update(f"results/models/fits/{{model}}/{part}.parquet") for part in MODEL_PARTS},
    params:
        # The merged spec dict: editing a spec reruns only that model (params are tracked).
        spec=lambda w: MODEL_SPECS[w.model].to_dict(),
        failures=failures_of("model"),  # a failed job is retried by the next run (dyadstats.io.keep)
    log:
        "logs/models/{model}.log",
    run:
        from dyadstats.io.logs import job_log
        from dyadstats.models import run_model

        with job_log(log[0]), keep_previous("model", wildcards):
            run_model(input.frame, params.spec, output.estimates, output.fit, output.predictions)


rule models:
    """Gather the per-model tables (config order) into the tidy tables and the stage audit."""
    input:
        **{
            part: expand("results/models/fits/{model}/{part}.parquet", model=MODEL_NAMES, part=[part])
            for part in MODEL_PARTS
        },
    output:
        estimates="results/models/estimates.parquet",
        fit="results/models/fit.parquet",
        predictions="results/models/predictions.parquet",
        audit="results/audit/models.json",
    params:
        names=MODEL_NAMES,
    log:
        "logs/models/gather.log",
    run:
        from dyadstats.io.logs import job_log
        from dyadstats.models import gather_models

        with job_log(log[0]):
            gather_models(
                params.names, input.estimates, input.fit, input.predictions,
                output.estimates, output.fit, output.predictions, output.audit,
            )
