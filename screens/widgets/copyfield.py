"""A recorded value the operator will paste elsewhere (vault URI, key identifier), copyable with `c`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static


class CopyField(Vertical, can_focus=True):
    """Label on one line, the value on the next (long ids never share a line at 80 columns).

    | Key | Action |
    | :- | :- |
    | c | Copy the value to the clipboard (OSC 52: works over SSH and in tmux with set-clipboard on) |
    """

    DEFAULT_CSS = """
    CopyField {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
        .copy-label { color: $text-muted; }
        .copy-value { text-style: bold; }
        &:focus { background: $boost; .copy-label { color: $text-accent; } }
    }
    """
    BINDINGS = [Binding("c", "copy", "Copy", tooltip="Copy this value to the clipboard")]

    def __init__(self, label: str, value: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.label = label
        self.value = value

    def compose(self) -> ComposeResult:
        yield Static(Content(self.label), classes="copy-label")
        yield Static(Content(self.value or "—"), classes="copy-value")

    def set_value(self, value: str) -> None:
        self.value = value
        if self.is_mounted:
            self.query(".copy-value").first(Static).update(Content(value or "—"))

    def action_copy(self) -> None:
        if not self.value:
            self.notify(f"{self.label}: nothing recorded yet", severity="warning")
            return
        self.app.copy_to_clipboard(self.value)
        self.notify(f"Copied {self.label.lower()}")
