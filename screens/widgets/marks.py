"""Radio buttons and checkboxes whose state reads in their characters where colour cannot tell it.

Textual draws the same mark on and off (● for a radio, X for a checkbox) and tells them apart by colour.
In ASCII mode and under NO_COLOR (the App has the class `-plain-marks`) that colour is gone, so these
draw `(*)`/`( )` and `[x]`/`[ ]` instead. With colour they are Textual's own.
"""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import Checkbox, RadioButton

PLAIN = "-plain-marks"
"""The App's class when marks must read without colour (set by screens.terminal_modes)."""


class Radio(RadioButton):
    """A RadioButton: `(*)` chosen, `( )` not, when colour cannot tell."""

    ON: ClassVar[str] = "(*)"
    OFF: ClassVar[str] = "( )"

    def on_mount(self) -> None:
        show_mark(self, self.ON if self.value else self.OFF)

    def watch_value(self) -> None:
        super().watch_value()
        show_mark(self, self.ON if self.value else self.OFF)


class Tick(Checkbox):
    """A Checkbox: `[x]` ticked, `[ ]` not, when colour cannot tell."""

    ON: ClassVar[str] = "[x]"
    OFF: ClassVar[str] = "[ ]"

    def on_mount(self) -> None:
        show_mark(self, self.ON if self.value else self.OFF)

    def watch_value(self) -> None:
        super().watch_value()
        show_mark(self, self.ON if self.value else self.OFF)


def show_mark(button: RadioButton | Checkbox, mark: str) -> None:
    """Draw `mark` as the whole button (BUTTON_* are Textual's documented knobs), only without colour."""
    if button.is_attached and button.app.has_class(PLAIN):
        button.BUTTON_LEFT = button.BUTTON_RIGHT = ""
        button.BUTTON_INNER = mark
        button.refresh(layout=True)
