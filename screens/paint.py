"""Screens that lay out in one turn of the event loop and paint over the next few.

When a screen opens or a page of it first shows, Textual arranges every visible widget and then renders
them all, in one callback: 40-100 ms on a small jump host, during which no key is read (issue #7).
`SplitPaint` lets Textual's layout run as usual and moves the paint that follows it to later turns of
the loop: first it renders the visible widgets into their own line caches, about `PAINT_SLICE_S` at a
time, then Textual composes the frame from those caches. Keys and timers run in between; the frame
reaches the terminal a few milliseconds later than it would have, all at once (never half a screen).

Textual 8.2 internals: `Screen._refresh_layout` calls `Screen._compositor_refresh` once it has arranged
the widgets, the compositor's `visible_widgets` maps each widget to its region and clip, a widget's
`render_lines` keeps the lines it rendered until they change, `App._display` drops frames while
`App._batch_count` is set, and `App._handle_exception` reports an error as Textual's own layout does
(tests/tui/test_paint.py fails if any of that changes; textual is pinned below 8.3).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from textual.geometry import Region

PAINT_SLICE_S = 0.010
"""Rendering done ahead of a paint per turn of the event loop."""
BAND_LINES = 8
"""Lines of one widget rendered ahead at a time (the slice's deadline is checked between bands)."""


class SplitPaint:
    """Mix into a `Screen` subclass, before `Screen`."""

    _laying_out = False
    _paint_due = False
    _unrendered: Iterator[tuple[Any, Region]] | None = None

    def _refresh_layout(self, size=None, scroll: bool = False) -> None:  # type: ignore[no-untyped-def]
        self._laying_out = True
        try:
            super()._refresh_layout(size, scroll)  # type: ignore[misc]
        finally:
            self._laying_out = False

    def _compositor_refresh(self) -> None:
        # A repaint asked for in the same turn as a layout (Textual's update timer lays out, then repaints
        # what `refresh()` marked) joins the paint already due: the compositor keeps the dirty regions.
        # Only the screen on top is deferred: a screen under a modal hands its changes to the one on top.
        if not (self._laying_out or self._paint_due) or self is not self.app.screen:  # type: ignore[attr-defined]
            super()._compositor_refresh()  # type: ignore[misc]
        elif not self._paint_due:
            self._paint_due = True
            self._paint_later()

    def _paint_later(self) -> None:
        # A timer, not call_soon: the loop runs what call_soon queued before the timers and the input that
        # came due meanwhile; a timer due now runs after them.
        asyncio.get_running_loop().call_later(0, self._paint_after_layout)

    def _paint_after_layout(self) -> None:
        if self.is_attached and (  # type: ignore[attr-defined]
            # Inside a batch update the App drops any frame it is handed (Textual paints after the batch):
            # painted now, the changes would be marked done and never reach the terminal.
            self.app._batch_count  # type: ignore[attr-defined]
            or (self is self.app.screen and not self._render_ahead())  # type: ignore[attr-defined]
        ):
            self._paint_later()
            return
        self._paint_due = False
        self._unrendered = None
        if not self.is_attached:  # type: ignore[attr-defined]
            return
        try:
            super()._compositor_refresh()  # type: ignore[misc]
        except Exception as error:  # as Textual's own layout does: the App shows it and exits
            self.app._handle_exception(error)  # type: ignore[attr-defined]

    def _render_ahead(self) -> bool:
        """Render the visible widgets' lines (as the compositor will crop them) for `PAINT_SLICE_S`; True
        once every one is done."""
        if self.is_modal:  # type: ignore[attr-defined]
            # A modal draws the screens under it into its own lines, but only inside Textual's paint (which
            # sets the stack it draws): rendered ahead, its background would be blank. Modals are small.
            return True
        # Taken once per paint: a layout meanwhile (a timer's, every 16 ms at most) must not start it over, or
        # a screen that keeps laying out would never paint. What moved is rendered by the paint itself.
        if self._unrendered is None:
            self._unrendered = _bands(list(self._compositor.visible_widgets.items()))  # type: ignore[attr-defined]
        deadline = time.perf_counter() + PAINT_SLICE_S
        for widget, crop in self._unrendered:
            if widget.is_attached:
                # Whatever fails here fails again in the paint itself, which reports it as Textual does.
                with contextlib.suppress(Exception):
                    widget.render_lines(crop)
            if time.perf_counter() >= deadline:
                return False
        self._unrendered = None
        return True


def _bands(widgets: list[tuple[Any, tuple[Region, Region]]]) -> Iterator[tuple[Any, Region]]:
    """Each widget's visible part, as the compositor will ask for it, in bands of `BAND_LINES` lines: a tall
    widget (the 5,000-row grid) spreads over several turns. A widget keeps every line it renders, whatever
    the crop, until the line changes."""
    for widget, (region, clip) in widgets:
        x, y, width, height = region.intersection(clip)
        if not (width and height):
            continue
        left, top = x - region.x, y - region.y
        for start in range(top, top + height, BAND_LINES):
            yield widget, Region(left, start, width, min(BAND_LINES, top + height - start))
