"""The TUI on a session file it cannot use (issue 16): a page that names the file, the problem and the way
on; recovery that keeps the damaged file and resumes; SIGTERM and SIGHUP that leave a whole session."""

from __future__ import annotations

import dataclasses
import json
import signal

import pytest
from textual.widgets import Static

from byok_tui.app import build_app
from byok_tui.cli import _tui_session
from byok_tui.sandbox import Sandbox
from byok_tui.screens.session_problem import SessionProblemScreen
from byok_tui.session import Session
from byok_tui.testing.harness import FROZEN
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through


async def damaged_session(
    tmp_path, damage: bytes = b'{"schema_version": 2, "session_id": "s-1', saves: int = 2
):
    """A session that reached Step 2 (saved `saves` times, so a good backup exists), then cut short."""
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    session = Session(tmp_path / "session.json")
    for _ in range(saves):
        session.save(state)
    session.path.write_bytes(damage)
    return sb, state, session


def app_for(sb, session_path):
    session, state, problem, lock = _tui_session(str(session_path))
    app = build_app(sb.connection(), session, state, clock=lambda: FROZEN, profile=sb.profile(),
                    session_problem=problem)  # fmt: skip
    app.show_timings = False
    return app, lock


def page_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_a_damaged_session_opens_on_a_page_that_names_it_and_recovery_resumes(tmp_path):
    sb, good, session = await damaged_session(tmp_path)
    damage = session.path.read_bytes()
    app, lock = app_for(sb, session.path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, SessionProblemScreen)
            text = page_text(app)
            assert str(session.path) in text and "cut short" in text
            assert "session.json.bak" in text and "Recover" in text
            await pilot.press("r")
            await settle(pilot)
            assert not isinstance(app.screen, SessionProblemScreen)
            assert getattr(app.screen, "STEP_ID", "") == good.resume_point()
            assert app.state.vault.key_id == good.vault.key_id
    finally:
        lock.release()
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == damage
    assert Session(session.path).load().session_id == good.session_id


async def test_quitting_the_page_exits_2_and_changes_nothing(tmp_path):
    sb, _good, session = await damaged_session(tmp_path)
    before = sorted(
        (p.name, p.read_bytes()) for p in tmp_path.iterdir() if not p.name.endswith((".lock", ".info"))
    )
    app, lock = app_for(sb, session.path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("q")
    finally:
        lock.release()
    assert app.return_code == 2
    after = sorted(
        (p.name, p.read_bytes()) for p in tmp_path.iterdir() if not p.name.endswith((".lock", ".info"))
    )
    assert after == before


async def test_a_session_from_a_newer_byok_tui_is_only_explained(tmp_path):
    newer = json.dumps({"schema_version": 99, "written_by": "byok-tui 9.9"}).encode()
    sb, _good, session = await damaged_session(tmp_path, newer)
    app, lock = app_for(sb, session.path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            text = page_text(app)
            assert "byok-tui 9.9" in text and "upgrade" in text
            assert not app.screen.query("#recover")
            await pilot.press("r")  # not offered: nothing happens
            await settle(pilot)
            assert isinstance(app.screen, SessionProblemScreen)
            await pilot.press("q")
    finally:
        lock.release()
    assert session.path.read_bytes() == newer


def test_the_page_at_80x24(snap_compare, tmp_path):
    import asyncio

    from byok_tui import clock

    with clock.frozen(FROZEN):  # the backup's time is shown
        sb, _good, session = asyncio.run(damaged_session(tmp_path))
    # The same text on every machine: a fixed path in the message.
    app, lock = app_for(sb, session.path)
    problem = app.session_problem
    import dataclasses
    from pathlib import Path

    app.session_problem = dataclasses.replace(
        problem, path=Path("/home/ops/.local/state/byok-tui/session.json")
    )
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
    finally:
        lock.release()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
async def test_a_signal_mid_apply_ends_the_tui_with_a_whole_session_and_the_change_journalled(tmp_path, sig):
    """The App handles SIGTERM and SIGHUP itself. (A fallback handler stands by so that, without the App's,
    the signal fails this test instead of killing the test run.)"""
    import asyncio
    import os

    from byok_tui.engine import vault as vault_step

    sb = Sandbox.create("default")
    session = Session(tmp_path / "session.json")
    session.save(await done_through(sb, "authorize"))
    started = asyncio.Event()
    real_apply = vault_step.apply

    async def slow_apply(state, conn, change, progress):
        started.set()
        await asyncio.Event().wait()  # Azure takes its time: the signal arrives mid-change
        return await real_apply(state, conn, change, progress)

    unhandled: list[int] = []
    previous = signal.signal(sig, lambda s, f: unhandled.append(s))
    app, lock = app_for(sb, session.path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            changes = vault_step.plan(app.state)
            app.start_apply(dataclasses.replace(vault_step.STEP, apply=slow_apply), changes, app.screen)
            await started.wait()
            os.kill(os.getpid(), sig)
            while app.return_code is None:  # the App's handler asks it to leave
                await pilot.pause()
    finally:
        lock.release()
        signal.signal(sig, previous)
    assert not unhandled
    assert app.return_code == 128 + sig
    Session(session.path).load()  # whole
    lines = [(e["action"], e["outcome"]) for e in Session(session.path).read_journal()]
    first = changes[0].id
    assert lines[-2:] == [(first, "started"), (first, "interrupted")]
