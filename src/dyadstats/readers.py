"""Readers for the raw formats providers ship: CSV/TSV, Stata, Excel, R data and Parquet.

Each reader returns a pandas DataFrame with the file's own column names and raises
``ReadError`` naming the file and the reason when the file cannot be read whole.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from dyadstats.errors import ReadError
from dyadstats.rda import read_rda

UTF8_BOM = b"\xef\xbb\xbf"
# Text cells read as missing unless a table declares its own ``na_strings``.
DEFAULT_NA = ("", "NA")


def _decode_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise ReadError(f"{path}: the file is empty")
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM):]
    # Excel's "Unicode text" export is UTF-16 with a byte-order mark: say so, not "byte 0".
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"),
                      (b"\xff\xfe", "UTF-16LE"), (b"\xfe\xff", "UTF-16BE")):
        if raw.startswith(bom):
            raise ReadError(
                f"{path}: the file is {name} (byte-order mark {bom.hex(' ')}), not UTF-8. Re-save it "
                f"as UTF-8 (for example: iconv -f {name[:6]} -t utf-8 in.csv > out.csv)."
            )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReadError(
            f"{path}: not valid UTF-8 at byte {exc.start} (line {line}): "
            f"{raw[exc.start:exc.start + 4]!r}. Re-save the file as UTF-8 "
            "(for example: iconv -f latin1 -t utf-8 in.csv > out.csv)."
        ) from exc


def read_delimited(
    path: str | Path, sep: str = ",", na_strings: tuple[str, ...] = DEFAULT_NA
) -> pd.DataFrame:
    """Read a CSV/TSV as text (typed later at ingest); BOM-safe; strict on ragged rows."""
    path = Path(path)
    text = _decode_text(path)
    lines = text.splitlines()
    header = next(csv.reader([lines[0]], delimiter=sep))
    width = len(header)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=list(na_strings),
            on_bad_lines="error", engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ReadError(f"{path}: cannot parse as {'TSV' if sep == chr(9) else 'CSV'}: {exc}") from exc
    if frame.empty:
        raise ReadError(f"{path}: the file has a header but no data rows")
    # A truncated final row has fewer fields than the header; pandas pads it with NaN.
    last = next(csv.reader([lines[-1]], delimiter=sep)) if len(lines) > 1 else header
    if len(last) < width:
        raise ReadError(
            f"{path}: row {len(frame)} (the last line) has {len(last)} fields, the header has "
            f"{width}: the file looks truncated"
        )
    return frame


def read_stata(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    try:
        return pd.read_stata(path, convert_categoricals=False)
    except Exception as exc:  # pandas raises several unrelated types for a bad .dta
        raise ReadError(f"{path}: cannot read as Stata .dta: {exc}") from exc


def read_excel(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    try:
        frame = pd.read_excel(path, sheet_name=0)
    except Exception as exc:
        raise ReadError(f"{path}: cannot read as an Excel workbook: {exc}") from exc
    if frame.empty:
        raise ReadError(f"{path}: the first sheet has no data rows")
    return frame


def read_parquet(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise ReadError(f"{path}: cannot read as Parquet: {exc}") from exc


def read_raw(path: str | Path, fmt: str, na_strings: tuple[str, ...] = DEFAULT_NA) -> pd.DataFrame:
    """Dispatch on the manifest's ``format``."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty")
    readers = {
        "csv": lambda p: read_delimited(p, ",", na_strings),
        "tsv": lambda p: read_delimited(p, "\t", na_strings),
        "dta": read_stata,
        "xls": read_excel,
        "xlsx": read_excel,
        "rda": read_rda,  # dyadstats.rda: typed as the Parquet exports were
        "rds": read_rda,
        "parquet": read_parquet,
    }
    if fmt not in readers:
        raise ReadError(f"{path}: unknown format '{fmt}'")
    return readers[fmt](path)
