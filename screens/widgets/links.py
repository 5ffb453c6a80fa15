"""Terminal hyperlinks (OSC 8): the URL is the text too, so it still reads and copies where links don't work.

Textual draws a `Style(link=…)` as OSC 8 (`ESC ] 8 ; id=… ; URL ESC \\ text ESC ] 8 ; ; ESC \\`). Terminals
that do not know OSC 8 ignore it, except some old ones that print the sequence: those are the terminals
ASCII mode is for, so there the link is plain text.
"""

from __future__ import annotations

from textual.content import Content
from textual.style import Style

from byok_tui import glyphs


def link(url: str, text: str | None = None, *, bold: bool = False) -> Content:
    """`text` (default: the URL itself) linked to `url`; plain text in ASCII mode."""
    shown = text if text is not None else url
    if glyphs.ascii_mode():
        return Content.styled(shown, Style(bold=True)) if bold else Content(shown)
    return Content.styled(shown, Style(link=url, bold=bold or None))
