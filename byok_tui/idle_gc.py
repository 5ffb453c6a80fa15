"""Garbage collection without long pauses: every full collection freezes what survived it.

A running Textual app keeps a few hundred thousand long-lived objects (render caches, the widgets on
screen, the SDKs, an account's 5,000 apps). Python's full collection scans all of them every time:
150-400 ms on a small jump host, during which nothing is drawn and no key is read.

While installed, every full collection ends with `gc.freeze()`: its survivors move to the permanent
generation, which later collections skip. The next full collection then scans only what was made
since the last one, so each stays short (4-45 ms over a whole flow). Most are run by `tick`, from the
App's timer, when the loop is quiet, so they fall between frames rather than inside a screen's layout;
Python's own schedule is kept for busy spells without a pause.

The price: an object frozen while alive that later becomes *cyclic* garbage (a widget of a step that
was left) is not freed until the permanent generation is collected. Objects freed by reference
counting, most of them, are freed as usual. So once the frozen set has grown by `COMPACT_GROWTH`
objects, `tick` compacts (unfreeze, collect everything, freeze again) at the first moment with no
input for `COMPACT_IDLE_S` seconds and no worker running: the one long collection (0.3-0.6 s after a
whole flow on the 5,000-app account), moved to a moment when the operator is reading, not typing.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

FULL_EVERY = 10
"""Young (generation 1) collections between full ones that Python starts itself (its default). Most full
collections are run by `tick` between frames instead; Python's own are for busy spells without a pause."""
TICK_S = 0.5
"""How often the App calls `tick`."""
QUIET_GAP_S = 0.02
"""How late `tick` may run (after its last run plus its period) and still count the loop as quiet."""
COMPACT_IDLE_S = 5.0
"""Seconds without input (and without a running worker) before a compaction may run."""
COMPACT_GROWTH = 1_000_000
"""Objects frozen since the last compaction before the next is worth its pause. One whole flow on the
5,000-app account freezes about 450,000, of which about 200,000 turn out to be garbage: an operator
walking the flow once never waits for a compaction; one who keeps the wizard open all day gets one now
and then, while not typing."""


class IdleCollector:
    """Install on mount, call `activity()` on input and `tick(busy)` from a timer, uninstall on unmount."""

    def __init__(
        self,
        *,
        idle_after: float = COMPACT_IDLE_S,
        growth: int = COMPACT_GROWTH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_after = idle_after
        self.growth = growth
        self._clock = clock
        self._last_input = clock()
        self._installed = False
        self._thresholds = gc.get_threshold()
        self._compacting = False
        self.period = TICK_S
        """How often the owner calls `tick` (seconds)."""
        self._last_tick: float | None = None
        self._modules = len(sys.modules)
        """How many modules were loaded at the last tick."""
        self.frozen_since_compaction = 0
        """Objects frozen by full collections since install or the last compaction. Counted as they are
        frozen: `gc.get_freeze_count()` walks the whole permanent generation, 5-100 ms with half a million
        objects scattered over the heap, and `tick` runs twice a second."""
        self.compactions = 0
        """Compactions this collector ran (for tests and the stall bench)."""

    def install(self) -> None:
        if not self._installed:
            self._installed = True
            # What exists when the App mounts (modules, the App, its stylesheet) lives as long as the App:
            # the first full collection need not scan it either.
            gc.freeze()
            self.frozen_since_compaction = 0
            gc.callbacks.append(self._freeze_survivors)
            self._thresholds = gc.get_threshold()
            gc.set_threshold(self._thresholds[0], self._thresholds[1], FULL_EVERY)

    def uninstall(self) -> None:
        """Stop freezing, and hand everything frozen back to the collector (tests run many Apps in one
        process; at exit it costs nothing)."""
        if self._installed:
            self._installed = False
            gc.callbacks.remove(self._freeze_survivors)
            gc.set_threshold(*self._thresholds)
            gc.unfreeze()

    def _freeze_survivors(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2 and not self._compacting:
            # After a full collection every unfrozen survivor is in the oldest generation; listing it costs
            # about as much as the collection's own pass over it did, a fraction of it.
            self.frozen_since_compaction += len(gc.get_objects(generation=2))
            gc.freeze()

    def activity(self) -> None:
        self._last_input = self._clock()

    def due(self, busy: bool) -> bool:
        """A compaction would free enough to be worth it, and would not be felt (no input for
        `idle_after` seconds, nothing running)."""
        quiet = not busy and self._clock() - self._last_input >= self.idle_after
        return self._installed and quiet and self.frozen_since_compaction >= self.growth

    def tick(self, busy: bool) -> bool:
        """Compact if `due`; True if it did. Else, if the loop is quiet (this tick is on time), run the full
        collection Python would start next, if a young one happened since the last.

        Python starts a full collection in the middle of whatever allocates: most often a screen's first
        layout and paint, which it made 2-11 ms longer (issue #17). Every `period` seconds, from the App's
        timer, on time only when nothing else held the loop, the same collection runs between frames, and
        it scans only what was made since the last one (the rest is frozen), so it stays short."""
        now = self._clock()
        late = self._last_tick is not None and now - self._last_tick > self.period + QUIET_GAP_S
        self._last_tick = now
        # Modules loading (the SDK warm-up, the sandbox, in threads) make many long-lived objects, frozen
        # when the loading ends: a collection now would scan them all, holding the interpreter lock.
        modules, self._modules = self._modules, len(sys.modules)
        if self.due(busy):
            self.compact()
            return True
        if self._installed and not late and modules == self._modules and gc.get_count()[2] > 0:
            gc.collect()
        return False

    def compact(self) -> None:
        """Collect everything, frozen or not, and freeze the survivors again."""
        self._compacting = True
        try:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        finally:
            self._compacting = False
        self.period = TICK_S
        """How often the owner calls `tick` (seconds)."""
        self._last_tick: float | None = None
        self._modules = len(sys.modules)
        """How many modules were loaded at the last tick."""
        self.frozen_since_compaction = 0
        self.compactions += 1
        self._last_input = self._clock()  # the next one waits for new growth and another quiet spell
