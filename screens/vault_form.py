"""Step 2's form: the resource group, key vault and key sections, and what Review needs from them.

The sections (vault_sections.py) own their fields and look-ups; the form passes changes down the chain
(group -> vault -> key), turns the answers into state, and lists what stops a Review. The rules come
from `byok_tui.validate` (as you type) and `engine.vault.problems` (on Review).
"""

from __future__ import annotations

import asyncio
import dataclasses

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Input

from byok_tui.engine import vault as vault_step
from byok_tui.engine.step import placed
from byok_tui.state import VaultState, WizardState

from .vault_sections import GroupSection, KeySection, VaultSection
from .widgets.field import FieldMessage
from .widgets.section import Section

ENGINE_FIELDS: dict[str, tuple[str, str]] = {
    "vault.resource_group": ("#rg-name", "#rg-select"),
    "vault.location": ("#rg-location", "#vault-region"),
    "vault.name": ("#vault-name", "#vault-select"),
    "vault.sku": ("#vault-sku", "#vault-sku"),
    "vault.key_name": ("#key-name", "#key-select"),
    "vault.key_size": ("#key-size", "#key-size"),
    "vault.key_hsm": ("#key-hsm", "#key-hsm"),
}
"""engine.vault.problems field -> the widget that shows it (when creating, when adopting)."""


class VaultForm(Vertical):
    """The answers of Step 2. `answers()` turns them into state; `problems()` says what is wrong."""

    group = getters.query_one(GroupSection)
    vault = getters.query_one(VaultSection)
    key = getters.query_one(KeySection)

    def __init__(self, answers: VaultState, *, recorded_vault: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.initial = answers
        self.recorded_vault = recorded_vault
        self._all_mounted = asyncio.Event()

    def compose(self) -> ComposeResult:
        # The vault and key sections are mounted one frame apart after this (`_mount_next`): composed
        # together, the three made the longest stall of the flow as Step 2 opened (issue #17).
        yield GroupSection(self.initial)
        yield Button("Review changes (r)", id="review", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.call_after_refresh(self._mount_next)

    async def _mount_next(self) -> None:
        if not self.is_attached:
            return
        if not self.query_children(VaultSection):
            await self.mount(VaultSection(self.initial, recorded_vault=self.recorded_vault), before="#review")
            self.vault.follow_group(self.group)
            self.call_after_refresh(self._mount_next)
        elif not self.query_children(KeySection):
            await self.mount(KeySection(self.initial), before="#review")
            self.key.follow_vault(self.vault)
            self._all_mounted.set()

    async def mounted(self) -> None:
        """Wait until every section is mounted (a Review asked for right as the step opens)."""
        await self._all_mounted.wait()

    @on(Section.Changed)
    def _pass_it_on(self, event: Section.Changed) -> None:
        # A section not mounted yet follows the one before it when it mounts.
        if isinstance(event.control, GroupSection) and self.query_children(VaultSection):
            self.vault.follow_group(self.group)
        if isinstance(event.control, GroupSection | VaultSection) and self.query_children(KeySection):
            self.key.follow_vault(self.vault)

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.screen.focus_next()

    # --- answers and problems ------------------------------------------------------------

    def answers(self, state: WizardState) -> WizardState:
        """`state` with this form's answers in `state.vault` (an adopted vault via engine.adopt_vault)."""
        group, vault, key = self.group, self.vault, self.key
        chosen = vault.chosen
        location = group.location if group.creating else vault.region_select.selection
        answers = dataclasses.replace(
            state.vault,
            resource_group=group.answer,
            create_resource_group=group.creating,
            location=location or "",
            name=vault.name_input.value.strip() if vault.creating else (chosen.name if chosen else ""),
            create_vault=vault.creating,
            sku=str(vault.sku.value),
            enable_purge_protection=bool(chosen and not chosen.purge_protection and vault.purge.value),
            key_name=key.answer,
            create_key=key.creating,
            key_size=int(key.size_select.value) if key.creating else state.vault.key_size,  # type: ignore[call-overload]
            key_hsm=key.creating and key.hsm.value,
        )
        new = dataclasses.replace(state, vault=answers)
        return vault_step.adopt_vault(new, chosen) if chosen is not None else new

    async def problems(self, state: WizardState) -> list[tuple[Widget, str]]:
        """What stops a Review, in form order: (widget to focus, message naming the field and rule)."""
        group, vault, key = self.group, self.vault, self.key
        found: list[tuple[Widget, str]] = []
        if not group.creating and group.select.selection is None:
            found.append((group.select, "Resource group: choose a group from the list (or Create new)."))
        chosen = vault.chosen
        if not vault.creating and chosen is None:
            found.append((vault.select, "Key vault: choose a vault from the list (or Create new)."))
        if chosen is not None and not chosen.purge_protection and not vault.purge.value:
            found.append((vault.purge, f"Purge protection: Kore requires it on {chosen.name}; tick “Enable purge "
                                       "protection (irreversible)” or choose another vault."))  # fmt: skip
        if not key.creating and key.select.selection is None:
            found.append((key.select, "Key: choose a key from the list (or Generate new)."))
        flagged = {widget for widget, _ in found}
        # Which widget shows a field depends on the choice made: its input when creating, its list when adopting.
        fields = {
            field: ids[0] if self._creating_for(field) else ids[1] for field, ids in ENGINE_FIELDS.items()
        }
        on_form, elsewhere = placed(vault_step.problems(state), fields)
        for problem in elsewhere:  # e.g. signin.subscription_id: nothing on this form can fix it
            self.app.notify(problem.rule, title="Not signed in", severity="error")
        for selector, problem in on_form:
            widget = self.query_one(selector)
            if widget not in flagged:
                found.append((widget, problem.rule))
                flagged.add(widget)
        if vault.creating and vault.name_input not in flagged:
            check = await vault.name_check(vault.name_input.value.strip())
            if check is not None and not check.available:
                why = (
                    "taken; soft-deleted vaults keep their name"
                    if check.reason == "AlreadyExists"
                    else "not available"
                )
                found.append((vault.name_input, f"Key vault name: '{vault.name_input.value}' is {why}. "
                                                "If the vault is yours, choose Use existing."))  # fmt: skip
        order = list(self.query("Input, Select, Checkbox"))
        found.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
        return found

    def _creating_for(self, field: str) -> bool:
        if field in ("vault.resource_group", "vault.location"):
            return self.group.creating
        if field in ("vault.name", "vault.sku"):
            return self.vault.creating
        return self.key.creating

    def show_problems(self, found: list[tuple[Widget, str]]) -> None:
        """Each message under its field (older ones cleared); focus the first bad field."""
        for message in self.query(FieldMessage):
            if message.has_class("-error"):
                message.show(None)
        for widget, text in found:
            self.query_one(f"#{widget.id}-msg", FieldMessage).show(text)
        if found:
            found[0][0].focus()
            found[0][0].scroll_visible(animate=False)
