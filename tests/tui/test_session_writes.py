"""The TUI saves the session off the UI thread (issue #7), durably before it leaves, and shows a failed save."""

from __future__ import annotations

import errno
import threading

from byok_tui.app import build_app
from byok_tui.session import Session
from byok_tui.session_writer import SessionWriter
from byok_tui.testing.harness import FROZEN
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import flushed, focus, settle
from byok_tui.testing.prepare import done_through


async def validation_app(tmp_path):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    session = Session(tmp_path / "session.json")
    app = build_app(sb.connection(), session, await done_through(sb, "apps"), start_step="validate",
                    clock=lambda: FROZEN, profile=sb.profile())  # fmt: skip
    return app, session


async def test_saves_run_off_the_ui_thread_and_reach_the_disk(tmp_path, monkeypatch):
    app, session = await validation_app(tmp_path)
    assert isinstance(app.session, SessionWriter)
    threads: list[threading.Thread] = []
    real_save = Session.save

    def recording_save(self, state):
        threads.append(threading.current_thread())
        real_save(self, state)

    monkeypatch.setattr(Session, "save", recording_save)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ui_thread = threading.current_thread()
        threads.clear()
        await focus(pilot, "tick-analytics")
        await pilot.press("space")
        await flushed(app)
        assert threads and all(t is not ui_thread for t in threads)
        assert session.load().validation.ticked == ("analytics",)
        await focus(pilot, "tick-basic-auth")
        await pilot.press("space")
    # Leaving the App writes what was still queued.
    assert session.load().validation.ticked == ("analytics", "basic-auth")
    assert all(t is not ui_thread for t in threads)


async def test_a_failed_save_is_shown_with_the_path_and_the_os_error(tmp_path, monkeypatch):
    app, session = await validation_app(tmp_path)

    def full_disk(self, state):
        raise OSError(errno.ENOSPC, "No space left on device")

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Session, "save", full_disk)
        await focus(pilot, "tick-analytics")
        await pilot.press("space")
        app.session.load()  # waits for the write without taking the failure
        await pilot.pause()
        await pilot.pause()
        notes = [(n.title, n.message, n.severity) for n in notifications(app)]
        assert (
            "Session not saved",
            f"Could not save the session to {session.path}: No space left on device. The previous save is "
            "intact; the wizard keeps the state in memory and starts no change it cannot record.",
            "error",
        ) in notes
        assert app.state.validation.ticked == ("analytics",)  # the change itself stands
