"""Helpers for crm_importer.spec: a smaller bundle without losing anything the app runs.

1. ``trim_binaries``: drop Qt plugins the app cannot use, with the libraries only they need.

PyInstaller's Qt hooks collect every plugin of a type (all ``platforms``, all ``platformthemes``...) and then
every shared library those plugins link, from the build machine. Some are useless or harmful here:

* ``platformthemes/libqgtk3`` links GTK 3 and its stack (cairo, pango, gdk-pixbuf, atk, harfbuzz...): the
  bundle would ship the build machine's copies, which then clash with the desktop's own GTK modules and
  themes. The app uses the Fusion style and its own stylesheet; file dialogs still go native through the
  ``xdgdesktopportal`` theme, which is kept.
* embedded-device back-ends (``eglfs``, ``linuxfb``, ``vnc``, ``vkkhrdisplay``, ``minimalegl``) and the evdev
  input plugins they use (``generic``), with the ``EglFS`` libraries: a desktop app runs on xcb or wayland
  (and ``offscreen`` for the smoke test).

A library is removed only when nothing kept links it (``DT_NEEDED``, read straight from the ELF files, which
takes milliseconds where running ``ldd`` on ~300 libraries takes ~20 s). Only ELF (Linux) binaries are
considered; on Windows and macOS nothing matches and nothing is removed.

2. ``strip_binaries``: strip the symbol tables of a few big libraries shipped unstripped (polars' runtime:
178 -> 138 MB; libpython built with debug info: 23 -> 6 MB; fastexcel, cryptography...), ~70 MB in all. Only
an allow-list, on Linux: never the libraries that auditwheel patched (``*.libs`` folders, numpy, psycopg,
PostgreSQL), because strip can corrupt files rewritten by patchelf; never on macOS (code signatures).
PyInstaller's own ``strip=True`` would strip everything.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable

# Paths (relative to the bundle's contents directory) of plugins the app never loads.
UNWANTED_QT_PLUGINS = (
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/egldeviceintegrations/*",
    "PySide6/Qt/plugins/generic/*",
)

# Loaded with dlopen() by name rather than linked, so DT_NEEDED cannot vouch for them: never removed.
PROTECTED = ("libdbus-1.so*", "libGL*", "libEGL*", "libxkbcommon*", "libfontconfig*", "libfreetype*")

Entry = tuple[str, str, str]  # PyInstaller TOC entry: (dest_name, src_name, typecode)


def elf_needed(path: str) -> list[str] | None:
    """The DT_NEEDED names of an ELF file, or None when it is not one (or cannot be read)."""
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF":
                return None
            is64 = ident[4] == 2
            end = "<" if ident[5] == 1 else ">"
            if is64:
                f.seek(0x28)
                (shoff,) = struct.unpack(end + "Q", f.read(8))
                f.seek(0x3A)
                shentsize, shnum = struct.unpack(end + "HH", f.read(4))
                sh_fmt, dyn_fmt = end + "IIQQQQIIQQ", end + "qQ"
            else:
                f.seek(0x20)
                (shoff,) = struct.unpack(end + "I", f.read(4))
                f.seek(0x2E)
                shentsize, shnum = struct.unpack(end + "HH", f.read(4))
                sh_fmt, dyn_fmt = end + "IIIIIIIIII", end + "iI"
            if not shoff or not shnum:
                return None
            sections = []
            for i in range(shnum):
                f.seek(shoff + i * shentsize)
                sections.append(struct.unpack(sh_fmt, f.read(struct.calcsize(sh_fmt))))
            names: list[str] = []
            for sec in sections:
                if sec[1] != 6:  # SHT_DYNAMIC
                    continue
                offset, size, link = sec[4], sec[5], sec[6]
                strtab_offset = sections[link][4]
                f.seek(offset)
                raw = f.read(size)
                step = struct.calcsize(dyn_fmt)
                for pos in range(0, len(raw) - step + 1, step):
                    tag, value = struct.unpack_from(dyn_fmt, raw, pos)
                    if tag == 0:  # DT_NULL
                        break
                    if tag == 1:  # DT_NEEDED
                        f.seek(strtab_offset + value)
                        names.append(f.read(256).split(b"\0", 1)[0].decode("utf-8", "replace"))
            return names
    except (OSError, struct.error, IndexError):
        return None


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) for p in patterns)


def trim_binaries(
    binaries: list[Entry], datas: list[Entry], unwanted: Iterable[str] = UNWANTED_QT_PLUGINS
) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """(binaries, datas, removed): without the unwanted plugins, the libraries only they link, and the
    symbolic links to those (PyInstaller lists its parent-directory symlinks among the datas)."""
    unwanted = tuple(unwanted)
    files = [e for e in binaries if e[2] != "SYMLINK"]
    dropped = [e for e in files if _matches(e[0].replace(os.sep, "/"), unwanted)]
    if not dropped:
        return list(binaries), list(datas), []

    needed_cache: dict[str, list[str]] = {}

    def needed(entry: Entry) -> list[str]:
        if entry[1] not in needed_cache:
            needed_cache[entry[1]] = elf_needed(entry[1]) or []
        return needed_cache[entry[1]]

    by_name: dict[str, list[Entry]] = {}
    for e in files:
        by_name.setdefault(os.path.basename(e[0]), []).append(e)

    def closure(roots: Iterable[Entry]) -> set[str]:
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            for name in needed(todo.pop()):
                if name not in seen and name in by_name:
                    seen.add(name)
                    todo.extend(by_name[name])
        return seen

    dropped_ids = {id(e) for e in dropped}
    candidates = {n for n in closure(dropped) if not _matches(n, PROTECTED)}
    roots = [e for e in files if id(e) not in dropped_ids and os.path.basename(e[0]) not in candidates]
    removable = candidates - closure(roots)
    removed_files = [e for e in files if id(e) in dropped_ids or os.path.basename(e[0]) in removable]
    removed_paths = {os.path.normpath(e[0]) for e in removed_files}

    def is_dead_link(e: Entry) -> bool:
        return (
            e[2] == "SYMLINK" and os.path.normpath(os.path.join(os.path.dirname(e[0]), e[1])) in removed_paths
        )

    removed_ids = {id(e) for e in removed_files}
    kept_binaries = [e for e in binaries if id(e) not in removed_ids and not is_dead_link(e)]
    kept_datas = [e for e in datas if not is_dead_link(e)]
    links = [e for e in (*binaries, *datas) if is_dead_link(e)]
    return kept_binaries, kept_datas, removed_files + links


# Bundle paths of big binaries that wheels ship with their symbol tables and that no tool has patched.
STRIPPABLE = (
    "_polars_runtime*/*.so",
    "fastexcel/*.so",
    "libpython3*.so*",
    "cryptography/hazmat/bindings/*.so",
    "python3*/lib-dynload/*.so",
)


def strip_binaries(
    binaries: list[Entry], workdir: str, patterns: Iterable[str] = STRIPPABLE
) -> tuple[list[Entry], int]:
    """(binaries, bytes saved): the allow-listed ELF files replaced by stripped copies kept in ``workdir``
    (reused while newer than their source, so a rebuild does not strip again). Linux only; a copy that
    fails to strip, or is no longer a readable ELF file, is left out and the original kept."""
    strip = shutil.which("strip")
    if not sys.platform.startswith("linux") or strip is None:
        return list(binaries), 0
    patterns = tuple(patterns)
    out: list[Entry] = []
    saved = 0
    for dest, src, typecode in binaries:
        if (
            typecode == "SYMLINK"
            or not _matches(dest.replace(os.sep, "/"), patterns)
            or elf_needed(src) is None
        ):
            out.append((dest, src, typecode))
            continue
        copy = os.path.join(workdir, "stripped", dest)
        fresh = os.path.exists(copy) and os.path.getmtime(copy) >= os.path.getmtime(src)
        if not fresh:
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copy2(src, copy + ".tmp")
            done = subprocess.run([strip, "--strip-unneeded", copy + ".tmp"], capture_output=True)
            if done.returncode != 0 or elf_needed(copy + ".tmp") is None:
                os.remove(copy + ".tmp")
                out.append((dest, src, typecode))
                continue
            os.replace(copy + ".tmp", copy)
        saved += os.path.getsize(src) - os.path.getsize(copy)
        out.append((dest, copy, typecode))
    return out, saved
