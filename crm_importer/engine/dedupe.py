"""Duplicates inside one file, exact, in memory that does not grow with the file.

A row is a duplicate when it shares a chosen key (email, E.164 phone, external ID) with an earlier valid
row; it is then a "duplicate of row N", N being the earliest such row.

Keeping every key of a 2M-row file in a Python set would cost hundreds of MB, so the work is split:

1. while batches stream in, a fixed-size Bloom filter (16 MiB whatever the file size) flags every key
   that *may* have been seen before — all true repeats, plus a fraction of a percent of false alarms;
2. once every batch is staged, one pass over the staged batches collects the rows holding a flagged
   key, and an exact group-by over those few rows names the duplicates and their first row.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from crm_importer.engine.readers.base import ROW_COL
from crm_importer.engine.validate import VALID_COL, kcol

BLOOM_BITS = 1 << 27  # 16 MiB
_HASHES = 3


class KeyFilter:
    """Bloom filter over dedupe keys, fed batch by batch; remembers which keys need an exact look."""

    def __init__(self, keys: Iterable[str], bits: int = BLOOM_BITS) -> None:
        self.keys = tuple(keys)
        self._mask = np.uint64(bits - 1)
        self._bits = np.zeros(bits // 8, dtype=np.uint8)
        self.candidates: dict[str, set[str]] = {k: set() for k in self.keys}

    def _positions(self, hashes: np.ndarray) -> list[np.ndarray]:
        h1 = hashes
        h2 = (hashes >> np.uint64(32)) | np.uint64(1)
        return [(h1 + np.uint64(i) * h2) & self._mask for i in range(_HASHES)]

    def _set(self, positions: np.ndarray) -> None:
        """Set these bits. A fancy-indexed ``|=`` keeps only one write per byte, so bits that lost a
        write to a neighbour in the same byte are set again until none is missing (a few, rarely)."""
        byte = (positions >> np.uint64(3)).astype(np.int64)
        bit = (np.uint8(1) << (positions & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        while byte.size:
            self._bits[byte] |= bit
            missing = (self._bits[byte] & bit) == 0
            byte, bit = byte[missing], bit[missing]

    def add(self, frame: pl.DataFrame) -> None:
        """Feed the valid rows of one staged batch, in file order."""
        valid = frame.filter(pl.col(VALID_COL)) if VALID_COL in frame.columns else frame
        for i, key in enumerate(self.keys):
            col = kcol(key)
            if col not in valid.columns:
                continue
            values = valid[col].drop_nulls()
            if values.is_empty():
                continue
            hashes = values.hash(seed=1000 + i).to_numpy()
            pos = self._positions(hashes)
            seen = np.ones(len(hashes), dtype=bool)
            for p in pos:
                seen &= (self._bits[(p >> np.uint64(3)).astype(np.int64)] >> (p & np.uint64(7)).astype(np.uint8)) & 1 == 1
            # within the batch too: a repeated key's later occurrences are flagged
            repeated = values.is_duplicated().to_numpy()
            flagged = seen | repeated
            if flagged.any():
                self.candidates[key].update(values.filter(pl.Series(flagged)).to_list())
            self._set(np.concatenate(pos))


def find_duplicates(filter_: KeyFilter, batches: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Exact duplicates among the staged ``batches``: a frame of (``__row``, ``dup_of``, ``key``)."""
    wanted = {k: pl.Series(sorted(v), dtype=pl.String) for k, v in filter_.candidates.items() if v}
    if not wanted:
        return pl.DataFrame(schema={ROW_COL: pl.UInt32, "dup_of": pl.UInt32, "key": pl.String})
    hits: list[pl.DataFrame] = []
    for frame in batches:
        valid = frame.filter(pl.col(VALID_COL))
        for key, values in wanted.items():
            col = kcol(key)
            if col not in valid.columns:
                continue
            found = valid.filter(pl.col(col).is_in(values.implode()))
            if found.height:
                # Copied out: a filtered string column still points into its whole batch's buffers,
                # and keeping one such view per batch would make memory grow with the file.
                hits.append(
                    pl.DataFrame(
                        {ROW_COL: found[ROW_COL].to_list(), "key": key, "value": found[col].to_list()},
                        schema={ROW_COL: pl.UInt32, "key": pl.String, "value": pl.String},
                    )
                )
    if not hits:
        return pl.DataFrame(schema={ROW_COL: pl.UInt32, "dup_of": pl.UInt32, "key": pl.String})
    occ = pl.concat(hits)
    first = occ.group_by("key", "value").agg(pl.col(ROW_COL).min().alias("first"))
    dups = (
        occ.join(first, on=["key", "value"])
        .filter(pl.col(ROW_COL) > pl.col("first"))
        .sort(ROW_COL, "first")
        .group_by(ROW_COL, maintain_order=True)
        .agg(pl.col("first").first().alias("dup_of"), pl.col("key").first())
    )
    return dups.select(pl.col(ROW_COL).cast(pl.UInt32), pl.col("dup_of").cast(pl.UInt32), "key").sort(ROW_COL)
