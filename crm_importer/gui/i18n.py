"""French and English, switched live: our translations, Qt's own (``qtbase``), and the locale for numbers.

The language is the one chosen in the menu (remembered), else ``CRM_IMPORTER_LANG``, else the system
locale. Qt's ``qtbase_fr.qm`` translates the standard buttons and dialogs (Cancel, Open…), which our
catalogue does not repeat. An English catalogue exists too, holding only plural forms ("1 row",
"2 rows"), since source strings with ``%n`` read badly untranslated.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Signal

from crm_importer.gui.resources import translations_dir

LANGUAGES = ("fr", "en")
CATALOGUE = "crm_importer"


def system_language() -> str:
    env = os.environ.get("CRM_IMPORTER_LANG", "")
    if env[:2].lower() in LANGUAGES:
        return env[:2].lower()
    return "fr" if QLocale.system().language() == QLocale.Language.French else "en"


def locale_for(lang: str) -> QLocale:
    if lang == "fr":
        return QLocale(QLocale.Language.French, QLocale.Country.France)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


class Translations(QObject):
    """Installs the translators for one language; ``language_changed`` tells every view to re-word."""

    language_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lang = "en"
        self._installed: list[QTranslator] = []

    def apply(self, choice: str) -> str:
        """Switch to ``choice`` (``fr``/``en``, or ``""`` for the system language); returns the language used."""
        lang = choice if choice in LANGUAGES else system_language()
        app = QCoreApplication.instance()
        self.uninstall()
        QLocale.setDefault(locale_for(lang))
        loads = [(CATALOGUE + "_" + lang, str(translations_dir()))]
        if lang != "en":
            loads.append(("qtbase_" + lang, QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)))
        for name, folder in loads:
            translator = QTranslator(self)
            if translator.load(name, folder) and app is not None:
                app.installTranslator(translator)
                self._installed.append(translator)
        self.lang = lang
        self.language_changed.emit(lang)
        return lang


    def uninstall(self) -> None:
        """Take our translators off the application (a closed window must not leave its language behind)."""
        app = QCoreApplication.instance()
        for translator in self._installed:
            if app is not None:
                app.removeTranslator(translator)
        self._installed = []


def fmt_int(value: int) -> str:
    """A count in the current language's digits grouping: 48 500 in French, 48,500 in English."""
    return QLocale().toString(int(value))
