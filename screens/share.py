"""Step 4: the values Kore.ai support needs, each copyable, and the hand-off bundle written to a folder.

The form shows Tenant ID, Key Vault URI and Key Name (plus the key identifier and Kore's service-principal
object id) as CopyFields (c copies the focused one over OSC 52, so it works over SSH), and asks for the
bundle's folder. Apply writes JSON + Markdown; the checks compare every value with Azure.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input, Static

from byok_tui.engine import share as share_step
from byok_tui.state import StepRecord, WizardState

from .flow import FlowScreen
from .widgets.copyfield import CopyField
from .widgets.field import FieldMessage, Row
from .widgets.prereq import MissingSteps, step_name
from .widgets.rules import Rule

VALUES: tuple[tuple[str, str], ...] = (
    ("tenant_id", "Tenant ID"),
    ("key_vault_uri", "Key Vault URI"),
    ("key_name", "Key Name"),
    ("key_identifier", "Key identifier"),
    ("kore_sp_object_id", "Kore service principal object ID"),
)
"""The hand-off values shown, in the guide's order (the first three are what Step 4 asks for)."""
WHY_MISSING = {
    "signin": "the tenant ID is not recorded.",
    "authorize": "Kore's service principal object ID is not recorded (Kore can still be sent the rest).",
    "vault": "the Key Vault URI, key name and key identifier are not recorded.",
}


def ticket_text(state: WizardState) -> str:
    """The three values as lines to paste into a support ticket."""
    values = share_step.handoff(state)
    return "\n".join(f"{label}: {values[key]}" for key, label in VALUES[:3])


class ShareScreen(FlowScreen):
    """Step 4 of the seed: share the tenant ID, Key Vault URI and key name with Kore.ai.

    Keys as in FlowScreen, plus:

    | Key | Page | Action |
    | :- | :- | :- |
    | c | any | Copy the focused value; elsewhere the three values for a support ticket |
    """

    STEP = share_step.STEP
    STEP_ID = share_step.STEP_ID
    CSS_PATH = "steps.tcss"
    ready_text = "send the values (or the bundle) to Kore.ai support"
    BINDINGS = [Binding("c", "copy", "Copy", id="copy",
                        tooltip="Copy the focused value, or the three values for a support ticket")]  # fmt: skip

    folder = getters.query_one("#share-folder", Input)
    folder_message = getters.query_one("#share-folder-msg", FieldMessage)
    missing = getters.query_one("#share-missing", MissingSteps)

    @property
    def FORM_FOCUS(self) -> str:  # type: ignore[override]
        steps = share_step.missing_steps(self.app.state)
        return f"#goto-{steps[0]}" if steps else "#copy-tenant_id"

    def compose_form(self) -> ComposeResult:
        state = self.app.state
        yield MissingSteps(_missing(state), id="share-missing")
        yield Static("Send these to Kore.ai support (Tab to one, c copies it)", classes="section")
        values = share_step.handoff(state)
        for key, label in VALUES:
            yield CopyField(label, values[key], id=f"copy-{key}", classes="share-value")
        yield Static("Hand-off bundle (JSON and Markdown; nothing secret)", classes="section")
        folder = state.share.export_dir or share_step.DEFAULT_EXPORT_DIR
        # The placeholder must not read as a value the field holds: an empty field is refused.
        yield Row("Folder", Input(folder, placeholder=f"(empty: type a folder, e.g. {share_step.DEFAULT_EXPORT_DIR})",
                                  id="share-folder", compact=True,
                                  validators=[Rule("Folder", share_step.folder_problem)],
                                  validate_on=["changed", "blur", "submitted"]))  # fmt: skip
        yield FieldMessage(id="share-folder-msg")
        yield Button("Review changes (r)", id="review", variant="primary", compact=True)

    def compose_result(self) -> ComposeResult:
        values = share_step.handoff(self.app.state)
        yield Static("Send these to Kore.ai support (Tab to one, c copies it)", classes="section")
        for key, label in VALUES:
            yield CopyField(label, values[key], id=f"done-{key}", classes="share-value")

    async def on_mount(self) -> None:  # FlowScreen.on_mount runs too
        self.watch(self.app, "state", self._values_changed, init=False)

    async def _values_changed(self, state: WizardState) -> None:
        values = share_step.handoff(state)
        # The result page's copies exist once it is composed (with the values of that moment).
        prefixes = ("copy", "done") if self.has_page("result") else ("copy",)
        for key, _ in VALUES:
            for prefix in prefixes:
                self.query_one(f"#{prefix}-{key}", CopyField).set_value(values[key])
        await self.missing.show(_missing(state))

    @on(Input.Changed, "#share-folder")
    def _folder_typed(self, event: Input.Changed) -> None:
        result = event.validation_result
        self.folder_message.show(
            None if result is None or result.is_valid else result.failure_descriptions[0]
        )
        if self.folder_message.text:
            self.folder_message.scroll_visible(animate=False)

    @on(Input.Submitted, "#share-folder")
    def _folder_submitted(self) -> None:
        self.action_review()

    async def collect(self) -> WizardState | None:
        state = self.app.state
        folder = self.folder.value.strip()
        if folder and not folder.startswith("~") and not Path(folder).is_absolute():
            folder = str(Path.cwd() / folder)  # say exactly where the files go
        candidate = dataclasses.replace(state, share=dataclasses.replace(state.share, export_dir=folder))
        if folder != state.share.export_dir:  # a new folder is a new export: the step is not done there yet
            candidate = dataclasses.replace(
                candidate, share=dataclasses.replace(candidate.share, exported=())
            )
            candidate = candidate.with_step(self.STEP_ID, StepRecord())
        found: list[tuple[str, str]] = []
        blocking = [step_name(s) for s in share_step.missing_steps(candidate) if s != "authorize"]
        if blocking:
            found.append(("values", f"Nothing to share yet: finish {' and '.join(blocking)} first."))
        if problem := share_step.folder_problem(folder):
            found.append(("share.export_dir", problem))
            self.folder_message.show(problem)
            self.folder.focus()
        if found:
            self.refuse(found)
            return None
        return candidate

    def summary(self, state: WizardState) -> str:
        if not state.share.exported:
            return ""
        folder = str(Path(state.share.exported[0]).parent)
        return f"Send the values below (c copies), or the two files in {folder}, to Kore.ai support."

    # --- copy -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return True
        return super().check_action(action, parameters)

    def action_copy(self) -> None:
        focused = self.focused
        if isinstance(focused, CopyField):
            focused.action_copy()
            return
        values = share_step.handoff(self.app.state)
        if not all(values[key] for key, _ in VALUES[:3]):
            self.notify(
                "Nothing to copy yet: the values are recorded by the earlier steps.", severity="warning"
            )
            return
        self.app.copy_to_clipboard(ticket_text(self.app.state))
        self.notify("Copied Tenant ID, Key Vault URI and Key Name (one per line) for a support ticket.")


def _missing(state: WizardState) -> list[tuple[str, str]]:
    return [(step, WHY_MISSING[step]) for step in share_step.missing_steps(state)]
