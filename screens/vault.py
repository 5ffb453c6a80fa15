"""Step 2: Key Vault and key. Form -> Review (planned changes) -> Apply -> Checks.

The screen composes, wires messages and starts workers. Rules come from `byok_tui.validate` and the
engine; the apply runs in an App-level worker (`app.start_apply`); checks are read-only and run here.
"""

from __future__ import annotations

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from byok_tui.engine import vault as vault_step
from byok_tui.state import WizardState

from .flow import FlowScreen
from .vault_form import VaultForm
from .widgets.copyfield import CopyField


class VaultScreen(FlowScreen):
    """Step 2 of the seed: choose or create the resource group, the Key Vault and the RSA key.

    Keys as in FlowScreen, plus:

    | Key | Page | Action |
    | :- | :- | :- |
    | c | checks | Copy the key identifier (or the focused value) |
    """

    STEP = vault_step.STEP
    STEP_ID = vault_step.STEP_ID
    CSS_PATH = "steps.tcss"
    AUTO_FOCUS = "#rg-mode"
    FORM_FOCUS = "#rg-mode"
    ready_text = "the vault and key are ready for Kore"
    BINDINGS = [Binding("c", "copy", "Copy key id", id="copy", tooltip="Copy the key identifier")]

    form = getters.query_one(VaultForm)

    def compose_form(self) -> ComposeResult:
        state = self.app.state
        recorded = state.vault.name if state.step(self.STEP_ID).applied and state.vault.create_vault else ""
        yield VaultForm(state.vault, recorded_vault=recorded)

    async def collect(self) -> WizardState | None:
        form = self.form
        await form.mounted()
        candidate = vault_step.with_answers(self.app.state, form.answers(self.app.state))
        found = await form.problems(candidate)
        form.show_problems(found)
        if found:
            self.refuse(found)
            return None
        return candidate

    def compose_result(self) -> ComposeResult:
        state = self.app.state
        yield Static("Recorded for Kore (focus one and press c to copy)", classes="section")
        yield CopyField("Key Vault URI", state.vault.vault_uri, id="copy-uri")
        yield CopyField("Key identifier", state.vault.key_id, id="copy-kid")

    def refresh_result(self, state: WizardState) -> None:
        self.query_one("#copy-uri", CopyField).set_value(state.vault.vault_uri)
        self.query_one("#copy-kid", CopyField).set_value(state.vault.key_id)

    def summary(self, state: WizardState) -> str:
        return _summary(state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return self.page == "result"
        return super().check_action(action, parameters)

    def action_copy(self) -> None:
        focused = self.focused
        field = focused if isinstance(focused, CopyField) else self.query_one("#copy-kid", CopyField)
        field.action_copy()


def _summary(state: WizardState) -> str:
    v = state.vault
    group = f"{v.resource_group} ({'new' if v.create_resource_group else 'existing'})"
    vault = f"{v.name} ({'new' if v.create_vault else 'existing'}, {v.sku.title()}, {v.location})"
    if v.create_key:
        key = f"{v.key_name} ({'RSA-HSM' if v.key_hsm else 'RSA'} {v.key_size}, new)"
    else:
        key = f"{v.key_name} (existing)"
    return f"Resource group {group}\nKey vault {vault}\nKey {key}"
