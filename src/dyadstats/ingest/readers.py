"""Readers for the raw formats providers ship: CSV/TSV, Stata, Excel, R data and Parquet.

Each reader returns a pandas DataFrame with the file's own column names and raises
``ReadError`` naming the file and the reason when the file cannot be read whole.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from dyadstats.errors import ReadError
from dyadstats.ingest.rda import read_rda

UTF8_BOM = b"\xef\xbb\xbf"
# Text cells read as missing unless a table declares its own ``na_strings``.
DEFAULT_NA = ("", "NA")
#: ``DataFrame.attrs`` key of a delimited file's physical line number per data row.
LINES_ATTR = "dyadstats_line_numbers"


class RowLines:
    """The physical line number of each data row, carried in ``DataFrame.attrs``.

    pandas deep-copies ``attrs`` whenever it derives a frame or a column; this holder is
    immutable and returns itself, so a million-row file does not copy its numbers each time.
    """

    __slots__ = ("numbers",)

    def __init__(self, numbers: np.ndarray) -> None:
        self.numbers = numbers

    def __getitem__(self, row: int) -> int:
        return int(self.numbers[row])

    def __len__(self) -> int:
        return len(self.numbers)

    def __deepcopy__(self, memo: dict) -> RowLines:
        return self


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


def _record_shape(text: str, sep: str) -> tuple[np.ndarray, np.ndarray]:
    """Fields per CSV record and the physical line each record starts on (1-based).

    ``csv.reader`` yields one record per logical row (an empty one for a blank line), in C; the
    start lines are only tracked record by record when a quoted field spans lines.
    """
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    widths = np.fromiter(map(len, reader), dtype=np.int64)
    if reader.line_num == len(widths):  # one record per line: record i is line i + 1
        return widths, np.arange(1, len(widths) + 1, dtype=np.int64)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    ends = np.fromiter((reader.line_num for _ in reader), dtype=np.int64)
    starts = np.concatenate([[1], ends[:-1] + 1]).astype(np.int64)
    return widths, starts


def _shown_lines(lines: np.ndarray, widths: np.ndarray) -> str:
    shown = ", ".join(f"line {int(n)} has {int(w)}" for n, w in zip(lines[:5], widths[:5], strict=True))
    return shown + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")


def read_delimited(
    path: str | Path, sep: str = ",", na_strings: tuple[str, ...] = DEFAULT_NA
) -> pd.DataFrame:
    """Read a CSV/TSV as text (typed later at ingest); BOM-safe; strict on ragged rows.

    Every data row must have exactly the header's number of fields (pandas would pad a short
    row with NULLs) and header names must be unique (pandas would rename a repeat ``x.1``).
    The frame's ``attrs[LINES_ATTR]`` holds each row's physical line number, so messages at
    ingest name the line a text editor shows even after blank lines or multi-line fields.
    """
    path = Path(path)
    text = _decode_text(path)
    try:
        widths, starts = _record_shape(text, sep)
    except csv.Error as exc:  # e.g. a bare carriage return inside a field
        line = text.count("\n") + 1
        raise ReadError(
            f"{path}: not a readable CSV ({exc}); the file has {line} line(s). Save it with "
            "plain newline (\\n or \\r\\n) line ends and quote fields that contain line breaks"
        ) from exc
    filled = np.flatnonzero(widths > 0)  # csv yields [] for a blank line; pandas skips those
    if not len(filled):
        raise ReadError(f"{path}: the file is empty")
    header_at = int(filled[0])
    header = next(fields for fields in csv.reader(io.StringIO(text), delimiter=sep) if fields)
    width = len(header)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ReadError(
            f"{path}: the header (line {int(starts[header_at])}) repeats column name(s) "
            f"{', '.join(repr(n) for n in repeated)}: every column needs its own name"
        )
    rows = filled[filled > header_at]
    row_lines, row_widths = starts[rows], widths[rows]
    if len(rows) and int(row_widths[-1]) < width and bool((row_widths[:-1] == width).all()):
        raise ReadError(
            f"{path}: row {len(rows)} (the last line) has {int(row_widths[-1])} fields, the header has "
            f"{width}: the file looks truncated"
        )
    ragged = row_widths != width
    if ragged.any():
        raise ReadError(
            f"{path}: {int(ragged.sum())} row(s) do not have the header's {width} fields: "
            f"{_shown_lines(row_lines[ragged], row_widths[ragged])}"
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=list(na_strings),
            on_bad_lines="error", engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ReadError(f"{path}: cannot parse as {'TSV' if sep == chr(9) else 'CSV'}: {exc}") from exc
    if frame.empty:
        raise ReadError(f"{path}: the file has a header but no data rows")
    if len(frame) == len(row_lines):
        frame.attrs[LINES_ATTR] = RowLines(row_lines)
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
        frame = pd.read_excel(path, sheet_name=0, engine="calamine")  # xlrd: deprecated by pandas
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
        "rda": read_rda,  # dyadstats.ingest.rda: typed as the Parquet exports were
        "rds": read_rda,
        "parquet": read_parquet,
    }
    if fmt not in readers:
        raise ReadError(f"{path}: unknown format '{fmt}'")
    return readers[fmt](path)
