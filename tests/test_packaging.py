"""The packaged app (packaging/): the bundle builds and its smoke test passes; the helpers the spec uses.

The build itself (~1-2 min, then a ~45 s smoke test on 2 cores) runs when ``CI`` is set or
``CRM_IMPORTER_BUILD_BUNDLE=1``; elsewhere it is skipped with the reason. In CI it never skips: a missing
PyInstaller fails it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_trim  # noqa: E402 - packaging/bundle_trim.py
import smoke_test  # noqa: E402 - packaging/smoke_test.py

BUILD_WANTED = os.environ.get("CRM_IMPORTER_BUILD_BUNDLE") == "1" or bool(os.environ.get("CI"))


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundle_builds_and_passes_its_smoke_test() -> None:
    if not BUILD_WANTED:
        pytest.skip(
            "builds the PyInstaller bundle (~3 min): set CRM_IMPORTER_BUILD_BUNDLE=1 (always run in CI)"
        )
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail(f"PyInstaller is not installed for {sys.executable}: pip install -e '.[package]'")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CRM_IMPORTER_HOME")}
    proc = subprocess.run(
        [sys.executable, str(PACKAGING / "build.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=880,
    )
    output = proc.stdout + proc.stderr
    print(output)  # shown by pytest -rA or on failure: size, times, every check
    assert proc.returncode == 0, "build or smoke test failed:\n" + "\n".join(output.splitlines()[-40:])
    assert "Smoke test passed" in proc.stdout
    assert (PACKAGING / "dist" / "crm-importer" / "crm-importer").exists() or os.name == "nt"


def test_smoke_sample_expectations_match_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The answers the smoke test expects for the file it writes are the engine's own (from the sources)."""
    from crm_importer.cli import main

    path = tmp_path / "smoke-leads.csv"
    path.write_text(
        "\r\n".join(";".join(r) for r in smoke_test.SAMPLE_ROWS) + "\r\n", encoding="utf-8-sig", newline=""
    )
    code = main(["validate", str(path), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {k: result[k] for k in smoke_test.SAMPLE_EXPECTED} == smoke_test.SAMPLE_EXPECTED


def test_elf_needed_reads_a_real_executable() -> None:
    needed = bundle_trim.elf_needed(os.path.realpath(sys.executable))
    if sys.platform.startswith("linux"):
        assert needed and any(name.startswith("libc.so") for name in needed)
    else:
        assert needed is None  # PE or Mach-O: not ELF, nothing to trim
    assert bundle_trim.elf_needed(__file__) is None


def test_trim_drops_plugins_and_only_the_libraries_nothing_else_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    links = {
        "/src/libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6", "libglib-2.0.so.0"],
        "/src/libgtk-3.so.0": ["libcairo.so.2", "libglib-2.0.so.0"],
        "/src/libcairo.so.2": [],
        "/src/libQt6Gui.so.6": ["libglib-2.0.so.0", "libdbus-1.so.3"],
        "/src/libglib-2.0.so.0": [],
        "/src/libdbus-1.so.3": [],
        "/src/libqxcb.so": ["libQt6Gui.so.6"],
    }
    monkeypatch.setattr(bundle_trim, "elf_needed", lambda path: links.get(path))
    binaries = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/src/libcairo.so.2", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("libglib-2.0.so.0", "/src/libglib-2.0.so.0", "BINARY"),
        ("libdbus-1.so.3", "/src/libdbus-1.so.3", "BINARY"),
    ]
    datas = [
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("resources/style.qss", "/src/style.qss", "DATA"),
    ]
    kept, kept_datas, removed = bundle_trim.trim_binaries(binaries, datas)
    assert {Path(d).name for d, _, _ in removed} == {"libqgtk3.so", "libgtk-3.so.0", "libcairo.so.2"}
    assert {Path(d).name for d, _, _ in kept} == {
        "libqxcb.so",
        "libQt6Gui.so.6",
        "libglib-2.0.so.0",
        "libdbus-1.so.3",
    }
    assert kept_datas == datas

    # A symbolic link to a removed library goes with it.
    binaries.append(("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "/src/libeglfs.so", "BINARY"))
    binaries.append(("PySide6/Qt/plugins/platforms/libqeglfs.so", "/src/libqeglfs.so", "BINARY"))
    links["/src/libqeglfs.so"] = ["libQt6EglFSDeviceIntegration.so.6"]
    links["/src/libeglfs.so"] = []
    datas.append(
        ("libQt6EglFSDeviceIntegration.so.6", "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "SYMLINK")
    )
    _, kept_datas, removed = bundle_trim.trim_binaries(binaries, datas)
    assert (
        "libQt6EglFSDeviceIntegration.so.6",
        "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6",
        "SYMLINK",
    ) in removed
    assert all("EglFS" not in d for d, _, _ in kept_datas)
