"""Error types. Every error names the file, row(s), column and reason a user can act on."""

from __future__ import annotations


class DyadstatsError(Exception):
    """Base class for errors that stop a pipeline stage with an actionable message."""


class ChecksumError(DyadstatsError):
    """A file's size or sha256 differs from the manifest."""


class SourceNotFoundError(DyadstatsError):
    """A source file was found in no mirror and could not be downloaded."""


class ReadError(DyadstatsError):
    """A file could not be read (truncated, wrong encoding, wrong format, empty)."""


class SchemaError(DyadstatsError):
    """A table violates its declared schema (columns, types, ranges, keys, coverage)."""


class ConfigError(DyadstatsError):
    """The configuration is invalid."""
