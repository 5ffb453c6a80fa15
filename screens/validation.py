"""Validation (optional): after the enforcement date, prove in Kore that encrypted data still reads.

The seed's two checks are done by a person in Kore's product, so they are a checklist the operator
ticks (saved in the session at once, engine.validation.tick), beside a re-run of every live check of
the session (the same combined list as the Confirm screen's Manage, engine.health).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Static

from byok_tui import validate
from byok_tui.engine import validation as validation_step
from byok_tui.state import WizardState

from .base import StepScreen
from .widgets.health import HealthView
from .widgets.marks import Tick


def enforcement_note(state: WizardState, today) -> str:
    """Whether it is time for these checks yet, in words."""
    ek, confirmed = state.enterprise_key, state.confirm.confirmed_at
    enforced = validate.parse_date(ek.enforcement_date)
    if not confirmed:
        return "You have not pressed Proceed yet (Confirm): these checks are for after the enforcement date."
    if enforced is None:
        return "No enforcement date is recorded (Enterprise key)."
    days = (enforced - today).days
    if days > 0:
        return (f"Encryption with your key starts on {ek.enforcement_date} (in {days:,} days): until then Kore "
                "still uses its default key, so these checks prove nothing yet.")  # fmt: skip
    return f"Encryption with your key started on {ek.enforcement_date}: run these checks now."


class ValidationScreen(StepScreen):
    """The seed's optional post-enforcement validation.

    | Key | Action |
    | :- | :- |
    | space | Tick or untick the focused checklist item (saved at once) |
    | k | Re-run every live check of the session |
    | b | Back to Confirm |
    """

    STEP_ID = validation_step.STEP_ID
    CSS_PATH = "steps.tcss"
    AUTO_FOCUS = "Checkbox"
    BINDINGS = [
        Binding("k", "check_all", "Re-run all checks", id="check-all", tooltip="Re-run every live check"),
    ]

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        with VerticalScroll(id="validation-page"):
            yield Static(f"{validation_step.TITLE} (optional)", classes="step-title")
            yield Static(validation_step.PURPOSE, classes="purpose")
            yield Static("", id="enforcement-note")
            yield Static("In Kore (tick each one once it works)", classes="section")
            for item, text in validation_step.CHECKLIST:
                yield Tick(validation_step.title(item), item in state.validation.ticked, id=f"tick-{item}",
                               compact=True)  # fmt: skip
                yield Static(Content(text), classes="tick-detail")
            yield Static("", id="ticked")
            yield Static("Live checks", classes="section")
            yield Static("Every check of every step done in this session, run again now (read-only).",
                         classes="purpose")  # fmt: skip
            with Horizontal(classes="actions"):
                yield Button("Re-run every live check (k)", id="check-all", variant="primary", compact=True)
            yield HealthView()

    def on_mount(self) -> None:
        self.watch(self.app, "state", self._state_changed)

    def _state_changed(self, state: WizardState) -> None:
        self.query_one("#enforcement-note", Static).update(enforcement_note(state, self.app.clock().date()))
        done, total = len(state.validation.ticked), len(validation_step.CHECKLIST)
        line = f"{done} of {total} confirmed" + (": validation complete." if done == total else ".")
        ticked = self.query_one("#ticked", Static)
        ticked.update(line)
        ticked.set_class(done == total, "-complete")

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        item = (event.checkbox.id or "").removeprefix("tick-")
        if (item in self.app.state.validation.ticked) != event.value:
            self.app.set_state(validation_step.tick(self.app.state, item, event.value))

    @on(Button.Pressed, "#check-all")
    def action_check_all(self) -> None:
        self.query_one(HealthView).run()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in ("next", "why_not_next")  # the last step: no Next
