"""What the terminal can show: ASCII mode and the colour theme, set once when the App is made.

ASCII mode is for terminals without Unicode (a C locale on an old jump host, a serial console): the
wizard's own symbols come from `byok_tui.glyphs` in their ASCII form, its borders become `ascii`
(screens/ascii.tcss), and a line filter turns whatever else is not ASCII (Textual's radio buttons and
arrows, names from Azure) into ASCII of the same width, so nothing on screen can come out garbled.

NO_COLOR: Textual reads it itself and draws in shades of grey (its Monochrome filter); the wizard never
says a status with colour alone (✓ ! ✗ or words), and radio buttons and checkboxes then draw their state
in characters too (screens/widgets/marks.py), as in ASCII mode.
"""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from textual.app import App
from textual.color import Color
from textual.filter import LineFilter

from byok_tui import glyphs
from byok_tui.errors import InputError

from .widgets.marks import PLAIN as PLAIN_MARKS

ASCII_CSS = Path(__file__).parent / "ascii.tcss"


class AsciiFilter(LineFilter):
    """Every drawn line in ASCII, cell for cell (`glyphs.transliterate`)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment if control or text.isascii() else Segment(glyphs.transliterate(text), style, control)
            for segment in segments
            for text, style, control in (segment,)
        ]


def theme_problem(name: str, available: list[str]) -> InputError | None:
    """None when `name` is one of the `available` themes, else the error naming the option."""
    if name in available:
        return None
    return InputError("--theme", f"unknown theme {name!r}; choose one of: {', '.join(sorted(available))}")


def setup(app: App, *, ascii: bool = False, theme: str | None = None) -> list[LineFilter]:
    """Apply the terminal modes to an App being made (before it runs). Returns the line filters the App
    adds to Textual's own (its `get_line_filters`)."""
    filters: list[LineFilter] = []
    glyphs.use_ascii(ascii)  # the process draws on one terminal: the mode is the process's
    if ascii or app.no_color:  # no colour to tell a chosen radio or a ticked box: say it in characters
        app.add_class(PLAIN_MARKS)
    if ascii:
        app.add_class("-ascii")
        app.css_path = [*app.css_path, ASCII_CSS]
        filters.append(AsciiFilter())
    if theme:
        if problem := theme_problem(theme, list(app.available_themes)):
            raise problem
        app.theme = theme
    return filters
