"""Small modal dialogs: a yes/no confirmation and an error report. Each returns a typed result."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from byok_tui import glyphs
from byok_tui.errors import ByokError

from .footer import StableFooter

DIALOG_CSS = """
    align: center middle;
    & > #dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $panel; padding: 0 2;
    }
    #dialog-title { text-style: bold; color: $text-error; margin-top: 1; }
    /* The body scrolls and the buttons stay: capped so that at 60x20 the frame (border, title, margins,
       buttons) and the footer still fit around it. */
    #dialog-body { height: auto; max-height: 55vh; margin: 1 0; background: $panel; }
    #dialog-buttons { height: auto; align-horizontal: right; margin-bottom: 1; }
    #dialog-buttons Button { margin-left: 2; }
"""
"""Every dialog's frame: the title, a body that scrolls, and buttons that always show, at 60x20 too."""


class ConfirmModal(ModalScreen[bool]):
    """Ask before doing something that cannot be undone. Dismisses with True only on "confirm".

    | Key | Action |
    | :- | :- |
    | escape, n | Cancel (False) |
    | y | Confirm (True) |

    Cancel has the focus first, so a stray Enter never confirms. The footer shows these keys, not the
    page's underneath.
    """

    DEFAULT_CSS = "ConfirmModal {" + DIALOG_CSS + "}"
    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel", key_display="n/esc"),
        Binding("y", "confirm", "Confirm"),
    ]
    AUTO_FOCUS = "#cancel"

    def __init__(self, title: str, body: str, confirm_label: str = "Confirm") -> None:
        super().__init__()
        self.title_text = title
        """One line: what is about to happen."""
        self.body = body
        """Why it matters; must say plainly that it cannot be undone."""
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title", markup=False)
            with VerticalScroll(id="dialog-body"):
                yield Static(self.body, id="confirm-body", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel (n)", id="cancel", compact=True)
                yield Button(f"{self.confirm_label} (y)", id="confirm", variant="error", compact=True)
        yield StableFooter()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)


class ErrorModal(ModalScreen[None]):
    """Show a `ByokError`: what failed, why, what to do, and the request id to quote to support.

    | Key | Action |
    | :- | :- |
    | escape, enter | Close |
    """

    DEFAULT_CSS = (
        "ErrorModal {"
        + DIALOG_CSS
        + """
        .error-line { margin-bottom: 1; }
        #error-request { color: $text-muted; }
    }"""
    )
    BINDINGS = [Binding("escape,enter", "close", "Close", key_display="esc")]
    AUTO_FOCUS = "#close"

    def __init__(self, error: ByokError, context: str = "") -> None:
        super().__init__()
        self.error = error
        self.context = context
        """What the wizard was doing, e.g. "Applying Step 2"; "" to show the error's title alone."""

    def compose(self) -> ComposeResult:
        error = self.error
        title = f"{self.context}: {error.title}" if self.context else error.title
        with Vertical(id="dialog"):
            yield Static(f"{glyphs.FAIL} {title}", id="dialog-title", markup=False)
            with VerticalScroll(id="dialog-body"):
                if error.detail:
                    yield Static(f"Cause: {error.detail}", classes="error-line", markup=False)
                if error.remedy:
                    yield Static(f"Fix: {error.remedy}", classes="error-line", markup=False)
                if error.request_id:
                    yield Static(f"Request id: {error.request_id}", id="error-request", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Close (esc)", id="close", compact=True)
        yield StableFooter()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
