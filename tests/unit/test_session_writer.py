"""SessionWriter: the TUI's saves on a background thread, in order, coalesced, durable on request."""

from __future__ import annotations

import dataclasses
import errno
import logging
import threading

import pytest

from byok_tui.connection import Connection
from byok_tui.engine import runner
from byok_tui.engine.model import Change
from byok_tui.engine.step import Step
from byok_tui.session import Session
from byok_tui.session_writer import SessionWriter
from byok_tui.state import WizardState


def state(n: int, session_id: str = "s-1") -> WizardState:
    base = WizardState(session_id=session_id)
    return dataclasses.replace(base, vault=dataclasses.replace(base.vault, key_name=f"k{n}"))


class RecordingSession(Session):
    """A real Session that records what it writes, on which thread, and can be held or made to fail."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.writes: list[tuple[str, str]] = []
        self.threads: set[threading.Thread] = set()
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()
        self.fail_saves = False
        self.fail_journal = False

    def save(self, state: WizardState) -> None:
        self.started.set()
        assert self.hold.wait(10)
        self.threads.add(threading.current_thread())
        if self.fail_saves:
            raise OSError(errno.ENOSPC, "No space left on device")
        super().save(state)
        self.writes.append(("save", state.vault.key_name))

    def append_journal(self, line: bytes) -> None:
        if self.fail_journal:
            raise OSError(errno.EIO, "Input/output error")
        super().append_journal(line)
        self.writes.append(("journal", line.decode()))


@pytest.fixture
def recording(tmp_path):
    return RecordingSession(tmp_path / "session.json")


@pytest.fixture
def writer(recording):
    w = SessionWriter(recording)
    yield w
    w.close(timeout=10)


def actions(writes: list[tuple[str, str]]) -> list[str]:
    return [
        kind if kind == "save" else kind + ":" + value.split('"action": "')[1].split('"')[0]
        for kind, value in writes
    ]


def test_writes_happen_in_order_off_the_calling_thread(recording, writer, tmp_path):
    writer.save(state(1))
    writer.journal(step="vault", action="a", outcome="applied")
    writer.save(state(2))
    writer.journal(step="vault", action="b", outcome="applied")
    writer.flush(timeout=10)
    assert actions(recording.writes) == ["save", "journal:a", "save", "journal:b"]
    assert [v for k, v in recording.writes if k == "save"] == ["k1", "k2"]
    assert threading.current_thread() not in recording.threads and len(recording.threads) == 1
    # A separate reader sees the latest state and the journal in order.
    reader = Session(tmp_path / "session.json")
    assert reader.load() == state(2)
    assert [e["action"] for e in reader.read_journal()] == ["a", "b"]
    assert {e["session"] for e in reader.read_journal()} == {"s-1"}


def test_queued_saves_are_coalesced_to_the_latest(recording, writer):
    recording.hold.clear()
    writer.save(state(1))
    assert recording.started.wait(10)  # the thread is inside save(1): 2..5 wait in the queue
    for n in range(2, 6):
        writer.save(state(n))
    recording.hold.set()
    writer.flush(timeout=10)
    assert recording.writes == [("save", "k1"), ("save", "k5")]
    assert writer.load() == state(5)


def test_a_journal_line_is_not_coalesced_away(recording, writer):
    recording.hold.clear()
    writer.save(state(1))
    assert recording.started.wait(10)
    writer.save(state(2))
    writer.journal(step="vault", action="after-2", outcome="applied")
    writer.save(state(3))
    recording.hold.set()
    writer.flush(timeout=10)
    assert actions(recording.writes) == ["save", "save", "journal:after-2", "save"]
    assert [v for k, v in recording.writes if k == "save"] == ["k1", "k2", "k3"]


def test_journal_refuses_a_secret_at_once_and_queues_nothing(recording, writer):
    with pytest.raises(ValueError, match="client secret"):
        writer.journal(step="x", action="y", outcome="applied", detail="abc8Q~" + "a" * 34)
    writer.flush(timeout=10)
    assert recording.writes == [] and not recording.journal_path.exists()


def test_journal_lines_carry_the_queued_state_session_id(recording, writer):
    writer.save(state(1, session_id="s-new"))
    writer.journal(step="vault", action="a", outcome="applied")
    assert [e["session"] for e in writer.read_journal()] == ["s-new"]


def test_a_failed_save_is_logged_reported_and_raised_by_the_next_flush(recording, writer, caplog):
    reported: list[BaseException] = []
    writer.on_error = reported.append
    recording.fail_saves = True
    with caplog.at_level(logging.ERROR, logger="byok_tui.session_writer"):
        writer.save(state(1))
        with pytest.raises(OSError, match="No space left"):
            writer.flush(timeout=10)
    assert [type(e) for e in reported] == [OSError] and reported[0].errno == errno.ENOSPC
    assert str(recording.path) in caplog.text and "No space left" in caplog.text
    writer.flush(timeout=10)  # raised once, then cleared
    assert not recording.path.exists()


def test_a_later_successful_save_supersedes_a_failed_one(recording, writer):
    recording.fail_saves = True
    writer.save(state(1))
    writer.load()  # waits without raising (the failure is for the next flush)
    recording.fail_saves = False
    writer.save(state(2))
    writer.flush(timeout=10)  # state 2 is on disk: nothing is lost
    assert Session(recording.path).load() == state(2)


def test_a_failed_journal_line_stays_raised_even_if_later_writes_succeed(recording, writer):
    recording.fail_journal = True
    writer.journal(step="vault", action="a", outcome="applied")
    writer.read_journal()
    recording.fail_journal = False
    writer.save(state(2))
    with pytest.raises(OSError, match="Input/output error"):
        writer.flush(timeout=10)


def test_a_broken_error_handler_does_not_stop_the_writes(recording, writer):
    def broken(exc: BaseException) -> None:
        raise RuntimeError("handler bug")

    writer.on_error = broken
    recording.fail_saves = True
    writer.save(state(1))
    with pytest.raises(OSError):
        writer.flush(timeout=10)
    recording.fail_saves = False
    writer.save(state(2))
    writer.flush(timeout=10)
    assert Session(recording.path).load() == state(2)


def test_close_writes_everything_queued_then_writes_synchronously(recording):
    writer = SessionWriter(recording)
    recording.hold.clear()
    writer.save(state(1))
    assert recording.started.wait(10)
    writer.save(state(2))
    writer.journal(step="vault", action="last", outcome="applied")
    threading.Timer(0.2, recording.hold.set).start()
    writer.close(timeout=10)
    assert actions(recording.writes) == ["save", "save", "journal:last"]
    # A save after close (a worker finishing while the App leaves) is written at once, on the caller's thread.
    writer.save(state(3))
    writer.journal(step="vault", action="late", outcome="applied")
    assert actions(recording.writes)[-2:] == ["save", "journal:late"]
    assert threading.current_thread() in recording.threads
    writer.flush(timeout=1)  # nothing queued: returns at once


async def test_durable_waits_for_the_disk_without_blocking_the_loop(recording, writer):
    recording.hold.clear()
    writer.save(state(1))
    assert recording.started.wait(10)
    writer.journal(step="vault", action="a", outcome="applied")
    import asyncio

    waiting = asyncio.ensure_future(writer.durable())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # the loop runs while the write is held
    recording.hold.set()
    await asyncio.wait_for(waiting, 10)
    assert actions(recording.writes) == ["save", "journal:a"]


async def test_the_runner_makes_each_change_durable_before_the_next_starts(recording, writer, tmp_path):
    on_disk_before: list[tuple[str, ...]] = []

    def plan(state):
        return [Change(id=f"x.{n}", title=n, target=f"/t/{n}", az="") for n in ("a", "b", "c")]

    async def apply(state, conn, change, progress):
        saved = Session(tmp_path / "session.json").load()  # what a kill -9 now would leave
        on_disk_before.append(saved.step("vault").applied_changes if saved else ())
        return state

    step = Step(id="vault", title="", purpose="", plan=plan, apply=apply, check=None)
    final = await runner.apply_plan(step, WizardState(session_id="s-1"), Connection(credential=None), writer,
                                    lambda m, f=None: None)  # fmt: skip
    assert on_disk_before == [(), ("x.a",), ("x.a", "x.b")]
    assert Session(tmp_path / "session.json").load() == final
    assert [
        e["action"] for e in Session(tmp_path / "session.json").read_journal() if e["outcome"] == "applied"
    ] == ["x.a", "x.b", "x.c"]


async def test_the_runner_raises_a_failed_save_before_the_next_change(recording, writer):
    ran: list[str] = []

    def plan(state):
        return [Change(id=f"x.{n}", title=n, target=f"/t/{n}", az="") for n in ("a", "b")]

    async def apply(state, conn, change, progress):
        ran.append(change.id)
        return state

    recording.fail_saves = True
    step = Step(id="vault", title="", purpose="", plan=plan, apply=apply, check=None)
    from byok_tui.errors import SessionError

    with pytest.raises(runner.ApplyFailed, match="No space left") as failed:
        await runner.apply_plan(
            step, WizardState(), Connection(credential=None), writer, lambda m, f=None: None
        )
    assert isinstance(failed.value.error, SessionError)
    assert ran == ["x.a"]  # as with a plain Session: no Azure change after a state that is not on disk
