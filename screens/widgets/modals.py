"""Small modal dialogs: a yes/no confirmation and an error report. Each returns a typed result."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from byok_tui import glyphs
from byok_tui.errors import ByokError

from ..paint import SplitPaint


class ConfirmModal(SplitPaint, ModalScreen[bool]):
    """Ask before doing something that cannot be undone. Dismisses with True only on "confirm".

    | Key | Action |
    | :- | :- |
    | escape, n | Cancel (False) |
    | y | Confirm (True) |

    Cancel has the focus first, so a stray Enter never confirms.
    """

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
        & > Vertical {
            width: 70; max-width: 95%; height: auto; max-height: 90%;
            border: thick $error; background: $panel; padding: 1 2;
        }
        #confirm-title { text-style: bold; color: $text-error; }
        #confirm-body { margin: 1 0; }
        Horizontal { height: auto; align-horizontal: right; }
        Button { margin-left: 2; }
    }
    """
    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel"),
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
        with Vertical():
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.body, id="confirm-body", markup=False)
            with Horizontal():
                yield Button("Cancel (n)", id="cancel", compact=True)
                yield Button(f"{self.confirm_label} (y)", id="confirm", variant="error", compact=True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)


class ErrorModal(SplitPaint, ModalScreen[None]):
    """Show a `ByokError`: what failed, why, what to do, and the request id to quote to support."""

    DEFAULT_CSS = """
    ErrorModal {
        align: center middle;
        & > Vertical {
            width: 76; max-width: 95%; height: auto; max-height: 90%;
            border: thick $error; background: $panel; padding: 1 2;
        }
        #error-title { text-style: bold; color: $text-error; margin-bottom: 1; }
        .error-line { margin-bottom: 1; }
        #error-request { color: $text-muted; }
        Horizontal { height: auto; align-horizontal: right; }
    }
    """
    BINDINGS = [Binding("escape,enter", "close", "Close")]
    AUTO_FOCUS = "#close"

    def __init__(self, error: ByokError, context: str = "") -> None:
        super().__init__()
        self.error = error
        self.context = context
        """What the wizard was doing, e.g. "Applying Step 2"; "" to show the error's title alone."""

    def compose(self) -> ComposeResult:
        error = self.error
        title = f"{self.context}: {error.title}" if self.context else error.title
        with Vertical():
            yield Static(f"{glyphs.FAIL} {title}", id="error-title", markup=False)
            if error.detail:
                yield Static(f"Cause: {error.detail}", classes="error-line", markup=False)
            if error.remedy:
                yield Static(f"Fix: {error.remedy}", classes="error-line", markup=False)
            if error.request_id:
                yield Static(f"Request id: {error.request_id}", id="error-request", markup=False)
            with Horizontal():
                yield Button("Close", id="close", compact=True)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
