"""Fixing a cell in place after validation (the GUI's fix dialog runs this in a worker).

The row's staged batch is loaded, the edited raw cell put in, :func:`validate_batch` re-run on that one row
(same mapping, same options, so normalised fields and dedupe keys come out exactly as a full run would
make them), the row swapped back into its batch, its issue replaced, and then in-file dedupe re-run over
the whole job: fixing row 12 can make row 40 a duplicate of it, or stop row 12 from being one.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from crm_importer.engine.errors import EXTRA_CELLS, ImporterError
from crm_importer.engine.jobstore import Job, JobStore
from crm_importer.engine.pipeline import record_file_duplicates
from crm_importer.engine.readers.base import EXTRA_COL, ROW_COL, cell_col
from crm_importer.engine.validate import ValidationOptions, validate_batch

#: The key of ``changes`` that stands for the row's cells beyond the header (tab-separated; "" drops them).
EXTRA_INDEX = -1


@dataclass(frozen=True)
class RowFix:
    """What re-validating a row gave: whether it is valid now, and the job's new counts."""

    row_no: int
    valid: bool
    error_codes: tuple[str, ...]
    job: Job


def row_cells(store: JobStore, job: Job, row_no: int) -> list[str]:
    """The raw cells of one staged row, in column order (what the fix dialog shows)."""
    batch_no = store.batch_for_row(job.id, row_no)
    if batch_no is None:
        raise ImporterError("job_not_found", job_id=f"{job.id}#row{row_no}")
    cols = [cell_col(i) for i in range(len(job.headers))]
    frame = store.load_batch(job.id, batch_no, [ROW_COL, *cols]).filter(pl.col(ROW_COL) == row_no)
    if frame.height == 0:
        raise ImporterError("job_not_found", job_id=f"{job.id}#row{row_no}")
    return ["" if v is None else str(v) for v in frame.row(0)[1:]]


def row_extra_cells(store: JobStore, job: Job, row_no: int) -> list[str]:
    """The non-empty cells of one row beyond the header's columns (an ``extra_cells`` row), else []."""
    extra = _extra_cells(store, job, row_no)
    return [] if extra is None else extra.split("\t")


def revalidate_row(store: JobStore, job: Job, row_no: int, column_index: int, new_value: str) -> RowFix:
    """Put ``new_value`` in column ``column_index`` of spreadsheet row ``row_no`` and re-validate it."""
    return revalidate_cells(store, job, row_no, {column_index: new_value})


def revalidate_cells(store: JobStore, job: Job, row_no: int, changes: dict[int, str]) -> RowFix:
    """Like :func:`revalidate_row` for several cells of the same row (the fix dialog edits a whole row)."""
    batch_no = store.batch_for_row(job.id, row_no)
    if batch_no is None:
        raise ImporterError("job_not_found", job_id=f"{job.id}#row{row_no}")
    frame = store.load_batch(job.id, batch_no)
    position = frame[ROW_COL].to_list().index(row_no) if row_no in frame[ROW_COL] else -1
    if position < 0:
        raise ImporterError("job_not_found", job_id=f"{job.id}#row{row_no}")
    ncols = len(job.headers)
    raw = frame.slice(position, 1).select(ROW_COL, *[cell_col(i) for i in range(ncols)])
    changes = dict(changes)
    # Staging drops the extra cells: they come from the row's issue, unless the fix gives them (emptied, or
    # moved into the columns they belong to, they no longer make the row invalid).
    extra = (changes.pop(EXTRA_INDEX).strip("\t") or None) if EXTRA_INDEX in changes else _extra_cells(
        store, job, row_no)
    for index, value in changes.items():
        if not 0 <= index < ncols:
            raise IndexError(f"no column {index} (the file has {ncols})")
        raw = raw.with_columns(pl.lit(value, dtype=pl.String).alias(cell_col(index)))
    raw = raw.with_columns(pl.lit(extra, dtype=pl.String).alias(EXTRA_COL))

    options = ValidationOptions.from_json(job.options)
    mapping = options.mapping(job.headers, job.mapping)
    checked = validate_batch(raw, mapping, options)
    fixed = checked.frame.select([pl.col(c).cast(t) if c in checked.frame.columns else pl.lit(None, t).alias(c)
                                  for c, t in frame.schema.items()])
    new_frame = pl.concat([frame.slice(0, position), fixed, frame.slice(position + 1)], how="vertical")
    store.replace_batch(job.id, batch_no, new_frame)
    errors = checked.errors.get(row_no) or None
    store.set_row_issue(job.id, row_no, errors)
    record_file_duplicates(store, job.id, options)
    store.recount(job.id)
    return RowFix(row_no, errors is None, tuple(e.code for e in errors or ()), store.get_job(job.id))


def _extra_cells(store: JobStore, job: Job, row_no: int) -> str | None:
    for issue in store.issues(job.id, statuses=["invalid"], code=EXTRA_CELLS):
        if issue.row_no != row_no:
            continue
        for error in issue.errors:
            if error.code == EXTRA_CELLS:
                return error.value or "?"
    return None

