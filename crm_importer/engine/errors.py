"""Errors as data: stable codes with named parameters, worded in French or English at the edge.

Row problems are :class:`RowError` values stored in the job store and the report; problems that make
a whole file (or a database) unusable are raised as :class:`ImporterError` subclasses carrying a code
and parameters, so the CLI and the GUI can say one clear sentence in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# --- row error codes (stored in the job store: never rename) ---------------------------------------
MISSING_CONTACT = "missing_contact"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"
TOO_LONG = "too_long"
NUL_BYTE = "nul_byte"
EXTRA_CELLS = "extra_cells"
DUPLICATE_IN_FILE = "duplicate_in_file"
DUPLICATE_IN_CRM = "duplicate_in_crm"
REJECTED_BY_CRM = "rejected_by_crm"

ROW_ERROR_CODES = (
    MISSING_CONTACT,
    INVALID_EMAIL,
    INVALID_PHONE,
    TOO_LONG,
    NUL_BYTE,
    EXTRA_CELLS,
    DUPLICATE_IN_FILE,
    DUPLICATE_IN_CRM,
    REJECTED_BY_CRM,
)

MESSAGES: dict[str, dict[str, str]] = {
    # row errors
    MISSING_CONTACT: {
        "en": "No email or phone number",
        "fr": "Ni e-mail ni téléphone",
    },
    INVALID_EMAIL: {
        "en": "Invalid email address in column “{column}”: {value}",
        "fr": "Adresse e-mail invalide dans la colonne « {column} » : {value}",
    },
    INVALID_PHONE: {
        "en": "Invalid phone number in column “{column}”: {value}",
        "fr": "Numéro de téléphone invalide dans la colonne « {column} » : {value}",
    },
    TOO_LONG: {
        "en": "Value too long in column “{column}” ({length} characters, at most {max_length})",
        "fr": "Valeur trop longue dans la colonne « {column} » ({length} caractères, {max_length} au plus)",
    },
    NUL_BYTE: {
        "en": "Forbidden NUL character in column “{column}”",
        "fr": "Caractère NUL interdit dans la colonne « {column} »",
    },
    EXTRA_CELLS: {
        "en": "More cells than the header has columns",
        "fr": "Plus de cellules que l’en-tête n’a de colonnes",
    },
    DUPLICATE_IN_FILE: {
        "en": "Duplicate of row {dup_of}",
        "fr": "Doublon de la ligne {dup_of}",
    },
    DUPLICATE_IN_CRM: {
        "en": "Already in the CRM (same {key})",
        "fr": "Déjà dans le CRM (même {key})",
    },
    REJECTED_BY_CRM: {
        "en": "Rejected by the CRM database: {detail}",
        "fr": "Refusée par la base du CRM : {detail}",
    },
    # file / environment errors
    "file_not_found": {
        "en": "The file {path} does not exist.",
        "fr": "Le fichier {path} n’existe pas.",
    },
    "file_unreadable": {
        "en": "The file {path} cannot be read: {reason}.",
        "fr": "Le fichier {path} ne peut pas être lu : {reason}.",
    },
    "empty_file": {
        "en": "The file {path} is empty.",
        "fr": "Le fichier {path} est vide.",
    },
    "no_data_rows": {
        "en": "The file {path} has a header but no data rows.",
        "fr": "Le fichier {path} a un en-tête mais aucune ligne de données.",
    },
    "not_a_table": {
        "en": "The file {path} is not a spreadsheet or a CSV table.",
        "fr": "Le fichier {path} n’est ni un classeur ni un tableau CSV.",
    },
    "html_file": {
        "en": "The file {path} is a web page (HTML), not a CSV table: export it again as CSV or XLSX.",
        "fr": "Le fichier {path} est une page web (HTML), pas un tableau CSV : exportez-le à nouveau en CSV ou XLSX.",
    },
    "unsupported_format": {
        "en": "The file {path} is in a format the importer does not read ({kind}); use CSV or XLSX.",
        "fr": "Le fichier {path} est dans un format que l’importeur ne lit pas ({kind}) ; utilisez CSV ou XLSX.",
    },
    "bad_encoding": {
        "en": "The file {path} is not valid {encoding} text (byte {offset}); choose its encoding.",
        "fr": "Le fichier {path} n’est pas un texte {encoding} valide (octet {offset}) ; choisissez son encodage.",
    },
    "corrupt_workbook": {
        "en": "The workbook {path} is damaged and cannot be opened.",
        "fr": "Le classeur {path} est endommagé et ne peut pas être ouvert.",
    },
    "encrypted_workbook": {
        "en": "The workbook {path} is password-protected: save an unprotected copy and try again.",
        "fr": "Le classeur {path} est protégé par un mot de passe : enregistrez une copie non protégée et réessayez.",
    },
    "workbook_too_large": {
        "en": "The workbook {path} expands to {size_mb} MB, more than the {limit_mb} MB allowed.",
        "fr": "Le classeur {path} se décompresse en {size_mb} Mo, plus que les {limit_mb} Mo autorisés.",
    },
    "sheet_not_found": {
        "en": "The workbook has no sheet named “{sheet}” (sheets: {sheets}).",
        "fr": "Le classeur n’a pas de feuille nommée « {sheet} » (feuilles : {sheets}).",
    },
    "no_sheet_with_contact": {
        "en": "No sheet of {path} has a column for email or phone.",
        "fr": "Aucune feuille de {path} n’a de colonne e-mail ou téléphone.",
    },
    "no_contact_column": {
        "en": "No column of {path} maps to an email or a phone (headers: {headers}).",
        "fr": "Aucune colonne de {path} ne correspond à un e-mail ou un téléphone (en-têtes : {headers}).",
    },
    "too_many_columns": {
        "en": "The file {path} has {count} columns, more than the {limit} the importer accepts.",
        "fr": "Le fichier {path} a {count} colonnes, plus que les {limit} acceptées par l’importeur.",
    },
    "cell_too_large": {
        "en": "Row {row} of {path} has a cell of {size_kb} KB, more than the {limit_kb} KB allowed.",
        "fr": "La ligne {row} de {path} a une cellule de {size_kb} Ko, plus que les {limit_kb} Ko autorisés.",
    },
    "bad_mapping": {
        "en": "The mapping {path} is not usable: {reason}.",
        "fr": "Le mappage {path} n’est pas utilisable : {reason}.",
    },
    "file_changed": {
        "en": "The file {path} changed since job {job_id} started; start a new import.",
        "fr": "Le fichier {path} a changé depuis le début du traitement {job_id} ; lancez un nouvel import.",
    },
    "store_unwritable": {
        "en": "The job store {path} cannot be written ({reason}); free some space or fix its permissions.",
        "fr": "Le fichier de suivi {path} ne peut pas être écrit ({reason}) ; libérez de l’espace ou corrigez ses droits.",
    },
    "store_damaged": {
        "en": "The job store {path} is damaged ({reason}); crm-importer sets it aside and recovers what it "
        "can the next time it opens it.",
        "fr": "Le fichier de suivi {path} est endommagé ({reason}) ; crm-importer le met de côté et récupère "
        "ce qui peut l’être à sa prochaine ouverture.",
    },
    "store_recovered": {
        "en": "The job store {path} was damaged: it was moved to {moved_to} and a new one started "
        "(jobs recovered: {jobs}).",
        "fr": "Le fichier de suivi {path} était endommagé : il a été déplacé vers {moved_to} et un nouveau "
        "a été créé (traitements récupérés : {jobs}).",
    },
    "store_recovered_incomplete": {
        "en": "Part of this job's data was lost with a damaged job store; it cannot be resumed. Validate "
        "the file again to import what is missing.",
        "fr": "Une partie des données de ce traitement a été perdue avec un fichier de suivi endommagé ; il "
        "ne peut pas être repris. Validez à nouveau le fichier pour importer ce qui manque.",
    },
    "store_relisted_job": {
        "en": "Listed again from the CRM after the job store was damaged; its local data is lost.",
        "fr": "Relisté depuis le CRM après la perte du fichier de suivi ; ses données locales sont perdues.",
    },
    "store_too_new": {
        "en": "The job store {path} was made by a newer crm-importer (format v{version}); update crm-importer "
        "to use it.",
        "fr": "Le fichier de suivi {path} vient d’une version plus récente de crm-importer (format v{version}) ; "
        "mettez crm-importer à jour pour l’utiliser.",
    },
    "job_not_found": {
        "en": "There is no import job {job_id}.",
        "fr": "Il n’y a pas de traitement d’import {job_id}.",
    },
    "cancelled": {
        "en": "Cancelled; the job can be resumed.",
        "fr": "Annulé ; le traitement peut être repris.",
    },
    "already_imported": {
        "en": "This file was already imported into this CRM on {date} by {who} (job {job_id}); "
        "use --yes to import it again.",
        "fr": "Ce fichier a déjà été importé dans ce CRM le {date} par {who} (import {job_id}) ; "
        "utilisez --yes pour l’importer à nouveau.",
    },
    "bad_option": {
        "en": "Invalid {option}: {reason}.",
        "fr": "Option {option} invalide : {reason}.",
    },
    "user_not_found": {
        "en": "No active CRM profile has the email {email} ({option}).",
        "fr": "Aucun profil actif du CRM n’a l’e-mail {email} ({option}).",
    },
    "commit_failed": {
        "en": "The import stopped at batch {batch} of {batches}: {reason}. Fix the cause, then: crm-importer resume {job_id}",
        "fr": "L’import s’est arrêté au lot {batch} sur {batches} : {reason}. Corrigez la cause puis : "
        "crm-importer resume {job_id}",
    },
    "commit_stopped": {
        "en": "The import stopped before its first batch: {reason}. Fix the cause, then: crm-importer resume {job_id}",
        "fr": "L’import s’est arrêté avant son premier lot : {reason}. Corrigez la cause puis : "
        "crm-importer resume {job_id}",
    },
    "crm_retrying": {
        "en": "CRM unavailable ({reason}); retry {attempt} in {delay} s",
        "fr": "CRM indisponible ({reason}) ; nouvel essai n° {attempt} dans {delay} s",
    },
    "connection_lost": {
        "en": "The connection to the CRM was lost and could not be re-established after {attempts} attempts "
        "({reason}). Nothing is lost: crm-importer resume {job_id}",
        "fr": "La connexion au CRM a été perdue et n’a pas pu être rétablie après {attempts} tentatives "
        "({reason}). Rien n’est perdu : crm-importer resume {job_id}",
    },
    "statement_timeout": {
        "en": "The CRM database cancelled a statement that ran too long (statement_timeout); raise the limit "
        "or retry later, then: crm-importer resume {job_id}",
        "fr": "La base du CRM a interrompu une requête trop longue (statement_timeout) ; augmentez la limite "
        "ou réessayez plus tard, puis : crm-importer resume {job_id}",
    },
    "job_not_resumable": {
        "en": "Job {job_id} is {status}: there is nothing to resume.",
        "fr": "Le traitement {job_id} est {status} : il n’y a rien à reprendre.",
    },
    "job_not_importable": {
        "en": "Job {job_id} was a validation only (no CRM): run crm-importer import to import the file.",
        "fr": "Le traitement {job_id} était une simple validation (sans CRM) : lancez crm-importer import.",
    },
    "undo_unsafe": {
        "en": "Undo of job {job_id} refused: {tables} refer to leads with ON DELETE CASCADE or SET NULL, and this "
        "login cannot read all their rows, so removing leads could change records nobody checked. Undo it as "
        "a login that may read them (their owner, for instance).",
        "fr": "Annulation de l’import {job_id} refusée : {tables} font référence aux leads avec ON DELETE CASCADE "
        "ou SET NULL, et cette connexion ne peut pas en lire toutes les lignes ; supprimer des leads pourrait "
        "modifier des fiches que personne n’a vérifiées. Annulez-le avec une connexion qui peut les lire "
        "(leur propriétaire, par exemple).",
    },
    "undo_failed": {
        "en": "The CRM refused the undo of job {job_id} ({reason}); nothing was changed.",
        "fr": "Le CRM a refusé l’annulation de l’import {job_id} ({reason}) ; rien n’a été modifié.",
    },
    "job_not_undoable": {
        "en": "Job {job_id} is {status}: only a completed or interrupted import can be undone.",
        "fr": "Le traitement {job_id} est {status} : seul un import terminé ou interrompu peut être annulé.",
    },
    "report_unwritable": {
        "en": "The report {path} cannot be written: {reason}.",
        "fr": "Le rapport {path} ne peut pas être écrit : {reason}.",
    },
    "report_too_many_rows": {
        "en": "The report has {rows} rows, more than an XLSX sheet holds ({limit}); write it as .csv instead: {path}",
        "fr": "Le rapport a {rows} lignes, plus qu’une feuille XLSX n’en contient ({limit}) ; "
        "écrivez-le en .csv : {path}",
    },
    "bad_report_path": {
        "en": "The report must end in .csv or .xlsx: {path}",
        "fr": "Le rapport doit se terminer par .csv ou .xlsx : {path}",
    },
}

DEFAULT_LANG = "en"


def register_messages(more: dict[str, dict[str, str]]) -> None:
    """Sentences of another layer (the CRM's), so that a code stored as data is worded from anywhere."""
    clash = set(more) & set(MESSAGES)
    if any(MESSAGES[c] != more[c] for c in clash):
        raise ValueError(f"message codes defined twice: {sorted(clash)}")
    MESSAGES.update(more)


def message(code: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The sentence for ``code`` in ``lang`` (``fr`` or ``en``), placeholders filled in."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(lang) or texts[DEFAULT_LANG]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


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
