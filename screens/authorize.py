"""Step 1: authorize the Kore app. Form -> Review (planned change) -> Apply -> Checks.

Both options of the seed: create Kore's service principal through Graph (option 2, `az ad sp create`), or
send the admin-consent URL to an administrator and wait, polling Graph, until the service principal
appears (option 1). The default follows the Sign-in pre-flight: option 2 when the operator may create
service principals, else the consent URL. Waiting for consent shows a countdown and can be stopped.
"""

from __future__ import annotations

import dataclasses
import time

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from byok_tui import validate
from byok_tui.engine import authorize as authorize_step
from byok_tui.engine import signin as signin_step
from byok_tui.engine.model import CheckResult
from byok_tui.engine.step import placed
from byok_tui.errors import ByokError
from byok_tui.state import AuthorizeState, WizardState

from .flow import FlowScreen
from .messages import ApplyFinished
from .widgets.copyfield import CopyField
from .widgets.field import FieldMessage, Row
from .widgets.links import link
from .widgets.marks import Radio
from .widgets.notes import ErrorNote
from .widgets.reveal import Reveal
from .widgets.rules import Rule

FIELDS = {"authorize.kore_client_id": "#kore-client-id", "authorize.method": "#authorize-method"}
"""engine.authorize.problems field -> the widget that shows it."""

REFUSALS = {
    "Authorization_RequestDenied": "Your account may not create service principals: press u to send the "
    "admin-consent URL to an administrator instead (option 1).",
    "Request_BadRequest": "Entra ID does not know this client id: press b, correct it (ask Kore.ai support "
    "for the right one), and review again.",
}
"""What to do next, by Graph error code, shown under the plan after a failed apply."""


def _clock(seconds: float) -> str:
    minutes, secs = divmod(max(int(seconds), 0), 60)
    return f"{minutes}:{secs:02d}"


class AuthorizeScreen(FlowScreen):
    """Step 1 of the seed: register Kore's multi-tenant app in this tenant (its service principal).

    Keys as in FlowScreen, plus:

    | Key | Page | Action |
    | :- | :- | :- |
    | c | any | Copy: the consent URL (form, review), the focused value or the object id (checks) |
    | q | form, review | Show the consent URL as a QR code (option 1) |
    | x | review | Stop waiting for admin consent (nothing changes in Azure) |
    | u | review | After "insufficient privileges": switch to the admin-consent URL |
    """

    STEP = authorize_step.STEP
    STEP_ID = authorize_step.STEP_ID
    CSS_PATH = "steps.tcss"
    # The option first, not the prefilled client id: typed keys (r, b) must not replace it.
    AUTO_FOCUS = "#authorize-method"
    FORM_FOCUS = "#authorize-method"
    ready_text = "Kore's app is registered in your tenant"
    BINDINGS = [
        Binding("c", "copy", "Copy", id="copy", tooltip="Copy the consent URL or the service principal's id"),
        Binding("q", "show_qr", "QR code", id="show-qr", tooltip="Show the admin-consent URL as a QR code"),
        Binding("x", "stop_waiting", "Stop waiting", id="stop-waiting", tooltip="Stop waiting for admin consent"),
        Binding("u", "use_consent", "Use consent URL", id="use-consent",
                tooltip="Send the admin-consent URL to an administrator instead"),
    ]  # fmt: skip

    client_id_input = getters.query_one("#kore-client-id", Input)
    method_set = getters.query_one("#authorize-method", RadioSet)
    consent_url_line = getters.query_one("#consent-url", Static)
    wait_line = getters.query_one("#consent-wait", Static)
    refusal = getters.query_one("#authorize-refusal", ErrorNote)

    def __init__(self) -> None:
        super().__init__()
        self._method_touched = False
        """The operator chose an option: the pre-flight no longer picks the default."""
        self._wait_started = 0.0
        self._wait_timer: Timer | None = None
        self._refused_code = ""
        """Graph's code of the last failed apply ("" when none), for the `u` switch."""
        self._initial_note = ""
        """Why the form opened on the option it did (the pre-flight's finding)."""
        self._auto_method = ""
        """An option the screen (not the operator) just chose: its Changed event is not a choice."""

    # --- form ----------------------------------------------------------------------------

    def _initial_method(self) -> tuple[str, str]:
        """(method, why) for a fresh form: the recorded answer, else what the pre-flight suggests."""
        answer = self.app.state.authorize.method
        if answer in authorize_step.METHODS:
            return answer, ""
        found = signin_step.result(self.app.preflight, signin_step.CHECK_CREATE_SP)
        if found is None:
            return "service-principal", ""
        return authorize_step.default_method(found.status == "pass"), self._preflight_note(found)

    @staticmethod
    def _preflight_note(found: CheckResult, method: str = "") -> str:
        """What the pre-flight says about the option chosen (by default: the one it suggests)."""
        may = found.status == "pass"
        method = method or authorize_step.default_method(may)
        if may and method == "service-principal":
            detail = found.detail[:1].lower() + found.detail[1:]
            return f"Pre-flight: {detail.rstrip('.')}, so you may create it here."
        if may:
            return "Pre-flight: you could also create it yourself (option 2); an administrator's consent works too."
        if method == "consent-url":
            return "Pre-flight: your account cannot create service principals, so option 1 is chosen."
        return "Pre-flight: your account cannot create service principals; Entra will likely refuse option 2."

    def compose_form(self) -> ComposeResult:
        state = self.app.state
        client_id = state.authorize.kore_client_id or self.app.profile.kore_client_id
        method, why = self._initial_method()
        yield Static("Kore application", classes="section")
        yield Row("Client id", Input(client_id, placeholder="GUID from Kore.ai support", id="kore-client-id",
                                     compact=True, validate_on=["changed", "blur", "submitted"],
                                     validators=[Rule("Kore client id", validate.kore_client_id)]))  # fmt: skip
        yield FieldMessage(id="kore-client-id-msg")
        source = "from your Kore profile" if self.app.profile.kore_client_id else "ask Kore.ai support for it"
        yield Static(Content(f"Application (client) id of {self.app.profile.kore_app_name}, {source}."),
                     classes="field-note")  # fmt: skip
        yield Static("How", classes="section")
        yield RadioSet(
            Radio("Create it now (option 2: az ad sp create)", value=method == "service-principal",
                        id="method-sp", compact=True),
            Radio("An administrator opens the consent URL (option 1)", value=method == "consent-url",
                        id="method-consent", compact=True),
            id="authorize-method", compact=True,
        )  # fmt: skip
        yield FieldMessage(id="authorize-method-msg")
        with Vertical(id="consent-box"):
            yield Static("Admin-consent URL (c copies it, q shows a QR code)", classes="field-label")
            yield Static("", id="consent-url")
            yield Static("", id="consent-who", classes="field-note")
        yield Button("Review changes (r)", id="review", variant="primary", compact=True)
        self._initial_note = why

    async def page_composed(self, page: str) -> None:
        await super().page_composed(page)
        if page != "review":
            return
        # The wait for consent goes in the apply's progress, and what Graph refused above it.
        progress = self.query_one("#apply-progress", Vertical)
        progress.mount(Reveal(Static("", id="consent-wait"), Button("Stop waiting (x)", id="stop-waiting", compact=True),
                              id="consent-wait-box"), before=0)  # fmt: skip
        self.query_one("#review-page").mount(Reveal(ErrorNote(id="authorize-refusal"), id="refusal-box"),
                                             before=progress)  # fmt: skip
        self.query_one("#consent-wait-box").display = False

    def on_mount(self) -> None:  # FlowScreen.on_mount runs too (Textual calls handlers up the MRO)
        if self._initial_note:
            self.query_one("#authorize-method-msg", FieldMessage).show(self._initial_note, "info")
        self._sync_consent()
        if (
            self.method == "consent-url"
        ):  # RadioSet highlights its first button on mount: the chosen one instead
            self.call_after_refresh(self.method_set.action_next_button)
        if not self.app.preflight and not self.app.state.authorize.method:
            self._ask_preflight()

    @work(exclusive=True, group="authorize-preflight", exit_on_error=False)
    async def _ask_preflight(self) -> None:
        """No pre-flight in this session (resumed past Sign-in): ask Graph, then pick the default option."""
        found = await signin_step.can_create_service_principals(self.app.conn, self.app.state)
        self.app.preflight = [*self.app.preflight, found]
        if self._method_touched or self.app.state.authorize.method:
            return
        method = authorize_step.default_method(found.status == "pass")
        if method != self.method:
            self._auto_method = method
            self.query_one("#method-sp" if method == "service-principal" else "#method-consent",
                           RadioButton).value = True  # fmt: skip
        self.query_one("#authorize-method-msg", FieldMessage).show(self._preflight_note(found), "info")

    @property
    def method(self) -> str:
        return "consent-url" if self.query_one("#method-consent", RadioButton).value else "service-principal"

    @on(RadioSet.Changed, "#authorize-method")
    def _method_changed(self) -> None:
        if self._auto_method and self._auto_method == self.method:
            self._auto_method = ""
        else:
            self._method_touched = True
        found = signin_step.result(self.app.preflight, signin_step.CHECK_CREATE_SP)
        if found is not None:
            note = self._preflight_note(found, self.method)
            kind = "error" if found.status != "pass" and self.method == "service-principal" else "info"
            self.query_one("#authorize-method-msg", FieldMessage).show(note, kind)
        self._sync_consent()
        self.refresh_bindings()  # q (QR code) is for option 1 only

    @on(Input.Changed, "#kore-client-id")
    def _client_id_typed(self, event: Input.Changed) -> None:
        result = event.validation_result
        problem = None if result is None or result.is_valid else result.failure_descriptions[0]
        self.query_one("#kore-client-id-msg", FieldMessage).show(problem)
        self._sync_consent()

    @on(Input.Submitted, "#kore-client-id")
    def _next_field(self) -> None:
        self.focus_next()

    def _consent_url(self, client_id: str) -> str:
        state = self.app.state
        if validate.kore_client_id(client_id) or validate.tenant_id(state.signin.tenant_id):
            return ""
        answers = dataclasses.replace(state.authorize, kore_client_id=client_id.lower())
        return authorize_step.consent_url(dataclasses.replace(state, authorize=answers))

    def _sync_consent(self) -> None:
        """Show the consent URL for the typed client id when option 1 is chosen."""
        box = self.query_one("#consent-box")
        box.display = self.method == "consent-url"
        url = self._consent_url(self.client_id_input.value.strip())
        self.consent_url_line.update(link(url) if url else Content("(enter a valid client id first)"))
        tenant = self.app.state.signin.tenant_id
        demo = f"\n{authorize_step.SANDBOX_CONSENT_NOTE}" if self.app.conn.is_sandbox else ""
        self.query_one("#consent-who", Static).update(Content(
            f"Send it to a Global Administrator or Application Administrator of tenant {tenant}. They sign in, "
            "review the permissions Kore.ai asks for and accept. Apply then waits for the service principal."
            + demo
        ))  # fmt: skip

    async def collect(self) -> WizardState | None:
        state = self.app.state
        answers = dataclasses.replace(
            state.authorize, kore_client_id=self.client_id_input.value.strip().lower(), method=self.method
        )
        candidate = authorize_step.with_answers(state, dataclasses.replace(state, authorize=answers))
        for message in self.query(FieldMessage):
            if message.has_class("-error"):
                message.show(None)
        found: list[tuple[str, str]] = []
        on_form, elsewhere = placed(authorize_step.problems(candidate), FIELDS)
        for problem in elsewhere:  # signin.tenant_id: nothing on this form can fix it
            self.notify(f"{problem.rule}: sign in first.", title="Not signed in", severity="error")
            found.append(("", problem.rule))
        for selector, problem in on_form:
            text = (
                problem.rule if problem.rule.lower().startswith("kore") else f"Kore client id: {problem.rule}"
            )
            self.query_one(f"{selector}-msg", FieldMessage).show(text)
            found.append((selector, text))
        if found:
            first = next((selector for selector, _ in found if selector), "")
            if first:
                self.query_one(first).focus()
            self.refuse(found)
            return None
        return candidate

    # --- review: waiting for consent, refusals ----------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        waiting = self.app.applying and self.app.state.authorize.method == "consent-url"
        if action == "copy":
            return True
        if action == "show_qr":
            return self.page in ("form", "review") and self.method == "consent-url"
        if action == "stop_waiting":
            return self.page == "review" and waiting
        if action == "use_consent":
            return (
                self.page == "review"
                and not self.app.applying
                and self._refused_code == "Authorization_RequestDenied"
            )
        return super().check_action(action, parameters)

    def _start_apply(self) -> None:
        self._refused_code = ""
        self.refusal.show_error(None)
        super()._start_apply()
        if self.app.state.authorize.method == "consent-url":
            self._wait_started = time.monotonic()
            self.query_one("#consent-wait-box").display = True
            self._tick()
            self._wait_timer = self.set_interval(1.0, self._tick)
            self.query_one("#consent-wait-box", Reveal).reveal()
        self.refresh_bindings()

    def _tick(self) -> None:
        waited = time.monotonic() - self._wait_started
        poll = authorize_step.CONSENT_POLL_SECONDS or 1.0
        next_check = poll - (waited % poll)
        left = authorize_step.CONSENT_TIMEOUT_SECONDS - waited
        self.wait_line.update(Content(
            f"Waiting for admin consent: {_clock(waited)} so far, next check in {int(next_check) or 1} s, "
            f"gives up in {_clock(left)}.\nSend the consent URL to an administrator (c copies it). "
            "x stops waiting; nothing changes in Azure."
            + (f"\n{authorize_step.SANDBOX_CONSENT_NOTE}" if self.app.conn.is_sandbox else "")
        ))  # fmt: skip

    def _stop_wait_display(self) -> None:
        if self._wait_timer is not None:
            self._wait_timer.stop()
            self._wait_timer = None
        self.query_one("#consent-wait-box").display = False

    @on(Button.Pressed, "#stop-waiting")
    def action_stop_waiting(self) -> None:
        if not self.app.cancel_apply():
            return
        self._stop_wait_display()
        self.apply_button.disabled = False
        self.apply_button.label = "Wait again (a)"
        stamp = self.app.clock().strftime("%H:%M:%S")
        self._log(f"{stamp} Stopped waiting. Nothing changed in Azure; apply again to resume waiting.")
        self.notify("Stopped waiting for admin consent. Apply again once the administrator has accepted.",
                    title="Not waiting")  # fmt: skip
        self.refresh_bindings()

    def on_apply_finished(self, message: ApplyFinished) -> None:
        # FlowScreen.on_apply_finished runs after this one (Textual calls handlers up the MRO).
        self._stop_wait_display()
        error = message.error
        self._refused_code = error.code if error is not None else ""
        if error is not None and error.code in REFUSALS:
            self.refusal.show_error(ByokError(error.title, detail=error.detail, remedy=REFUSALS[error.code],
                                              request_id=error.request_id))  # fmt: skip
            self.query_one("#refusal-box", Reveal).reveal()
        self.refresh_bindings()

    def action_use_consent(self) -> None:
        """After Graph refused to create the service principal: plan option 1 instead."""
        self._method_touched = True
        self.query_one("#method-consent", RadioButton).value = True
        self.refusal.show_error(None)
        self._refused_code = ""
        self.review()

    def action_copy(self) -> None:
        focused = self.focused
        if isinstance(focused, CopyField):
            focused.action_copy()
            return
        if self.page == "result":
            self.query_one("#copy-sp-id", CopyField).action_copy()
            return
        url = self._consent_url(self.client_id_input.value.strip())
        if url and (self.method == "consent-url" or self.page == "review"):
            self.app.copy_to_clipboard(url)
            self.notify("Copied the admin-consent URL")
        elif self.method != "consent-url":
            self.notify("Nothing to copy here: the consent URL is for option 1.", severity="warning")
        else:
            self.notify("Enter a valid Kore client id first.", severity="warning")

    def action_show_qr(self) -> None:
        from .widgets.qr import QRModal

        url = self._consent_url(self.client_id_input.value.strip())
        if url:
            self.app.push_screen(QRModal(url, "Admin-consent URL: for a Global or Application Administrator"))
        else:
            self.notify("Enter a valid Kore client id first.", severity="warning")

    # --- result --------------------------------------------------------------------------

    def compose_result(self) -> ComposeResult:
        a = self.app.state.authorize
        yield Static("Kore's service principal (focus one and press c to copy)", classes="section")
        yield CopyField("Display name", a.sp_display_name, id="copy-sp-name")
        yield CopyField("Object id (what Step 3 grants access to)", a.sp_object_id, id="copy-sp-id")
        yield CopyField("Application (client) id", a.kore_client_id, id="copy-app-id")

    def refresh_result(self, state: WizardState) -> None:
        a = state.authorize
        self.query_one("#copy-sp-name", CopyField).set_value(a.sp_display_name)
        self.query_one("#copy-sp-id", CopyField).set_value(a.sp_object_id)
        self.query_one("#copy-app-id", CopyField).set_value(a.kore_client_id)

    def summary(self, state: WizardState) -> str:
        return _summary(state.authorize, state.signin.tenant_id)


def _summary(a: AuthorizeState, tenant_id: str) -> str:
    how = (
        "created by this wizard (option 2)"
        if a.method == "service-principal"
        else "created by admin consent (option 1)"
    )
    if not a.sp_object_id:
        return f"Kore app {a.kore_client_id}: no service principal recorded yet."
    return f"{a.sp_display_name or 'Kore app'} is registered in tenant {tenant_id}: {how}."
