"""A container that scrolls itself into view when asked, and again once it has been laid out.

Scrolling right after mounting new content uses the old layout; where the page stops would then depend on
when layout happened. `Reveal` scrolls at once and again at each resize of its own (the new layout), so the
page always ends at the same place, until the operator presses a key, clicks or scrolls: from then on, where
the page is, is theirs. (It used to let go after a second: on a busy machine the last layout came later,
and the page stopped wherever it was; a snapshot test caught it.)
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.events import Resize

from ..wizard import wizard_app


class Reveal(Vertical):
    """`reveal()` scrolls this container into view (at the top of the page with `top=True`)."""

    DEFAULT_CSS = """
    Reveal { height: auto; }
    """

    app = wizard_app

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self._top: bool | None = None
        self._inputs = 0
        """The App's count of operator input when the reveal was asked for."""

    def reveal(self, *, top: bool = False) -> None:
        self._top = top
        self._inputs = self.app.inputs
        self.scroll_visible(top=top, animate=False, immediate=True)

    def on_resize(self, event: Resize) -> None:
        if self._top is not None and self.app.inputs != self._inputs:
            self._top = None  # the operator has acted since: the page is theirs
        if self._top is not None and event.size.height:
            self.scroll_visible(top=self._top, animate=False, immediate=True)
