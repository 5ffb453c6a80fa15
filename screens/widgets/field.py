"""Form building blocks: a labelled row, and the message line under a field."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label, Static


class Row(Horizontal):
    """`Label   control [control …]`: one line of a compact form. The label turns accent on focus."""

    DEFAULT_CSS = """
    Row {
        height: auto;
        & > .row-label { width: 11; color: $text-muted; }
        &.-focus > .row-label { color: $text-accent; text-style: bold; }
    }
    """

    def __init__(self, label: str, *children: Widget, **kwargs) -> None:
        super().__init__(**kwargs)
        self.label = label
        self._row_children = children

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="row-label")
        yield from self._row_children

    # `:focus-within` is not re-evaluated when focus leaves, so track it explicitly.
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.add_class("-focus")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.remove_class("-focus")


class FieldMessage(Static):
    """The line under a field: a rule it breaks (error), or a fact about it (info). Hidden when empty."""

    DEFAULT_CSS = """
    FieldMessage {
        display: none;
        height: auto;
        padding-left: 11;
        &.-shown { display: block; }
        &.-error { color: $text-error; }
        &.-ok { color: $text-success; }
        &.-info { color: $text-muted; }
    }
    """

    def show(self, text: str | None, kind: str = "error") -> None:
        """Show `text` as "error", "ok" or "info"; None or "" hides the line."""
        self.set_class(bool(text), "-shown")
        for name in ("error", "ok", "info"):
            self.set_class(kind == name, f"-{name}")
        self.update(Content(text or ""))

    @property
    def text(self) -> str:
        return str(self.content) if self.has_class("-shown") else ""
