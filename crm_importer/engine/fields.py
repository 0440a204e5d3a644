"""The CRM lead fields the importer can fill, with the column limits of the CRM schema."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LeadField:
    name: str
    max_length: int


#: In CRM column order. ``owner`` is not a lead column: it feeds assignment by column.
LEAD_FIELDS: tuple[LeadField, ...] = (
    LeadField("first_name", 100),
    LeadField("last_name", 100),
    LeadField("email", 254),
    LeadField("phone", 32),
    LeadField("company", 200),
    LeadField("job_title", 150),
    LeadField("city", 100),
    LeadField("postal_code", 20),
    LeadField("country", 100),
    LeadField("source", 100),
    LeadField("external_id", 100),
    LeadField("notes", 5000),
    LeadField("owner", 254),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in LEAD_FIELDS)
FIELD_BY_NAME: dict[str, LeadField] = {f.name: f for f in LEAD_FIELDS}
#: Fields written to ``leads`` (everything but ``owner``).
LEAD_COLUMNS: tuple[str, ...] = tuple(n for n in FIELD_NAMES if n != "owner")
#: A row needs at least one of these, and a file needs a column mapped to one of them.
CONTACT_FIELDS: tuple[str, ...] = ("email", "phone")
DEDUPE_KEYS: tuple[str, ...] = ("email", "phone", "external_id")
