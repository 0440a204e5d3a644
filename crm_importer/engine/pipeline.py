"""Phase 1 of an import: read, map, validate, find in-file duplicates and stage — resumable.

Plain callables in, nothing Qt: ``progress(Progress)`` is called about once per batch and
``is_cancelled()`` is checked at every batch boundary (cancelling raises :class:`CancelledError` with the
job left resumable). A validation killed at any moment is continued by running it again on the same
file with the same mapping and options: staged batches are kept, reading restarts after the last one.
"""

from __future__ import annotations

import codecs
import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_importer.engine.dedupe import KeyFilter, find_duplicates
from crm_importer.engine.errors import CancelledError, ImporterError, UnusableFileError
from crm_importer.engine.jobstore import VALIDATED, VALIDATING, Job, JobStore, now_iso
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.phones import warm_up as warm_up_phones
from crm_importer.engine.readers import ReadOptions, TableReader, open_table
from crm_importer.engine.readers.base import EXTRA_COL, ROW_COL, cell_col
from crm_importer.engine.readers.delimited import DETECT_BYTES, DelimitedReader, guess_legacy_encoding
from crm_importer.engine.typed import DATE, TIMESTAMP, CrmColumn, decide_date_order
from crm_importer.engine.validate import (
    VALID_COL,
    ValidationOptions,
    kcol,
    placeholder_counts,
    validate_batch,
)

HASH_CHUNK = 8 << 20


@dataclass(frozen=True)
class Progress:
    """Where a long operation stands; the consumer derives rows/s and the ETA from successive reports,
    unless the phase knows its ETA better (``eta_seconds``: the commit counts the link's round trips)."""

    phase: str  # hashing | validating | deduplicating | committing | reporting | undoing
    rows: int  # rows handled so far in this phase
    fraction: float  # 0.0 … 1.0 of this phase
    total_rows: int | None = None
    eta_seconds: float | None = None


ProgressFn = Callable[[Progress], None]
CancelFn = Callable[[], bool]


def no_progress(_: Progress) -> None:
    """The default ``progress``: reports go nowhere."""
    return None


def never_cancelled() -> bool:
    """The default ``is_cancelled``."""
    return False


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int
    mtime: float
    utf8: bool  # the whole file decodes as UTF-8
    #: Not UTF-8 after all: the bytes around the first that is not (what its encoding is guessed from).
    non_utf8_sample: bytes = b""


def scan_file(path: Path, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> FileScan:
    """SHA-256 of the file (idempotency) and whether all of it is UTF-8, in one pass."""
    stat = path.stat()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    around = b""
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    utf8 = False
                    half = DETECT_BYTES // 2
                    around = chunk[max(0, exc.start - half) : exc.start + half]
            done += len(chunk)
            progress(Progress("hashing", 0, done / stat.st_size if stat.st_size else 1.0))
            if is_cancelled():
                raise CancelledError()
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return FileScan(digest.hexdigest(), stat.st_size, stat.st_mtime, utf8, around)


def open_for_import(path: Path, read_options: ReadOptions, scan: FileScan | None = None) -> TableReader:
    """Open the file; a text file whose start is UTF-8 but not the rest is read in the encoding guessed from
    the bytes around the first that is not (Windows-1252 when they tell nothing), unless told otherwise."""
    reader = open_table(path, read_options)
    if (
        scan is not None
        and not scan.utf8
        and reader.info.kind == "csv"
        and read_options.encoding is None
        and reader.info.encoding == "utf-8"
    ):
        reader.close()
        encoding, confidence = guess_legacy_encoding(scan.non_utf8_sample) if scan.non_utf8_sample else ("cp1252", 0.0)
        reader = open_table(
            path,
            ReadOptions(
                encoding=encoding,
                delimiter=read_options.delimiter,
                sheet=read_options.sheet,
                batch_rows=read_options.batch_rows,
                header_row=read_options.header_row,
            ),
        )
        if isinstance(reader, DelimitedReader):
            reader.encoding_confidence = confidence
    return reader


def resolve_mapping(reader: TableReader, mapping_json: Any | None, mapping_path: str = "",
                    columns: dict[str, CrmColumn] | None = None) -> ColumnMapping:
    headers = reader.info.headers
    mapping = (
        ColumnMapping.from_json(mapping_json, headers, mapping_path, columns)
        if mapping_json is not None
        else ColumnMapping.auto(headers, columns)
    )
    if not mapping.has_contact():
        raise UnusableFileError("no_contact_column", path=str(reader.path), headers=headers_shown(headers))
    return mapping


def headers_shown(headers: list[str]) -> str:
    """The first headers for a one-sentence message: line breaks, tabs and runs of spaces inside a header
    cell become one space (a sentence must stay on one line)."""
    shown = [" ".join(h.split()) for h in headers[:12] if h and h.strip()]
    return ", ".join(h if len(h) <= 60 else h[:59] + "…" for h in shown) or "—"


#: Rows of the file's start read to decide how a date column reads (day or month first).
DATE_SAMPLE_ROWS = 2000


def crm_column_rules(reader: TableReader, mapping: ColumnMapping, options: ValidationOptions) -> ValidationOptions:
    """The options a validation of this file runs with: the mapping's rules, a reading order for each
    date column of the CRM's own (the user's, else decided from the file's first rows and the region),
    and a refusal when a column the CRM requires (NOT NULL without a default) is not mapped."""
    mapped = mapping.field_columns()
    required = [n for n, c in options.columns.items() if c.required and c.writable and n not in mapped]
    if required:
        raise UnusableFileError("required_unmapped", path=str(reader.path), columns=", ".join(required),
                                count=len(required))
    options = options.with_rules(mapping.rules)
    custom = options.custom()
    dates = [n for n in mapped if n in custom and custom[n].kind in (DATE, TIMESTAMP)]
    undecided = [n for n in dates if not options.rules.get(n, {}).get("date_order")]
    decided: dict[str, dict[str, Any]] = {n: {"date_decided_by": "user"} for n in dates if n not in undecided}
    if undecided:
        sample = reader.preview(DATE_SAMPLE_ROWS)
        for name in undecided:
            order, why = decide_date_order(sample[cell_col(mapped[name])], options.region)
            decided[name] = {"date_order": order, "date_decided_by": why}
    return options.with_rules(decided) if decided else options


def validate_file(
    path: str | Path,
    store: JobStore,
    *,
    read_options: ReadOptions | None = None,
    mapping: ColumnMapping | None = None,
    mapping_json: Any | None = None,
    mapping_path: str = "",
    options: ValidationOptions | None = None,
    progress: ProgressFn = no_progress,
    is_cancelled: CancelFn = never_cancelled,
    resume: bool = True,
    extra_job_values: dict[str, Any] | None = None,
    extra_options: dict[str, Any] | None = None,
    on_job: Callable[[Job], None] | None = None,
    scan: FileScan | None = None,
) -> Job:
    """Validate and stage every row of ``path``; returns the job (status ``validated``).

    ``scan``: the file's, made by the caller already (an import hashes the file first, to find an earlier
    import of it); the file is then not read twice. It must still be as scanned when validation ends.

    ``on_job`` is told the job (new, or continued) before its first row is read: the CLI says its id.

    With ``resume`` (the default), an unfinished validation of the same file, mapping and options is
    continued from its checkpoint instead of starting over. ``extra_options`` are stored with the job's
    options from its first row (an import stores what it will commit with, so that a job killed while it
    validates can be resumed to the end).
    """
    path = Path(path)
    read_options = read_options or ReadOptions()
    options = options or ValidationOptions()
    if not path.exists():
        raise UnusableFileError("file_not_found", path=str(path))
    if path.is_dir():
        raise UnusableFileError("not_a_table", path=str(path))
    # The phone rules (~0.15 s, once per process) build on a thread while the file is hashed and opened;
    # the thread is joined whatever happens (a file refused early included): a thread still running
    # polars code while the interpreter exits aborts the process (SIGABRT).
    with warming_phones(options.region):
        if scan is None:
            try:
                scan = scan_file(path, progress, is_cancelled)
            except OSError as exc:
                raise UnusableFileError("file_unreadable", path=str(path), reason=exc.strerror or str(exc)) from None
        reader = open_for_import(path, read_options, scan)
    try:
        if mapping is None:
            mapping = resolve_mapping(reader, mapping_json, mapping_path, options.columns)
        elif not mapping.has_contact():
            raise UnusableFileError("no_contact_column", path=str(path), headers=headers_shown(mapping.headers))
        options = crm_column_rules(reader, mapping, options)
        info = reader.info
        base_options = {**options.to_json(), "read": _read_json(read_options, info.sheet)}
        # How the file was read (said to the user), not what the validation depends on: a validation cut
        # short is continued whatever these say.
        detected = {"sheet_reason": info.sheet_reason, "header_below_title": info.header_below_title,
                    "encoding_confidence": getattr(reader, "encoding_confidence", None)}
        options_json = {**base_options, "detected": detected, **(extra_options or {})}
        job = None
        if resume:  # what validation depends on must match; extra options (the commit's) are updated
            job = store.find_unfinished_validation(scan.sha256, mapping.fields, base_options,
                                                   ignore=(*(extra_options or ()), "detected", "placeholders"))
            if job is not None and extra_options and any(job.options.get(k) != v for k, v in extra_options.items()):
                store.update_job(job.id, options={**job.options, **extra_options})
                job = store.get_job(job.id)
        if job is None:
            job = store.create_job(
                file_path=path,
                status=VALIDATING,
                phase="validating",
                file_size=scan.size,
                file_mtime=scan.mtime,
                file_hash=scan.sha256,
                kind=info.kind,
                encoding=info.encoding,
                delimiter=info.delimiter,
                sheet=info.sheet,
                headers=info.headers,
                header_row=info.header_row,
                mapping=mapping.fields,
                options=options_json,
                started_at=now_iso(),
                **(extra_job_values or {}),
            )
        if on_job is not None:
            on_job(job)
        run_validation(store, job, reader, mapping, options, progress, is_cancelled)
        ensure_unchanged(path, scan, store, job.id)
        return store.get_job(job.id)
    finally:
        reader.close()


#: The threads building a region's phone rules (:func:`warming_phones`), by region.
_warming: dict[str, threading.Thread] = {}
_warming_lock = threading.Lock()


@contextmanager
def warming_phones(region: str) -> Iterator[None]:
    """The region's phone rules built on a thread while the body runs; the thread never outlives the body.
    Nested (an import warms them while it signs in, then validation asks again), the thread already
    building them is waited for, not a second one started."""
    with _warming_lock:
        warm = _warming.get(region)
        if warm is None:  # a thread that has ended built them: the rules are kept for the process
            warm = _warming[region] = threading.Thread(target=warm_up_phones, args=(region,),
                                                       name="crm-importer-phones")
            warm.start()
    try:
        yield
    finally:
        warm.join()


def ensure_unchanged(path: Path, scan: FileScan, store: JobStore, job_id: str) -> None:
    """The file was not saved over while it was read (Excel, a sync client): the rows staged are then a
    mix of two versions that its fingerprint does not describe. The job fails and says so."""
    try:
        stat = path.stat()
        changed = (stat.st_size, stat.st_mtime) != (scan.size, scan.mtime)
    except OSError:
        changed = True
    if changed:
        err = UnusableFileError("file_changed", path=str(path), job_id=job_id)
        try:
            store.fail_job(job_id, err, phase="failed")
        except ImporterError:
            pass
        raise err


def _read_json(read_options: ReadOptions, sheet: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"encoding": read_options.encoding, "delimiter": read_options.delimiter, "sheet": sheet}
    if read_options.header_row is not None:  # absent when detected: the options of older jobs stay equal
        out["header_row"] = read_options.header_row
    return out


class _Stager:
    """Stages validated batches on a second thread while the next batch is read and validated.

    Writing a batch (Arrow IPC + SQLite) and feeding the duplicate filter take about a third of the
    validation time and mostly release the GIL, so on two cores they overlap with parsing. Batches are
    staged strictly in order, each in its own transaction (the checkpoint never goes backwards), and at
    most two wait at a time, so memory stays bounded. The writer has its own SQLite connection.
    """

    def __init__(self, store: JobStore, job_id: str, key_filter: KeyFilter) -> None:
        self._store = JobStore(store.path, is_cancelled=store.is_cancelled)
        self._job_id = job_id
        self._filter = key_filter
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-importer-stage")
        self._pending: deque[Future[None]] = deque()

    def _stage(self, batch_no: int, frame: Any, errors: Any, last_row: int, valid_count: int) -> None:
        self._filter.add(frame)
        self._store.stage_batch(self._job_id, batch_no, frame, errors, last_row=last_row, valid_count=valid_count)

    def submit(self, batch_no: int, frame: Any, errors: Any, last_row: int, valid_count: int) -> None:
        self._pending.append(self._pool.submit(self._stage, batch_no, frame, errors, last_row, valid_count))
        while len(self._pending) > 1:
            self._pending.popleft().result()  # re-raises a staging error (disk full…) here

    def finish(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        """Wait for what was submitted (a cancel keeps every batch already validated), then let go."""
        for future in self._pending:
            try:
                future.result()
            except Exception:  # noqa: BLE001 - the error that stopped the run is the one to report
                pass
        self._pending.clear()
        self._pool.shutdown(wait=True)
        self._store.close()


def record_file_duplicates(store: JobStore, job_id: str, options: ValidationOptions,
                           key_filter: KeyFilter | None = None) -> int:
    """In-file duplicates over every staged batch of the job, recorded as its ``duplicate`` issues (the
    first row of each key is kept); returns their number. ``key_filter``: one already fed with every staged
    batch (a validation builds it as it stages), else it is built here."""
    key_columns = [ROW_COL, VALID_COL, *(kcol(k) for k in options.dedupe_keys)]
    if key_filter is None:
        key_filter = KeyFilter(options.dedupe_keys)
        for frame in store.iter_batches(job_id, key_columns):
            key_filter.add(frame)
    return store.record_duplicates(job_id, find_duplicates(key_filter, store.iter_batches(job_id, key_columns)))


def record_placeholders(store: JobStore, job_id: str, mapping: ColumnMapping,
                        counts: dict[str, int] | None = None) -> dict[str, int]:
    """Per field, the cells holding a placeholder (``N/A``, ``-``, ``néant``…) that were read as empty, kept
    in the job's ``placeholders`` option: ``counts`` when the run counted every batch, else counted over
    every staged batch (a resumed validation: the batches of before were counted by a process now gone)."""
    if counts is None:
        columns = [cell_col(i) for i, f in enumerate(mapping.fields) if f is not None]
        counts = {}
        for frame in store.iter_batches(job_id, columns):
            _add_counts(counts, placeholder_counts(frame, mapping))
    job = store.get_job(job_id)
    store.update_job(job_id, options={**job.options, "placeholders": counts})
    return counts


def _add_counts(total: dict[str, int], more: dict[str, int]) -> None:
    for name, n in more.items():
        total[name] = total.get(name, 0) + n


def run_validation(
    store: JobStore,
    job: Job,
    reader: TableReader,
    mapping: ColumnMapping,
    options: ValidationOptions,
    progress: ProgressFn = no_progress,
    is_cancelled: CancelFn = never_cancelled,
) -> None:
    started = time.monotonic()
    key_filter = KeyFilter(options.dedupe_keys)
    key_columns = [ROW_COL, VALID_COL, *(kcol(k) for k in options.dedupe_keys)]
    rows_done = job.total_rows
    # Resuming: the filter is rebuilt from what is already staged (it is never persisted).
    for frame in store.iter_batches(job.id, key_columns):
        key_filter.add(frame)
    batch_no = job.staged_batches
    placeholders: dict[str, int] | None = {} if batch_no == 0 else None  # None: resumed, counted at the end
    stager = _Stager(store, job.id, key_filter)
    try:
        for raw in reader.batches(after_row=job.validated_through):
            if is_cancelled():
                raise CancelledError()
            checked = validate_batch(raw, mapping, options)
            if placeholders is not None:
                _add_counts(placeholders, placeholder_counts(raw, mapping))
            frame = checked.frame.drop(EXTRA_COL, strict=False)
            stager.submit(batch_no, frame, checked.errors, int(raw[ROW_COL][-1]), checked.valid_count)
            batch_no += 1
            rows_done += raw.height
            progress(Progress("validating", rows_done, reader.progress()))
        stager.finish()
        if is_cancelled():
            raise CancelledError()
        # A header and no data rows (a nightly export with no new leads) is a valid file of 0 rows: the
        # job is validated with total_rows 0, and an import of it has nothing to do (service.run_import).
        progress(Progress("deduplicating", rows_done, 0.0, rows_done))
        record_file_duplicates(store, job.id, options, key_filter)
        record_placeholders(store, job.id, mapping, placeholders)
        progress(Progress("deduplicating", rows_done, 1.0, rows_done))
    except UnusableFileError as exc:
        # A problem found deep in the file (an encoding error, a huge cell): the job says why.
        try:
            store.fail_job(job.id, exc, phase="failed")
        except ImporterError:
            pass
        raise
    finally:
        stager.close()
        elapsed = time.monotonic() - started
        try:
            current = store.get_job(job.id)
            store.update_job(job.id, elapsed_seconds=current.elapsed_seconds + elapsed)
        except Exception:  # noqa: BLE001 - the job may be gone (no data rows) or the store unwritable
            pass
    store.update_job(job.id, status=VALIDATED, phase="validated", finished_at=now_iso())
