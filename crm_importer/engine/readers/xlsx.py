"""XLSX reader: every cell as text, Excel row numbers kept, hostile workbooks refused before parsing.

fastexcel (calamine) parses a whole sheet on every ``load_sheet`` call, so the chosen sheet is loaded
once into a polars frame and batches are zero-copy slices of it; cells are turned into their final text
one batch at a time.

What fastexcel 0.21 gives with ``header_row=None, dtypes="string"`` (measured; check again when it moves):

* text cells exactly as stored (``"01000"``, ``"EXT-9"``, ``"  padded  "``), whatever the rest of the
  column holds: ``dtypes="string"`` turns type inference off;
* numbers as digits without ``.0`` and never in scientific notation (``612345678``,
  ``12345678901234``, ``1e20`` → ``100000000000000000000``); fractions rounded to 9 decimals with the
  trailing zeros dropped (``12.5``, ``1/3`` → ``0.333333333``);
* date-formatted cells as ``YYYY-MM-DD HH:MM:SS`` (``.fff`` when there are milliseconds), a time-only
  cell on the 1899-12-31 epoch; :func:`_as_text` rewrites these as ISO text;
* booleans as ``true`` / ``false``; error cells (``#DIV/0!``) as null — :func:`_with_error_cells` puts
  their text back from the sheet XML; formulas as their cached value;
* with ``skip_rows=None`` the leading empty rows are dropped, with ``skip_rows=0`` the frame starts at
  Excel row 1 — that is what keeps row numbers honest. Leading empty *columns* are always dropped,
  which only shifts positions, never names.

A text cell typed as ``2024-03-05 00:00:00`` cannot be told apart from a date cell and comes out as
``2024-03-05`` too; the same instant either way.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.fields import CONTACT_FIELDS
from crm_importer.engine.readers import xlsx_stream
from crm_importer.engine.readers.base import (
    HEADER_SEARCH_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    ROW_COL,
    ReadOptions,
    TableInfo,
    cell_col,
    empty_batch,
    find_header,
    finish_batch,
)

OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
#: An encrypted OOXML workbook is an OLE2 compound file holding this stream (MS-OFFCRYPTO).
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

#: Zip-bomb limits, checked on the zip directory before anything is decompressed.
MAX_UNCOMPRESSED_BYTES = 2 << 30
BOMB_RATIO = 200
BOMB_ENTRY_BYTES = 100 << 20
_MB = 1 << 20

#: A sheet whose XML inflates to more than this is streamed (xlsx_stream) instead of loaded by fastexcel.
STREAM_ABOVE_BYTES = 256 << 20  # fastexcel peaks at ~1.75x the sheet XML: streaming keeps big sheets < 1 GB

#: Parts that say a zip is a workbook (xlsx/xlsm, xlsb, ods); any other zip is not a table at all.
_WORKBOOK_PARTS = ("workbook.xml", "workbook.bin", "content.xml")

_CLOCK = r"\d{2}:\d{2}:\d{2}(?:\.\d+)?"
_TIME_ONLY = rf"^1899-12-31 ({_CLOCK})$"
_DATE_ONLY = r"^(\d{4}-\d{2}-\d{2}) 00:00:00(?:\.0+)?$"
_DATE_TIME = rf"^(\d{{4}}-\d{{2}}-\d{{2}}) ({_CLOCK})$"


def _as_text(col: str) -> pl.Expr:
    """A cell column as the text the user expects: ISO dates instead of fastexcel's datetime text.

    Serial 0 (Excel's 1900-01-00) is where time-only cells sit, so ``1899-12-31 hh:mm:ss`` is a time.
    """
    c = pl.col(col).cast(pl.String)
    return (
        c.str.replace(_TIME_ONLY, "$1")
        .str.replace(_DATE_ONLY, "$1")
        .str.replace(_DATE_TIME, "${1}T$2")
        .alias(col)
    )


# --- the file as a container ---------------------------------------------------------------------


def _contains(path: Path, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether ``needle`` occurs in the file, read in chunks (an encrypted workbook can be large)."""
    tail = b""
    with path.open("rb") as f:
        while block := f.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-(len(needle) - 1) :]
    return False


def _looks_like_html(path: Path) -> bool:
    from crm_importer.engine.readers.delimited import _is_htmlish

    with path.open("rb") as f:
        head = f.read(1024)
    return _is_htmlish(head.decode("utf-8", "replace").lstrip("\ufeff"))


def check_container(path: Path) -> None:
    """Refuse, with the right sentence, what fastexcel should never be handed.

    Old ``.xls`` and password-protected workbooks are OLE2 files, not zips; a zip bomb is caught from
    the zip directory, then by inflating each entry no further than the size the directory declares.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(len(OLE2_SIGNATURE))
    except FileNotFoundError:
        raise UnusableFileError("file_not_found", path=str(path)) from None
    except OSError as exc:
        raise UnusableFileError("file_unreadable", path=str(path), reason=exc.strerror or str(exc)) from None
    if size == 0:
        raise UnusableFileError("empty_file", path=str(path))
    if not head.startswith(b"PK") and _looks_like_html(path):
        raise UnusableFileError("html_file", path=str(path))  # a web app's "Excel export": an HTML table
    if head == OLE2_SIGNATURE:
        if _contains(path, ENCRYPTED_PACKAGE):
            raise UnusableFileError("encrypted_workbook", path=str(path))
        raise UnusableFileError("unsupported_format", path=str(path), kind="XLS 97-2003")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except MemoryError:
        raise
    except Exception as exc:  # BadZipFile, EOFError, OSError… all mean a broken file
        raise UnusableFileError("corrupt_workbook", path=str(path)) from exc
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnusableFileError(
            "workbook_too_large", path=str(path), size_mb=total // _MB, limit_mb=MAX_UNCOMPRESSED_BYTES // _MB
        )
    for info in infos:
        if info.file_size > BOMB_ENTRY_BYTES and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
            raise UnusableFileError(
                "workbook_too_large",
                path=str(path),
                size_mb=info.file_size // _MB,
                limit_mb=BOMB_ENTRY_BYTES // _MB,
            )
    if not any(i.filename.lower().endswith(_WORKBOOK_PARTS) for i in infos):
        raise UnusableFileError("not_a_table", path=str(path))
    if not all(_inflates_as_declared(path, info) for info in infos):
        # The directory understated what an entry inflates to: a bomb that would pass the checks above.
        raise UnusableFileError("corrupt_workbook", path=str(path))


def _inflates_as_declared(path: Path, info: zipfile.ZipInfo) -> bool:
    """Whether the entry's data inflates to no more than the size the zip directory declares.

    The checks above trust the directory; calamine inflates the data itself, whatever the directory says.
    Inflating stops one chunk past the declared size, so a lying entry costs no more than an honest one.
    """
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size <= info.file_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return False  # Excel and its peers write deflate or stored only
    chunk = 1 << 20
    try:
        with path.open("rb") as f:
            f.seek(info.header_offset)
            head = f.read(30)
            if len(head) < 30 or head[:4] != b"PK\x03\x04":
                return False
            name_len, extra_len = struct.unpack("<HH", head[26:30])
            f.seek(info.header_offset + 30 + name_len + extra_len)
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            left, produced = info.compress_size, 0
            while left > 0 and not inflater.eof:
                data = f.read(min(left, chunk))
                if not data:
                    return False
                left -= len(data)
                while data:
                    produced += len(inflater.decompress(data, chunk))
                    if produced > info.file_size:
                        return False
                    data = inflater.unconsumed_tail
    except (OSError, zlib.error):
        return False
    return True


@contextmanager
def _workbook_errors(path: Path) -> Iterator[None]:
    """Whatever calamine says about a workbook it cannot read becomes ``corrupt_workbook``.

    A Rust panic reaches Python as ``pyo3_runtime.PanicException``, a ``BaseException``: caught by name
    so that KeyboardInterrupt and SystemExit still go through.
    """
    try:
        yield
    except (UnusableFileError, MemoryError):
        raise
    except Exception as exc:  # fastexcel raises many kinds; all mean "cannot read"
        raise UnusableFileError("corrupt_workbook", path=str(path)) from exc
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            raise UnusableFileError("corrupt_workbook", path=str(path)) from exc
        raise


#: A ``<sheet>`` element of xl/workbook.xml and its relationship id.
_SHEET_ELEMENT = re.compile(rb'<(?:[\w.-]+:)?sheet\s[^>]*?\b[\w.-]+:id="([^"]+)"[^>]*/>')


def _worksheets_only(path: Path, parts: xlsx_stream.WorkbookParts) -> bytes:
    """The workbook, in memory, without its chart, macro (Excel 4.0) and dialog sheets' entries.

    calamine refuses a whole workbook that holds an Excel 4.0 macro sheet ("Unrecognized sheet type")
    and logs a warning for a chartsheet; neither holds rows to import, so they are left out of the
    copy it reads. Only the workbook part changes; every other part is copied as it is.
    """
    drop = {e.rid.encode() for e in parts.entries if e.kind != xlsx_stream.WORKSHEET}
    buf = io.BytesIO()
    try:
        # compresslevel 1: the copy lives in memory for one read; deflating it hard would only cost time.
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename.lower().lstrip("/") == "xl/workbook.xml":
                    data = _SHEET_ELEMENT.sub(lambda m: b"" if m.group(1) in drop else m.group(0), data)
                info.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(info, data, compresslevel=1)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnusableFileError("corrupt_workbook", path=str(path)) from exc
    return buf.getvalue()


def _open(path: Path) -> tuple[fastexcel.ExcelReader, xlsx_stream.WorkbookParts]:
    check_container(path)
    parts = xlsx_stream.workbook_parts(path)
    with _workbook_errors(path):
        if any(e.kind != xlsx_stream.WORKSHEET for e in parts.entries):
            return fastexcel.read_excel(_worksheets_only(path, parts)), parts
        return fastexcel.read_excel(path), parts


def list_sheets(path: Path) -> list[str]:
    """The workbook's worksheet names, in workbook order (hidden sheets included; chart and macro
    sheets left out)."""
    path = Path(path)
    reader, _ = _open(path)
    with _workbook_errors(path):
        return list(reader.sheet_names)


# --- one sheet -------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """A loaded sheet: frame row ``i`` is Excel row ``i + 1``; columns ``c0 … c{w-1}`` as fastexcel gave them."""

    name: str
    frame: pl.DataFrame
    header_index: int
    headers: list[str]
    stream: xlsx_stream.SheetStream | None = None  # a big sheet: frame is empty, rows come from here
    stream_width: int = 0
    below_title: bool = False  # the header was found below the first non-blank row

    @property
    def width(self) -> int:
        return self.frame.width if self.stream is None else self.stream_width


def _header_cells(raw: tuple[object, ...] | list[object]) -> list[str]:
    headers = ["" if v is None else str(v).replace("\x00", "") for v in raw]  # no NUL in a name: see delimited
    while headers and not headers[-1].strip():
        headers.pop()  # trailing empty header cells are the sheet's width, not columns
    return headers


def _stream_sheet(path: Path, name: str, parts: xlsx_stream.WorkbookParts,
                  header_row: int | None = None) -> _Sheet | None:
    """A big sheet: only its first rows are parsed now (same choice of header row as ``_load_sheet``)."""
    stream = xlsx_stream.SheetStream(path, name, parts)
    rows: list[tuple[int, dict[int, str]]] = []
    for number, cells in stream.rows():
        if header_row is not None:
            if number >= header_row:
                rows = [(number, cells)] if number == header_row else []
                break
        elif any(v.strip() for v in cells.values()):
            rows.append((number, cells))
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    if not rows or not any(v.strip() for v in rows[0][1].values()):
        if header_row is not None:
            raise UnusableFileError("header_row_empty", path=str(path), row=header_row)
        return None
    width = max(max(cells) for _, cells in rows) + 1
    block = pl.DataFrame(
        {cell_col(i): [cells.get(i) for _, cells in rows] for i in range(width)},
        schema=[(cell_col(i), pl.String) for i in range(width)],
    )
    texts = [_header_cells(r) for r in block.select(_as_text(c) for c in block.columns).rows()]
    pick = find_header(texts) if header_row is None else 0
    number = rows[pick][0]
    return _Sheet(name, pl.DataFrame(), number - 1, texts[pick], stream, width, below_title=pick > 0)


def _with_error_cells(frame: pl.DataFrame, path: Path, info: zipfile.ZipInfo | None) -> pl.DataFrame:
    """fastexcel's frame with the error cells' text (``#N/A``…) where it gave null: an error is a value."""
    if info is None:
        return frame
    errors = xlsx_stream.error_cells(path, info)
    if not errors:
        return frame
    origin = xlsx_stream.sheet_origin(path, info)
    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for row, col, text in errors:
        c = col - origin
        if 0 <= c < frame.width and 0 < row <= frame.height:
            rows, values = by_column.setdefault(c, ([], []))
            rows.append(row - 1)
            values.append(text)
    columns = []
    for c, (rows, values) in by_column.items():
        series = frame.get_column(frame.columns[c]).cast(pl.String).clone()
        columns.append(series.scatter(rows, values))
    return frame.with_columns(columns) if columns else frame


def _load_sheet(reader: fastexcel.ExcelReader, name: str, path: Path, info: zipfile.ZipInfo | None = None,
                header_row: int | None = None) -> _Sheet | None:
    """Parse a whole sheet (fastexcel cannot do less); ``None`` when it has no non-blank cell.

    The header is the row ``header_row`` when given, else the first non-blank row that names an email
    or phone column among the first ones (a title or a preamble may sit above it), else the first."""
    with _workbook_errors(path):
        # skip_rows=0: with None, fastexcel drops the leading empty rows and the row numbers would shift.
        frame = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0).to_polars()
    if frame.width == 0 or frame.height == 0:
        if header_row is not None:
            raise UnusableFileError("header_row_empty", path=str(path), row=header_row)
        return None
    frame = frame.rename({old: cell_col(i) for i, old in enumerate(frame.columns)})
    if frame.width > MAX_COLUMNS:
        # Refused by _check_limits if chosen: no per-column work (16k columns took 7 s and 450 MB).
        return _Sheet(name, frame, 0, [])
    frame = _with_error_cells(frame, path, info)
    nonblank = frame.select(
        pl.any_horizontal(
            [pl.col(c).cast(pl.String).str.strip_chars().fill_null("") != "" for c in frame.columns]
        )
    ).to_series()
    if header_row is not None:
        if header_row > frame.height or not nonblank[header_row - 1]:
            raise UnusableFileError("header_row_empty", path=str(path), row=header_row)
        raw = frame.slice(header_row - 1, 1).select(_as_text(c) for c in frame.columns).row(0)
        return _Sheet(name, frame, header_row - 1, _header_cells(raw))
    found = nonblank.arg_true()
    if found.len() == 0:
        return None
    first = found.head(HEADER_SEARCH_ROWS)
    texts = [_header_cells(r) for r in frame[first].select(_as_text(c) for c in frame.columns).rows()]
    pick = find_header(texts)
    return _Sheet(name, frame, int(first[pick]), texts[pick], below_title=pick > 0)


def _check_limits(sheet: _Sheet, path: Path) -> None:
    """Refuse a sheet wider or with longer cells than Excel itself allows: broken or hostile."""
    if sheet.stream is not None:
        return  # the stream checks every cell as it parses it
    frame = sheet.frame
    if frame.width > MAX_COLUMNS:
        raise UnusableFileError("too_many_columns", path=str(path), count=frame.width, limit=MAX_COLUMNS)
    lengths = [pl.col(c).cast(pl.String).str.len_chars() for c in frame.columns]
    longest = frame.select(pl.max_horizontal(lengths).max()).item()
    if longest is None or longest <= MAX_CELL_CHARS:
        return
    per_row = frame.select(pl.max_horizontal(lengths).alias("n"))["n"]
    index = int(per_row.fill_null(0).arg_max() or 0)
    raise UnusableFileError(
        "cell_too_large",
        path=str(path),
        row=index + 1,
        size_kb=int(longest) // 1024,
        limit_kb=MAX_CELL_CHARS // 1024,
    )


def _has_contact_column(headers: list[str]) -> bool:
    # Imported here: mapping sits above the readers and is not needed to read a file.
    from crm_importer.engine.mapping import auto_map

    return any(field in CONTACT_FIELDS for field in auto_map(headers))


class XlsxReader:
    """An .xlsx sheet as batches of text cells (see the module docstring)."""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = Path(path)
        self.options = options
        reader, self._parts = _open(self.path)
        with _workbook_errors(self.path):
            sheets = list(reader.sheet_names)
        sheet, reason = self._choose_sheet(reader, sheets)
        _check_limits(sheet, self.path)
        self._frame: pl.DataFrame | None = sheet.frame
        self._stream = sheet.stream
        self._ncols = len(sheet.headers)
        self._data_start = sheet.header_index + 1
        self._height = sheet.frame.height
        self._pos = 0
        self.info = TableInfo(
            kind="xlsx",
            headers=sheet.headers,
            header_row=sheet.header_index + 1,
            sheet=sheet.name,
            sheets=sheets,
            sheet_reason=reason,
            hidden_sheets=[n for n in sheets if not self._visible(n)],
            header_below_title=sheet.below_title,
        )

    def _load(self, reader: fastexcel.ExcelReader, name: str) -> _Sheet | None:
        """fastexcel for a sheet of a sensible size, the XML stream for a big one."""
        info = self._parts.sheets.get(name)
        if info is not None and info.file_size > STREAM_ABOVE_BYTES:
            return _stream_sheet(self.path, name, self._parts, self.options.header_row)
        return _load_sheet(reader, name, self.path, info, self.options.header_row)

    def _visible(self, name: str) -> bool:
        return all(e.visible for e in self._parts.entries if e.name == name)

    def _choose_sheet(self, reader: fastexcel.ExcelReader, sheets: list[str]) -> tuple[_Sheet, str]:
        """The sheet to read and why (:data:`SHEET_REASONS`).

        The sheet the user named; else, of the sheets with an email or phone column, the active one
        (the sheet Excel opens on), else the first visible one, else a hidden one (a hidden sheet holds
        lists for the visible ones: the sales reps, the sources…); else the first non-empty visible
        sheet, which only serves to tell the user that no column maps to a contact.

        Sheets are parsed one at a time and dropped when they do not qualify, so at most one sheet
        is in memory; the non-empty fallback is parsed again rather than kept.
        """
        wanted = self.options.sheet
        if wanted is not None:
            other = next((e for e in self._parts.entries if e.name == wanted and e.kind != xlsx_stream.WORKSHEET),
                         None)
            if other is not None:
                raise UnusableFileError("sheet_not_a_table", path=str(self.path), sheet=wanted, kind=other.kind)
            if wanted not in sheets:
                raise UnusableFileError("sheet_not_found", sheet=wanted, sheets=", ".join(sheets))
            chosen = self._load(reader, wanted)
            if chosen is None:
                raise UnusableFileError("empty_file", path=str(self.path))
            return chosen, "named"
        active = self._parts.active_name
        visible = [n for n in sheets if self._visible(n)]
        ordered = ([active] if active in visible else []) + [n for n in visible if n != active]
        ordered += [n for n in sheets if n not in visible]
        first_nonempty: str | None = None
        for name in ordered:
            candidate = self._load(reader, name)
            if candidate is None:
                continue
            # A sheet too wide to import is not worth mapping (auto_map on 16k headers takes seconds).
            if candidate.width <= MAX_COLUMNS and _has_contact_column(candidate.headers):
                if len(sheets) == 1:
                    return candidate, "only"
                if name not in visible:
                    return candidate, "hidden"
                return candidate, "active" if name == active else "first_visible"
            if first_nonempty is None:
                first_nonempty = name
        if first_nonempty is None:
            raise UnusableFileError("empty_file", path=str(self.path))
        fallback = self._load(reader, first_nonempty)
        assert fallback is not None
        return fallback, "only" if len(sheets) == 1 else "no_contact"

    # --- batches ------------------------------------------------------------------------------------
    def _loaded(self) -> pl.DataFrame:
        if self._frame is None:
            raise ValueError(f"reader for {self.path} is closed")
        return self._frame

    def _batch(self, raw: pl.DataFrame, start: int) -> pl.DataFrame:
        """Frame rows ``start …`` turned into the batch contract (text fixed, blank rows dropped)."""
        numbers = pl.int_range(start + 1, start + 1 + raw.height, dtype=pl.UInt32).alias(ROW_COL)
        return finish_batch(raw.select(numbers, *(_as_text(c) for c in raw.columns)), self._ncols)

    def _finish(self, raw: pl.DataFrame) -> pl.DataFrame:
        cells = (_as_text(c) for c in raw.columns if c != ROW_COL)
        return finish_batch(raw.select(pl.col(ROW_COL), *cells), self._ncols)

    def _slices(self, start: int, step: int) -> Iterator[tuple[int, pl.DataFrame]]:
        if self._stream is not None:
            yield from xlsx_stream.row_batches(self._stream, start, step, self._finish)
            return
        frame = self._loaded()
        for lo in range(start, frame.height, step):
            raw = frame.slice(lo, step)
            yield lo + raw.height, self._batch(raw, lo)

    def batches(self, after_row: int = 0) -> Iterator[pl.DataFrame]:
        # Frame row i is Excel row i + 1, so "rows above after_row" start at index after_row.
        start = max(self._data_start, after_row)
        self._pos = start
        for end, batch in self._slices(start, max(1, self.options.batch_rows)):
            self._pos = end
            if batch.height:
                yield batch
        self._pos = self._height
        if self._stream is not None:
            self._stream.consumed = self._stream.total

    def preview(self, n: int = 100) -> pl.DataFrame:
        out: list[pl.DataFrame] = []
        got = 0
        for _, batch in self._slices(self._data_start, max(n, 1_000)):
            out.append(batch)
            got += batch.height
            if got >= n:
                break
        if not out:
            return empty_batch(self._ncols)
        return pl.concat(out).head(n)

    def progress(self) -> float:
        """Fraction of the sheet's rows already turned into batches (the parse itself is all upfront)."""
        if self._stream is not None:  # a streamed sheet: by bytes of its XML
            return min(1.0, self._stream.consumed / self._stream.total) if self._stream.total else 1.0
        return min(1.0, self._pos / self._height) if self._height else 1.0

    def close(self) -> None:
        self._frame = None
        self._stream = None
