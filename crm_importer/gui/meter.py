"""Rows per second and time left, from successive progress reports (no Qt: tested alone).

A sliding window of a few seconds keeps the rate honest when batches vary (the first ones warm caches,
the CRM slows down as its indexes grow) without jumping at every report.
"""

from __future__ import annotations

import time
from collections import deque


class RateMeter:
    def __init__(self, window: float = 5.0) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()
        self.started = time.monotonic()

    def reset(self) -> None:
        self._samples.clear()
        self.started = time.monotonic()

    def add(self, rows: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._samples.append((now, rows))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.window:
            self._samples.popleft()

    def rate(self) -> float:
        """Rows per second over the window; 0 until two reports came."""
        if len(self._samples) < 2:
            return 0.0
        (t0, r0), (t1, r1) = self._samples[0], self._samples[-1]
        return (r1 - r0) / (t1 - t0) if t1 > t0 else 0.0

    def eta(self, total: int) -> float | None:
        """Seconds left, or None while the rate is unknown."""
        rate = self.rate()
        if rate <= 0 or not self._samples:
            return None
        return max(0.0, (total - self._samples[-1][1]) / rate)

    def elapsed(self) -> float:
        return time.monotonic() - self.started
