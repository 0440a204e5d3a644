"""After a damaged job store was salvaged: the imports the CRM knows of, listed again in History.

The CRM's ``import_jobs`` keeps every import's counts and status. Jobs of the acting profile made before
the store was recovered, and missing from it, are added back to the local store once per CRM: completed
and undone ones as they were (undo works from the CRM's own records), any other one as failed with
``store_relisted_job`` (its staged rows are gone: it cannot be resumed, only imported again).
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from crm_importer.crm.connection import Identity
from crm_importer.crm.link import CrmLink, act_as
from crm_importer.engine.jobstore import COMPLETED, FAILED, UNDONE, JobStore, now_iso

log = logging.getLogger(__name__)

_COLUMNS = ("id", "file_name", "file_hash", "status", "total_rows", "valid_rows", "invalid_rows",
            "imported_rows", "updated_rows", "duplicate_rows", "skipped_rows", "rejected_rows", "created_at",
            "started_at", "completed_at")
#: The importer's own word for a job's state (``status`` holds the app's, which may be coarser).
_SELECT = {"status": "coalesce(crm_importer_status, status::text)"}


def relist_pending(store: JobStore, crm_target: str) -> bool:
    """The store was salvaged and this CRM's imports were not listed again yet."""
    return store.meta("recovered_at") is not None and store.meta(f"relisted:{crm_target}") is None


def relist_lost_jobs(store: JobStore, conn: psycopg.Connection, identity: Identity, crm_target: str) -> int:
    """Add back the acting profile's imports into this CRM that the salvaged store lost; their count."""
    recovered_at = store.meta("recovered_at")
    if recovered_at is None or store.meta(f"relisted:{crm_target}") is not None:
        return 0
    with conn.transaction():
        act_as(conn, identity)
        rows = conn.execute(
            f"SELECT {', '.join(_SELECT.get(c, c) for c in _COLUMNS)} FROM public.import_jobs WHERE created_by = %s AND created_at < %s::timestamptz + interval '1 second'"
            " ORDER BY created_at DESC LIMIT 1000",
            (str(identity.profile_id), recovered_at),
        ).fetchall()
    added = 0
    for row in rows:
        values: dict[str, Any] = dict(zip(_COLUMNS, row, strict=True))
        values["id"] = str(values["id"])
        status = values.pop("status")
        for key in ("created_at", "started_at", "completed_at"):
            stamp = values.get(key)
            values[key] = stamp.isoformat(timespec="seconds") if stamp is not None else None
        finished = values.pop("completed_at")
        values = {k: (0 if v is None and k.endswith("_rows") else v) for k, v in values.items()}
        values.update(crm_target=crm_target, actor_email=identity.email, actor_id=str(identity.profile_id),
                      finished_at=finished, phase="relisted", validation_done=True)
        if status in (COMPLETED, UNDONE):
            values["status"] = status
        else:
            values.update(status=FAILED, error_code="store_relisted_job", error_params={},
                          error_message="Listed again from the CRM after the job store was damaged; its local "
                          "data is lost.")
        added += store.relist_job(values)
    store.set_meta(f"relisted:{crm_target}", now_iso())
    if added:
        log.info("%d imports listed again from %s", added, crm_target)
    return added


def relist_quietly(store: JobStore, link: CrmLink, identity: Identity) -> int:
    """:func:`relist_lost_jobs` through the link's retries, never failing the work it comes before."""
    if not relist_pending(store, link.target):
        return 0
    try:
        return int(link.retrying(lambda conn: relist_lost_jobs(store, conn, identity, link.target)))
    except Exception:  # noqa: BLE001 - History's completeness must not stop an import or an undo
        log.info("listing imports again from the CRM failed", exc_info=True)
        return 0
