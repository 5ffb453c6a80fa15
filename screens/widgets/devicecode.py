"""The device-code sign-in, shown so that it can be read across a room: the address and a big code.

Over SSH on a jump host there is no browser: the operator opens the address on a phone or laptop and
types the code. The code is drawn in block letters (5 rows when the width allows, else 3), with the plain
text under it; both the code and the address are copyable (OSC 52), the address is a terminal link, and
`q` shows it as a QR code (the screen's binding). ASCII mode draws the letters with `#`.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from byok_tui import glyphs

from .links import link
from .reveal import Reveal

GLYPHS: dict[str, tuple[str, str, str, str, str]] = {
    "A": (".#.", "#.#", "###", "#.#", "#.#"), "B": ("##.", "#.#", "##.", "#.#", "##."),
    "C": (".##", "#..", "#..", "#..", ".##"), "D": ("##.", "#.#", "#.#", "#.#", "##."),
    "E": ("###", "#..", "##.", "#..", "###"), "F": ("###", "#..", "##.", "#..", "#.."),
    "G": (".##", "#..", "#.#", "#.#", ".##"), "H": ("#.#", "#.#", "###", "#.#", "#.#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"), "J": ("..#", "..#", "..#", "#.#", ".#."),
    "K": ("#.#", "#.#", "##.", "#.#", "#.#"), "L": ("#..", "#..", "#..", "#..", "###"),
    "M": ("#.#", "###", "###", "#.#", "#.#"), "N": ("##.", "#.#", "#.#", "#.#", "#.#"),
    "O": (".#.", "#.#", "#.#", "#.#", ".#."), "P": ("##.", "#.#", "##.", "#..", "#.."),
    "Q": (".#.", "#.#", "#.#", "##.", ".##"), "R": ("##.", "#.#", "##.", "#.#", "#.#"),
    "S": (".##", "#..", ".#.", "..#", "##."), "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#.#", "#.#", "#.#", "#.#", "###"), "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    "W": ("#.#", "#.#", "###", "###", "#.#"), "X": ("#.#", "#.#", ".#.", "#.#", "#.#"),
    "Y": ("#.#", "#.#", ".#.", ".#.", ".#."), "Z": ("###", "..#", ".#.", "#..", "###"),
    "0": ("###", "#.#", "#.#", "#.#", "###"), "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("##.", "..#", ".#.", "#..", "###"), "3": ("##.", "..#", ".#.", "..#", "##."),
    "4": ("#.#", "#.#", "###", "..#", "..#"), "5": ("###", "#..", "##.", "..#", "##."),
    "6": (".##", "#..", "###", "#.#", "###"), "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"), "9": ("###", "#.#", "###", "..#", "##."),
    "-": ("...", "...", "###", "...", "..."), " ": ("...", "...", "...", "...", "..."),
}  # fmt: skip
"""A 3x5 pixel font: enough for Entra's device codes (letters and digits)."""

_UNKNOWN = ("###", "#.#", "#.#", "#.#", "###")
_HALF = {("#", "#"): "█", ("#", "."): "▀", (".", "#"): "▄", (".", "."): " "}


def _pixels(text: str, scale: int) -> list[str]:
    """Five rows of '#' and '.', `scale` columns per pixel, one blank pixel between letters."""
    rows = []
    for r in range(5):
        letters = ["".join(c * scale for c in GLYPHS.get(ch, _UNKNOWN)[r]) for ch in text.upper()]
        rows.append(("." * scale).join(letters))
    return rows


def large(text: str) -> list[str]:
    """Five rows of full blocks, two columns per pixel (the size to read from a few steps away)."""
    return [row.replace("#", glyphs.BLOCK).replace(".", " ") for row in _pixels(text, 2)]


def compact(text: str) -> list[str]:
    """Three rows of half blocks, one column per pixel (for narrow terminals); five rows of `#` in ASCII."""
    if glyphs.ascii_mode():  # no half blocks: one row per pixel
        return [row.replace(".", " ") for row in _pixels(text, 1)]
    rows = [*_pixels(text, 1), "." * len(_pixels(text, 1)[0])]
    return ["".join(_HALF[(t, b)] for t, b in zip(rows[i], rows[i + 1], strict=True)) for i in (0, 2, 4)]


def width_of(text: str, scale: int) -> int:
    return len(text) * 4 * scale - scale if text else 0


class BigText(Widget):
    """`text` in block letters: the large font when it fits the width, else the compact one."""

    DEFAULT_CSS = """
    BigText {
        height: auto;
        width: 1fr;
        color: $text-accent;
    }
    """

    text: reactive[str] = reactive("", layout=True)
    """What to draw (letters, digits and hyphens)."""

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(BigText.text, text)

    def _lines(self, width: int) -> list[str]:
        if not self.text:
            return []
        return large(self.text) if width_of(self.text, 2) <= width else compact(self.text)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n".join(self._lines(self.content_size.width)))


class DeviceCodePanel(Reveal):
    """Hidden until `show`: where to go, the code in large letters, when it expires, how to copy."""

    DEFAULT_CSS = """
    DeviceCodePanel {
        display: none;
        height: auto;
        border: round $accent;
        border-title-color: $text-accent;
        padding: 0 1;
        margin: 1 0;
        &.-shown { display: block; }
        #device-open { text-style: bold; }
        #device-code-text { text-style: bold; }
        #device-hint { color: $text-muted; }
        BigText { margin: 1 0 0 0; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.uri = ""
        """The verification address Entra gave (e.g. https://microsoft.com/devicelogin)."""
        self.code = ""
        """The code to type there."""
        self.border_title = "Sign in on any device with a browser"

    def compose(self) -> ComposeResult:
        yield Static("", id="device-open")
        yield BigText(id="device-big")
        yield Static("", id="device-code-text")
        yield Static("", id="device-hint")

    def show(self, uri: str, code: str, expires_on: datetime | None) -> None:
        self.uri, self.code = uri, code
        self.query_one("#device-open", Static).update(Content("1. Open ") + link(uri))
        self.query_one(BigText).text = code
        self.query_one("#device-code-text", Static).update(
            Content.from_markup("2. Enter the code [b]$code[/b]", code=code)
        )
        until = f"It expires at {expires_on:%H:%M} UTC. " if expires_on else ""
        self.query_one("#device-hint", Static).update(
            Content(f"{until}c copies the code, u the address, q shows it as a QR code; escape cancels.")
        )
        self.add_class("-shown")

    def hide(self) -> None:
        self.uri = self.code = ""
        self.remove_class("-shown")
