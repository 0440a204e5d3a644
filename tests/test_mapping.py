"""Column mapping: SPEC 4 aliases, fuzzy matching without false positives, and the SPEC 10 JSON shape."""

from __future__ import annotations

import json
import os

import pytest

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.fields import FIELD_NAMES
from crm_importer.engine.mapping import (
    ALIASES,
    ColumnMapping,
    auto_map,
    fold,
    guess_field,
    load_mapping_file,
    save_mapping_file,
)

#: SPEC 4 (and the brief that details it): every one of these must map, exactly.
SPEC_EXAMPLES: dict[str, tuple[str, ...]] = {
    "first_name": ("Prénom", "First Name", "Firstname", "Given name"),
    "last_name": ("Nom", "NOM", "Last Name", "Nom de famille", "Surname"),
    "email": (
        "E-mail", "Email", "Email Address", "Courriel", "Adresse e-mail", "Mail", "Adresse mail",
    ),
    "phone": (
        "Téléphone", "Tél.", "Tél. portable", "Portable", "Mobile", "Mobile Phone", "Phone", "Phone Number",
        "GSM", "Numéro de téléphone",
    ),
    "company": (
        "Société", "Entreprise", "Raison sociale", "Company", "Company Name", "Organisation", "Organization",
    ),
    "job_title": ("Fonction", "Poste", "Job Title", "Title", "Titre"),
    "city": ("Ville", "City", "Town"),
    "postal_code": ("Code postal", "CP", "Zip", "ZIP code", "Postal Code", "Postcode"),
    "country": ("Pays", "Country"),
    "source": ("Source", "Lead Source", "Origine", "Provenance"),
    "external_id": ("Identifiant externe", "ID externe", "External ID", "Ext ID", "Réf. client"),
    "notes": ("Commentaire", "Commentaires", "Notes", "Note", "Remarques", "Comments"),
    "owner": (
        "Propriétaire", "Commercial", "Responsable", "Assigné à", "Owner", "Lead Owner", "Sales Rep",
        "Account Owner",
    ),
}

#: Headers found next to lead data that belong to no CRM field; a guess here would corrupt the import.
UNRELATED_HEADERS = (
    "Date", "Montant", "Statut", "Status", "Age", "Âge", "Genre", "Sexe", "Civilité", "Date de naissance",
    "Chiffre d'affaires", "Site web", "Website", "LinkedIn", "Identifiant LinkedIn", "Adresse", "Adresse 2",
    "Région", "Département", "Secteur d'activité", "Effectif", "Employees", "SIRET", "Newsletter",
    "Consentement RGPD", "Score", "Langue", "Created at", "Fax", "Numéro de fax", "Campagne", "Contact",
    "Client", "Paye", "Mobilité", "Titre de civilité", "Ville de naissance", "Pays de naissance",
    "Owner ID", "Company ID", "Email opt out", "Adresse société", "Date de création", "Budget", "Type",
    "Villa", "Porte", "Commerce",
)


def _cases(table: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(header, field) for field, headers in table.items() for header in headers]


# --- fold ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Adresse E-mail ", "adresseemail"),
        ("Tél. portable", "telportable"),
        ("N° client", "noclient"),
        ("Nº client", "noclient"),
        ("  PRÉNOM  ", "prenom"),
        ("Code_postal", "codepostal"),
        ("Raison  sociale\t", "raisonsociale"),
        ("Cœur", "coeur"),
        ("ＥＭＡＩＬ", "email"),
        ("Email 2", "email2"),
        ("---", ""),
        ("", ""),
    ],
)
def test_fold_drops_case_accents_spaces_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_aliases_cover_every_field_and_no_alias_is_shared() -> None:
    assert set(ALIASES) == set(FIELD_NAMES)
    seen: dict[str, str] = {}
    for field, aliases in ALIASES.items():
        for alias in aliases:
            assert seen.setdefault(fold(alias), field) == field, alias


# --- guess_field ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "field"), _cases(SPEC_EXAMPLES))
def test_spec_examples_map_exactly(header: str, field: str) -> None:
    assert guess_field(header) == (field, 1.0)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("PRÉNOM", "first_name"),
        ("prenom", "first_name"),
        ("first_name", "first_name"),
        ("E_MAIL", "email"),
        ("e.mail", "email"),
        ("E mail", "email"),
        ("EMAIL ADDRESS", "email"),
        ("adresse-e-mail", "email"),
        ("Courriél", "email"),
        ("TELEPHONE", "phone"),
        ("Tel", "phone"),
        ("Tél", "phone"),
        ("tel.portable", "phone"),
        ("SOCIETE", "company"),
        ("Societe ", "company"),
        ("raison_sociale", "company"),
        ("code-postal", "postal_code"),
        ("C.P.", "postal_code"),
        ("Zip Code", "postal_code"),
        ("PAYS", "country"),
        ("Réf client", "external_id"),
        ("REF. CLIENT", "external_id"),
        ("assigne a", "owner"),
    ],
)
def test_case_accent_and_punctuation_variants_match_exactly(header: str, field: str) -> None:
    assert guess_field(header) == (field, 1.0)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Adresse email pro", "email"),
        ("E-mail professionnel", "email"),
        ("Email perso", "email"),
        ("Email 2", "email"),
        ("emailaddress1", "email"),
        ("Email entreprise", "email"),
        ("Telephone portable", "phone"),
        ("Téléphone fixe", "phone"),
        ("telephonemobile", "phone"),
        ("Tél mobile", "phone"),
        ("Téléphone 1", "phone"),
        ("Home phone", "phone"),
        ("Phone (work)", "phone"),
        ("Numéro de portable", "phone"),
        ("Téléphone société", "phone"),
        ("Company Phone", "phone"),
        ("Prénom du contact", "first_name"),
        ("Last name (contact)", "last_name"),
        ("Nom de la société", "company"),
        ("Nom entreprise", "company"),
        ("Fonction du contact", "job_title"),
        ("Ville société", "city"),
        ("Code postal société", "postal_code"),
        ("Origine du contact", "source"),
        ("ID client", "external_id"),
        ("N° client", "external_id"),
        ("Commentaire interne", "notes"),
        ("Owner Email", "owner"),
        ("Email du commercial", "owner"),
        ("Nom du commercial", "owner"),
        ("Propriétaire du lead", "owner"),
    ],
)
def test_real_world_variants_map(header: str, field: str) -> None:
    guessed, confidence = guess_field(header)
    assert guessed == field
    assert 0.8 <= confidence <= 1.0


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Telephon", "phone"),
        ("Téléphones", "phone"),
        ("Emails", "email"),
        ("Adresse emial", "email"),
        ("Prenon", "first_name"),
        ("Compnay", "company"),
        ("Entrprise", "company"),
        ("Foncton", "job_title"),
        ("Codepostale", "postal_code"),
        ("Commentair", "notes"),
    ],
)
def test_typos_map_with_less_than_full_confidence(header: str, field: str) -> None:
    guessed, confidence = guess_field(header)
    assert guessed == field
    assert 0.8 <= confidence < 1.0


@pytest.mark.parametrize("header", UNRELATED_HEADERS)
def test_unrelated_headers_stay_unmapped(header: str) -> None:
    assert guess_field(header) == (None, 0.0)


@pytest.mark.parametrize("header", ["Name", "Nom complet", "Full Name", "Prénom Nom", "Nom Prénom"])
def test_whole_name_columns_are_left_to_the_user(header: str) -> None:
    assert guess_field(header) == (None, 0.0)


@pytest.mark.parametrize("header", ["", "   ", "---", "#", "(*)", "…"])
def test_empty_or_punctuation_headers_never_map(header: str) -> None:
    assert guess_field(header) == (None, 0.0)


def test_pays_does_not_drift_to_paye_and_back() -> None:
    assert guess_field("Pays") == ("country", 1.0)
    assert guess_field("Paye") == (None, 0.0)


# --- auto_map -------------------------------------------------------------------------------------------


def test_auto_map_french_export() -> None:
    headers = [
        "Civilité", "Prénom", "Nom", "Société", "Fonction", "Adresse e-mail", "Tél. portable", "Adresse",
        "Code postal", "Ville", "Pays", "Origine", "Réf. client", "Commentaires", "Commercial", "Date",
    ]
    assert auto_map(headers) == [
        None, "first_name", "last_name", "company", "job_title", "email", "phone", None,
        "postal_code", "city", "country", "source", "external_id", "notes", "owner", None,
    ]


def test_auto_map_english_export() -> None:
    headers = [
        "Lead ID", "First Name", "Last Name", "Title", "Company Name", "Email Address", "Mobile Phone",
        "Street", "City", "Zip", "Country", "Lead Source", "Lead Owner", "Notes", "Annual Revenue",
    ]
    assert auto_map(headers) == [
        "external_id", "first_name", "last_name", "job_title", "company", "email", "phone",
        None, "city", "postal_code", "country", "source", "owner", "notes", None,
    ]


def test_auto_map_unknown_headers_stay_unmapped() -> None:
    assert auto_map(["Montant", "Statut", "Date", "Score"]) == [None, None, None, None]
    assert auto_map([]) == []


def test_duplicate_headers_use_each_field_once_leftmost_first() -> None:
    assert auto_map(["Email", "Email"]) == ["email", None]
    # The phone is the exception: several columns feed it (the first non-empty, see phone_columns).
    assert auto_map(["Téléphone", "Email", "Téléphone"]) == ["phone", "email", "phone"]


def test_exact_match_beats_an_earlier_inferred_one() -> None:
    assert auto_map(["Email perso", "Email"]) == [None, "email"]
    assert auto_map(["Telephon", "Phone"]) == [None, "phone"]


def test_surer_inferred_match_wins() -> None:
    # "Adresse email pro" contains a long alias (0.96); "Emails" is a one-letter typo (0.91).
    assert auto_map(["Emails", "Adresse email pro"]) == [None, "email"]


# --- ColumnMapping --------------------------------------------------------------------------------------


def test_column_mapping_auto_and_accessors() -> None:
    mapping = ColumnMapping.auto(["Prénom", "Montant", "Email", "Email"])
    assert mapping.fields == ["first_name", None, "email", None]
    assert mapping.field_columns() == {"first_name": 0, "email": 2}
    assert mapping.has_contact()
    assert not ColumnMapping.auto(["Prénom", "Nom", "Société"]).has_contact()
    assert ColumnMapping.auto(["Nom", "GSM"]).has_contact()


def test_column_mapping_rejects_inconsistent_construction() -> None:
    with pytest.raises(ValueError):
        ColumnMapping(["A", "B"], ["email"])
    with pytest.raises(ValueError):
        ColumnMapping(["A", "B"], ["email", "email"])
    with pytest.raises(ValueError):
        ColumnMapping(["A"], ["e-mail"])


def test_with_field_moves_a_field_and_leaves_the_original_alone() -> None:
    original = ColumnMapping.auto(["Email", "Courriel", "Nom"])
    assert original.fields == ["email", None, "last_name"]
    moved = original.with_field(1, "email")
    assert moved.fields == [None, "email", "last_name"]
    assert original.fields == ["email", None, "last_name"]
    cleared = moved.with_field(2, None)
    assert cleared.fields == [None, "email", None]
    with pytest.raises(ValueError):
        original.with_field(0, "mail")
    with pytest.raises(IndexError):
        original.with_field(3, "notes")


def test_to_json_is_header_to_field_in_file_order() -> None:
    mapping = ColumnMapping.auto(["Prénom", "Montant", "Courriel"])
    obj = mapping.to_json()
    assert obj == {"Prénom": "first_name", "Montant": None, "Courriel": "email"}
    assert list(obj) == ["Prénom", "Montant", "Courriel"]


def test_to_json_numbers_repeated_headers() -> None:
    mapping = ColumnMapping(["Email", "Email", "", "Email", ""], [None, "email", None, None, "notes"])
    assert mapping.to_json() == {
        "Email": None,
        "Email (2)": "email",
        "": None,
        "Email (3)": None,
        " (2)": "notes",
    }


def test_to_json_keys_stay_unique_when_a_header_looks_numbered() -> None:
    headers = ["A", "A", "A (2)"]
    obj = ColumnMapping(headers, [None, "email", "phone"]).to_json()
    assert len(obj) == 3
    assert obj["A (2)"] == "phone"
    assert ColumnMapping.from_json(obj, headers).fields == [None, "email", "phone"]


@pytest.mark.parametrize(
    "headers",
    [
        ["Prénom", "Nom", "Email", "Email", "Téléphone", "Montant", ""],
        ["Email", "Email", "Email", "Email (2)", "Note"],
        ["", "", "Mobile", "Ville"],
    ],
)
def test_to_json_from_json_round_trip(headers: list[str]) -> None:
    auto = ColumnMapping.auto(headers)
    # Move every field to the last column it could go to, so the round trip is not just auto-mapping.
    edited = auto.with_field(len(headers) - 1, "notes").with_field(0, None)
    again = ColumnMapping.from_json(json.loads(json.dumps(edited.to_json())), headers)
    assert again == edited


def test_from_json_round_trip_keeps_a_later_duplicate_mapped() -> None:
    headers = ["Email", "Email"]
    mapping = ColumnMapping(headers, [None, "email"])
    assert ColumnMapping.from_json(mapping.to_json(), headers) == mapping


def test_from_json_null_leaves_a_column_unmapped() -> None:
    mapping = ColumnMapping.from_json({"Email": None}, ["Prénom", "Email"])
    assert mapping.fields == ["first_name", None]


def test_from_json_explicit_wins_over_auto() -> None:
    headers = ["Email", "Courriel", "Montant", "Prénom"]
    mapping = ColumnMapping.from_json({"Courriel": "email", "Montant": "notes"}, headers)
    assert mapping.fields == [None, "email", "notes", "first_name"]


def test_from_json_unnamed_column_can_take_a_field_freed_by_null() -> None:
    mapping = ColumnMapping.from_json({"Email": None}, ["Email", "Courriel"])
    assert mapping.fields == [None, "email"]


def test_from_json_matches_keys_after_folding() -> None:
    mapping = ColumnMapping.from_json({"e-mail": "notes", "PRENOM": None}, ["Prénom", "E-Mail", "Nom"])
    assert mapping.fields == [None, "notes", "last_name"]


def test_from_json_exact_key_beats_folded_key() -> None:
    mapping = ColumnMapping.from_json({"EMAIL": "notes", "Email": "email"}, ["Email"])
    assert mapping.fields == ["email"]


def test_from_json_ignores_headers_absent_from_the_file() -> None:
    mapping = ColumnMapping.from_json({"Fax": "phone", "Ancienne colonne": None}, ["Email", "GSM"])
    assert mapping.fields == ["email", "phone"]


def test_from_json_unknown_field_is_a_bad_mapping() -> None:
    with pytest.raises(UnusableFileError) as caught:
        ColumnMapping.from_json({"Email": "mail"}, ["Email"], path="m.json")
    error = caught.value
    assert error.code == "bad_mapping"
    assert error.params["path"] == "m.json"
    assert "mail" in error.params["reason"]
    assert "first_name" in error.params["reason"] and "owner" in error.params["reason"]
    assert "m.json" in str(error)


@pytest.mark.parametrize("obj", [["Email", "email"], "email", 3, None, {"Email": 1}, {"Email": ["email"]}])
def test_from_json_wrong_shape_is_a_bad_mapping(obj: object) -> None:
    with pytest.raises(UnusableFileError) as caught:
        ColumnMapping.from_json(obj, ["Email"], path="m.json")
    assert caught.value.code == "bad_mapping"
    assert caught.value.params["reason"]


def test_from_json_two_columns_to_one_field_is_a_bad_mapping() -> None:
    with pytest.raises(UnusableFileError) as caught:
        ColumnMapping.from_json({"Email": "email", "Courriel": "email"}, ["Email", "Courriel"], path="m.json")
    assert caught.value.code == "bad_mapping"
    assert "Email" in caught.value.params["reason"] and "Courriel" in caught.value.params["reason"]


def test_from_json_same_field_for_an_absent_header_is_not_a_conflict() -> None:
    mapping = ColumnMapping.from_json({"Email": "email", "Courriel": "email"}, ["Email", "Nom"])
    assert mapping.fields == ["email", "last_name"]


# --- mapping files --------------------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path) -> None:
    headers = ["Prénom", "Email", "Email", "Société", "Montant"]
    mapping = ColumnMapping.auto(headers).with_field(2, "email").with_field(4, "notes")
    path = tmp_path / "profil.json"
    save_mapping_file(path, mapping)
    text = path.read_text(encoding="utf-8")
    assert "Prénom" in text  # written as readable UTF-8, not \u escapes
    loaded = load_mapping_file(path)
    assert loaded == mapping.to_json()
    assert ColumnMapping.from_json(loaded, headers, path=str(path)) == mapping
    assert os.listdir(tmp_path) == ["profil.json"]  # no temporary file left behind


def test_save_replaces_an_existing_file(tmp_path) -> None:
    path = tmp_path / "m.json"
    path.write_text("old", encoding="utf-8")
    save_mapping_file(str(path), ColumnMapping.auto(["Email"]))
    assert json.loads(path.read_text(encoding="utf-8")) == {"Email": "email"}


def test_load_accepts_a_bom(tmp_path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes('{"Téléphone": "phone"}'.encode("utf-8-sig"))
    assert load_mapping_file(path) == {"Téléphone": "phone"}


def test_load_missing_file_is_a_bad_mapping(tmp_path) -> None:
    with pytest.raises(UnusableFileError) as caught:
        load_mapping_file(tmp_path / "absent.json")
    assert caught.value.code == "bad_mapping"
    assert caught.value.params["path"].endswith("absent.json")


@pytest.mark.parametrize("content", [b"{not json", b"", b'{"Email": "email",}', b"\xff\xfe\x00garbage"])
def test_load_invalid_json_is_a_bad_mapping(tmp_path, content: bytes) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(content)
    with pytest.raises(UnusableFileError) as caught:
        load_mapping_file(path)
    assert caught.value.code == "bad_mapping"
    assert caught.value.params["reason"]
