"""A titled part of a form with a "new" or "existing" choice, e.g. "create a vault or use one".

The chosen mode is a class on the section (`-new` / `-existing`); children marked `when-new` or
`when-existing` show only in that mode (the screen's stylesheet hides the others). Rules typed into
an input show under it; a choice clears what was said about its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Select

from ..wizard import wizard_app
from .field import FieldMessage
from .marks import Radio
from .rules import Rule


class Section(Vertical):
    """A titled part of the form with a new/existing choice. Subclasses set PREFIX and the labels."""

    app = wizard_app

    DEFAULT_CSS = """
    Section {
        height: auto;
    }
    """

    PREFIX = ""
    MODES: tuple[tuple[str, str], tuple[str, str]] = (("new", "Create new"), ("existing", "Use existing"))

    class Changed(Message):
        """Something a later section depends on changed (mode, choice, tier)."""

        def __init__(self, section: Section) -> None:
            super().__init__()
            self.section = section

        @property
        def control(self) -> Section:
            return self.section

    def __init__(self, answers: Any, **kwargs) -> None:
        super().__init__(**kwargs)
        self.answers = answers
        """The step's answers the form opened with (e.g. state.vault)."""

    def mode_radio(self, creating: bool) -> RadioSet:
        # The mode's class, before the children mount: they are styled with it as they mount, instead of all
        # again when `on_mount` would add it (only the children's rules depend on it).
        self.set_class(creating, "-new", update=False)
        self.set_class(not creating, "-existing", update=False)
        on = "new" if creating else "existing"
        buttons = [
            Radio(label, value=key == on, id=f"{self.PREFIX}-{key}", compact=True)
            for key, label in self.MODES
        ]
        return RadioSet(*buttons, id=f"{self.PREFIX}-mode", compact=True)

    def text_input(self, field: str, widget_id: str, value: str, placeholder: str,
                   check: Callable[[str], str | None]) -> Input:  # fmt: skip
        return Input(value, placeholder=placeholder, id=widget_id, compact=True, validate_on=["changed", "blur"],
                     validators=[Rule(field, check)])  # fmt: skip

    @property
    def creating(self) -> bool:
        return not self.query_one(f"#{self.PREFIX}-existing", RadioButton).value

    def set_creating(self, creating: bool) -> None:
        self.query_one(f"#{self.PREFIX}-{'new' if creating else 'existing'}", RadioButton).value = True

    def allow_existing(self, allowed: bool) -> None:
        """Grey out "Use existing" (and fall back to "new") when nothing can be adopted."""
        if not allowed and not self.creating:
            self.set_creating(True)
        self.query_one(f"#{self.PREFIX}-existing", RadioButton).disabled = not allowed

    def sync_mode(self) -> None:
        self.set_class(self.creating, "-new")
        self.set_class(not self.creating, "-existing")

    def on_mount(self) -> None:
        self.sync_mode()

    @on(RadioSet.Changed)
    def _mode_changed(self) -> None:
        self.sync_mode()
        self.post_message(self.Changed(self))

    @on(Input.Changed)
    def show_rule(self, event: Input.Changed) -> None:
        """Show the first rule the typed text breaks, under the field."""
        result = event.validation_result
        problem = None if result is None or result.is_valid else result.failure_descriptions[0]
        self.message_for(event.input).show(problem)

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _settled(self, event: Select.Changed | Checkbox.Changed) -> None:
        """A choice made (by the operator or by the form) settles whatever was said about that field."""
        self.clear_message(event.control)

    def message_for(self, widget: Widget) -> FieldMessage:
        return self.query_one(f"#{widget.id}-msg", FieldMessage)

    def clear_message(self, widget: Widget) -> None:
        for message in self.query(f"#{widget.id}-msg").results(FieldMessage):
            message.show(None)

    def subscription(self) -> str:
        return self.app.state.signin.subscription_id
