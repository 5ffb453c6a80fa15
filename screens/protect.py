"""After Step 5, not in Kore's guide: the protect step (issue #18). Recommended and skippable.

The form takes the choice (protect, skip, remove), the lock and alerts toggles, the contacts, the optional
audit log to a Log Analytics workspace (with what it costs), the expiry margin and the notify-only rotation
policy. Everything it decides is the engine's (`engine.protect`): the rules of the answers (`problems`),
the plan, what the lock does not stop, the hand-off when the operator may not lock (raised by the survey and
shown by FlowScreen's error modal). Skip is one action: it records the choice, runs the (empty) step and its
check, and moves on. Removal is confirmed before anything is taken down.
"""

from __future__ import annotations

import dataclasses

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from byok_tui import glyphs
from byok_tui.engine import protect as protect_step
from byok_tui.engine.step import placed
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

from .flow import FlowScreen
from .widgets.field import FieldMessage, Row
from .widgets.marks import Radio, Tick
from .widgets.modals import ConfirmModal, ErrorModal
from .widgets.prereq import MissingSteps

CONTACTS_FIELD = "Contacts"
MARGIN_FIELD = "Expiry"
FIELDS = {
    "protect.choice": "#prot-choice",
    "protect.contacts": "#prot-contacts",
    "protect.expiry_margin_days": "#prot-margin",
    "protect.workspace_name": "#prot-ws-name",
    "protect.workspace_resource_group": "#prot-ws-group",
}
"""engine.protect.problems field -> the widget that shows it (the rest are said at the step's level)."""
LABELS = {"protect.contacts": CONTACTS_FIELD, "protect.expiry_margin_days": MARGIN_FIELD,
          "protect.workspace_name": "Workspace", "protect.workspace_resource_group": "Workspace group",
          "protect.choice": "Choice"}  # fmt: skip


class ProtectScreen(FlowScreen):
    """Protect the key (recommended, not in Kore's guide).

    Keys as in FlowScreen, plus:

    | Key | Page | Action |
    | :- | :- | :- |
    | s | form | Skip this step: record it and go to the next |
    """

    STEP = protect_step.STEP
    STEP_ID = protect_step.STEP_ID
    CSS_PATH = "steps.tcss"
    BINDINGS = [Binding("s", "skip", "Skip step", id="skip",
                        tooltip="Record that you skip this step (not recommended) and go on")]  # fmt: skip

    form = getters.query_one("#prot-form", Vertical)
    choice_set = getters.query_one("#prot-choice", RadioSet)
    contacts = getters.query_one("#prot-contacts", Input)
    margin = getters.query_one("#prot-margin", Input)
    ws_name = getters.query_one("#prot-ws-name", Input)
    ws_group = getters.query_one("#prot-ws-group", Input)

    @property
    def ready_text(self) -> str:  # type: ignore[override]
        # What the all-pass verdict says is done: after a removal, not "guarded".
        if self.app.state.protect.choice == "remove":
            return "the protections are taken down"
        return "the vault and the key are guarded"

    @property
    def FORM_FOCUS(self) -> str:  # type: ignore[override]
        return "#goto-vault" if not self.app.state.vault.vault_id else "#prot-choice"

    # --- the form -----------------------------------------------------------------------------

    def compose_form(self) -> ComposeResult:
        state = self.app.state
        p = state.protect
        choice = p.choice if p.choice in protect_step.CHOICES else "protect"
        missing = (
            []
            if state.vault.vault_id
            else [("vault", "the vault is not recorded, so there is nothing to protect.")]
        )
        yield MissingSteps(missing, id="prot-missing")
        with Vertical(id="prot-form", classes=_classes(choice, p.audit_log)):
            yield Row("Choice", RadioSet(
                Radio("Protect (recommended)", value=choice == "protect", id="prot-protect",
                      compact=True),
                Radio("Skip", value=choice == "skip", id="prot-skip", compact=True),
                Radio("Remove", value=choice == "remove", id="prot-remove",
                      compact=True),
                id="prot-choice", compact=True))  # fmt: skip
            yield FieldMessage(id="prot-choice-msg")
            with Vertical(classes="when-protect"):
                yield Tick("Lock the vault against deletion", p.lock, id="prot-lock", compact=True)
                yield Static("A CanNotDelete lock: it also keeps Kore's role on the vault, but does not stop "
                             "disabling or deleting the key (the review says all it does not stop).",
                             classes="prot-explain")  # fmt: skip
                yield Tick("Tripwire alerts by e-mail", p.alerts,
                           id="prot-alerts", compact=True)  # fmt: skip
                yield Static("Mail the contacts when the vault is deleted or changed, or a role at its scope or "
                             "the lock is deleted. Free.", classes="prot-explain")  # fmt: skip
                yield Row(
                    CONTACTS_FIELD,
                    Input(
                        ", ".join(p.contacts),
                        id="prot-contacts",
                        compact=True,
                        placeholder="e.g. secops@contoso.com, oncall@contoso.com",
                    ),
                )
                yield FieldMessage(id="prot-contacts-msg")
                yield Tick("Audit log to Log Analytics (optional, costs money)",
                           p.audit_log, id="prot-audit", compact=True)  # fmt: skip
                yield Static("Only the vault's audit log sees the key disabled, deleted or purged: a log alert "
                             "on it mails the contacts.", classes="prot-explain")  # fmt: skip
                with Vertical(classes="when-audit"):
                    yield Static(protect_step.AUDIT_COST, classes="prot-explain")
                    yield Row("Workspace", RadioSet(
                        Radio("Use an existing one", value=not p.create_workspace, id="prot-ws-existing",
                              compact=True),
                        Radio("Create it", value=p.create_workspace, id="prot-ws-create", compact=True),
                        id="prot-ws-mode", compact=True))  # fmt: skip
                    yield Row(
                        "Name",
                        Input(
                            p.workspace_name,
                            id="prot-ws-name",
                            compact=True,
                            placeholder="e.g. law-byok-audit",
                        ),
                    )
                    yield FieldMessage(id="prot-ws-name-msg")
                    yield Row(
                        "Group",
                        Input(
                            p.workspace_resource_group,
                            id="prot-ws-group",
                            compact=True,
                            placeholder=f"empty: the vault's ({state.vault.resource_group or '?'})",
                        ),
                    )
                    yield FieldMessage(id="prot-ws-group-msg")
                yield Row(
                    MARGIN_FIELD,
                    Input(
                        str(p.expiry_margin_days),
                        id="prot-margin",
                        compact=True,
                        type="integer",
                        placeholder="days",
                    ),
                )
                yield FieldMessage(id="prot-margin-msg")
                yield Static("Days: warn in the plan and the checks when the key expires within this many days "
                             "of the enforcement date (or of today).", classes="prot-explain")  # fmt: skip
                yield Tick(f"Rotation policy: notify {protect_step.NOTIFY_DAYS} days before expiry",
                           p.notify_policy, id="prot-notify", compact=True)  # fmt: skip
                yield Static(protect_step.WHY_NOT_AUTO_ROTATE, classes="prot-explain")
            yield Static("Nothing is put up: nothing then stops or reports a deleted vault or key. The step is "
                         "recorded as skipped (a warning), and you can come back to it.",
                         classes="prot-explain when-skip")  # fmt: skip
            yield Static("Review lists what would be taken down; Apply asks you to confirm first. The Log Analytics "
                         "workspace and its audit history are kept.", classes="prot-explain when-remove")  # fmt: skip
        with Horizontal(id="prot-actions"):
            yield Button("Review changes (r)", id="review", variant="primary", compact=True)
            yield Button("Skip this step (s)", id="skip", compact=True)

    @property
    def choice(self) -> str:
        for choice in protect_step.CHOICES:
            if self.query_one(f"#prot-{choice}", RadioButton).value:
                return choice
        return "protect"

    @on(RadioSet.Changed, "#prot-choice")
    @on(Checkbox.Changed, "#prot-audit")
    def _shape_changed(self) -> None:
        self.form.set_classes(_classes(self.choice, self.query_one("#prot-audit", Tick).value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip":
            return self.page == "form" and not self.app.applying
        return super().check_action(action, parameters)

    # --- skip: one action that records it and moves on ----------------------------------------

    @on(Button.Pressed, "#skip")
    def action_skip(self) -> None:
        self.skip()

    @work(exclusive=True, group="skip", exit_on_error=False)
    async def skip(self) -> None:
        from byok_tui.engine import runner

        app = self.app
        state = dataclasses.replace(app.state, protect=dataclasses.replace(app.state.protect, choice="skip"))

        async def nothing_to_approve(changes) -> None:
            return None

        try:
            run = await runner.run_step(self.STEP, state, app.conn, app.session, lambda *_: None,
                                        nothing_to_approve, now=app.clock())  # fmt: skip
        except ByokError as exc:
            app.push_screen(ErrorModal(exc, context="The step was not skipped"))
            return
        app.set_state(run.state)
        self.notify(
            "Recorded as skipped. You can come back to this step at any time.", title="Protect: skipped"
        )
        self.action_next()

    # --- answers ------------------------------------------------------------------------------

    def _candidate(self, state: WizardState) -> WizardState:
        """`state` with this form's answers; contacts and margin as typed, valid or not."""
        contacts, _ = protect_step.parse_contacts(self.contacts.value)
        try:
            margin = int(self.margin.value.strip())
        except ValueError:
            margin = -1  # the engine's rule then names the field
        p = dataclasses.replace(
            state.protect, choice=self.choice, lock=self.query_one("#prot-lock", Tick).value,
            alerts=self.query_one("#prot-alerts", Tick).value, contacts=contacts,
            audit_log=self.query_one("#prot-audit", Tick).value, workspace_name=self.ws_name.value.strip(),
            workspace_resource_group=self.ws_group.value.strip(),
            create_workspace=self.query_one("#prot-ws-create", RadioButton).value, expiry_margin_days=margin,
            notify_policy=self.query_one("#prot-notify", Tick).value,
        )  # fmt: skip
        return dataclasses.replace(state, protect=p)

    async def collect(self) -> WizardState | None:
        candidate = self._candidate(self.app.state)
        for message in self.query(FieldMessage):
            message.show(None)
        on_form, elsewhere = placed(self.STEP.problems(candidate, self.app.clock()), FIELDS)
        found: list[tuple[Widget, str]] = []
        for field, problem in on_form:
            label = LABELS.get(problem.field, problem.field)
            text = f"{label}: {problem.rule}" if not problem.rule.startswith(label) else problem.rule
            if not self.query_one(f"{field}-msg", FieldMessage).text:
                self.query_one(f"{field}-msg", FieldMessage).show(text)
            found.append((self.query_one(field), text))
        found += [(self.choice_set, f"{p.field}: {p.rule}") for p in elsewhere]
        if found:
            found[0][0].focus()
            found[0][0].scroll_visible(animate=False)
            self.refuse([(w.id or "", text) for w, text in found])
            return None
        # The key's expiry, read now: the plan warns when it falls near the enforcement date.
        return await self.STEP.prepare(candidate, self.app.conn)

    # --- apply: removal is confirmed ----------------------------------------------------------

    def action_apply(self) -> None:
        if self.app.applying or self.app.state.protect.choice != "remove" or not self.changes:
            super().action_apply()
            return
        lines = [f"{glyphs.BULLET} {c.title}" for c in self.changes if c.effect != "adopt"]
        body = ("\n".join(lines) + "\n\nFrom then on the vault, and Kore's role on it, can be deleted like any "
                "other resource, and no one is mailed when it is. Remove the protections?")  # fmt: skip
        self.app.push_screen(ConfirmModal("Remove the protections", body, "Remove"), self._confirmed)

    # --- result -------------------------------------------------------------------------------

    def summary(self, state: WizardState) -> str:
        p, v = state.protect, state.vault
        if not state.step(self.STEP_ID).applied:
            return ""
        if p.choice == "skip":
            return f"Skipped: {v.name} and its key are not protected (recommended: come back to this step)."
        if p.choice == "remove":
            return f"Took the protections down from {v.name}."
        made = [what for what, on in (("a delete lock", p.lock), ("tripwires mailing " + ", ".join(p.contacts),
                                      p.alerts), (f"the audit log to {p.workspace_name}", p.audit_log),
                                      ("a notify-only rotation policy", p.notify_policy)) if on]  # fmt: skip
        return f"Guarded {v.name}: " + "; ".join(made) + "."


def _classes(choice: str, audit: bool) -> str:
    return f"-{choice}" + (" -audit" if audit else "")


__all__ = ["ProtectScreen"]
