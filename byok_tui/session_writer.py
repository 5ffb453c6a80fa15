"""Saving the session on a background thread, for the TUI.

`Session.save` costs ~100 ms with thousands of apps in the state (JSON, write, two fsyncs): on the
event loop that is a visible stall after every toggle. `SessionWriter` wraps a Session with one
thread and a queue. Writes happen in the order they were asked for (a journal line never lands
before the state it follows), and a save waiting in the queue is replaced by a newer one: states are
immutable and replaced whole, so only the latest needs writing.

Durability stays where it matters: `await writer.durable()` returns once everything asked for so
far is on disk (the runner awaits it after every Azure change, before the next one starts), and
`flush()` / `close()` do the same when the App leaves. A write that fails is logged, handed to
`on_error` (the App shows it) and raised by the next `durable()` / `flush()`: never silently lost.

The headless CLI keeps the plain, synchronous Session.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok_tui.session import Session
from byok_tui.state import WizardState

logger = logging.getLogger(__name__)

ErrorHandler = Callable[[BaseException], None]


@dataclass
class _Op:
    kind: str  # "save" (payload: WizardState), "journal" (bytes), "barrier" (a Future to complete)
    payload: Any
    raises: bool = True  # a barrier: whether its future carries (and clears) the pending failure


class _Worker:
    """The queue and the thread. Holds no reference to the SessionWriter, so a dropped writer is finalized."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.on_error: ErrorHandler | None = None
        self._cond = threading.Condition()
        self._queue: deque[_Op] = deque()
        self._closed = False
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="session-writer", daemon=True)
        self._thread.start()

    def put(self, kind: str, payload: Any) -> bool:
        """Queue a write; False if closed (the caller writes it itself)."""
        with self._cond:
            if self._closed:
                return False
            last = self._queue[-1] if self._queue else None
            if kind == "save" and last is not None and last.kind == "save":
                last.payload = payload  # not started yet: the newer state supersedes it
            else:
                self._queue.append(_Op(kind, payload))
            self._cond.notify()
        return True

    def barrier(self, *, raises: bool = True) -> concurrent.futures.Future[None]:
        """A future done once everything queued before it is written; if `raises`, its exception is the
        first failure since the last such barrier."""
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._cond:
            if self._finished:
                future.set_result(None)
                return future
            self._queue.append(_Op("barrier", future, raises))
            self._cond.notify()
        return future

    def close(self, timeout: float | None = None) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        failure: tuple[str, BaseException] | None = None  # the first failure not yet raised by a barrier
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    self._finished = True
                    return  # closed, and everything is written
                op = self._queue.popleft()
            if op.kind == "barrier":
                if failure is None or not op.raises:
                    op.payload.set_result(None)
                else:
                    op.payload.set_exception(failure[1])
                    failure = None
                continue
            try:
                if op.kind == "save":
                    self.session.save(op.payload)
                else:
                    self.session.append_journal(op.payload)
            except Exception as exc:
                logger.error("writing %s failed: %s", self.session.path, exc, exc_info=exc)
                failure = failure or (op.kind, exc)
                self._report(exc)
            else:
                if op.kind == "save" and failure is not None and failure[0] == "save":
                    failure = None  # a later state is on disk: the failed one is superseded, not lost

    def _report(self, exc: BaseException) -> None:
        handler = self.on_error
        if handler is None:
            return
        try:
            handler(exc)
        except Exception:  # a broken handler must not stop the writes
            logger.exception("reporting a failed session write failed")


class SessionWriter:
    """A Session whose `save` and `journal` return at once; the writes happen in order on one thread.

    Same interface as Session (`save`, `journal`, `load`, `read_journal`, `path`, `journal_path`,
    `session_id`) plus `durable()`, `flush()` and `close()`. `journal` still checks for secrets at
    once (ValueError in the caller) and stamps the line with the time of the call.
    """

    def __init__(self, session: Session, *, on_error: ErrorHandler | None = None) -> None:
        self.session = session
        self._worker = _Worker(session)
        self._worker.on_error = on_error
        self._session_id: str | None = None
        # Pending writes still reach the disk if the program ends without close() (e.g. an exception).
        self._finalizer = weakref.finalize(self, self._worker.close)

    def __repr__(self) -> str:
        return f"SessionWriter({str(self.session.path)!r})"

    @property
    def on_error(self) -> ErrorHandler | None:
        """Called on the writer's thread with the exception of each failed write (after it is logged)."""
        return self._worker.on_error

    @on_error.setter
    def on_error(self, handler: ErrorHandler | None) -> None:
        self._worker.on_error = handler

    @property
    def path(self) -> Path:
        return self.session.path

    @property
    def journal_path(self) -> Path:
        return self.session.journal_path

    @property
    def session_id(self) -> str:
        """The id of the state last queued here, else the Session's."""
        return self._session_id if self._session_id is not None else self.session.session_id

    def save(self, state: WizardState) -> None:
        """Queue `state` to replace the session file (a queued, unwritten older state is dropped)."""
        self._session_id = state.session_id
        if not self._worker.put("save", state):
            self.session.save(state)  # closed (the App is leaving): the change is still saved, at once

    def journal(
        self,
        *,
        step: str,
        action: str,
        target: str = "",
        outcome: str,
        request_id: str = "",
        detail: str = "",
    ) -> None:
        """Queue one audit line after everything queued so far (ValueError now if a value looks like a secret)."""
        line = self.session.journal_line(
            step=step, action=action, target=target, outcome=outcome, request_id=request_id, detail=detail,
            session_id=self.session_id,
        )  # fmt: skip
        if not self._worker.put("journal", line):
            self.session.append_journal(line)

    async def durable(self) -> None:
        """Wait, without blocking the loop, until everything queued so far is on disk.

        Raises the first write failure since the last wait (a failed save that a later successful save
        superseded does not count: the newer state is on disk).
        """
        await asyncio.wrap_future(self._worker.barrier())

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued so far is on disk; raises like `durable()` (TimeoutError on timeout)."""
        self._worker.barrier().result(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued, then stop the thread. Later saves and journal lines are written at once."""
        self._finalizer.detach()
        self._worker.close(timeout)

    def load(self) -> WizardState | None:
        """The saved state, once everything queued is written (see Session.load)."""
        # A failed write was reported already, and stays for the next durable(): reading shows what is there.
        self._worker.barrier(raises=False).result()
        return self.session.load()

    def read_journal(self) -> list[dict[str, Any]]:
        """Every journal entry, once everything queued is written (see Session.read_journal)."""
        self._worker.barrier(raises=False).result()
        return self.session.read_journal()
