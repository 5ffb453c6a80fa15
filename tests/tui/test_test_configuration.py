"""Test Configuration against the sandbox: it opens on its results and runs at once; every row has a status,
what was seen, the fix and the request id on failure; Next waits for all of them. Snapshots at 80x24 and
120x40 of all-pass and of a failure.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from byok_tui.app import ByokApp
from byok_tui.engine import test_configuration as test_step
from byok_tui.sandbox import Sandbox
from byok_tui.screens import test_configuration as screen_module
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.state import WizardState
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through

FOUR = ("connectivity", "authentication", "encryption", "decryption")


def tc_screen(app: ByokApp) -> screen_module.TestConfigurationScreen:
    screen = app.screen
    assert isinstance(screen, screen_module.TestConfigurationScreen), (
        f"expected Test Configuration, got {screen!r}"
    )
    return screen


def rows(app: ByokApp) -> dict[str, CheckView]:
    return {view.result.id: view for view in app.screen.query(CheckView)}


def texts(view: CheckView) -> list[str]:
    return view.texts  # the row draws its parts itself (#17): title, latency, detail, fix, request


async def recorded(sb: Sandbox) -> WizardState:
    return await done_through(sb, "enterprise_key")


async def test_all_tests_pass_and_next_opens(make_app):
    sb = Sandbox.create("default")
    state = await recorded(sb)
    app = make_app(state=state, sandbox=sb, start_step="test").app
    app.show_timings = True  # this test reads the latencies
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = tc_screen(app)
        assert screen.page == "result"
        found = rows(app)
        assert list(found) == [*(f"test.{t}" for t in FOUR), "kore.access.granted", "kore.network.configured",
                               *(f"kore.test.{t}" for t in FOUR)]  # fmt: skip
        assert {view.result.status for view in found.values()} == {"pass"}
        assert [str(s.content) for s in screen.query(".checks-section").results(Static)] == [
            test_step.SECTIONS["test"], test_step.SECTIONS["kore"], test_step.SECTIONS["kore.test"]]  # fmt: skip
        for test in FOUR:  # each row: its latency on the title line, and the request that proved it
            shown = texts(found[f"test.{test}"])
            assert shown[0] == f"✓ {test.title()}" and shown[1].endswith(" ms"), shown
            assert any(t.startswith("request ") for t in shown)
        assert (
            "The vault encrypted 32 random bytes with RSA-OAEP-256" in found["test.encryption"].result.detail
        )
        # Nothing to apply: having run counts as applied, so a resumed session goes on past this step.
        assert app.state.step("test").checked == "pass" and app.state.step("test").applied
        assert app.state.resume_point() == "apps"
        assert str(screen.query_one("#verdict", Static).content).startswith("✓ All 10 checks pass")
        assert screen.query_one("#recheck", Button).label.plain == "Run tests (k)"
        assert screen.check_action("next", ()) is True and not screen.query_one("#next", Button).disabled

        await pilot.press("k")  # run again: same outcome, fresh requests
        await settle(pilot)
        assert {view.result.status for view in rows(app).values()} == {"pass"}

        await pilot.press("n")
        await settle(pilot)
        assert app.screen.STEP_ID == "apps" or any("not built yet" in n.message for n in notifications(app))


async def test_a_broken_world_fails_with_remedy_and_request_id_and_next_waits(make_app):
    sb = Sandbox.create("default")
    state = await recorded(sb)
    key = sb.world.vault("kv-contoso-byok").keys["kore-byok-cmk"]
    key.latest.enabled = False
    app = make_app(state=state, sandbox=sb, start_step="test").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = tc_screen(app)
        encryption = rows(app)["test.encryption"]
        assert encryption.result.status == "fail"
        shown = texts(encryption)
        assert shown[0] == "✗ Encryption"
        assert "Operation encrypt is not allowed on a disabled key." in shown
        assert any(t.startswith("Fix: Enable the key") for t in shown)
        assert f"request {encryption.result.request_id}" in shown and encryption.result.request_id
        assert rows(app)["test.decryption"].result.status == "fail"
        assert app.state.step("test").checked == "fail"
        assert screen.check_action("next", ()) is None and screen.query_one("#next", Button).disabled
        assert str(screen.query_one("#verdict", Static).content).startswith("✗ 4 of 10 checks fail")
        # The first failure is in view (not the buttons at the bottom).
        page = screen.query_one("#result-page")
        assert page.scroll_y > 0 and encryption.region.y < page.region.bottom

        await pilot.press("n")  # dimmed: nothing happens
        await settle(pilot)
        assert app.screen is screen

        key.latest.enabled = True  # fixed in the vault; run the tests again
        await pilot.press("k")
        await settle(pilot)
        assert {view.result.status for view in rows(app).values()} == {"pass"}
        assert screen.check_action("next", ()) is True


async def test_without_kores_role_the_kore_rows_fail_and_yours_pass(make_app):
    sb = Sandbox.create("default")
    state = await recorded(sb)
    for name, assignment in list(sb.world.role_assignments.items()):
        if assignment.principal_id == state.authorize.sp_object_id:
            del sb.world.role_assignments[name]
    app = make_app(state=state, sandbox=sb, start_step="test").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        found = rows(app)
        assert all(found[f"test.{t}"].result.status == "pass" for t in FOUR)
        granted = found["kore.access.granted"]
        assert granted.result.status == "fail" and any(t.startswith("Fix: ") for t in texts(granted))
        assert found["kore.test.authentication"].result.status == "fail"
        assert found["kore.test.authentication"].result.request_id
        assert app.state.step("test").checked == "fail"


# --- snapshots -------------------------------------------------------------------------------------


def prepared(*, disable_key: bool = False) -> tuple[Sandbox, WizardState]:
    sb = Sandbox.create("default")
    state = asyncio.run(recorded(sb))
    if disable_key:
        sb.world.vault("kv-contoso-byok").keys["kore-byok-cmk"].latest.enabled = False
    return sb, state


async def _settled(pilot: Pilot) -> None:
    await settle(pilot)


@pytest.mark.usefixtures("stable_request_ids")
class TestTestConfigurationSnapshots:
    def test_all_pass(self, snap_compare, make_app, size):
        sb, state = prepared()
        app = make_app(state=state, sandbox=sb, start_step="test").app
        assert snap_compare(app, terminal_size=size, run_before=_settled)

    def test_a_failure(self, snap_compare, make_app, size):
        sb, state = prepared(disable_key=True)
        app = make_app(state=state, sandbox=sb, start_step="test").app
        assert snap_compare(app, terminal_size=size, run_before=_settled)
