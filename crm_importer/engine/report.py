"""The error report sales ops hand back: one line per row not imported, openable in Excel.

Columns: the spreadsheet row, the reasons (in the chosen language), then every original column in its
original order with its original value. CSV is UTF-8 with a BOM (Excel then shows accents) and uses
the source file's delimiter when it is one Excel writes in a ``.csv`` (``,`` or ``;``: what the sender's
Excel produced), else ``;`` in French and ``,`` in English — Excel does not split a ``.csv`` on tabs or ``|``;
XLSX is written in constant memory, with column widths fitted to the first rows, an autofilter on the
heading and the heading frozen. A cell a spreadsheet would run as a formula (``=…``, ``@…``, ``+A1`` — not
a phone number or a plain number such as ``+33 6 12 34 56 78`` or ``-5``) is neutralised with the format's
own means: a leading ``'`` in CSV, Excel's quote prefix (the value unchanged) in XLSX. Rows beyond the
header's columns keep their extra cells, after the file's columns. A corrected report validated again does
not bring its Row and Reasons columns back twice: they are recognised and left out. The file is written
next to its destination, renamed into place, and gets the permissions the user's umask gives new files.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from crm_importer.engine.errors import EXTRA_CELLS, RowError, UnusableFileError
from crm_importer.engine.jobstore import Issue, Job, JobStore
from crm_importer.engine.readers.base import ROW_COL, cell_col
from crm_importer.messages import LANGS, message

#: Excel's sheet limit (rows, heading included).
XLSX_MAX_ROWS = 1_048_576
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A cell starting with + or - that is only a number or a phone number: no letter (no function, no cell
#: reference), no operator a spreadsheet would compute with, so nothing runs; it is left as it is.
_PLAIN_NUMBER = re.compile(r"[+-][0-9][0-9 .,()/\-]*")
#: Statuses of rows that are not imported, in the order they are reported.
REPORTED = ("invalid", "duplicate", "crm_duplicate", "rejected")
#: Widths (in characters) fitted to the heading and the first rows of an XLSX report.
XLSX_FIT_ROWS, XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 200, 6, 60


def is_formula(value: str) -> bool:
    """Whether a spreadsheet would take ``value`` for a formula (``=SUM(…)``, ``@cmd``, ``+A1``, ``-2+3``)."""
    return value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value)


def neutralise(value: str) -> str:
    """For CSV: a formula (see :func:`is_formula`) made plain text with a leading ``'``; anything else as is."""
    return "'" + value if is_formula(value) else value


def report_headings() -> tuple[set[str], set[str], set[str]]:
    """The report's own headings (Row, Reasons, Extra cells) in every language, to recognise them in a file."""
    def every(code: str) -> set[str]:
        return {message(code, lang).casefold() for lang in LANGS}

    return every("report_heading_row"), every("report_heading_reasons"), every("report_heading_extra")


def source_columns(headers: list[str]) -> list[int]:
    """The columns of the file the report repeats: all, except the columns a report of ours added (a
    corrected report validated again starts with Row and Reasons, and may end with Extra cells)."""
    rows, reasons, extra = report_headings()
    keep = list(range(len(headers)))
    if len(headers) >= 2 and headers[0].strip().casefold() in rows and headers[1].strip().casefold() in reasons:
        keep = keep[2:]
    return [i for i in keep if headers[i].strip().casefold() not in extra]


def reasons_text(errors: list[RowError], lang: str) -> str:
    return "; ".join(e.text(lang) for e in errors)


def report_lines(store: JobStore, job: Job, lang: str = "en") -> Iterator[list[str]]:
    """Heading, then one list of cells per reported row, in row order, one staged batch at a time.

    Issues are fetched batch by batch too: a file where every row is rejected must not put millions
    of them in memory at once.
    """
    heading, extra, frames = _report_frames(store, job, lang)
    yield heading
    for frame, by_row in frames:
        for rec in frame.iter_rows():
            yield _line(rec, by_row, extra)


def _line(rec: tuple[str | None, ...], by_row: dict[int, Issue], extra: bool) -> list[str]:
    """A row of a report frame as its cells; with ``extra``, the cells beyond the header after them, as the
    sender typed them (tab-joined when staged)."""
    line = [c or "" for c in rec]
    if extra:
        line += [v for e in by_row[int(line[0])].errors if e.code == EXTRA_CELLS and e.value
                 for v in e.value.split("\t")]
    return line


def _report_frames(store: JobStore, job: Job, lang: str
                   ) -> tuple[list[str], bool, Iterator[tuple[pl.DataFrame, dict[int, Issue]]]]:
    """The report's heading, whether it has the Extra cells column, and its rows one staged batch at a time:
    a frame of text cells (Row, Reasons, the file's columns; an empty cell is null) with the issues of its
    rows by row number."""
    row_h, reasons_h = message("report_heading_row", lang), message("report_heading_reasons", lang)
    keep = source_columns(job.headers)
    extra = bool(store.issues(job.id, statuses=REPORTED, code=EXTRA_CELLS, limit=1))
    heading = [row_h, reasons_h, *[job.headers[i] for i in keep],
               *([message("report_heading_extra", lang)] if extra else [])]
    cols = [cell_col(i) for i in keep]

    def frames() -> Iterator[tuple[pl.DataFrame, dict[int, Issue]]]:
        for frame in store.iter_batches(job.id, [ROW_COL, *cols]):
            if frame.height == 0:
                continue
            rows = (int(frame[ROW_COL].min()), int(frame[ROW_COL].max()))  # type: ignore[arg-type]
            by_row: dict[int, Issue] = {i.row_no: i for i in store.issues(job.id, statuses=REPORTED, rows=rows)}
            if not by_row:
                continue
            wanted = pl.Series(sorted(by_row), dtype=pl.UInt32)
            hits = frame.filter(pl.col(ROW_COL).is_in(wanted.implode()))
            reasons = pl.Series("__reasons", [reasons_text(by_row[r].errors, lang) for r in hits[ROW_COL]],
                                dtype=pl.String)
            yield hits.select(pl.col(ROW_COL).cast(pl.String), reasons,
                              *[pl.col(c).cast(pl.String) for c in cols]).select(
                pl.all().replace("", None)), by_row

    return heading, extra, frames()


def write_report(store: JobStore, job: Job, out: str | Path, lang: str = "en") -> Path:
    """Write the report of ``job`` to ``out`` (``.csv`` or ``.xlsx``) atomically; returns its path."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnusableFileError("bad_report_path", path=str(out))
    if suffix == ".xlsx":
        reported = len(store.issue_rows(job.id, REPORTED))
        if reported + 1 > XLSX_MAX_ROWS:
            raise UnusableFileError("report_too_many_rows", path=str(out), rows=reported, limit=XLSX_MAX_ROWS - 1)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".report-", suffix=suffix, dir=out.parent)
    except OSError as exc:
        raise UnusableFileError("report_unwritable", path=str(out), reason=exc.strerror or str(exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if suffix == ".csv":
            _write_csv(tmp, store, job, lang, _report_delimiter(job, lang))
        else:
            _write_xlsx(tmp, report_lines(store, job, lang), lang)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it 0600: a report is an ordinary file of the user's
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UnusableFileError("report_unwritable", path=str(out), reason=exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _umask() -> int:
    """The process's umask, read without changing it where the system tells it (workers run meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _report_delimiter(job: Job, lang: str) -> str:
    if job.kind == "csv" and job.delimiter in (",", ";"):
        return job.delimiter
    return ";" if lang == "fr" else ","


def _write_csv(path: Path, store: JobStore, job: Job, lang: str, delimiter: str) -> None:
    """The report as CSV: a batch's rows written by polars (formulas neutralised, quoted where the csv module
    would quote them, an empty cell left empty); a batch with a cell holding a lone carriage return, and a
    report with extra cells, row by row through the csv module."""
    heading, extra, frames = _report_frames(store, job, lang)
    with path.open("wb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", write_through=True) as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([neutralise(c) for c in heading])
        for frame, by_row in frames:
            if extra or frame.select(pl.any_horizontal(pl.all().str.contains("\r", literal=True)).any()).item():
                for rec in frame.iter_rows():
                    writer.writerow([neutralise(c) for c in _line(rec, by_row, extra)])
                continue
            out = io.BytesIO()
            frame.select(_neutralised(c) for c in frame.columns).write_csv(
                out, include_header=False, separator=delimiter, line_terminator="\r\n", quote_style="necessary")
            raw.write(out.getvalue())
        f.flush()
        os.fsync(raw.fileno())


def _neutralised(column: str) -> pl.Expr:
    """:func:`neutralise` as an expression (the same starts and plain numbers as :func:`is_formula`)."""
    cell = pl.col(column)
    formula = pl.any_horizontal(cell.str.starts_with(start) for start in FORMULA_STARTS) & ~cell.str.contains(
        f"^(?:{_PLAIN_NUMBER.pattern})$")
    return pl.when(formula).then(pl.lit("'") + cell).otherwise(cell).alias(column)


def _write_xlsx(path: Path, lines: Iterator[list[str]], lang: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    try:
        sheet = book.add_worksheet("Erreurs" if lang == "fr" else "Errors")
        bold = book.add_format({"bold": True})
        quoted = book.add_format({"quote_prefix": True})  # shown as typed; editing it starts no formula
        bold_quoted = book.add_format({"bold": True, "quote_prefix": True})
        # The first rows fix the column widths (set before any row is streamed out).
        first = list(itertools.islice(lines, XLSX_FIT_ROWS + 1))
        widths: dict[int, int] = {}
        for line in first:
            for c, value in enumerate(line):
                widths[c] = max(widths.get(c, 0), len(value))
        for c, width in widths.items():
            sheet.set_column(c, c, min(max(width + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH))
        r, last_col = -1, max(widths, default=0)
        for r, line in enumerate(itertools.chain(first, lines)):
            for c, value in enumerate(line):
                if r == 0:
                    sheet.write_string(r, c, value, bold_quoted if is_formula(value) else bold)
                elif c == 0:
                    sheet.write_number(r, c, int(value))
                elif is_formula(value):
                    sheet.write_string(r, c, value, quoted)
                else:
                    sheet.write_string(r, c, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(r, 0), last_col)
    finally:
        book.close()
