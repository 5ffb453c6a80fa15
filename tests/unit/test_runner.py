"""The runner saves and journals after every change, and a failure leaves a resumable state."""

from __future__ import annotations

import dataclasses

import pytest

from byok_tui.connection import Connection
from byok_tui.engine import runner
from byok_tui.engine.model import Change, CheckResult
from byok_tui.engine.step import Step
from byok_tui.errors import AzureError
from byok_tui.state import WizardState


class RecordingSession:
    def __init__(self) -> None:
        self.saved: list[WizardState] = []
        self.lines: list[dict] = []

    def save(self, state: WizardState) -> None:
        self.saved.append(state)

    def journal(self, **line) -> None:
        self.lines.append(line)


def fake_step(fail_on: str | None = None, results=None):
    """A step whose apply records each change id in vault.key_name, to see what ran."""
    applied: list[str] = []

    def plan(state):
        return [
            Change(id=f"x.{n}", title=f"change {n}", target=f"/t/{n}", az=f"az {n}") for n in ("a", "b", "c")
        ]

    async def apply(state, conn, change, progress):
        if change.id == fail_on:
            raise AzureError("Could not do it", code="Boom", request_id="req-42")
        applied.append(change.id)
        progress("half", 0.5)
        return dataclasses.replace(state, vault=dataclasses.replace(state.vault, key_name=change.id))

    async def check(state, conn, now):
        return results or [CheckResult("c1", "fine", "pass")]

    return Step(id="vault", title="Fake", purpose="", plan=plan, apply=apply, check=check), applied


CONN = Connection(credential=None)


async def test_saves_and_journals_after_each_change():
    step, applied = fake_step()
    session = RecordingSession()
    fractions = []
    state = await runner.apply_plan(step, WizardState(), CONN, session, lambda m, f=None: fractions.append(f))
    assert applied == ["x.a", "x.b", "x.c"]
    assert [s.vault.key_name for s in session.saved[:3]] == ["x.a", "x.b", "x.c"]
    assert [s.step("vault").applied_changes for s in session.saved[:3]] == [
        ("x.a",), ("x.a", "x.b"), ("x.a", "x.b", "x.c")
    ]  # fmt: skip
    # Each change is journalled as started (on disk before it begins), then as applied.
    assert [(line["action"], line["outcome"]) for line in session.lines] == [
        ("x.a", "started"), ("x.a", "applied"), ("x.b", "started"), ("x.b", "applied"),
        ("x.c", "started"), ("x.c", "applied"),
    ]  # fmt: skip
    assert state.step("vault").applied
    # Progress is scaled onto the whole plan and ends at 1.
    known = [f for f in fractions if f is not None]
    assert known == sorted(known) and known[-1] == 1.0


async def test_failure_carries_the_last_saved_state_and_is_journaled():
    step, applied = fake_step(fail_on="x.b")
    session = RecordingSession()
    with pytest.raises(runner.ApplyFailed) as info:
        await runner.apply_plan(step, WizardState(), CONN, session, lambda m, f=None: None)
    assert applied == ["x.a"]
    assert isinstance(info.value.error, AzureError) and info.value.error.code == "Boom"
    # It reads as the Azure error does, for a caller that only reports it (the CLI's exit code too).
    assert (info.value.title, info.value.request_id, info.value.exit_code) == ("Could not do it", "req-42", 3)
    assert info.value.state.step("vault").applied_changes == ("x.a",)
    assert not info.value.state.step("vault").applied
    assert session.lines[-1] == {
        "step": "vault", "action": "x.b", "target": "/t/b", "outcome": "failed", "request_id": "req-42",
        "detail": "Could not do it",
    }  # fmt: skip


async def test_checks_record_the_worst_status():
    step, _ = fake_step(results=[CheckResult("a", "a", "pass"), CheckResult("b", "b", "warn")])
    session = RecordingSession()
    state, results = await runner.run_checks(step, WizardState(), CONN, session)
    assert state.step("vault").checked == "warn"
    assert session.saved[-1] == state
    assert session.lines[-1]["outcome"] == "warn"


async def test_a_change_that_cannot_be_recorded_is_not_started():
    """Disk full (or a read-only folder): the journal line for the change fails, so the change never runs,
    and the error says the previous save is intact."""
    import errno

    from byok_tui.errors import SessionError

    step, applied = fake_step()

    class FullDisk(RecordingSession):
        path = "/full/session.json"

        def journal(self, **line) -> None:
            if line["outcome"] == "started" and line["action"] == "x.b":
                raise OSError(errno.ENOSPC, "No space left on device")
            super().journal(**line)

    with pytest.raises(runner.ApplyFailed) as info:
        await runner.apply_plan(step, WizardState(), CONN, FullDisk(), lambda m, f=None: None)
    assert applied == ["x.a"]
    assert isinstance(info.value.error, SessionError) and info.value.state.step("vault").applied_changes == (
        "x.a",
    )
    assert info.value.exit_code == 2
    assert (
        "Could not save the session to /full/session.json: No space left on device (ENOSPC)"
        in info.value.title
    )
    assert (
        "previous save is intact" in info.value.detail and "“change b” was not started" in info.value.detail
    )


async def test_an_interrupted_change_is_journalled_as_started_then_interrupted():
    import asyncio

    started = asyncio.Event()

    async def apply(state, conn, change, progress):
        started.set()
        await asyncio.Event().wait()  # a change Azure never finishes: cancelled below

    step = dataclasses.replace(fake_step()[0], apply=apply)
    session = RecordingSession()
    task = asyncio.ensure_future(
        runner.apply_plan(step, WizardState(), CONN, session, lambda m, f=None: None)
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [(line["action"], line["outcome"]) for line in session.lines] == [
        ("x.a", "started"),
        ("x.a", "interrupted"),
    ]
