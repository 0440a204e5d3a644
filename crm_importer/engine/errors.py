"""Errors as data: stable codes with named parameters, worded in French or English at the edge.

Row problems are :class:`RowError` values stored in the job store and the report; problems that make
a whole file (or a database) unusable are raised as :class:`ImporterError` subclasses carrying a code
and parameters, so the CLI and the GUI can say one clear sentence in the user's language. The
sentences are in the one catalogue, :mod:`crm_importer.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_importer.messages import DEFAULT_LANG, message

# --- row error codes (stored in the job store: never rename) ---------------------------------------
MISSING_CONTACT = "missing_contact"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"
TOO_LONG = "too_long"
NUL_BYTE = "nul_byte"
EXTRA_CELLS = "extra_cells"
CELL_ERROR = "cell_error"
DUPLICATE_IN_FILE = "duplicate_in_file"
DUPLICATE_IN_CRM = "duplicate_in_crm"
REJECTED_BY_CRM = "rejected_by_crm"
# the CRM's own columns, by their type
REQUIRED_MISSING = "required_missing"
INVALID_DATE = "invalid_date"
INVALID_NUMBER = "invalid_number"
NUMBER_OUT_OF_RANGE = "number_out_of_range"
INVALID_BOOLEAN = "invalid_boolean"
NOT_IN_LIST = "not_in_list"




@dataclass(frozen=True)
class RowError:
    """One problem with one spreadsheet row: stored as data, worded at the edge."""

    code: str
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        if self.column is not None:
            out["column"] = self.column
        if self.value is not None:
            out["value"] = self.value
        if self.params:
            out["params"] = self.params
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> RowError:
        return cls(obj["code"], obj.get("column"), obj.get("value"), dict(obj.get("params") or {}))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        value = self.value if self.value is not None else ""
        if len(value) > 80:
            value = value[:77] + "…"
        return message(self.code, lang, column=self.column or "", value=value, **self.params)


class ImporterError(Exception):
    """An error the user can act on: a code, parameters, and a sentence in their language."""

    exit_code = 2

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(message(code, DEFAULT_LANG, **params))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return message(self.code, lang, **self.params)


class UnusableFileError(ImporterError):
    """The input file (or mapping) cannot be used at all."""

    exit_code = 2


class StoreError(ImporterError):
    """The local job store cannot be written (disk full, read-only, locked) or is damaged."""

    exit_code = 3


class RefusedError(ImporterError):
    """The importer refuses on purpose: not an admin, file already imported, schema missing."""

    exit_code = 4


class NotCompletedError(ImporterError):
    """The job stopped before the end (lost connection, permanent error): resumable."""

    exit_code = 3


class CancelledError(ImporterError):
    """The user cancelled; raised out of the ``is_cancelled`` check at a batch boundary."""

    exit_code = 3

    def __init__(self) -> None:
        super().__init__("cancelled")
