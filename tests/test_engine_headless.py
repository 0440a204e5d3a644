"""The engine never imports Qt: with PySide6 made unimportable, the engine and the CLI still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from helpers import write_csv

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    for name in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
        sys.modules[name] = None  # any "import PySide6..." now raises ImportError

    import crm_importer.engine as engine

    loaded = []
    for info in pkgutil.walk_packages(engine.__path__, "crm_importer.engine."):
        importlib.import_module(info.name)
        loaded.append(info.name)
    import crm_importer.cli as cli

    code = cli.main(["validate", sys.argv[1], "--report", sys.argv[2], "--json"])
    qt = sorted(m for m, mod in sys.modules.items() if mod is not None and m.split(".")[0] in
                ("PySide6", "shiboken6", "PyQt5", "PyQt6"))
    print(json.dumps({"code": code, "loaded": loaded, "qt": qt}), file=sys.stderr)
    sys.exit(code)
    """
)


def test_engine_and_cli_run_without_qt(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "leads.csv",
        [
            ["Prénom", "E-mail", "Téléphone"],
            ["Zoé", "zoe@exemple.fr", "0612345678"],
            ["Léa", "lea@exemple.fr", ""],
        ],
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_IMPORTER_HOME": str(tmp_path / "home")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), str(tmp_path / "r.xlsx")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stderr.strip().splitlines()[-1])
    assert status["code"] == 0
    assert status["qt"] == []
    for module in (
        "readers.delimited",
        "readers.xlsx",
        "validate",
        "dedupe",
        "jobstore",
        "pipeline",
        "report",
        "mapping",
        "phones",
        "errors",
    ):
        assert f"crm_importer.engine.{module}" in status["loaded"]
    out = json.loads(result.stdout)
    assert (out["total_rows"], out["valid_rows"], out["invalid_rows"]) == (2, 2, 0)
    assert (tmp_path / "r.xlsx").exists()
