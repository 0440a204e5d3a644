"""What every reader gives the engine: headers, and batches of rows as polars frames.

A batch is a :class:`polars.DataFrame` with

* ``__row`` (``UInt32``): the spreadsheet row number as Excel shows it (header = its own row, usually 1;
  a blank row still occupies its number; a quoted cell spanning lines is one row);
* ``c0 … c{n-1}`` (``String``, never null: a missing or padded cell is ``""``): the cells under the n
  header columns, as text exactly as in the file;
* ``__extra`` (``String``, null when the row has no extra cells): the non-empty cells beyond the header,
  joined with a tab, for rows that must be rejected as ``extra_cells``.

Blank rows (every cell empty or spaces) are never yielded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

ROW_COL = "__row"
EXTRA_COL = "__extra"

#: Hard limits against hostile files (SPEC 3; hardening issue).
MAX_COLUMNS = 1024
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell


def cell_col(i: int) -> str:
    return f"c{i}"


#: Why a workbook's sheet was read: the user named it; the workbook has no other; the active sheet
#: (the one Excel opens on) has an email or phone column; else the first visible one that has; else only
#: a hidden sheet has one; else none has (the first non-empty visible sheet is read, to say so).
SHEET_REASONS = ("named", "only", "active", "first_visible", "hidden", "no_contact")

#: Non-blank rows looked at, from the first, for a header below a title or a preamble (LinkedIn's
#: "Notes:", a report's title row); a row wider than :data:`HEADER_SEARCH_WIDTH` is not considered.
HEADER_SEARCH_ROWS = 30
HEADER_SEARCH_WIDTH = 200


def find_header(rows: Sequence[Sequence[str]]) -> int:
    """Which of the first non-blank rows is the header: the first whose cells name an email or a phone
    column (below the first row: one with more non-empty cells than any row above it, naming two fields
    or more), else the first.

    A title above the header ("Export des leads – mars") or a preamble (LinkedIn's "Notes:" and its
    paragraph) names no contact column; the header row does, or the file cannot be imported anyway.
    """
    from crm_importer.engine.fields import CONTACT_FIELDS  # mapping sits above the readers
    from crm_importer.engine.mapping import auto_map

    widest_above = 0
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = sum(1 for c in cells if c and c.strip())
        # Below the first row, only a row wider than every row above it (a title or a note is narrower
        # than the table's header, a data row is as wide) that names two fields or more (a data row with
        # a cell "Mobile" is no header).
        if len(cells) <= HEADER_SEARCH_WIDTH and (i == 0 or (named >= 2 and named > widest_above)):
            fields = [f for f in auto_map([c or "" for c in cells]) if f is not None]
            if any(f in CONTACT_FIELDS for f in fields) and (i == 0 or len(fields) >= 2):
                return i
        widest_above = max(widest_above, named)
    return 0


@dataclass
class ReadOptions:
    """What the user may override; ``None`` means detect."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    batch_rows: int = 20_000
    #: The header's row as the spreadsheet numbers it (1 = the first row); None: detected.
    header_row: int | None = None


@dataclass
class TableInfo:
    """What was detected about the file, shown to the user and recorded with the job."""

    kind: str  # "csv" or "xlsx"
    headers: list[str]
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    #: Why this sheet was read (:data:`SHEET_REASONS`); None for a text file.
    sheet_reason: str | None = None
    #: The workbook's hidden sheets (among ``sheets``).
    hidden_sheets: list[str] = field(default_factory=list)
    #: Whether the header was found below the first non-blank row (a title or a preamble above it).
    header_below_title: bool = False


class TableReader(Protocol):
    path: Path
    info: TableInfo

    def batches(self, after_row: int = 0) -> Iterator[pl.DataFrame]:
        """Batches of at most ``batch_rows`` rows, in file order, of rows numbered above ``after_row``."""
        ...

    def preview(self, n: int = 100) -> pl.DataFrame:
        """The first ``n`` non-blank data rows, fast even on a huge file."""
        ...

    def progress(self) -> float:
        """Fraction of the file read so far, 0.0 … 1.0 (by bytes for text files)."""
        ...

    def close(self) -> None: ...


def empty_batch(ncols: int) -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {ROW_COL: pl.UInt32}
    for i in range(ncols):
        schema[cell_col(i)] = pl.String
    schema[EXTRA_COL] = pl.String
    return pl.DataFrame(schema=schema)


def finish_batch(df: pl.DataFrame, ncols: int) -> pl.DataFrame:
    """Normalise a frame of raw cells into the batch contract: nulls to "", blank rows dropped.

    ``df`` has ``__row`` and ``c0 … c{k}`` for some k (columns past ``ncols`` are the extra cells).
    """
    cells = [cell_col(i) for i in range(ncols)]
    extra = [c for c in df.columns if c.startswith("c") and c not in cells and c != ROW_COL]
    for c in cells:
        if c not in df.columns:
            df = df.with_columns(pl.lit("", dtype=pl.String).alias(c))
    exprs = [pl.col(c).cast(pl.String).fill_null("") for c in cells]
    if extra:
        parts = [pl.col(c).cast(pl.String) for c in extra]
        joined = pl.concat_str(
            [pl.when(p.str.strip_chars() != "").then(p) for p in parts], separator="\t", ignore_nulls=True
        )
        extra_expr = pl.when(joined != "").then(joined).otherwise(None)
    else:
        extra_expr = pl.lit(None, dtype=pl.String)
    out = df.select(pl.col(ROW_COL).cast(pl.UInt32), *exprs, extra_expr.alias(EXTRA_COL))
    blank = pl.all_horizontal([pl.col(c).str.strip_chars() == "" for c in cells]) & pl.col(EXTRA_COL).is_null()
    return out.filter(~blank)
