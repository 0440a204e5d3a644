"""The job store's files as files: writability, damage, moving a damaged store aside and salvaging it.

Nothing here opens the store's database file (or its ``-wal``/``-shm``) outside SQLite while a connection
may be open: closing *any* descriptor of a file drops every POSIX lock the process holds on it, so another
process would believe it is the last user, checkpoint and delete the WAL under the live connections
(SQLite's "How To Corrupt An SQLite Database File", 2.2). Writability is asked with ``os.access`` and
``statvfs``; recovery works on the file after it was renamed aside, under a lock held on a file of its own.

A damaged store (SQLITE_CORRUPT, SQLITE_NOTADB) is moved aside with a date, what can be read back is
copied into a fresh store — through the ``sqlite3`` shell's ``.recover`` where it is installed, else by
reading each table until the damage — and jobs whose staged or committed batches did not all survive are
marked so that nobody resumes them with rows missing.

What is read back: a file whose header was overwritten gets a rebuilt header on a copy; each table is read
in rowid order, and past a damaged page the read starts again further on (rowids doubling), so one bad
page costs the rows on it, not the rest of the table. (The ``sqlite3`` shell's ``.recover`` would go
further, but needs ``sqlite_dbpage``, which Python's and Debian's SQLite builds lack.)
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
MAGIC = b"SQLite format 3\x00"

#: The store's tables in the order they are salvaged (jobs first: at least the history comes back).
TABLES = ("jobs", "batches", "issues", "commits", "meta", "crm_schemas")


def sidecars(path: Path) -> list[Path]:
    """The database file and the files SQLite keeps beside it in WAL mode."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def marker_path(path: Path) -> Path:
    """Left beside a store found damaged while in use: the next open moves it aside and salvages it."""
    return path.with_name(path.name + ".damaged")


def write_problem(path: Path) -> str | None:
    """Why the store at ``path`` cannot be written (a sentence of the OS), or None; asked of the file
    system without opening any of its files. A store that does not exist yet needs a writable folder."""
    folder = path.parent
    existing = [p for p in sidecars(path) if p.exists()]
    for target in [*existing, folder]:
        if not os.access(target, os.W_OK):
            return _denial(target)
    return None


def _denial(target: Path) -> str:
    return os.strerror(errno.EROFS if on_read_only_disk(target) else errno.EACCES)


def on_read_only_disk(path: Path) -> bool:
    statvfs = getattr(os, "statvfs", None)  # not on Windows
    if statvfs is None:
        return False
    try:
        return bool(statvfs(path if path.exists() else path.parent).f_flag & getattr(os, "ST_RDONLY", 1))
    except OSError:
        return False


def is_damage(exc: BaseException) -> bool:
    """An SQLite error that says the file is not (or no longer) a sound database."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def mark_damaged(path: Path) -> None:
    """Say, for the next open, that the store at ``path`` (this very file) is damaged."""
    ident = inode(path)
    if ident is None:
        return
    with suppress(OSError):
        marker_path(path).write_text(f"{ident[0]}:{ident[1]}\n", encoding="ascii")


def marked_damaged(path: Path) -> bool:
    """A marker left for this very file (a stale one, left for a store since replaced, is removed)."""
    marker = marker_path(path)
    try:
        text = marker.read_text(encoding="ascii").strip()
    except OSError:
        return False
    ident = inode(path)
    if ident is not None and text == f"{ident[0]}:{ident[1]}":
        return True
    with suppress(OSError):
        marker.unlink()
    return False


@contextmanager
def recovery_lock(path: Path) -> Iterator[None]:
    """One process at a time moves a damaged store aside (a lock on a file of its own, never the store's)."""
    lock_path = path.with_name(path.name + ".recovery-lock")
    with open(lock_path, "a+b") as handle:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def move_aside(path: Path, expected: tuple[int, int] | None) -> Path | None:
    """Rename the damaged store (and its -wal/-shm) to ``jobs.damaged-YYYYMMDD-HHMMSS.sqlite3``; None when
    the file at ``path`` is no longer the one found damaged (another process already moved it aside and
    started a fresh store, which must not be moved in turn)."""
    with recovery_lock(path):
        if expected is not None and inode(path) != expected:
            return None
        if not path.exists():
            return None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
        n = 1
        while any(p.exists() for p in sidecars(target)):
            n += 1
            target = path.with_name(f"{path.stem}.damaged-{stamp}-{n}{path.suffix}")
        for source, dest in zip(sidecars(path), sidecars(target), strict=True):
            if source.exists():
                os.replace(source, dest)
        with suppress(OSError):
            marker_path(path).unlink()
        return target


@dataclass
class Salvage:
    """What came back of a damaged store."""

    moved_to: Path
    jobs: int = 0
    batches: int = 0
    issues: int = 0
    commits: int = 0
    incomplete: int = 0  # jobs that lost staged or committed batches (marked, never resumed)
    method: str = "none"  # "read" (table by table) or "none" (nothing could be read)


def readable_copy(damaged: Path, workdir: Path) -> Path | None:
    """A copy of ``damaged`` whose first 100 bytes are a valid SQLite header again, when they are not
    (a copy taken mid-write, a stray write at the start of the file); None when the header is sound."""
    with open(damaged, "rb") as f:  # the damaged file was renamed aside: no connection of ours is on it
        head = f.read(100)
    if head.startswith(MAGIC):
        return None
    size = damaged.stat().st_size
    copy = workdir / "header-repaired.sqlite3"
    shutil.copyfile(damaged, copy)
    with open(copy, "r+b") as f:
        # First only the magic (the rest of the header may be intact); then a whole header rebuilt around
        # each page size whose page 1 holds a table b-tree after the header (flag 0x0D or 0x05 at 100).
        f.write(MAGIC)
    if _opens(copy):
        return copy
    with open(copy, "rb") as f:
        first = f.read(101)
    for page_size in (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512):
        if size < page_size or size % page_size or len(first) < 101 or first[100] not in (0x0D, 0x05):
            continue
        with open(copy, "r+b") as f:
            f.write(_header(page_size, size // page_size))
        if _opens(copy):
            return copy
    return copy


def _header(page_size: int, pages: int) -> bytes:
    """A plausible database header (file format 3.0, WAL, UTF-8, no free list known)."""
    def u32(value: int) -> bytes:
        return value.to_bytes(4, "big")

    encoded_size = 1 if page_size == 65536 else page_size
    head = (MAGIC + encoded_size.to_bytes(2, "big") + bytes([2, 2, 0, 64, 32, 32])
            + u32(1) + u32(pages) + u32(0) + u32(0) + u32(1) + u32(4) + u32(0) + u32(0) + u32(1)
            + u32(0) + u32(0) + u32(0) + bytes(20) + u32(1) + u32(sqlite3.sqlite_version_info[0] * 1_000_000
                                                              + sqlite3.sqlite_version_info[1] * 1000
                                                              + sqlite3.sqlite_version_info[2]))
    assert len(head) == 100
    return head


def _opens(path: Path) -> bool:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return False
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()


def copy_tables(source: Path, dest: sqlite3.Connection, salvage: Salvage) -> None:
    """Every row of the store's tables that can be read from ``source``, into ``dest`` (a fresh store's
    connection, in one transaction per table), reading on past damaged pages."""
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return
    try:
        for table in TABLES:
            counted = _copy_table(src, dest, table)
            if table not in ("meta", "crm_schemas"):
                setattr(salvage, table, getattr(salvage, table) + counted)
    finally:
        src.close()


def _copy_table(src: sqlite3.Connection, dest: sqlite3.Connection, table: str) -> int:
    try:
        have = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
        rowid = table != "issues"  # issues is a WITHOUT ROWID table: read in one pass
    except sqlite3.Error:
        return 0
    want = [r[1] for r in dest.execute(f"PRAGMA table_info({table})")]
    cols = [c for c in want if c in have]
    if not cols:
        return 0
    names = ", ".join(cols)
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({', '.join('?' for _ in cols)})"
    copied = 0
    rows: list[tuple[object, ...]] = []
    dest.execute("BEGIN IMMEDIATE")
    try:
        if rowid:
            last, step = -(2**63), 1
            while last < 2**62:
                try:
                    for row in src.execute(f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid",
                                           (last,)):
                        last, step = row[0], 1
                        rows.append(row[1:])
                        if len(rows) >= 200:
                            copied += _insert(dest, insert, rows)
                    break
                except sqlite3.Error:  # a damaged page: go on past it
                    last = max(last, 0) + step
                    step *= 2
        else:
            try:
                for row in src.execute(f"SELECT {names} FROM {table}"):
                    rows.append(row)
                    if len(rows) >= 200:
                        copied += _insert(dest, insert, rows)
            except sqlite3.Error:
                log.info("salvage of %s stopped at a damaged page", table)
        copied += _insert(dest, insert, rows)
        dest.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            dest.execute("ROLLBACK")
        raise
    return copied


def _insert(dest: sqlite3.Connection, insert: str, rows: list[tuple[object, ...]]) -> int:
    done = 0
    for row in rows:  # one by one: a row that breaks a constraint (a damaged NOT NULL) is left out alone
        try:
            done += dest.execute(insert, row).rowcount
        except sqlite3.Error:
            continue
    rows.clear()
    return done


def salvage_into(moved: Path, dest: sqlite3.Connection) -> Salvage:
    """What can be read back of the damaged store ``moved``, copied into ``dest``."""
    salvage = Salvage(moved_to=moved)
    with tempfile.TemporaryDirectory(prefix="crm-importer-salvage-", dir=moved.parent) as tmp:
        work = Path(tmp)
        try:
            source = readable_copy(moved, work) or moved
        except OSError:
            return salvage
        copy_tables(source, dest, salvage)
        salvage.method = "read" if salvage.jobs else "none"
    return salvage
