"""What the GUI's worker threads run: plain functions over the engine, no Qt.

Each function opens what it needs itself (its own :class:`JobStore`, its own CRM connection) because
those belong to the thread that uses them, and returns plain data for the GUI thread to show. Keeping
them Qt-free means they are exercised headless exactly as the widgets call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm_importer.crm.commit import (
    Assignment,
    _commit_and_report,
    match_owners,
    open_link,
    owner_values,
    prepare_commit_options,
    previous_import,
    resume_import,
    undo_import,
)
from crm_importer.crm.connection import Identity, connect, redact_dsn, require_admin, sign_in
from crm_importer.crm.relist import relist_pending, relist_quietly
from crm_importer.crm.schema import require_schema
from crm_importer.engine.errors import RefusedError
from crm_importer.engine.jobstore import Job, JobStore
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.pipeline import (
    CancelFn,
    ProgressFn,
    never_cancelled,
    no_progress,
    scan_file,
    validate_file,
)
from crm_importer.engine.readers import ReadOptions, TableInfo, open_table
from crm_importer.engine.report import write_report
from crm_importer.engine.validate import ValidationOptions
from crm_importer.gui.revalidate import RowFix, revalidate_cells, row_cells

#: A check made before any job exists passes this id, which no job has.
NO_JOB_ID = "00000000-0000-0000-0000-000000000000"
PREVIEW_ROWS = 100




# --- the CRM session -------------------------------------------------------------------------------
@dataclass
class CrmSession:
    """Where to import and as whom. ``dsn`` never holds the password: that stays in memory or the keyring."""

    dsn: str
    email: str
    password: str | None = None
    demo: bool = False
    identity: Identity | None = None
    server_version: str = ""

    @property
    def target(self) -> str:
        return redact_dsn(self.dsn)

    @property
    def database(self) -> str:
        try:
            return conninfo_to_dict(self.dsn).get("dbname") or "?"
        except Exception:  # noqa: BLE001 - a label only
            return "?"

    @property
    def who(self) -> str:
        if self.identity is None:
            return self.email
        return self.identity.full_name or self.identity.email


def build_dsn(host: str, port: int, dbname: str, user: str, sslmode: str) -> str:
    """A libpq conninfo from the connection dialog's fields (never with a password)."""
    params = {"host": host.strip(), "port": str(port), "dbname": dbname.strip(), "user": user.strip()}
    if sslmode:
        params["sslmode"] = sslmode
    return make_conninfo("", **{k: v for k, v in params.items() if v})


def check_connection(session: CrmSession, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> CrmSession:
    """Connect, check the crm-importer schema, sign in as the profile and require an admin."""
    with connect(session.dsn, password=session.password) as conn:
        version = conn.info.parameter_status("server_version") or ""
        require_schema(conn)
        identity = sign_in(conn, session.email)
        require_admin(identity)
    return replace(session, identity=identity, server_version=version.split(" ")[0])


def start_demo_session(progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> tuple[Any, CrmSession]:
    """Start (or join) the demo CRM and sign in as its admin; returns (DemoServer, session)."""
    from crm_importer.crm.demo import DEMO_ADMIN_EMAIL, start_demo

    demo = start_demo()
    try:
        session = check_connection(CrmSession(demo.dsn, DEMO_ADMIN_EMAIL, demo=True))
    except BaseException:
        demo.stop()
        raise
    return demo, session


@dataclass(frozen=True)
class Profile:
    email: str
    full_name: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email


def list_profiles(session: CrmSession, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> list[Profile]:
    """Active CRM profiles, for the assignment choices (the engine has no such query)."""
    with connect(session.dsn, password=session.password) as conn:
        rows = conn.execute(
            "select email, coalesce(full_name, ''), coalesce(role::text, '') from public.profiles"
            " where active is not false order by coalesce(full_name, email)"
        ).fetchall()
    return [Profile(str(e), str(n), str(r)) for e, n, r in rows]


# --- the file ----------------------------------------------------------------------------------------
@dataclass
class FileInspection:
    path: Path
    size: int
    info: TableInfo
    preview: pl.DataFrame
    read_options: ReadOptions


def inspect_file(path: Path, read_options: ReadOptions, progress: ProgressFn = no_progress,
                 is_cancelled: CancelFn = never_cancelled) -> FileInspection:
    """Open the file as the engine will, and its first rows: fast even on a 1 GB file."""
    reader = open_table(path, read_options)
    try:
        preview = reader.preview(PREVIEW_ROWS)
        return FileInspection(Path(path), Path(path).stat().st_size, reader.info, preview, read_options)
    finally:
        reader.close()


@dataclass
class FileHash:
    sha256: str
    utf8: bool
    #: (CRM job id, date, who) of an earlier import of the same file into the connected CRM.
    previous: tuple[str, str, str] | None = None
    local_job_id: str | None = None


def hash_file(path: Path, session: CrmSession | None, store_path: Path, progress: ProgressFn = no_progress,
              is_cancelled: CancelFn = never_cancelled) -> FileHash:
    """SHA-256 (idempotency), and the earlier import of this file into the connected CRM, if any."""
    scan = scan_file(Path(path), progress, is_cancelled)
    result = FileHash(scan.sha256, scan.utf8)
    if session is not None:
        with connect(session.dsn, password=session.password) as conn:
            actor = session.identity.profile_id if session.identity is not None else None
            result.previous = previous_import(conn, scan.sha256, NO_JOB_ID, actor_id=actor)
        if result.previous is not None:
            with JobStore(store_path, is_cancelled=is_cancelled) as store:
                try:
                    result.local_job_id = store.get_job(result.previous[0]).id
                except Exception:  # noqa: BLE001 - imported from another computer: no local job
                    result.local_job_id = None
    return result


# --- validation ----------------------------------------------------------------------------------------
def validate(path: Path, read_options: ReadOptions, mapping: ColumnMapping, options: ValidationOptions,
             store_path: Path, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> Job:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return validate_file(path, store, read_options=read_options, mapping=mapping, options=options,
                             progress=progress, is_cancelled=is_cancelled)


def revalidate(store_path: Path, job_id: str, row_no: int, changes: dict[int, str],
               progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> RowFix:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return revalidate_cells(store, store.get_job(job_id), row_no, changes)


def load_row(store_path: Path, job_id: str, row_no: int, progress: ProgressFn = no_progress,
             is_cancelled: CancelFn = never_cancelled) -> list[str]:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return row_cells(store, store.get_job(job_id), row_no)


def export_report(store_path: Path, job_id: str, out: Path, lang: str, progress: ProgressFn = no_progress,
                  is_cancelled: CancelFn = never_cancelled) -> Path:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return write_report(store, store.get_job(job_id), out, lang)


def job_report(store_path: Path, job_id: str, lang: str, progress: ProgressFn = no_progress,
               is_cancelled: CancelFn = never_cancelled) -> Path:
    """The job's report file: the one written at the end of the import, else a fresh one."""
    from crm_importer import paths

    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        job = store.get_job(job_id)
        if job.report_path and Path(job.report_path).exists():
            return Path(job.report_path)
        out = paths.reports_dir() / f"{Path(job.file_name).stem}-{job.id[:8]}-errors.csv"
        path = write_report(store, job, out, lang)
        store.update_job(job.id, report_path=str(path))
        return path


# --- import ----------------------------------------------------------------------------------------------
@dataclass
class OwnerCheck:
    found: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def check_owners(store_path: Path, job_id: str, session: CrmSession, progress: ProgressFn = no_progress,
                 is_cancelled: CancelFn = never_cancelled) -> OwnerCheck:
    """Owner texts of the file that match no active profile, listed before the commit (SPEC 8)."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        job = store.get_job(job_id)
        values = owner_values(store, job)
    with connect(session.dsn, password=session.password) as conn:
        found, unknown = match_owners(conn, values)
    return OwnerCheck(found, unknown)


def commit(store_path: Path, job_id: str, session: CrmSession, *, policy: str, assignment: Assignment,
           lang: str, confirm_reimport: bool, progress: ProgressFn = no_progress,
           is_cancelled: CancelFn = never_cancelled) -> Job:
    """Phase 2 for a job the wizard already validated: the same steps as ``run_import`` after validation."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        job = store.get_job(job_id)
        link, identity = open_link(session.dsn, session.email, interactive=False, password=session.password)
        try:
            prior = link.retrying(lambda conn: previous_import(conn, job.file_hash or "", job.id, identity.profile_id),
                                  job_id=job.id)
            if prior and not confirm_reimport:
                raise RefusedError("already_imported", job_id=prior[0], date=prior[1], who=prior[2])
            options = prepare_commit_options(link, store, job, policy=policy, assignment=assignment)
            options["lang"] = lang
            options["report"] = None
            store.update_job(job.id, options={**job.options, "commit": options}, crm_target=link.target,
                             actor_email=identity.email, actor_id=str(identity.profile_id))
            job = store.get_job(job.id)
            return _commit_and_report(store, job, link, identity, progress, is_cancelled)
        finally:
            link.close()


def relist(store_path: Path, session: CrmSession, progress: ProgressFn = no_progress,
           is_cancelled: CancelFn = never_cancelled) -> int:
    """After the job store was salvaged: this CRM's imports by this profile, listed again in History."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        if not relist_pending(store, session.target):
            return 0
        link, identity = open_link(session.dsn, session.email, interactive=False, password=session.password)
        try:
            return relist_quietly(store, link, identity)
        finally:
            link.close()


def resume(store_path: Path, job_id: str, session: CrmSession, lang: str, progress: ProgressFn = no_progress,
           is_cancelled: CancelFn = never_cancelled) -> Job:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return resume_import(job_id, dsn=session.dsn, password=session.password, progress=progress,
                             is_cancelled=is_cancelled, lang=lang, store=store)


def undo(store_path: Path, job_id: str, session: CrmSession, progress: ProgressFn = no_progress,
         is_cancelled: CancelFn = never_cancelled) -> dict[str, Any]:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return undo_import(job_id, dsn=session.dsn, actor_email=session.email, password=session.password,
                           store=store)
