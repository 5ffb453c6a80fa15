"""A `Select` whose drop-down list is mounted after the first frame (issue #7).

A `Select` composes its current value and a hidden drop-down (an `OptionList`); the drop-down is about
half of what a `Select` costs to mount, and no one can open it before the first frame. `LazySelect`
composes only the current value, then mounts the drop-down once that frame is drawn, or at once if the
operator opens the list sooner (a key or a click). Once it is mounted, this is a plain `Select`.
"""

from __future__ import annotations

from textual import events, on
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay


class LazySelect(Select):
    """A `Select` that draws the same and behaves the same; only its drop-down list mounts later."""

    def compose(self):
        current = SelectCurrent(self.prompt)
        if self._value != self.NULL or not self._allow_blank:  # a value from the start (see `_on_mount`)
            # Styled as having one as it mounts, not again when the value is shown. (`has_value`'s watcher
            # sets that class; set_reactive does not call it, nor does mounting then.)
            current.add_class("-has-value", update=False)
            current.set_reactive(SelectCurrent.has_value, True)
        yield current

    def _on_mount(self, event: events.Mount) -> None:
        # Textual would call `Select._on_mount` (it fills the drop-down) next, then `Widget._on_mount`:
        # stop that, and do the rest here; the value's label, without the list (see `_watch_value`).
        event.prevent_default()
        Widget._on_mount(self, event)
        self._init_selected_option(self._value)
        self.call_after_refresh(self.mount_overlay)

    async def mount_overlay(self) -> None:
        """Mount the drop-down (once), with the options and the highlight a `Select` has."""
        if self._has_overlay() or not self.is_attached:
            return
        with self._context():  # bound to this Select, as in `Select.compose`, whoever asks (a key, a click)
            overlay = SelectOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)
        await self.mount(overlay)
        self._setup_options_renderables()
        for index, (_prompt, value) in enumerate(self._options):
            if value == self.value:
                self.query_one(SelectOverlay).highlighted = index
                break

    def _has_overlay(self) -> bool:
        try:
            self.query_one(SelectOverlay)
        except NoMatches:
            return False
        return True

    def _watch_value(self, value) -> None:
        if self._has_overlay():
            super()._watch_value(value)
            return
        # Before the drop-down exists: the same, less its highlight (set when it mounts).
        self._value = value
        try:
            current = self.query_one(SelectCurrent)
        except NoMatches:
            return
        current.update(self.NULL if value == self.NULL else next(p for p, v in self._options if v == value))
        self.post_message(self.Changed(self, value))

    def _watch_prompt(self, prompt: str) -> None:
        if self._has_overlay():
            super()._watch_prompt(prompt)
        elif self.is_mounted:
            self.query_one(SelectCurrent).placeholder = prompt
            if self._allow_blank and self.value == self.NULL:
                self.query_one(SelectCurrent).update(self.NULL)

    def set_options(self, options) -> None:
        if self._has_overlay():
            super().set_options(options)
            return
        self._setup_variables_for_options(options)
        self._init_selected_option()

    async def action_show_overlay(self) -> None:
        await self.mount_overlay()
        super().action_show_overlay()

    @on(SelectCurrent.Toggle)
    async def _select_current_toggle(self, event: SelectCurrent.Toggle) -> None:
        event.stop()
        event.prevent_default()  # `Select`'s own handler (it would toggle again) is not called
        await self.mount_overlay()
        self.expanded = not self.expanded
