"""What the GUI's worker threads run: the service's use cases, with what belongs to a worker thread.

Each function opens what it needs itself (its own :class:`JobStore`, its own CRM connection) because
those belong to the thread that uses them, calls :mod:`crm_importer.service`, and returns plain data for
the GUI thread to show. No Qt and no SQL here: the widgets' work runs headless exactly as they call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm_importer import service
from crm_importer.crm.connection import Identity, redact_dsn
from crm_importer.crm.options import Assignment
from crm_importer.crm.schema import MigrationPlan
from crm_importer.engine.jobstore import Job, JobStore
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.pipeline import (
    CancelFn,
    Progress,
    ProgressFn,
    never_cancelled,
    no_progress,
    scan_file,
)
from crm_importer.engine.readers import ReadOptions
from crm_importer.engine.readers.delimited import guess_legacy_encoding
from crm_importer.engine.report import write_report
from crm_importer.engine.typed import CrmColumn
from crm_importer.engine.validate import ValidationOptions
from crm_importer.service import NO_JOB_ID, FileInspection, OwnerCheck, Profile, RowFix

__all__ = ["NO_JOB_ID", "CrmSession", "FileHash", "FileInspection", "OwnerCheck", "Profile", "RowFix"]


# --- the CRM session -------------------------------------------------------------------------------
@dataclass
class CrmSession:
    """Where to import and as whom. ``dsn`` never holds the password: that stays in memory or the keyring."""

    dsn: str
    #: The CRM profile asked for; empty: the one the database login is mapped to. Once signed in, the
    #: profile's own email.
    email: str
    password: str | None = None
    demo: bool = False
    identity: Identity | None = None
    server_version: str = ""
    #: The writable columns of the CRM's leads table, read on signing in (the mapping offers them).
    crm_columns: dict[str, CrmColumn] = field(default_factory=dict)
    #: The link's round-trip time measured on "Test connection" (milliseconds; None: not measured).
    round_trip_ms: float | None = None

    @property
    def target(self) -> str:
        return redact_dsn(self.dsn)

    @property
    def database(self) -> str:
        try:
            return str(conninfo_to_dict(self.dsn).get("dbname") or "?")
        except Exception:  # noqa: BLE001 - a label only
            return "?"

    @property
    def place(self) -> str:
        """Which CRM, as the sidebar says it: the database and its server ("postgres on db.example.com")."""
        try:
            params = conninfo_to_dict(self.dsn)
        except Exception:  # noqa: BLE001 - a label only
            return self.database
        host = str(params.get("host") or "localhost")
        if host.startswith("/"):
            host = "localhost"
        return f"{self.database} @ {host}"

    @property
    def login(self) -> str:
        if self.identity is not None and self.identity.login:
            return self.identity.login
        try:
            return str(conninfo_to_dict(self.dsn).get("user") or "?")
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
    """Connect, check the crm-importer schema, sign in as the profile and require an admin; measure the
    link's round-trip time (a far CRM: imports go in bigger batches, and take longer)."""
    signed = service.sign_in_admin(session.dsn, session.email.strip() or None, session.password)
    return replace(session, email=signed.identity.email, identity=signed.identity,
                   server_version=signed.server_version, crm_columns=signed.columns,
                   round_trip_ms=signed.round_trip_ms)


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


def plan_setup(session: CrmSession, region: str, owner_column: str | None, progress: ProgressFn = no_progress,
               is_cancelled: CancelFn = never_cancelled) -> MigrationPlan:
    """What setting this CRM up would change (nothing is changed)."""
    return service.migration_plan(session.dsn, session.password, region=region, owner_column=owner_column)


def apply_setup(session: CrmSession, plan: MigrationPlan, region: str, owner_column: str | None,
                progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> list[int]:
    """Apply ``plan`` as read (refused when the CRM changed since), reporting each change done."""
    def step(done: int, total: int) -> None:
        progress(Progress("migrating", done, done / total if total else 1.0, total))

    return service.migrate_crm(session.dsn, session.password, region=region, owner_column=owner_column,
                               expected=plan, progress=step)


def list_profiles(session: CrmSession, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> list[Profile]:
    """Active CRM profiles, for the assignment choices."""
    return service.list_profiles(session.dsn, session.password, session.identity)


# --- the file ----------------------------------------------------------------------------------------
def inspect_file(path: Path, read_options: ReadOptions, progress: ProgressFn = no_progress,
                 is_cancelled: CancelFn = never_cancelled) -> FileInspection:
    """Open the file as the engine will, and its first rows: fast even on a 1 GB file."""
    return service.inspect_file(path, read_options)


@dataclass
class FileHash:
    sha256: str
    utf8: bool
    #: Not UTF-8 after the part the File page read: the encoding guessed from the bytes that are not.
    guessed_encoding: str | None = None
    #: (CRM job id, date, who) of an earlier import of the same file into the connected CRM.
    previous: tuple[str, str, str] | None = None
    local_job_id: str | None = None


def hash_file(path: Path, session: CrmSession | None, store_path: Path, progress: ProgressFn = no_progress,
              is_cancelled: CancelFn = never_cancelled) -> FileHash:
    """SHA-256 (idempotency), and the earlier import of this file into the connected CRM, if any."""
    scan = scan_file(Path(path), progress, is_cancelled)
    result = FileHash(scan.sha256, scan.utf8)
    if scan.non_utf8_sample:
        result.guessed_encoding = guess_legacy_encoding(scan.non_utf8_sample)[0]
    if session is not None:
        actor = session.identity.profile_id if session.identity is not None else None
        result.previous = service.earlier_import(session.dsn, session.password, scan.sha256, actor)
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
        return service.validate(path, store, read_options=read_options, mapping=mapping, options=options,
                                progress=progress, is_cancelled=is_cancelled)


def revalidate(store_path: Path, job_id: str, row_no: int, changes: dict[int, str],
               progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> RowFix:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.revalidate(store, job_id, row_no, changes)


def load_row(store_path: Path, job_id: str, row_no: int, progress: ProgressFn = no_progress,
             is_cancelled: CancelFn = never_cancelled) -> list[str]:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.load_row(store, job_id, row_no)


def export_report(store_path: Path, job_id: str, out: Path, lang: str, progress: ProgressFn = no_progress,
                  is_cancelled: CancelFn = never_cancelled) -> Path:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return write_report(store, store.get_job(job_id), out, lang)


def job_report(store_path: Path, job_id: str, lang: str, progress: ProgressFn = no_progress,
               is_cancelled: CancelFn = never_cancelled) -> Path:
    """The job's report file: the one written at the end of the import, else a fresh one."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.job_report(store, job_id, lang)


# --- import ----------------------------------------------------------------------------------------------
def check_owners(store_path: Path, job_id: str, session: CrmSession, progress: ProgressFn = no_progress,
                 is_cancelled: CancelFn = never_cancelled) -> OwnerCheck:
    """Owner texts of the file that match no active profile, listed before the commit (SPEC 8)."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.check_owners(store, job_id, session.dsn, session.password, session.identity)


def commit(store_path: Path, job_id: str, session: CrmSession, *, policy: str, assignment: Assignment,
           lang: str, confirm_reimport: bool, progress: ProgressFn = no_progress,
           is_cancelled: CancelFn = never_cancelled) -> Job:
    """Phase 2 for a job the wizard already validated."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.commit_validated(store, job_id, dsn=session.dsn, actor_email=session.email, policy=policy,
                                        assignment=assignment, lang=lang, confirm_reimport=confirm_reimport,
                                        password=session.password, progress=progress, is_cancelled=is_cancelled)


def relist(store_path: Path, session: CrmSession, progress: ProgressFn = no_progress,
           is_cancelled: CancelFn = never_cancelled) -> int:
    """After the job store was salvaged: this CRM's imports by this profile, listed again in History."""
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.relist(store, session.dsn, session.email, session.password)


def resume(store_path: Path, job_id: str, session: CrmSession, progress: ProgressFn = no_progress,
           is_cancelled: CancelFn = never_cancelled) -> Job:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.resume_import(job_id, dsn=session.dsn, password=session.password, progress=progress,
                                     is_cancelled=is_cancelled, store=store)


def undo(store_path: Path, job_id: str, session: CrmSession, progress: ProgressFn = no_progress,
         is_cancelled: CancelFn = never_cancelled) -> dict[str, Any]:
    with JobStore(store_path, is_cancelled=is_cancelled) as store:
        return service.undo_import(job_id, dsn=session.dsn, actor_email=session.email, password=session.password,
                                   store=store)
