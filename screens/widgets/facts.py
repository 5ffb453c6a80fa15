"""Read-only facts on a form: `Label   value`, the value wrapping under itself at 80 columns."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from .field import Row


class Fact(Row):
    """A labelled value the operator reads but does not type (who gets access, which vault…)."""

    DEFAULT_CSS = """
    Fact {
        & > .fact-value { width: 1fr; height: auto; }
    }
    """

    def __init__(self, label: str, value: str = "", **kwargs) -> None:
        self.value_widget = Static(Content(value or "—"), classes="fact-value")
        super().__init__(label, self.value_widget, **kwargs)

    def set_value(self, value: str) -> None:
        self.value_widget.update(Content(value or "—"))
