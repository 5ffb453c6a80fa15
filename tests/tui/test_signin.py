"""The Sign-in screen driven by the keyboard: automatic on the sandbox (default and restricted pre-flight),
and the live path (method checks, a bad tenant, a device code shown large and copyable, cancel) with
`engine.signin.connect` handing back a sandbox connection whose credential asks for a device code.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, Select, Static

from byok_tui.app import ByokApp, build_app
from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.connection import Connection
from byok_tui.engine import signin as signin_step
from byok_tui.sandbox import Sandbox
from byok_tui.screens.authorize import AuthorizeScreen
from byok_tui.screens.signin import SigninScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.devicecode import BigText, DeviceCodePanel, compact, large
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.notes import ErrorNote
from byok_tui.testing.harness import FROZEN
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import choose, settle, type_into

CODE = "GQ2LDJ7XK"
DEVICE_URL = "https://microsoft.com/devicelogin"


def signin_screen(app: ByokApp) -> SigninScreen:
    screen = app.screen
    assert isinstance(screen, SigninScreen), f"expected the sign-in screen, got {screen!r}"
    return screen


def results(app: ByokApp) -> dict[str, Any]:
    return {view.result.id: view.result for view in app.screen.query(CheckView)}


def message(app: ByokApp, widget_id: str) -> str:
    return app.screen.query_one(f"#{widget_id}-msg", FieldMessage).text


# --- the sandbox: signed in on its own --------------------------------------------------------------


async def test_sandbox_signs_in_and_shows_a_clean_preflight(make_app):
    h = make_app()
    app, sb = h.app, h.sandbox
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = signin_screen(app)
        # The sandbox's cloud and method are facts, not pickers: there is nothing to choose.
        assert str(screen.query_one("#method", Static).content) == "Sandbox (the built-in Azure emulator)"
        assert not screen.query_one("#signin-page").query(Select).exclude("#tenant-select, #subscription")
        assert not screen.query_one("#live-only").display  # nothing to type on the sandbox
        assert app.state.signin == SigninState_for(sb)
        assert app.state.step("signin").applied and app.state.step("signin").checked == "pass"
        found = results(app)
        assert [r.status for r in found.values()] == ["pass"] * 8  # the protect step's three rights too
        assert str(screen.query_one("#verdict").content).startswith("✓ This account can do every step itself")
        assert screen.query_one("#subscription", Select).value == sb.subscription_id
        assert app.subscription_name == "Contoso Production"
        assert [r.id for r in app.preflight] == list(found)
        assert screen.check_action("next", ()) is True and screen.check_action("back", ()) is False
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AuthorizeScreen)


def SigninState_for(sb: Sandbox):  # noqa: N802 - reads like the state it builds
    from byok_tui.state import SigninState

    return SigninState(cloud="AzureCloud", method="sandbox", tenant_id=sb.tenant_id,
                       subscription_id=sb.subscription_id, operator_object_id=sb.operator_object_id,
                       account="alex.admin@contoso.onmicrosoft.com")  # fmt: skip


async def test_restricted_preflight_names_each_gap_and_who_fills_it(make_app):
    app = make_app("restricted").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = signin_screen(app)
        found = results(app)
        sp, roles = found[signin_step.CHECK_CREATE_SP], found[signin_step.CHECK_ASSIGN_ROLES]
        assert (sp.status, sp.title) == ("warn", "Cannot create service principals")
        assert "Global Administrator or Application Administrator" in sp.remedy and "consent URL" in sp.remedy
        assert (roles.status, roles.title) == ("warn", "Cannot assign roles on the subscription")
        assert "Owner or User Access Administrator" in roles.remedy
        assert found[signin_step.CHECK_CREATE_VAULTS].status == "warn"
        shown = [view.part("check-remedy") for view in screen.query(CheckView) if view.part("check-remedy")]
        assert any(s.startswith("Fix: Ask a Global Administrator") for s in shown)
        # The fourth: a Contributor may not lock the vault (the protect step).
        assert found["protect.may_lock"].status == "warn"
        assert str(screen.query_one("#verdict").content).startswith("! 4 gaps")
        # Gaps do not block: each has another way through.
        assert app.state.step("signin").checked == "warn" and screen.check_action("next", ()) is True


async def test_rechecking_the_preflight_sees_a_new_role(make_app):
    h = make_app("restricted")
    app, sb = h.app, h.sandbox
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert results(app)[signin_step.CHECK_ASSIGN_ROLES].status == "warn"
        sb.world.assign_role(
            sb.operator_object_id, "User Access Administrator", f"/subscriptions/{sb.subscription_id}"
        )
        await pilot.press("k")
        await settle(pilot)
        assert results(app)[signin_step.CHECK_ASSIGN_ROLES].status == "pass"
        assert "User Access Administrator" in results(app)[signin_step.CHECK_ASSIGN_ROLES].detail


# --- live: the form, a device code -----------------------------------------------------------------


class DeviceCodeCredential:
    """A sandbox credential that behaves like azure-identity's device-code flow: the first token request
    calls `prompt` from a worker thread, then waits until the test says the operator signed in."""

    def __init__(self, inner: Any, prompt: Any) -> None:
        self.inner = inner
        self.prompt = prompt
        self.signed_in = asyncio.Event()
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if not self.signed_in.is_set():
            expires = datetime(2025, 1, 15, 9, 45, tzinfo=UTC)
            await asyncio.to_thread(self.prompt, DEVICE_URL, CODE, expires)
            await self.signed_in.wait()
        return await self.inner.get_token(*scopes, **kwargs)

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch):
    """A live-looking App (no credential, label Azure) whose `connect` returns the sandbox behind a
    device-code credential; returns (app, sandbox, credentials made)."""
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 52000 10.0.0.4 22")  # device code is the default
    for name in (
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    sb = Sandbox.create("default")
    made: list[tuple[DeviceCodeCredential, tuple]] = []

    def connect(method: str, tenant_id: str, cloud_name: str, prompt: Any = None) -> Connection:
        credential = DeviceCodeCredential(sb.credential(), prompt)
        made.append((credential, (method, tenant_id, cloud_name)))
        return dataclasses.replace(sb.connection(), credential=credential, label="Azure")

    monkeypatch.setattr(signin_step, "connect", connect)
    app = build_app(Connection(credential=None, cloud=AZURE_PUBLIC, label="Azure"), None, None,
                    clock=lambda: FROZEN, profile=sb.profile())  # fmt: skip
    app.show_timings = False
    return app, sb, made


async def wait_for_device_code(pilot: Pilot) -> DeviceCodePanel:
    panel = pilot.app.screen.query_one(DeviceCodePanel)
    for _ in range(100):
        if panel.has_class("-shown"):
            return panel
        await pilot.pause(0.01)
    raise AssertionError("no device code was shown")


async def test_live_starts_on_signin_and_nothing_else_until_signed_in(live):
    app, _, made = live
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        screen = signin_screen(app)
        assert not app.signed_in and made == []
        assert screen.query_one("#method", Select).value == "device-code"
        assert "any device with a browser" in message(app, "method")
        assert str(screen.query_one("#where-short", Label).content) == "not signed in"
        assert screen.check_action("next", ()) is None  # dimmed
        app.action_goto_step("vault")
        await pilot.pause()
        assert isinstance(app.screen, SigninScreen)
        assert any("Sign in and choose a subscription first" in n.message for n in notifications(app))


async def test_live_wrong_input_is_refused_before_any_sign_in(live, monkeypatch):
    app, _, made = live
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await type_into(pilot, "tenant", "contoso.onmicrosoft.com")
        assert message(app, "tenant").startswith("Tenant")
        await pilot.press("enter")  # submit from the tenant field: refused
        await pilot.pause()
        assert made == [] and app.focused is not None and app.focused.id == "tenant"
        assert any("fix this first" in (n.title or "") for n in notifications(app))
        await type_into(pilot, "tenant", "")
        assert message(app, "tenant") == ""
        # A method that cannot work here says why at once, and refuses to start.
        await choose(pilot, "method", "environment")
        assert "AZURE_TENANT_ID" in message(app, "method")
        await pilot.press("s")
        await pilot.pause()
        assert made == []


async def test_live_device_code_is_shown_large_copied_and_then_signed_in(live):
    app, sb, made = live
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        panel = await wait_for_device_code(pilot)
        screen = signin_screen(app)
        assert made[0][1] == ("device-code", "", "AzureCloud")
        assert panel.code == CODE and panel.uri == DEVICE_URL
        assert panel.query_one(BigText).text == CODE
        assert "GQ2LDJ7XK" in str(panel.query_one("#device-code-text").content)
        assert "09:45 UTC" in str(panel.query_one("#device-hint").content)
        assert screen.busy and screen.check_action("sign_in", ()) is None
        await pilot.press("c")
        assert app.clipboard == CODE
        await pilot.press("u")
        assert app.clipboard == DEVICE_URL
        made[0][0].signed_in.set()  # the operator finished on their phone
        await settle(pilot)
        assert not panel.has_class("-shown")
        assert app.signed_in and app.conn.credential is made[0][0]
        assert (
            app.state.signin.method == "device-code"
            and app.state.signin.subscription_id == sb.subscription_id
        )
        assert app.state.signin.account == "alex.admin@contoso.onmicrosoft.com"
        assert app.state.step("signin").checked == "pass"
        assert screen.query_one("#tenant-select", Select).value == sb.tenant_id


async def test_live_sign_in_can_be_cancelled_and_a_late_code_is_ignored(live):
    app, _, made = live
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for_device_code(pilot)
        screen = signin_screen(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.busy and not screen.device_shown
        assert "cancelled" in str(screen.query_one("#signin-status").content)
        assert not app.signed_in
        screen._show_device(screen._attempt - 1, DEVICE_URL, "LATECODE1", None)  # the abandoned attempt
        assert not screen.device_shown


async def test_live_sign_in_failure_shows_cause_and_fix(live, monkeypatch):
    app, sb, _ = live

    def refused(method: str, tenant_id: str, cloud_name: str, prompt: Any = None) -> Connection:
        return dataclasses.replace(sb.connection(), credential=sb.credential("00000000-0000-4000-8000-000000000009"),
                                   operator_object_id="", label="Azure")  # fmt: skip

    monkeypatch.setattr(signin_step, "connect", refused)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await settle(pilot)
        note = app.screen.query_one("#signin-error", ErrorNote)
        text = str(note.content)
        assert note.has_class("-shown") and "Sign-in failed" in text and "Fix: Open the address" in text
        assert not app.signed_in


def test_big_letters_fit_80_columns():
    assert len(large(CODE)) == 5 and max(len(line) for line in large(CODE)) == 70
    assert len(compact(CODE)) == 3 and max(len(line) for line in compact(CODE)) == 35


# --- snapshots ---------------------------------------------------------------------------------------


async def _device_code(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.press("s")
    await wait_for_device_code(pilot)
    await pilot.pause()


async def _bad_tenant(pilot: Pilot) -> None:
    await pilot.pause()
    await type_into(pilot, "tenant", "contoso.onmicrosoft")
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.usefixtures("stable_request_ids")
class TestSigninSnapshots:
    def test_sandbox_preflight_passes(self, snap_compare, make_app, size):
        assert snap_compare(make_app().app, terminal_size=size, run_before=settle)

    def test_restricted_preflight_gaps(self, snap_compare, make_app, size):
        assert snap_compare(make_app("restricted").app, terminal_size=size, run_before=settle)

    def test_live_form(self, snap_compare, live, size):
        assert snap_compare(live[0], terminal_size=size, run_before=lambda pilot: pilot.pause())

    def test_live_bad_tenant(self, snap_compare, live, size):
        assert snap_compare(live[0], terminal_size=size, run_before=_bad_tenant)

    def test_live_device_code(self, snap_compare, live, size):
        assert snap_compare(live[0], terminal_size=size, run_before=_device_code)


async def test_back_to_signin_keeps_the_choice_and_proves_it_again(make_app):
    h = make_app()
    app = h.app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AuthorizeScreen)
        before = app.state.signin
        app.action_goto_step("signin")
        await settle(pilot)
        signin_screen(app)
        assert app.state.signin == before and app.state.step("signin").checked == "pass"
        assert len(results(app)) == 8


# --- the CLI: bare `byok-tui` starts the live wizard on Sign-in --------------------------------------


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ByokApp]:
    """Apps `byok-tui` would run (ByokApp.run is replaced: nothing is drawn, nothing signs in)."""
    apps: list[ByokApp] = []

    def run(self: ByokApp, *args: Any, **kwargs: Any) -> None:
        apps.append(self)

    monkeypatch.setattr(ByokApp, "run", run)
    monkeypatch.delenv("BYOK_TUI_PROFILE", raising=False)
    return apps


def test_bare_command_starts_the_live_wizard_on_signin(started, tmp_path, monkeypatch):
    from byok_tui import cli

    monkeypatch.chdir(tmp_path)  # no ./byok.toml
    assert cli.main(["--session", str(tmp_path / "s.json"), "--cloud", "AzureChinaCloud"]) == 0
    (app,) = started
    assert app.conn.credential is None and app.conn.label == "Azure" and not app.signed_in
    assert app.conn.cloud.name == "AzureChinaCloud" and app.state.signin.cloud == "AzureChinaCloud"
    assert app.start_step == "signin" and app.session is not None


def test_bare_command_refuses_bad_input(started, tmp_path, capsys):
    from byok_tui import cli

    assert cli.main(["--session", str(tmp_path / "s.json"), "--cloud", "AzureMoon"]) == 2
    assert "--cloud" in capsys.readouterr().err
    assert started == []
    # A damaged session is no longer a refusal at the prompt: the wizard opens on a page that names the
    # file and offers to recover it (tests/tui/test_session_problem.py); the file is left as it was.
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    cli.main(["--session", str(broken)])
    (app,) = started
    assert app.session_problem is not None and app.session_problem.path == broken
    assert broken.read_text(encoding="utf-8") == "{not json"


def test_demo_hands_the_sandbox_profile_to_the_app(started):
    from byok_tui import cli

    assert cli.main(["demo", "--scenario", "restricted"]) == 0
    (app,) = started
    assert app.conn.is_sandbox and app.profile.kore_client_id == "c510eb08-865c-4925-8a0b-c84b69289503"


async def test_a_sandbox_that_cannot_sign_in_says_not_signed_in(make_app):
    """The sandbox's connection has a credential from the start, but no sign-in ever succeeded: the status
    must not claim "Still signed in as before" (seen with a damaged --sandbox-state)."""
    sb = Sandbox.create("default")
    sb.world.principals.pop(sb.operator_object_id)  # Entra refuses the operator: AADSTS50034
    app = make_app(sandbox=sb).app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#signin-status").content) == "Not signed in."
        assert app.screen.query_one("#signin-error", ErrorNote).has_class("-shown")


async def test_help_stays_in_view_at_60_columns_however_many_keys(live):
    """The device-code panel's footer has more keys than 60 columns hold; `? Help` docks at the right end
    instead of scrolling out of view (#15 item 19). At 80 columns it stays in line with the others."""
    app, _, _ = live
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for_device_code(pilot)
        await pilot.pause()  # the footer recomposes after the bindings change

        def shown() -> list:
            return [k for k in app.screen.query("FooterKey") if k.display]

        assert sum(k.region.width for k in shown()) > 60  # more than fits
        (help_key,) = [k for k in shown() if k.has_class("-help")]
        assert help_key.styles.dock == "right"
        assert help_key.region.right <= 60 and help_key.region.width >= len("? Help")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        (help_key,) = [k for k in shown() if k.has_class("-help")]
        assert help_key.styles.dock != "right"
