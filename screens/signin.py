"""Sign in: the cloud and the way in, then the tenant and subscription, then the pre-flight.

Not a FlowScreen: signing in changes nothing in Azure, so there is no plan to review. The screen collects
the method, runs `engine.signin` in workers (a device code appears here, large, while the credential
waits in a thread), fills the tenant and subscription pickers, and shows the pre-flight: what this
operator may do, and who to ask for each gap. On the sandbox all of that happens on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from byok_tui import glyphs
from byok_tui.clouds import CLOUDS
from byok_tui.connection import Connection
from byok_tui.engine import runner, steps
from byok_tui.engine import signin as signin_step
from byok_tui.engine.model import CheckResult, overall
from byok_tui.errors import ByokError
from byok_tui.state import SigninState

from .base import StepScreen
from .widgets.field import FieldMessage, Row
from .widgets.rules import Rule

if TYPE_CHECKING:  # imported where used: the sandbox's first frame shows none of them
    from byok_tui.models import OrganizationInfo, SubscriptionInfo

    from .widgets.checks import ChecksView
    from .widgets.devicecode import DeviceCodePanel
    from .widgets.notes import ErrorNote

SANDBOX_STATUS = "The sandbox signs you in as its operator: no account is needed."


def _tenant_rule(text: str) -> str | None:
    """Blank (your home tenant) or a tenant id."""
    from byok_tui import validate  # not before the first frame: it is only needed once someone types

    return validate.tenant_id(text.strip()) if text.strip() else None


def preflight_verdict(results: list[CheckResult]) -> tuple[str, str]:
    """One line above the pre-flight: can the operator go on, and how."""
    status = overall(results)
    gaps = sum(r.status == "warn" for r in results)
    if status == "fail":
        return f"{glyphs.FAIL} Fix what fails below, then re-check (k).", status
    if status == "warn":
        plural = "gap" if gaps == 1 else "gaps"
        return (
            f"{glyphs.WARN} {gaps} {plural}: go on (n), and ask for what each one says when its step comes.",
            status,
        )
    return f"{glyphs.PASS} This account can do every step itself (n: Step 1).", status


class SigninScreen(StepScreen):
    """Sign in to Azure, choose the tenant and subscription, read the pre-flight.

    | Key | Action |
    | :- | :- |
    | s | Sign in with the chosen cloud, method and tenant |
    | escape | Cancel a sign-in that waits (device code) |
    | c / u | Copy the device code / its address |
    | q | Show the device-login address as a QR code (a phone opens it) |
    | k | Run the pre-flight again |
    | n | Next: Step 1 (or where the session left off) |
    """

    STEP_ID = "signin"
    CSS_PATH = "signin.tcss"
    BINDINGS = [
        Binding("s", "sign_in", "Sign in", id="sign-in", tooltip="Sign in with the chosen method"),
        Binding("escape", "cancel", "Cancel", id="cancel-signin", tooltip="Stop waiting for this sign-in"),
        Binding("c", "copy_code", "Copy code", id="copy-code", tooltip="Copy the device code"),
        Binding("u", "copy_url", "Copy address", id="copy-url", tooltip="Copy the device-login address"),
        Binding(
            "q", "show_qr", "QR code", id="show-qr", tooltip="Show the device-login address as a QR code"
        ),
        Binding("k", "recheck", "Re-check", id="recheck", tooltip="Run the pre-flight again"),
    ]

    busy: reactive[bool] = reactive(False, bindings=True, init=False)
    """A sign-in is running (the form is locked, escape cancels)."""
    device_shown: reactive[bool] = reactive(False, bindings=True)
    """A device code is on screen (c and u copy it)."""

    cloud_select = getters.query_one("#cloud", Select)
    method_select = getters.query_one("#method", Select)
    tenant_input = getters.query_one("#tenant", Input)
    tenant_select = getters.query_one("#tenant-select", Select)
    subscription_select = getters.query_one("#subscription", Select)
    status_line = getters.query_one("#signin-status", Static)

    def __init__(self) -> None:
        super().__init__()
        self.subscriptions: list[SubscriptionInfo] = []
        """Every enabled subscription the signed-in identity can see (all tenants)."""
        self.directories: list[OrganizationInfo] = []
        self.token_tenant = ""
        """The tenant the current credential's tokens are for."""
        self._attempt = 0
        """Numbers sign-in attempts, so a cancelled attempt's late device code is ignored."""
        self._qr: Screen[None] | None = None
        """The device-login QR code, while it is shown."""
        self._mounted = asyncio.Event()
        """Set once the widgets left out of the first frame are mounted: sign-ins wait for it."""
        # Auto-focus would land on the page, which restyles it and all it holds before the first frame;
        # `_mount_the_rest` focuses it after that frame instead.
        self.AUTO_FOCUS = ""

    @property
    def device(self) -> DeviceCodePanel:
        from .widgets.devicecode import DeviceCodePanel

        return self.query_one(DeviceCodePanel)

    @property
    def error_note(self) -> ErrorNote:
        from .widgets.notes import ErrorNote

        return self.query_one("#signin-error", ErrorNote)

    @property
    def checks(self) -> ChecksView:
        from .widgets.checks import ChecksView

        return self.query_one(ChecksView)

    # --- layout --------------------------------------------------------------------------

    @property
    def sandbox(self) -> bool:
        return self.app.conn.is_sandbox

    def compose_body(self) -> ComposeResult:
        # Only what the first frame shows is composed here; what no one sees before a sign-in is mounted
        # once that frame is drawn (`_mount_the_rest`), for a quicker start (issue #7). After that the
        # page holds the same widgets, in the same order, either way.
        signin = self.app.state.signin
        sandbox = self.sandbox
        methods = ["sandbox"] if sandbox else list(signin_step.LIVE_METHODS)
        # On the sandbox, its only method: `default_method` would import the Azure sign-in module first.
        if sandbox:
            method = "sandbox"
        else:
            method = signin.method if signin.method in methods else signin_step.default_method()
        cloud = self.app.conn.cloud.name
        with VerticalScroll(id="signin-page"):
            yield Static("Sign in", classes="step-title")
            yield Static(signin_step.PURPOSE, classes="purpose")
            yield Static("Connection", classes="section")
            if sandbox:
                # Nothing to choose: the sandbox is one cloud and one way in. Facts, not pickers that refuse
                # every key (and two fewer drop-downs to build before the first frame: about 15 ms, #17).
                yield Row("Cloud", Static(CLOUDS[cloud].display_name, id="cloud", classes="fact"))
                yield Row("Method", Static(signin_step.METHOD_LABELS[method], id="method", classes="fact"))
            else:
                yield Row("Cloud", Select([(c.display_name, c.name) for c in CLOUDS.values()], value=cloud,
                                              allow_blank=False, compact=True, id="cloud"))  # fmt: skip
                yield Row("Method", Select([(signin_step.METHOD_LABELS[m], m) for m in methods], value=method,
                                               allow_blank=False, compact=True, id="method"))  # fmt: skip
            yield FieldMessage(id="method-msg")
            if sandbox:  # nothing to type: the form comes later, hidden
                yield Static(SANDBOX_STATUS, id="signin-status")
            else:
                yield self._live_form()
                yield Static("", id="signin-status")
                yield self._device_panel()

    def _live_form(self) -> Vertical:
        """The tenant field and the Sign in / Cancel buttons (hidden on the sandbox)."""
        tenant = Input(self.app.state.signin.tenant_id, placeholder="optional: tenant id (GUID)", id="tenant",
                       compact=True, validate_on=["changed", "blur", "submitted"],
                       validators=[Rule("Tenant", _tenant_rule)])  # fmt: skip
        cancel = Button("Cancel (esc)", id="cancel", compact=True)
        cancel.display = False
        form = Vertical(
            Row("Tenant", tenant),
            FieldMessage(id="tenant-msg"),
            Horizontal(
                Button("Sign in (s)", id="sign-in", variant="primary", compact=True),
                cancel,
                classes="actions",
            ),
            id="live-only",
        )
        form.display = not self.sandbox
        return form

    @staticmethod
    def _device_panel() -> DeviceCodePanel:
        from .widgets.devicecode import DeviceCodePanel

        return DeviceCodePanel()

    def _after_a_sign_in(self) -> list[Widget]:
        """What only a sign-in shows: its error, the directory and subscription, the pre-flight."""
        from .widgets.checks import ChecksView
        from .widgets.notes import ErrorNote
        from .widgets.reveal import Reveal

        where = Vertical(
            Static("Directory and subscription", classes="section"),
            Row("Account", Static("", id="account")),
            Row("Tenant", Select([], prompt="Sign in first", compact=True, id="tenant-select")),
            Row("Subscription", Select([], prompt="Sign in first", compact=True, id="subscription")),
            FieldMessage(id="subscription-msg"),
            id="where",
        )
        preflight = Reveal(
            Static("Pre-flight: what this account may do", classes="section"),
            Static("", id="verdict"),
            ChecksView(),
            Horizontal(
                Button("Re-check (k)", id="recheck", compact=True),
                Button("Next: Step 1 (n)", id="next", variant="primary", compact=True),
                classes="actions",
            ),
            id="preflight",
        )
        where.display = preflight.display = False
        return [ErrorNote(id="signin-error"), where, preflight]

    def on_mount(self) -> None:
        self._method_changed()
        if not (self.sandbox or self.app.signed_in):
            self.method_select.focus()
        self.call_after_refresh(self._mount_the_rest)

    def _focus_page(self) -> None:
        """What auto-focus would choose when nothing has the focus: the page, so keys scroll it."""
        if self.focused is None:
            self.query_one("#signin-page", VerticalScroll).focus()

    async def _mount_the_rest(self) -> None:
        """After the first frame: the widgets `compose_body` left out, then (sandbox, or back from a later
        step) the sign-in."""
        page = self.query_one("#signin-page", VerticalScroll)
        if not page.is_attached:  # the App quit before its first frame was out
            return
        if self.sandbox:
            await page.mount(self._live_form(), before="#signin-status")
            await page.mount_all([self._device_panel(), *self._after_a_sign_in()])
        else:
            await page.mount_all(self._after_a_sign_in())
        self._mounted.set()
        del self.AUTO_FOCUS  # the class's again (the App's "*"), e.g. for a return from a modal screen
        if not (self.sandbox or self.app.signed_in):
            self._focus_page()
        # Otherwise the sign-in below runs by itself and ends on Next (or on the page, if it fails): focusing the
        # page now, then Next a second later, would restyle the whole page twice (30-45 ms each, issue #7).
        if self.sandbox:
            self.sign_in()
        elif self.app.signed_in:  # back from a later step: show where we are, prove it again
            self.sign_in(reuse=True)

    # --- actions and their availability --------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_in":
            return False if self.sandbox else (None if self.busy else True)
        if action == "cancel":
            return self.busy and not self.sandbox
        if action in ("copy_code", "copy_url", "show_qr"):
            return self.device_shown
        if action == "recheck":
            return bool(self.app.state.signin.subscription_id) and self.app.signed_in and not self.busy
        if action == "next":
            return True if self.passed else None
        return action != "back"  # the first step: nothing before it

    @property
    def passed(self) -> bool:
        record = self.app.state.step(self.STEP_ID)
        return self.app.signed_in and record.applied and record.checked in ("pass", "warn")

    def action_next(self) -> None:
        """Step 1, or the step an interrupted session had reached (never past the first unfinished one)."""
        target = self.app.state.resume_point()
        if target == self.STEP_ID or target not in self.app.built_steps:
            target = steps.after(self.STEP_ID) or target
        self.app.action_goto_step(target)

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()

    def watch_busy(self, busy: bool) -> None:
        pickers = () if self.sandbox else ("#cloud", "#method")  # the sandbox's are facts, not controls
        for selector in (*pickers, "#tenant", "#sign-in", "#tenant-select", "#subscription"):
            self.query_one(selector).disabled = busy
        self.query_one("#cancel", Button).display = busy and not self.sandbox

    # --- the form ------------------------------------------------------------------------

    @on(Select.Changed, "#method")
    def _method_changed(self) -> None:
        """Say at once when the chosen method cannot work here (no az, no AZURE_* variables)."""
        if self.sandbox:  # its one method always works, and there is nothing to say about it
            return
        message = self.query_one("#method-msg", FieldMessage)
        method = str(self.method_select.value)
        problem = signin_step.method_problem(method, sandbox=self.sandbox)
        if problem:
            message.show(problem, "error")
        elif method == "device-code":
            message.show("You get a code here and sign in on any device with a browser.", "info")
        else:
            message.show(None)

    @on(Input.Changed, "#tenant")
    def _tenant_typed(self, event: Input.Changed) -> None:
        result = event.validation_result
        problem = None if result is None or result.is_valid else result.failure_descriptions[0]
        self.query_one("#tenant-msg", FieldMessage).show(problem)

    @on(Input.Submitted, "#tenant")
    @on(Button.Pressed, "#sign-in")
    def action_sign_in(self) -> None:
        if self.sandbox or self.busy:
            return
        method = str(self.method_select.value)
        tenant = self.tenant_input.value.strip()
        problems: list[tuple[str, str]] = []
        if problem := signin_step.method_problem(method):
            problems.append(("#method", problem))
        if problem := _tenant_rule(tenant):
            problems.append(
                ("#tenant", f"Tenant: {problem}" if not problem.startswith("Tenant") else problem)
            )
            self.query_one("#tenant-msg", FieldMessage).show(problems[-1][1])
        if problems:
            self.app.clear_notifications()
            self.notify(problems[0][1], title="Sign in: fix this first", severity="error")
            self.query_one(problems[0][0]).focus()
            return
        self.sign_in(tenant=tenant)

    def action_cancel(self) -> None:
        if not self.busy:
            return
        self._attempt += 1  # a device code the abandoned attempt prints later is ignored
        self.workers.cancel_group(self, "signin")
        self.busy = False
        self._hide_device()
        self.status_line.update(
            "Sign-in cancelled. An unused device code expires on its own; press s to start again."
        )
        self.method_select.focus()

    def action_copy_code(self) -> None:
        self._copy(self.device.code, "device code")

    def action_copy_url(self) -> None:
        self._copy(self.device.uri, "sign-in address")

    def action_show_qr(self) -> None:
        from .widgets.qr import QRModal

        if self.device.uri:
            self._qr = QRModal(self.device.uri, f"Open this address, then enter the code {self.device.code}")
            self.app.push_screen(self._qr)

    def _copy(self, value: str, what: str) -> None:
        if value:
            self.app.copy_to_clipboard(value)
            self.notify(f"Copied the {what}")

    # --- signing in ----------------------------------------------------------------------

    def _prompt(self, attempt: int) -> Any:
        """The device-code callback. azure-identity calls it from the worker's thread: hop to the UI."""

        def prompt(verification_uri: str, user_code: str, expires_on: datetime | None) -> None:
            with contextlib.suppress(RuntimeError):  # the app is closing
                self.app.call_from_thread(self._show_device, attempt, verification_uri, user_code, expires_on)

        return prompt

    def _show_device(self, attempt: int, uri: str, code: str, expires_on: datetime | None) -> None:
        if attempt != self._attempt or not self.busy:
            return
        self.device.show(uri, code, expires_on)
        self.device_shown = True
        self.status_line.update("Waiting for you to finish signing in on the other device…")
        self.device.reveal(top=True)

    def _hide_device(self) -> None:
        self.device.hide()
        self.device_shown = False
        if self._qr is not None and self._qr.is_active:  # signed in (or cancelled): the code is spent
            self._qr.dismiss(None)
        self._qr = None

    @work(exclusive=True, group="signin", exit_on_error=False)
    async def sign_in(self, tenant: str = "", *, reuse: bool = False) -> None:
        """Sign in (or, with `reuse` and on the sandbox, prove the current connection), then list the
        tenants and subscriptions, pick the obvious ones, and run the pre-flight."""
        await self._mounted.wait()
        app = self.app
        self._attempt += 1
        attempt = self._attempt
        if self.sandbox:
            method, cloud = "sandbox", app.conn.cloud.name
        else:
            method, cloud = str(self.method_select.value), str(self.cloud_select.value)
        current = dataclasses.replace(app.state.signin, method=method, cloud=cloud)
        if not (reuse or self.sandbox):
            current = dataclasses.replace(current, tenant_id=tenant)
        self.error_note.show_error(None)
        self.busy = True
        self.status_line.update("Signing in…" if not self.sandbox else "Signing in to the sandbox…")
        conn: Connection | None = None
        try:
            if self.sandbox or reuse:
                conn = app.conn
            else:
                conn = signin_step.connect(method, tenant, cloud, self._prompt(attempt))
            found = await signin_step.sign_in(conn, current, method)
            self._hide_device()
            self.status_line.update("Reading your directories and subscriptions…")
            directories = await signin_step.tenants(conn)
            subscriptions = await signin_step.subscriptions(conn)
        except ByokError as exc:
            # The sandbox's connection has a credential from the start: only an account proves an earlier sign-in.
            before = app.signed_in and bool(app.state.signin.account)
            self.status_line.update("Still signed in as before." if before else "Not signed in.")
            self.error_note.show_error(exc)
            if conn is not None and conn is not app.conn:
                await signin_step.close(conn)
            if not self.sandbox:  # try another method, tenant or cloud
                self.call_after_refresh(self.method_select.focus)
            else:
                self._focus_page()
            return
        finally:
            if attempt == self._attempt:
                self.busy = False
                self._hide_device()
        if conn is not app.conn:
            old, app.conn = app.conn, conn
            await signin_step.close(old)
        self.token_tenant = found.tenant_id
        self.directories, self.subscriptions = directories, subscriptions
        chosen = signin_step.choose(found, subscriptions)
        state = dataclasses.replace(app.state, signin=chosen)
        if chosen.subscription_id != app.state.signin.subscription_id:  # another place: prove it again
            state = state.with_step(self.STEP_ID, dataclasses.replace(state.step(self.STEP_ID), checked=""))
        app.set_state(state)
        self._fill_pickers(chosen)
        self.status_line.update(
            f"{glyphs.PASS} Signed in ({signin_step.METHOD_LABELS[method].split(' (')[0].lower()})."
        )
        if chosen.subscription_id:
            self.run_preflight()
        else:
            self.query_one("#preflight").display = False
            self._no_subscription_yet(chosen)

    def _fill_pickers(self, signin: SigninState) -> None:
        self.query_one("#where").display = True
        self.query_one("#account", Static).update(
            Content(f"{signin.account or '(no account name)'}\nobject id {signin.operator_object_id}")
        )
        from byok_tui.models import OrganizationInfo

        known = {d.tenant_id.lower(): d for d in self.directories}
        if signin.tenant_id and signin.tenant_id.lower() not in known:
            known[signin.tenant_id.lower()] = OrganizationInfo(signin.tenant_id, signin.tenant_id)
        self.tenant_select.set_options(
            (f"{d.display_name} ({d.default_domain or d.tenant_id})", d.tenant_id) for d in known.values()
        )
        if signin.tenant_id:
            self.tenant_select.value = next(
                d.tenant_id for k, d in known.items() if k == signin.tenant_id.lower()
            )
        mine = signin_step.in_tenant(self.subscriptions, signin.tenant_id)
        self.subscription_select.set_options((f"{s.display_name} ({s.subscription_id[:8]}…)", s.subscription_id)
                                             for s in mine)  # fmt: skip
        self.subscription_select.prompt = (
            "Choose a subscription" if mine else "No subscription in this tenant"
        )
        if signin.subscription_id and any(s.subscription_id == signin.subscription_id for s in mine):
            self.subscription_select.value = signin.subscription_id

    def _no_subscription_yet(self, signin: SigninState) -> None:
        message = self.query_one("#subscription-msg", FieldMessage)
        if signin_step.in_tenant(self.subscriptions, signin.tenant_id):
            message.show("Subscription: choose the one that will hold the Key Vault.", "info")
            self.subscription_select.focus()
        else:
            self.error_note.show_error(signin_step.no_subscription(signin.tenant_id))
            message.show(None)
            self.tenant_select.focus()

    @on(Select.Changed, "#tenant-select")
    def _tenant_chosen(self, event: Select.Changed) -> None:
        tenant = event.value
        if not isinstance(tenant, str) or tenant.lower() == self.app.state.signin.tenant_id.lower():
            return
        if self.sandbox or tenant.lower() == self.token_tenant.lower():
            signin = dataclasses.replace(self.app.state.signin, tenant_id=tenant, subscription_id="")
            self.app.set_state(dataclasses.replace(self.app.state, signin=signin))
            self._fill_pickers(signin)
            self._no_subscription_yet(signin)
            return
        # Tokens are per tenant: another directory means signing in to it (a new device code if need be).
        self.tenant_input.value = tenant
        self.status_line.update(f"Signing in to tenant {tenant}…")
        self.sign_in(tenant=tenant)

    @on(Select.Changed, "#subscription")
    def _subscription_chosen(self, event: Select.Changed) -> None:
        value = event.value
        if not isinstance(value, str):
            return
        self.query_one("#subscription-msg", FieldMessage).show(None)
        state = self.app.state
        if value == state.signin.subscription_id:  # the sign-in just chose it, and runs the pre-flight
            return
        chosen = signin_step.choose(state.signin, self.subscriptions, value)
        record = dataclasses.replace(state.step(self.STEP_ID), applied=False, checked="")
        self.app.set_state(dataclasses.replace(state, signin=chosen).with_step(self.STEP_ID, record))
        self.app.subscription_name = self._subscription_name(value)
        self.run_preflight()

    def _subscription_name(self, subscription_id: str) -> str:
        return next((s.display_name for s in self.subscriptions if s.subscription_id == subscription_id), "")

    # --- pre-flight ------------------------------------------------------------------------

    @on(Button.Pressed, "#recheck")
    def action_recheck(self) -> None:
        if self.app.state.signin.subscription_id:
            self.run_preflight()

    @work(exclusive=True, group="preflight", exit_on_error=False)
    async def run_preflight(self) -> None:
        from .widgets.reveal import Reveal

        await self._mounted.wait()
        app = self.app
        self.query_one("#preflight").display = True
        self._verdict("Running the pre-flight…", "")
        self.checks.loading = True
        self.app.subscription_name = self._subscription_name(app.state.signin.subscription_id)
        try:
            state, results = await runner.run_checks(signin_step.STEP, app.state, app.conn, app.session,
                                                     now=app.clock())  # fmt: skip
        except ByokError as exc:
            self._verdict(f"{glyphs.FAIL} The pre-flight could not run.", "fail")
            self.error_note.show_error(exc)
            self._focus_page()
            return
        finally:
            self.checks.loading = False
        app.preflight = results
        app.set_state(signin_step.signed_in(state, results))
        self._verdict(*preflight_verdict(results))
        await self.checks.show_results(results, timings=app.show_timings)
        self.refresh_bindings()
        self.query_one("#next", Button).disabled = not self.passed
        if self.passed:
            self.query_one("#next", Button).focus(scroll_visible=False)
        else:
            self._focus_page()
        self.query_one("#preflight", Reveal).reveal(top=True)

    def _verdict(self, text: str, status: str) -> None:
        line = self.query_one("#verdict", Static)
        line.set_classes(f"-{status}" if status else "")
        line.update(text)
