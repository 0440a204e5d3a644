"""Row validation rules (SPEC 5) on small frames read from real CSV files through the real reader."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from helpers import validate_rows

from crm_importer.engine.errors import RowError
from crm_importer.engine.validate import VALID_COL, ValidatedBatch, ValidationOptions, fcol, kcol

HEADER = ["Prénom", "Nom", "E-mail", "Téléphone", "Société", "Identifiant externe", "Notes"]


def one(tmp_path: Path, rows: list[list[str]], **kw: object) -> ValidatedBatch:
    mapping, batches = validate_rows(tmp_path, [HEADER, *rows], **kw)  # type: ignore[arg-type]
    assert mapping.fields[:7] == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "external_id",
        "notes",
    ]
    assert len(batches) == 1
    return batches[0]


def row(
    email: str = "", phone: str = "", *, first: str = "Zoé", company: str = "", ext: str = "", notes: str = ""
) -> list[str]:
    return [first, "Lefèvre", email, phone, company, ext, notes]


def value_of(batch: ValidatedBatch, row_no: int, column: str) -> object:
    return batch.frame.filter(pl.col("__row") == row_no)[column].item()


def codes(batch: ValidatedBatch) -> dict[int, list[str]]:
    return {r: [e.code for e in errs] for r, errs in batch.errors.items()}


# --- email --------------------------------------------------------------------------------------------
def test_email_is_trimmed_and_lower_cased(tmp_path: Path) -> None:
    batch = one(tmp_path, [row("  Jean.DUPONT@Exemple.FR \t"), row("élodie.lefèvre@exemple.fr")])
    assert batch.errors == {}
    assert value_of(batch, 2, fcol("email")) == "jean.dupont@exemple.fr"
    assert value_of(batch, 2, kcol("email")) == "jean.dupont@exemple.fr"
    assert value_of(batch, 3, fcol("email")) == "élodie.lefèvre@exemple.fr"
    assert batch.frame[VALID_COL].to_list() == [True, True]
    assert batch.valid_count == 2


@pytest.mark.parametrize(
    "email",
    [
        "jean.exemple.fr",  # no @
        "jean@dupont@exemple.fr",  # two @
        "jean dupont@exemple.fr",  # space in the local part
        "jean@localhost",  # no dot in the domain
        "a@b.",
        "a@.b",
        "@exemple.fr",  # empty local part
        "jean@exemple .fr",
    ],
)
def test_invalid_emails(tmp_path: Path, email: str) -> None:
    batch = one(tmp_path, [row("ok@exemple.fr"), row(email, "06 12 34 56 78")])
    assert codes(batch) == {3: ["invalid_email"]}
    err = batch.errors[3][0]
    assert err.column == "E-mail"  # the header as the file spells it
    assert err.value == email
    assert err.text("en") == f"Invalid email address in column “E-mail”: {email}"
    assert err.text("fr") == f"Adresse e-mail invalide dans la colonne « E-mail » : {email}"
    assert value_of(batch, 3, VALID_COL) is False


@pytest.mark.parametrize("email", ["a.b+tag@sub.exemple.co.uk", "x_y-z@a-b.fr", "O'Neil@exemple.ie", "a@b.c"])
def test_valid_emails(tmp_path: Path, email: str) -> None:
    batch = one(tmp_path, [row(email)])
    assert batch.errors == {}
    assert value_of(batch, 2, fcol("email")) == email.lower()


def test_error_value_is_the_cell_as_typed(tmp_path: Path) -> None:
    batch = one(tmp_path, [row("  Jean AT exemple.fr ")])
    assert batch.errors[2][0].value == "  Jean AT exemple.fr "


# --- phone --------------------------------------------------------------------------------------------
def test_phones_to_e164(tmp_path: Path) -> None:
    batch = one(
        tmp_path,
        [
            row(phone="06 12 34 56 78"),
            row(phone="+33 6 12 34 56 78"),
            row(phone="612345678"),
            row(phone="06.12.34.56.78"),
            row(phone="0033 6 12 34 56 78"),
        ],
    )
    assert batch.errors == {}
    assert batch.frame[fcol("phone")].to_list() == ["+33612345678"] * 5
    assert batch.frame[kcol("phone")].to_list() == ["+33612345678"] * 5


@pytest.mark.parametrize("phone", ["abc", "12", "06 12", "+33 6 12 34 56 78 90 12 34"])
def test_invalid_phones(tmp_path: Path, phone: str) -> None:
    batch = one(tmp_path, [row("ok@exemple.fr", phone)])
    assert codes(batch) == {2: ["invalid_phone"]}
    err = batch.errors[2][0]
    assert (err.column, err.value) == ("Téléphone", phone)
    assert err.text("en") == f"Invalid phone number in column “Téléphone”: {phone}"
    assert err.text("fr") == f"Numéro de téléphone invalide dans la colonne « Téléphone » : {phone}"
    # An invalid phone is no dedupe key.
    assert value_of(batch, 2, kcol("phone")) is None


def test_phone_region_option(tmp_path: Path) -> None:
    batch = one(tmp_path, [row(phone="0470 12 34 56")], options=ValidationOptions(region="BE"))
    assert batch.errors == {}
    assert value_of(batch, 2, fcol("phone")) == "+32470123456"


# --- contact, lengths, NUL, extra cells ------------------------------------------------------------------
def test_missing_contact(tmp_path: Path) -> None:
    batch = one(tmp_path, [row(), row("", "   "), row("a@exemple.fr"), row("", "0612345678")])
    assert codes(batch) == {2: ["missing_contact"], 3: ["missing_contact"]}
    err = batch.errors[2][0]
    assert err.column is None and err.value is None
    assert err.text("en") == "No email or phone number"
    assert err.text("fr") == "Ni e-mail ni téléphone"


def test_email_only_and_phone_only_columns(tmp_path: Path) -> None:
    _, batches = validate_rows(tmp_path, [["Courriel", "Nom"], ["a@exemple.fr", "A"], ["", "B"]])
    assert codes(batches[0]) == {3: ["missing_contact"]}
    _, batches = validate_rows(
        tmp_path, [["Portable", "Nom"], ["06 12 34 56 78", "A"], ["", "B"]], name="p.csv"
    )
    assert codes(batches[0]) == {3: ["missing_contact"]}


def test_too_long_with_params(tmp_path: Path) -> None:
    long_company = "S" * 201
    padded = "  " + "C" * 200 + "  "  # at the limit once trimmed
    long_email = "a" * 250 + "@x.fr"
    batch = one(
        tmp_path,
        [
            row("a@exemple.fr", company=long_company),
            row("b@exemple.fr", company=padded),
            row(long_email),
            row("c@exemple.fr", notes="n" * 5001),
        ],
    )
    assert codes(batch) == {2: ["too_long"], 4: ["too_long"], 5: ["too_long"]}
    err = batch.errors[2][0]
    assert err.column == "Société"
    assert err.params == {"max_length": 200, "length": 201}
    assert err.text("en") == "Value too long in column “Société” (201 characters, at most 200)"
    assert err.text("fr") == "Valeur trop longue dans la colonne « Société » (201 caractères, 200 au plus)"
    assert batch.errors[4][0].params == {"max_length": 254, "length": 255}
    assert batch.errors[5][0].column == "Notes"
    assert batch.errors[5][0].params == {"max_length": 5000, "length": 5001}
    assert value_of(batch, 3, fcol("company")) == "C" * 200


def test_nul_byte(tmp_path: Path) -> None:
    batch = one(tmp_path, [row("a@exemple.fr", first="Ze\x00ro")])
    assert codes(batch) == {2: ["nul_byte"]}
    assert batch.errors[2][0].column == "Prénom"
    assert batch.errors[2][0].text("fr") == "Caractère NUL interdit dans la colonne « Prénom »"


def test_extra_cells(tmp_path: Path) -> None:
    batch = one(tmp_path, [row("a@exemple.fr") + ["surplus", "", "more"], row("b@exemple.fr") + ["", " "]])
    assert codes(batch) == {2: ["extra_cells"]}
    err = batch.errors[2][0]
    assert err.value == "surplus\tmore"
    assert err.text("en") == "More cells than the header has columns"
    assert err.text("fr") == "Plus de cellules que l’en-tête n’a de colonnes"


def test_several_errors_on_one_row(tmp_path: Path) -> None:
    batch = one(tmp_path, [row("bad", "abc", company="x" * 300)])
    assert sorted(codes(batch)[2]) == ["invalid_email", "invalid_phone", "too_long"]
    assert {e.column for e in batch.errors[2]} == {"E-mail", "Téléphone", "Société"}


def test_errors_keyed_by_spreadsheet_row(tmp_path: Path) -> None:
    rows = [
        row("a@exemple.fr", notes="two\nlines"),  # row 2, one record over two lines
        ["", "", "", "", "", "", ""],  # row 3, blank
        row("bad one"),  # row 4
        row("c@exemple.fr"),  # row 5
        row(),  # row 6
    ]
    batch = one(tmp_path, rows)
    assert codes(batch) == {4: ["invalid_email"], 6: ["missing_contact"]}
    assert batch.frame["__row"].to_list() == [2, 4, 5, 6]
    assert batch.frame[VALID_COL].to_list() == [True, False, True, False]


def test_unmapped_columns_are_not_checked(tmp_path: Path) -> None:
    _, batches = validate_rows(
        tmp_path,
        [["E-mail", "Couleur préférée", "Téléphone"], ["a@exemple.fr", "x" * 6000, "abc"]],
        mapping={"Téléphone": None},
    )
    assert batches[0].errors == {}


def test_external_id_key_is_trimmed_and_case_folded(tmp_path: Path) -> None:
    batch = one(tmp_path, [row("a@exemple.fr", ext="  AbC-42 ")])
    assert value_of(batch, 2, fcol("external_id")) == "AbC-42"
    assert value_of(batch, 2, kcol("external_id")) == "abc-42"


def test_dedupe_keys_subset_has_only_those_key_columns(tmp_path: Path) -> None:
    batch = one(
        tmp_path,
        [row("a@exemple.fr", "0612345678", ext="X")],
        options=ValidationOptions(dedupe_keys=("email",)),
    )
    assert kcol("email") in batch.frame.columns
    assert kcol("phone") not in batch.frame.columns
    assert kcol("external_id") not in batch.frame.columns


def test_row_error_json_round_trip() -> None:
    err = RowError("too_long", "Société", "x" * 300, {"max_length": 200, "length": 300})
    back = RowError.from_json(err.to_json())
    assert back == err
    assert back.text("en").startswith("Value too long in column “Société” (300 characters")
    # long values are shortened in messages, not in the data
    bad = RowError("invalid_email", "E-mail", "y" * 200)
    assert len(bad.text("en")) < 150 and bad.text("en").endswith("…")
    assert RowError.from_json({"code": "missing_contact"}).text("fr") == "Ni e-mail ni téléphone"


def test_options_json_round_trip() -> None:
    opts = ValidationOptions(region="BE", dedupe_keys=("email", "external_id"))
    assert ValidationOptions.from_json(opts.to_json()) == opts
    assert ValidationOptions.from_json({}) == ValidationOptions()
