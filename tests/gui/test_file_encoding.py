"""The File page and files that are not UTF-8: the detected encoding is shown whole, in both languages, a
guess that may be wrong is flagged; a header-only file validates to "nothing to import"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import open_file, validate


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


FRENCH = ("Prénom;Nom;Ville;E-mail\r\nHélène;Lefèvre;Besançon;helene@example.fr\r\n"
          "François;Gaëtan;Orléans;f@example.fr\r\nJérôme;Bénard;Saint-Étienne;j@example.fr\r\n"
          "Noël;Mégane;Nîmes;noel@example.fr\r\nZoë;Crêpe;Sète;zoe@example.fr\r\n")
RUSSIAN = ("Имя;Фамилия;Город;E-mail\r\nИван;Васильев;Москва;ivan@example.ru\r\n"
           "Ольга;Смирнова;Санкт-Петербург;olga@example.ru\r\nДмитрий;Кузнецов;Новосибирск;d@example.ru\r\n")


def _combo_shows_its_text(combo: Any) -> bool:
    """The current entry fits: the combo is at least as wide as its own size hint, which holds the text."""
    text_width = combo.fontMetrics().horizontalAdvance(combo.currentText())
    return combo.width() >= combo.sizeHint().width() and combo.sizeHint().width() > text_width


def test_detected_encoding_is_shown_whole_in_french(qtbot: Any, window: Any, tmp_path: Path) -> None:
    page = window.wizard.file_page
    # First an English UTF-8 file: the combo is first shown with a short entry ("Detected: UTF-8").
    open_file(qtbot, window, write(tmp_path / "utf8.csv", FRENCH, "utf-8"))
    assert page.encoding.currentText() == "Detected: UTF-8"
    window.set_language("fr")
    open_file(qtbot, window, write(tmp_path / "clients.csv", FRENCH, "cp1252"))
    assert page.encoding.currentText() == "Détecté : Windows-1252 (Europe de l’Ouest)"
    qtbot.waitUntil(lambda: _combo_shows_its_text(page.encoding), timeout=5_000)
    assert not page.encoding_note.isVisible()

    open_file(qtbot, window, write(tmp_path / "clients-ru.csv", RUSSIAN, "cp1251"))
    assert page.encoding.currentText() == "Détecté : Windows-1251 (cyrillique)"
    qtbot.waitUntil(lambda: _combo_shows_its_text(page.encoding), timeout=5_000)
    assert window.wizard.state.inspection.preview["c1"].to_list()[:2] == ["Васильев", "Смирнова"]
    assert not page.encoding_note.isVisible()


def test_an_unsure_guess_is_flagged_and_can_be_overridden(qtbot: Any, window: Any, tmp_path: Path) -> None:
    page = window.wizard.file_page
    open_file(qtbot, window, write(tmp_path / "one-accent.csv", "Nom;E-mail\r\nLefèvre;l@example.fr\r\n", "cp1252"))
    assert page.encoding.currentText() == "Detected (not certain): Windows-1252 (Western Europe)"
    assert page.encoding_note.isVisible()
    assert "guess" in page.encoding_note.text()
    window.set_language("fr")
    assert page.encoding.currentText() == "Détecté (sans certitude) : Windows-1252 (Europe de l’Ouest)"
    assert "deviné" in page.encoding_note.text()

    page.encoding.setCurrentIndex(page.encoding.findData("cp1250"))
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.encoding.activated.emit(page.encoding.currentIndex())
    assert window.wizard.state.inspection.info.encoding == "cp1250"
    assert window.wizard.state.inspection.preview["c0"].to_list() == ["Lefčvre"]
    assert not page.encoding_note.isVisible()  # chosen, no longer a guess


def test_header_only_file_has_nothing_to_import(qtbot: Any, window: Any, tmp_path: Path) -> None:
    open_file(qtbot, window, write(tmp_path / "vide.csv", "E-mail;Nom\r\n", "utf-8"))
    job = validate(qtbot, window)
    assert job.total_rows == 0
    page = window.wizard.validation_page
    assert page.banner.isVisible()
    assert "nothing to import" in page.banner.text.text()
    assert not window.wizard.next_button.isEnabled()
