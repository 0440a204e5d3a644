"""One reader per format, chosen by content first and extension second."""

from __future__ import annotations

from pathlib import Path

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.readers.base import ReadOptions, TableInfo, TableReader

__all__ = ["ReadOptions", "TableInfo", "TableReader", "open_table", "is_workbook"]

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def is_workbook(path: Path) -> bool:
    with Path(path).open("rb") as f:
        head = f.read(8)
    return head.startswith(ZIP_MAGIC) or head == OLE2_MAGIC or Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def open_table(path: str | Path, options: ReadOptions | None = None) -> TableReader:
    """Open ``path`` with the reader its content calls for; unusable files raise one clear error."""
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise UnusableFileError("file_not_found", path=str(path))
    if path.is_dir():
        raise UnusableFileError("not_a_table", path=str(path))
    try:
        if path.stat().st_size == 0:
            raise UnusableFileError("empty_file", path=str(path))
        if is_workbook(path):
            from crm_importer.engine.readers.xlsx import XlsxReader

            return XlsxReader(path, options)
        from crm_importer.engine.readers.delimited import DelimitedReader

        return DelimitedReader(path, options)
    except PermissionError as exc:
        raise UnusableFileError("file_unreadable", path=str(path), reason=exc.strerror or "permission denied") from None
