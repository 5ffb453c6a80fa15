"""`byok-tui ARGS` in this process: the same `main(argv)` the entry point calls, with what a subprocess would
have of its own (stdin, stdout, stderr, the environment, the working directory) swapped in for the call and
every process-wide thing `main` touches put back afterwards.

Why: a new interpreter costs 1.5-2 s of a core before the command starts (Python, then azure-core, the
management clients, msgraph and cryptography), and the suite ran about 70 of them per run. Most tests check
what a command does (exit code, its report, its messages, the world it leaves), not the process it runs in.

What still needs a real process (`subprocess_run`, or Popen in the test) and stays one:
- the entry point itself (`python -m byok_tui`), once per command family;
- signals, kill and resume, a reader closing the pipe (`run | head`), two processes and one session lock;
- the served sandbox, which is its own process on a real socket;
- a TUI command (`demo`, the live wizard): it owns the terminal and the garbage collector.

`run` returns a `subprocess.CompletedProcess`, so a test reads its result the same way either way. An
unexpected exception ends like the interpreter would end: its traceback on stderr, exit code 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping

ENTRY_POINT = (sys.executable, "-m", "byok_tui")
"""The command a user runs; `subprocess_run` and the tests that need a real process start it."""

_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s)


def run(*args: str, input: str | None = None, env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    """`byok-tui ARGS` in-process. `input` is stdin (empty when None: never the test runner's own stdin);
    `env`, when given, is the whole environment, as `subprocess.run(env=...)` takes it.

    Call it from a plain (not async) test: a headless command runs its own event loop (`asyncio.run`)."""
    from byok_tui.cli import main

    stdin = _stream(input or "")
    stdout, stderr = _stream(), _stream()
    with _restored_process_state(env, cwd):
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        try:
            code = main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if e.code is not None and not isinstance(e.code, int):
                print(e.code, file=sys.stderr)
        except Exception:
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(
        [*ENTRY_POINT, *args], code, _text(stdout), _text(stderr)
    )  # fmt: skip


def subprocess_run(*args: str, input: str | None = None, env: Mapping[str, str] | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess:  # fmt: skip
    """`byok-tui ARGS` as a user starts it: a new interpreter, through `python -m byok_tui`."""
    return subprocess.run([*ENTRY_POINT, *args], capture_output=True, text=True, input=input,
                          env=dict(env) if env is not None else None, timeout=timeout)  # fmt: skip


def _stream(text: str = "") -> io.TextIOWrapper:
    # A real text stream over bytes, like a pipe's: UTF-8, not a tty, with an `encoding` (StringIO has none).
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline=None, write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer.getvalue()  # type: ignore[attr-defined]
    # As subprocess.run(text=True) reads a pipe: universal newlines.
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def _restored_process_state(env: Mapping[str, str] | None, cwd: str | os.PathLike | None) -> Iterator[None]:
    """Everything process-wide `main` sets, as it was before: the standard streams, the environment, the
    working directory, the signal handlers (a headless run installs SIGTERM/SIGHUP ones), the asyncio
    policy, and logging (`main` configures the root logger, levels, captureWarnings, raiseExceptions)."""
    from byok_tui import logs

    streams = (sys.stdin, sys.stdout, sys.stderr)
    environ = dict(os.environ)
    where = os.getcwd()
    handlers = {s: signal.getsignal(s) for s in _SIGNALS}
    policy = asyncio.get_event_loop_policy()
    loggers = [logging.getLogger(n) for n in ("", "byok_tui", logs.REQUESTS_LOGGER, *logs.QUIET)]
    saved_logging = [(lg, list(lg.handlers), lg.level) for lg in loggers]
    raise_exceptions = logging.raiseExceptions
    show_warning = warnings.showwarning
    capturing = getattr(logging, "_warnings_showwarning", None) is not None
    current, deferred = logs._current, logs._deferred
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        if dict(os.environ) != environ:
            os.environ.clear()
            os.environ.update(environ)
        os.chdir(where)
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
        asyncio.set_event_loop_policy(policy)
        for lg, kept, level in saved_logging:
            for handler in [h for h in lg.handlers if h not in kept]:
                lg.removeHandler(handler)
                handler.close()
            lg.setLevel(level)
        logging.raiseExceptions = raise_exceptions
        if not capturing:
            logging.captureWarnings(False)
        warnings.showwarning = show_warning
        logs._current, logs._deferred = current, deferred
