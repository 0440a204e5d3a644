"""Who the CRM's people are, for an import: the users named by an assignment, the file's owners matched
to profiles, the profiles offered in the wizard, and an earlier import of the same file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import psycopg

from crm_importer.crm.link import CrmLink, act_as, in_one_trip
from crm_importer.crm.options import Assignment, CommitOptions, check_policy
from crm_importer.engine.errors import RefusedError, UnusableFileError
from crm_importer.engine.jobstore import Job, JobStore
from crm_importer.engine.validate import VALID_COL, ValidationOptions, fcol


@dataclass(frozen=True)
class Profile:
    email: str
    full_name: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email


def list_profiles(conn: psycopg.Connection, actor: object | None = None) -> list[Profile]:
    """Active CRM profiles, for the assignment choices. ``actor`` (an Identity or a profile id): read with
    its claims, as the app's own policies on profiles may ask (``auth.uid()``)."""
    with conn.transaction():
        if actor is not None:
            act_as(conn, actor)
        rows = conn.execute(
            "SELECT email, coalesce(full_name, ''), coalesce(role::text, '') FROM public.profiles"
            " WHERE active IS NOT FALSE ORDER BY coalesce(full_name, email)"
        ).fetchall()
    return [Profile(str(e), str(n), str(r)) for e, n, r in rows]


def resolve_users(conn: psycopg.Connection, emails: Sequence[str], option: str,
                  actor: object | None = None) -> list[str]:
    """Profile ids of active users, in the order given; an unknown email is refused up front. One statement
    for all of them (a round trip each would count over a far link)."""
    query = ("SELECT (SELECT p.id FROM public.profiles p WHERE lower(btrim(p.email)) = lower(btrim(e.email))"
             " AND p.active IS NOT FALSE ORDER BY p.id LIMIT 1) FROM unnest(%s::text[]) WITH ORDINALITY AS e(email, n)"
             " ORDER BY e.n")
    found = in_one_trip(conn, actor, query, (list(emails),))
    ids: list[str] = []
    for email, (profile_id,) in zip(emails, found, strict=True):
        if profile_id is None:
            raise RefusedError("user_not_found", email=email, option=option)
        ids.append(str(profile_id))
    return ids


def owner_values(store: JobStore, job: Job) -> list[str]:
    """Distinct owner texts (lower-cased) among the rows that will be committed."""
    seen: set[str] = set()
    for frame in store.iter_batches(job.id, [VALID_COL, fcol("owner")]):
        if fcol("owner") in frame.columns:
            values = frame.filter(pl.col(VALID_COL))[fcol("owner")].drop_nulls().str.to_lowercase().unique()
            seen.update(values.to_list())
    return sorted(seen)


def match_owners(conn: psycopg.Connection, owners: Sequence[str],
                 actor: object | None = None) -> tuple[dict[str, str], list[str]]:
    """Owner texts matched to active profiles by email or full name (case-insensitive): (found, unknown)."""
    if not owners:
        return {}, []
    with conn.transaction():
        if actor is not None:
            act_as(conn, actor)
        rows = conn.execute(
            "SELECT o.v, p.id FROM unnest(%s::text[]) AS o(v) JOIN LATERAL ("
            " SELECT id FROM public.profiles p WHERE p.active IS NOT FALSE AND"
            " (lower(btrim(p.email)) = o.v OR lower(btrim(p.full_name)) = o.v) ORDER BY p.email LIMIT 1) p ON true",
            (list(owners),),
        ).fetchall()
    found = {v: str(pid) for v, pid in rows}
    return found, [o for o in owners if o not in found]


def previous_import(conn: psycopg.Connection, file_hash: str, job_id: str,
                    actor_id: object | None = None) -> tuple[str, str, str] | None:
    """The most recent import of the same file into this CRM (not undone): (job id, date, who).

    ``import_jobs`` is admin-only (RLS, decided by the login's mapping); ``actor_id``: the profile whose
    claims an app's own policies read. One round trip.
    """
    query = ("SELECT j.id, j.created_at, coalesce(p.full_name, p.email, '?') FROM public.import_jobs j"
             " LEFT JOIN public.profiles p ON p.id = j.created_by"
             " WHERE j.file_hash = %s AND j.id::text <> %s AND coalesce(j.crm_importer_status, j.status::text)"
             " NOT IN ('undone', 'validated') ORDER BY j.created_at DESC LIMIT 1")
    rows = in_one_trip(conn, actor_id, query, (file_hash, job_id))
    if not rows:
        return None
    row = rows[0]
    return str(row[0]), row[1].strftime("%Y-%m-%d %H:%M"), str(row[2])


def prepare_commit_options(link: CrmLink, store: JobStore, job: Job, *, policy: str, assignment: Assignment,
                           lang: str = "en", report: str | None = None) -> CommitOptions:
    """The import's choices resolved against the CRM (users, owners by column), to be kept with the job."""
    check_policy(policy)
    conn = link.conn
    user_ids: tuple[str, ...] = ()
    owner_ids: dict[str, str] = {}
    unknown: tuple[str, ...] = ()
    fallback_id = None
    # Profiles are read with the acting profile's claims: an app's policies on profiles may need them.
    actor = link.identity
    if assignment.mode in ("user", "round_robin"):
        user_ids = tuple(resolve_users(conn, assignment.emails, "--assign", actor))
    if assignment.mode == "column":
        mapping = ValidationOptions.from_json(job.options).mapping(job.headers, job.mapping)
        if "owner" not in mapping.field_columns():
            raise UnusableFileError("bad_option", option="--assign",
                                    reason=f"column {assignment.column!r} is not mapped to the owner field")
        owner_ids, unknown_list = match_owners(conn, owner_values(store, job), actor)
        unknown = tuple(unknown_list)
        if assignment.fallback:
            fallback_id = resolve_users(conn, [assignment.fallback], "--unknown-owner", actor)[0]
    # A job committed before keeps its batch size and plan: its batches keep their numbers.
    kept = CommitOptions.of(job.options) or CommitOptions()
    return CommitOptions(on_duplicate=policy, assignment=assignment, user_ids=user_ids, owner_ids=owner_ids,
                         unknown_owners=unknown, fallback_id=fallback_id, lang=lang, report=report,
                         batch_rows=kept.batch_rows, balanced=kept.balanced,
                         rounds=kept.rounds)
