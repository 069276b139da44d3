# models stage: one job per config model spec, then a gather into the three tidy tables.


wildcard_constraints:
    model="[A-Za-z][A-Za-z0-9_]*",


rule model:
    """Fit one model spec on its analysis frame -> per-model estimates, fit row, predictions,
    and its sample membership (the database's model_sample reads every model's file)."""
    input:
        frame=model_frame,
    # update(): a failed fit keeps the model's previous files (dyadstats.io.keep)
    output:
        **{part: update(f"results/models/fits/{{model}}/{part}.parquet") for part in MODEL_PARTS},
        sample=update("results/models/fits/{model}/sample.parquet"),
    params:
        # The merged spec dict: editing a spec reruns only that model (params are tracked).
        spec=lambda w: MODEL_SPECS[w.model].to_dict(),
        failures=failures_of("model"),  # a failed job is retried by the next run (dyadstats.io.keep)
    # the slowest fits first (dyadstats.plan.MODEL_PRIORITY)
    priority: lambda w: PLAN.model_priority(w.model)
    log:
        "logs/models/{model}.log",
    run:
        with job_log(log[0]), keep_previous("model", wildcards):
            stages.run_model(input.frame, params.spec, output.estimates, output.fit, output.predictions,
                             output.sample)


rule models:
    """Gather the per-model tables (config order) into the tidy tables and the stage audit."""
    input:
        **{part: [LAYOUT.model_part(m, part) for m in MODEL_NAMES] for part in MODEL_PARTS},
    output:
        **{part: LAYOUT.models(part) for part in MODEL_PARTS},
        audit=LAYOUT.audit("models"),
    params:
        names=MODEL_NAMES,
    log:
        "logs/models/gather.log",
    run:
        with job_log(log[0]):
            stages.run_models(params.names, {p: input[p] for p in MODEL_PARTS},
                              {p: output[p] for p in MODEL_PARTS}, output.audit)
