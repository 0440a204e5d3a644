"""`crm-importer validate`, `history` and `report` (SPEC 10): the contract scripts rely on."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import write_bytes, write_csv

from crm_importer.cli import ProgressBar, main
from crm_importer.engine.pipeline import Progress

ROOT = Path(__file__).resolve().parent.parent
JSON_KEYS = {
    "total_rows",
    "valid_rows",
    "invalid_rows",
    "duplicate_rows",
    "mapping",
    "encoding",
    "delimiter",
    "sheet",
    "report",
}

FR_HEADER = [
    "Prénom",
    "Nom",
    "E-mail",
    "Téléphone",
    "Société",
    "Fonction",
    "Ville",
    "Code postal",
    "Pays",
    "Source",
    "ID externe",
    "Commentaire",
]
EN_HEADER = [
    "First Name",
    "Last Name",
    "Email Address",
    "Mobile Phone",
    "Company Name",
    "Job Title",
    "City",
    "Zip",
    "Country",
    "Lead Source",
    "External ID",
    "Notes",
]
FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "city",
    "postal_code",
    "country",
    "source",
    "external_id",
    "notes",
]
GOOD = [
    "Zoé",
    "Lefèvre",
    "zoe@exemple.fr",
    "06 12 34 56 78",
    "Acme",
    "DSI",
    "Besançon",
    "25000",
    "France",
    "Salon",
    "Z-1",
    "à rappeler",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code, out, err = run(capsys, *argv, "--json")
    assert out.endswith("\n") and out.count("\n") == 1, out  # exactly one JSON value on one line
    return code, json.loads(out)


def json_failure(out: str, error_code: str | None = None) -> dict[str, object]:
    """With --json a failure still prints exactly one JSON object on stdout, naming the error."""
    assert out.endswith("\n") and out.count("\n") == 1, out
    value = json.loads(out)
    assert isinstance(value, dict)
    assert value["exit_code"] == 2 and value["status"] == "failed" and value["error"]
    if error_code is not None:
        assert value["error_code"] == error_code
    return value


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- validate --json and exit codes ---------------------------------------------------------------------
def test_french_headers_all_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(
        tmp_path / "salon.csv",
        [FR_HEADER, GOOD, [*GOOD[:2], "autre@exemple.fr", "", *GOOD[4:10], "Z-2", ""]],
        delimiter=";",
    )
    code, out = run_json(capsys, "validate", str(path))
    assert code == 0
    assert isinstance(out, dict)
    assert JSON_KEYS <= set(out)
    assert (out["total_rows"], out["valid_rows"], out["invalid_rows"], out["duplicate_rows"]) == (2, 2, 0, 0)
    assert out["mapping"] == dict(zip(FR_HEADER, FIELDS, strict=True))
    assert list(out["mapping"]) == FR_HEADER  # file order
    assert (out["encoding"], out["delimiter"], out["sheet"], out["report"]) == ("utf-8", ";", None, None)


def test_english_headers_and_unknown_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = [*EN_HEADER, "Favourite colour"]
    path = write_csv(tmp_path / "show.csv", [header, [*GOOD, "blue"]])
    code, out = run_json(capsys, "validate", str(path))
    assert code == 0
    assert out["mapping"] == {**dict(zip(EN_HEADER, FIELDS, strict=True)), "Favourite colour": None}
    assert out["delimiter"] == ","


def test_some_invalid_rows_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [GOOD, [*GOOD[:2], "ZOE@exemple.fr", *GOOD[3:]], [*GOOD[:2], "bad", "", *GOOD[4:]], [""] * 12]
    path = write_csv(tmp_path / "mixed.csv", [FR_HEADER, *rows], encoding="cp1252", delimiter=";")
    code, out = run_json(capsys, "validate", str(path))
    assert code == 1
    assert (out["total_rows"], out["valid_rows"], out["invalid_rows"], out["duplicate_rows"]) == (3, 2, 1, 1)
    assert out["encoding"] == "cp1252"
    assert out["mapping"]["Prénom"] == "first_name"


def test_text_summary_in_both_languages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail"], ["a@exemple.fr"], ["bad"], ["A@exemple.fr"]])
    code, out, err = run(capsys, "validate", str(path), "--lang", "fr")
    assert code == 1 and "--report" in err  # where the sender's report comes from, since rows are invalid
    assert out.strip() == ("Lignes du fichier : 3 ; à importer : 1 ; doublons dans le fichier : 1 ; invalides : 1 "
                           "(valides : 2, doublons dans le fichier compris).")
    code, out, err = run(capsys, "validate", str(path), "--lang", "en")
    assert out.strip() == ("Rows in the file: 3; to import: 1; duplicates in the file: 1; invalid: 1 "
                           "(valid: 2, duplicates in the file included).")


@pytest.mark.parametrize(
    ("name", "data", "error_code", "code_fr"),
    [
        ("empty.csv", b"", "empty_file", "est vide"),
        ("blank.csv", b" \r\n \r\n", "empty_file", "est vide"),
        ("junk.csv", bytes(range(256)) * 40, "not_a_table", "ni un classeur ni un tableau CSV"),
        ("page.csv", b"<!DOCTYPE html><html><body>Not found</body></html>", "html_file", "page web"),
        ("corrupt.xlsx", b"PK\x03\x04 this is not a workbook at all", "corrupt_workbook", "endommagé"),
        ("nocontact.csv", b"Nom;Ville\r\nDupont;Paris\r\n", "no_contact_column", "e-mail ou un téléphone"),
    ],
)
def test_unusable_files_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, error_code: str, code_fr: str
) -> None:
    path = write_bytes(tmp_path / name, data)
    code, out, err = run(capsys, "validate", str(path), "--json")
    assert code == 2
    line = one_line_error(err)
    assert path.name in line
    assert json_failure(out, error_code)["error"] == line
    code, out, err = run(capsys, "validate", str(path), "--lang", "fr")
    assert code == 2 and out == ""
    assert code_fr in one_line_error(err)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_only_file_is_valid_with_zero_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  kind: str) -> None:
    """A nightly export with no new leads: exit 0, ``total_rows: 0``, and said in one sentence."""
    if kind == "csv":
        path = write_bytes(tmp_path / "headeronly.csv", b"E-mail;Nom\r\n")
    else:
        path = tmp_path / "headeronly.xlsx"
        book = openpyxl.Workbook()
        book.active.append(["E-mail", "Nom"])
        book.save(path)
    code, result = run_json(capsys, "validate", str(path))
    assert code == 0
    assert isinstance(result, dict)
    assert {k: result[k] for k in ("total_rows", "valid_rows", "invalid_rows", "duplicate_rows")} == {
        "total_rows": 0, "valid_rows": 0, "invalid_rows": 0, "duplicate_rows": 0}
    assert result["mapping"] == {"E-mail": "email", "Nom": "last_name"}
    code, out, err = run(capsys, "validate", str(path), "--lang", "fr", "--report", str(tmp_path / "r.csv"))
    assert code == 0 and err == ""
    assert f"Le fichier {path} a un en-tête mais aucune ligne de données : il n’y a rien à importer." in out


def test_workbook_without_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2
    one_line_error(err)


def test_missing_file_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(tmp_path / "absent.csv"))
    assert code == 2 and out == ""
    assert one_line_error(err) == f"The file {tmp_path / 'absent.csv'} does not exist."
    code, _, err = run(capsys, "validate", str(tmp_path / "absent.csv"), "--lang", "fr")
    assert one_line_error(err) == f"Le fichier {tmp_path / 'absent.csv'} n’existe pas."
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert "not a spreadsheet" in one_line_error(err)


@pytest.mark.parametrize("case", ["missing", "junk", "empty"])
def test_unusable_file_in_a_real_process(tmp_path: Path, case: str) -> None:
    """The same contract seen from a shell: exit 2, one line on stderr, no traceback."""
    path = tmp_path / f"{case}.csv"
    if case == "junk":
        path.write_bytes(bytes(range(256)) * 50)
    elif case == "empty":
        path.write_bytes(b"")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "crm_importer", "validate", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    json_failure(result.stdout)
    one_line_error(result.stderr)


def test_output_in_a_legacy_code_page_never_crashes(tmp_path: Path) -> None:
    """Redirected output on Windows is in the ANSI/OEM code page: what it cannot write is escaped, the
    command's result is unchanged (here cp437, which has no ’ nor €)."""
    path = write_csv(tmp_path / "s.csv", [["E-mail", "Société", "Budget €"], ["a@exemple.fr", "L’Oréal", "5 €"]])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "cp437"}
    ok = subprocess.run([sys.executable, "-m", "crm_importer", "validate", str(path), "--json"], env=env,
                        capture_output=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    # JSON stays JSON: an escaped character is a JSON escape, read back as the character itself.
    assert json.loads(ok.stdout.decode("cp437"))["mapping"] == {"E-mail": "email", "Société": "company",
                                                                 "Budget €": None}
    missing = subprocess.run([sys.executable, "-m", "crm_importer", "validate", str(tmp_path / "nope.csv"),
                              "--lang", "fr"], env=env, capture_output=True, timeout=60)
    assert missing.returncode == 2
    assert missing.stderr.decode("cp437").strip() == f"Le fichier {tmp_path / 'nope.csv'} n\\u2019existe pas."


def test_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail"], ["a@exemple.fr"]])
    code, _, err = run(capsys, "validate", str(path), "--report", str(tmp_path / "r.txt"))
    assert code == 2 and ".csv or .xlsx" in one_line_error(err)
    code, _, err = run(capsys, "validate", str(path), "--region", "ZZ")
    assert code == 2 and "ZZ" in one_line_error(err)
    assert not (tmp_path / "r.txt").exists()


# --- --mapping ---------------------------------------------------------------------------------------
def test_mapping_file_overrides_auto_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(
        tmp_path / "m.csv", [["Contact", "Téléphone", "Nom", "Ref"], ["a@exemple.fr", "abc", "A", "R1"]]
    )
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps({"Contact": "email", "Téléphone": None, "Ref": "external_id"}), encoding="utf-8"
    )
    code, out = run_json(capsys, "validate", str(path), "--mapping", str(mapping))
    assert code == 0  # the invalid phone is in a column left unmapped
    assert out["mapping"] == {"Contact": "email", "Téléphone": None, "Nom": "last_name", "Ref": "external_id"}

    # The printed mapping is a valid --mapping file that gives the same result.
    again = tmp_path / "again.json"
    again.write_text(json.dumps(out["mapping"]), encoding="utf-8")
    code, out2 = run_json(capsys, "validate", str(path), "--mapping", str(again))
    assert out2["mapping"] == out["mapping"]


@pytest.mark.parametrize(
    "content", ['["email"]', '{"Contact": "e-mail"}', "{not json", '{"Contact": "email", "Nom": "email"}']
)
def test_bad_mapping_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    path = write_csv(tmp_path / "m.csv", [["Contact", "Nom"], ["a@exemple.fr", "A"]])
    mapping = tmp_path / "m.json"
    mapping.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path), "--mapping", str(mapping))
    assert code == 2 and out == ""
    assert "m.json" in one_line_error(err)


def test_mapping_that_leaves_no_contact_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "m.csv", [["E-mail", "Nom"], ["a@exemple.fr", "A"]])
    mapping = tmp_path / "m.json"
    mapping.write_text('{"E-mail": null}', encoding="utf-8")
    code, _, err = run(capsys, "validate", str(path), "--mapping", str(mapping))
    assert code == 2
    assert "email" in one_line_error(err)


def test_forced_delimiter_and_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_bytes(tmp_path / "t.txt", "E-mail\tNom\r\na@exemple.fr\tCœur\r\n".encode("cp1252"))
    code, out = run_json(capsys, "validate", str(path), "--delimiter", "tab", "--encoding", "cp1252")
    assert code == 0
    assert (out["delimiter"], out["encoding"]) == ("\t", "cp1252")


# --- --report, history, report ----------------------------------------------------------------------------
def test_report_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail", "Nom"], ["a@exemple.fr", "A"], ["bad", "Hélène"]])
    out_path = tmp_path / "rapport.xlsx"
    code, out = run_json(capsys, "validate", str(path), "--report", str(out_path), "--lang", "fr")
    assert code == 1
    assert out["report"] == str(out_path)
    book = openpyxl.load_workbook(out_path, read_only=True)
    try:
        rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    finally:
        book.close()
    assert rows == [
        ["Ligne", "Motifs", "E-mail", "Nom"],
        [3, "Adresse e-mail invalide dans la colonne « E-mail » : bad", "bad", "Hélène"],
    ]


def test_report_csv_text_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail"], ["bad"]])
    code, out, _ = run(capsys, "validate", str(path), "--report", str(tmp_path / "r.csv"))
    assert code == 1
    assert out.strip().splitlines()[-1] == f"Report: {tmp_path / 'r.csv'}"
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfRow,Reasons,E-mail\r\n2,")


def test_history_json_newest_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(capsys, "history")
    assert (code, out) == (0, [])
    ids = []
    for i in range(3):
        path = write_csv(
            tmp_path / f"f{i}.csv", [["E-mail"], *[[f"p{j}@exemple.fr"] for j in range(i + 1)], ["bad"]]
        )
        _, validated = run_json(capsys, "validate", str(path))
        ids.append(validated["job_id"])
    code, out = run_json(capsys, "history")
    assert code == 0
    assert isinstance(out, list)
    assert [j["job_id"] for j in out] == ids[::-1]
    newest = out[0]
    for key in (
        "job_id",
        "file_name",
        "file_hash",
        "status",
        "created_at",
        "total_rows",
        "valid_rows",
        "invalid_rows",
        "duplicate_rows",
        "imported_rows",
        "report",
    ):
        assert key in newest
    assert (
        newest["file_name"],
        newest["status"],
        newest["total_rows"],
        newest["valid_rows"],
        newest["invalid_rows"],
    ) == ("f2.csv", "validated", 4, 3, 1)
    assert len(newest["file_hash"]) == 64
    code, text, _ = run(capsys, "history")
    assert code == 0 and ids[0][:8] in text and "f0.csv" in text
    # A job that failed deep in its file says why, as a sentence and as a code scripts can test.
    huge = write_csv(tmp_path / "huge.csv", [["E-mail", "Notes"], ["a@exemple.fr", "x" * 40_000]])
    code, failure = run_json(capsys, "validate", str(huge))
    assert code == 2 and failure["error_code"] == "cell_too_large"  # type: ignore[index]
    _, out = run_json(capsys, "history")
    failed = out[0]  # type: ignore[index]
    assert (failed["file_name"], failed["status"], failed["error_code"]) == ("huge.csv", "failed", "cell_too_large")
    assert failed["error"] == failure["error"]  # type: ignore[index]


def test_report_command_with_id_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail", "Nom"], ["bad", "Œuvre"]])
    _, validated = run_json(capsys, "validate", str(path))
    job_id = validated["job_id"]
    out_path = tmp_path / "later.csv"
    code, out, err = run(capsys, "report", job_id[:8], "--out", str(out_path), "--lang", "fr")
    assert code == 0 and err == ""
    assert out.strip() == f"Rapport : {out_path}"
    text = out_path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "Ligne,Motifs,E-mail,Nom"
    assert "Œuvre" in text
    code, out = run_json(capsys, "report", job_id[:8], "--out", str(tmp_path / "later.xlsx"))
    assert code == 0 and out == {"job_id": job_id, "report": str(tmp_path / "later.xlsx")}
    _, history = run_json(capsys, "history")
    assert history[0]["report"] == str(tmp_path / "later.xlsx")


def test_report_command_unknown_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "deadbeef", "--out", str(tmp_path / "r.csv"))
    assert code == 2 and out == ""
    assert one_line_error(err) == "There is no import job deadbeef."
    assert not (tmp_path / "r.csv").exists()
    code, out, err = run(capsys, "report", "deadbeef", "--out", str(tmp_path / "r.csv"), "--json")
    assert code == 2
    assert json_failure(out, "job_not_found")["error"] == one_line_error(err)


# --- progress bar ------------------------------------------------------------------------------------
def test_progress_bar_only_on_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail"], ["a@exemple.fr"]])
    code, _, err = run(capsys, "validate", str(path))
    assert code == 0 and err == ""  # stderr is not a terminal here: no bar

    leader, follower = pty.openpty()
    with os.fdopen(follower, "w", encoding="utf-8") as tty:
        bar = ProgressBar("fr", tty)
        assert bar.enabled
        bar(Progress("validating", 10_000, 0.5))
        bar(Progress("validating", 20_000, 1.0))
        bar.done()
        tty.flush()
        shown = os.read(leader, 65536).decode()
    os.close(leader)
    assert "Validation" in shown and "100.0%" in shown and "20,000" in shown


def test_progress_lines_off_a_terminal() -> None:
    """A script or a log file gets one plain line per interval (not a bar), with the total and the rate."""
    out = io.StringIO()
    bar = ProgressBar("en", out, line_interval=0.0)
    assert not bar.enabled
    bar(Progress("committing", 50_000, 0.25, total_rows=200_000))
    bar(Progress("committing", 100_000, 0.5, total_rows=200_000))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue()
    assert lines[1].startswith("Importing: 100000 of 200000 rows (50 %), ") and lines[1].endswith(" rows/s")
    quiet = io.StringIO()
    slow = ProgressBar("fr", quiet)  # the default interval: nothing within a few reports
    slow(Progress("validating", 10, 0.1))
    assert quiet.getvalue() == ""
