"""Build the report: read the stage database and audits, write tables, figures, references,
provenance, the stage audit, and ``report.html`` (self-contained) plus ``report.md``."""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from dyadstats.audit import LINEAGE_COLUMNS, lineage_rows, read_audits, write_stage_audit
from dyadstats.config import validated
from dyadstats.config.build import BuildConfig
from dyadstats.config.multiverse import MultiverseConfig
from dyadstats.ingest.manifest import SourceFile
from dyadstats.io.files import sha256_file, write_json, write_text
from dyadstats.report import figures, regression, sample, tables
from dyadstats.report.failures import drop_unavailable, unavailable_models
from dyadstats.report.finding import Finding, compute_finding, robustness_table
from dyadstats.report.inputs import FRAME_TABLE, open_database, read_curve, read_model_tables
from dyadstats.report.labels import term_label
from dyadstats.report.methods import methods_paragraph
from dyadstats.report.options import ReportOptions, report_options
from dyadstats.report.provenance import build_provenance, utc_now
from dyadstats.report.references import bib_keys, dataset_sources, references_bib
from dyadstats.report.spec_curve import curve_caption

log = logging.getLogger(__name__)

TABLE_KEYS = ("main", "sample", "rates", "regression", "robustness")
FIGURE_STEMS = ("odds_ratios", "predicted_probabilities", "rate_over_time")
CURVE_STEM = "specification_curve"
MULTIVERSE_FIGURE = f"{CURVE_STEM}.png"
MULTIVERSE_SUMMARY = "summary.json"


@dataclass(frozen=True)
class FigureRef:
    stem: str
    caption: str
    png: Path
    svg: Path

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png.read_bytes()).decode("ascii")


def report_outputs(out_dir: str | Path = "reports", curve: bool = False) -> dict[str, list[str]]:
    """Every file the report stage writes, by kind (the workflow declares these as outputs);
    ``curve``: with the specification curve's copies (:func:`curve_outputs`)."""
    out = Path(out_dir)
    return {
        "document": [str(out / "report.html"), str(out / "report.md"), str(out / "codebook.md")],
        "provenance": [str(out / "provenance.json"), str(out / "references.bib")],
        "tables": [str(out / "tables" / f"{k}.{ext}") for k in TABLE_KEYS for ext in ("csv", "tex")],
        "figures": [str(out / "figures" / f"{s}.{ext}") for s in FIGURE_STEMS for ext in ("png", "svg")]
        + (curve_outputs(out) if curve else []),
    }


def curve_outputs(out_dir: str | Path = "reports") -> list[str]:
    """The specification curve's PNG and SVG as copied into the report's figures (so reports/
    alone holds every image its Markdown links)."""
    return [str(Path(out_dir) / "figures" / f"{CURVE_STEM}.{ext}") for ext in ("png", "svg")]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dyadstats.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = lambda v: "-" if v is None else f"{int(v):,}"
    env.filters["fixed"] = lambda v, d=2: f"{float(v):.{d}f}"
    env.filters["pvalue"] = lambda p: "< 0.001" if p < 0.001 else f"= {p:.3f}"
    env.filters["per1000"] = lambda v, d=2: f"{1000 * float(v):.{d}f}"
    return env


def mid_sentence(label: str) -> str:
    """A label as it reads inside a sentence: lower-case first letter unless an acronym."""
    return label if label[:2].isupper() or not label else label[0].lower() + label[1:]


def finding_paragraphs(finding: Finding, options: ReportOptions) -> list[str]:
    """The finding in its blocks (the template's blank-line-separated paragraphs), each on one line."""
    text = _finding_raw(finding, options)
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def finding_text(finding: Finding, options: ReportOptions) -> str:
    """The finding sentence: ``templates/finding.txt.j2`` filled from the model tables."""
    return " ".join(_finding_raw(finding, options).split())


def _finding_raw(finding: Finding, options: ReportOptions) -> str:
    return _environment().get_template("finding.txt.j2").render(
        f=finding,
        focal_label=mid_sentence(term_label(finding.focal_term, options.term_labels)),
        outcome_label=mid_sentence(term_label(finding.outcome, options.term_labels)),
        outcome_labels={m.outcome: mid_sentence(term_label(m.outcome, options.term_labels))
                        for m in finding.other_way},
    )


def headline(finding: Finding, options: ReportOptions) -> str:
    """The finding's first line: the main model's odds ratio and interval."""
    odds = finding.odds_ratio
    return (
        f"{term_label(finding.focal_term, options.term_labels)}: odds ratio {odds.estimate:.2f} "
        f"(95% CI {odds.low:.2f} to {odds.high:.2f}, p {_p(finding.p_value)}) in {finding.model}"
    )


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _lineage_table(audits: list[dict[str, Any]]) -> tables.RenderedTable | None:
    """The stage audit as a report table, in pipeline order, counts as integers."""
    rows = pd.DataFrame(lineage_rows(audits), columns=list(LINEAGE_COLUMNS))
    if rows.empty:
        return None
    for col in ("rows_in", "rows_out", "null_cells"):
        rows[col] = [("-" if v is None or pd.isna(v) else f"{int(v):,}") for v in rows[col]]
    rows["dropped"] = rows["dropped"].str.replace("; ", "\n", regex=False)
    rows = rows.assign(table=rows["stage"] + " / " + rows["table"].astype(str)).drop(columns=["stage"])
    return tables.plain_table("lineage", rows, "Stage audit lineage (results/audit/*.json)", "table")


def sources_frame(manifest: Mapping[str, SourceFile]) -> pd.DataFrame:
    """One row per raw file: provider, dataset, version, citation key, sha256 as found on disk."""
    rows = []
    for item in sorted(manifest.values(), key=lambda i: (i.source_id, i.file)):
        path = Path(item.raw_path)
        actual = sha256_file(path) if path.is_file() else None
        rows.append(
            {
                "file": item.raw_path,
                "provider": item.source.get("provider", ""),
                "dataset": item.source.get("dataset", ""),
                "version": str(item.source.get("version", "")),
                "bibtex_key": item.source.get("bibtex_key", item.source_id),
                "sha256": actual or item.sha256,
                "verified": "yes" if actual == item.sha256 else ("not on disk" if actual is None else "MISMATCH"),
            }
        )
    return pd.DataFrame(rows)


def multiverse_section(directory: str | Path, figure_dir: str | Path) -> dict[str, Any] | None:
    """The optional specification-curve section, when the multiverse stage has written it.

    Contract: ``<dir>/specification_curve.png`` (and ``.svg`` beside it; both copied into
    ``figure_dir`` by :func:`copy_curve_figures`, the PNG also embedded in the HTML) and
    optionally ``<dir>/summary.json``, a flat mapping of labels to values shown as a table.
    """
    directory = Path(directory)
    png = directory / MULTIVERSE_FIGURE
    summary_path = directory / MULTIVERSE_SUMMARY
    if not png.is_file() and not summary_path.is_file():
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    return {
        **copy_curve_figures(directory, figure_dir),
        "data_uri": ("data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")) if png.is_file() else None,
        "summary": {str(k): v for k, v in sorted(summary.items())},
        "directory": str(directory),
    }


def copy_curve_figures(directory: str | Path, figure_dir: str | Path) -> dict[str, Path | None]:
    """The curve's PNG and SVG copied from the multiverse ``directory`` into the report's
    figures (so reports/ alone holds what its Markdown links); extension -> copy, or None."""
    copies: dict[str, Path | None] = {}
    for ext in ("png", "svg"):
        source = Path(directory) / f"{CURVE_STEM}.{ext}"
        copies[ext] = None
        if source.is_file():
            target = Path(figure_dir) / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copies[ext] = target
    return copies


def _relative(path: Path, start: Path) -> str:
    """``path`` as a link from a document in ``start`` (for report.md)."""
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def build_report(
    *,
    database: str | Path,
    audit_dir: str | Path,
    manifest: Mapping[str, SourceFile],
    config: Mapping[str, Any],
    out_dir: str | Path = "reports",
    repo: str | Path = ".",
    started_at: str | None = None,
    stage_outputs: Iterable[str | Path] = (),
    extra_inputs: Iterable[str | Path] = (),
    audit_out: str | Path | None = None,
    codebook: str | Path,
) -> dict[str, list[str]]:
    """Write the whole report from the stage database; return the files written by kind.

    ``codebook`` (the frame stage's generated codebook) is copied beside the report, which links it.
    """
    started_at = started_at or utc_now()
    build = validated(BuildConfig, config.get("build") or {}, "build")
    options = report_options(config.get("report"), (build.first_year, build.last_year))
    out = Path(out_dir)
    table_dir, figure_dir = out / "tables", out / "figures"
    where = str(database)

    con = open_database(database)
    try:
        models = read_model_tables(con, where)
        curve = read_curve(con)
        sample.check_frame(con, options)
        log.info("report: counting the sample in %s", FRAME_TABLE)
        by_outcome = sample.sample_by_outcome(con, options)
        rates = sample.rates_by_regime_pair(con, options)
        over_time = sample.rates_over_time(con, options)
        coverage = sample.coverage_audit(con, options)
    finally:
        con.close()

    # Report options that name a model which did not run (disabled, failed) skip it, noted.
    options, skipped_notes = drop_unavailable(options, unavailable_models(config, list(models.failed)))
    finding = compute_finding(models, options, curve)
    robust = robustness_table(models, options)
    main_models = regression.main_table_models(models, options)
    rendered = {
        "main": regression.regression_table(models, options, main_models, key="main", full=False),
        "sample": tables.sample_table(by_outcome, options),
        "rates": tables.rates_table(rates, options),
        "regression": regression.regression_table(models, options),
        "robustness": tables.robustness_display(robust, options),
    }
    for table in rendered.values():
        table.write(table_dir)
    log.info("report: wrote %d tables to %s", len(rendered), table_dir)

    predictions = models.predictions.merge(models.fit[["model", "outcome"]], on="model", how="left")
    figure_specs = {
        "odds_ratios": (figures.forest_plot(robust.assign(label=regression.focal_labels(models, robust, options)), options),
                        "Odds ratio of each model's democracy term with its 95% confidence interval. "
                        "0/1 codings (joint democracy against the other dyads, or against one regime pair "
                        "in a three-category model) and per-point scores (weak link, Polity product) "
                        "are in separate panels; colour gives the direction and whether p < "
                        f"{options.alpha}."),
        "predicted_probabilities": (figures.predictions_plot(predictions, main_models, options),
                                    "Mean predicted probability of the outcome by observed regime pair, "
                                    "with 95% CIs, for the main table's models (one panel per outcome)."),
        "rate_over_time": (figures.rate_over_time_plot(over_time, options),
                           f"Observed {mid_sentence(term_label(options.time_outcome, options.term_labels))} "
                           f"events per 1,000 dyad-years by regime pair over time, with exact Poisson 95% "
                           f"intervals; below, the dyad-years in each bin. Bins with fewer than "
                           f"{figures.SPARSE_DYAD_YEARS:,} dyad-years are hollow and do not set the range."),
    }
    figure_refs = []
    for stem, (fig, caption) in figure_specs.items():
        png, svg = figures.save_figure(fig, figure_dir, stem)
        figure_refs.append(FigureRef(stem, caption, png, svg))
    log.info("report: wrote %d figures to %s", len(figure_refs), figure_dir)

    if audit_out:
        records = [
            {
                "table": f"rates:{c['outcome']}",
                "inputs": [FRAME_TABLE],
                "rows_in": c["rows_in"],
                "rows_out": c["rows_out"],
                "dropped": c["dropped"],
                "notes": ["dyad-years counted in the regime-pair rate table"],
            }
            for c in coverage
        ]
        write_stage_audit("report", records, audit_out)
    lineage_table = _lineage_table(read_audits(audit_dir))
    sources = sources_frame(manifest)
    # The table shows a sha256 prefix (enough to compare by eye); provenance.json has the whole.
    sources_table = tables.plain_table(
        "sources", sources.assign(sha256=sources["sha256"].map(lambda h: f"{h[:12]}…" if h else "-")),
        "Data sources (sha256 prefix of the file used; provenance.json has the whole hash)", "file",
    )
    bib = references_bib(manifest)
    write_text(bib, out / "references.bib")
    write_text(Path(codebook).read_text(), out / "codebook.md")

    finished_at = utc_now()
    provenance = build_provenance(
        config=config,
        inputs=[*(item.raw_path for item in manifest.values()), *map(str, extra_inputs)],
        stage_outputs=stage_outputs,
        repo=repo,
        started_at=started_at,
        finished_at=finished_at,
    )
    write_json(provenance, out / "provenance.json")

    curve = multiverse_section(options.multiverse_dir, figure_dir)
    context = {
        "options": options,
        "failed_models": list(models.failed),
        "skipped_notes": skipped_notes,
        "finding": finding,
        "finding_text": finding_text(finding, options),
        "finding_paragraphs": finding_paragraphs(finding, options),
        "headline": headline(finding, options),
        "tables": rendered,
        "sources": sources_table,
        "citations": dataset_sources(manifest),
        "lineage": lineage_table,
        "coverage": coverage,
        "figures": figure_refs,
        "robustness": finding.robustness,
        "multiverse": curve,
        "curve_caption": curve_caption(
            validated(MultiverseConfig, config.get("multiverse") or {}, "multiverse").alpha),
        "provenance": provenance,
        "methods": methods_paragraph(config, models.fit, finding.outcome),
        "main_models": main_models,
        "config_json": json.dumps(dict(config), indent=2, sort_keys=True, default=str),
        "bib_keys": bib_keys(bib),
        "table_files": [f"tables/{k}.{ext}" for k in rendered for ext in ("csv", "tex")],
        "rel": lambda p: _relative(Path(p), out),
    }
    env = _environment()
    write_text(env.get_template("report.html.j2").render(**context), out / "report.html")
    write_text(env.get_template("report.md.j2").render(**context), out / "report.md")
    log.info("report: wrote %s and %s", out / "report.html", out / "report.md")
    return report_outputs(out, curve=curve is not None and None not in (curve["png"], curve["svg"]))
