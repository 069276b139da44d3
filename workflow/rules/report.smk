# report stage: tables, figures, finding, provenance and the audit lineage -> reports/.
# The report depends on every other stage's final outputs (the stage database, each
# results/audit/<stage>.json, the multiverse outputs if any: dyadstats.plan.RunPlan.stage_targets)
# and therefore runs after everything it summarises.
from datetime import UTC, datetime

# When this workflow run started (parse time); the report's provenance records it with the end.
REPORT_RUN_STARTED = datetime.now(UTC).replace(microsecond=0).isoformat()
REPORT_UPSTREAM = list(dict.fromkeys(PLAN.stage_targets()))


report: "../report/workflow.rst"


rule write_report:
    """Write reports/report.html (self-contained), report.md, tables, figures and provenance."""
    input:
        upstream=REPORT_UPSTREAM,
        database="results/dyadstats.duckdb",
        codebook=LAYOUT.codebook(),
        # every table the report reads through the database's views: a missing one is rebuilt
        stage_tables=PLAN.db_files(),
    # update(): a failed report keeps the previous reports/ (dyadstats.io.keep)
    output:
        html=update(report(
            "reports/report.html",
            caption="../report/report_html.rst",
            category="Report",
            labels={"output": "report (HTML)"},
        )),
        markdown=update("reports/report.md"),
        codebook=update("reports/codebook.md"),
        provenance=update(report(
            "reports/provenance.json",
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"output": "provenance.json"},
        )),
        references=update("reports/references.bib"),
        audit=update("results/audit/report.json"),
        main_csv=update("reports/tables/main.csv"),
        main_tex=update("reports/tables/main.tex"),
        regression_csv=update(report(
            "reports/tables/regression.csv",
            caption="../report/regression.rst",
            category="Tables",
            labels={"table": "regression"},
        )),
        regression_tex=update("reports/tables/regression.tex"),
        sample_csv=update(report(
            "reports/tables/sample.csv",
            caption="../report/sample.rst",
            category="Tables",
            labels={"table": "sample"},
        )),
        sample_tex=update("reports/tables/sample.tex"),
        rates_csv=update(report(
            "reports/tables/rates.csv",
            caption="../report/rates.rst",
            category="Tables",
            labels={"table": "rates by regime pair"},
        )),
        rates_tex=update("reports/tables/rates.tex"),
        robustness_csv=update(report(
            "reports/tables/robustness.csv",
            caption="../report/robustness.rst",
            category="Tables",
            labels={"table": "robustness"},
        )),
        robustness_tex=update("reports/tables/robustness.tex"),
        odds_ratios_png=update("reports/figures/odds_ratios.png"),
        odds_ratios_svg=update(report(
            "reports/figures/odds_ratios.svg",
            caption="../report/odds_ratios.rst",
            category="Figures",
            labels={"figure": "odds ratios"},
        )),
        predictions_png=update("reports/figures/predicted_probabilities.png"),
        predictions_svg=update(report(
            "reports/figures/predicted_probabilities.svg",
            caption="../report/predicted_probabilities.rst",
            category="Figures",
            labels={"figure": "predicted probabilities"},
        )),
        time_png=update("reports/figures/rate_over_time.png"),
        time_svg=update(report(
            "reports/figures/rate_over_time.svg",
            caption="../report/rate_over_time.rst",
            category="Figures",
            labels={"figure": "rate over time"},
        )),
        # the curve's copies, when the run makes one (dyadstats.report.render.curve_outputs)
        **{f"curve_{Path(f).suffix[1:]}": update(f) for f in PLAN.report_curve_files()},
    params:
        stage_outputs=PLAN.db_files(),
        extra_inputs=[str(Path(workflow.basedir) / config["manifest"]), *workflow.configfiles],
        repo=workflow.basedir,
        # the report section as a param: a changed title, label or table choice reruns the report
        options=config["report"],
        # (the run's start time is read in the body, not a param: a param that changes every
        # invocation would rerun the report on every run)
        failures=failures_of("write_report"),  # a failed job is retried by the next run (dyadstats.io.keep)
    log:
        "logs/report.log",
    run:
        from dyadstats.io.swap import staged_directory

        # the whole of reports/ is written aside and swapped in at once (dyadstats.io.swap)
        with job_log(log[0]), keep_previous("write_report"), staged_directory("reports") as staged:
            stages.run_report(
                database=input.database,
                audit_dir="results/audit",
                manifest=MANIFEST,
                config=config,
                out_dir=staged,
                codebook=input.codebook,
                repo=params.repo,
                started_at=REPORT_RUN_STARTED,
                stage_outputs=params.stage_outputs,
                extra_inputs=params.extra_inputs,
                audit_out=output.audit,
            )

