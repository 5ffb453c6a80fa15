"""A QR code of an address, drawn with text, for a phone to scan (the jump host has no browser).

`lines` is the pure part: text in, rows of characters out. Unicode terminals get half blocks, two
modules per character row (▀ top dark, ▄ bottom dark, █ both, space neither), which keeps a module
about square in a 1:2 terminal cell. ASCII terminals get `##` per dark module and one row per module;
the widget paints those cells solid (same foreground and background), so they scan the same.

Dark on light whatever the theme: phones expect it, so the colours here are fixed on purpose.
The quiet zone is 2 modules (the standard asks 4): phones read it, and 2 rows saved let Step 1's consent
URL (version 6, 41 modules) fit an 80x24 terminal whole.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content, Span
from textual.events import Resize
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Static

from byok_tui import glyphs

from .footer import StableFooter
from .links import link

QUIET_ZONE = 2
"""Light modules around the symbol."""

HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
"""(top dark, bottom dark) -> the character that draws both modules."""

DARK_ASCII = "##"
LIGHT_ASCII = "  "


def matrix(text: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The QR symbol of `text` with its quiet zone, True for a dark module.

    Error level L (boosted by segno when that costs no size) and never a Micro QR, which most phone
    cameras do not read: long URLs need every module they can get.
    """
    import segno  # not needed until a code is shown

    symbol = segno.make(text, error="l", micro=False)
    return [[bool(module) for module in row] for row in symbol.matrix_iter(scale=1, border=border)]


def half_block_lines(modules: list[list[bool]]) -> list[str]:
    """Two module rows per line; an odd last row pairs with a light one."""
    rows = [*modules, [False] * len(modules[0])] if len(modules) % 2 else modules
    return ["".join(HALF_BLOCKS[top, bottom] for top, bottom in zip(rows[i], rows[i + 1], strict=True))
            for i in range(0, len(rows), 2)]  # fmt: skip


def ascii_lines(modules: list[list[bool]]) -> list[str]:
    """One module row per line, two columns per module (`##` dark, two spaces light)."""
    return ["".join(DARK_ASCII if dark else LIGHT_ASCII for dark in row) for row in modules]


def lines(text: str, *, ascii: bool = False) -> list[str]:
    """`text` as a QR code drawn in characters: half blocks, or `##` cells with `ascii`."""
    modules = matrix(text)
    return ascii_lines(modules) if ascii else half_block_lines(modules)


_DARK = Style.parse("#000000 on #000000")


class QRCode(Widget):
    """The QR code of `text`, exactly its size (no wrapping: a folded row would not scan)."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
        color: #000000;
        background: #ffffff;
    }
    """

    def __init__(self, text: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.ascii = glyphs.ascii_mode()
        self.rows = lines(text, ascii=self.ascii)

    @property
    def columns(self) -> int:
        return len(self.rows[0])

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.columns

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows)

    def render(self) -> Content:
        text = "\n".join(self.rows)
        if not self.ascii:
            return Content(text)
        spans, start = [], 0
        for row in self.rows:  # paint each run of `#` solid black
            col = 0
            while (col := row.find("#", col)) != -1:
                end = col
                while end < len(row) and row[end] == "#":
                    end += 1
                spans.append(Span(start + col, start + end, _DARK))
                col = end
            start += len(row) + 1
        return Content(text, spans)


class QRModal(ModalScreen[None]):
    """An address as a QR code, with the address beside it (or under it when the terminal is narrow).

    | Key | Action |
    | :- | :- |
    | q, escape | Close |

    When the terminal is too narrow for the code, one line says so and the address stays.
    """

    DEFAULT_CSS = """
    QRModal {
        background: $background;
        #qr-scroll { width: 1fr; height: 1fr; }
        #qr-body { width: 1fr; height: auto; }
        #qr-side { width: 1fr; height: auto; padding: 0 1 0 2; }
        &.-stacked #qr-body { layout: vertical; }
        &.-stacked #qr-side { padding: 1 1 0 0; }
        #qr-title { text-style: bold; color: $text-accent; }
        #qr-url { margin: 1 0; }
        #qr-too-narrow { display: none; color: $text-warning; }
        &.-too-narrow #qr-too-narrow { display: block; }
        &.-too-narrow QRCode, &.-too-narrow #qr-scan { display: none; }
        #qr-scan, #qr-close { color: $text-muted; }
    }
    """
    BINDINGS = [Binding("q,escape", "close", "Close", tooltip="Close the QR code")]

    SIDE_MIN = 30
    """Columns the address needs beside the code; fewer and it goes under it."""

    def __init__(self, url: str, title: str) -> None:
        super().__init__()
        self.url = url
        self.title_text = title

    def compose(self) -> ComposeResult:
        code = QRCode(self.url)
        with VerticalScroll(id="qr-scroll"), Horizontal(id="qr-body"):
            yield code
            with Vertical(id="qr-side"):
                yield Static(Content(self.title_text), id="qr-title")
                yield Static(Content(f"The QR code needs {code.columns} columns: widen the terminal, or use "
                                     "the address."), id="qr-too-narrow")  # fmt: skip
                yield Static(link(self.url), id="qr-url")
                yield Static(Content("Point a phone's camera at the code."), id="qr-scan")
                yield Static(Content("q or escape closes."), id="qr-close")
        yield StableFooter()  # its own key, in view however far the code scrolls (#15 item 8)

    @on(Resize)
    def _fit(self, event: Resize) -> None:
        columns = self.query_one(QRCode).columns
        self.set_class(event.size.width < columns, "-too-narrow")
        self.set_class(event.size.width < columns + self.SIDE_MIN, "-stacked")

    def action_close(self) -> None:
        self.dismiss(None)
