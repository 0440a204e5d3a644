#!/bin/sh
# Re-extract the GUI's strings into the .ts catalogues (translations kept), then compile them to .qm.
#   sh translations/update.sh            (from the repository root; pyside6-* from the project's venv)
# Translate new strings in crm_importer_fr.ts (Qt Linguist: pyside6-linguist, or any editor), then run again.
# crm_importer_en.ts only holds plural forms ("1 row" / "2 rows").
set -e
cd "$(dirname "$0")/.."
BIN="${PYSIDE6_BIN:-$(dirname "$(command -v python)")}"
"$BIN/pyside6-lupdate" crm_importer/gui/*.py -no-obsolete -ts translations/crm_importer_fr.ts
"$BIN/pyside6-lupdate" crm_importer/gui/*.py -no-obsolete -pluralonly -ts translations/crm_importer_en.ts
"$BIN/pyside6-lrelease" translations/crm_importer_fr.ts translations/crm_importer_en.ts
