"""What an import was asked to do with the CRM, typed: the duplicate policy, the assignment, and the
same choices resolved against the CRM (profile ids, owners matched) as they are stored with the job.

``ValidationOptions`` (engine) says how rows are checked; :class:`CommitOptions` says how the valid ones
go into the CRM. Both are kept in the job's options, so that a resume commits exactly as the import would
have, and both are read only through these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.fields import DEDUPE_KEYS

ON_DUPLICATE = ("skip", "update", "create")
#: Job option keys: the request (before validation, so that a job killed while validating can be resumed
#: to the end) and the options resolved against the CRM (once validated).
REQUEST_KEY = "commit_request"
RESOLVED_KEY = "commit"


@dataclass(frozen=True)
class Assignment:
    """Who new leads are assigned to: nobody, one user, round-robin over users, or from a column."""

    mode: str = "none"  # none | user | round_robin | column
    emails: tuple[str, ...] = ()
    column: str | None = None
    fallback: str | None = None  # by column: the user for unknown owners (None: leave unassigned)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "emails": list(self.emails), "column": self.column, "fallback": self.fallback}

    @classmethod
    def from_json(cls, obj: dict[str, Any] | None) -> Assignment:
        if not obj:
            return cls()
        return cls(obj.get("mode", "none"), tuple(obj.get("emails") or ()), obj.get("column"), obj.get("fallback"))


def parse_assign(spec: str, unknown_owner: str = "unassigned") -> Assignment:
    """``none | user:EMAIL | round-robin:EMAIL,EMAIL,.. | column:HEADER`` (SPEC 10)."""
    spec = (spec or "none").strip()
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower().replace("_", "-")
    fallback = None
    if unknown_owner and unknown_owner != "unassigned":
        if not unknown_owner.startswith("user:") or not unknown_owner[5:].strip():
            raise UnusableFileError("bad_option", option="--unknown-owner", reason="unassigned or user:EMAIL")
        fallback = unknown_owner[5:].strip()
    if kind == "none" and not rest:
        return Assignment()
    if kind == "user" and rest.strip():
        return Assignment("user", (rest.strip(),))
    if kind == "round-robin":
        emails = tuple(e.strip() for e in rest.split(",") if e.strip())
        if emails:
            return Assignment("round_robin", emails)
    if kind == "column" and rest.strip():
        return Assignment("column", (), rest.strip(), fallback)
    raise UnusableFileError(
        "bad_option", option="--assign", reason="none | user:EMAIL | round-robin:EMAIL,EMAIL | column:HEADER"
    )


def parse_dedupe(spec: str) -> tuple[str, ...]:
    spec = (spec or "").strip().lower()
    if spec in ("", "none"):
        return ()
    keys = tuple(k.strip().replace("-", "_") for k in spec.split(",") if k.strip())
    unknown = [k for k in keys if k not in DEDUPE_KEYS]
    if unknown:
        raise UnusableFileError("bad_option", option="--dedupe", reason=f"unknown key {unknown[0]!r}")
    return tuple(k for k in DEDUPE_KEYS if k in keys)


def check_policy(policy: str) -> str:
    if policy not in ON_DUPLICATE:
        raise UnusableFileError("bad_option", option="--on-duplicate", reason="skip | update | create")
    return policy


@dataclass(frozen=True)
class CommitRequest:
    """The import's choices as asked (emails, not yet profile ids), stored before validation starts."""

    on_duplicate: str = "skip"
    assignment: Assignment = field(default_factory=Assignment)
    lang: str = "en"
    report: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"on_duplicate": self.on_duplicate, "assignment": self.assignment.to_json(), "lang": self.lang,
                "report": self.report}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CommitRequest:
        return cls(obj.get("on_duplicate", "skip"), Assignment.from_json(obj.get("assignment")),
                   obj.get("lang", "en"), obj.get("report"))

    @classmethod
    def of(cls, options: dict[str, Any]) -> CommitRequest | None:
        """The request kept in a job's options, if any."""
        obj = options.get(REQUEST_KEY)
        return cls.from_json(obj) if isinstance(obj, dict) else None


@dataclass(frozen=True)
class CommitOptions:
    """The choices resolved against one CRM: what the batch committer commits with."""

    on_duplicate: str = "skip"
    assignment: Assignment = field(default_factory=Assignment)
    #: Profile ids of ``assignment.emails`` (one user, or the round-robin's users in order).
    user_ids: tuple[str, ...] = ()
    #: By column: owner text (lower-cased) -> profile id, for the owners that match an active profile.
    owner_ids: dict[str, str] = field(default_factory=dict)
    unknown_owners: tuple[str, ...] = ()
    fallback_id: str | None = None
    lang: str = "en"
    #: Where the error report goes (None: the reports folder when there is anything to report).
    report: str | None = None
    #: Rows per commit batch, chosen for the link's latency when the first batch goes and kept with the job,
    #: so that a resume numbers the batches as the import did (None: not chosen yet).
    batch_rows: int | None = None
    #: The batches planned all of one size across staged batches (:func:`~crm_importer.crm.committer.plan_batches`);
    #: False for a job first committed by a version that cut each staged batch on its own.
    balanced: bool = False
    #: Balanced batches whose number is a multiple of this (the connections the job first committed over,
    #: so that every round is full); 1 for a job first committed by a version that did not round it.
    rounds: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"on_duplicate": self.on_duplicate, "assignment": self.assignment.to_json(),
                "user_ids": list(self.user_ids), "owner_ids": dict(self.owner_ids),
                "unknown_owners": list(self.unknown_owners), "fallback_id": self.fallback_id, "lang": self.lang,
                "report": self.report, "batch_rows": self.batch_rows,
                "balanced": self.balanced, "rounds": self.rounds}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CommitOptions:
        return cls(
            on_duplicate=obj.get("on_duplicate", "skip"),
            assignment=Assignment.from_json(obj.get("assignment")),
            user_ids=tuple(obj.get("user_ids") or ()),
            owner_ids=dict(obj.get("owner_ids") or {}),
            unknown_owners=tuple(obj.get("unknown_owners") or ()),
            fallback_id=obj.get("fallback_id"),
            lang=obj.get("lang", "en"),
            report=obj.get("report"),
            batch_rows=obj.get("batch_rows"),
            balanced=bool(obj.get("balanced", False)),
            rounds=max(int(obj.get("rounds") or 1), 1),
        )

    @classmethod
    def of(cls, options: dict[str, Any]) -> CommitOptions | None:
        """The resolved options kept in a job's options, if the job got that far."""
        obj = options.get(RESOLVED_KEY)
        return cls.from_json(obj) if isinstance(obj, dict) else None

    def stored_in(self, options: dict[str, Any]) -> dict[str, Any]:
        """A job's options with these in them."""
        return {**options, RESOLVED_KEY: self.to_json()}
