"""Confirmation: the summary of everything that will happen and when, Proceed (asked once) writes the
final record and the hand-off bundle, then what to do next; a completed session reopens on Manage.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from byok_tui.engine import apps as apps_step
from byok_tui.engine import confirm as confirm_step
from byok_tui.screens.confirm import ConfirmScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.copyfield import CopyField
from byok_tui.screens.widgets.health import HealthView, StepHealth
from byok_tui.screens.widgets.modals import ConfirmModal
from byok_tui.screens.widgets.parts import PartsView
from byok_tui.screens.widgets.rows import ColumnRows
from byok_tui.state import ShareState
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through

PROCEEDED = datetime(2025, 1, 15, 9, 31, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_proceed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The time Proceed records is part of the record and of the screen: freeze it."""
    monkeypatch.setattr(confirm_step, "clock", lambda: PROCEEDED)


def confirm_screen(app) -> ConfirmScreen:
    assert isinstance(app.screen, ConfirmScreen), f"expected the confirm screen, got {app.screen!r}"
    return app.screen


def text_of(screen, selector: str) -> str:
    """The text under `selector`: its Statics', and the parts of a widget drawn as parts."""
    found = screen.query(f"{selector} Static, {selector} PartsView, {selector}")
    return "\n".join(
        text
        for widget in found
        for text in (widget.texts if isinstance(widget, PartsView) else [str(widget.content)])
        if isinstance(widget, Static | PartsView)
    )


async def ready(sb, export_dir, deselect=2):
    """Every step through apps done, with the first `deselect` apps kept on Kore's default key."""
    state = await done_through(sb, "apps")
    state = dataclasses.replace(state, share=ShareState(export_dir=str(export_dir)))
    state = apps_step.deselect(state, [a.id for a in state.apps.apps[:deselect]])
    from byok_tui.engine import runner
    from byok_tui.testing.prepare import quiet

    state = await runner.apply_plan(apps_step.STEP, state, sb.connection(), None, quiet)
    state, _ = await runner.run_checks(apps_step.STEP, state, sb.connection(), None)
    return state


async def test_summary_then_proceed_writes_the_record(make_app, tmp_path):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    state = await ready(sb, tmp_path)
    kept = [a.name for a in state.apps.apps[:2]]
    app = make_app(state=state, sandbox=sb, start_step="confirm").app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = confirm_screen(app)
        assert screen.page == "form" and app.focused is screen.query_one("#proceed")
        facts = [value for _, value in screen.query_one("#summary-rows", ColumnRows).rows]
        assert facts == [
            "Azure", state.enterprise_key.key_identifier, sb.tenant_id, "2099-01-01",
            "28 of 30 encrypted with your key", "2",
        ]  # fmt: skip
        assert str(screen.query_one("#default-key-apps", Static).content) == f"{kept[0]}, {kept[1]}."
        timeline = text_of(screen, "#timeline")
        assert "Now until 2099-01-01 (in 27,014 days)" in timeline and str(tmp_path) in timeline
        assert not screen.query_one("#blockers").has_class("-shown")

        # Cancelling changes nothing.
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        body = str(app.screen.query_one("#confirm-body", Static).content)
        assert (
            "28 of 30 apps and bots" in body
            and "2 stay on Kore's default key" in body
            and str(tmp_path) in body
        )
        await pilot.press("n")
        await settle(pilot)
        assert screen.page == "form" and not (tmp_path / confirm_step.RECORD_NAME).exists()
        assert any("No changes were made" in n.message for n in notifications(app))

        await pilot.press("p")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert screen.page == "result"
        record_path = tmp_path / confirm_step.RECORD_NAME
        record = json.loads(record_path.read_text())
        assert record["default_key_apps"] == [a.id for a in state.apps.apps[:2]]
        assert len(record["encrypted_apps"]) == 28 and record["confirmed_at"] == "2025-01-15T09:31:00+00:00"
        assert app.state.confirm.record_path == str(record_path)
        assert app.state.step("confirm").applied and app.state.step("confirm").checked == "pass"
        assert {p.suffix for p in tmp_path.iterdir()} >= {".json", ".md"}  # the hand-off bundle too
        assert [v.result.id for v in screen.query(CheckView)] == ["confirm.record"]
        steps = text_of(screen, "#next-steps")
        assert all(step in steps for step in confirm_step.NEXT_STEPS)
        field = screen.query_one("#copy-record", CopyField)
        assert field.value == str(record_path)
        await pilot.press("c")
        assert app.clipboard == str(record_path)
        assert screen.query_one("#manage").display


async def test_proceed_is_refused_while_earlier_steps_are_missing(make_app):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    state = dataclasses.replace(await done_through(sb, "test"), share=ShareState())
    app = make_app(state=state, sandbox=sb, start_step="confirm").app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = confirm_screen(app)
        blockers = str(screen.query_one("#blockers", Static).content)
        assert "✗ Apps and bots: must pass its checks before you proceed" in blockers
        assert "✗ 4 Share with Kore: choose where the final record goes (Step 4)" in blockers
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and screen.page == "form"
        assert any((n.title or "").startswith("Review: fix th") for n in notifications(app))
        assert not app.state.confirm.confirmed_at


async def test_reopened_session_offers_manage(make_app, tmp_path):
    from byok_tui.engine import runner
    from byok_tui.sandbox import Sandbox
    from byok_tui.testing.prepare import quiet

    sb = Sandbox.create("default")
    state = await ready(sb, tmp_path, deselect=0)
    state = await runner.apply_plan(confirm_step.STEP, state, sb.connection(), None, quiet)
    state, _ = await runner.run_checks(confirm_step.STEP, state, sb.connection(), None)
    app = make_app(state=state, sandbox=sb, start_step="confirm").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = confirm_screen(app)
        assert screen.page == "result" and screen.query_one("#manage").display
        assert "Proceeded on 2025-01-15 09:31:00+00:00" in str(screen.query_one("#summary").content)
        assert screen.check_action("rotate", ()) and screen.check_action("check_all", ())

        # Re-run every check: every step done in the session, one line each.
        await pilot.press("v")
        await settle(pilot)
        lines = [str(s.content) for s in screen.query(".health-step")]
        assert [h.step_id for h in screen.query(StepHealth)] == [
            "authorize", "vault", "access", "share", "network", "protect", "enterprise_key", "test", "apps", "confirm",
        ]  # fmt: skip
        assert lines[1] == "✓ Key Vault and key: 9 of 9 pass" and all(line.startswith("✓ ") for line in lines)
        assert str(screen.query_one(HealthView).query_one("#health-verdict").content).startswith(
            "✓ Every live check"
        )

        # A broken key shows up there, with its fix.
        sb.world.vault("kv-contoso-byok").keys["kore-byok-cmk"].latest.enabled = False
        await pilot.press("v")
        await settle(pilot)
        failing = [h for h in screen.query(StepHealth) if h.status == "fail"]
        assert failing and any(v.result.remedy for h in failing for v in h.query(CheckView))
        assert app.state.step(failing[0].step_id).checked == "fail"  # the stepper shows it too

        await pilot.press("s")  # change the selection
        await settle(pilot)
        assert type(app.screen).__name__ == "AppsScreen"
        await pilot.press("n")  # apps is recorded: on to Confirm again
        await settle(pilot)
        screen = confirm_screen(app)
        await pilot.press("o")  # rotate: the Enterprise key screen
        await settle(pilot)
        assert app.screen.STEP_ID == "enterprise_key"  # type: ignore[attr-defined]


async def test_record_warns_when_the_selection_changed_after_proceed(make_app, tmp_path):
    from byok_tui.engine import runner
    from byok_tui.sandbox import Sandbox
    from byok_tui.testing.prepare import quiet

    sb = Sandbox.create("default")
    state = await ready(sb, tmp_path, deselect=0)
    state = await runner.apply_plan(confirm_step.STEP, state, sb.connection(), None, quiet)
    state = apps_step.deselect(state, [state.apps.apps[0].id])
    app = make_app(state=state, sandbox=sb, start_step="confirm").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = confirm_screen(app)
        results = {v.result.id: v.result for v in screen.query(CheckView)}
        assert results["confirm.record"].status == "warn"
        assert results["confirm.record"].remedy == "Proceed again to rewrite it."


# --- snapshots ---------------------------------------------------------------------------------------

SNAPSHOT_DIR = "/tmp/byok-tui-tests/confirm-snapshots"
"""A fixed folder: the record's path is on screen."""


def snapshot_app(make_app, proceeded: bool = False):
    import asyncio

    from byok_tui.engine import runner
    from byok_tui.sandbox import Sandbox
    from byok_tui.testing.prepare import quiet

    async def prepare(sb):
        state = await ready(sb, SNAPSHOT_DIR)
        if proceeded:
            state = await runner.apply_plan(confirm_step.STEP, state, sb.connection(), None, quiet)
        return state

    sb = Sandbox.create("default")
    return make_app(state=asyncio.run(prepare(sb)), sandbox=sb, start_step="confirm").app


async def _asked(pilot) -> None:
    await settle(pilot)
    await pilot.press("p")
    await pilot.pause()


async def _proceeded(pilot) -> None:
    await _asked(pilot)
    await pilot.press("y")
    await settle(pilot)


async def _all_checks(pilot) -> None:
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)


@pytest.mark.usefixtures("stable_request_ids")
class TestConfirmSnapshots:
    def test_summary(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=settle)

    def test_proceed_asks(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_asked)

    def test_proceeded(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_proceeded)

    def test_manage_all_checks(self, snap_compare, make_app, size):
        assert snap_compare(
            snapshot_app(make_app, proceeded=True), terminal_size=size, run_before=_all_checks
        )
