"""Shared writers and readers for the engine tests: real files on disk, no mocks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import keyring.errors
import polars as pl
from jaraco.classes import properties
from keyring.backend import KeyringBackend

from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.readers import ReadOptions, open_table
from crm_importer.engine.readers.base import EXTRA_COL, ROW_COL, TableReader, cell_col
from crm_importer.engine.validate import ValidatedBatch, ValidationOptions, validate_batch


def csv_text(
    rows: Iterable[Sequence[str]],
    delimiter: str = ",",
    newline: str = "\r\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> str:
    """``rows`` as RFC 4180 text (csv.writer, minimal quoting unless told otherwise)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def write_csv(
    path: Path,
    rows: Iterable[Sequence[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\r\n",
    prefix: bytes = b"",
) -> Path:
    """Write ``rows`` with csv.writer in ``encoding``; ``prefix`` goes before the encoded text (a BOM)."""
    path.write_bytes(prefix + csv_text(rows, delimiter, newline).encode(encoding))
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read_all(path: Path, **options: Any) -> tuple[TableReader, pl.DataFrame]:
    """Open ``path`` with the real reader and concatenate every batch."""
    reader = open_table(path, ReadOptions(**options))
    try:
        batches = list(reader.batches())
    finally:
        reader.close()
    frame = pl.concat(batches) if batches else pl.DataFrame()
    return reader, frame


def data_rows(frame: pl.DataFrame, ncols: int) -> list[tuple[int, list[str]]]:
    """``(row number, cells)`` for every row of a batch frame."""
    if frame.height == 0:
        return []
    cols = [cell_col(i) for i in range(ncols)]
    return [(int(r[0]), list(r[1:])) for r in frame.select(ROW_COL, *cols).iter_rows()]


def extras(frame: pl.DataFrame) -> dict[int, str | None]:
    return dict(frame.select(ROW_COL, EXTRA_COL).iter_rows())


def validate_rows(
    tmp_path: Path,
    rows: Sequence[Sequence[str]],
    *,
    options: ValidationOptions | None = None,
    mapping: dict[str, str | None] | None = None,
    batch_rows: int = 20_000,
    name: str = "leads.csv",
) -> tuple[ColumnMapping, list[ValidatedBatch]]:
    """Write ``rows`` (header first) as a CSV, read it back and validate every batch."""
    path = write_csv(tmp_path / name, rows)
    reader = open_table(path, ReadOptions(batch_rows=batch_rows))
    headers = reader.info.headers
    cmap = ColumnMapping.from_json(mapping, headers) if mapping is not None else ColumnMapping.auto(headers)
    opts = options or ValidationOptions()
    batches = [validate_batch(b, cmap, opts) for b in reader.batches()]
    reader.close()
    return cmap, batches


def lead_lines(n: int, *, start: int = 0, dup_every: int = 0, bad_every: int = 0) -> list[str]:
    """``n`` lines of a realistic lead file (``;``-separated, no header).

    Every ``dup_every``-th row repeats the email of the row before it (in another case); every
    ``bad_every``-th row has an invalid email and no phone.
    """
    out = []
    for i in range(start, start + n):
        email = f"lead{i}@example.fr"
        phone = f"06 {i // 1_000_000 % 100:02d} {i // 10_000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
        if dup_every and i % dup_every == dup_every - 1:
            email = f"LEAD{i - 1}@Example.fr"
            phone = ""
        if bad_every and i % bad_every == bad_every - 1:
            email = f"lead{i}-at-example.fr"
            phone = ""
        out.append(f"Prénom{i};Nom{i};{email};{phone};Société {i % 97};750{i % 20:02d}")
    return out


LEAD_HEADER = "Prénom;Nom;E-mail;Téléphone;Société;Code postal"


def write_leads(path: Path, n: int, *, dup_every: int = 0, bad_every: int = 0) -> Path:
    """A lead CSV of ``n`` data rows (see :func:`lead_lines`), UTF-8, CRLF."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(LEAD_HEADER + "\r\n")
        step = 50_000
        for start in range(0, n, step):
            lines = lead_lines(min(step, n - start), start=start, dup_every=dup_every, bad_every=bad_every)
            f.write("\r\n".join(lines) + "\r\n")
    return path


def write_overlong_cell_xlsx(path: Path, extra: int = 5_000) -> Path:
    """A workbook whose cell B3 is ``extra`` characters longer than Excel allows (Excel and openpyxl stop
    at 32,767; a hostile file need not): the sheet XML is patched after openpyxl wrote it."""
    import zipfile

    import openpyxl

    from crm_importer.engine.readers.base import MAX_CELL_CHARS

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "email"
    ws["A2"] = "a@b.fr"
    ws["B3"] = "PLACEHOLDER"
    source = path.with_name(path.stem + "-src.xlsx")
    wb.save(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info).replace(b"PLACEHOLDER", b"x" * (MAX_CELL_CHARS + extra)))
    return path


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict: the real keyring API without an OS secret store.

    Never chosen by keyring itself (its priority raises, so it is not *viable*): defining it must not make
    it the process's default keyring once this module is imported, only ``keyring.set_keyring`` does.
    """

    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - a class property
        raise RuntimeError("a test keyring: set it explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    @property
    def saved(self) -> dict[tuple[str, str], str]:
        return self.items

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)

