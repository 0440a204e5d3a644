"""The local job store: one SQLite file holding every job, its checkpoints and its staged rows.

Set up like qutebrowser's ``misc/sql.py``: ``PRAGMA user_version`` migrations, WAL, one transaction
helper, and a split between errors the user can act on (disk full, read-only, locked: :class:`StoreError`)
and bugs. Staged rows are kept per batch as one Arrow IPC blob (raw cells, normalised fields, dedupe
keys, validity), which stages ~20k rows in one INSERT; the rows that will not be imported are also kept
one per line in ``issues`` with their errors, so reports and the error table query them directly.
A batch's rows, its issues and the job's checkpoint go in one transaction: a kill at any moment
leaves either all of a batch or none of it.

Any number of processes share the store (the GUI, CLI runs, a second GUI): nothing opens its files outside
SQLite (see :mod:`storefiles`), a writer waits for the write lock in short steps that a cancel ends, and a
store found damaged is moved aside and salvaged into a fresh one (``JobStore.salvage`` says what came back).
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from crm_importer import paths
from crm_importer.engine import storefiles
from crm_importer.engine.errors import CancelledError, ImporterError, RowError, StoreError
from crm_importer.engine.typed import CrmColumn
from crm_importer.messages import MESSAGES, message

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4

#: How long a writer waits for another process's write transaction (checking for a cancel every step).
LOCK_WAIT_SECONDS = 30.0
_LOCK_STEP_MS = 200

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL,
        phase TEXT,
        file_path TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_size INTEGER,
        file_mtime REAL,
        file_hash TEXT,
        kind TEXT,
        encoding TEXT,
        delimiter TEXT,
        sheet TEXT,
        headers TEXT,
        header_row INTEGER,
        mapping TEXT,
        options TEXT,
        total_rows INTEGER NOT NULL DEFAULT 0,
        valid_rows INTEGER NOT NULL DEFAULT 0,
        invalid_rows INTEGER NOT NULL DEFAULT 0,
        duplicate_rows INTEGER NOT NULL DEFAULT 0,
        imported_rows INTEGER NOT NULL DEFAULT 0,
        updated_rows INTEGER NOT NULL DEFAULT 0,
        skipped_rows INTEGER NOT NULL DEFAULT 0,
        rejected_rows INTEGER NOT NULL DEFAULT 0,
        staged_batches INTEGER NOT NULL DEFAULT 0,
        validated_through INTEGER NOT NULL DEFAULT 0,
        validation_done INTEGER NOT NULL DEFAULT 0,
        committed_batches INTEGER NOT NULL DEFAULT 0,
        commit_total_batches INTEGER,
        crm_target TEXT,
        actor_email TEXT,
        actor_id TEXT,
        report_path TEXT,
        error_code TEXT,
        error_message TEXT,
        started_at TEXT,
        finished_at TEXT,
        elapsed_seconds REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_hash_idx ON jobs(file_hash);
    CREATE TABLE batches (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        batch_no INTEGER NOT NULL,
        first_row INTEGER NOT NULL,
        last_row INTEGER NOT NULL,
        row_count INTEGER NOT NULL,
        valid_count INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (job_id, batch_no)
    );
    CREATE TABLE issues (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        row_no INTEGER NOT NULL,
        status TEXT NOT NULL,            -- invalid | duplicate | crm_duplicate | rejected
        codes TEXT NOT NULL,             -- space-separated error codes, for filtering
        errors TEXT NOT NULL,            -- JSON list of RowError.to_json()
        dup_of INTEGER,
        PRIMARY KEY (job_id, row_no)
    ) WITHOUT ROWID;
    CREATE INDEX issues_status_idx ON issues(job_id, status);
    CREATE TABLE commits (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        batch_no INTEGER NOT NULL,
        first_row INTEGER NOT NULL,
        last_row INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        result BLOB,                     -- Arrow IPC: __row, lead_id, outcome
        committed_at TEXT NOT NULL,
        PRIMARY KEY (job_id, batch_no)
    );
    """,
    # error_params: why a job failed, as data (the code's parameters), worded in the reader's language;
    # compacted: 1 once a finished job's staged batches keep only the rows its error report shows.
    2: """
    ALTER TABLE jobs ADD COLUMN error_params TEXT;
    ALTER TABLE jobs ADD COLUMN compacted INTEGER NOT NULL DEFAULT 0;
    """,
    # meta: facts about the store itself ("recovered_at"/"recovered_from" after a damaged store was
    # salvaged, "relisted:<crm>" once that CRM's imports were listed again from its import_jobs).
    3: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)
    """,
    # crm_schemas: the columns of each CRM's leads table as last read (JSON list of CrmColumn), so that an
    # offline validation checks a file against the CRM last used.
    4: """
    CREATE TABLE crm_schemas (target TEXT PRIMARY KEY, columns TEXT NOT NULL, read_at TEXT NOT NULL)
    """,
}

# Job statuses
VALIDATING = "validating"
VALIDATED = "validated"
IMPORTING = "importing"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
INTERRUPTED = "interrupted"
UNDONE = "undone"
RESUMABLE = (VALIDATING, IMPORTING, FAILED, CANCELLED, INTERRUPTED)


@dataclass(frozen=True)
class CrmSchema:
    """A CRM's leads table as last read: where (its redacted target), when, and its columns by name."""

    target: str
    read_at: str
    columns: dict[str, CrmColumn]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    id: str
    created_at: str
    updated_at: str
    status: str
    file_path: str
    file_name: str
    phase: str | None = None
    file_size: int | None = None
    file_mtime: float | None = None
    file_hash: str | None = None
    kind: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    headers: list[str] = field(default_factory=list)
    header_row: int | None = None
    mapping: list[str | None] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    total_rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    duplicate_rows: int = 0
    imported_rows: int = 0
    updated_rows: int = 0
    skipped_rows: int = 0
    rejected_rows: int = 0
    staged_batches: int = 0
    validated_through: int = 0
    validation_done: bool = False
    committed_batches: int = 0
    commit_total_batches: int | None = None
    crm_target: str | None = None
    actor_email: str | None = None
    actor_id: str | None = None
    report_path: str | None = None
    error_code: str | None = None
    error_message: str | None = None  # in English, for scripts (history --json); see error_text()
    error_params: dict[str, Any] | None = None
    compacted: bool = False
    started_at: str | None = None
    finished_at: str | None = None
    elapsed_seconds: float = 0.0

    _JSON = ("headers", "mapping", "options", "error_params")

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        data = dict(row)
        for key in cls._JSON:
            if key == "error_params":
                data[key] = json.loads(data[key]) if data.get(key) else None
            else:
                data[key] = json.loads(data[key]) if data.get(key) else ({} if key == "options" else [])
        data["validation_done"] = bool(data["validation_done"])
        data["compacted"] = bool(data.get("compacted"))
        return cls(**data)

    @property
    def rows_to_import(self) -> int:
        """Valid rows that go to the CRM: not a duplicate of an earlier row of the file."""
        return self.valid_rows - self.duplicate_rows

    @property
    def duplicates_skipped(self) -> int:
        """Rows left out as duplicates: of an earlier row of the file, or of a lead already in the CRM."""
        return self.duplicate_rows + self.skipped_rows

    @property
    def rows_rejected(self) -> int:
        """Rows refused: invalid in the file, or rejected by the CRM at commit."""
        return self.invalid_rows + self.rejected_rows

    @property
    def not_imported_rows(self) -> int:
        """Rows that are not in the CRM after the import (each one is in the error report)."""
        return self.duplicates_skipped + self.rows_rejected

    def error_text(self, lang: str) -> str | None:
        """Why the job failed, in ``lang`` (the stored English sentence for a job failed before v2)."""
        if self.error_code and self.error_params is not None and self.error_code in MESSAGES:
            return message(self.error_code, lang, **self.error_params)
        return self.error_message


@dataclass
class Issue:
    row_no: int
    status: str
    errors: list[RowError]
    dup_of: int | None = None


_JOB_COLUMNS = tuple(f.name for f in fields(Job) if not f.name.startswith("_"))


def _encode(value: Any, key: str) -> Any:
    if key in Job._JSON:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return int(value)
    return value


def frame_to_blob(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="lz4")
    return buf.getvalue()


def blob_to_frame(blob: bytes, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """A staged batch; with ``columns``, only those that exist, and only they are decompressed (5x faster
    for the dedupe pass, which reads just the keys)."""
    if columns is None:
        return pl.read_ipc(io.BytesIO(blob))
    present = pl.read_ipc_schema(io.BytesIO(blob))
    return pl.read_ipc(io.BytesIO(blob), columns=[c for c in columns if c in present])


class JobStore:
    """The job store of this user (or of ``path``). Not shared between threads: open one per worker.

    ``is_cancelled`` (a callable) is asked while a write waits for another process's write lock, so that
    a cancel is never stuck behind it. After the open, ``salvage`` is set when this open found the store
    damaged, moved it aside and salvaged it into the fresh store it now uses.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 is_cancelled: Callable[[], bool] | None = None) -> None:
        self.path = Path(path) if path else paths.job_store_path()
        self.read_only = read_only
        self.write_error: StoreError | None = None
        self.salvage: storefiles.Salvage | None = None
        self.is_cancelled = is_cancelled
        if read_only:
            self._open_read_only()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("store_unwritable", path=str(self.path), reason=exc.strerror or str(exc)) from None
        ident = storefiles.inode(self.path)
        try:
            try:
                if storefiles.marked_damaged(self.path):
                    raise _FoundDamaged("found damaged while in use")
                self._open_writable()
            except sqlite3.DatabaseError as exc:
                if not (storefiles.is_damage(exc) or isinstance(exc, _FoundDamaged)):
                    raise
                self._close_quietly()
                self._recover(ident, str(exc))
        except sqlite3.Error as exc:
            self._close_quietly()
            raise self._store_error(exc, mark=False) from None
        except OSError as exc:
            self._close_quietly()
            raise StoreError("store_unwritable", path=str(self.path), reason=exc.strerror or str(exc)) from None

    def _open_writable(self) -> None:
        self._db = sqlite3.connect(self.path, timeout=_LOCK_STEP_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row  # the connect timeout is the busy timeout of each step
        self._waiting(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _close_quietly(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass
            del self._db

    def _recover(self, ident: tuple[int, int] | None, reason: str) -> None:
        """The store at ``path`` is damaged: move it aside (unless another process just did), start a fresh
        one and copy into it what can be read back of the old one."""
        moved = storefiles.move_aside(self.path, ident)
        self._open_writable()
        if moved is None:  # another process moved it aside (and told its user): its fresh store is used
            return
        log.info("job store %s damaged (%s): moved to %s", self.path, reason, moved)
        salvage = storefiles.salvage_into(moved, self._db)
        salvage.incomplete = self._mark_incomplete_jobs()
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('recovered_at', ?)", (now_iso(),))
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('recovered_from', ?)", (str(moved),))
        self.salvage = salvage
        params: dict[str, Any] = {"path": str(self.path), "moved_to": str(moved), "jobs": salvage.jobs}
        log.warning(message("store_recovered", **params), extra={"code": "store_recovered", "params": params})

    def _mark_incomplete_jobs(self) -> int:
        """Salvaged jobs that lost staged or committed batches can no more be resumed or committed: they
        would import a file with rows missing. They are failed with ``store_recovered_incomplete``."""
        rows = self._db.execute(
            "SELECT j.id FROM jobs j WHERE j.status IN (?, ?, ?, ?, ?, ?) AND ("
            " (SELECT count(*) FROM batches b WHERE b.job_id = j.id) < j.staged_batches"
            " OR (SELECT count(*) FROM commits c WHERE c.job_id = j.id) < j.committed_batches)",
            (*RESUMABLE, VALIDATED),
        ).fetchall()
        for (job_id,) in rows:
            self.fail_job(job_id, ImporterError("store_recovered_incomplete", job_id=job_id))
        return len(rows)

    def _open_read_only(self) -> None:
        """For reading only (``history``, a report) where the store cannot be written: a read-only disk,
        a store shared read-only. A store that does not exist yet reads as an empty one."""
        try:
            if not self.path.exists():
                self._db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
                self._db.row_factory = sqlite3.Row
                self._migrate()
                return
            uri = self.path.resolve().as_uri() + "?mode=ro"
            try:
                version = self._connect_read_only(uri)
            except sqlite3.OperationalError:
                # A WAL store closed cleanly has no -shm file, and one cannot be made on a read-only disk;
                # with no -wal file either, the database file holds everything: read it as immutable. Only
                # there: on a disk that can be written, another process may be writing it.
                wal = self.path.with_name(self.path.name + "-wal")
                if (wal.exists() and wal.stat().st_size > 0) or not storefiles.on_read_only_disk(self.path):
                    raise
                version = self._connect_read_only(uri + "&immutable=1")
        except sqlite3.Error as exc:
            raise self._store_error(exc, mark=False) from None
        if version > SCHEMA_VERSION:  # an older one reads fine: the columns it lacks take their defaults
            self._db.close()
            raise StoreError("store_too_new", path=str(self.path), version=version)

    def _connect_read_only(self, uri: str) -> int:
        self._db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout=30000")
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error:
            self._db.close()
            raise

    @classmethod
    def for_reading(cls, path: str | Path | None = None) -> JobStore:
        """The store as usual, or read-only when it cannot be written (reading must not need a writable
        disk); then ``write_error`` says why it cannot be written.

        Whether it can be written is asked of the file system *before* any connection exists, without
        opening the file: SQLite would open a file it cannot write read-only without a word, and a
        descriptor of ours on the database file, once closed, would drop this process's SQLite locks.
        """
        resolved = Path(path) if path else paths.job_store_path()
        problem = storefiles.write_problem(resolved) if resolved.parent.exists() else None
        if problem is None:
            try:
                return cls(resolved)
            except StoreError as exc:
                if exc.code in ("store_too_new", "store_damaged"):
                    raise
                error = exc
        else:
            error = StoreError("store_unwritable", path=str(resolved), reason=problem)
        store = cls(resolved, read_only=True)
        store.write_error = error
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing -----------------------------------------------------------------------------------
    def _store_error(self, exc: sqlite3.Error, *, mark: bool = True) -> ImporterError:
        """The store error the user is told: damaged (marked for the next open to salvage) or unwritable."""
        if storefiles.is_damage(exc):
            if mark and not self.read_only:
                storefiles.mark_damaged(self.path)
            return StoreError("store_damaged", path=str(self.path), reason=str(exc))
        return StoreError("store_unwritable", path=str(self.path), reason=str(exc))

    def _waiting(self, step: Callable[[], Any]) -> Any:
        """``step`` retried while another process holds the lock it needs, for up to LOCK_WAIT_SECONDS, in
        steps of a fraction of a second between which a cancel is honoured."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                return step()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            if self.is_cancelled is not None and self.is_cancelled():
                raise CancelledError()

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """A read, whole; an SQLite error becomes the store error the user is told."""
        try:
            return self._waiting(lambda: self._db.execute(sql, args).fetchall())
        except sqlite3.Error as exc:
            raise self._store_error(exc) from None

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT); store errors become :class:`StoreError`."""
        if self._db.in_transaction:  # one an interrupt (Ctrl+C) cut short between BEGIN and its try
            self._rollback()
        try:
            self._waiting(lambda: self._db.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as exc:
            raise self._store_error(exc) from None
        except BaseException:
            if self._db.in_transaction:
                self._rollback()
            raise
        try:
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._store_error(exc) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError("store_too_new", path=str(self.path), version=version)
        if version == SCHEMA_VERSION:
            return
        try:
            self._waiting(lambda: self._db.execute("BEGIN IMMEDIATE"))
            # Read again under the write lock: two processes opening a new store at once migrate it once.
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _split_sql(_MIGRATIONS[target]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    # --- facts about the store ----------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- the CRMs' schemas ---------------------------------------------------------------------------
    def save_crm_schema(self, target: str, columns: Iterable[CrmColumn]) -> None:
        """Keep the columns of ``target``'s leads table as just read (the CRM last used from now on)."""
        text = json.dumps([c.to_json() for c in columns], ensure_ascii=False)
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO crm_schemas (target, columns, read_at) VALUES (?, ?, ?)",
                       (target, text, now_iso()))

    def crm_schema(self, target: str | None = None) -> CrmSchema | None:
        """The columns kept for ``target``, or for the CRM read last; None when none was ever read."""
        if self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crm_schemas'") is None:
            return None  # an older store opened read-only: it kept none
        if target is None:
            row = self._one("SELECT target, columns, read_at FROM crm_schemas ORDER BY read_at DESC LIMIT 1")
        else:
            row = self._one("SELECT target, columns, read_at FROM crm_schemas WHERE target = ?", (target,))
        if row is None:
            return None
        columns = {c["name"]: CrmColumn.from_json(c) for c in json.loads(row[1])}
        return CrmSchema(str(row[0]), str(row[2]), columns)

    # --- jobs ---------------------------------------------------------------------------------------
    def create_job(self, *, file_path: str | Path, status: str = VALIDATING, **values: Any) -> Job:
        path = Path(file_path)
        stamp = now_iso()
        job_id = values.pop("id", None) or str(uuid.uuid4())
        data: dict[str, Any] = {
            "id": job_id,
            "created_at": stamp,
            "updated_at": stamp,
            "status": status,
            "file_path": str(path.resolve()),
            "file_name": path.name,
        }
        data.update(values)
        self._insert_job(data)
        return self.get_job(job_id)

    def _insert_job(self, data: dict[str, Any], *, unless_known: bool = False) -> int:
        cols = ", ".join(data)
        marks = ", ".join("?" for _ in data)
        verb = "INSERT OR IGNORE" if unless_known else "INSERT"
        with self.transaction() as db:
            cur = db.execute(f"{verb} INTO jobs ({cols}) VALUES ({marks})", [_encode(v, k) for k, v in data.items()])
        return cur.rowcount

    def relist_job(self, values: dict[str, Any]) -> int:
        """A job known from the CRM's ``import_jobs`` (after a salvage), unless the store has it: 1 if added."""
        stamp = now_iso()
        data: dict[str, Any] = {"created_at": stamp, "updated_at": stamp, "file_path": values.get("file_name") or "?",
                                "file_name": values.get("file_name") or "?"}
        data.update({k: v for k, v in values.items() if v is not None or k not in data})
        return self._insert_job(data, unless_known=True)

    def get_job(self, job_id: str) -> Job:
        """The job with this id, or with this unique id prefix (as printed by ``history``)."""
        row = self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None and len(job_id) >= 4:
            prefix = job_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = self._rows("SELECT * FROM jobs WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (prefix + "%",))
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise ImporterError("job_not_found", job_id=job_id)
        return Job.from_row(row)

    def update_job(self, job_id: str, **values: Any) -> None:
        if not values:
            return
        values["updated_at"] = now_iso()
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.transaction() as db:
            db.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*(_encode(v, k) for k, v in values.items()), job_id])

    def fail_job(self, job_id: str, error: ImporterError, **values: Any) -> None:
        """The job failed with ``error``: its code, its English sentence and its parameters (for other
        languages) are kept."""
        self.update_job(job_id, status=FAILED, error_code=error.code, error_message=error.text(),
                        error_params=dict(error.params), **values)

    def list_jobs(self, limit: int | None = None) -> list[Job]:
        sql = "SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [Job.from_row(r) for r in self._rows(sql)]

    def find_unfinished_validation(self, file_hash: str, mapping: list[str | None], options: dict[str, Any],
                                   ignore: Sequence[str] = ()) -> Job | None:
        """A validation of the same file with the same mapping and options that a crash cut short
        (option keys in ``ignore`` are not compared: they do not change what is validated).

        ``validation_done`` is not required to be 0: a kill between the duplicates and the final status
        leaves it set, and finishing that job beats starting a second one.
        """
        rows = self._rows(
            "SELECT * FROM jobs WHERE file_hash = ? AND status = ? ORDER BY created_at DESC", (file_hash, VALIDATING)
        )
        for row in rows:
            job = Job.from_row(row)
            kept = {k: v for k, v in job.options.items() if k not in ignore}
            if job.mapping == mapping and kept == {k: v for k, v in options.items() if k not in ignore}:
                return job
        return None

    def delete_job(self, job_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    # --- staging ------------------------------------------------------------------------------------
    def stage_batch(
        self,
        job_id: str,
        batch_no: int,
        frame: pl.DataFrame,
        errors: dict[int, list[RowError]],
        *,
        last_row: int,
        valid_count: int,
    ) -> None:
        """Stage one validated batch and move the job's checkpoint past it, atomically."""
        blob = frame_to_blob(frame)
        first_row = int(frame["__row"][0]) if frame.height else last_row
        issue_rows = [
            (job_id, row, "invalid", " ".join(e.code for e in errs), json.dumps([e.to_json() for e in errs], ensure_ascii=False))
            for row, errs in errors.items()
        ]
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO batches (job_id, batch_no, first_row, last_row, row_count, valid_count, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (job_id, batch_no, first_row, last_row, frame.height, valid_count, blob),
            )
            if issue_rows:
                db.executemany(
                    "INSERT OR REPLACE INTO issues (job_id, row_no, status, codes, errors) VALUES (?, ?, ?, ?, ?)",
                    issue_rows,
                )
            db.execute(
                "UPDATE jobs SET staged_batches = ?, validated_through = ?, total_rows = total_rows + ?,"
                " valid_rows = valid_rows + ?, invalid_rows = invalid_rows + ?, updated_at = ? WHERE id = ?",
                (batch_no + 1, last_row, frame.height, valid_count, frame.height - valid_count, now_iso(), job_id),
            )

    def iter_batches(self, job_id: str, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
        """Staged batches in file order, one in memory at a time."""
        numbers = [r[0] for r in self._rows("SELECT batch_no FROM batches WHERE job_id = ? ORDER BY batch_no", (job_id,))]
        for no in numbers:
            yield self.load_batch(job_id, no, columns)

    def load_batch(self, job_id: str, batch_no: int, columns: Sequence[str] | None = None) -> pl.DataFrame:
        row = self._one("SELECT data FROM batches WHERE job_id = ? AND batch_no = ?", (job_id, batch_no))
        if row is None:
            raise ImporterError("job_not_found", job_id=f"{job_id}#{batch_no}")
        return blob_to_frame(row[0], columns)

    def compact_job(self, job_id: str, keep_statuses: Sequence[str]) -> int:
        """A finished job's staged batches keep only the rows whose issue has one of ``keep_statuses``
        (what its error report shows), so that the store does not grow by the whole file at every import
        (about 60 bytes a row). One transaction per batch; returns the rows dropped. Freed pages are
        reused by the next jobs."""
        marks = ", ".join("?" for _ in keep_statuses)
        dropped = 0
        spans = self._rows(
            "SELECT batch_no, first_row, last_row FROM batches WHERE job_id = ? ORDER BY batch_no", (job_id,)
        )
        for batch_no, first_row, last_row in spans:
            keep = [r[0] for r in self._rows(
                f"SELECT row_no FROM issues WHERE job_id = ? AND status IN ({marks}) AND row_no BETWEEN ? AND ?",
                (job_id, *keep_statuses, first_row, last_row),
            )]
            frame = self.load_batch(job_id, batch_no)
            kept = frame.filter(pl.col("__row").is_in(pl.Series(keep, dtype=frame["__row"].dtype).implode()))
            if kept.height == frame.height:
                continue
            with self.transaction() as db:
                db.execute("UPDATE batches SET data = ? WHERE job_id = ? AND batch_no = ?",
                           (frame_to_blob(kept), job_id, batch_no))
            dropped += frame.height - kept.height
        self.update_job(job_id, compacted=True)
        return dropped

    def jobs_to_compact(self) -> list[str]:
        """Completed jobs, and undone ones whose import had completed (an import undone while it ran may
        still be committing in another process), not compacted yet, oldest first."""
        return [r[0] for r in self._rows(
            "SELECT id FROM jobs WHERE compacted = 0 AND (status = ? OR (status = ? AND commit_total_batches"
            " IS NOT NULL AND committed_batches >= commit_total_batches)) ORDER BY created_at",
            (COMPLETED, UNDONE),
        )]

    def batch_for_row(self, job_id: str, row_no: int) -> int | None:
        row = self._one(
            "SELECT batch_no FROM batches WHERE job_id = ? AND first_row <= ? AND last_row >= ?",
            (job_id, row_no, row_no),
        )
        return None if row is None else int(row[0])

    def replace_batch(self, job_id: str, batch_no: int, frame: pl.DataFrame) -> None:
        valid = int(frame["__valid"].sum())
        with self.transaction() as db:
            db.execute(
                "UPDATE batches SET data = ?, valid_count = ? WHERE job_id = ? AND batch_no = ?",
                (frame_to_blob(frame), valid, job_id, batch_no),
            )

    def set_row_issue(self, job_id: str, row_no: int, errors: list[RowError] | None) -> None:
        """After a cell was fixed: the row's invalid issue replaced (or removed when it is now valid)."""
        with self.transaction() as db:
            db.execute("DELETE FROM issues WHERE job_id = ? AND row_no = ? AND status = 'invalid'", (job_id, row_no))
            if errors:
                db.execute(
                    "INSERT OR REPLACE INTO issues (job_id, row_no, status, codes, errors) VALUES (?, ?, 'invalid', ?, ?)",
                    (job_id, row_no, " ".join(e.code for e in errors), json.dumps([e.to_json() for e in errors], ensure_ascii=False)),
                )

    def record_duplicates(self, job_id: str, dups: pl.DataFrame) -> int:
        """Replace the job's in-file duplicates with ``dups`` (``__row``, ``dup_of``, ``key``); returns their count."""
        rows = [
            (job_id, int(r), "duplicate", "duplicate_in_file",
             json.dumps([{"code": "duplicate_in_file", "params": {"dup_of": int(d), "key": k}}]), int(d))
            for r, d, k in dups.select("__row", "dup_of", "key").iter_rows()
        ]
        with self.transaction() as db:
            db.execute("DELETE FROM issues WHERE job_id = ? AND status = 'duplicate'", (job_id,))
            if rows:
                db.executemany(
                    "INSERT OR REPLACE INTO issues (job_id, row_no, status, codes, errors, dup_of) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
            db.execute(
                "UPDATE jobs SET duplicate_rows = ?, validation_done = 1, updated_at = ? WHERE id = ?",
                (len(rows), now_iso(), job_id),
            )
        return len(rows)

    def recount(self, job_id: str) -> None:
        """Counters recomputed from the staged data (after a row was fixed)."""
        with self.transaction() as db:
            total, valid = db.execute(
                "SELECT coalesce(sum(row_count), 0), coalesce(sum(valid_count), 0) FROM batches WHERE job_id = ?", (job_id,)
            ).fetchone()
            dups = db.execute(
                "SELECT count(*) FROM issues WHERE job_id = ? AND status = 'duplicate'", (job_id,)
            ).fetchone()[0]
            db.execute(
                "UPDATE jobs SET total_rows = ?, valid_rows = ?, invalid_rows = ?, duplicate_rows = ? WHERE id = ?",
                (total, valid, total - valid, dups, job_id),
            )

    # --- issues -------------------------------------------------------------------------------------
    def issue_rows(self, job_id: str, statuses: Sequence[str] | None = None) -> set[int]:
        sql = "SELECT row_no FROM issues WHERE job_id = ?"
        args: list[Any] = [job_id]
        if statuses:
            sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
            args.extend(statuses)
        return {r[0] for r in self._rows(sql, args)}

    def issues(
        self,
        job_id: str,
        *,
        statuses: Sequence[str] | None = None,
        code: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        rows: tuple[int, int] | None = None,
    ) -> list[Issue]:
        """Issues in row order; ``rows=(first, last)`` keeps those rows only (one staged batch's worth)."""
        sql = "SELECT row_no, status, errors, dup_of FROM issues WHERE job_id = ?"
        args: list[Any] = [job_id]
        if rows is not None:
            sql += " AND row_no BETWEEN ? AND ?"
            args.extend(rows)
        if statuses:
            sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
            args.extend(statuses)
        if code:
            sql += " AND (' ' || codes || ' ') LIKE ?"
            args.append(f"% {code} %")
        sql += " ORDER BY row_no"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args.extend([limit, offset])
        return [
            Issue(r[0], r[1], [RowError.from_json(e) for e in json.loads(r[2])], r[3]) for r in self._rows(sql, args)
        ]

    def issue_code_counts(self, job_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (codes,) in self._rows("SELECT codes FROM issues WHERE job_id = ?", (job_id,)):
            for code in set(codes.split()):
                counts[code] = counts.get(code, 0) + 1
        return counts

    # --- commit checkpoints -------------------------------------------------------------------------
    def committed_batches(self, job_id: str) -> set[int]:
        return {r[0] for r in self._rows("SELECT batch_no FROM commits WHERE job_id = ?", (job_id,))}

    def record_commit(
        self,
        job_id: str,
        batch_no: int,
        *,
        first_row: int,
        last_row: int,
        inserted: int,
        updated: int,
        skipped: int,
        rejected: int,
        result: pl.DataFrame | None,
        issues: Sequence[tuple[str, int, list[RowError]]] = (),
    ) -> None:
        """The local checkpoint of a batch the CRM has committed (its ledger row is the truth)."""
        blob = frame_to_blob(result) if result is not None else None
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO commits (job_id, batch_no, first_row, last_row, inserted, updated, skipped,"
                " rejected, result, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, batch_no, first_row, last_row, inserted, updated, skipped, rejected, blob, now_iso()),
            )
            if cur.rowcount == 0:
                return  # already recorded: a resumed run re-learnt it from the ledger
            if issues:
                db.executemany(
                    "INSERT OR REPLACE INTO issues (job_id, row_no, status, codes, errors) VALUES (?, ?, ?, ?, ?)",
                    [
                        (job_id, row, status, " ".join(e.code for e in errs),
                         json.dumps([e.to_json() for e in errs], ensure_ascii=False))
                        for status, row, errs in issues
                    ],
                )
            db.execute(
                "UPDATE jobs SET committed_batches = committed_batches + 1, imported_rows = imported_rows + ?,"
                " updated_rows = updated_rows + ?, skipped_rows = skipped_rows + ?, rejected_rows = rejected_rows + ?,"
                " updated_at = ? WHERE id = ?",
                (inserted, updated, skipped, rejected, now_iso(), job_id),
            )

    def commit_results(self, job_id: str) -> Iterator[pl.DataFrame]:
        numbers = [r[0] for r in self._rows(
            "SELECT batch_no FROM commits WHERE job_id = ? AND result IS NOT NULL ORDER BY batch_no", (job_id,)
        )]
        for no in numbers:  # one result in memory at a time
            row = self._one("SELECT result FROM commits WHERE job_id = ? AND batch_no = ?", (job_id, no))
            if row is not None:
                yield blob_to_frame(row[0])

    def integrity_ok(self) -> bool:
        try:
            row = self._one("PRAGMA integrity_check")
        except StoreError as exc:
            if exc.code == "store_damaged":
                return False
            raise
        return row is not None and row[0] == "ok"


class _FoundDamaged(sqlite3.DatabaseError):
    """A process that used the store found it damaged (``storefiles.mark_damaged``)."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    text = str(exc)
    return "locked" in text or "busy" in text


def _split_sql(script: str) -> list[str]:
    """Statements of a migration (``;``-separated; a piece that starts with ``--`` is dropped whole, so
    comments go in Python, above the script)."""
    return [s.strip() for s in script.split(";") if s.strip() and not s.strip().startswith("--")]
