"""The typed run configuration: every key, default and allowed value written once.

* :mod:`~dyadstats.config.vocab`: the closed vocabularies (``Literal`` types and their tuples);
* one module per section: :mod:`~.sources` (the manifest and ``extra_sources``), :mod:`~.build`,
  :mod:`~.roles`, :mod:`~.models`, :mod:`~.multiverse`, :mod:`~.report`, :mod:`~.bench`;
* :mod:`~.root`: :class:`RunConfig` (the whole file) and :func:`resolved_config` (plain dicts with
  every default, what the workflow hands its rules);
* :mod:`~.schema`: generates ``workflow/schemas/config.schema.yaml`` (``python -m
  dyadstats.config.schema --write``), which Snakemake validates against.

The stage parsers (``frame_options``, ``democracy_rules``, ``parse_specs``, ``choice_space``,
``report_options``, ``BenchOptions``, ``parse_roles``) take their defaults and allowed values from
here. See docs/configuration.md.
"""

from dyadstats.config.errors import RENAMED_KEYS, check_renamed_keys, validated
from dyadstats.config.root import RunConfig, load_config, resolved_config

__all__ = ["RENAMED_KEYS", "RunConfig", "check_renamed_keys", "load_config", "resolved_config", "validated"]
