"""On X11, the libraries Qt's xcb plugin links are checked before Qt starts: a missing one is named with the
command that installs it (one sentence, exit 1), instead of Qt's abort (exit 134) naming xcb-cursor0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from crm_importer.gui import display

ROOT = Path(__file__).resolve().parents[2]

#: The launcher with one more library to find than Qt needs, one that no system has.
LAUNCH = """
import sys
from crm_importer.gui import display
display.XCB_LIBRARIES["libxcb-crm-importer-test.so.0"] = ("libxcb-icccm4", "xcb-util-wm")
from crm_importer.gui.app import run_gui
raise SystemExit(run_gui([]))
"""


def test_the_plugin_libraries_are_the_ones_pyside6_links() -> None:
    """XCB_LIBRARIES covers every xcb/xkb library Qt's xcb plugin of the installed PySide6 needs."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    needed: set[str] = set()
    for lib in (qt / "plugins/platforms/libqxcb.so", qt / "lib/libQt6XcbQpa.so.6"):
        data = lib.read_bytes()
        needed |= {name.decode() for name in re.findall(rb"lib(?:xcb|xkbcommon|X11-xcb)[\w-]*\.so\.\d+", data)}
    assert needed and needed <= set(display.XCB_LIBRARIES), sorted(needed - set(display.XCB_LIBRARIES))


def test_nothing_is_missing_here_and_other_platforms_are_not_checked() -> None:
    assert display.missing_xcb_libraries({"DISPLAY": ":0"}) == []  # CI installs what Qt needs
    assert not display.uses_xcb({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"})
    assert not display.uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"})
    assert display.uses_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert not display.uses_xcb({})


def test_a_missing_library_is_named_in_one_sentence_before_qt_starts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":99", CRM_IMPORTER_HOME=str(tmp_path), CRM_IMPORTER_LANG="fr")
    run = subprocess.run([sys.executable, "-c", LAUNCH], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines == ["La fenêtre ne peut pas s’ouvrir : il manque les bibliothèques X11 "
                     "libxcb-crm-importer-test.so.0 ; installez-les (Debian, Ubuntu : sudo apt install "
                     "libxcb-icccm4 ; Fedora : sudo dnf install xcb-util-wm) puis relancez crm-importer."]
