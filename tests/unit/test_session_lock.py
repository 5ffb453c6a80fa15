"""A refusal names who holds the session, even when it asks in the moment the holder is taking it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from byok_tui import session_lock
from byok_tui.session_lock import SessionBusy, SessionLock


@pytest.fixture
def held(tmp_path: Path):
    """The session's lock, held as another process would hold it (another open file)."""
    lock = SessionLock(tmp_path / "session.json")
    other = FileLock(lock.lock_path, timeout=0, thread_local=False)
    other.acquire()
    yield lock
    other.release()


def _write_later(path: Path, info: dict, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, lambda: path.write_text(json.dumps(info) + "\n", encoding="utf-8"))
    timer.start()
    return timer


def _refusal(lock: SessionLock) -> str:
    with pytest.raises(SessionBusy) as caught:
        lock.acquire()
    return str(caught.value)


def test_a_refusal_waits_for_the_holder_to_say_who_it_is(held: SessionLock) -> None:
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": "byok-tui run"}
    _write_later(held.info_path, me, 0.1)  # the holder has the lock, and writes its name just after
    assert f"is in use by pid {os.getpid()}" in _refusal(held)


def test_a_dead_holders_sidecar_is_not_named(held: SessionLock) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    held.info_path.write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}), encoding="utf-8")
    _write_later(held.info_path, {"pid": os.getpid(), "host": socket.gethostname()}, 0.1)
    refusal = _refusal(held)
    assert f"pid {os.getpid()}" in refusal and f"pid {gone.pid} " not in refusal


def test_a_holder_that_never_says_is_called_so(held: SessionLock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_lock, "HOLDER_POLL_S", 0.001)
    assert "in use by another byok-tui (it has not said who yet)" in _refusal(held)
