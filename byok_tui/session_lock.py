"""One wizard per session at a time.

A process that will change a session (the TUI, `run`, `recover`) holds an OS lock on `<session>.lock`
(filelock: flock on POSIX, LockFileEx on Windows) for as long as it runs. The kernel releases that lock
when the holder ends in any way, kill -9 and a closed SSH connection included, so a dead holder never
blocks anyone: the next process simply gets the lock. Who holds it (pid, host, command, since when) is
written to a sidecar, `<session>.lock.info` (0600), only so that a refusal can say so; it is advice for
people, never what decides. Read-only commands (`verify`, `export`) take no lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from byok_tui.errors import SessionError

HOLDER_POLLS = 50
HOLDER_POLL_S = 0.02
"""A refusal waits at most HOLDER_POLLS x HOLDER_POLL_S (1 s) for the holder to say who it is."""


class SessionBusy(SessionError):
    """Another byok-tui holds the session. Exit 2."""


class SessionLock:
    def __init__(self, session_path: str | os.PathLike[str], command: str = "") -> None:
        path = Path(session_path).expanduser()
        self.session_path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.info_path = path.with_name(path.name + ".lock.info")
        self.command = command
        self.previous: dict[str, Any] | None = None
        """The sidecar of a holder that ended without releasing (kill -9, a dropped connection), when taken over."""
        self._lock: Any = None

    def __enter__(self) -> SessionLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._lock is not None and self._lock.is_locked

    def acquire(self) -> SessionLock:
        """Take the lock now, or raise SessionBusy naming the holder. Never waits."""
        from filelock import FileLock, Timeout

        from byok_tui.session import _make_private_dirs

        lock = FileLock(self.lock_path, timeout=0, mode=0o600, thread_local=False)
        try:
            _make_private_dirs(self.lock_path.parent)
            lock.acquire(timeout=0)
        except Timeout:
            raise self.busy(self._holder()) from None
        except OSError as exc:  # a read-only folder, a full disk: nothing is changed, say so
            from byok_tui.errors import session_save_error

            raise session_save_error(exc, self.session_path, before="the wizard") from exc
        self._lock = lock
        stale = read_info(self.info_path)
        if stale and not (stale.get("pid") == os.getpid() and stale.get("host") == socket.gethostname()):
            self.previous = stale
        self._write_info()
        return self

    def release(self) -> None:
        if self._lock is None:
            return
        with contextlib.suppress(OSError):
            if read_info(self.info_path).get("pid") == os.getpid():
                self.info_path.unlink()
        self._lock.release()
        self._lock = None

    def _holder(self) -> dict[str, Any]:
        """The holder's sidecar. A holder writes it just after it takes the lock, and a holder killed before it
        released leaves its own behind: two runs started together met in that gap, and the refusal could not
        say who (or named the dead one). Wait a moment for a sidecar that names a live process."""
        info: dict[str, Any] = {}
        for _ in range(HOLDER_POLLS):
            info = read_info(self.info_path)
            if info and _could_be_alive(info):
                return info
            time.sleep(HOLDER_POLL_S)
        return info if info and _could_be_alive(info) else {}

    def busy(self, info: dict[str, Any]) -> SessionBusy:
        who = describe(info) if info else "another byok-tui (it has not said who yet)"
        return SessionBusy(
            f"{self.session_path} is in use by {who}",
            detail="Two wizards on one session would both change Azure and overwrite each other's record, "
            "so only one may hold it at a time.",
            remedy="Finish or quit the other one (ctrl+q in the wizard), then run this again. If it is already "
            "gone, its lock is gone too: just run this again. `byok-tui verify` and `byok-tui export` work "
            "meanwhile; to work in parallel, use another --session file.",
        )

    def _write_info(self) -> None:
        from byok_tui import clock

        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command or _command(),
                "since": clock.now().isoformat(timespec="seconds")}  # fmt: skip
        tmp = self.info_path.with_name(f".{self.info_path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(info) + "\n")
            os.replace(tmp, self.info_path)
        except OSError:  # a full disk or read-only folder: the lock holds anyway, only the names go unsaid
            with contextlib.suppress(OSError):
                tmp.unlink()
            with contextlib.suppress(OSError):
                self.info_path.unlink()


def _could_be_alive(info: dict[str, Any]) -> bool:
    """False only for a sidecar written on this host by a process that is gone."""
    pid = info.get("pid")
    if info.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, someone else's (EPERM), or no way to tell: assume so
        return True
    return True


def read_info(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def describe(info: dict[str, Any]) -> str:
    """'pid 4242 on jump01 (byok-tui run), since 2026-12-07 09:14 UTC'."""
    parts = [f"pid {info.get('pid', '?')} on {info.get('host', '?')}"]
    if info.get("command"):
        parts[0] += f" ({info['command']})"
    since = str(info.get("since", ""))
    with contextlib.suppress(ValueError):
        parts.append(
            "since " + dt.datetime.fromisoformat(since).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        )
    return ", ".join(parts)


def _command() -> str:
    args = [a for a in sys.argv[1:2] if not a.startswith("-")]
    return "byok-tui" + (f" {args[0]}" if args else "")
