"""Full garbage collections when the operator is idle, never in the middle of typing.

A running Textual app keeps a few hundred thousand long-lived objects (its render caches, the widgets
of every step screen, the SDKs). Python's automatic full collection scans all of them: 150-400 ms on
a small jump host, during which nothing is drawn and no key is read, at whatever moment the allocation
counters happen to cross. Young collections (generations 0 and 1) stay automatic: they are short and
free almost everything. Full collections are moved to moments when no key or click came for a while
and no worker is waiting on Azure, which is the idle-time collection that browsers and game engines do.

A backstop keeps memory bounded for an operator who never pauses: the full threshold is raised, not
removed, so Python still collects fully after that many young collections.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_AFTER_S = 1.0
"""Seconds without input (and without a running worker) before a full collection may run."""
BACKSTOP = 50
"""Generation-1 collections between automatic full collections while installed (Python's default: 10).
At 200, a minute without an idle second ended in one 943 ms collection; at 50, the longest in a run was 331 ms."""


class IdleCollector:
    """Install on mount, call `activity()` on input and `tick(busy)` from a timer, uninstall on unmount."""

    def __init__(self, *, idle_after: float = IDLE_AFTER_S, clock: Callable[[], float] = time.monotonic,
                 collect: Callable[[], object] = gc.collect) -> None:  # fmt: skip
        self.idle_after = idle_after
        self._clock = clock
        self._collect = collect
        self._last_input = clock()
        self._saved: tuple[int, int, int] | None = None
        self.collections = 0
        """Full collections this collector ran (for tests and the stall bench)."""

    def install(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, max(BACKSTOP, self._saved[2]))

    def uninstall(self) -> None:
        """Put Python's thresholds back (tests run many Apps in one process)."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def activity(self) -> None:
        self._last_input = self._clock()

    def due(self, busy: bool) -> bool:
        """A full collection would help (something reached the oldest generation since the last one) and
        would not be felt (no input for `idle_after` seconds, nothing running)."""
        return not busy and self._clock() - self._last_input >= self.idle_after and gc.get_count()[2] > 0

    def tick(self, busy: bool) -> bool:
        """Collect fully if `due`; True if it did."""
        if not self.due(busy):
            return False
        self._collect()
        self.collections += 1
        # Idle again from now: the next full collection waits for new garbage and another quiet spell.
        self._last_input = self._clock()
        return True
