"""A recorded value the operator will paste elsewhere (vault URI, key identifier), copyable with `c`."""

from __future__ import annotations

from textual import events
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
            self._show_value()

    def on_resize(self, event: events.Resize) -> None:
        self._show_value()

    def _show_value(self) -> None:
        width = self.content_size.width
        text = break_at_separators(self.value, width) if self.value and width > 0 else (self.value or "—")
        shown = self.query(".copy-value").first(Static)
        if str(shown.content) != text:  # resizes and saved changes mostly leave it as it is
            shown.update(Content(text))

    def action_copy(self) -> None:
        if not self.value:
            self.notify(f"{self.label}: nothing recorded yet", severity="warning")
            return
        self.app.copy_to_clipboard(self.value)
        self.notify(f"Copied {self.label.lower()}")


SEPARATORS = "/?&"
"""Where a long URL or resource id may break: after these, never inside a name."""


def break_at_separators(text: str, width: int) -> str:
    """`text` in lines of at most `width`, each break just after a `/`, `?` or `&` where one fits (else at
    `width`), so that a line never ends in the middle of a name the operator may copy with the mouse."""
    lines, rest = [], text
    while len(rest) > width > 0:
        cut = max(rest.rfind(sep, 0, width) for sep in SEPARATORS)
        cut = cut + 1 if cut > 0 else width
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return "\n".join(lines)
