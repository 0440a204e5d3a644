"""A big sheet read straight from its XML, with memory bounded by one batch (plus the shared strings).

fastexcel (calamine) builds the whole sheet's cell range, about 1.2 KB a row; for a sheet whose XML
is larger than :data:`crm_importer.engine.readers.xlsx.STREAM_ABOVE_BYTES`, :class:`SheetStream` feeds
the sheet XML to expat 1 MiB at a time and turns each cell into the very text fastexcel gives with
``dtypes="string"`` (measured against fastexcel 0.21; the tests compare both paths on real workbooks):

* numbers: integral values as their digits (no ``.0``, never scientific notation), fractions rounded
  to 9 decimals with the trailing zeros dropped;
* a number whose style's number format is a date, time or duration format (calamine's rule: built-in
  ids 14-22 and 45-47, or a custom code with a d/m/y/h/s token outside quotes and brackets, or
  ``[h]``-style durations) as ``YYYY-MM-DD HH:MM:SS[.fff]``, calamine's arithmetic included (serials
  below 60 shifted a day for Excel's 1900-02-29, 1904 date system honoured); the caller's ``_as_text``
  then makes ISO text of it as on the fastexcel path;
* booleans as ``true``/``false``; error cells as their text (``#N/A``); shared, rich-text and inline strings as their
  text runs (phonetic ``<rPh>`` runs left out); formula cells as their cached value.

Columns are numbered from the sheet's first column holding a value (a quick scan, usually stopped by
the first cell in column A), as fastexcel drops leading empty columns. Shared strings are held as a
``list[str]`` (about 57 bytes plus the text per distinct string): cell text needs indexed access.

Slower than fastexcel (three to four Python callbacks per cell), which is why only big sheets take it.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

import polars as pl

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.readers.base import MAX_CELL_CHARS, MAX_COLUMNS, ROW_COL, cell_col

CHUNK = 1 << 20

_DATE_IDS = frozenset(range(14, 23)) | {45, 46, 47}
_MS_PER_DAY = 86_400_000.0


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _corrupt(path: Path) -> UnusableFileError:
    return UnusableFileError("corrupt_workbook", path=str(path))


def _parse_part(
    zf: zipfile.ZipFile, name: str, start: Callable, end: Callable | None = None, text: Callable | None = None
) -> None:
    """Feed one zip part to expat, CHUNK bytes at a time."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    with zf.open(name) as f:
        while block := f.read(CHUNK):
            parser.Parse(block, False)
    parser.Parse(b"", True)


def _find_part(zf: zipfile.ZipFile, name: str) -> str | None:
    """A part's name as stored (zip names are case-sensitive, some writers are not)."""
    wanted = name.lstrip("/").lower()
    for n in zf.namelist():
        if n.lower() == wanted:
            return n
    return None


# --- workbook-level parts ---------------------------------------------------------------------------


#: What a workbook's sheet entry may be besides a worksheet (the relationship type's last word).
WORKSHEET = "worksheet"
_SHEET_KINDS = {"worksheet": WORKSHEET, "chartsheet": "chartsheet", "xlmacrosheet": "macrosheet",
                "xlintlmacrosheet": "macrosheet", "dialogsheet": "dialogsheet"}


@dataclass(frozen=True)
class SheetEntry:
    """One ``<sheet>`` of the workbook: its name, relationship id, kind and visibility."""

    name: str
    rid: str
    kind: str  # worksheet | chartsheet | macrosheet | dialogsheet | other
    state: str  # visible | hidden | veryHidden

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass
class WorkbookParts:
    """Where each worksheet's XML is and how big it is, and whether dates count from 1904; every sheet
    entry in workbook order (chart and macro sheets included) and the index of the active one."""

    sheets: dict[str, zipfile.ZipInfo]
    date1904: bool
    entries: list[SheetEntry] = field(default_factory=list)
    active: int = 0

    @property
    def active_name(self) -> str | None:
        return self.entries[self.active].name if 0 <= self.active < len(self.entries) else None


def workbook_parts(path: Path) -> WorkbookParts:
    """Sheet name → its worksheet part, through xl/workbook.xml and xl/_rels/workbook.xml.rels."""
    try:
        with zipfile.ZipFile(path) as zf:
            wb_name = _find_part(zf, "xl/workbook.xml")
            rels_name = _find_part(zf, "xl/_rels/workbook.xml.rels")
            if wb_name is None or rels_name is None:
                return WorkbookParts({}, False)
            targets: dict[str, str] = {}
            types: dict[str, str] = {}

            def rel(name: str, attrs: dict[str, str]) -> None:
                if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
                    targets[attrs["Id"]] = attrs["Target"]
                    types[attrs["Id"]] = attrs.get("Type", "").rpartition("/")[2].lower()

            _parse_part(zf, rels_name, rel)
            order: list[tuple[str, str, str]] = []
            flags: dict[str, Any] = {"date1904": False, "active": None}

            def wb(name: str, attrs: dict[str, str]) -> None:
                local = _local(name)
                if local == "sheet":
                    rid = next((v for k, v in attrs.items() if k.endswith(":id") or k == "r:id"), None)
                    if rid is not None and "name" in attrs:
                        order.append((attrs["name"], rid, attrs.get("state", "visible")))
                elif local == "workbookPr":
                    flags["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")
                elif local == "workbookView" and flags["active"] is None:
                    tab = attrs.get("activeTab", "0")
                    flags["active"] = int(tab) if tab.isdigit() else 0

            _parse_part(zf, wb_name, wb)
            sheets: dict[str, zipfile.ZipInfo] = {}
            entries: list[SheetEntry] = []
            for sheet_name, rid, state in order:
                kind = _SHEET_KINDS.get(types.get(rid, ""), "other")
                entries.append(SheetEntry(sheet_name, rid, kind, state))
                target = targets.get(rid)
                if target is None or kind != WORKSHEET:
                    continue
                full = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                part = _find_part(zf, full)
                if part is not None:
                    sheets[sheet_name] = zf.getinfo(part)
            return WorkbookParts(sheets, flags["date1904"], entries, flags["active"] or 0)
    except (zipfile.BadZipFile, OSError, expat.ExpatError, KeyError) as exc:
        raise _corrupt(path) from exc


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """Every ``<si>`` as one string: its ``<t>`` runs joined, phonetic ``<rPh>`` runs left out."""
    name = _find_part(zf, "xl/sharedStrings.xml")
    if name is None:
        return []
    out: list[str] = []
    parts: list[str] = []
    state = {"t": False, "rph": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "t":
            state["t"] = True
        elif local == "rPh":
            state["rph"] += 1
        elif local == "si":
            parts.clear()

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "t":
            state["t"] = False
        elif local == "rPh":
            state["rph"] -= 1
        elif local == "si":
            out.append("".join(parts))

    def text(data: str) -> None:
        if state["t"] and not state["rph"]:
            parts.append(data)

    _parse_part(zf, name, start, end, text)
    return out


def is_date_format(code: str) -> bool:
    """calamine's ``detect_custom_number_format``: DateTime or TimeDelta (both read as datetimes)."""
    escaped = is_quote = hms = ap = False
    brackets = 0
    prev = " "
    for s in code:
        if escaped:
            escaped = False
        elif s in "_\\":
            escaped = True
        elif is_quote:
            if s == '"':
                is_quote = False
        elif s == '"':
            is_quote = True
        elif s == ";":
            return False
        elif s == "[":
            brackets += 1
        elif s == "]" and brackets == 1 and hms:
            return True
        elif s == "]":
            brackets = max(0, brackets - 1)
        elif s in "aA" and not ap and brackets == 0:
            ap = True
        elif s in "pm/PM" and ap and brackets == 0:
            return True
        elif s in "dmhysDMHYS" and not ap and brackets == 0:
            return True
        elif not (hms and s.lower() == prev.lower()):
            hms = prev == "[" and s in "mhsMHS"
        prev = s
    return False


def _date_styles(zf: zipfile.ZipFile) -> list[bool]:
    """For each ``cellXfs`` entry, whether its number format makes a number a date."""
    name = _find_part(zf, "xl/styles.xml")
    if name is None:
        return []
    custom: dict[int, str] = {}
    xf_fmt: list[int] = []
    depth = {"cellXfs": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            try:
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            except ValueError:
                pass
        elif local == "cellXfs":
            depth["cellXfs"] += 1
        elif local == "xf" and depth["cellXfs"]:
            try:
                xf_fmt.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xf_fmt.append(0)

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            depth["cellXfs"] -= 1

    _parse_part(zf, name, start, end)
    return [is_date_format(custom[i]) if i in custom else i in _DATE_IDS for i in xf_fmt]


# --- cell values ------------------------------------------------------------------------------------


def _round_half_away(x: float) -> int:
    """Rust's ``f64::round`` (half away from zero); ``floor(x + 0.5)`` is wrong where the ulp is 1."""
    t = math.trunc(x)
    d = x - t  # exact
    return t + 1 if d >= 0.5 else t - 1 if d <= -0.5 else t


def _civil(days: int) -> tuple[int, int, int]:
    """Proleptic Gregorian date of a day count from 1970-01-01 (any year, unlike ``datetime``)."""
    z = days + 719_468
    era = (z if z >= 0 else z - 146_096) // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


_EPOCH_1970 = -25_569  # 1899-12-30 as days from 1970-01-01


def excel_datetime_text(value: float, date1904: bool) -> str | None:
    """calamine's ``ExcelDateTime::as_datetime`` printed as chrono prints a NaiveDateTime."""
    f = value + 1462.0 if date1904 else value
    if f < 60.0:
        f += 1.0
    ms_f = f * _MS_PER_DAY
    if not math.isfinite(ms_f) or abs(ms_f) > 9.2e18:
        return None
    ms = _round_half_away(ms_f)
    days, ms_of_day = divmod(ms, 86_400_000)
    y, m, d = _civil(_EPOCH_1970 + days)
    secs, millis = divmod(ms_of_day, 1000)
    hh, rest = divmod(secs, 3600)
    mm, ss = divmod(rest, 60)
    year = f"{y:04d}" if 0 <= y <= 9999 else f"{y:+05d}"
    text = f"{year}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}"
    return f"{text}.{millis:03d}" if millis else text


def number_text(value: float) -> str:
    """A number as fastexcel writes it with ``dtypes="string"``."""
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = f"{value:.9f}".rstrip("0")
    return text[:-1] if text.endswith(".") else text


# --- the sheet --------------------------------------------------------------------------------------


def _whole_rows(path: Path, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The sheet's XML in pieces cut after a ``row>`` (a cell is never cut in two)."""
    tail = b""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(info) as f:
            while block := f.read(CHUNK):
                data = tail + block
                cut = data.rfind(b"row>")
                if cut < 0 and len(data) <= 16 * CHUNK:
                    tail = data
                    continue
                scan, tail = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
                yield scan
            if tail:
                yield tail
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _corrupt(path) from exc


_ORIGIN_CELL = re.compile(
    rb'<(?:[\w.-]+:)?c\s[^>]*?\br="([A-Za-z]+)\d*"[^>]*(?<!/)>\s*'  # <c r="B2" …>, not <c …/>
    rb"(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>)\s*)?"  # a formula, maybe
    rb"<(?:[\w.-]+:)?(?:v|is)\b"  # then a value: a cell with a style only does not count
)


def sheet_origin(path: Path, info: zipfile.ZipInfo) -> int:
    """Index of the sheet's first column holding a cell with content, as fastexcel counts columns
    (see :meth:`SheetStream.origin`)."""
    best: int | None = None
    for scan in _whole_rows(path, info):
        for m in _ORIGIN_CELL.finditer(scan):
            i = _col_index(m.group(1).decode("ascii"))
            if best is None or i < best:
                best = i
                if best == 0:
                    return 0
    return best or 0


_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c\s([^>]*?)(/?)>")
_CELL_REF = re.compile(rb'\br="([A-Za-z]{1,3})([0-9]+)"')
_CELL_CLOSE = re.compile(rb"</(?:[\w.-]+:)?c>")
_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)</")


def error_cells(path: Path, info: zipfile.ZipInfo) -> list[tuple[int, int, str]]:
    """``(excel_row, column_letter_index, text)`` of every error cell (``t="e"``: ``#N/A``, ``#VALUE!``…).

    fastexcel reads error cells as empty; they are values (a failed VLOOKUP in an email column is not a
    missing email), so the reader puts their text back. Only cells with an ``r`` reference are placed.
    """
    found: list[tuple[int, int, str]] = []
    for scan in _whole_rows(path, info):
        pos = scan.find(b't="e"')
        while pos >= 0:
            start = scan.rfind(b"<", 0, pos)
            m = _CELL_OPEN.match(scan, start) if start >= 0 else None
            if m is not None and not m.group(2) and b't="e"' in m.group(1):
                ref = _CELL_REF.search(m.group(1))
                close = _CELL_CLOSE.search(scan, m.end())
                value = _CELL_VALUE.search(scan, m.end(), close.start() if close else len(scan))
                if ref is not None and value is not None and value.group(1).strip():
                    text = value.group(1).decode("utf-8", "replace").strip()
                    found.append((int(ref.group(2)), _col_index(ref.group(1).decode("ascii")), text))
            pos = scan.find(b't="e"', pos + 5)
    return found


class SheetStream:
    """Rows of one worksheet, parsed as they are read: ``(excel_row, {column_index: raw_text})``."""

    def __init__(self, path: Path, sheet: str, parts: WorkbookParts) -> None:
        self.path = Path(path)
        info = parts.sheets.get(sheet)
        if info is None:
            raise _corrupt(self.path)
        self.info = info
        self.date1904 = parts.date1904
        try:
            with zipfile.ZipFile(self.path) as zf:
                self.shared = _shared_strings(zf)
                self.date_styles = _date_styles(zf)
        except (zipfile.BadZipFile, OSError, expat.ExpatError, KeyError) as exc:
            raise _corrupt(self.path) from exc
        self.consumed = 0
        self._origin: int | None = None

    @property
    def total(self) -> int:
        return self.info.file_size

    def origin(self) -> int:
        """Index of the sheet's first column holding a cell with content, as fastexcel counts columns.

        ``<dimension>`` is not trusted: it also covers cells that only carry a style, which fastexcel
        ignores. A regex over the raw XML finds the leftmost non-empty ``<c r="…">``; it stops at the
        first cell in column A, so on most sheets it reads a few bytes only.
        """
        if self._origin is None:
            self._origin = self._scan_origin()
        return self._origin

    def _scan_origin(self) -> int:
        return sheet_origin(self.path, self.info)

    def _prefix(self) -> str:
        """The namespace prefix of the sheet's elements (``x:`` in some writers, usually none)."""
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(self.info) as f:
                head = f.read(1 << 16)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _corrupt(self.path) from exc
        m = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet\b", head)
        return m.group(1).decode("ascii") if m and m.group(1) else ""

    def rows(self) -> Iterator[tuple[int, dict[int, str]]]:
        """Every row that has at least one cell with a value, in file order.

        The handlers are written for speed (a cell costs three or four expat callbacks): plain closures
        over local variables, element names compared as strings, column letters cached.
        """
        path = self.path
        origin = self.origin()
        shared = self.shared
        nshared = len(shared)
        date_styles = self.date_styles
        nstyles = len(date_styles)
        date1904 = self.date1904
        p = self._prefix()
        tag_c, tag_v, tag_t, tag_is, tag_rph, tag_row = (p + n for n in ("c", "v", "t", "is", "rPh", "row"))
        pending: list[tuple[int, dict[int, str]]] = []
        col_cache: dict[str, int] = {}
        row_no = 0
        col = -1
        kind = "n"
        style = 0
        in_v = in_t = in_is = False
        rph = 0
        cells: dict[int, str] = {}
        text: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row_no, col, kind, style, in_v, in_t, in_is, rph
            if name == tag_c:
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    i = col_cache.get(letters)
                    if i is None:
                        i = _col_index(letters) if letters.isascii() and letters.isalpha() else col + 1
                        if len(col_cache) < 20_000:
                            col_cache[letters] = i
                    col = i
                else:
                    col += 1
                kind = attrs.get("t", "n")
                s = attrs.get("s")
                style = int(s) if s and s.isdigit() else 0
                text.clear()
            elif name == tag_v:
                in_v = True
                text.clear()
            elif name == tag_t:
                in_t = True
            elif name == tag_row:
                r = attrs.get("r")
                row_no = int(r) if r and r.isdigit() else row_no + 1
                col = -1
                cells.clear()
            elif name == tag_is:
                in_is = True
                text.clear()
            elif name == tag_rph:
                rph += 1

        def chars(data: str) -> None:
            if in_v or (in_t and in_is and not rph):
                text.append(data)

        def end(name: str) -> None:
            nonlocal in_v, in_t, in_is, rph, cells
            if name == tag_v:
                in_v = False
            elif name == tag_c:
                raw = text[0] if len(text) == 1 else "".join(text)
                value: str | None
                if kind == "n":
                    if style and style < nstyles and date_styles[style]:
                        value = _number_cell(raw, date1904, True)
                    elif len(raw) < 16 and raw.isdigit() and raw.isascii():
                        value = raw.lstrip("0") or "0"
                    else:
                        value = _number_cell(raw, date1904, False)
                elif kind == "s":
                    value = shared[int(raw)] if raw.isdigit() and int(raw) < nshared else None
                else:
                    value = _other_cell(kind, raw)
                if value is None:
                    return
                c = col - origin
                if c < 0:
                    return  # left of the declared dimension
                if c >= MAX_COLUMNS:
                    raise UnusableFileError(
                        "too_many_columns", path=str(path), count=c + 1, limit=MAX_COLUMNS
                    )
                if len(value) > MAX_CELL_CHARS:
                    raise UnusableFileError(
                        "cell_too_large",
                        path=str(path),
                        row=row_no,
                        size_kb=len(value) // 1024,
                        limit_kb=MAX_CELL_CHARS // 1024,
                    )
                cells[c] = value
            elif name == tag_t:
                in_t = False
            elif name == tag_row:
                if cells:
                    pending.append((row_no, cells))
                    cells = {}
            elif name == tag_is:
                in_is = False
            elif name == tag_rph:
                rph -= 1

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        self.consumed = 0
        try:
            with zipfile.ZipFile(path) as zf, zf.open(self.info) as f:
                while True:
                    block = f.read(CHUNK)
                    self.consumed += len(block)
                    parser.Parse(block, not block)
                    yield from pending
                    pending.clear()
                    if not block:
                        break
        except (zipfile.BadZipFile, OSError, expat.ExpatError, EOFError, ValueError) as exc:
            raise _corrupt(path) from exc


def _number_cell(raw: str, date1904: bool, is_date: bool) -> str | None:
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        return None
    return excel_datetime_text(number, date1904) if is_date else number_text(number)


def _other_cell(kind: str, raw: str) -> str | None:
    if kind in ("str", "inlineStr", "d"):
        return raw
    if kind == "b":
        return "false" if raw.strip() in ("0", "") else "true"
    if kind == "e":
        return raw.strip() or None  # an error (#DIV/0!, #N/A…) is a value: its text (the reader does the same)
    return None  # a type Excel does not write


def raw_frame(rows: list[tuple[int, dict[int, str]]]) -> pl.DataFrame:
    """``__row`` and ``c0 … c{k}`` (null where a row has no cell) for a run of parsed rows."""
    width = 1 + max((max(cells) for _, cells in rows), default=-1)
    columns: dict[str, list] = {ROW_COL: [r for r, _ in rows]}
    for i in range(width):
        columns[cell_col(i)] = [cells.get(i) for _, cells in rows]
    schema = {ROW_COL: pl.UInt32, **{cell_col(i): pl.String for i in range(width)}}
    return pl.DataFrame(columns, schema=schema)


def first_nonblank_row(stream: SheetStream) -> tuple[int, dict[int, str]] | None:
    """The header row as the fastexcel path picks it: the first row with a non-blank cell."""
    for number, cells in stream.rows():
        if any(v.strip() for v in cells.values()):
            return number, cells
    return None


def row_batches(
    stream: SheetStream, start: int, step: int, finish: Callable[[pl.DataFrame], pl.DataFrame]
) -> Iterator[tuple[int, pl.DataFrame]]:
    """Rows numbered above ``start`` in runs of ``step`` Excel row numbers, as the fastexcel path slices.

    Yields ``(last row number of the run, finish(raw frame of the run))``; runs with no parsed row are
    not yielded at all (the fastexcel path yields them empty, and its caller drops empty batches).
    """
    current: int | None = None
    run: list[tuple[int, dict[int, str]]] = []
    for number, cells in stream.rows():
        if number <= start:
            continue
        k = (number - start - 1) // step
        if k != current:
            if run:
                yield start + (current + 1) * step, finish(raw_frame(run))  # type: ignore[operator]
            run = []
            current = k
        run.append((number, cells))
    if run and current is not None:
        yield start + (current + 1) * step, finish(raw_frame(run))
