"""The CRM side: connecting to its PostgreSQL, its schema contract, and the built-in demo CRM.

Nothing here imports Qt; the CLI, the GUI worker and the tests all use these functions directly.
"""

from crm_importer.crm.connection import (
    CrmError,
    Identity,
    connect,
    connect_asking,
    get_password,
    redact_dsn,
    require_admin,
    sign_in,
    store_password,
)
from crm_importer.crm.schema import SCHEMA_VERSION, crm_settings, migrate, require_schema, schema_version

__all__ = [
    "SCHEMA_VERSION",
    "CrmError",
    "Identity",
    "connect",
    "connect_asking",
    "crm_settings",
    "get_password",
    "migrate",
    "redact_dsn",
    "require_admin",
    "require_schema",
    "schema_version",
    "sign_in",
    "store_password",
]
