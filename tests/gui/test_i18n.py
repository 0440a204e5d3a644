"""French and English: a complete catalogue, a live switch, no English left on any page in French."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conftest import open_file, validate
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "translations" / "crm_importer_fr.ts"


def _catalogue() -> dict[str, str]:
    """English source -> French, for every finished message (numerus ones excluded)."""
    out: dict[str, str] = {}
    for message in ET.parse(TS).getroot().iter("message"):
        translation = message.find("translation")
        assert translation is not None
        assert translation.get("type") != "unfinished", message.find("source").text
        if message.get("numerus") != "yes":
            out[message.find("source").text or ""] = translation.text or ""
    return out


def test_catalogue_is_complete_and_up_to_date(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "crm_importer" / "gui").glob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], check=True, capture_output=True)
    wanted = {m.find("source").text for m in ET.parse(fresh).getroot().iter("message")}
    have = {m.find("source").text for m in ET.parse(TS).getroot().iter("message")}
    assert wanted <= have, f"run translations/update.sh and translate: {sorted(wanted - have)}"
    assert (ROOT / "translations" / "crm_importer_fr.qm").stat().st_mtime >= TS.stat().st_mtime - 5
    french = _catalogue()
    assert french["Validate & analyse"] == "Valider & analyser"


def _visible_texts(root: QWidget) -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisibleTo(root) and w is not root:
            continue
        name = type(w).__name__
        if isinstance(w, QLabel | QAbstractButton):
            texts.append((name, w.text()))
        if isinstance(w, QGroupBox):
            texts.append((name, w.title()))
        if isinstance(w, QLineEdit):
            texts.append((name, w.placeholderText()))
        if isinstance(w, QComboBox):
            texts.extend((name, w.itemText(i)) for i in range(w.count()))
        if isinstance(w, QTableView) and w.model() is not None:
            model = w.model()
            from PySide6.QtCore import Qt

            texts.extend((name, str(model.headerData(c, Qt.Orientation.Horizontal) or ""))
                         for c in range(model.columnCount()))
    return [(n, t) for n, t in texts if t]


def _leftovers(root: QWidget, catalogue: dict[str, str]) -> list[tuple[str, str]]:
    english = {src for src, fr in catalogue.items() if src != fr and "{" not in src}
    english_parts = {src.split("{")[0].strip() for src, fr in catalogue.items()
                     if "{" in src and src.split("{")[0].strip() and src.split("{")[0] != fr.split("{")[0]}
    bad = []
    for name, text in _visible_texts(root):
        plain = text.replace("&", "")
        if text in english or plain in english or any(len(p) > 3 and text.startswith(p) for p in english_parts):
            bad.append((name, text))
    return bad


def test_switching_to_french_leaves_no_english(qtbot: Any, window: Any, prompts: Any) -> None:
    catalogue = _catalogue()
    window.set_language("fr")
    assert window.ctx.settings.language == "fr"
    wizard = window.wizard
    assert wizard.next_button.text() == "Suivant" and window.nav_history.text() == "Historique"
    # Qt's own strings come from qtbase_fr
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"
    assert _leftovers(window, catalogue) == []
    open_file(qtbot, window)
    for _ in range(3):
        assert _leftovers(window, catalogue) == [], wizard.current
        wizard.go_next()
    validate(qtbot, window)
    assert wizard.validation_page.title.text() == "Valider & analyser"
    assert "Tous les problèmes" in wizard.validation_page.filter.itemText(0)
    reasons = [wizard.validation_page.model.data(wizard.validation_page.model.index(r, 1))
               for r in range(wizard.validation_page.model.rowCount())]
    assert any("Adresse e-mail invalide" in r for r in reasons) and any("Doublon de la ligne" in r for r in reasons)
    assert _leftovers(window, catalogue) == []
    wizard.go_next()
    assert wizard.import_page.start_button.text() == "Importer 189 lignes"
    assert _leftovers(window, catalogue) == []
    window.show_view(1)
    assert _leftovers(window, catalogue) == []
    dialog = window.open_connection_dialog()
    assert dialog.windowTitle() == "Connexion au CRM"
    assert _leftovers(dialog, catalogue) == []
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "Annuler"
    dialog.reject()
    # numbers follow the language; back to English live
    from crm_importer.gui.page_import import ImportPage

    assert ImportPage.tr("Import %Ln rows", "", 48_500) == "Importer 48\u202f500 lignes"
    window.set_language("en")
    assert ImportPage.tr("Import %Ln rows", "", 48_500) == "Import 48,500 rows"
    assert ImportPage.tr("Import %Ln rows", "", 1) == "Import 1 row"
    assert window.nav_history.text() == "Import history"
    assert wizard.import_page.start_button.text() == "Import 189 rows"


def test_language_is_remembered(qtbot: Any, qapp: Any) -> None:
    from crm_importer.gui.app import create_main_window

    first = create_main_window(auto_connect=False)
    first.set_language("fr")
    first.ctx.close()
    first.deleteLater()
    second = create_main_window(auto_connect=False)
    qtbot.addWidget(second)
    assert second.ctx.lang == "fr" and second.language_actions["fr"].isChecked()
    second.set_language("")  # the system language (English in the tests' environment)
    assert second.ctx.lang == "en"
    second.ctx.close()


def test_history_words_a_failed_job_in_the_language_of_the_window(qtbot: Any, window: Any, tmp_path: Path) -> None:
    """The reason a job failed is stored as a code and its parameters: History says it in French or English,
    whatever language the importer ran in."""
    from crm_importer.crm.connection import CrmError
    from crm_importer.engine.errors import NotCompletedError

    store = window.ctx.store
    failed = store.create_job(file_path=tmp_path / "leads.csv", crm_target="host=crm dbname=crm",
                              actor_email="admin@example.com", total_rows=10)
    store.fail_job(failed.id, NotCompletedError("commit_failed", batch=3, batches=7, reason="disk full",
                                                job_id=failed.id))
    unreachable = store.create_job(file_path=tmp_path / "other.csv", crm_target="host=crm dbname=crm",
                                   actor_email="admin@example.com", total_rows=10)
    store.fail_job(unreachable.id, CrmError("db_unreachable", host="crm.example.com", port=5432, detail="x"))
    history = window.history
    window.show_view(1)
    for lang, words, unreachable_words in (
        ("fr", "L’import s’est arrêté au lot 3 sur 7 : disk full", "Impossible de joindre le serveur"),
        ("en", "The import stopped at batch 3 of 7: disk full", "Cannot reach the database server"),
    ):
        window.set_language(lang)
        history.refresh()
        assert history.select_job(failed.id)
        assert history.banner.text.text().startswith(words)
        row = [j.id for j in history.model.jobs].index(failed.id)
        assert history.model.data(history.model.index(row, history.model.STATUS), Qt.ItemDataRole.ToolTipRole).startswith(words)
        assert history.select_job(unreachable.id)
        assert history.banner.text.text().startswith(unreachable_words)
    # Scripts keep the English sentence (history --json).
    assert store.get_job(failed.id).error_message.startswith("The import stopped at batch 3 of 7")


def test_undo_summary_names_leads_kept_for_other_records(window: Any) -> None:
    from crm_importer.gui import texts

    result = {"job_id": "j", "deleted": 1200, "restored": 3, "kept": ["a"], "referenced": ["b", "c"]}
    window.set_language("fr")
    assert texts.undo_summary(result) == ("Import annulé : 1\u202f200 leads supprimés, 3 restaurés, 1 conservés car "
                                          "modifiés depuis. 2 conservés car d’autres fiches du CRM y font référence.")
    window.set_language("en")
    assert texts.undo_summary({**result, "referenced": []}) == (
        "Import undone: 1,200 leads removed, 3 restored, 1 kept because they were edited since.")


def test_every_phase_the_engine_reports_has_words_in_both_languages(window: Any) -> None:
    from crm_importer.cli import PHASES
    from crm_importer.gui import texts

    phases = ("hashing", "validating", "deduplicating", "committing", "reconnecting", "reporting", "undoing")
    assert set(PHASES) == set(phases)
    window.set_language("fr")
    assert texts.phase_label("reconnecting") == "Le CRM ne répond pas : reconnexion…"
    french = {p: texts.phase_label(p) for p in phases}
    window.set_language("en")
    english = {p: texts.phase_label(p) for p in phases}
    assert all(french[p] != english[p] != p for p in phases), (french, english)
