"""CSV / TSV / TXT reader: encoding and delimiter detection, streaming in bounded memory.

Two parsers share one record stream:

* the fast path hands chunks of complete records (cut at a newline with an even number of quotes
  before it) to polars' native CSV parser, about 30x faster than building frames from ``csv.reader``
  rows in Python;
* the slow path (``csv.reader``) takes over, for the rest of the file, as soon as a chunk has something
  the fast path cannot prove it reads exactly like Excel would: a lone ``\\r`` line ending, a NUL byte,
  or a quote where well-formed CSV has none (``5" screen``, ``""a""``), which the two parsers could read
  apart.

Both number rows the same way — the ordinal of the record as Excel shows it, blank records included —
and produce the batch contract of :mod:`crm_importer.engine.readers.base`.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.readers.base import (
    HEADER_SEARCH_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    ROW_COL,
    ReadOptions,
    TableInfo,
    cell_col,
    empty_batch,
    find_header,
    finish_batch,
)

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 4 << 20
#: Extra cells past the header that the fast path keeps to detect ``extra_cells``.
EXTRA_SLOTS = 16
#: Text without a record end for this many chunks (an unbalanced quote, lone-CR line ends) is handed
#: to the exact parser as it is, so memory stays bounded whatever follows.
MAX_CARRY_CHUNKS = 4
#: csv.reader stops on a field this long: an unclosed quote must not swallow the rest of the file in
#: memory. Far above :data:`MAX_CELL_CHARS`, so a legal cell never reaches it.
FIELD_LIMIT = 1 << 20

csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


def _windows_or_latin1(err: UnicodeError) -> tuple[str, int]:
    """Bytes a Windows code page leaves undefined (0x81, 0x8D, …) read as Latin-1, so a file never fails."""
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("crm_cp1252_latin1", _windows_or_latin1)

#: The encodings a lead file comes in when it is not UTF-8 (nor UTF-16, told by its BOM or its NULs), in
#: the order preferred when several read the sample alike: Western Europe first (the product's market).
CANDIDATE_ENCODINGS = ("cp1252", "iso8859_15", "latin_1", "cp1250", "iso8859_2", "cp1254", "cp1251", "mac_roman")
#: Detection reads at most this much of the sample (the lines holding non-ASCII bytes): bounded, whatever
#: the file's size.
DETECT_BYTES = 64 << 10
#: Below this, the File page and ``validate`` say the encoding is a guess to check.
LOW_CONFIDENCE = 0.5


def _bom_length(encoding: str, data: bytes) -> int:
    """Bytes of a byte-order mark that ``utf-8-sig`` drops before decoding: its error offsets count from after
    it, the file's bytes from before."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return 0
    return len(codecs.BOM_UTF8) if name == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0


def _errors_for(encoding: str) -> str:
    return "crm_cp1252_latin1" if encoding.startswith("cp125") else "strict"


def _looks_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII text has a NUL in every other byte."""
    if len(sample) < 4:
        return None
    even = sample[0::2][:4096]
    odd = sample[1::2][:4096]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def detect_encoding(sample: bytes, *, at_eof: bool) -> str:
    """Encoding of a text file from its first bytes (the pipeline confirms UTF-8 on the whole file)."""
    return detect_encoding_confidence(sample, at_eof=at_eof)[0]


def detect_encoding_confidence(sample: bytes, *, at_eof: bool) -> tuple[str, float]:
    """The encoding and how sure the guess is (1.0: a BOM, UTF-16's NULs or valid UTF-8; else see
    :func:`guess_legacy_encoding`)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", 1.0
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 1.0
    utf16 = _looks_utf16(sample)
    if utf16:
        return utf16, 1.0
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_eof)
        return "utf-8", 1.0
    except UnicodeDecodeError:
        return guess_legacy_encoding(sample)


# Letters each language writes beyond ASCII (both cases are added below). A lead file is names, towns and
# company names: what a wrong code page makes of them is letters no single language writes together, or
# symbols inside words (``Å‚Ã³dÅº`` / ``¹`` / ``½``).
_LANGUAGES: dict[str, str] = {
    "fr": "àâäçéèêëîïôöùûüÿœæ",
    "de": "äöüß",
    "es": "áéíóúüñ",
    "pt": "áâãàçéêíóôõú",
    "it": "àèéìíîòóùú",
    "nl": "áéèëïóöüíú",
    "nordic": "åäöæøéü",
    "ca": "àèéíïòóúüç",
    "pl": "ąćęłńóśźż",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșțşţ",
    "hr": "čćđšž",
    "tr": "çğıöşüâîûİ",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
}
_WEST = ("fr", "de", "es", "pt", "it", "nl", "nordic", "ca")
_FAMILIES: dict[str, tuple[str, ...]] = {
    "cp1252": _WEST, "iso8859_15": _WEST, "latin_1": _WEST, "mac_roman": _WEST,
    "cp1250": ("pl", "cs", "sk", "hu", "ro", "hr", "de"), "iso8859_2": ("pl", "cs", "sk", "hu", "ro", "hr", "de"),
    "cp1254": ("tr",), "cp1251": ("ru", "uk", "bg", "sr"),
}
_ALPHABETS = {name: frozenset(letters + letters.upper()) for name, letters in _LANGUAGES.items()}
#: Punctuation every code page concerned writes, alike or not: neither for nor against a guess.
_NEUTRAL = frozenset("’‘“”„–—…«»°€£§·•ºª\u00a0")


def _detection_sample(sample: bytes) -> bytes:
    """The sample's lines that hold non-ASCII bytes, up to :data:`DETECT_BYTES` (the rest tells nothing)."""
    out: list[bytes] = []
    size = 0
    for line in sample.split(b"\n"):
        if not line.isascii():
            out.append(line)
            size += len(line) + 1
            if size >= DETECT_BYTES:
                break
    return b"\n".join(out)[:DETECT_BYTES]


def _plausibility(text: str, encoding: str) -> float:
    """How much ``text`` (the sample read as ``encoding``) looks like names in one language of those that
    write with that code page: the share of its non-ASCII characters one language covers, minus twice
    the share that are not letters at all. 1.0 is perfect; below 0 is garbage. Every high byte of
    Windows-1251 is a Cyrillic letter, so there a letter in a word with Latin letters counts as garbage
    (``Hйlиne`` is French read as Cyrillic)."""
    if _FAMILIES[encoding][0] in _CYRILLIC:
        mixed = _MIXED_WORD.findall(text)
        text = _MIXED_WORD.sub(" ", text)
        foreign = sum(1 for word in mixed for c in word if ord(c) > 127)
    else:
        foreign = 0
    # An upper-case accented letter right after a lower-case one (``HÈlËne``: French read as Mac Roman).
    foreign += sum(1 for word in _WORD.findall(text) for a, b in itertools.pairwise(word)
                   if ord(b) > 127 and b.isupper() and a.islower())
    # A letter standing alone between non-letters is punctuation read wrong (« » are Ť ť in ISO-8859-2),
    # unless it is one of the one-letter words of the languages concerned (French à, Italian è…).
    lonely = sum(1 for c in _LONE_LETTER.findall(text) if c.isalpha() and c not in _ONE_LETTER_WORDS)
    text = _LONE_LETTER.sub(lambda m: " " if m.group(0).isalpha() and m.group(0) not in _ONE_LETTER_WORDS
                            else m.group(0), text)
    chars = [c for c in text if ord(c) > 127 and c not in _NEUTRAL]
    total = len(chars) + foreign + lonely
    if not total:
        return 1.0
    counts: dict[str, int] = {}
    for c in chars:
        counts[c] = counts.get(c, 0) + 1
    if not counts:
        return -2 * foreign / total
    family = frozenset().union(*(_ALPHABETS[lang] for lang in _FAMILIES[encoding]))
    in_family = sum(n for c, n in counts.items() if c in family)
    # The best single language, by occurrences and by distinct letters: a wrong reading of a common letter
    # (French é is é in Czech too) still leaves rarer letters no one language writes together (ë, ç beside
    # č, ď), which the distinct count brings out.
    distinct = len(counts) + (1 if foreign else 0)
    best = max(sum(n for c, n in counts.items() if c in _ALPHABETS[lang]) / total
               + sum(1 for c in counts if c in _ALPHABETS[lang]) / distinct for lang in _FAMILIES[encoding]) / 2
    # C1 controls: in a Windows code page, the few bytes it leaves undefined (read as Latin-1), stray bytes
    # that only count as unexplained; in an ISO-8859 reading, Windows punctuation (’ “ – …) read wrong.
    windows = encoding.startswith("cp125")
    symbols = sum(n for c, n in counts.items() if not c.isalpha() and not (windows and "\x80" <= c <= "\x9f"))
    return 0.7 * best + (0.3 * in_family - 2 * (symbols + foreign)) / total


_CYRILLIC = ("ru", "uk", "bg", "sr")
#: A non-ASCII character with no letter or digit on either side.
_LONE_LETTER = re.compile(r"(?<![^\W_])[^\x00-\x7f](?![^\W_])")
_ONE_LETTER_WORDS = frozenset("àÀèé")
_WORD = re.compile(r"[^\W\d_]+")
#: A word holding both ASCII letters and other letters.
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[A-Za-z][^\W\d_]*[^\x00-\x7f]|[^\x00-\x7f][^\W\d_]*[A-Za-z])[^\W\d_]*")


def guess_legacy_encoding(sample: bytes) -> tuple[str, float]:
    """A file that is not UTF-8: which of :data:`CANDIDATE_ENCODINGS`, and how sure (0 to 1).

    charset-normalizer rates how messy each candidate's reading of the sample is; a lead file being names
    and places, each reading is also rated by how well one language's letters explain it. Readings that
    give the same text count as one (the first in :data:`CANDIDATE_ENCODINGS` is named). The confidence
    is the lead of the best reading over the next different one, weighed by how many non-ASCII characters
    it rests on.
    """
    import charset_normalizer

    part = _detection_sample(sample) or sample[:DETECT_BYTES]
    matches = charset_normalizer.from_bytes(part, cp_isolation=list(CANDIDATE_ENCODINGS), threshold=0.3,
                                            enable_fallback=False)
    chaos = {m.encoding: m.chaos for m in matches}
    readings: dict[str, tuple[float, str]] = {}  # text -> (score, encoding)
    for encoding in CANDIDATE_ENCODINGS:
        try:
            text = part.decode(encoding, errors=_errors_for(encoding))
        except UnicodeDecodeError:
            continue
        # charset-normalizer's mess ratio counts against a reading; one it rejected outright, more.
        score = _plausibility(text, encoding) - chaos.get(encoding, 0.3)
        if text not in readings or readings[text][0] < score:
            readings[text] = (score, readings[text][1] if text in readings else encoding)
    if not readings:
        return "cp1252", 0.0
    ranked = sorted(readings.values(), key=lambda r: (-r[0], CANDIDATE_ENCODINGS.index(r[1])))
    best_score, best = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else -1.0
    # A lead means more the more non-ASCII characters it rests on (a few letters prove little).
    evidence = math.sqrt(sum(1 for byte in part if byte > 127))
    confidence = max(0.0, min(1.0, best_score)) * min(1.0, 0.6 * evidence * (best_score - runner_up))
    return best, round(confidence, 2)


def _sep_line(text: str) -> tuple[str | None, int]:
    """Excel's ``sep=;`` first line: the delimiter it names and the length of that line."""
    first, nl, _ = text.partition("\n")
    line = first.rstrip("\r").strip(" ").strip('"')  # not .strip(): ``sep=\t`` names a tab
    if line.lower().startswith("sep=") and len(line) == 5:
        return line[4], len(first) + len(nl)
    return None, 0


def detect_delimiter(text: str) -> str:
    """The candidate giving the most consistent field count (>1) over the first records."""
    best, best_score = ",", (-1.0, 0)
    lines = list(itertools.islice(io.StringIO(text, newline=""), 200))
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end in the middle of a record
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _is_htmlish(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<?xml", "<table", "<head", "<body"))


def _is_binary(text: str) -> bool:
    """Control characters (or U+FFFD) in over 5% of the sample: not text.

    A few U+FFFD are common in real exports (a name mangled once by another tool) and must not make
    the whole file unusable.
    """
    sample = text[:8192]
    if not sample:
        return False
    odd = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t\x0c") or ch == "\ufffd")
    return odd > 0.05 * len(sample)


class DelimitedReader:
    """A CSV-family file as batches of text cells (see the module docstring)."""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = Path(path)
        self.options = options
        self._size = self.path.stat().st_size
        self._consumed = 0
        with self.path.open("rb") as f:
            sample = f.read(SAMPLE_BYTES)
        if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
            raise UnusableFileError("empty_file", path=str(self.path))
        at_eof = len(sample) < SAMPLE_BYTES
        if options.encoding:
            encoding, confidence = options.encoding, None
        else:
            encoding, confidence = detect_encoding_confidence(sample, at_eof=at_eof)
        self.encoding = encoding
        #: How sure the detected encoding is (0 to 1); None when the user chose it.
        self.encoding_confidence: float | None = confidence
        try:
            text = codecs.getincrementaldecoder(encoding)(_errors_for(encoding)).decode(sample, final=at_eof)
        except (UnicodeDecodeError, LookupError) as exc:
            offset = getattr(exc, "start", 0) + _bom_length(encoding, sample)
            raise UnusableFileError(
                "bad_encoding", path=str(self.path), encoding=encoding, offset=offset
            ) from None
        if _is_htmlish(text):
            raise UnusableFileError("html_file", path=str(self.path))
        if _is_binary(text):
            raise UnusableFileError("not_a_table", path=str(self.path))
        sep, self._skip_chars = _sep_line(text)
        self.delimiter = options.delimiter or sep or detect_delimiter(text[self._skip_chars :])
        self.header_below_title = False
        self.headers, self.header_row = self._read_header()
        if len(self.headers) > MAX_COLUMNS:
            raise UnusableFileError(
                "too_many_columns", path=str(self.path), count=len(self.headers), limit=MAX_COLUMNS
            )
        self.info = TableInfo(
            kind="csv",
            headers=self.headers,
            header_row=self.header_row,
            encoding=encoding,
            delimiter=self.delimiter,
            header_below_title=self.header_below_title,
        )

    # --- decoded text -------------------------------------------------------------------------------
    def _text_pieces(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[str]:
        """Decoded text of the file after any ``sep=`` line, in pieces; tracks bytes consumed."""
        decoder = codecs.getincrementaldecoder(self.encoding)(_errors_for(self.encoding))
        skip = self._skip_chars
        offset = 0
        with self.path.open("rb") as f:
            while True:
                raw = f.read(chunk_bytes)
                final = not raw
                try:
                    piece = decoder.decode(raw, final=final)
                except UnicodeDecodeError as exc:
                    raise UnusableFileError(
                        "bad_encoding", path=str(self.path), encoding=self.encoding,
                        offset=offset + exc.start + (_bom_length(self.encoding, raw) if offset == 0 else 0),
                    ) from None
                offset += len(raw)
                self._consumed = offset
                if skip:
                    cut = min(skip, len(piece))
                    piece, skip = piece[cut:], skip - cut
                if piece:
                    yield piece
                if final:
                    return

    def _record_chunks(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[str, bool]]:
        """Text pieces cut after a newline that lies outside quotes, with whether they hold whole records.

        When no such newline comes for :data:`MAX_CARRY_CHUNKS` chunks (a stray quote flips the parity
        for the rest of the file; lone-CR files have no ``\\n``) the text goes on flagged as not whole,
        which sends it and everything after it to the exact parser instead of piling up in memory.
        """
        carry = ""
        for piece in self._text_pieces(chunk_bytes):
            buf = carry + piece if carry else piece
            cut = _last_record_end(buf)
            if cut == 0:
                if len(buf) > MAX_CARRY_CHUNKS * chunk_bytes:
                    carry = ""
                    yield buf, False
                else:
                    carry = buf
                continue
            carry = buf[cut:]
            yield buf[:cut], True
        if carry:
            # An odd number of quotes at the end of the file is a record cut inside a quoted field
            # (a truncated file): polars may drop it, csv.reader keeps what is there.
            yield carry, carry.count('"') % 2 == 0

    def _read_header(self) -> tuple[list[str], int]:
        """The header and its row: row ``header_row`` when given, else the first non-blank record that
        names an email or phone column among the first ones (a title or LinkedIn's "Notes:" preamble may
        sit above it), else the first non-blank record."""
        wanted = self.options.header_row
        ordinal = 0
        found: list[tuple[int, list[str]]] = []
        for record in _guarded(csv.reader(_lines(self._text_pieces(256 << 10)), delimiter=self.delimiter),
                               self.path, 1):
            ordinal += 1
            if wanted is not None:
                if ordinal < wanted:
                    continue
                if not any(cell.strip() for cell in record):
                    raise UnusableFileError("header_row_empty", path=str(self.path), row=wanted)
                return _header_cells(record), ordinal
            if any(cell.strip() for cell in record):
                found.append((ordinal, _header_cells(record)))
                if len(found) >= HEADER_SEARCH_ROWS:
                    break
            if ordinal > 10_000:
                break
        if wanted is not None:
            raise UnusableFileError("header_row_empty", path=str(self.path), row=wanted)
        if not found:
            raise UnusableFileError("empty_file", path=str(self.path))
        pick = find_header([cells for _, cells in found])
        self.header_below_title = pick > 0
        ordinal, headers = found[pick]
        return headers, ordinal

    # --- batches ------------------------------------------------------------------------------------
    def progress(self) -> float:
        return min(1.0, self._consumed / self._size) if self._size else 1.0

    def preview(self, n: int = 100) -> pl.DataFrame:
        out: list[pl.DataFrame] = []
        got = 0
        for batch in self._batches(0, chunk_bytes=256 << 10, batch_rows=max(n, 1)):
            out.append(batch)
            got += batch.height
            if got >= n:
                break
        if not out:
            return empty_batch(len(self.headers))
        return pl.concat(out).head(n)

    def batches(self, after_row: int = 0) -> Iterator[pl.DataFrame]:
        return self._batches(after_row, CHUNK_BYTES, self.options.batch_rows)

    def close(self) -> None:
        pass

    def _batches(self, after_row: int, chunk_bytes: int, batch_rows: int) -> Iterator[pl.DataFrame]:
        ncols = len(self.headers)
        next_row = 1  # ordinal of the next record, Excel-style
        header_seen = False
        chunks = self._record_chunks(chunk_bytes)
        for chunk, whole in chunks:
            frame = None
            if whole:
                data = chunk.encode("utf-8")
                if _fast_path_ok(data, self.delimiter):
                    frame = self._parse_fast(chunk, data, ncols)
            if frame is None:
                # From here on, the exact (slow) parser reads everything that is left.
                rest = itertools.chain([chunk], (text for text, _ in chunks))
                yield from self._slow_batches(rest, next_row, header_seen, after_row, batch_rows)
                return
            if not header_seen:
                skip = self.header_row - next_row + 1
                if skip > frame.height:
                    next_row += frame.height
                    continue
                frame = frame.slice(skip)
                next_row = self.header_row + 1
                header_seen = True
            height = frame.height
            if height == 0:
                continue
            frame = frame.with_columns(pl.int_range(next_row, next_row + height, dtype=pl.UInt32).alias(ROW_COL))
            next_row += height
            if next_row - 1 <= after_row:
                continue
            if after_row >= next_row - height:
                frame = frame.filter(pl.col(ROW_COL) > after_row)
            batch = finish_batch(frame, ncols)
            _check_cells(batch, ncols, self.path)
            for start in range(0, batch.height, batch_rows):
                yield batch.slice(start, batch_rows)

    def _parse_fast(self, chunk: str, data: bytes, ncols: int) -> pl.DataFrame | None:
        width = ncols + EXTRA_SLOTS
        schema = {cell_col(i): pl.String for i in range(width)}
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                schema=schema,
                separator=self.delimiter,
                quote_char='"',
                truncate_ragged_lines=True,
                missing_columns="insert",
            )
        except Exception:  # noqa: BLE001 - any polars complaint means "let csv.reader decide"
            return None
        if '"' not in chunk:
            expected = chunk.count("\n") + (0 if chunk.endswith("\n") else 1)
            if frame.height != expected:
                return None
        return frame

    def _slow_batches(
        self, pieces: Iterator[str], next_row: int, header_seen: bool, after_row: int, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        ncols = len(self.headers)
        width = ncols + EXTRA_SLOTS
        rows: list[list[str]] = []
        numbers: list[int] = []
        reader = _guarded(csv.reader(_lines(pieces), delimiter=self.delimiter), self.path, next_row)
        for record in reader:
            row_no = next_row
            next_row += 1
            if not header_seen:
                if row_no == self.header_row:
                    header_seen = True
                continue
            if row_no <= after_row:
                continue
            if len(record) != ncols:
                record = (record + [""] * ncols)[:width] if len(record) < ncols else record[:width]
            rows.append(record)
            numbers.append(row_no)
            if len(rows) >= batch_rows:
                yield self._frame_from_rows(rows, numbers, ncols)
                rows, numbers = [], []
        if rows:
            yield self._frame_from_rows(rows, numbers, ncols)

    def _frame_from_rows(self, rows: list[list[str]], numbers: list[int], ncols: int) -> pl.DataFrame:
        width = max(len(r) for r in rows)
        if width > ncols:
            rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
        columns = list(zip(*rows, strict=True))
        data: dict[str, object] = {ROW_COL: pl.Series(numbers, dtype=pl.UInt32)}
        for i, col in enumerate(columns):
            data[cell_col(i)] = pl.Series(col, dtype=pl.String)
        batch = finish_batch(pl.DataFrame(data), ncols)
        _check_cells(batch, ncols, self.path)
        return batch


def _header_cells(record: list[str]) -> list[str]:
    # A NUL is no part of a name (PostgreSQL text and jsonb refuse it: the job's column mapping).
    headers = [cell.replace("\x00", "") for cell in record]
    if headers:
        headers[0] = headers[0].lstrip("\ufeff")
    while headers and not headers[-1].strip():
        headers.pop()  # trailing empty header cells are Excel's padding, not columns
    return headers


def _fast_path_ok(data: bytes, delimiter: str) -> bool:
    """Whether polars reads this chunk (UTF-8) exactly as ``csv.reader`` (and Excel) would: no NUL, no
    lone CR, and every quote where well-formed CSV puts one.

    The chunk starts outside any quoted field (it is cut at a quote-balanced newline), so quotes alternate:
    the 1st, 3rd, … open a quoted field and must come first in a field (after a delimiter, a newline, the
    chunk's start, or the quote just before, which makes a doubled quote); the 2nd, 4th, … close it and
    must end the field (before a delimiter, a line end, the chunk's end, or the quote just after). Anything
    else (``a"b``, ``"a"b``, ``""a""``, ``"a" ,b``) is malformed, and the two parsers may read it apart.
    Vectorised over the bytes (UTF-8 continuation bytes are never ASCII): ~5 ms for 4 MB.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size == 0:
        return True
    if (buf == 0).any():
        return False
    after_cr = np.flatnonzero(buf == _CR) + 1
    if after_cr.size and (after_cr[-1] == buf.size or (buf[after_cr] != _LF).any()):
        return False  # a lone CR: a line end to Excel, not to polars
    quotes = np.flatnonzero(buf == _QUOTE)
    if quotes.size == 0:
        return True
    if quotes.size % 2:
        return False
    opens, closes = quotes[0::2], quotes[1::2]
    before = buf[np.maximum(opens - 1, 0)]
    opens_ok = (opens == 0) | (before == ord(delimiter)) | (before == _LF) | (before == _QUOTE)
    after = buf[np.minimum(closes + 1, buf.size - 1)]
    closes_ok = (closes == buf.size - 1) | (after == ord(delimiter)) | (after == _CR) | (after == _LF) \
        | (after == _QUOTE)
    return bool(opens_ok.all() and closes_ok.all())


_QUOTE, _CR, _LF = ord('"'), ord("\r"), ord("\n")


def _last_record_end(buf: str) -> int:
    """Index just past the last newline with an even number of quotes before it (0 if none)."""
    pos = buf.rfind("\n")
    if pos < 0:
        return 0
    quotes = buf.count('"', 0, pos)
    while pos >= 0:
        if quotes % 2 == 0:
            return pos + 1
        prev = buf.rfind("\n", 0, pos)
        if prev < 0:
            return 0
        quotes -= buf.count('"', prev, pos)
        pos = prev
    return 0


def _lines(pieces: Iterator[str]) -> Iterator[str]:
    """Lines (ends kept, split on \\n, \\r\\n or \\r) across piece boundaries, for ``csv.reader``."""
    carry = ""
    for piece in pieces:
        buf = carry + piece
        lines = io.StringIO(buf, newline="").readlines()
        if not lines:
            carry = ""
            continue
        last = lines[-1]
        # A last line without its end — or ending in \r that may be half of \r\n — waits for more text.
        if last.endswith("\n"):
            carry = ""
        else:
            carry = lines.pop()
        yield from lines
    if carry:
        yield carry


def _guarded(records: Iterator[list[str]], path: Path, first_row: int) -> Iterator[list[str]]:
    """csv.reader's records; a field past :data:`FIELD_LIMIT` (an unclosed quote) is ``cell_too_large``."""
    row = first_row
    try:
        for record in records:
            yield record
            row += 1
    except csv.Error:
        raise UnusableFileError(
            "cell_too_large", path=str(path), row=row, size_kb=FIELD_LIMIT // 1024, limit_kb=MAX_CELL_CHARS // 1024
        ) from None


def _check_cells(batch: pl.DataFrame, ncols: int, path: Path) -> None:
    """A cell past Excel's own limit is a broken or hostile file: say so instead of staging it."""
    if batch.height == 0 or ncols == 0:
        return
    lengths = batch.select(
        pl.max_horizontal([pl.col(cell_col(i)).str.len_chars() for i in range(ncols)]).alias("n"), ROW_COL
    )
    worst = lengths.filter(pl.col("n") > MAX_CELL_CHARS)
    if worst.height:
        row = worst[ROW_COL][0]
        size = int(worst["n"][0])
        raise UnusableFileError(
            "cell_too_large", path=str(path), row=row, size_kb=size // 1024, limit_kb=MAX_CELL_CHARS // 1024
        )
