"""Before Qt opens a window on X11: the libraries its xcb platform plugin links, checked first.

Without one of them Qt aborts (exit 134) with "Could not load the Qt platform plugin xcb … xcb-cursor0 or
libxcb-cursor0 is needed", whichever library is actually missing (on a fresh Debian desktop it is usually
libxcb-icccm4 and libxcb-keysyms1). This module does not import Qt: it tries each library the plugin needs
(PySide6 6.12's ``libqxcb.so`` and ``libQt6XcbQpa.so.6``) the way the dynamic loader will, the bundle's own
copies included, and names the packages to install.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: soname -> (Debian/Ubuntu package, Fedora/RHEL package), in the order they are said.
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
}


def uses_xcb(environ: dict[str, str] | None = None) -> bool:
    """Whether Qt will open its windows through X11 (xcb): on Linux, asked for, or an X session."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return False  # Qt picks its Wayland plugin
    return bool(env.get("DISPLAY"))


def missing_xcb_libraries(environ: dict[str, str] | None = None) -> list[str]:
    """The sonames of :data:`XCB_LIBRARIES` that cannot be loaded, when Qt will use xcb (else [])."""
    if not uses_xcb(environ):
        return []
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def install_hint(missing: list[str], lang: str) -> str:
    """One sentence: which libraries are missing and the command that installs them."""
    from crm_importer.messages import message

    apt = sorted({XCB_LIBRARIES[s][0] for s in missing})
    dnf = sorted({XCB_LIBRARIES[s][1] for s in missing})
    return message("display_libraries_missing", lang, libraries=", ".join(missing), apt=" ".join(apt),
                   dnf=" ".join(dnf))
