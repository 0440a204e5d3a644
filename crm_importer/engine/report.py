"""The error report sales ops hand back: one line per row not imported, openable in Excel.

Columns: the spreadsheet row, the reasons (in the chosen language), then every original column in its
original order with its original value. CSV is UTF-8 with a BOM (Excel then shows accents) and uses
the source file's delimiter when it is one Excel writes in a ``.csv`` (``,`` or ``;``: what the sender's
Excel produced), else ``;`` in French and ``,`` in English — Excel does not split a ``.csv`` on tabs or ``|``;
XLSX is written in constant memory. Cells that a spreadsheet would run as a formula are neutralised
with a leading ``'``. The file is written next to its destination and renamed into place.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from crm_importer.engine.errors import RowError, UnusableFileError
from crm_importer.engine.jobstore import Issue, Job, JobStore
from crm_importer.engine.readers.base import ROW_COL, cell_col
from crm_importer.messages import message

#: Excel's sheet limit (rows, heading included).
XLSX_MAX_ROWS = 1_048_576
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Statuses of rows that are not imported, in the order they are reported.
REPORTED = ("invalid", "duplicate", "crm_duplicate", "rejected")


def neutralise(value: str) -> str:
    """``=SUM(…)`` and friends would run when the report is opened: make them plain text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def reasons_text(errors: list[RowError], lang: str) -> str:
    return "; ".join(e.text(lang) for e in errors)


def report_lines(store: JobStore, job: Job, lang: str = "en") -> Iterator[list[str]]:
    """Heading, then one list of cells per reported row, in row order, one staged batch at a time.

    Issues are fetched batch by batch too: a file where every row is rejected must not put millions
    of them in memory at once.
    """
    row_h, reasons_h = message("report_heading_row", lang), message("report_heading_reasons", lang)
    yield [row_h, reasons_h, *[h for h in job.headers]]
    cols = [cell_col(i) for i in range(len(job.headers))]
    for frame in store.iter_batches(job.id, [ROW_COL, *cols]):
        if frame.height == 0:
            continue
        rows = (int(frame[ROW_COL].min()), int(frame[ROW_COL].max()))  # type: ignore[arg-type]
        by_row: dict[int, Issue] = {i.row_no: i for i in store.issues(job.id, statuses=REPORTED, rows=rows)}
        if not by_row:
            continue
        wanted = pl.Series(sorted(by_row), dtype=pl.UInt32)
        hits = frame.filter(pl.col(ROW_COL).is_in(wanted.implode()))
        for rec in hits.iter_rows():
            issue = by_row[rec[0]]
            yield [str(rec[0]), reasons_text(issue.errors, lang), *[c or "" for c in rec[1:]]]


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
        lines = report_lines(store, job, lang)
        if suffix == ".csv":
            _write_csv(tmp, lines, _report_delimiter(job, lang))
        else:
            _write_xlsx(tmp, lines, lang)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UnusableFileError("report_unwritable", path=str(out), reason=exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _report_delimiter(job: Job, lang: str) -> str:
    if job.kind == "csv" and job.delimiter in (",", ";"):
        return job.delimiter
    return ";" if lang == "fr" else ","


def _write_csv(path: Path, lines: Iterator[list[str]], delimiter: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        for line in lines:
            writer.writerow([neutralise(c) for c in line])
        f.flush()
        os.fsync(f.fileno())


def _write_xlsx(path: Path, lines: Iterator[list[str]], lang: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    try:
        sheet = book.add_worksheet("Erreurs" if lang == "fr" else "Errors")
        bold = book.add_format({"bold": True})
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                if r == 0:
                    sheet.write_string(r, c, neutralise(value), bold)
                elif c == 0:
                    sheet.write_number(r, c, int(value))
                else:
                    sheet.write_string(r, c, neutralise(value))
        sheet.freeze_panes(1, 0)
    finally:
        book.close()
