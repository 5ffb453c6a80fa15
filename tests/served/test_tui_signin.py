"""The TUI's live sign-in over real sockets: Sign-in asks Entra ID (the served sandbox) for a device code,
shows it, and signs in once the operator approves it elsewhere; then the pre-flight runs through the proxy.
A proxy that cannot be reached is an error box naming HTTPS_PROXY, not a traceback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from byok_tui import profile
from byok_tui.app import build_app
from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.connection import Connection
from byok_tui.sandbox import Sandbox
from byok_tui.screens.widgets.devicecode import DeviceCodePanel
from byok_tui.screens.widgets.notes import ErrorNote
from byok_tui.testing.served import Served, start_served
from tests.served.test_network_failures import closed_port

PATIENCE = 90.0
"""Seconds to wait for what the served sandbox sends back (MSAL polls every 5 s) before calling it lost."""


@pytest.fixture
def live_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    served = start_served(tmp_path, "--faults", "rbac-delay=0")
    try:
        for name in (
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_CERTIFICATE_PATH",
        ):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "BYOK_TUI_PROFILE"):
            monkeypatch.setenv(name, served.exports[name])
        monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 52000 10.0.0.4 22")  # device code is the default
        yield served
    finally:
        served.stop()


def live_app(served: Served):
    app = build_app(Connection(credential=None, cloud=AZURE_PUBLIC, label="Azure"), None, None,
                    profile=profile.load(served.exports["BYOK_TUI_PROFILE"]))  # fmt: skip
    app.show_timings = False
    return app


async def until(pilot: Pilot, ready, what: str) -> None:
    """Wait for `ready()` (data from the other process), giving the App's loop every turn meanwhile."""
    deadline = time.monotonic() + PATIENCE
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {PATIENCE:.0f} s")
        await pilot.pause(0.05)


async def test_device_code_from_entra_id_is_shown_and_approval_signs_in(live_env: Served):
    app = live_app(live_env)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        panel = app.screen.query_one(DeviceCodePanel)
        await until(pilot, lambda: panel.has_class("-shown"), "a device code on screen")
        assert panel.uri == "https://microsoft.com/devicelogin"
        assert len(panel.code) == 9 and panel.code in str(panel.query_one("#device-code-text").content)
        approval = await asyncio.to_thread(live_env.cli, "sandbox", "approve", panel.code)
        assert approval.returncode == 0, approval.stderr
        await until(
            pilot, lambda: app.signed_in and app.state.step("signin").checked, "the sign-in and pre-flight"
        )
        sb = Sandbox.load(live_env.state)
        assert app.state.signin.method == "device-code"
        assert app.state.signin.account == "alex.admin@contoso.onmicrosoft.com"
        assert app.state.signin.tenant_id == sb.tenant_id
        assert (
            app.state.step("signin").checked == "pass"
        )  # Graph and Resource Manager answered, through the proxy


async def test_an_unreachable_proxy_is_an_error_box_naming_the_variable(live_env: Served, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port()}")
    app = live_app(live_env)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        note = app.screen.query_one("#signin-error", ErrorNote)
        await until(pilot, lambda: note.has_class("-shown"), "the sign-in error")
        text = str(note.content)
        assert "The proxy in HTTPS_PROXY could not be reached" in text and "Correct HTTPS_PROXY" in text
        assert not app.signed_in
