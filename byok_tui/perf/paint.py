"""Screens that lay out in one turn of the event loop and paint over the next few.

When a screen opens or a page of it first shows, Textual arranges every visible widget and then renders
them all, in one callback: 40-100 ms on a small jump host, during which no key is read (issue #7).
`split(screen)` lets Textual's layout run as usual and moves the paint that follows it to later turns of
the loop: first it renders the visible widgets into their own line caches, about `PAINT_SLICE_S` at a
time, then Textual composes the frame from those caches. Keys and timers run in between; the frame
reaches the terminal a few milliseconds later than it would have, all at once (never half a screen).

Textual 8.2 internals: `Screen._refresh_layout` calls `Screen._compositor_refresh` once it has arranged
the widgets, the compositor's `visible_widgets` maps each widget to its region and clip, a widget's
`render_lines` keeps the lines it rendered until they change, `App._display` drops frames while
`App._batch_count` is set, and `App._handle_exception` reports an error as Textual's own layout does
(tests/tui/test_perf_paint.py fails if any of that changes). Installed by `byok_tui.perf.install` only,
on the Textual versions it was tested on.
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


def split(screen: Any) -> None:
    """Split the paints of one of the wizard's screens (Textual's own, like the command palette, are left
    alone). Idempotent: the App hands over a screen each time it comes to the top."""
    if not type(screen).__module__.startswith("byok_tui.") or isinstance(
        screen.__dict__.get("_refresh_layout"), _Bound
    ):
        return
    painter = SplitPaint(screen)
    # On the instance: Textual calls these through `self`, and only this screen is changed.
    screen._refresh_layout = _Bound(painter.refresh_layout)
    screen._compositor_refresh = _Bound(painter.compositor_refresh)


class _Bound:
    """A callable marking a method as replaced by `split` (so it is replaced once)."""

    __slots__ = ("call",)

    def __init__(self, call: Any) -> None:
        self.call = call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(*args, **kwargs)


class SplitPaint:
    """The split paint of one screen: its layout as Textual does it, its paint on later turns."""

    def __init__(self, screen: Any) -> None:
        self.screen = screen
        self.laying_out = False
        self.paint_due = False
        self.unrendered: Iterator[tuple[Any, Region]] | None = None

    def _stock_refresh_layout(self, size: Any = None, scroll: bool = False) -> None:
        type(self.screen)._refresh_layout(self.screen, size, scroll)

    def _stock_paint(self) -> None:
        type(self.screen)._compositor_refresh(self.screen)

    def refresh_layout(self, size: Any = None, scroll: bool = False) -> None:
        self.laying_out = True
        try:
            self._stock_refresh_layout(size, scroll)
        finally:
            self.laying_out = False

    def compositor_refresh(self) -> None:
        screen = self.screen
        # A repaint asked for in the same turn as a layout (Textual's update timer lays out, then repaints
        # what `refresh()` marked) joins the paint already due: the compositor keeps the dirty regions.
        # Only the screen on top is deferred: a screen under a modal hands its changes to the one on top.
        if not (self.laying_out or self.paint_due) or screen is not screen.app.screen:
            self._stock_paint()
        elif not self.paint_due:
            self.paint_due = True
            self._paint_later()

    def _paint_later(self) -> None:
        # A timer, not call_soon: the loop runs what call_soon queued before the timers and the input that
        # came due meanwhile; a timer due now runs after them.
        asyncio.get_running_loop().call_later(0, self._paint_after_layout)

    def _paint_after_layout(self) -> None:
        screen = self.screen
        if screen.is_attached and (
            # Inside a batch update the App drops any frame it is handed (Textual paints after the batch):
            # painted now, the changes would be marked done and never reach the terminal.
            screen.app._batch_count or (screen is screen.app.screen and not self._render_ahead())
        ):
            self._paint_later()
            return
        self.paint_due = False
        self.unrendered = None
        if not screen.is_attached:
            return
        try:
            self._stock_paint()
        except Exception as error:  # as Textual's own layout does: the App shows it and exits
            screen.app._handle_exception(error)

    def _render_ahead(self) -> bool:
        """Render the visible widgets' lines (as the compositor will crop them) for `PAINT_SLICE_S`; True
        once every one is done."""
        if self.screen.is_modal:
            # A modal draws the screens under it into its own lines, but only inside Textual's paint (which
            # sets the stack it draws): rendered ahead, its background would be blank. Modals are small.
            return True
        # Taken once per paint: a layout meanwhile (a timer's, every 16 ms at most) must not start it over, or
        # a screen that keeps laying out would never paint. What moved is rendered by the paint itself.
        if self.unrendered is None:
            self.unrendered = _bands(list(self.screen._compositor.visible_widgets.items()))
        deadline = time.perf_counter() + PAINT_SLICE_S
        for widget, crop in self.unrendered:
            if widget.is_attached:
                # Whatever fails here fails again in the paint itself, which reports it as Textual does.
                with contextlib.suppress(Exception):
                    widget.render_lines(crop)
            if time.perf_counter() >= deadline:
                return False
        self.unrendered = None
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
