"""Screens that lay out in one turn of the event loop and paint in the next.

When a screen opens or a page of it first shows, Textual arranges every visible widget and then renders
them all, in one callback: 40-100 ms on a small jump host, during which no key is read (issue #7). Each
half alone stays well under the 50 ms a person notices. `SplitPaint` lets Textual's layout run as usual
and moves the paint that follows it to the next turn of the loop, so a key press or a timer can run in
between. The frame reaches the terminal a moment later, never later than the next turn.

Textual 8.2 internals: `Screen._refresh_layout` calls `Screen._compositor_refresh` once it has arranged
the widgets (tests/tui/test_paint.py fails if that changes; textual is pinned below 8.3).
"""

from __future__ import annotations

import asyncio


class SplitPaint:
    """Mix into a `Screen` subclass, before `Screen`."""

    _laying_out = False
    _paint_due = False

    def _refresh_layout(self, size=None, scroll: bool = False) -> None:  # type: ignore[no-untyped-def]
        self._laying_out = True
        try:
            super()._refresh_layout(size, scroll)  # type: ignore[misc]
        finally:
            self._laying_out = False

    def _compositor_refresh(self) -> None:
        # A repaint asked for in the same turn as a layout (Textual's update timer lays out, then repaints
        # what `refresh()` marked) joins the paint already due: the compositor keeps the dirty regions.
        if not (self._laying_out or self._paint_due):
            super()._compositor_refresh()  # type: ignore[misc]
        elif not self._paint_due:
            self._paint_due = True
            # A timer, not call_soon: the loop runs what call_soon queued before the timers and the input that
            # came due meanwhile; a timer due now runs after them.
            asyncio.get_running_loop().call_later(0, self._paint_after_layout)

    def _paint_after_layout(self) -> None:
        self._paint_due = False
        if self.is_attached:  # type: ignore[attr-defined]
            super()._compositor_refresh()  # type: ignore[misc]
