"""Where the stylesheet, icons, samples and translations are, from a checkout or a PyInstaller bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

_HERE = Path(__file__).resolve().parent


def _roots() -> list[Path]:
    roots = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))
    roots += [_HERE.parent, _HERE.parent.parent]  # installed package data, then the repository
    return roots


def find(kind: str, name: str = "") -> Path | None:
    """``kind`` is ``resources`` or ``translations``; the first root holding it wins."""
    for root in _roots():
        path = root / kind / name if name else root / kind
        if path.exists():
            return path
    return None


def resources_dir() -> Path:
    return find("resources") or _HERE.parent.parent / "resources"


def translations_dir() -> Path:
    return find("translations") or _HERE.parent.parent / "translations"


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
