"""The Create Key form: cloud provider, key identifier, tenant id and enforcement date.

Every field is checked as it is typed, with the engine's rules (`engine.enterprise_key`): the identifier
for every cloud's vault DNS suffix and against the key recorded in Step 2, the tenant against the
signed-in one, the date against today (the App's clock). The form only renders and collects; the screen
decides what Review does.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from byok_tui import validate
from byok_tui.engine import enterprise_key as ek_step
from byok_tui.engine.step import placed
from byok_tui.errors import InputError
from byok_tui.state import EnterpriseKeyState, WizardState

from .widgets.field import FieldMessage, Row
from .widgets.rules import Rule, name_field

FIELD_WIDGETS = {
    "enterprise_key.key_identifier": "#ek-identifier",
    "enterprise_key.tenant_id": "#ek-tenant",
    "enterprise_key.enforcement_date": "#ek-date",
}
"""engine.enterprise_key.problems field -> the input that shows it."""


def describe_identifier(identifier: str) -> str:
    """The identifier's parts on one short line (the full URL is wider than 80 columns)."""
    parsed = validate.parse_key_identifier(identifier)
    if parsed is None:
        return ""
    version = f"version {parsed.version[:8]}…" if parsed.version else "no version (latest)"
    return f"Vault {parsed.vault_name} · key {parsed.key_name} · {version}"


def describe_date(text: str, today: date) -> str:
    """ "Encryption starts on Friday 14 February 2025 (in 30 days)." for a valid date."""
    when = validate.parse_date(text)
    if when is None:
        return ""
    days = (when - today).days
    on = f"{when:%A} {when.day} {when:%B %Y}"
    if days < 0:
        return f"Encryption with your key started on {on} ({-days} day{'s' if days < -1 else ''} ago)."
    distance = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return f"Encryption with your key starts on {on} ({distance})."


class EnterpriseKeyForm(Vertical):
    """The four values of Admin Console > Enterprise Key > Create Key. Read-only when `locked`."""

    identifier = getters.query_one("#ek-identifier", Input)
    tenant = getters.query_one("#ek-tenant", Input)
    date_input = getters.query_one("#ek-date", Input)
    toggle = getters.query_one("#ek-toggle", Button)

    def __init__(self, state: WizardState, today: date, *, locked: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.state = state
        """The session as the form opened (Step 2's vault and key, the signed-in tenant)."""
        self.today = today
        self.locked = locked
        """After the enforcement date: every field is read-only."""

    def compose(self) -> ComposeResult:
        ek = ek_step.prefill(self.state).enterprise_key
        yield Row("Cloud provider", Static("Azure", id="ek-provider"),
                  Static("  (fixed: Azure Key Vault)", classes="ek-hint"))  # fmt: skip
        yield Row("Key identifier", self._input("ek-identifier", ek.key_identifier,
                                                "https://NAME.vault.azure.net/keys/KEY[/VERSION]", "Key identifier",
                                                lambda text: ek_step.identifier_problem(self.state, text.strip())))  # fmt: skip
        yield FieldMessage(id="ek-identifier-msg")
        yield Static("", id="ek-identifier-note")
        yield Button("", id="ek-toggle", compact=True)
        yield Row(
            "Tenant ID",
            self._input(
                "ek-tenant",
                ek.tenant_id,
                "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                "Tenant ID",
                lambda text: ek_step.tenant_problem(self.state, text.strip()),
            ),
        )
        yield FieldMessage(id="ek-tenant-msg")
        yield Static("Kore's console calls it “Authentication credentials”.", classes="ek-hint ek-under")
        picks = [Button(label, id=f"ek-plus{days}", compact=True, classes="ek-pick")
                 for label, days in ek_step.QUICK_DATES]  # fmt: skip
        yield Row(
            "Enforcement date",
            self._input("ek-date", ek.enforcement_date, "YYYY-MM-DD", "Enforcement date", self._date_rule),
            *picks,
        )
        yield FieldMessage(id="ek-date-msg")

    def _input(self, widget_id: str, value: str, placeholder: str, field: str, check) -> Input:
        return Input(value, placeholder=placeholder, id=widget_id, compact=True, disabled=self.locked,
                     validate_on=["changed", "blur"], validators=[Rule(field, check)])  # fmt: skip

    def _date_rule(self, text: str) -> str | None:
        """Today or later, until the date has passed and is the record of when encryption began."""
        return None if self.locked else validate.enforcement_date(text.strip(), self.today)

    def on_mount(self) -> None:
        for widget in self.query(".ek-pick"):
            widget.display = not self.locked
        self.identifier.cursor_position = 0  # the vault and key show first; the note names the version
        self._show_identifier(self.identifier.value)
        self._show_date(self.date_input.value)

    # --- as you type ---------------------------------------------------------------------

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        problem = None if result is None or result.is_valid else result.failure_descriptions[0]
        message = self.query_one(f"#{event.input.id}-msg", FieldMessage)
        message.show(problem)
        if event.input is self.identifier:
            self._show_identifier(event.value.strip() if problem is None else "")
        elif event.input is self.date_input and problem is None:
            self._show_date(event.value.strip())

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.screen.focus_next()

    def _show_identifier(self, identifier: str) -> None:
        """Under the identifier: its parts, which version Kore will get, and the toggle's label."""
        note = self.query_one("#ek-identifier-note", Static)
        parts, which = describe_identifier(identifier), ek_step.identifier_note(identifier)
        note.update(Content("\n".join(p for p in (parts, which) if p)))
        note.display = bool(parts)
        other = ek_step.toggle_version(identifier, self.state.vault.key_id) if parts else None
        parsed = validate.parse_key_identifier(identifier)
        self.toggle.label = (
            "Use the versionless form (^t)" if parsed and parsed.version else "Pin the version (^t)"
        )
        self.toggle.disabled = other is None
        self.toggle.display = bool(parts) and not self.locked
        self.toggle.refresh(layout=True)  # the new label has another width

    def _show_date(self, text: str) -> None:
        if not self._date_rule(text):
            self.query_one("#ek-date-msg", FieldMessage).show(describe_date(text.strip(), self.today), "info")

    # --- actions the screen calls ---------------------------------------------------------

    def toggle_version(self) -> str | None:
        """Switch the identifier between its versioned and versionless forms; else say why not."""
        if self.locked:
            return "The values are read-only after the enforcement date."
        identifier = self.identifier.value.strip()
        if validate.parse_key_identifier(identifier) is None:
            return "Fix the key identifier first: only a valid one has a versioned and a versionless form."
        other = ek_step.toggle_version(identifier, self.state.vault.key_id)
        if other is None:
            return "Step 2 recorded no version of this key to pin: the identifier stays as it is."
        self.identifier.value = other
        return None

    @on(Button.Pressed, ".ek-pick")
    def _quick_date(self, event: Button.Pressed) -> None:
        days = int((event.button.id or "ek-plus0").removeprefix("ek-plus"))
        self.date_input.value = ek_step.quick_date(self.today, days)

    def answers(self, state: WizardState) -> WizardState:
        """`state` with this form's values in `state.enterprise_key` (the engine decides the rest)."""
        values = EnterpriseKeyState(
            provider="azure",
            key_identifier=self.identifier.value.strip(),
            tenant_id=self.tenant.value.strip(),
            enforcement_date=self.date_input.value.strip(),
        )
        return dataclasses.replace(state, enterprise_key=values)

    def show_problems(self, found: list[InputError]) -> list[tuple[Widget, str]]:
        """Each of the engine's problems under its input; focus the first. Returns (widget, message) pairs
        (a problem no input here shows is left to the caller)."""
        for message in self.query(FieldMessage):
            if message.has_class("-error"):
                message.show(None)
        shown: list[tuple[Widget, str]] = []
        for selector, problem in placed(found, FIELD_WIDGETS)[0]:
            widget = self.query_one(selector, Input)
            label = {"#ek-identifier": "Key identifier", "#ek-tenant": "Tenant ID"}.get(
                selector, "Enforcement date"
            )
            text = name_field(label, problem.rule)
            self.query_one(f"{selector}-msg", FieldMessage).show(text)
            shown.append((widget, text))
        if shown:
            shown[0][0].focus()
            shown[0][0].scroll_visible(animate=False)
        return shown
