"""Admin Console > Enterprise Key > Create Key: the values Kore needs, the enforcement date, key rotation.

Until the enforcement date every value can change and be re-tested. After it (Proceed pressed and the
date passed) the form is read-only and says why; only "Rotate key" (here) and the app/bot selection
(the Apps step) still change anything. The engine refuses a locked step too (`engine.manage`). "Today"
is the App's clock, so tests can freeze it.
"""

from __future__ import annotations

from datetime import date

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from byok_tui import validate
from byok_tui.engine import enterprise_key as ek_step
from byok_tui.engine import manage
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

from .enterprise_key_form import EnterpriseKeyForm, describe_date
from .flow import FlowScreen
from .widgets.copyfield import CopyField
from .widgets.modals import ConfirmModal, ErrorModal


class Rotated(Message, bubble=False):
    """The rotation worker is done: `error` is None on success, and `app.state` holds the new version."""

    def __init__(self, error: ByokError | None) -> None:
        super().__init__()
        self.error = error


class EnterpriseKeyScreen(FlowScreen):
    """The console's Create Key values, checked live against the vault.

    Keys as in FlowScreen, plus:

    | Key | Page | Action |
    | :- | :- | :- |
    | t, ctrl+t | form | Switch the key identifier between its versioned and versionless forms |
    | o | any, once recorded | Rotate the key (asks first), then re-run Test Configuration |
    | c | checks | Copy the focused value (default: the key identifier) |
    """

    STEP = ek_step.STEP
    STEP_ID = ek_step.STEP_ID
    CSS_PATH = "steps.tcss"
    AUTO_FOCUS = "#ek-identifier"
    FORM_FOCUS = "#ek-identifier"
    ready_text = "enter these values in Kore's console, then test them"
    BINDINGS = [
        Binding("t,ctrl+t", "toggle_version", "Version", id="toggle-version", key_display="^t",
                tooltip="Switch the key identifier between its versioned and versionless forms"),
        Binding("o", "rotate", "Rotate key", id="rotate", tooltip="Create a new key version and re-test"),
        Binding("c", "copy", "Copy", id="copy", tooltip="Copy the key identifier (or the focused value)"),
    ]  # fmt: skip

    form = getters.query_one(EnterpriseKeyForm)

    @property
    def today(self) -> date:
        return self.app.clock().date()

    @property
    def locked(self) -> bool:
        return ek_step.locked(self.app.state, self.today)

    # --- form ----------------------------------------------------------------------------

    def compose_form(self) -> ComposeResult:
        state, today = self.app.state, self.today
        yield Static(ek_step.lock_reason(state, today), id="ek-lock", classes="ek-lock")
        yield EnterpriseKeyForm(state, today, locked=ek_step.locked(state, today))
        with Horizontal(id="ek-form-actions", classes="actions"):
            yield Button("Review changes (r)", id="review", variant="primary", compact=True)
            yield Button("Rotate key (o)", id="ek-rotate-form", classes="ek-rotate", compact=True)

    async def collect(self) -> WizardState | None:
        if self.locked:
            self.refuse([("enterprise_key", ek_step.lock_reason(self.app.state, self.today))])
            return None
        candidate = ek_step.with_answers(self.app.state, self.form.answers(self.app.state))
        found = ek_step.problems(candidate, self.today)
        if found:
            shown = self.form.show_problems(found)
            self.refuse(
                [(widget.id or "", text) for widget, text in shown] or [(p.field, p.rule) for p in found]
            )
            return None
        self.form.show_problems([])
        return candidate

    # --- result --------------------------------------------------------------------------

    def compose_result(self) -> ComposeResult:
        ek = self.app.state.enterprise_key
        yield Static("For Kore's Admin Console > Enterprise Key > Create Key (focus one, c copies)",
                     classes="section")  # fmt: skip
        yield CopyField("Cloud provider", "Azure", id="copy-provider")
        yield CopyField("Key identifier", ek.key_identifier, id="copy-identifier")
        yield CopyField("Authentication credentials (tenant ID)", ek.tenant_id, id="copy-tenant")
        yield CopyField("Enforcement date", ek.enforcement_date, id="copy-date")
        yield Button("Rotate key (o)", id="ek-rotate-result", classes="ek-rotate", compact=True)

    def refresh_result(self, state: WizardState) -> None:
        ek = state.enterprise_key
        self.query_one("#copy-identifier", CopyField).set_value(ek.key_identifier)
        self.query_one("#copy-tenant", CopyField).set_value(ek.tenant_id)
        self.query_one("#copy-date", CopyField).set_value(ek.enforcement_date)
        self._sync_rotate(state)

    def summary(self, state: WizardState) -> str:
        ek = state.enterprise_key
        lines = [ek_step.identifier_note(ek.key_identifier), describe_date(ek.enforcement_date, self.today)]
        if reason := ek_step.lock_reason(state, self.today):
            lines = [reason]
        return "\n".join(line for line in lines if line)

    def on_mount(self) -> None:  # FlowScreen.on_mount runs too
        self._sync_rotate(self.app.state)
        self.query_one("#review").display = not self.locked
        self.query_one("#ek-lock").display = self.locked

    def _sync_rotate(self, state: WizardState) -> None:
        for button in self.query(".ek-rotate").results(Button):
            button.display = ek_step.rotatable(state)
            button.disabled = self.app.applying

    # --- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_version":
            return self.page == "form" and not self.locked
        if action == "rotate":
            if not ek_step.rotatable(self.app.state):
                return False
            return None if self.app.applying else True
        if action == "copy":
            return self.page == "result"
        if action == "review" and self.locked:
            return False
        return super().check_action(action, parameters)

    def action_toggle_version(self) -> None:
        if why_not := self.form.toggle_version():
            self.notify(why_not, title="Version not switched", severity="warning")

    @on(Button.Pressed, "#ek-toggle")
    def _toggle_pressed(self) -> None:
        self.action_toggle_version()

    def action_copy(self) -> None:
        focused = self.focused
        field = focused if isinstance(focused, CopyField) else self.query_one("#copy-identifier", CopyField)
        field.action_copy()

    # --- rotation (an App-level worker: leaving the screen never cuts it in half) ---------------

    @on(Button.Pressed, ".ek-rotate")
    def action_rotate(self) -> None:
        state = self.app.state
        if self.app.applying or not ek_step.rotatable(state):
            return
        v = state.vault
        parsed = validate.parse_key_identifier(state.enterprise_key.key_identifier)
        follows = ("The key identifier names a version, so it will name the new one: update it in Kore's console."
                   if parsed and parsed.version
                   else "The key identifier has no version: Kore picks up the new one by itself.")  # fmt: skip
        body = (f"Creates a new version of key {v.key_name} in {v.vault_uri}. Earlier versions stay enabled, "
                f"so data Kore already encrypted stays readable.\n\n{follows}\n\n"
                "Test Configuration runs again with the new version before you go on.")  # fmt: skip
        self.app.push_screen(ConfirmModal("Rotate the key?", body, "Rotate"), self._rotate_confirmed)

    def _rotate_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            self.notify("The key was not rotated.", title="Rotation cancelled")
            return
        app = self.app
        app.applying = True
        self._sync_rotate(app.state)
        self.notify(f"Rotating key {app.state.vault.key_name}…", title="Rotate key")
        app.run_worker(self._rotate(), name="rotate", group="apply", exclusive=True, exit_on_error=False,
                       description="Rotating the key")  # fmt: skip

    async def _rotate(self) -> None:
        app = self.app

        def progress(message: str, fraction: float | None = None) -> None:
            for button in self.query(".ek-rotate").results(Button):
                button.label = "Rotating the key…" if fraction is None or fraction < 1 else "Rotate key (o)"

        error: ByokError | None = None
        try:
            state = await manage.rotate(app.state, app.conn, progress, session=app.session)
        except ByokError as exc:
            error = exc
        except Exception as exc:  # last: anything the adapters did not translate
            error = ByokError("Unexpected error while rotating the key", detail=f"{type(exc).__name__}: {exc}",
                              remedy="Try again; if it keeps failing, report it with the log file.")  # fmt: skip
        else:
            app.set_state(state, save=False)
        finally:
            app.applying = False
        self.post_message(Rotated(error))

    def on_rotated(self, message: Rotated) -> None:
        self._sync_rotate(self.app.state)
        if message.error is not None:
            self.app.push_screen(ErrorModal(message.error, context="Rotate key"))
            return
        kid = self.app.state.vault.key_id
        self.notify(f"New version {kid.rsplit('/', 1)[-1]}. Test Configuration runs again with it.",
                    title="Key rotated")  # fmt: skip
        self.app.action_goto_step("test")
