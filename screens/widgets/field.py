"""Form building blocks: a labelled row, and the message line under a field."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, RadioSet, Select, Static

ONE_LINE = (Input, Select, RadioSet, Checkbox, Button)
"""Controls that take one line when compact (a compact RadioSet in a Row is laid out in a line: steps.tcss)."""


class Row(Horizontal):
    """`Label   control [control …]`: one line of a compact form. The label turns accent on focus.

    A row of compact controls is one line high by rule (`-line`) rather than by measuring: Textual sizes an
    auto-height container by arranging its children, so each nested auto level arranges the row again.
    On the vault form that was half of the layout when the screen opens (issue #7). A row holding text
    that may wrap stays auto.
    """

    DEFAULT_CSS = """
    Row {
        height: auto;
        & > .row-label { width: 11; color: $text-muted; }
        &.-focus > .row-label { color: $text-accent; text-style: bold; }
        &.-line {
            height: 1;
            & > Select, & > RadioSet { height: 1; }
            & > Select > SelectCurrent { height: 1; }
        }
    }
    """

    def __init__(self, label: str, *children: Widget, **kwargs) -> None:
        super().__init__(**kwargs)
        self.label = label
        self._row_children = children
        if children and all(isinstance(c, ONE_LINE) and c.has_class("-textual-compact") for c in children):
            self.add_class("-line")

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
        # Validation shows the same line at every key press; each update lays the screen out again.
        if str(self.content) != (text or ""):
            self.update(Content(text or ""))

    @property
    def text(self) -> str:
        return str(self.content) if self.has_class("-shown") else ""
