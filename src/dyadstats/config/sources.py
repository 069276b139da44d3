"""One source declaration, shared by the manifest (``data/sources.yaml``) and ``extra_sources``.

A source is one dataset release; each of its files becomes one canonical table at ingest. The
manifest file and a run config's ``extra_sources`` hold exactly this shape, checked by this one
model (``dyadstats.ingest.manifest.load_manifest`` for both, the generated config schema for
``extra_sources``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from dyadstats.config.base import ConfigModel, Number, optional, year_range
from dyadstats.config.vocab import SNAKE_NAME, ColumnType, FileFormat

SHA256 = r"^[0-9a-fA-F]{64}$"
TableName = Annotated[str, StringConstraints(pattern=SNAKE_NAME)]


class ColumnDeclaration(ConfigModel):
    """A declared column, checked at ingest (pandera)."""

    type: ColumnType | None = optional("value type after ingest")
    min: Number | None = optional("smallest allowed value")
    max: Number | None = optional("largest allowed value")
    isin: list[Any] | None = optional("the allowed values")
    nullable: bool | None = optional("missing values allowed (default: false)")


class TableDeclaration(ConfigModel):
    """The canonical table a file becomes."""

    name: TableName = Field(description="canonical table name (lower snake_case)")
    rename: dict[str, str] | None = optional(
        "source column -> canonical column (applied before snake_case)")
    missing_codes: dict[str, list[Number]] | None = optional(
        'column (or "*" for every numeric column) -> codes read as missing')
    na_strings: list[str] | None = optional('text cells read as missing (default "" and NA)')
    primary_key: Annotated[list[str], Field(min_length=1)] | None = optional(
        "columns that identify a row (checked unique at ingest)")
    year_column: str | None = optional("column checked against the source's coverage years")
    columns: dict[str, ColumnDeclaration] | None = optional("declared columns (checked at ingest)")


class SourceFileDeclaration(ConfigModel):
    """One raw file of a source: where it comes from, what it must hash to, the table it becomes."""

    file: str = Field(description="a plain file name (no '/', '\\' or '..'; checked when the manifest loads)")
    path: str | None = optional("a local copy of the file (relative to the repository root)")
    sha256: Annotated[str, StringConstraints(pattern=SHA256)] = Field(
        description="the file's SHA-256: a file that does not match is never used")
    format: FileFormat = Field(description="how the file is read")
    urls: list[str] | None = optional("download URLs tried in order when no mirror or path has the file")
    mirror_path: str | None = optional("path of the file under a mirror directory")
    archive_url: str | None = optional("a zip archive downloaded when no URL in urls works")
    archive_member: str | None = optional("the file's name inside archive_url")
    original: str | None = optional("the provider's own name of the file, if renamed")
    notes: str | None = optional("free text")
    bytes: Annotated[int, Field(ge=1)] | None = optional("expected file size")
    rows: Annotated[int, Field(ge=1)] | None = optional("expected row count after ingest")
    role: str | None = optional("what the file is for (default: input)")
    table: TableDeclaration = Field(description="the canonical table the file becomes")


class SourceDeclaration(ConfigModel):
    """One dataset release."""

    provider: str = Field(description="who publishes the data")
    dataset: str = Field(description="the dataset's name")
    version: str | int | float = Field(description="the release")
    citation: str = Field(description="the reference cited in the report")
    bibtex_key: str | None = optional("key of the BibTeX entry (default: the source id)")
    landing_url: str | None = optional("the provider's page of the release")
    terms: str | None = optional("terms of use")
    notes: str | None = optional("free text")
    coverage: year_range("first and last year the source covers") | None = optional(
        "first and last year the source covers")
    files: Annotated[list[SourceFileDeclaration], Field(min_length=1)] = Field(
        description="the release's files, one canonical table each")


class Manifest(ConfigModel):
    """The source manifest file (``data/sources.yaml``)."""

    manifest_version: int = Field(1, description="format version of the manifest")
    sources: dict[str, SourceDeclaration] = Field(description="source id -> source")
