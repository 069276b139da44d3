"""Build the report: read the stage database and audits, write tables, figures, references,
provenance, the stage audit, and ``report.html`` (self-contained) plus ``report.md``."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from dyadstats.audit import LINEAGE_COLUMNS, lineage_rows, read_audits, write_stage_audit
from dyadstats.io import sha256_file, write_json, write_text
from dyadstats.manifest import SourceFile
from dyadstats.report import figures, sample, tables
from dyadstats.report.finding import Finding, compute_finding, robustness_table
from dyadstats.report.inputs import FRAME_TABLE, open_database, read_model_tables
from dyadstats.report.options import ReportOptions, report_options
from dyadstats.report.provenance import build_provenance, utc_now
from dyadstats.report.references import bib_keys, dataset_sources, references_bib

log = logging.getLogger(__name__)

TABLE_KEYS = ("sample", "rates", "regression", "robustness")
FIGURE_STEMS = ("odds_ratios", "predicted_probabilities", "rate_over_time")
MULTIVERSE_FIGURE = "specification_curve.png"
MULTIVERSE_SUMMARY = "summary.json"


@dataclass(frozen=True)
class FigureRef:
    stem: str
    caption: str
    png: Path
    svg: Path

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png.read_bytes()).decode("ascii")


def report_outputs(out_dir: str | Path = "reports") -> dict[str, list[str]]:
    """Every file the report stage writes, by kind (the workflow declares these as outputs)."""
    out = Path(out_dir)
    return {
        "document": [str(out / "report.html"), str(out / "report.md")],
        "provenance": [str(out / "provenance.json"), str(out / "references.bib")],
        "tables": [str(out / "tables" / f"{k}.{ext}") for k in TABLE_KEYS for ext in ("csv", "tex")],
        "figures": [str(out / "figures" / f"{s}.{ext}") for s in FIGURE_STEMS for ext in ("png", "svg")],
    }


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


def finding_text(finding: Finding, options: ReportOptions) -> str:
    """The finding sentence: ``templates/finding.txt.j2`` filled from the model tables."""
    text = _environment().get_template("finding.txt.j2").render(
        f=finding,
        focal_label=mid_sentence(finding.focal_label),
        outcome_label=mid_sentence(options.term_labels.get(finding.outcome, finding.outcome)),
        outcome_labels={m.outcome: mid_sentence(options.term_labels.get(m.outcome, m.outcome))
                        for m in finding.other_way},
    )
    return " ".join(text.split())


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


def multiverse_section(directory: str | Path) -> dict[str, Any] | None:
    """The optional specification-curve section, when the multiverse stage has written it.

    Contract: ``<dir>/specification_curve.png`` (embedded; ``.svg`` beside it is linked) and
    optionally ``<dir>/summary.json``, a flat mapping of labels to values shown as a table.
    """
    directory = Path(directory)
    png = directory / MULTIVERSE_FIGURE
    summary_path = directory / MULTIVERSE_SUMMARY
    if not png.is_file() and not summary_path.is_file():
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    return {
        "png": png if png.is_file() else None,
        "data_uri": ("data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")) if png.is_file() else None,
        "summary": {str(k): v for k, v in sorted(summary.items())},
        "directory": str(directory),
    }


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
) -> dict[str, list[str]]:
    """Write the whole report from the stage database; return the files written by kind."""
    started_at = started_at or utc_now()
    options = report_options(config.get("report"))
    out = Path(out_dir)
    table_dir, figure_dir = out / "tables", out / "figures"
    where = str(database)

    con = open_database(database)
    try:
        models = read_model_tables(con, where)
        sample.check_frame(con, options)
        log.info("report: counting the sample in %s", FRAME_TABLE)
        by_outcome = sample.sample_by_outcome(con, options)
        rates = sample.rates_by_regime_pair(con, options)
        over_time = sample.rates_over_time(con, options)
        coverage = sample.coverage_audit(con, options)
    finally:
        con.close()

    finding = compute_finding(models, options)
    robust = robustness_table(models, options)
    rendered = {
        "sample": tables.sample_table(by_outcome, options),
        "rates": tables.rates_table(rates, options),
        "regression": tables.regression_table(models, options),
        "robustness": tables.robustness_display(robust, options),
    }
    for table in rendered.values():
        table.write(table_dir)
    log.info("report: wrote %d tables to %s", len(rendered), table_dir)

    shown = tables.table_models(models, options)
    figure_specs = {
        "odds_ratios": (figures.forest_plot(robust, options),
                        "Odds ratio of each model's democracy term (joint democracy, or the weak-link score where a model uses it) with its 95% confidence interval."),
        "predicted_probabilities": (figures.predictions_plot(models.predictions, shown),
                                    "Predicted probability of the outcome by regime-pair type, with 95% CIs."),
        "rate_over_time": (figures.rate_over_time_plot(over_time, options),
                           f"Observed {options.time_outcome} events per 1,000 dyad-years by regime pair over time."),
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
    lineage = pd.DataFrame(lineage_rows(read_audits(audit_dir)), columns=list(LINEAGE_COLUMNS))
    lineage_table = tables.plain_table(
        "lineage", lineage.assign(table=lineage["stage"] + " / " + lineage["table"].astype(str)).drop(columns=["stage"]),
        "Stage audit lineage (results/audit/*.json)", "table",
    ) if len(lineage) else None

    sources = sources_frame(manifest)
    sources_table = tables.plain_table("sources", sources, "Data sources (sha256 of the file used)", "file")
    bib = references_bib(manifest)
    write_text(bib, out / "references.bib")

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

    context = {
        "options": options,
        "finding": finding,
        "finding_text": finding_text(finding, options),
        "tables": rendered,
        "sources": sources_table,
        "citations": dataset_sources(manifest),
        "lineage": lineage_table,
        "coverage": coverage,
        "figures": figure_refs,
        "robustness": finding.robustness,
        "multiverse": multiverse_section(options.multiverse_dir),
        "provenance": provenance,
        "config_json": json.dumps(dict(config), indent=2, sort_keys=True, default=str),
        "bib_keys": bib_keys(bib),
        "table_files": [f"tables/{k}.{ext}" for k in rendered for ext in ("csv", "tex")],
        "rel": lambda p: _relative(Path(p), out),
    }
    env = _environment()
    write_text(env.get_template("report.html.j2").render(**context), out / "report.html")
    write_text(env.get_template("report.md.j2").render(**context), out / "report.md")
    log.info("report: wrote %s and %s", out / "report.html", out / "report.md")
    return report_outputs(out)
