"""Installed as a Python package (not from a checkout): the wheel holds the stylesheet, icons, sample file and
translations, and the GUI started from it is styled, in French, with the sample file at hand.

The wheel is built from this checkout with pip (as ``pip install .`` or ``pipx install`` would) and installed
into a fresh virtual environment that sees no checkout: its own site-packages first, then (through a .pth
file) this environment's, for the dependencies — PySide6 and polars are not installed a second time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = r"""
import json, os, sys
from PySide6.QtWidgets import QLabel, QPushButton
import crm_importer
from crm_importer.gui import app as gui_app, resources

qapp = gui_app.create_app([])
window = gui_app.create_main_window(auto_connect=False, notices=False)
window.show()
qapp.processEvents()
texts = [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QPushButton)]
sample = resources.sample_file()
print(json.dumps({
    "package": crm_importer.__file__,
    "stylesheet": qapp.styleSheet(),
    "lang": window.ctx.translations.lang,
    "texts": texts,
    "sample": str(sample),
    "sample_rows": len(sample.read_text(encoding="utf-8").splitlines()) if sample.exists() else 0,
    "icon": not resources.icon("app").isNull(),
    "translations": sorted(p.name for p in resources.translations_dir().glob("*.qm")),
    "missing": gui_app.missing_resources(qapp),
}))
window.close()
window.ctx.close()
"""


def _packages_on_disk() -> set[str]:
    return {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "crm_importer").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists the packages (the data folders are mapped in beside them): a new subpackage
    missing there would be missing from every installed copy, though the checkout runs fine."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    assert _packages_on_disk() <= listed, f"not in pyproject.toml: {sorted(_packages_on_disk() - listed)}"
    assert config["package-dir"] == {"crm_importer.resources": "resources",
                                     "crm_importer.translations": "translations"}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_wheel_installs_and_the_gui_starts_styled_in_french_with_the_sample(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = dist.glob("crm_importer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for wanted in ("crm_importer/resources/style.qss", "crm_importer/resources/icons/app.svg",
                   "crm_importer/resources/samples/leads-sample.csv",
                   "crm_importer/translations/crm_importer_fr.qm", "crm_importer/engine/readers/delimited.py"):
        assert wanted in names, f"{wanted} is not in {wheel.name}"
    assert not [n for n in names if "/screenshots/" in n or n.endswith(".ts")], "documentation in the wheel"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
         str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    # The dependencies: this environment's site-packages, after the new one's (a .pth appends it).
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(QT_QPA_PLATFORM="offscreen", CRM_IMPORTER_HOME=str(tmp_path / "home"), CRM_IMPORTER_LANG="fr")
    run = subprocess.run([str(python), "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True,
                         encoding="utf-8", timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert Path(seen["package"]).is_relative_to(site), f"not the installed copy: {seen['package']}"
    assert "QPushButton#Nav" in seen["stylesheet"], "unstyled"
    assert "@ICONS@" not in seen["stylesheet"] and (site / "crm_importer/resources/icons").as_posix() in seen[
        "stylesheet"], "the stylesheet's icons do not point into the installed package"
    assert seen["icon"]
    assert seen["lang"] == "fr"
    assert "Choisissez le fichier à importer" in seen["texts"], seen["texts"][:20]
    assert "ou essayez le fichier d’exemple" in seen["texts"]
    assert Path(seen["sample"]).is_relative_to(site) and seen["sample_rows"] > 100
    assert "crm_importer_fr.qm" in seen["translations"]
    assert seen["missing"] == []

    # The smoke mode of the installed launcher (what the bundle's smoke test runs) passes too.
    smoke = subprocess.run([str(python), "-m", "crm_importer", "--smoke"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=180)
    assert smoke.returncode == 0, smoke.stderr[-2000:]


def test_smoke_mode_names_missing_data_files(qapp: Any) -> None:
    from crm_importer.gui.app import missing_resources
    from crm_importer.gui.resources import stylesheet

    qapp.setStyleSheet("")
    try:
        assert "resources/style.qss" in missing_resources(qapp)
    finally:
        qapp.setStyleSheet(stylesheet())
    assert missing_resources(qapp) == []
