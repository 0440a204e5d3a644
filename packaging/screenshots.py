"""Screenshots of every wizard page for the README, taken offscreen on a sample file with the demo CRM's own
columns (a call-back date, a score, a temperature picklist, tags).

    python packaging/screenshots.py [--lang en|fr|all] [--out resources/screenshots]

``--lang all`` takes both sets, each in a process of its own: English in ``OUT``, French in ``OUT/fr``.

The import runs against the built-in demo CRM, or against ``CRM_IMPORTER_DSN`` signed in as
``CRM_IMPORTER_EMAIL`` when both are set. Everything else (job store, settings, demo data) lives in a
temporary ``CRM_IMPORTER_HOME`` unless one is set, so the user's own history is never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("en", "fr", "all"), default="en")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--file", type=Path, default=ROOT / "resources" / "samples" / "leads-rappels.csv")
    args = parser.parse_args()
    if args.lang == "all":
        import subprocess

        for lang, out in (("en", args.out), ("fr", args.out / "fr")):
            code = subprocess.call([sys.executable, __file__, "--lang", lang, "--out", str(out),
                                    "--file", str(args.file)])
            if code:
                return code
        return 0
    home = os.environ.get("CRM_IMPORTER_HOME") or tempfile.mkdtemp(prefix="crm-importer-shots-")
    os.environ["CRM_IMPORTER_HOME"] = home
    os.environ["CRM_IMPORTER_LANG"] = args.lang

    from PySide6.QtCore import QCoreApplication

    from crm_importer.gui.app import create_app, create_main_window
    from crm_importer.gui.tasks import CrmSession, check_connection

    app = create_app([])
    window = create_main_window(auto_connect=False)
    ctx, wizard = window.ctx, window.wizard
    window.set_language(args.lang)
    ctx.ask = lambda *a, **k: True  # type: ignore[method-assign]
    ctx.open_path = lambda path: None  # type: ignore[method-assign]
    window.resize(1280, 800)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)

    def wait(predicate: Callable[[], bool], timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError("the GUI did not get there in time")
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        for _ in range(20):
            QCoreApplication.processEvents()
        path = args.out / f"{name}.png"
        window.grab().save(str(path))
        print(path)

    shot("00-welcome")
    dsn, email = os.environ.get("CRM_IMPORTER_DSN"), os.environ.get("CRM_IMPORTER_EMAIL")
    if dsn and email:
        ctx.set_session(check_connection(CrmSession(dsn, email)))
    else:
        window.start_demo()
    wait(lambda: ctx.session is not None)
    wizard.file_page.open_path(args.file)
    wait(lambda: wizard.state.inspection is not None and wizard.state.file_hash is not None)
    shot("01-file")
    wizard.go_next()
    page = wizard.mapping_page
    for _ in range(20):
        QCoreApplication.processEvents()
    # The rows of the CRM's own columns (type, allowed values, how dates read) are at the end: show them.
    page.mapping_scroll.verticalScrollBar().setValue(page.mapping_scroll.verticalScrollBar().maximum())
    page.table.horizontalScrollBar().setValue(page.table.horizontalScrollBar().maximum())
    shot("02-mapping")
    page.mapping_scroll.verticalScrollBar().setValue(0)
    page.table.horizontalScrollBar().setValue(0)
    wizard.go_next()
    wait(lambda: bool(wizard.options_page.profiles))
    wizard.options_page.set_assignment("round_robin", tuple(p.email for p in wizard.options_page.profiles
                                                            if p.role == "sales"))
    shot("03-options")
    wizard.go_next()
    wizard.validation_page.start()
    wait(lambda: wizard.state.job is not None)
    wizard.validation_page.table.selectRow(0)
    shot("04-validation")
    wizard.go_next()
    shot("05-import-ready")
    wizard.import_page.start()
    wait(lambda: wizard.import_page.task is None and wizard.state.imported is not None)
    shot("06-import-done")
    window.show_view(1)
    window.history.table.selectRow(0)
    shot("07-history")
    window.open_connection_dialog()
    dialog = window.connection_dialog
    assert dialog is not None
    for _ in range(20):
        QCoreApplication.processEvents()
    dialog.grab().save(str(args.out / "08-connection.png"))
    print(args.out / "08-connection.png")
    dialog.reject()
    window.close()
    ctx.close()
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
