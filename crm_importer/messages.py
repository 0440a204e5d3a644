"""The importer's one message catalogue: every sentence it says, by stable code, in English and French.

The engine (row errors, unusable files, the job store), the CRM side (connections, schema, owners), the CLI
and the error report word their codes here, through :func:`message`. A template names its placeholders
(``{path}``, ``{job_id}``); a sentence whose grammar follows a number gives its plural forms,
``{"one": …, "other": …}``, chosen by the ``count`` parameter with each language's rule (French: 0 and 1
are singular; English: 1 only). Codes stored as data (a row's errors, a failed job's error) are never
renamed. The GUI's own labels and sentences are Qt translations (``translations/``); it shows the codes
stored by the engine through :func:`message` too.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANG = "en"
LANGS = ("en", "fr")

#: A sentence, or its plural forms by category (``one``, ``other``).
Template = str | dict[str, str]

# --- the engine: row errors (stored in the job store: never rename), unusable files, the job store -----
_ENGINE: dict[str, dict[str, Template]] = {
    # row errors
    "missing_contact": {
        "en": "No email or phone number",
        "fr": "Ni e-mail ni téléphone",
    },
    "invalid_email": {
        "en": "Invalid email address in column “{column}”: {value}",
        "fr": "Adresse e-mail invalide dans la colonne « {column} » : {value}",
    },
    "invalid_phone": {
        "en": "Invalid phone number in column “{column}”: {value}",
        "fr": "Numéro de téléphone invalide dans la colonne « {column} » : {value}",
    },
    "too_long": {
        "en": "Value too long in column “{column}” ({length} characters, at most {max_length})",
        "fr": "Valeur trop longue dans la colonne « {column} » ({length} caractères, {max_length} au plus)",
    },
    "nul_byte": {
        "en": "Forbidden NUL character in column “{column}”",
        "fr": "Caractère NUL interdit dans la colonne « {column} »",
    },
    "extra_cells": {
        "en": "More cells than the header has columns",
        "fr": "Plus de cellules que l’en-tête n’a de colonnes",
    },
    "cell_error": {
        "en": "The cell of column “{column}” shows the spreadsheet error {value} (a formula that failed)",
        "fr": "La cellule de la colonne « {column} » affiche l’erreur de tableur {value} (une formule en échec)",
    },
    "duplicate_in_file": {
        "en": "Duplicate of row {dup_of}",
        "fr": "Doublon de la ligne {dup_of}",
    },
    "duplicate_in_crm": {
        "en": "Already in the CRM (same {key})",
        "fr": "Déjà dans le CRM (même {key})",
    },
    "required_missing": {
        "en": "Column “{column}” is empty, and the CRM requires a value",
        "fr": "La colonne « {column} » est vide, et le CRM exige une valeur",
    },
    "invalid_date": {
        "en": "Not a date in column “{column}”: {value} (read as {format})",
        "fr": "Date invalide dans la colonne « {column} » : {value} (lue en {format})",
    },
    "invalid_number": {
        "en": "Not a number in column “{column}”: {value}",
        "fr": "Nombre invalide dans la colonne « {column} » : {value}",
    },
    "number_out_of_range": {
        "en": "Number out of range in column “{column}”: {value} (the CRM column is {type})",
        "fr": "Nombre hors limites dans la colonne « {column} » : {value} (la colonne du CRM est en {type})",
    },
    "invalid_boolean": {
        "en": "Neither yes nor no in column “{column}”: {value} (yes/no, true/false, oui/non, 1/0, x)",
        "fr": "Ni oui ni non dans la colonne « {column} » : {value} (oui/non, vrai/faux, yes/no, 1/0, x)",
    },
    "not_in_list": {
        "en": "Value not allowed in column “{column}”: {value} (allowed: {allowed})",
        "fr": "Valeur non permise dans la colonne « {column} » : {value} (valeurs permises : {allowed})",
    },
    "rejected_by_crm": {
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
    "nothing_to_import": {
        "en": "The file {path} has a header but no data rows: there is nothing to import.",
        "fr": "Le fichier {path} a un en-tête mais aucune ligne de données : il n’y a rien à importer.",
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
    "encoding_guessed": {
        "en": "The file's encoding was guessed as {encoding}, without certainty: check its accented letters, "
        "or give --encoding.",
        "fr": "L’encodage du fichier a été deviné ({encoding}), sans certitude : vérifiez ses lettres accentuées, "
        "ou indiquez --encoding.",
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
    "sheet_not_a_table": {
        "en": "The sheet “{sheet}” of {path} holds no table (it is a chart, macro or dialog sheet): choose a"
              " worksheet.",
        "fr": "La feuille « {sheet} » de {path} ne contient pas de tableau (c’est une feuille de graphique, de"
              " macros ou de dialogue) : choisissez une feuille de calcul.",
    },
    "header_row_empty": {
        "en": "Row {row} of {path} is empty: it cannot be the header row.",
        "fr": "La ligne {row} de {path} est vide : elle ne peut pas être la ligne d’en-tête.",
    },
    "no_sheet_with_contact": {
        "en": "No sheet of {path} has a column for email or phone.",
        "fr": "Aucune feuille de {path} n’a de colonne e-mail ou téléphone.",
    },
    "no_contact_column": {
        "en": "No column of {path} maps to an email or a phone (headers: {headers}).",
        "fr": "Aucune colonne de {path} ne correspond à un e-mail ou un téléphone (en-têtes : {headers}).",
    },
    "required_unmapped": {
        "en": {
            "one": "The CRM requires a value in {count} column ({columns}: NOT NULL without a default): map a"
                   " column of {path} to it.",
            "other": "The CRM requires a value in {count} columns ({columns}: NOT NULL without a default): map a"
                     " column of {path} to each.",
        },
        "fr": {
            "one": "Le CRM exige une valeur dans {count} colonne ({columns} : NOT NULL sans valeur par défaut) :"
                   " associez-y une colonne de {path}.",
            "other": "Le CRM exige une valeur dans {count} colonnes ({columns} : NOT NULL sans valeur par défaut) :"
                     " associez une colonne de {path} à chacune.",
        },
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
    "keyring_unavailable": {
        "en": "No system keyring is available: the password was not stored.",
        "fr": "Aucun trousseau système n’est disponible : le mot de passe n’a pas été gardé.",
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
        "en": "Import {job_id} is {status_word}: there is nothing to resume.",
        "fr": "L’import {job_id} est {status_word} : il n’y a rien à reprendre.",
    },
    # A job's status in a sentence ({status_word}, filled from {status} by message()): never the stored code.
    "job_status_validating": {"en": "a validation that did not finish", "fr": "une validation inachevée"},
    "job_status_validated": {"en": "a validation only (nothing imported)",
                             "fr": "une simple validation (rien n’a été importé)"},
    "job_status_importing": {"en": "interrupted", "fr": "interrompu"},
    "job_status_completed": {"en": "completed", "fr": "terminé"},
    "job_status_failed": {"en": "failed", "fr": "en échec"},
    "job_status_cancelled": {"en": "stopped", "fr": "arrêté"},
    "job_status_interrupted": {"en": "interrupted", "fr": "interrompu"},
    "job_status_undone": {"en": "already undone", "fr": "déjà annulé"},
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
        "en": "Import {job_id} is {status_word}: only a completed or interrupted import can be undone.",
        "fr": "L’import {job_id} est {status_word} : seul un import terminé ou interrompu peut être annulé.",
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

# --- the CRM database: connection, schema, sign-in --------------------------------------------------------
_CRM: dict[str, dict[str, Template]] = {
    "db_bad_dsn": {
        "en": "The database connection string cannot be read; use a postgresql:// URI or key=value pairs.",
        "fr": "La chaîne de connexion à la base est illisible ; utilisez une URI postgresql:// "
        "ou des paires clé=valeur.",
    },
    "db_unreachable": {
        "en": "Cannot reach the database server at {host}:{port}; check that it is running and that the "
        "host and port are right.",
        "fr": "Impossible de joindre le serveur de base de données {host}:{port} ; vérifiez qu’il est "
        "démarré et que l’hôte et le port sont justes.",
    },
    "db_auth_failed": {
        "en": "The database refused the login of user “{user}”: wrong user name or password.",
        "fr": "La base a refusé la connexion de l’utilisateur « {user} » : nom d’utilisateur ou mot de "
        "passe incorrect.",
    },
    "db_password_missing": {
        "en": "The database asks for the password of user “{user}” and none was given.",
        "fr": "La base demande le mot de passe de l’utilisateur « {user} » et aucun n’a été fourni.",
    },
    "db_not_found": {
        "en": "There is no database named “{dbname}” on this server.",
        "fr": "Il n’y a pas de base nommée « {dbname} » sur ce serveur.",
    },
    "db_access_denied": {
        "en": "The database server does not accept user “{user}” on database “{dbname}” from this "
        "computer (pg_hba.conf, or TLS required).",
        "fr": "Le serveur de base de données n’accepte pas l’utilisateur « {user} » sur la base "
        "« {dbname} » depuis cet ordinateur (pg_hba.conf, ou TLS exigé).",
    },
    "db_tls": {
        "en": "A secure (TLS) connection to the database could not be set up: {reason}.",
        "fr": "La connexion sécurisée (TLS) à la base n’a pas pu être établie : {reason}.",
    },
    "db_busy": {
        "en": "The database server has no free connection slot; try again in a moment.",
        "fr": "Le serveur de base de données n’a plus de connexion libre ; réessayez dans un instant.",
    },
    "db_error": {
        "en": "Cannot connect to the database: {reason}.",
        "fr": "Impossible de se connecter à la base : {reason}.",
    },
    "profile_not_found": {
        "en": "No active CRM profile has the email {email}.",
        "fr": "Aucun profil actif du CRM n’a l’adresse {email}.",
    },
    "profile_ambiguous": {
        "en": "Several CRM profiles have the email {email}; make it unique in the CRM first.",
        "fr": "Plusieurs profils du CRM ont l’adresse {email} ; rendez-la unique dans le CRM d’abord.",
    },
    "login_not_mapped": {
        "en": "The database login {login} is not mapped to a CRM profile, so it cannot import: ask the CRM's "
              "schema owner to run crm-importer db grant {login} --profile EMAIL.",
        "fr": "L’identifiant de connexion {login} n’est associé à aucun profil du CRM, il ne peut donc pas "
              "importer : demandez au propriétaire du schéma du CRM de lancer crm-importer db grant {login} "
              "--profile EMAIL.",
    },
    "login_profile_inactive": {
        "en": "The database login {login} is mapped to the profile {email}, which is not active in the CRM.",
        "fr": "L’identifiant de connexion {login} est associé au profil {email}, qui n’est pas actif dans le CRM.",
    },
    "as_mismatch": {
        "en": "The database login {login} acts as {profile}, not as {email}: leave --as out, or connect with "
              "{email}'s own login.",
        "fr": "L’identifiant de connexion {login} agit en tant que {profile}, pas en tant que {email} : retirez "
              "--as, ou connectez-vous avec l’identifiant de {email}.",
    },
    "as_required": {
        "en": "The database login {login} bypasses row-level security and is mapped to no CRM profile: say "
              "which profile imports with --as EMAIL (or give the login a mapping: crm-importer db grant).",
        "fr": "L’identifiant de connexion {login} contourne la sécurité par ligne et n’est associé à aucun "
              "profil du CRM : indiquez quel profil importe avec --as EMAIL (ou associez-lui un profil : "
              "crm-importer db grant).",
    },
    "declared_identity": {
        "en": "The database login {login} bypasses row-level security: the import will be recorded as {email}, "
              "which the database cannot verify.",
        "fr": "L’identifiant de connexion {login} contourne la sécurité par ligne : l’import sera enregistré au "
              "nom de {email}, ce que la base ne peut pas vérifier.",
    },
    "declared_refused": {
        "en": "This CRM refuses imports by logins that bypass row-level security, such as {login}: connect with "
              "an admin's own login (crm-importer db grant).",
        "fr": "Ce CRM refuse les imports par des identifiants qui contournent la sécurité par ligne, comme "
              "{login} : connectez-vous avec l’identifiant d’un administrateur (crm-importer db grant).",
    },
    "grant_done": {
        "en": "The database login {login} now acts as {email} ({role}) in this CRM.",
        "fr": "L’identifiant de connexion {login} agit désormais en tant que {email} ({role}) dans ce CRM.",
    },
    "grant_created": {
        "en": "Created the login {login} with the password below, shown once{saved}:\n{password}",
        "fr": "Identifiant de connexion {login} créé avec le mot de passe ci-dessous, affiché une seule "
              "fois{saved} :\n{password}",
    },
    "grant_saved": {
        "en": " (also saved in the system keyring)",
        "fr": " (également enregistré dans le trousseau du système)",
    },
    "grant_not_owner": {
        "en": "Only the owner of the CRM's crm-importer tables (the login that ran db migrate) can map logins to "
              "profiles; {login} is not: connect as the owner.",
        "fr": "Seul le propriétaire des tables de crm-importer dans le CRM (l’identifiant qui a lancé db "
              "migrate) peut associer des identifiants à des profils ; {login} ne l’est pas : connectez-vous en "
              "tant que propriétaire.",
    },
    "grant_failed": {
        "en": "The login {login} could not be set up: {reason}",
        "fr": "L’identifiant de connexion {login} n’a pas pu être préparé : {reason}",
    },
    "revoke_done": {
        "en": "The database login {login} no longer acts as a CRM profile (the login itself is kept).",
        "fr": "L’identifiant de connexion {login} n’agit plus en tant que profil du CRM (l’identifiant lui-même "
              "est conservé).",
    },
    "revoke_unknown": {
        "en": "The database login {login} was not mapped to a CRM profile: nothing changed.",
        "fr": "L’identifiant de connexion {login} n’était associé à aucun profil du CRM : rien n’a changé.",
    },
    "login_row": {
        "en": "{login} → {email} ({role}), {assurance}; granted {at} by {by}",
        "fr": "{login} → {email} ({role}), {assurance} ; associé le {at} par {by}",
    },
    "login_verified": {"en": "verified", "fr": "vérifié"},
    "login_declared": {
        "en": "declared (bypasses row-level security)",
        "fr": "déclaré (contourne la sécurité par ligne)",
    },
    "declared_allowed": {"en": "allowed", "fr": "autorisés"},
    "declared_refused_word": {"en": "refused", "fr": "refusés"},
    "logins_declared": {
        "en": "Imports by logins that bypass row-level security (recorded as declared): {policy}.",
        "fr": "Imports par des identifiants qui contournent la sécurité par ligne (enregistrés comme déclarés) : "
              "{policy}.",
    },
    "not_admin": {
        "en": "{email} is “{role}” in the CRM; only an admin can import or undo imports.",
        "fr": "{email} a le rôle « {role} » dans le CRM ; seul un administrateur peut importer ou "
        "annuler un import.",
    },
    "schema_missing": {
        "en": "The CRM database is not set up for crm-importer (schema version {found}, version {required} "
        "needed): run “crm-importer db migrate --db …” first.",
        "fr": "La base du CRM n’est pas préparée pour crm-importer (version du schéma {found}, version "
        "{required} requise) : lancez d’abord « crm-importer db migrate --db … ».",
    },
    "migration_failed": {
        "en": "Installing the crm-importer schema (version {version}) failed, nothing was changed: {reason}.",
        "fr": "L’installation du schéma crm-importer (version {version}) a échoué, rien n’a été modifié : "
        "{reason}.",
    },
    "bad_region": {
        "en": "“{region}” is not a country code known for phone numbers (use e.g. FR, BE, CH, US).",
        "fr": "« {region} » n’est pas un code pays connu pour les numéros de téléphone (par ex. FR, BE, "
        "CH, US).",
    },
    "display_libraries_missing": {
        "en": "The window cannot open: the X11 libraries {libraries} are missing; install them (Debian, Ubuntu: "
        "sudo apt install {apt}; Fedora: sudo dnf install {dnf}) and start crm-importer again.",
        "fr": "La fenêtre ne peut pas s’ouvrir : il manque les bibliothèques X11 {libraries} ; installez-les "
        "(Debian, Ubuntu : sudo apt install {apt} ; Fedora : sudo dnf install {dnf}) puis relancez crm-importer.",
    },
    "demo_unavailable": {
        "en": "The demo database cannot start: {reason}.",
        "fr": "La base de démonstration ne peut pas démarrer : {reason}.",
    },
    "demo_version_mismatch": {
        "en": "The demo data in {path} was made by PostgreSQL {data_version}, which is not available here; "
        "move that folder away to start a new demo database.",
        "fr": "Les données de démonstration de {path} ont été créées par PostgreSQL {data_version}, absent "
        "ici ; déplacez ce dossier pour créer une nouvelle base de démonstration.",
    },
}

# --- the command line ------------------------------------------------------------------------------------
_CLI: dict[str, dict[str, Template]] = {
    "date_order_by_region": {
        "en": "Every date in “{column}” reads both ways (day or month first): read as {format}, the usage of"
              " region {region}. To read them the other way, give the column {{\"field\": …, \"date_order\":"
              " \"mdy\"}} (or \"dmy\") in a --mapping file.",
        "fr": "Chaque date de « {column} » se lit dans les deux sens (jour ou mois en premier) : lues en {format},"
              " l’usage de la région {region}. Pour les lire dans l’autre sens, donnez à la colonne"
              " {{\"field\": …, \"date_order\": \"mdy\"}} (ou \"dmy\") dans un fichier --mapping.",
    },
    "sheet_chosen_active": {
        "en": "Sheet “{sheet}” read: the one the workbook opens on, with an email or phone column (--sheet NAME"
              " reads another).",
        "fr": "Feuille « {sheet} » lue : celle sur laquelle le classeur s’ouvre, avec une colonne e-mail ou"
              " téléphone (--sheet NOM en lit une autre).",
    },
    "sheet_chosen_first_visible": {
        "en": "Sheet “{sheet}” read: the first visible sheet with an email or phone column (--sheet NAME reads"
              " another).",
        "fr": "Feuille « {sheet} » lue : la première feuille visible avec une colonne e-mail ou téléphone"
              " (--sheet NOM en lit une autre).",
    },
    "sheet_chosen_hidden": {
        "en": "Sheet “{sheet}” read although it is hidden: no visible sheet has an email or phone column"
              " (--sheet NAME reads another).",
        "fr": "Feuille « {sheet} » lue bien qu’elle soit masquée : aucune feuille visible n’a de colonne e-mail"
              " ou téléphone (--sheet NOM en lit une autre).",
    },
    "header_below_title": {
        "en": "Header read on row {row}: the rows above it are a title or notes (--header-row N reads another).",
        "fr": "En-tête lu à la ligne {row} : les lignes au-dessus sont un titre ou des notes (--header-row N en"
              " lit une autre).",
    },
    "placeholders_read_as_empty": {
        "en": {
            "one": "{count} cell of “{field}” held a placeholder ({examples}…), read as empty.",
            "other": "{count} cells of “{field}” held a placeholder ({examples}…), read as empty.",
        },
        "fr": {
            "one": "{count} cellule de « {field} » contenait une valeur de remplissage ({examples}…), lue comme"
                   " vide.",
            "other": "{count} cellules de « {field} » contenaient une valeur de remplissage ({examples}…), lues"
                     " comme vides.",
        },
    },
    # The counts say the same words as the GUI's cards, --json's keys and README (Counts): valid rows include
    # the duplicates in the file; rows to import = valid − duplicates in the file.
    "validate_summary": {
        "en": "Rows in the file: {total}; to import: {ready}; duplicates in the file: {dups}; invalid: {invalid} "
              "(valid: {valid}, duplicates in the file included).",
        "fr": "Lignes du fichier : {total} ; à importer : {ready} ; doublons dans le fichier : {dups} ; "
              "invalides : {invalid} (valides : {valid}, doublons dans le fichier compris).",
    },
    "report_hint": {
        "en": "The invalid rows and why: crm-importer validate … --report errors.xlsx (or .csv) writes them for "
              "whoever sent the file.",
        "fr": "Les lignes invalides et pourquoi : crm-importer validate … --report erreurs.xlsx (ou .csv) les "
              "écrit pour l’expéditeur du fichier.",
    },
    "job_started": {
        "en": "Job {job_id} ({file}); if it stops: crm-importer resume {job_id}",
        "fr": "Traitement {job_id} ({file}) ; s’il s’arrête : crm-importer resume {job_id}",
    },
    "progress_line": {
        "en": "{phase}: {rows} of {total} rows ({percent} %), {rate} rows/s",
        "fr": "{phase} : {rows} sur {total} lignes ({percent} %), {rate} lignes/s",
    },
    "report_written": {"en": "Report: {path}", "fr": "Rapport : {path}"},
    "interrupted": {
        "en": "Interrupted; resume with: crm-importer resume {job_id}",
        "fr": "Interrompu ; reprenez avec : crm-importer resume {job_id}",
    },
    "stopping": {
        "en": "Stopping after the current batch (Ctrl+C again to stop at once)…",
        "fr": "Arrêt après le lot en cours (Ctrl+C de nouveau pour arrêter tout de suite)…",
    },
    "interrupted_validation": {
        "en": "Interrupted; run the same command again to continue where it stopped.",
        "fr": "Interrompu ; relancez la même commande pour reprendre là où elle s’est arrêtée.",
    },
    "unexpected": {
        "en": "Unexpected error: {error} (run with --debug for details).",
        "fr": "Erreur inattendue : {error} (relancez avec --debug pour les détails).",
    },
    "no_jobs": {"en": "No imports yet.", "fr": "Aucun import pour l’instant."},
    "import_summary": {
        "en": "Import {job_id} {status_word}: created: {imported}; updated: {updated}; already in the CRM: "
              "{skipped}; duplicates in the file: {dups}; invalid: {invalid}; rejected by the CRM: {rejected}; "
              "in {seconds:.1f} s.",
        "fr": "Import {job_id} {status_word} : créés : {imported} ; mis à jour : {updated} ; déjà dans le CRM : "
              "{skipped} ; doublons dans le fichier : {dups} ; invalides : {invalid} ; rejetés par le CRM : "
              "{rejected} ; en {seconds:.1f} s.",
    },
    "undo_summary": {
        "en": "Undone: {deleted} leads removed, {restored} restored, {kept} kept because they were edited since.",
        "fr": "Annulé : {deleted} leads supprimés, {restored} restaurés, {kept} conservés car modifiés depuis.",
    },
    "undo_referenced": {
        "en": {
            "one": "{count} lead kept because other CRM records refer to it (crm-importer undo --json lists it).",
            "other": "{count} leads kept because other CRM records refer to them (crm-importer undo --json lists "
            "them).",
        },
        "fr": {
            "one": "{count} lead conservé car d’autres fiches du CRM y font référence (crm-importer undo --json "
            "le liste).",
            "other": "{count} leads conservés car d’autres fiches du CRM y font référence (crm-importer undo "
            "--json les liste).",
        },
    },
    "migrated": {
        "en": "Schema up to date (version {version}); applied: {applied}.",
        "fr": "Schéma à jour (version {version}) ; appliqué : {applied}.",
    },
    "migration_script_written": {
        "en": "Migration script written to {path} (nothing was changed in the database).",
        "fr": "Script de migration écrit dans {path} (rien n’a été modifié dans la base).",
    },
    "unknown_owners": {
        "en": {
            "one": "{count} owner matches no active CRM profile ({owners}): {then}.",
            "other": "{count} owners match no active CRM profile ({owners}): {then}.",
        },
        "fr": {
            "one": "{count} responsable ne correspond à aucun profil actif du CRM ({owners}) : {then}.",
            "other": "{count} responsables ne correspondent à aucun profil actif du CRM ({owners}) : {then}.",
        },
    },
    "owners_unassigned": {
        "en": "their leads stay unassigned (--unknown-owner user:EMAIL to give them to someone)",
        "fr": "leurs leads restent non attribués (--unknown-owner user:EMAIL pour les confier à quelqu’un)",
    },
    "owners_to_fallback": {
        "en": "their leads go to {user}",
        "fr": "leurs leads sont attribués à {user}",
    },
    "password_prompt": {"en": "Password for {where}: ", "fr": "Mot de passe de {where} : "},
    "remember_password": {
        "en": "Remember the password of {where} in the system keyring? [y/N] ",
        "fr": "Garder le mot de passe de {where} dans le trousseau du système ? [o/N] ",
    },
    "demo_ready": {
        "en": "Demo CRM running. DSN: {dsn}\nAdmin profile: {admin}\nPress Ctrl+C to stop it.",
        "fr": "CRM de démonstration démarré. DSN : {dsn}\nProfil administrateur : {admin}\nCtrl+C pour l’arrêter.",
    },
}

#: What the engine reports it is doing (``Progress.phase``), as the CLI's progress line names it.
PHASES = ("hashing", "validating", "deduplicating", "committing", "reconnecting", "reporting", "undoing")
_PHASES: dict[str, dict[str, Template]] = {
    "phase_hashing": {"en": "Hashing", "fr": "Empreinte"},
    "phase_validating": {"en": "Validating", "fr": "Validation"},
    "phase_deduplicating": {"en": "Duplicates", "fr": "Doublons"},
    "phase_committing": {"en": "Importing", "fr": "Import"},
    "phase_reconnecting": {"en": "Reconnecting", "fr": "Reconnexion"},
    "phase_reporting": {"en": "Report", "fr": "Rapport"},
    "phase_undoing": {"en": "Undoing", "fr": "Annulation"},
}

# --- the error report's headings -------------------------------------------------------------------------
_REPORT: dict[str, dict[str, Template]] = {
    "report_heading_row": {"en": "Row", "fr": "Ligne"},
    "report_heading_reasons": {"en": "Reasons", "fr": "Motifs"},
    "report_heading_extra": {"en": "Extra cells", "fr": "Cellules en trop"},
}


# --- db migrate: the plan and what stops it (issue 12) ----------------------------------------------------
_PLAN: dict[str, dict[str, Template]] = {
    "plan_up_to_date": {
        "en": "The crm-importer schema is up to date (version {version}): nothing to change.",
        "fr": "Le schéma crm-importer est à jour (version {version}) : rien à modifier.",
    },
    "plan_heading": {
        "en": {"one": "Schema version {found} → {version}: {count} change, in one transaction.",
               "other": "Schema version {found} → {version}: {count} changes, in one transaction."},
        "fr": {"one": "Version du schéma {found} → {version} : {count} modification, en une transaction.",
               "other": "Version du schéma {found} → {version} : {count} modifications, en une transaction."},
    },
    "plan_notes_heading": {
        "en": "Noted, not changed (what the app has is kept; the SQL is for you to decide):",
        "fr": "Constaté, non modifié (ce que l’application a est gardé ; le SQL est à votre décision) :",
    },
    "plan_create_settings": {
        "en": "Create the table crm_importer_settings (the CRM's phone region and the names the importer adopted).",
        "fr": "Créer la table crm_importer_settings (la région téléphonique du CRM et les noms adoptés par "
              "l’importateur).",
    },
    "plan_create_profiles": {
        "en": "Create the table profiles (the CRM's users: email, name, role, active).",
        "fr": "Créer la table profiles (les utilisateurs du CRM : email, nom, rôle, actif).",
    },
    "plan_add_columns": {
        "en": "Add to {table} the columns the importer needs and it lacks: {columns} (nullable or with a "
              "default: existing rows are not touched).",
        "fr": "Ajouter à {table} les colonnes dont l’importateur a besoin et qui lui manquent : {columns} "
              "(vides ou avec une valeur par défaut : les lignes existantes ne sont pas modifiées).",
    },
    "plan_create_import_jobs": {
        "en": "Create the table import_jobs (one row per import: file, counts, status, who).",
        "fr": "Créer la table import_jobs (une ligne par import : fichier, comptes, statut, auteur).",
    },
    "plan_comment_status": {
        "en": "Describe import_jobs.crm_importer_status: the importer's own state of a job, beside the app's "
              "status.",
        "fr": "Décrire import_jobs.crm_importer_status : l’état d’un import selon l’importateur, à côté du "
              "statut de l’application.",
    },
    "plan_index": {
        "en": "Create the index {index} on {table}.",
        "fr": "Créer l’index {index} sur {table}.",
    },
    "plan_adopt_status": {
        "en": "import_jobs.status only takes {allowed}: the importer writes its statuses as {words} and "
              "keeps its own in crm_importer_status.",
        "fr": "import_jobs.status n’accepte que {allowed} : l’importateur y écrit ses statuts ainsi : {words}, "
              "et garde les siens dans crm_importer_status.",
    },
    "plan_create_leads": {
        "en": "Create the table leads.",
        "fr": "Créer la table leads.",
    },
    "plan_index_unique_row": {
        "en": "Create the unique index leads_import_job_row_key on leads (import_job_id, import_row): a file "
              "row is never imported twice.",
        "fr": "Créer l’index unique leads_import_job_row_key sur leads (import_job_id, import_row) : une ligne "
              "de fichier n’est jamais importée deux fois.",
    },
    "plan_adopt_owner": {
        "en": "The leads' owner is the app's column {column} (it points to profiles): assignments go there, "
              "no column is added.",
        "fr": "Le responsable d’un lead est la colonne {column} de l’application (elle pointe vers profiles) : "
              "les attributions y vont, aucune colonne n’est ajoutée.",
    },
    "plan_create_history": {
        "en": "Create the table lead_history (one row per lead created, updated or undone by an import).",
        "fr": "Créer la table lead_history (une ligne par lead créé, mis à jour ou annulé par un import).",
    },
    "plan_adopt_history": {
        "en": "lead_history is written with the app's columns: {columns}.",
        "fr": "lead_history est écrite avec les colonnes de l’application : {columns}.",
    },
    "plan_history_cascades": {
        "en": "lead_history rows are deleted with their lead (ON DELETE CASCADE): when an undo removes a lead, "
              "its undo record is kept in crm_importer_events, linked to the import and the lead's id.",
        "fr": "Les lignes de lead_history sont supprimées avec leur lead (ON DELETE CASCADE) : quand une "
              "annulation supprime un lead, sa trace est gardée dans crm_importer_events, liée à l’import et à "
              "l’identifiant du lead.",
    },
    "plan_create_batches": {
        "en": "Create the table import_batches (the commit ledger: one row per committed batch, so that none "
              "is imported twice).",
        "fr": "Créer la table import_batches (le registre des lots : une ligne par lot validé, pour qu’aucun ne "
              "soit importé deux fois).",
    },
    "plan_create_events": {
        "en": "Create the table crm_importer_events (undo records of leads whose history the CRM deletes with "
              "them).",
        "fr": "Créer la table crm_importer_events (traces d’annulation des leads dont le CRM supprime "
              "l’historique avec eux).",
    },
    "plan_create_ledger": {
        "en": "Create the table crm_importer_migrations (the schema versions applied).",
        "fr": "Créer la table crm_importer_migrations (les versions du schéma appliquées).",
    },
    "plan_function_phone": {
        "en": "Create or replace the function crm_phone_e164(phone, calling code) that the phone match index "
              "uses.",
        "fr": "Créer ou remplacer la fonction crm_phone_e164(téléphone, indicatif) qu’utilise l’index de "
              "recherche des téléphones.",
    },
    "plan_function_profile": {
        "en": "Create or replace the function crm_current_profile_id(): the acting CRM profile is the one the "
              "database login is mapped to (Supabase's API: the verified JWT), never a setting a session chooses.",
        "fr": "Créer ou remplacer la fonction crm_current_profile_id() : le profil du CRM qui agit est celui "
              "associé à l’identifiant de connexion (API de Supabase : le JWT vérifié), jamais un réglage choisi "
              "par la session.",
    },
    "plan_function_whoami": {
        "en": "Create or replace the function crm_importer_whoami() (this login and the profile it is mapped to).",
        "fr": "Créer ou remplacer la fonction crm_importer_whoami() (cet identifiant de connexion et le profil "
              "qui lui est associé).",
    },
    "plan_policy_history_insert": {
        "en": "Let CRM admins add an import's rows to lead_history and remove them when it is undone (two "
              "policies of the importer's, for admins and imported rows only; the app's policies are kept).",
        "fr": "Permettre aux administrateurs du CRM d’ajouter les lignes d’un import à lead_history et de les "
              "retirer quand il est annulé (deux règles d’accès de l’importeur, réservées aux administrateurs et "
              "aux lignes importées ; celles de l’application sont conservées).",
    },
    "plan_create_logins": {
        "en": "Create the table crm_importer_logins (which CRM profile each database login acts as; only its "
              "owner reads or writes it: crm-importer db grant).",
        "fr": "Créer la table crm_importer_logins (le profil du CRM de chaque identifiant de connexion ; seul "
              "son propriétaire la lit ou l’écrit : crm-importer db grant).",
    },
    "plan_settings_identity": {
        "en": "Allow imports by logins that bypass row-level security, recorded as declared (an admin may "
              "refuse them: crm-importer db logins --declared refuse).",
        "fr": "Autoriser les imports par des identifiants qui contournent la sécurité par ligne, enregistrés "
              "comme déclarés (un administrateur peut les refuser : crm-importer db logins --declared refuse).",
    },
    "plan_function_role": {
        "en": "Create or replace the function crm_importer_role() (SECURITY DEFINER, fixed search_path) that "
              "the import tables' policies call: they cannot recurse through the policies of profiles.",
        "fr": "Créer ou remplacer la fonction crm_importer_role() (SECURITY DEFINER, search_path fixé) "
              "qu’appellent les règles d’accès des tables d’import : elles ne peuvent pas boucler sur celles "
              "de profiles.",
    },
    "plan_function_get_user_role": {
        "en": "Create the function get_user_role() (the CRM has none), SECURITY DEFINER with a fixed "
              "search_path.",
        "fr": "Créer la fonction get_user_role() (le CRM n’en a pas), SECURITY DEFINER avec un search_path "
              "fixé.",
    },
    "plan_role_invoker": {
        "en": "The app's get_user_role() is not SECURITY DEFINER: it is kept as it is (the importer uses its "
              "own crm_importer_role()), but a policy of profiles that calls it recurses (error 42P17). To fix "
              "it:",
        "fr": "La fonction get_user_role() de l’application n’est pas SECURITY DEFINER : elle est gardée telle "
              "quelle (l’importateur utilise sa propre crm_importer_role()), mais une règle de profiles qui "
              "l’appelle boucle (erreur 42P17). Pour la corriger :",
    },
    "plan_role_no_path": {
        "en": "The app's get_user_role() is SECURITY DEFINER without a fixed search_path: a user who can "
              "create objects could make it run their own code. It is kept as it is; to fix it:",
        "fr": "La fonction get_user_role() de l’application est SECURITY DEFINER sans search_path fixé : un "
              "utilisateur qui peut créer des objets pourrait lui faire exécuter son code. Elle est gardée telle "
              "quelle ; pour la corriger :",
    },
    "plan_role_kept": {
        "en": "The app's get_user_role() (returning {returns}) is kept as it is.",
        "fr": "La fonction get_user_role() de l’application (qui renvoie {returns}) est gardée telle quelle.",
    },
    "plan_adopt_index": {
        "en": "The app's index on lower({column}) serves the {column} match: no index is added (a stored value "
              "with spaces around it is not matched).",
        "fr": "L’index de l’application sur lower({column}) sert la recherche par {column} : aucun index n’est "
              "ajouté (une valeur enregistrée entourée d’espaces n’est pas retrouvée).",
    },
    "plan_index_not_adopted": {
        "en": {"one": "The app's index on lower({column}) is kept but cannot serve the match: {count} lead has "
                      "a {column} with spaces around it, which it would not find.",
               "other": "The app's index on lower({column}) is kept but cannot serve the match: {count} leads "
                        "have a {column} with spaces around it, which it would not find."},
        "fr": {"one": "L’index de l’application sur lower({column}) est gardé mais ne peut pas servir la "
                      "recherche : {count} lead a un {column} entouré d’espaces, qu’il ne trouverait pas.",
               "other": "L’index de l’application sur lower({column}) est gardé mais ne peut pas servir la "
                        "recherche : {count} leads ont un {column} entouré d’espaces, qu’il ne trouverait pas."},
    },
    "plan_index_match": {
        "en": "Create the index leads_{column}_key_idx on lower(btrim({column})), so duplicates are found "
              "whatever the case and spaces.",
        "fr": "Créer l’index leads_{column}_key_idx sur lower(btrim({column})), pour trouver les doublons quelles "
              "que soient la casse et les espaces.",
    },
    "plan_index_phone": {
        "en": "Create the index leads_phone_key_idx on the leads' phone numbers in E.164 form (calling code "
              "{cc}), so “06 12 …” and “+33 6 12 …” match.",
        "fr": "Créer l’index leads_phone_key_idx sur les téléphones des leads au format E.164 (indicatif {cc}), "
              "pour que « 06 12 … » et « +33 6 12 … » se retrouvent.",
    },
    "plan_phone_index_kept": {
        "en": "The app's index on leads.phone compares numbers as typed: it is kept, and the E.164 index is "
              "added beside it for the match.",
        "fr": "L’index de l’application sur leads.phone compare les numéros tels que saisis : il est gardé, et "
              "l’index E.164 est ajouté à côté pour la recherche des doublons.",
    },
    "plan_settings_region": {
        "en": "Record the CRM's phone region {region} (calling code {cc}), unless one is recorded.",
        "fr": "Enregistrer la région téléphonique du CRM {region} (indicatif {cc}), si aucune ne l’est.",
    },
    "plan_adopt_trigger": {
        "en": "The app's trigger {trigger} already keeps leads.updated_at: no trigger is added.",
        "fr": "Le déclencheur {trigger} de l’application tient déjà leads.updated_at à jour : aucun "
              "déclencheur n’est ajouté.",
    },
    "plan_trigger": {
        "en": "Create a trigger that sets leads.updated_at on every update (undo tells edited leads by it).",
        "fr": "Créer un déclencheur qui met à jour leads.updated_at à chaque modification (l’annulation "
              "reconnaît ainsi les leads modifiés).",
    },
    "plan_policies_replace": {
        "en": "Replace the access policies of {table} ({policies}, which read profiles and recurse) by "
              "admin-only policies through crm_importer_role().",
        "fr": "Remplacer les règles d’accès de {table} ({policies}, qui lisent profiles et bouclent) par des "
              "règles réservées aux administrateurs, via crm_importer_role().",
    },
    "plan_policies": {
        "en": "Switch on row-level security on {table} with admin-only policies through crm_importer_role().",
        "fr": "Activer la sécurité au niveau des lignes sur {table}, réservée aux administrateurs via "
              "crm_importer_role().",
    },
    "plan_policies_read_only": {
        "en": "Make {table} readable by everyone and writable only by the migration.",
        "fr": "Rendre {table} lisible par tous et modifiable seulement par la migration.",
    },
    "plan_revoke_functions": {
        "en": "Allow the importer's functions ({functions}) to signed-in users only, not to anon.",
        "fr": "Réserver les fonctions de l’importateur ({functions}) aux utilisateurs connectés, pas à anon.",
    },
    "plan_revoke_tables": {
        "en": "Take every privilege on the import tables ({tables}) from anon, and TRUNCATE (which row-level "
              "security does not cover) from authenticated.",
        "fr": "Retirer à anon tout droit sur les tables d’import ({tables}), et à authenticated le droit "
              "TRUNCATE (que la sécurité au niveau des lignes ne couvre pas).",
    },
    "plan_grant_tables": {
        "en": "Let signed-in users (authenticated) use the tables created now ({tables}); their policies keep "
              "the rows to admins.",
        "fr": "Ouvrir aux utilisateurs connectés (authenticated) les tables créées maintenant ({tables}) ; leurs "
              "règles d’accès réservent les lignes aux administrateurs.",
    },
    "plan_settings_names": {
        "en": "Record the names the importer uses: owner {owner}; history event {event}, actor {actor}, "
              "changes {changes}.",
        "fr": "Enregistrer les noms qu’utilise l’importateur : responsable {owner} ; historique : événement "
              "{event}, auteur {actor}, changements {changes}.",
    },
    "plan_record_version": {
        "en": "Record schema version {version}.",
        "fr": "Enregistrer la version {version} du schéma.",
    },
    "migrate_profiles_no_email": {
        "en": "The table profiles has no email column: crm-importer signs admins in by email; add one "
              "(e.g. copied from auth.users) and run db migrate again. Nothing was changed.",
        "fr": "La table profiles n’a pas de colonne email : crm-importer identifie les administrateurs par "
              "email ; ajoutez-en une (par ex. copiée de auth.users) puis relancez db migrate. Rien n’a été "
              "modifié.",
    },
    "migrate_profiles_no_role": {
        "en": "The table profiles has no role column: crm-importer lets admins only import; add one and run "
              "db migrate again. Nothing was changed.",
        "fr": "La table profiles n’a pas de colonne role : crm-importer ne laisse importer que les "
              "administrateurs ; ajoutez-en une puis relancez db migrate. Rien n’a été modifié.",
    },
    "migrate_vocabulary": {
        "en": "{table}.{column} only takes {allowed}, and none stands for what the importer writes as {needed}: "
              "allow such a value and run db migrate again. Nothing was changed.",
        "fr": "{table}.{column} n’accepte que {allowed}, et aucune ne correspond à ce que l’importateur écrit "
              "({needed}) : autorisez une telle valeur puis relancez db migrate. Rien n’a été modifié.",
    },
    "migrate_required_column": {
        "en": "{table}.{column} is required and has no default, and the importer does not fill it: give it a "
              "default or make it nullable, then run db migrate again. Nothing was changed.",
        "fr": "{table}.{column} est obligatoire, sans valeur par défaut, et l’importateur ne la remplit pas : "
              "donnez-lui une valeur par défaut ou rendez-la facultative, puis relancez db migrate. Rien n’a "
              "été modifié.",
    },
    "migrate_owner_ambiguous": {
        "en": "Several columns of leads point to profiles ({columns}): say which one holds the lead's owner "
              "with --owner-column NAME. Nothing was changed.",
        "fr": "Plusieurs colonnes de leads pointent vers profiles ({columns}) : indiquez celle du responsable "
              "du lead avec --owner-column NOM. Rien n’a été modifié.",
    },
    "migrate_owner_not_profile": {
        "en": "leads.{column} does not point to profiles, so it cannot hold the owner: choose a column that "
              "references profiles(id). Nothing was changed.",
        "fr": "leads.{column} ne pointe pas vers profiles, elle ne peut donc pas désigner le responsable : "
              "choisissez une colonne qui référence profiles(id). Rien n’a été modifié.",
    },
    "migrate_owner_unknown": {
        "en": "leads has no column {column}. Nothing was changed.",
        "fr": "leads n’a pas de colonne {column}. Rien n’a été modifié.",
    },
    "migrate_history_no_lead": {
        "en": "{table} has no lead_id column, so the importer cannot record which lead an event is about: add "
              "one and run db migrate again. Nothing was changed.",
        "fr": "{table} n’a pas de colonne lead_id : l’importateur ne peut pas y noter le lead concerné ; "
              "ajoutez-en une puis relancez db migrate. Rien n’a été modifié.",
    },
    "migrate_function_incompatible": {
        "en": "The CRM already has a function {function} returning {found} where crm-importer needs {needed}: "
              "rename or drop it, then run db migrate again. Nothing was changed.",
        "fr": "Le CRM a déjà une fonction {function} qui renvoie {found} là où crm-importer a besoin de "
              "{needed} : renommez-la ou supprimez-la, puis relancez db migrate. Rien n’a été modifié.",
    },
    "plan_changed": {
        "en": "The CRM database changed since the plan was read (someone altered it, or another migration ran): "
              "nothing was changed; read the new plan before applying it.",
        "fr": "La base du CRM a changé depuis la lecture du plan (quelqu’un l’a modifiée, ou une autre migration "
              "a eu lieu) : rien n’a été modifié ; lisez le nouveau plan avant de l’appliquer.",
    },
}

def _catalogue(*parts: dict[str, dict[str, Template]]) -> dict[str, dict[str, Template]]:
    merged: dict[str, dict[str, Template]] = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"message codes defined twice: {sorted(clash)}")
        merged.update(part)
    return merged


MESSAGES = _catalogue(_ENGINE, _CRM, _CLI, _PHASES, _REPORT, _PLAN)


def plural_category(lang: str, n: float) -> str:
    """``one`` or ``other`` for the number ``n`` (CLDR: French ``one`` is 0 ≤ n < 2, English n = 1)."""
    if lang == "fr":
        return "one" if 0 <= n < 2 else "other"
    return "one" if n == 1 else "other"


def template(code: str, lang: str = DEFAULT_LANG, count: float | None = None) -> str | None:
    """The template of ``code`` in ``lang`` (English when missing), its plural form chosen by ``count``."""
    texts = MESSAGES.get(code)
    if texts is None:
        return None
    chosen = texts.get(lang) or texts[DEFAULT_LANG]
    if isinstance(chosen, dict):
        form = plural_category(lang, count) if count is not None else "other"
        return chosen.get(form) or chosen["other"]
    return chosen


def message(code: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The sentence for ``code`` in ``lang`` (``fr`` or ``en``), placeholders filled in; an unknown code is
    returned as it is, a template missing a parameter unfilled (the user still reads a sentence)."""
    count = params.get("count")
    if "status" in params and "status_word" not in params:
        status = str(params["status"])
        params = {**params, "status_word": message(f"job_status_{status}", lang) if template(
            f"job_status_{status}") else status}
    chosen = template(code, lang, count if isinstance(count, int | float) else None)
    if chosen is None:
        return code
    try:
        return chosen.format(**params)
    except (KeyError, IndexError):
        return chosen
