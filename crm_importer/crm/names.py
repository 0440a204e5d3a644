"""The names an app's CRM gives to what the importer writes: its owner column, its history columns, the
words of its job statuses and history events (issue 12).

``db migrate`` adopts what the app already has instead of adding parallel columns, and records its choice
in ``crm_importer_settings``; commit, undo and the policies read it back from there (:func:`read_names`),
so a CRM installed from scratch and an app's own CRM run the same statements with different names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from psycopg import sql

#: Settings keys (``crm_importer_settings``) of the adopted names.
OWNER_KEY = "leads_owner_column"
EVENT_KEY = "history_event_column"
ACTOR_KEY = "history_actor_column"
CHANGES_KEY = "history_changes_column"
EMAIL_MATCH_KEY = "email_match"
EXTERNAL_ID_MATCH_KEY = "external_id_match"
STATUS_WORDS_KEY = "import_jobs_status_words"
EVENT_WORDS_KEY = "history_event_words"
NAME_KEYS = (OWNER_KEY, EVENT_KEY, ACTOR_KEY, CHANGES_KEY, EMAIL_MATCH_KEY, EXTERNAL_ID_MATCH_KEY,
             STATUS_WORDS_KEY, EVENT_WORDS_KEY)

#: The importer's job statuses and history events (its own words, kept in ``crm_importer_status``).
JOB_STATUSES = ("importing", "completed", "failed", "cancelled", "interrupted", "undone")
HISTORY_EVENTS = ("created", "updated", "import_undone")

#: For a CRM whose status or event column only takes a fixed list of words (a CHECK, an enum): the word
#: of that list each of the importer's stands for, in order of preference.
STATUS_SYNONYMS: dict[str, tuple[str, ...]] = {
    "importing": ("importing", "committing", "processing", "running", "in_progress", "started", "pending"),
    "completed": ("completed", "complete", "done", "succeeded", "success", "finished", "imported"),
    "failed": ("failed", "error", "errored", "failure"),
    "cancelled": ("cancelled", "canceled", "aborted", "failed", "error"),
    "interrupted": ("interrupted", "paused", "failed", "error"),
    # The seed plan's vocabulary has no word for an undone import: "failed" (it holds none of the leads).
    "undone": ("undone", "reverted", "rolled_back", "cancelled", "canceled", "failed", "error"),
}
EVENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "created": ("created", "create", "lead_created", "imported", "import", "insert", "inserted"),
    "updated": ("updated", "update", "lead_updated", "modified", "edited", "changed"),
    "import_undone": ("import_undone", "undone", "reverted", "deleted", "lead_deleted", "restored", "updated",
                      "update"),
}


def choose_words(allowed: tuple[str, ...], synonyms: Mapping[str, tuple[str, ...]]) -> tuple[dict[str, str], list[str]]:
    """The word of ``allowed`` each of the importer's words is written as, and those that have none."""
    folded = {w.casefold(): w for w in allowed}
    chosen: dict[str, str] = {}
    missing: list[str] = []
    for word, candidates in synonyms.items():
        hit = next((folded[c] for c in candidates if c in folded), None)
        if hit is None:
            missing.append(word)
        else:
            chosen[word] = hit
    return chosen, missing


@dataclass(frozen=True)
class CrmNames:
    """What the importer's statements call things in this CRM (the contract's names by default)."""

    owner: str = "assigned_to"
    event: str = "event"
    actor: str = "actor_id"
    changes: str = "changes"
    #: How a lead's email is compared (``lower`` when the app's own index on lower(email) serves the match).
    email_match: str = "lower_btrim"
    external_id_match: str = "lower_btrim"
    #: The app's word for each of the importer's job statuses (empty: any word goes, written as is).
    status_words: dict[str, str] = field(default_factory=dict)
    event_words: dict[str, str] = field(default_factory=dict)

    def status(self, status: str) -> str:
        """The word written in ``import_jobs.status`` (the importer's own stays in ``crm_importer_status``)."""
        return self.status_words.get(status, status)

    def event_word(self, event: str) -> str:
        return self.event_words.get(event, event)

    def settings(self) -> dict[str, str]:
        """As stored in ``crm_importer_settings``."""
        return {
            OWNER_KEY: self.owner, EVENT_KEY: self.event, ACTOR_KEY: self.actor, CHANGES_KEY: self.changes,
            EMAIL_MATCH_KEY: self.email_match, EXTERNAL_ID_MATCH_KEY: self.external_id_match,
            STATUS_WORDS_KEY: json.dumps(self.status_words, sort_keys=True),
            EVENT_WORDS_KEY: json.dumps(self.event_words, sort_keys=True),
        }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CrmNames:
        names = cls()
        def words(key: str) -> dict[str, str]:
            try:
                value = json.loads(settings.get(key) or "{}")
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
        return replace(
            names,
            owner=settings.get(OWNER_KEY) or names.owner,
            event=settings.get(EVENT_KEY) or names.event,
            actor=settings.get(ACTOR_KEY) or names.actor,
            changes=settings.get(CHANGES_KEY) or names.changes,
            email_match=settings.get(EMAIL_MATCH_KEY) or names.email_match,
            external_id_match=settings.get(EXTERNAL_ID_MATCH_KEY) or names.external_id_match,
            status_words=words(STATUS_WORDS_KEY),
            event_words=words(EVENT_WORDS_KEY),
        )

    # -- SQL pieces --
    def history_insert(self) -> sql.Composed:
        """``INSERT INTO public.lead_history (lead_id, <event>, <actor>, import_job_id, <changes>)``."""
        return sql.SQL("INSERT INTO public.lead_history (lead_id, {}, {}, import_job_id, {})").format(
            sql.Identifier(self.event), sql.Identifier(self.actor), sql.Identifier(self.changes))

    def match_expr(self, key: str, alias: str = "l") -> str:
        """The indexed expression a lead's ``key`` is compared with (its stored value normalized)."""
        column = {"email": "email", "external_id": "external_id"}[key]
        how = self.email_match if key == "email" else self.external_id_match
        inner = f"{alias}.{column}" if how == "lower" else f"btrim({alias}.{column})"
        return f"lower({inner})"


def read_names(conn: psycopg.Connection) -> CrmNames:
    """The CRM's adopted names (the contract's where nothing was recorded: a CRM migrated before issue 12)."""
    with conn.transaction():
        exists = conn.execute("SELECT to_regclass('public.crm_importer_settings') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return CrmNames()
        rows = conn.execute("SELECT key, value FROM public.crm_importer_settings WHERE key = ANY(%s)",
                            (list(NAME_KEYS),)).fetchall()
    return CrmNames.from_settings({k: v for k, v in rows})
