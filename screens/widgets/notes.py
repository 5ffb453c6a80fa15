"""An inline error note: a failed look-up shown where it happened, with cause, fix and request id."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from byok_tui import glyphs
from byok_tui.errors import ByokError


def describe(error: ByokError) -> Content:
    """The error as a few lines of content: title, cause, fix, then the request id dimmed."""
    parts = [Content.from_markup("[b]$mark $title[/b]", mark=glyphs.FAIL, title=error.title)]
    if error.detail:
        parts.append(Content.from_markup("Cause: $detail", detail=error.detail))
    if error.remedy:
        parts.append(Content.from_markup("Fix: $remedy", remedy=error.remedy))
    if error.request_id:
        parts.append(Content.from_markup("[dim]Request id: $rid[/dim]", rid=error.request_id))
    return Content("\n").join(parts)


class ErrorNote(Static):
    """Hidden until `show_error` is given an error; `show_error(None)` hides it again."""

    DEFAULT_CSS = """
    ErrorNote {
        display: none;
        height: auto;
        color: $text-error;
        border-left: outer $error;
        padding-left: 1;
        margin: 0 0 1 0;
        &.-shown { display: block; }
    }
    """

    def show_error(self, error: ByokError | None) -> None:
        self.set_class(error is not None, "-shown")
        self.update(describe(error) if error is not None else "")
