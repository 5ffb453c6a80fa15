"""Terminal hyperlinks (OSC 8): the URL is the text too, so it still reads and copies where links don't work."""

from __future__ import annotations

from textual.content import Content
from textual.style import Style


def link(url: str, text: str | None = None, *, bold: bool = False) -> Content:
    """`text` (default: the URL itself) linked to `url`; terminals without OSC 8 show the text alone."""
    return Content.styled(text if text is not None else url, Style(link=url, bold=bold or None))
