"""A container that scrolls itself into view when asked, and again once it has been laid out.

Scrolling right after mounting new content uses the old layout; where the page stops would then depend on
when layout happened. `Reveal` scrolls at once and again on its next resize (the new layout), so the page
always ends at the same place.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.events import Resize


class Reveal(Vertical):
    """`reveal()` scrolls this container into view (at the top of the page with `top=True`)."""

    DEFAULT_CSS = """
    Reveal { height: auto; }
    """

    SETTLE_SECONDS = 1.0
    """How long a reveal keeps following resizes (the new content's layout) before it lets go."""

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self._top: bool | None = None

    def reveal(self, *, top: bool = False) -> None:
        self._top = top
        self.scroll_visible(top=top, animate=False, immediate=True)
        self.set_timer(self.SETTLE_SECONDS, self._let_go)

    def _let_go(self) -> None:
        self._top = None

    def on_resize(self, event: Resize) -> None:
        if self._top is not None and event.size.height:
            self.scroll_visible(top=self._top, animate=False, immediate=True)
