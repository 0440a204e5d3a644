"""Words for the engine's codes (fields, phases, statuses, reasons), translated at the edge.

The engine stores codes (``first_name``, ``committing``, ``invalid_email``); what the user reads is
chosen here, in the current language, through Qt's catalogue. Whole sentences with named placeholders
come from the engine itself (``ImporterError.text(lang)``, ``RowError.text(lang)``).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from crm_importer.engine.errors import ImporterError
from crm_importer.engine.typed import CrmColumn

#: lupdate finds ``translate("Context", "text")`` calls; a wrapper function would hide them from it.
translate = QCoreApplication.translate


#: Qt's file dialog asks its own catalogue (qtbase) for these; Qt 6 added their mnemonics, which its French
#: catalogue lacks, so the French dialog said "Look in:" and "Files of type:". Ours answers for them.
QT_FILE_DIALOG = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)


def field_label(name: str | None) -> str:
    labels = {
        None: translate("Fields", "— Not imported —"),
        "first_name": translate("Fields", "First name"),
        "last_name": translate("Fields", "Last name"),
        "email": translate("Fields", "Email"),
        "phone": translate("Fields", "Phone"),
        "company": translate("Fields", "Company"),
        "job_title": translate("Fields", "Job title"),
        "city": translate("Fields", "City"),
        "postal_code": translate("Fields", "Postal code"),
        "country": translate("Fields", "Country"),
        "source": translate("Fields", "Source"),
        "external_id": translate("Fields", "External ID"),
        "notes": translate("Fields", "Notes"),
        "owner": translate("Fields", "Owner (for assignment)"),
    }
    return labels.get(name, name or "")


def kind_label(kind: str) -> str:
    """What a CRM column holds, in a word."""
    labels = {
        "text": translate("Fields", "text"),
        "integer": translate("Fields", "whole number"),
        "number": translate("Fields", "number"),
        "date": translate("Fields", "date"),
        "timestamp": translate("Fields", "date and time"),
        "boolean": translate("Fields", "yes/no"),
        "choice": translate("Fields", "list of values"),
        "array": translate("Fields", "several values"),
    }
    return labels.get(kind, kind)


def crm_column_label(column: CrmColumn) -> str:
    """A CRM column of the app's own in the mapping's list: ``next_call (date) *`` (``*``: required)."""
    label = f"{column.name} ({kind_label(column.kind)})"
    return label + " *" if column.required else label


def crm_column_tip(column: CrmColumn) -> str:
    """What the mapping page says of a CRM column: its type, whether it is required, its allowed values,
    its comment."""
    lines = [translate("Fields", "CRM column {name}, type {type}").format(name=column.name, type=column.type)]
    if column.required:
        lines.append(translate("Fields", "Required: the CRM refuses a lead without a value."))
    elif column.default is not None:
        lines.append(translate("Fields", "Left empty, it takes the CRM's default: {default}").format(
            default=column.default))
    if column.allowed:
        lines.append(translate("Fields", "Allowed values: {values}").format(values=", ".join(column.allowed)))
    if column.max_length:
        lines.append(translate("Fields", "At most {n} characters").format(n=column.max_length))
    if column.comment:
        lines.append(column.comment)
    return "\n".join(lines)


def phase_label(phase: str) -> str:
    labels = {
        "hashing": translate("Phases", "Computing the file fingerprint…"),
        "validating": translate("Phases", "Reading and validating rows…"),
        "deduplicating": translate("Phases", "Looking for duplicates in the file…"),
        "committing": translate("Phases", "Importing into the CRM…"),
        "reconnecting": translate("Phases", "The CRM does not answer: reconnecting…"),
        "reporting": translate("Phases", "Writing the report…"),
        "undoing": translate("Phases", "Undoing the import…"),
    }
    return labels.get(phase, phase)


def dedupe_key_label(key: str) -> str:
    """A duplicate key in a sentence: "when they share an email address, a phone number or an external ID"."""
    labels = {
        "email": translate("Texts", "an email address"),
        "phone": translate("Texts", "a phone number"),
        "external_id": translate("Texts", "an external ID"),
    }
    return labels.get(key, key)


def policy_label(policy: str) -> str:
    """What happens to a row whose lead is already in the CRM."""
    labels = {
        "skip": translate("Texts", "the row is skipped and the lead left untouched."),
        "update": translate("Texts", "the lead is updated with the filled cells of the row (undo restores it)."),
        "create": translate("Texts", "a new lead is created anyway."),
    }
    return labels.get(policy, policy)


def status_label(status: str) -> str:
    labels = {
        "validating": translate("Statuses", "Validation interrupted"),
        "validated": translate("Statuses", "Validated"),
        "importing": translate("Statuses", "Interrupted"),
        "completed": translate("Statuses", "Completed"),
        "failed": translate("Statuses", "Failed"),
        "cancelled": translate("Statuses", "Cancelled"),
        "interrupted": translate("Statuses", "Interrupted"),
        "undone": translate("Statuses", "Undone"),
    }
    return labels.get(status, status)


def reason_label(code: str) -> str:
    """A short name for an error code, for the filter list (the full sentence is in the table)."""
    labels = {
        "missing_contact": translate("Reasons", "No email or phone"),
        "invalid_email": translate("Reasons", "Invalid email address"),
        "invalid_phone": translate("Reasons", "Invalid phone number"),
        "too_long": translate("Reasons", "Value too long"),
        "nul_byte": translate("Reasons", "Forbidden character"),
        "extra_cells": translate("Reasons", "More cells than columns"),
        "cell_error": translate("Reasons", "Spreadsheet error in a cell"),
        "duplicate_in_file": translate("Reasons", "Duplicate in the file"),
        "duplicate_in_crm": translate("Reasons", "Already in the CRM"),
        "rejected_by_crm": translate("Reasons", "Rejected by the CRM"),
    }
    return labels.get(code, code)


def undo_summary(result: dict[str, object]) -> str:
    """What an undo did (``undo_import``'s result), in the current language."""
    from crm_importer.gui.i18n import fmt_int

    def count(key: str) -> str:
        value = result.get(key, 0)
        return fmt_int(len(value) if isinstance(value, list) else int(value or 0))  # type: ignore[call-overload]

    text = translate("Texts", "Import undone: {deleted} leads removed, {restored} restored, {kept} kept because "
                              "they were edited since.").format(
        deleted=count("deleted"), restored=count("restored"), kept=count("kept"))
    if result.get("referenced"):
        text += " " + translate("Texts", "{referenced} kept because other CRM records refer to them.").format(
            referenced=count("referenced"))
    return text


def error_text(exc: BaseException, lang: str) -> str:
    """One sentence for any failure: the engine's own words, else a generic sentence (never a traceback)."""
    if isinstance(exc, ImporterError):
        return exc.text(lang)
    return translate("Errors", "Unexpected error: {error}").format(error=f"{type(exc).__name__}: {exc}")


def delimiter_label(value: str | None) -> str:
    labels = {
        ",": translate("Delimiters", "Comma ( , )"),
        ";": translate("Delimiters", "Semicolon ( ; )"),
        "\t": translate("Delimiters", "Tab"),
        "|": translate("Delimiters", "Vertical bar ( | )"),
    }
    return labels.get(value or "", value or "")


def encoding_label(value: str | None) -> str:
    labels = {
        "utf-8": translate("Encodings", "UTF-8"),
        "utf-8-sig": translate("Encodings", "UTF-8 with BOM"),
        "utf-16": translate("Encodings", "UTF-16"),
        "cp1252": translate("Encodings", "Windows-1252 (Western Europe)"),
        "latin-1": translate("Encodings", "Latin-1 (ISO-8859-1)"),
        "latin_1": translate("Encodings", "Latin-1 (ISO-8859-1)"),
        "iso8859_15": translate("Encodings", "ISO-8859-15 (Western Europe, €)"),
        "cp1250": translate("Encodings", "Windows-1250 (Central Europe)"),
        "iso8859_2": translate("Encodings", "ISO-8859-2 (Central Europe)"),
        "cp1254": translate("Encodings", "Windows-1254 (Turkish)"),
        "cp1251": translate("Encodings", "Windows-1251 (Cyrillic)"),
        "mac_roman": translate("Encodings", "Mac Roman (older Macs)"),
        "utf-16-le": translate("Encodings", "UTF-16 (little-endian, no BOM)"),
        "utf-16-be": translate("Encodings", "UTF-16 (big-endian, no BOM)"),
    }
    return labels.get(value or "", value or "")


#: Default phone regions offered first; codes are ISO 3166 (what phonenumbers expects).
REGIONS = ("FR", "BE", "CH", "LU", "MC", "CA", "GB", "IE", "DE", "ES", "IT", "PT", "NL", "US", "MA", "TN", "SN")


def region_label(code: str) -> str:
    labels = {
        "FR": translate("Regions", "France"),
        "BE": translate("Regions", "Belgium"),
        "CH": translate("Regions", "Switzerland"),
        "LU": translate("Regions", "Luxembourg"),
        "MC": translate("Regions", "Monaco"),
        "CA": translate("Regions", "Canada"),
        "GB": translate("Regions", "United Kingdom"),
        "IE": translate("Regions", "Ireland"),
        "DE": translate("Regions", "Germany"),
        "ES": translate("Regions", "Spain"),
        "IT": translate("Regions", "Italy"),
        "PT": translate("Regions", "Portugal"),
        "NL": translate("Regions", "Netherlands"),
        "US": translate("Regions", "United States"),
        "MA": translate("Regions", "Morocco"),
        "TN": translate("Regions", "Tunisia"),
        "SN": translate("Regions", "Senegal"),
    }
    return translate("Regions", "{country} ({code})").format(country=labels.get(code, code), code=code)
