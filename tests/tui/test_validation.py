"""Validation (optional): the seed's post-enforcement checklist, ticked and saved at once, and a re-run of
every live check of the session.
"""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Static

from byok_tui.app import build_app
from byok_tui.engine import validation as validation_step
from byok_tui.screens.validation import ValidationScreen
from byok_tui.screens.widgets.health import StepHealth
from byok_tui.session import Session
from byok_tui.testing.harness import FROZEN
from byok_tui.testing.pilot import flushed, focus, settle
from byok_tui.testing.prepare import done_through


async def test_ticks_are_saved_and_survive_a_restart(tmp_path):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    session = Session(tmp_path / "session.json")
    state = await done_through(sb, "apps")
    app = build_app(sb.connection(), session, state, start_step="validate", clock=lambda: FROZEN,
                    profile=sb.profile())  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ValidationScreen)
        assert "not pressed Proceed yet" in str(screen.query_one("#enforcement-note", Static).content)
        assert app.focused is screen.query_one("#tick-analytics", Checkbox)
        assert screen.check_action("next", ()) is False  # the last step: no Next

        await pilot.press("space")
        await pilot.pause()
        assert app.state.validation.ticked == ("analytics",)
        await flushed(app)  # saved at once, on the session writer's thread
        assert session.load().validation.ticked == ("analytics",)
        assert str(screen.query_one("#ticked", Static).content) == "1 of 2 confirmed."
        assert app.state.step("validate").checked == ""

        await focus(pilot, "tick-basic-auth")
        await pilot.press("space")
        await pilot.pause()
        assert app.state.validation.ticked == ("analytics", "basic-auth")
        assert app.state.step("validate").checked == "pass"
        assert str(screen.query_one("#ticked", Static).content) == "2 of 2 confirmed: validation complete."

        await focus(pilot, "tick-analytics")
        await pilot.press("space")  # untick
        await pilot.pause()
        assert app.state.validation.ticked == ("basic-auth",)
        assert app.state.step("validate").checked == ""

    # A new run of the wizard on the saved session shows the same ticks.
    again = build_app(sb.connection(), session, session.load(), start_step="validate", clock=lambda: FROZEN,
                      profile=sb.profile())  # fmt: skip
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not again.screen.query_one("#tick-analytics", Checkbox).value
        assert again.screen.query_one("#tick-basic-auth", Checkbox).value


async def test_rerun_every_live_check(make_app):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    app = make_app(state=await done_through(sb, "test"), sandbox=sb, start_step="validate").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        steps = {h.step_id: h.status for h in app.screen.query(StepHealth)}
        assert steps["vault"] == "pass" and steps["test"] == "pass"
        assert steps["apps"] == "skip" and steps["confirm"] == "skip"  # not set up in this session yet
        lines = [str(s.content) for s in app.screen.query(".health-step")]
        assert "– Apps and bots: not set up in this session" in lines


def test_checklist_is_the_seeds():
    assert [validation_step.title(i) for i, _ in validation_step.CHECKLIST] == [
        "Option 1: View Analytics", "Option 2: Test Application Authorization",
    ]  # fmt: skip
    assert "Basic authentication successful." in dict(validation_step.CHECKLIST)["basic-auth"]


# --- snapshots ---------------------------------------------------------------------------------------


def snapshot_app(make_app):
    import asyncio

    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    return make_app(state=asyncio.run(done_through(sb, "apps")), sandbox=sb, start_step="validate").app


async def _ticked_and_checked(pilot) -> None:
    await settle(pilot)
    await pilot.press("space", "k")
    await settle(pilot)


@pytest.mark.usefixtures("stable_request_ids")
class TestValidationSnapshots:
    def test_checklist(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=settle)

    def test_ticked_and_all_checks(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_ticked_and_checked)
