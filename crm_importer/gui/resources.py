"""Where the stylesheet, icons, samples and translations are: package data, read through importlib.resources.

They live at the repository's root (``resources/``, ``translations/``) and are shipped inside the package as
``crm_importer/resources`` and ``crm_importer/translations``: the wheel maps them there (``pyproject.toml``,
``[tool.setuptools.package-dir]``) and so does the PyInstaller bundle (``packaging/crm_importer.spec``). An
editable checkout has them only at the root, beside the package, which is the fallback.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files
from pathlib import Path

from PySide6.QtGui import QIcon

#: The data folders, as the package holds them.
KINDS = ("resources", "translations")


def _package_root() -> Path | None:
    """The installed package's folder as a real path (Qt needs file names), or None."""
    root = files("crm_importer")
    return root if isinstance(root, Path) else None


def _roots() -> list[Path]:
    roots = []
    package = _package_root()
    if package is not None:
        roots.append(package)  # a wheel, the bundle
        roots.append(package.parent)  # an editable checkout: the repository's root
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))  # a bundle built by an older spec, data at its root
    return roots


@cache
def find(kind: str, name: str = "") -> Path | None:
    """``kind`` is ``resources`` or ``translations``; the first root holding it wins."""
    if kind not in KINDS:
        raise ValueError(f"unknown data folder {kind!r}")
    for root in _roots():
        path = root / kind / name if name else root / kind
        if path.exists():
            return path
    return None


def _dir(kind: str) -> Path:
    # Missing (a broken install): a path that does not exist, so the app still starts, unstyled.
    return find(kind) or Path(__file__).resolve().parent.parent / kind


def resources_dir() -> Path:
    return _dir("resources")


def translations_dir() -> Path:
    return _dir("translations")


def sample_file() -> Path:
    return resources_dir() / "samples" / "leads-sample.csv"


@cache
def icon(name: str) -> QIcon:
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def stylesheet() -> str:
    path = resources_dir() / "style.qss"
    if not path.exists():
        return ""
    # QSS resolves url() against the working directory: point it at our icons folder explicitly.
    icons = (resources_dir() / "icons").as_posix()
    return path.read_text(encoding="utf-8").replace("@ICONS@", icons)
