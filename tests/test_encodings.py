"""Files that are not UTF-8: which code page, told from a bounded sample of real names (charset-normalizer and
the letters each language writes), how sure the guess is, and where that is shown (SPEC 4: the File page,
``validate``).

Each file is a small lead list in one language, written in one of the encodings a lead file comes in; the
reader must name that encoding (or one that reads the bytes the same) and give back the exact text.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from helpers import read_all, write_bytes

from crm_importer.cli import main
from crm_importer.engine.jobstore import JobStore
from crm_importer.engine.pipeline import validate_file
from crm_importer.engine.readers import delimited
from crm_importer.engine.readers.delimited import (
    DETECT_BYTES,
    LOW_CONFIDENCE,
    detect_encoding_confidence,
    guess_legacy_encoding,
)

FRENCH = [
    ["Prénom", "Nom", "Société", "Ville", "E-mail", "Notes"],
    ["Hélène", "Lefèvre", "Boulangerie Dupré", "Besançon", "helene.lefevre@example.fr", "à rappeler"],
    ["François", "Gaëtan", "Crêperie du Château", "Orléans", "f.gaetan@example.fr", "très intéressé"],
    ["Zoë", "Bénard", "Hôtel Bellevue", "Saint-Étienne", "zoe@example.fr", "déjà cliente"],
    ["Jérôme", "Lemaître", "Librairie Ça va", "Nîmes", "jerome@example.fr", "reçu le devis"],
    ["Noël", "Mégane", "Pâtisserie Forêt", "Sète", "noel@example.fr", "âgé, préfère le téléphone"],
]
EURO = [
    ["Prénom", "Nom", "Société", "Ville", "E-mail", "Budget"],
    ["Hélène", "Lefèvre", "Cœur de Lin", "Besançon", "helene@example.fr", "1 200 €"],
    ["François", "Bœuf", "Œuvres d'art", "Orléans", "francois@example.fr", "300 €"],
    ["Zoë", "Sœur", "Hôtel Bellevue", "Saint-Étienne", "zoe@example.fr", "15 000 €"],
    ["Jérôme", "Vœu", "Crêperie", "Nîmes", "jerome@example.fr", "80 €"],
]
POLISH_CZECH = [
    ["Imię", "Nazwisko", "Firma", "Miasto", "E-mail"],
    ["Zbigniew", "Brzeziński", "Piekarnia Łąka", "Łódź", "z.brzezinski@example.pl"],
    ["Świętosław", "Żółkiewski", "Księgarnia Źródło", "Wrocław", "s.zolkiewski@example.pl"],
    ["Agnieszka", "Wąsowska", "Hurtownia Ślęża", "Gdańsk", "a.wasowska@example.pl"],
    ["Antonín", "Dvořák", "Pekárna Šťastný", "Příbram", "a.dvorak@example.cz"],
    ["Jiří", "Šťastný", "Květinářství Růže", "Ústí nad Labem", "j.stastny@example.cz"],
    ["Božena", "Němcová", "Žižkovská kavárna", "České Budějovice", "b.nemcova@example.cz"],
]
RUSSIAN = [
    ["Имя", "Фамилия", "Компания", "Город", "E-mail"],
    ["Иван", "Васильев", "ООО Ромашка", "Москва", "ivan.vasiliev@example.ru"],
    ["Ольга", "Смирнова", "Книжный дом", "Санкт-Петербург", "olga@example.ru"],
    ["Дмитрий", "Кузнецов", "Пекарня Хлеб", "Новосибирск", "d.kuznetsov@example.ru"],
    ["Наталья", "Фёдорова", "Цветы и подарки", "Екатеринбург", "natalia@example.ru"],
]
TURKISH = [
    ["Ad", "Soyad", "Şirket", "Şehir", "E-posta"],
    ["Şükrü", "Çağlar", "Güneş Fırını", "İstanbul", "sukru@example.com.tr"],
    ["Gülşen", "Öztürk", "Çiçekçi Işık", "Ağrı", "gulsen@example.com.tr"],
    ["İsmail", "Doğan", "Kitapçı Ümit", "Eskişehir", "ismail@example.com.tr"],
    ["Ayşe", "Yılmaz", "Düğün Salonu", "Muğla", "ayse@example.com.tr"],
]

# (encoding written, table, encodings that read those bytes to the same text)
CASES = [
    ("cp1252", FRENCH, {"cp1252"}),
    ("latin_1", FRENCH, {"cp1252", "latin_1", "iso8859_15"}),
    ("iso8859_15", EURO, {"iso8859_15"}),
    ("cp1250", POLISH_CZECH, {"cp1250"}),
    ("iso8859_2", POLISH_CZECH, {"iso8859_2"}),
    ("cp1251", RUSSIAN, {"cp1251"}),
    ("cp1254", TURKISH, {"cp1254"}),
    ("mac_roman", FRENCH, {"mac_roman"}),
]


def table_bytes(rows: list[list[str]], encoding: str) -> bytes:
    return "".join(";".join(row) + "\r\n" for row in rows).encode(encoding)


@pytest.mark.parametrize(("encoding", "rows", "names"), CASES, ids=[c[0] for c in CASES])
def test_legacy_encodings_of_real_names(tmp_path: Path, encoding: str, rows: list[list[str]],
                                        names: set[str]) -> None:
    path = write_bytes(tmp_path / f"{encoding}.csv", table_bytes(rows, encoding))
    reader, frame = read_all(path)
    assert reader.info.encoding in names
    assert reader.encoding_confidence is not None and reader.encoding_confidence >= LOW_CONFIDENCE
    assert reader.info.headers == rows[0]
    got = [[frame[f"c{i}"][r] for i in range(len(rows[0]))] for r in range(frame.height)]
    assert got == rows[1:]


def test_a_generated_lead_list_in_windows_1252_is_not_flagged(tmp_path: Path) -> None:
    """The benchmark's realistic French lead list (names, towns, notes with « »), saved by Excel as
    Windows-1252: detected as such, with confidence."""
    from crm_importer.bench import write_csv

    utf8 = write_csv(tmp_path / "leads.csv", 20_000, seed=4)
    data = utf8.read_bytes().decode("utf-8").encode("cp1252", errors="replace")
    encoding, confidence = guess_legacy_encoding(data[: delimited.SAMPLE_BYTES])
    assert (encoding, confidence >= LOW_CONFIDENCE) == ("cp1252", True), confidence


def test_utf16_without_a_bom(tmp_path: Path) -> None:
    for codec, name in (("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")):
        path = write_bytes(tmp_path / f"{codec}.csv", table_bytes(FRENCH, codec))
        reader, frame = read_all(path)
        assert (reader.info.encoding, reader.encoding_confidence) == (name, 1.0)
        assert frame["c0"].to_list() == [r[0] for r in FRENCH[1:]]


def test_utf8_and_boms_are_certain(tmp_path: Path) -> None:
    for data, name in ((table_bytes(FRENCH, "utf-8"), "utf-8"), (codecs.BOM_UTF8 + table_bytes(FRENCH, "utf-8"),
                       "utf-8-sig"), (table_bytes(FRENCH, "utf-16"), "utf-16")):
        assert detect_encoding_confidence(data, at_eof=True) == (name, 1.0)


def test_a_guess_on_too_little_text_is_flagged() -> None:
    """One accented letter reads as a letter in several code pages: the guess (Windows-1252) is flagged."""
    encoding, confidence = guess_legacy_encoding("Nom;E-mail\r\nLefèvre;l@example.fr\r\n".encode("cp1252"))
    assert encoding == "cp1252"
    assert confidence < LOW_CONFIDENCE


def test_detection_reads_a_bounded_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only lines with non-ASCII bytes, up to DETECT_BYTES, reach charset-normalizer, whatever the file."""
    import charset_normalizer

    seen: list[int] = []
    real = charset_normalizer.from_bytes

    def spy(data: bytes, **kwargs: object) -> object:
        seen.append(len(data))
        return real(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(charset_normalizer, "from_bytes", spy)
    rows = [FRENCH[0]] + FRENCH[1:] * 4000  # ~400 KB of accented rows
    path = write_bytes(tmp_path / "big.csv", table_bytes(rows, "cp1252"))
    reader, frame = read_all(path)
    assert frame.height == len(rows) - 1
    assert reader.info.encoding == "cp1252"
    assert seen and max(seen) <= DETECT_BYTES
    assert path.stat().st_size > 4 * DETECT_BYTES


def test_non_utf8_after_the_first_megabyte_is_guessed_from_there(tmp_path: Path) -> None:
    """UTF-8-looking (ASCII) start, Cyrillic cp1251 later: the import reads the whole file as cp1251."""
    ascii_rows = [["E-mail", "Nom", "Ville"]] + [[f"lead{i}@example.ru", "Ivanov", "Moskva"] for i in range(40_000)]
    data = table_bytes(ascii_rows, "ascii") + table_bytes(RUSSIAN[1:], "cp1251")
    assert len(data) > delimited.SAMPLE_BYTES
    path = write_bytes(tmp_path / "late.csv", data)
    with JobStore(tmp_path / "store.sqlite3") as store:
        job = validate_file(path, store)
        assert job.encoding == "cp1251"
        assert job.total_rows == 40_000 + len(RUSSIAN) - 1
        staged = [r for b in store.iter_batches(job.id, ["c1"]) for r in b["c1"].to_list()]
    assert staged[-len(RUSSIAN) + 1:] == [r[1] for r in RUSSIAN[1:]]


def test_validate_json_says_the_encoding_and_its_confidence(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = write_bytes(tmp_path / "ru.csv", table_bytes(RUSSIAN, "cp1251"))
    assert main(["validate", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["encoding"] == "cp1251" and out["encoding_confidence"] >= LOW_CONFIDENCE
    assert out["total_rows"] == len(RUSSIAN) - 1

    assert main(["validate", str(path), "--json", "--encoding", "cp1251"]) == 0
    assert json.loads(capsys.readouterr().out)["encoding_confidence"] is None  # chosen, not guessed

    few = write_bytes(tmp_path / "few.csv", "E-mail;Nom\r\na@example.fr;Lefèvre\r\n".encode("cp1252"))
    assert main(["validate", str(few), "--lang", "fr"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == ("L’encodage du fichier a été deviné (cp1252), sans certitude : vérifiez ses "
                                    "lettres accentuées, ou indiquez --encoding.")
