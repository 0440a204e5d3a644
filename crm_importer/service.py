"""What the importer does, one function per use case: the CLI and the GUI's worker tasks call only these.

Each use case takes plain callables — ``progress(Progress)``, ``is_cancelled()``, and :class:`Prompts`
for what may be asked of the user while connecting (the CLI's terminal, the GUI's dialog, or nothing) —
and returns plain data. Nothing here knows Qt or a terminal, so every use case runs headless exactly as
the wizard runs it.

The data's path, one module per stage: ``engine.readers`` (read) → ``engine.mapping`` (map) →
``engine.validate`` and ``engine.pipeline`` (validate, stage in the job store) → ``crm.committer`` (commit,
through ``crm.link``, ``crm.statements``, ``crm.owners``) → ``engine.report`` (report); ``crm.undo`` takes
an import back out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from psycopg.conninfo import make_conninfo

from crm_importer import paths
from crm_importer.crm.columns import read_lead_columns
from crm_importer.crm.committer import JobCommitter, commit_connections
from crm_importer.crm.connection import Identity, connect, parse_dsn, redact_dsn, require_admin, sign_in
from crm_importer.crm.link import CrmLink, Prompts, mark_server, measure_round_trip, open_link, reason
from crm_importer.crm.options import (
    Assignment,
    CommitOptions,
    CommitRequest,
    check_policy,
    parse_assign,
    parse_dedupe,
)
from crm_importer.crm.owners import (
    Profile,
    match_owners,
    owner_values,
    prepare_commit_options,
    previous_import,
)
from crm_importer.crm.owners import (
    list_profiles as _list_profiles,
)
from crm_importer.crm.relist import relist_pending, relist_quietly
from crm_importer.crm.schema import MigrationPlan, apply_migration, plan_migration, require_schema
from crm_importer.crm.undo import undo_job
from crm_importer.engine.errors import (
    CancelledError,
    ImporterError,
    NotCompletedError,
    RefusedError,
    StoreError,
    UnusableFileError,
)
from crm_importer.engine.fields import DEDUPE_KEYS
from crm_importer.engine.jobstore import (
    CANCELLED,
    COMPLETED,
    FAILED,
    IMPORTING,
    INTERRUPTED,
    UNDONE,
    VALIDATED,
    Job,
    JobStore,
    now_iso,
)
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.pipeline import (
    CancelFn,
    ProgressFn,
    ensure_unchanged,
    never_cancelled,
    no_progress,
    open_for_import,
    run_validation,
    scan_file,
    validate_file,
    warming_phones,
)
from crm_importer.engine.readers import ReadOptions, TableInfo, open_table
from crm_importer.engine.report import REPORTED, write_report
from crm_importer.engine.revalidate import RowFix, revalidate_cells, row_cells, row_extra_cells
from crm_importer.engine.typed import CrmColumn
from crm_importer.engine.validate import ValidationOptions, fcol

log = logging.getLogger(__name__)

#: Given the owners that match no active profile and the fallback user's email (None: unassigned).
UnknownOwnersFn = Callable[[list[str], str | None], None]
#: A check made before any job exists passes this id, which no job has.
NO_JOB_ID = "00000000-0000-0000-0000-000000000000"
PREVIEW_ROWS = 100
#: Jobs compacted at the end of one import or undo at the most (older ones wait for the next): the first
#: import after an upgrade must not sit at 100 % compacting every job of the past.
COMPACT_PER_RUN = 3

__all__ = [
    "Assignment", "COMPACT_PER_RUN", "FileInspection", "ImportRequest", "NO_JOB_ID", "OwnerCheck", "Profile",
    "Prompts", "RowFix", "check_owners", "commit_validated", "compact_finished_jobs", "earlier_import",
    "history", "inspect_file", "job_report", "list_profiles", "load_row", "relist", "report", "resume_import",
    "revalidate", "run_import", "sign_in_admin", "undo_import", "validate",
]


# --- the file, offline ---------------------------------------------------------------------------------
@dataclass
class FileInspection:
    path: Path
    size: int
    info: TableInfo
    preview: pl.DataFrame
    read_options: ReadOptions
    #: How sure the detected text encoding is (0 to 1; below ``LOW_CONFIDENCE`` a guess to check), None
    #: when chosen by the user or not a text file.
    encoding_confidence: float | None = None


def inspect_file(path: Path, read_options: ReadOptions) -> FileInspection:
    """Open the file as the import will, with its first rows: fast even on a 1 GB file."""
    reader = open_table(path, read_options)
    try:
        preview = reader.preview(PREVIEW_ROWS)
        return FileInspection(Path(path), Path(path).stat().st_size, reader.info, preview, read_options,
                              getattr(reader, "encoding_confidence", None))
    finally:
        reader.close()


def validate(path: str | Path, store: JobStore, *, read_options: ReadOptions | None = None,
             mapping: ColumnMapping | None = None, mapping_json: Any | None = None, mapping_path: str = "",
             options: ValidationOptions | None = None, report: str | Path | None = None, lang: str = "en",
             progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> Job:
    """``crm-importer validate``: check and stage every row offline; with ``report``, write it there.

    The file is checked against the CRM last used (its columns as last read, kept in the store), or the
    standard lead fields when no CRM was ever read; the job's ``crm_schema`` option says which."""
    options, schema = with_crm_columns(store, options or ValidationOptions())
    job = validate_file(path, store, read_options=read_options, mapping=mapping, mapping_json=mapping_json,
                        mapping_path=mapping_path, options=options, progress=progress, is_cancelled=is_cancelled,
                        extra_options={"crm_schema": schema})
    if report:
        out = write_report(store, job, report, lang)
        store.update_job(job.id, report_path=str(out))
    return store.get_job(job.id)


def with_crm_columns(store: JobStore, options: ValidationOptions) -> tuple[ValidationOptions, dict[str, Any]]:
    """``options`` with the columns of the CRM last used, and what they are (``source``: ``crm`` with its
    ``target`` and ``read_at``, or ``standard``)."""
    if options.columns:
        return options, {"source": "given"}
    kept = store.crm_schema()
    if kept is None:
        return options, {"source": "standard"}
    columns = {n: c for n, c in kept.columns.items() if c.writable}
    return replace(options, columns=columns), {"source": "crm", "target": kept.target, "read_at": kept.read_at}


def read_crm_columns(store: JobStore, link: CrmLink) -> tuple[dict[str, CrmColumn], dict[str, Any]]:
    """The CRM's leads table as it is now, kept in the store as the CRM last used."""
    columns = link.lead_columns(fresh=True)
    store.save_crm_schema(link.target, columns.values())
    kept = store.crm_schema(link.target)
    return ({n: c for n, c in columns.items() if c.writable},
            {"source": "crm", "target": link.target, "read_at": kept.read_at if kept else now_iso()})


def revalidate(store: JobStore, job_id: str, row_no: int, changes: dict[int, str]) -> RowFix:
    """A row fixed in the review: its cells changed, the row checked again, in-file duplicates found again."""
    return revalidate_cells(store, store.get_job(job_id), row_no, changes)


def load_row(store: JobStore, job_id: str, row_no: int) -> list[str]:
    """The raw cells of one staged row, as the fix dialog shows them: one per header, then the row's cells
    beyond the header (an ``extra_cells`` row), which :func:`revalidate` takes under ``EXTRA_INDEX``."""
    job = store.get_job(job_id)
    return [*row_cells(store, job, row_no), *row_extra_cells(store, job, row_no)]


def history(store: JobStore, limit: int | None = None) -> list[Job]:
    """The jobs of this computer, newest first."""
    return store.list_jobs(limit)


def report(store: JobStore, job_id: str, out: str | Path, lang: str = "en") -> Path:
    """``crm-importer report``: the job's error report written to ``out`` (.csv or .xlsx)."""
    job = store.get_job(job_id)
    path = write_report(store, job, out, lang)
    try:  # where the last report went, for History: a nicety a read-only store goes without
        store.update_job(job.id, report_path=str(path))
    except StoreError:
        pass
    return path


def job_report(store: JobStore, job_id: str, lang: str) -> Path:
    """The job's report file: the one written at the end of the import, else a fresh one."""
    job = store.get_job(job_id)
    if job.report_path and Path(job.report_path).exists():
        return Path(job.report_path)
    path = write_report(store, job, _default_report_path(job), lang)
    store.update_job(job.id, report_path=str(path))
    return path


def _default_report_path(job: Job) -> Path:
    return paths.reports_dir() / f"{Path(job.file_name).stem}-{job.id[:8]}-errors.csv"


# --- the CRM, before an import -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedIn:
    """What checking a connection learnt: who, the server's version, the writable columns of the CRM's
    leads table, and the link's round-trip time in milliseconds."""

    identity: Identity
    server_version: str
    columns: dict[str, CrmColumn]
    round_trip_ms: float


def sign_in_admin(dsn: str, email: str | None, password: str | None = None,
                  store_path: str | Path | None = None) -> SignedIn:
    """Connect, check the crm-importer schema, sign in as the profile and require an admin; read the
    leads table's columns (kept in the store as the CRM last used, best effort) and, on the same
    connection, the round-trip time (the fastest of a few empty statements: :func:`measure_round_trip`)."""
    with connect(dsn, password=password) as conn:
        version = conn.info.parameter_status("server_version") or ""
        require_schema(conn)
        identity = sign_in(conn, email)
        require_admin(identity)
        columns = read_lead_columns(conn)
        round_trip = measure_round_trip(conn) * 1000
    try:
        with JobStore(store_path) as store:
            store.save_crm_schema(redact_dsn(dsn), columns.values())
    except StoreError:
        log.warning("the CRM's columns could not be kept in the job store", exc_info=True)
    return SignedIn(identity, version.split(" ")[0], {n: c for n, c in columns.items() if c.writable},
                    round_trip)


def migration_plan(dsn: str, password: str | None = None, *, region: str = "FR",
                   owner_column: str | None = None) -> MigrationPlan:
    """What setting the CRM up for crm-importer would change, read without changing anything."""
    with connect(dsn, password=password) as conn:
        return plan_migration(conn, region=region, owner_column=owner_column)


def migrate_crm(dsn: str, password: str | None = None, *, region: str = "FR", owner_column: str | None = None,
                expected: MigrationPlan | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[int]:
    """Apply the plan the user read (``plan_changed`` when the CRM changed since) in one transaction."""
    with connect(dsn, password=password) as conn:
        return apply_migration(conn, region=region, owner_column=owner_column, expected=expected,
                               progress=progress)[0]


def list_profiles(dsn: str, password: str | None = None, actor: object | None = None) -> list[Profile]:
    """Active CRM profiles, for the assignment choices (read as ``actor``, an Identity, when given)."""
    with connect(dsn, password=password) as conn:
        return _list_profiles(conn, actor)


def earlier_import(dsn: str, password: str | None, file_hash: str,
                   actor_id: object | None) -> tuple[str, str, str] | None:
    """The last import of a file with this hash into the CRM, not undone: (job id, date, who)."""
    with connect(dsn, password=password) as conn:
        return previous_import(conn, file_hash, NO_JOB_ID, actor_id=actor_id)


@dataclass
class OwnerCheck:
    found: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def check_owners(store: JobStore, job_id: str, dsn: str, password: str | None = None,
                 actor: object | None = None) -> OwnerCheck:
    """Owner texts of the file that match no active profile, listed before the commit (SPEC 8)."""
    job = store.get_job(job_id)
    values = owner_values(store, job)
    with connect(dsn, password=password) as conn:
        found, unknown = match_owners(conn, values, actor)
    return OwnerCheck(found, owner_spellings(store, job, unknown))


def owner_spellings(store: JobStore, job: Job, owners: list[str]) -> list[str]:
    """``owners`` (lower-cased, as they are matched) written as the file first spells them ("Bruno Martin")."""
    wanted = set(owners)
    spelled: dict[str, str] = {}
    column = fcol("owner")
    for frame in store.iter_batches(job.id, [column]):
        if column not in frame.columns or len(spelled) == len(wanted):
            continue
        for value in frame[column].drop_nulls().unique(maintain_order=True).to_list():
            key = str(value).lower()
            if key in wanted and key not in spelled:
                spelled[key] = str(value)
    return [spelled.get(o, o) for o in owners]


def relist(store: JobStore, dsn: str, email: str, password: str | None = None,
           prompts: Prompts | None = None) -> int:
    """After the job store was salvaged: this CRM's imports by this profile, listed again in History."""
    if not relist_pending(store, redact_dsn(dsn)):
        return 0
    link, identity = open_link(dsn, email, password=password, prompts=prompts)
    try:
        return relist_quietly(store, link, identity)
    finally:
        link.close()


# --- import ------------------------------------------------------------------------------------------------
@dataclass
class ImportRequest:
    """``crm-importer import``: the file, the CRM and every choice of the command line."""

    file: Path
    dsn: str
    actor_email: str | None
    read_options: ReadOptions = field(default_factory=ReadOptions)
    mapping_json: Any | None = None
    mapping_path: str = ""
    mapping: ColumnMapping | None = None
    region: str = "FR"
    dedupe: str | tuple[str, ...] = ",".join(DEDUPE_KEYS)
    on_duplicate: str = "skip"
    assign: str | Assignment = "none"
    unknown_owner: str = "unassigned"
    confirm_reimport: bool = False
    report: str | None = None
    lang: str = "en"
    #: What may be asked while connecting (None: nothing is asked; a missing password is an error).
    prompts: Prompts | None = None
    password: str | None = None
    #: Told, before anything is committed, the owners (by column) that match no active profile and the
    #: fallback user's email (None: those leads stay unassigned).
    on_unknown_owners: UnknownOwnersFn | None = None
    #: Told the job as soon as it exists, before its first row is read (the CLI prints its id).
    on_job: Callable[[Job], None] | None = None


@contextmanager
def _store_for(store: JobStore | None) -> Iterator[JobStore]:
    """``store``; or, when None, the user's job store, opened for the call and closed after it."""
    if store is not None:
        yield store
        return
    with JobStore() as own:
        yield own


def run_import(request: ImportRequest, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled,
               store: JobStore | None = None) -> Job:
    """``crm-importer import``: connect and check, validate and stage, then commit every batch."""
    dedupe = parse_dedupe(request.dedupe) if isinstance(request.dedupe, str) else tuple(request.dedupe)
    assignment = request.assign if isinstance(request.assign, Assignment) else parse_assign(
        request.assign, request.unknown_owner)
    check_policy(request.on_duplicate)
    # The phone rules (about 0.15 s of CPU, once per process) build while the CRM is signed in to and the file
    # hashed; validation waits for the same thread.
    with _store_for(store) as store, warming_phones(request.region):
        link, identity = open_link(request.dsn, request.actor_email, password=request.password,
                                   prompts=request.prompts)
        try:
            relist_quietly(store, link, identity)
            path = Path(request.file)
            if not path.exists():
                raise UnusableFileError("file_not_found", path=str(path))
            scan = scan_file(path, progress, is_cancelled)
            prior = link.retrying(lambda conn: previous_import(conn, scan.sha256, "", identity.profile_id))
            if prior and not request.confirm_reimport:
                raise RefusedError("already_imported", job_id=prior[0], date=prior[1], who=prior[2])
            mapping_json = request.mapping_json
            if assignment.mode == "column" and request.mapping is None:
                reader = open_for_import(path, request.read_options, scan)
                try:
                    mapping_json = _mapping_for_assign(request.mapping_json, reader.info.headers, assignment)
                finally:
                    reader.close()
            columns, schema = read_crm_columns(store, link)
            options = ValidationOptions(region=request.region, dedupe_keys=dedupe, columns=columns)
            # What the commit will use is stored with the job before its first row is validated, so that
            # a job killed while it validates is resumed to the end (resume has no command line to ask).
            commit_request = CommitRequest(request.on_duplicate, assignment, request.lang, request.report)
            # While the file is validated, what the commit asks first is fetched (over a far link, a round
            # trip each): the CRM's settings, the link's round-trip time, the commit's other connections.
            join_prefetch = link.prefetch(commit_connections() - 1)
            try:
                job = validate_file(
                    path, store, read_options=request.read_options, mapping=request.mapping,
                    mapping_json=mapping_json, mapping_path=request.mapping_path, options=options,
                    progress=progress, is_cancelled=is_cancelled,
                    extra_job_values={"crm_target": link.target, "actor_email": identity.email,
                                      "actor_id": str(identity.profile_id)},
                    extra_options={"commit_request": commit_request.to_json(), "crm_schema": schema},
                    on_job=request.on_job, scan=scan,
                )
            finally:
                join_prefetch()
            if job.total_rows == 0:
                # A header and no data rows: nothing to commit, no job left behind (the caller says so).
                store.delete_job(job.id)
                return job
            if (job.crm_target, job.actor_email) != (link.target, identity.email):  # a cut-short one continued
                store.update_job(job.id, crm_target=link.target, actor_email=identity.email,
                                 actor_id=str(identity.profile_id))
                job = store.get_job(job.id)
            job = _settle_commit_options(link, store, job, request.on_unknown_owners)
            return _commit_and_report(store, job, link, identity, progress, is_cancelled)
        finally:
            link.close()


def commit_validated(store: JobStore, job_id: str, *, dsn: str, actor_email: str | None, policy: str,
                     assignment: Assignment, lang: str, confirm_reimport: bool = False,
                     password: str | None = None, prompts: Prompts | None = None,
                     progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled) -> Job:
    """Phase 2 for a job validated already (the wizard's review came between): what ``run_import`` does
    after its validation."""
    job = store.get_job(job_id)
    try:
        link, identity = open_link(dsn, actor_email, password=password, prompts=prompts)
    except ImporterError as exc:
        _note_refusal(store, job, exc)
        raise
    try:
        prior = link.retrying(lambda conn: previous_import(conn, job.file_hash or "", job.id, identity.profile_id),
                              job_id=job.id)
        if prior and not confirm_reimport:
            refused = RefusedError("already_imported", job_id=prior[0], date=prior[1], who=prior[2])
            _note_refusal(store, job, refused)
            raise refused
        if job.error_code and job.status == VALIDATED:  # refused before; going ahead now
            store.update_job(job.id, error_code=None, error_message=None, error_params=None)
        options = prepare_commit_options(link, store, job, policy=policy, assignment=assignment, lang=lang)
        store.update_job(job.id, options=options.stored_in(job.options), crm_target=link.target,
                         actor_email=identity.email, actor_id=str(identity.profile_id))
        return _commit_and_report(store, store.get_job(job.id), link, identity, progress, is_cancelled)
    finally:
        link.close()


def _note_refusal(store: JobStore, job: Job, exc: ImporterError) -> None:
    """An import of a validated job was refused (already imported, not an admin): History says so rather
    than list it as one more validation. Best effort: the refusal is what the user must read."""
    if exc.exit_code != 4 or job.status != VALIDATED:
        return
    try:
        store.update_job(job.id, error_code=exc.code, error_message=exc.text(), error_params=dict(exc.params))
    except StoreError:
        pass


def resume_import(job_id: str, *, dsn: str | None = None, progress: ProgressFn = no_progress,
                  is_cancelled: CancelFn = never_cancelled, prompts: Prompts | None = None,
                  store: JobStore | None = None, password: str | None = None) -> Job:
    """``crm-importer resume``: finish validating if needed, then commit the batches not yet committed."""
    with _store_for(store) as store:
        job = store.get_job(job_id)
        if job.status in (COMPLETED, UNDONE):
            raise ImporterError("job_not_resumable", job_id=job.id[:8], status=job.status)
        if job.error_code in ("store_recovered_incomplete", "store_relisted_job"):
            raise RefusedError(job.error_code, job_id=job.id)  # rows lost with a damaged store: never resumed
        if not job.crm_target or CommitOptions.of(job.options) is None and not job.actor_email:
            raise ImporterError("job_not_importable", job_id=job.id)
        target = dsn or _stored_target(job.crm_target)
        link, identity = open_link(target, job.actor_email or None, password=password, prompts=prompts)
        try:
            relist_quietly(store, link, identity)
            if not job.validation_done:
                path = Path(job.file_path)
                scan = scan_file(path, progress, is_cancelled)
                if scan.sha256 != job.file_hash:
                    raise UnusableFileError("file_changed", path=str(path), job_id=job.id)
                read = job.options.get("read", {})
                reader = open_for_import(path, ReadOptions(encoding=read.get("encoding"),
                                                           delimiter=read.get("delimiter"),
                                                           sheet=read.get("sheet"),
                                                           header_row=read.get("header_row")), scan)
                try:
                    options = ValidationOptions.from_json(job.options)
                    run_validation(store, job, reader, options.mapping(job.headers, job.mapping), options,
                                   progress, is_cancelled)
                finally:
                    reader.close()
                ensure_unchanged(path, scan, store, job.id)
                job = store.get_job(job.id)
            job = _settle_commit_options(link, store, job)
            return _commit_and_report(store, job, link, identity, progress, is_cancelled)
        finally:
            link.close()


def undo_import(job_id: str, *, dsn: str, actor_email: str | None, prompts: Prompts | None = None,
                store: JobStore | None = None, password: str | None = None) -> dict[str, Any]:
    """``crm-importer undo``: remove the leads the import created (keeping those edited since), restore
    those it updated."""
    with _store_for(store) as store:
        job = store.get_job(job_id)
        if job.status not in (COMPLETED, FAILED, CANCELLED, INTERRUPTED, IMPORTING):
            raise ImporterError("job_not_undoable", job_id=job.id[:8], status=job.status)
        link, identity = open_link(dsn, actor_email, password=password, prompts=prompts)
        try:
            relist_quietly(store, link, identity)
            result: dict[str, Any] = link.retrying(lambda conn: undo_job(conn, job.id, identity), job_id=job.id)
        except psycopg.Error as exc:  # not transient: a constraint, a trigger, a permission of the CRM
            raise NotCompletedError("undo_failed", job_id=job.id, reason=reason(exc)) from None
        finally:
            link.close()
        store.update_job(job.id, status=UNDONE, phase="undone", finished_at=now_iso())
        compact_finished_jobs(store)
        return result


def compact_finished_jobs(store: JobStore) -> None:
    """Completed and undone jobs keep only the staged rows their error report shows. Best effort, after the
    work is done: a failure here (a store that cannot be written now) is logged, never raised, and the job
    is compacted another time."""
    try:
        for job_id in store.jobs_to_compact()[:COMPACT_PER_RUN]:
            store.compact_job(job_id, REPORTED)
    except Exception as exc:  # noqa: BLE001 - the import or undo already succeeded
        log.warning("job store not compacted: %s", exc)


# --- the steps they share ------------------------------------------------------------------------------
def _mapping_for_assign(mapping_json: Any, reader_headers: list[str], assignment: Assignment) -> Any:
    """``--assign column:HEADER`` maps that header to the owner field unless the mapping says otherwise."""
    if assignment.mode != "column":
        return mapping_json
    base = dict(mapping_json or {}) if isinstance(mapping_json, dict) else {}
    if assignment.column not in reader_headers:
        raise UnusableFileError("bad_option", option="--assign", reason=f"no column named {assignment.column!r}")
    base.setdefault(assignment.column, "owner")
    return base


def _settle_commit_options(link: CrmLink, store: JobStore, job: Job,
                           on_unknown_owners: UnknownOwnersFn | None = None) -> Job:
    """After validation: resolve the stored commit request against the CRM into the job's commit options
    (owners by column need the validated rows). A job that has them already is left alone."""
    if CommitOptions.of(job.options) is not None:
        return job
    request = CommitRequest.of(job.options)
    if request is None:
        raise ImporterError("job_not_importable", job_id=job.id)
    # Through retrying: after minutes of validation the connection may have gone (a pooler's idle timeout).
    options: CommitOptions = link.retrying(lambda _conn: prepare_commit_options(
        link, store, job, policy=request.on_duplicate, assignment=request.assignment, lang=request.lang,
        report=request.report), job_id=job.id)
    store.update_job(job.id, options=options.stored_in(job.options))
    if options.unknown_owners and on_unknown_owners is not None:
        on_unknown_owners(list(options.unknown_owners), request.assignment.fallback)
    return store.get_job(job.id)


def _commit_and_report(store: JobStore, job: Job, link: CrmLink, identity: Identity,
                       progress: ProgressFn, is_cancelled: CancelFn) -> Job:
    try:
        job = JobCommitter(store, job, link, identity, progress=progress, is_cancelled=is_cancelled).run()
    except CancelledError as exc:
        store.update_job(job.id, status=CANCELLED, phase="cancelled")
        mark_server(link, job.id, "cancelled", None)
        exc.job_id = job.id  # type: ignore[attr-defined]
        raise
    except KeyboardInterrupt:
        # Ctrl+C in the CLI: the job is resumable (not "run the same command again", which would now be
        # refused as a re-import), so it is said the way a cancel is, with the job to resume.
        store.update_job(job.id, status=INTERRUPTED, phase="interrupted")
        mark_server(link, job.id, "interrupted", None)
        interrupted = CancelledError()
        interrupted.job_id = job.id  # type: ignore[attr-defined]
        raise interrupted from None
    except ImporterError as exc:
        store.fail_job(job.id, exc)
        mark_server(link, job.id, "failed", exc.text())
        exc.job_id = job.id  # type: ignore[attr-defined]
        raise
    except psycopg.Error as exc:
        now = store.get_job(job.id)
        if now.commit_total_batches:
            err = NotCompletedError("commit_failed", batch=now.committed_batches + 1,
                                    batches=now.commit_total_batches, reason=reason(exc), job_id=job.id)
        else:  # before the batches were planned (the server-side job row, the plan)
            err = NotCompletedError("commit_stopped", reason=reason(exc), job_id=job.id)
        store.fail_job(job.id, err)
        mark_server(link, job.id, "failed", err.text())
        err.job_id = job.id  # type: ignore[attr-defined]
        raise err from None
    # The store is compacted beside the report being written (on a connection of its own: the report reads
    # the rows compaction keeps, the same either way); the import ends when both have.
    compacting = threading.Thread(target=_compact_beside, args=(store.path,), name="store-compact")
    compacting.start()
    try:
        job = _write_job_report(store, job)
        if job.report_path:
            mark_server(link, job.id, COMPLETED, None, report_path=job.report_path)
    finally:
        compacting.join()
    return store.get_job(job.id)


def _compact_beside(path: Path) -> None:
    """:func:`compact_finished_jobs` on another connection to the store at ``path`` (best effort too)."""
    try:
        with JobStore(path) as store:
            compact_finished_jobs(store)
    except Exception as exc:  # noqa: BLE001 - the import already succeeded
        log.warning("job store not compacted: %s", exc)


def _write_job_report(store: JobStore, job: Job) -> Job:
    options = CommitOptions.of(job.options) or CommitOptions()
    target: str | Path | None = options.report
    if not target and job.not_imported_rows:
        target = _default_report_path(job)
    if target:
        out = write_report(store, job, target, options.lang)
        store.update_job(job.id, report_path=str(out))
    return store.get_job(job.id)


def _stored_target(target: str) -> str:
    """The job's DSN as stored (redacted): without its ``***`` password, so that the password comes from
    the keyring, PGPASSWORD, the password file or a prompt, as for a DSN typed without one."""
    params = parse_dsn(target)
    if params.get("password") != "***":
        return target
    del params["password"]
    return make_conninfo("", **params)
