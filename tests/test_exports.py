"""Files as the usual tools export them map right (issue 14, item 3).

``tests/exports/`` holds one file per export, with that tool's real header set (Outlook, Google Contacts
in its current and its legacy layout, HubSpot, Salesforce, LinkedIn, Zoho, Pipedrive) and two leads:
Jean, whose row has an office phone and a mobile, and Marie, whose only phone is her mobile (her email
missing in most; in Google's current layout Jean's cell holds two emails, ``a ::: b``, as Google writes
them). Each is read, auto-mapped and validated by the real engine.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from leadfiles import ADMIN, one_json, query, run_cli

from crm_importer.engine.mapping import ColumnMapping, auto_map
from crm_importer.engine.readers import ReadOptions, open_table
from crm_importer.engine.validate import VALID_COL, ValidationOptions, fcol, validate_batch

EXPORTS = Path(__file__).parent / "exports"

#: Per export: header -> field for what must map (every other header must stay unmapped or be one of
#: these fields' other columns), the phone columns in the order they are read, and the header row.
EXPECTED: dict[str, tuple[dict[str, str], list[str], int]] = {
    "outlook": (
        {"First Name": "first_name", "Last Name": "last_name", "Company": "company", "Job Title": "job_title",
         "E-mail Address": "email", "Business City": "city", "Business Postal Code": "postal_code",
         "Business Country/Region": "country", "Notes": "notes"},
        ["Mobile Phone", "Business Phone", "Business Phone 2", "Company Main Phone", "Home Phone",
         "Home Phone 2", "Primary Phone"],
        1,
    ),
    "google-contacts": (
        {"First Name": "first_name", "Last Name": "last_name", "Organization Name": "company",
         "Organization Title": "job_title", "E-mail 1 - Value": "email", "Address 1 - City": "city",
         "Address 1 - Postal Code": "postal_code", "Address 1 - Country": "country", "Notes": "notes"},
        ["Phone 1 - Value", "Phone 2 - Value"],
        1,
    ),
    "google-contacts-legacy": (
        {"Given Name": "first_name", "Family Name": "last_name", "Organization 1 - Name": "company",
         "Organization 1 - Title": "job_title", "E-mail 1 - Value": "email", "Address 1 - City": "city",
         "Address 1 - Postal Code": "postal_code", "Address 1 - Country": "country", "Notes": "notes"},
        ["Phone 1 - Value", "Phone 2 - Value"],
        1,
    ),
    "hubspot": (
        {"Record ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
         "Company Name": "company", "Job Title": "job_title", "Contact owner": "owner", "City": "city",
         "Postal Code": "postal_code", "Country/Region": "country", "Original Source": "source"},
        ["Mobile Phone Number", "Phone Number"],
        1,
    ),
    "salesforce": (
        {"Lead ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Title": "job_title",
         "Company / Account": "company", "Email": "email", "Lead Source": "source", "City": "city",
         "Zip/Postal Code": "postal_code", "Country": "country", "Lead Owner": "owner", "Description": "notes"},
        ["Mobile", "Phone"],
        1,
    ),
    "linkedin": (
        {"First Name": "first_name", "Last Name": "last_name", "Email Address": "email", "Company": "company",
         "Position": "job_title"},
        [],
        4,  # below LinkedIn's "Notes:" preamble and a blank line
    ),
    "zoho": (
        {"Record Id": "external_id", "Lead Owner": "owner", "Company": "company", "First Name": "first_name",
         "Last Name": "last_name", "Title": "job_title", "Email": "email", "Lead Source": "source",
         "City": "city", "Zip Code": "postal_code", "Country": "country", "Description": "notes"},
        ["Mobile", "Phone"],
        1,
    ),
    "pipedrive": (
        {"Person - ID": "external_id", "Person - Organization": "company", "Person - Email - Work": "email",
         "Person - Owner": "owner", "Person - First name": "first_name", "Person - Last name": "last_name",
         "Person - Title": "job_title"},
        ["Person - Phone - Mobile", "Person - Phone - Work", "Person - Phone - Home"],
        1,
    ),
}

#: The phone each export's two leads end up with (E.164): Jean's mobile wins over his office line where
#: the header says which is the mobile; Google's "Phone n - Value" do not, so the first non-empty is kept.
PHONES: dict[str, list[str | None]] = {
    "outlook": ["+33612345678", "+33798765432"],
    "google-contacts": ["+33612345678", "+33478000000"],
    "google-contacts-legacy": ["+33612345678", "+33798765432"],
    "hubspot": ["+33612345678", "+33798765432"],
    "salesforce": ["+33612345678", "+33798765432"],
    "linkedin": [None, None],
    "zoho": ["+33612345678", "+33798765432"],
    "pipedrive": ["+33612345678", "+33798765432"],
}


def test_every_export_has_a_fixture() -> None:
    assert sorted(p.stem for p in EXPORTS.glob("*.csv")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_maps_and_validates(name: str) -> None:
    wanted, phones, header_row = EXPECTED[name]
    reader = open_table(EXPORTS / f"{name}.csv", ReadOptions())
    try:
        info = reader.info
        assert info.header_row == header_row
        assert info.header_below_title is (header_row > 1)
        mapping = ColumnMapping.auto(info.headers)
        got = {h: f for h, f in zip(info.headers, mapping.fields, strict=True) if f is not None and f != "phone"}
        assert got == wanted
        assert [info.headers[i] for i in mapping.phone_columns()] == phones
        assert {info.headers[i] for i, f in enumerate(mapping.fields) if f == "phone"} == set(phones)
        frame = pl.concat([validate_batch(b, mapping, ValidationOptions()).frame for b in reader.batches()])
    finally:
        reader.close()
    assert frame.height == 2
    assert frame[VALID_COL].to_list() == [True, True]
    assert frame[fcol("first_name")].to_list() == ["Jean", "Marie"]
    if PHONES[name][0] is not None:
        assert frame[fcol("phone")].to_list() == PHONES[name]
    assert frame[fcol("email")].to_list()[0] == "jean.dupont@example.fr"
    if "job_title" in wanted.values():
        assert frame[fcol("job_title")].to_list() == ["Directeur commercial", "Acheteuse"]


def test_outlook_courtesy_title_is_not_the_job_title() -> None:
    """Outlook's "Title" (Mr., Ms.) comes first; "Job Title" is the job title. Alone, "Title" still is."""
    assert auto_map(["Title", "First Name", "Job Title"]) == [None, "first_name", "job_title"]
    assert auto_map(["Title", "First Name", "Email"]) == ["job_title", "first_name", "email"]


def test_contact_number_is_a_phone() -> None:
    assert auto_map(["Name", "Contact Number", "Email"]) == [None, "phone", "email"]


def test_a_typo_of_phone_beside_a_phone_column_stays_unmapped() -> None:
    """Several columns feed the phone only when their header says phone plainly."""
    assert auto_map(["Telephon", "Phone"]) == [None, "phone"]


def test_phone_columns_in_a_mapping_file_round_trip(tmp_path: Path) -> None:
    headers = ["Email", "Business Phone", "Mobile Phone"]
    mapping = ColumnMapping.from_json({"Business Phone": "phone", "Mobile Phone": "phone"}, headers)
    assert mapping.fields == ["email", "phone", "phone"]
    assert mapping.phone_columns() == [2, 1]
    assert ColumnMapping.from_json(mapping.to_json(), headers) == mapping
    # Choosing the phone for one more column adds it; another field still moves.
    assert ColumnMapping(headers, ["email", "phone", None]).with_field(2, "phone").fields == ["email", "phone", "phone"]
    assert ColumnMapping(headers, ["email", None, None]).with_field(1, "email").fields == [None, "email", None]


@pytest.mark.parametrize("name", ["outlook", "pipedrive"])
def test_an_export_imports_with_the_mobile_and_the_real_job_title(pg_dsn: str, tmp_path: Path, name: str) -> None:
    """Through the CLI into a real CRM: the mobile is the lead's phone, the job title is not "Mr."."""
    run = run_cli(tmp_path / "home", "import", str(EXPORTS / f"{name}.csv"), "--db", pg_dsn, "--as", ADMIN,
                  "--json")
    assert run.returncode == 0, run.stderr
    assert one_json(run.stdout)["imported_rows"] == 2
    rows = query(pg_dsn, "SELECT first_name, phone, job_title, company FROM public.leads ORDER BY first_name")
    assert rows == [("Jean", "+33612345678", "Directeur commercial", "Acme"),
                    ("Marie", "+33798765432", "Acheteuse", "Globex")]
