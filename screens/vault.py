"""Step 2: Key Vault and key. Form -> Review (planned changes) -> Apply -> Checks.

The screen composes, wires messages and starts workers. Rules come from `byok_tui.validate` and the
engine; the apply runs in an App-level worker (`app.start_apply`); checks are read-only and run here.
"""

from __future__ import annotations

import dataclasses

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, ContentSwitcher, ProgressBar, RichLog, Static

from byok_tui.engine import runner
from byok_tui.engine import vault as vault_step
from byok_tui.engine.model import Change, CheckResult, overall
from byok_tui.errors import ByokError
from byok_tui.state import StepRecord, WizardState

from .base import StepScreen
from .messages import ApplyFinished, ApplyProgress
from .vault_form import VaultForm
from .widgets.checks import ChecksView
from .widgets.copyfield import CopyField
from .widgets.modals import ConfirmModal, ErrorModal
from .widgets.notes import ErrorNote
from .widgets.plan import PlanView

ANSWER_FIELDS = (
    "resource_group", "create_resource_group", "location", "name", "create_vault", "sku",
    "enable_purge_protection", "key_name", "create_key", "key_size", "key_hsm",
)  # fmt: skip
"""The fields of VaultState the operator answers (the rest is what Azure reported)."""


def with_answers(current: WizardState, proposed: WizardState) -> WizardState:
    """`proposed` made consistent: reported facts about another vault or key are dropped, and a step
    whose answers changed is no longer "applied" (re-applying adopts what exists, never duplicates)."""
    old, new = current.vault, proposed.vault
    if all(getattr(old, f) == getattr(new, f) for f in ANSWER_FIELDS):
        return proposed
    same_vault = (old.name.lower(), old.resource_group.lower()) == (
        new.name.lower(),
        new.resource_group.lower(),
    )
    if new.create_vault and not same_vault:
        new = dataclasses.replace(new, vault_id="", vault_uri="", rbac_authorization=None)
    if not same_vault or old.key_name != new.key_name:
        new = dataclasses.replace(new, key_id="")
    return dataclasses.replace(proposed, vault=new).with_step(vault_step.STEP_ID, StepRecord())


class VaultScreen(StepScreen):
    """Step 2 of the seed: choose or create the resource group, the Key Vault and the RSA key.

    | Key | Page | Action |
    | :- | :- | :- |
    | r, ctrl+r | form | Review: validate every field, then show the planned changes (ctrl+r from a text field) |
    | a | review | Apply the planned changes (irreversible ones ask first) |
    | z | review | Show or hide the az commands |
    | k | checks | Run the checks again |
    | c | checks | Copy the key identifier (or the focused value) |
    | b | review, checks | Back to the answers (disabled while applying) |
    | n | any | Next step, once the checks pass |
    """

    STEP_ID = vault_step.STEP_ID
    CSS_PATH = "vault.tcss"
    AUTO_FOCUS = "#rg-mode"
    BINDINGS = [
        Binding(
            "r,ctrl+r",
            "review",
            "Review",
            id="review",
            key_display="r/^r",
            tooltip="Check the answers and show what will change (ctrl+r works inside a text field)",
        ),
        Binding("a", "apply", "Apply", id="apply", tooltip="Make the planned changes in Azure"),
        Binding("z", "toggle_az", "az commands", id="toggle-az", tooltip="Show or hide the az commands"),
        Binding("k", "recheck", "Re-check", id="recheck", tooltip="Run the live checks again"),
        Binding("c", "copy", "Copy key id", id="copy", tooltip="Copy the key identifier"),
    ]

    page: reactive[str] = reactive("form", bindings=True)
    """Which page shows: "form", "review" or "result"."""

    pages = getters.query_one("#pages", ContentSwitcher)
    form = getters.query_one(VaultForm)
    plan_view = getters.query_one(PlanView)
    apply_button = getters.query_one("#apply", Button)
    apply_bar = getters.query_one("#apply-bar", ProgressBar)
    apply_log = getters.query_one("#apply-log", RichLog)
    checks = getters.query_one(ChecksView)
    checks_note = getters.query_one("#checks-note", ErrorNote)

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[Change] = []
        """The plan shown on the review page: exactly what Apply will do."""

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        recorded = state.vault.name if state.step(self.STEP_ID).applied and state.vault.create_vault else ""
        with ContentSwitcher(initial="form-page", id="pages"):
            with VerticalScroll(id="form-page"):
                yield Static(f"Step 2 · {vault_step.TITLE}", classes="step-title")
                yield Static(vault_step.PURPOSE, classes="purpose")
                yield VaultForm(state.vault, recorded_vault=recorded)
            with VerticalScroll(id="review-page"):
                yield Static("Planned changes", classes="step-title")
                yield Static("Nothing has changed in Azure yet. Apply makes these changes, in this order.",
                             classes="purpose")  # fmt: skip
                yield Checkbox("Show az commands (z)", True, id="show-az", compact=True)
                yield PlanView()
                with Horizontal(classes="actions"):
                    yield Button("Back (b)", id="to-form", compact=True)
                    yield Button("Apply (a)", id="apply", variant="warning", compact=True)
                with Vertical(id="apply-progress"):
                    yield ProgressBar(total=1.0, show_eta=False, id="apply-bar")
                    yield RichLog(id="apply-log", wrap=True, markup=False, highlight=False, min_width=20)
            with VerticalScroll(id="result-page"):
                yield Static("Checks", classes="step-title")
                yield Static("", id="summary")
                yield Static("", id="verdict")
                yield ErrorNote(id="checks-note")
                yield ChecksView()
                yield Static("Recorded for Kore (focus one and press c to copy)", classes="section")
                yield CopyField("Key Vault URI", state.vault.vault_uri, id="copy-uri")
                yield CopyField("Key identifier", state.vault.key_id, id="copy-kid")
                with Horizontal(classes="actions"):
                    yield Button("Edit answers (b)", id="edit", compact=True)
                    yield Button("Re-run checks (k)", id="recheck", compact=True)
                    yield Button("Next step (n)", id="next", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.watch(self.app, "state", self._state_changed)
        self.watch(self.app, "applying", lambda _: self.refresh_bindings())
        if self.app.state.step(self.STEP_ID).applied:  # resume: show what was done and prove it again
            self.page = "result"
            self.run_checks()

    def _state_changed(self, state: WizardState) -> None:
        self.refresh_bindings()
        self.query_one("#next", Button).disabled = not self.passed
        self.query_one("#copy-uri", CopyField).set_value(state.vault.vault_uri)
        self.query_one("#copy-kid", CopyField).set_value(state.vault.key_id)
        self.query_one("#summary", Static).update(_summary(state))

    def watch_page(self, page: str) -> None:
        self.pages.current = f"{page}-page"
        focus = {"form": "#rg-mode", "review": "#apply", "result": "#next" if self.passed else "#recheck"}
        self.query_one(focus[page]).focus()

    @property
    def passed(self) -> bool:
        record = self.app.state.step(self.STEP_ID)
        return record.applied and record.checked in ("pass", "warn")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        busy = self.app.applying
        if action == "next":
            return True if self.passed else None
        if action == "back":
            return None if busy or self.page == "form" else True
        if action == "review":
            return self.page == "form"
        if action in ("apply", "toggle_az"):
            return (None if busy else True) if self.page == "review" else False
        if action in ("recheck", "copy"):
            return self.page == "result"
        return True

    # --- review --------------------------------------------------------------------------

    @on(Button.Pressed, "#review")
    def action_review(self) -> None:
        self.review()

    @work(exclusive=True, group="review", exit_on_error=False)
    async def review(self) -> None:
        """Validate every field (focus the first bad one), write the answers, show the plan."""
        form = self.form
        candidate = with_answers(self.app.state, form.answers(self.app.state))
        found = await form.problems(candidate)
        form.show_problems(found)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            self.notify(found[0][1] + more, title="Review: fix this first", severity="error")
            return
        self.app.clear_notifications()  # earlier "fix this first" toasts no longer apply
        self.app.set_state(candidate)
        self.changes = vault_step.plan(candidate)
        await self.plan_view.show_changes(self.changes)
        self.query_one("#apply-progress").display = False
        self.page = "review"

    @on(Checkbox.Changed, "#show-az")
    def _az_toggled(self, event: Checkbox.Changed) -> None:
        self.plan_view.show_az = event.value

    def action_toggle_az(self) -> None:
        box = self.query_one("#show-az", Checkbox)
        box.value = not box.value

    # --- apply ---------------------------------------------------------------------------

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if self.app.applying:
            return
        irreversible = [c for c in self.changes if c.irreversible]
        if not irreversible:
            self._start_apply()
            return
        lines = [f"• {c.title}\n  {c.detail}" if c.detail else f"• {c.title}" for c in irreversible]
        body = "\n".join(lines) + "\n\nThis cannot be undone. Apply the planned changes?"
        self.app.push_screen(ConfirmModal("This change is irreversible", body, "Apply"), self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._start_apply()
        else:
            self.notify("No changes were made.", title="Apply cancelled")

    def _start_apply(self) -> None:
        self.app.clear_notifications()
        self.query_one("#apply-progress").display = True
        self.apply_bar.update(progress=0)
        self.apply_log.clear()
        self.apply_button.disabled = True
        self.app.start_apply(vault_step, self.changes, self)
        self.query_one("#apply-progress").scroll_visible(animate=False)

    def on_apply_progress(self, message: ApplyProgress) -> None:
        if message.fraction is not None:
            self.apply_bar.update(progress=message.fraction)
        self.apply_log.write(f"{message.stamp} {message.message}")

    def on_apply_finished(self, message: ApplyFinished) -> None:
        self.apply_button.disabled = False
        if message.error is not None:
            self.apply_button.label = "Retry (a)"
            self.apply_log.write(f"✗ {message.error.title}")
            self.app.push_screen(ErrorModal(message.error, context="Apply stopped"))
            return
        self.page = "result"
        self.run_checks()

    # --- checks --------------------------------------------------------------------------

    @on(Button.Pressed, "#recheck")
    def action_recheck(self) -> None:
        self.run_checks()

    @work(exclusive=True, group="vault-check", exit_on_error=False)
    async def run_checks(self) -> None:
        """Live, read-only proof that the vault and key are fit for BYOK."""
        app = self.app
        self.checks_note.show_error(None)
        self._verdict("Running the live checks…", "")
        self.checks.loading = True
        try:
            state, results = await runner.run_checks(vault_step, app.state, app.conn, app.session)
        except ByokError as exc:
            self._verdict("✗ The checks could not run.", "fail")
            self.checks_note.show_error(exc)
            return
        finally:
            self.checks.loading = False
        app.set_state(state, save=False)
        self._verdict(*_verdict(results))
        await self.checks.show_results(results, timings=app.show_timings)
        self.query_one("#next" if self.passed else "#recheck").focus()

    def _verdict(self, text: str, status: str) -> None:
        verdict = self.query_one("#verdict", Static)
        verdict.set_classes(f"-{status}" if status else "")
        verdict.update(text)

    def action_copy(self) -> None:
        focused = self.focused
        field = focused if isinstance(focused, CopyField) else self.query_one("#copy-kid", CopyField)
        field.action_copy()

    # --- navigation ----------------------------------------------------------------------

    @on(Button.Pressed, "#to-form, #edit")
    def action_back(self) -> None:
        if self.app.applying or self.page == "form":
            return
        self.page = "form"

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()


def _verdict(results: list[CheckResult]) -> tuple[str, str]:
    """One line above the results: how many passed, and what to do next."""
    status = overall(results)
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "warn", "fail")}
    if status == "fail":
        return (
            f"✗ {counts['fail']} of {len(results)} checks fail: fix what they say, then re-run (k).",
            status,
        )
    if status == "warn":
        return f"! All checks pass, {counts['warn']} with a warning: read it, then go on (n).", status
    return f"✓ All {len(results)} checks pass: the vault and key are ready for Kore (n: next step).", status


def _summary(state: WizardState) -> str:
    v = state.vault
    group = f"{v.resource_group} ({'new' if v.create_resource_group else 'existing'})"
    vault = f"{v.name} ({'new' if v.create_vault else 'existing'}, {v.sku.title()}, {v.location})"
    if v.create_key:
        key = f"{v.key_name} ({'RSA-HSM' if v.key_hsm else 'RSA'} {v.key_size}, new)"
    else:
        key = f"{v.key_name} (existing)"
    return f"Resource group {group}\nKey vault {vault}\nKey {key}"
