"""A signal stops a headless command even when its cancellation is lost on the way.

Each case runs in a new interpreter: asyncio.run only takes over Ctrl-C in a main thread whose SIGINT handler
is Python's default, and a signal sent to the test process would reach pytest too."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import asyncio, os, signal, sys
from byok_tui import headless
from byok_tui.errors import Terminated

sig = getattr(signal, sys.argv[1])

async def swallowing():
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), sig)
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        pass  # lost on the way, as a library might lose it
    return 0

try:
    print("returned", headless.run_async(swallowing()))
except Terminated as exc:
    print("terminated", exc.signum)
except KeyboardInterrupt:
    print("keyboard interrupt")
"""


@pytest.mark.parametrize(
    ("sig", "expected"),
    [("SIGTERM", "terminated 15"), ("SIGHUP", "terminated 1"), ("SIGINT", "keyboard interrupt")],
)
def test_a_signal_whose_cancellation_was_swallowed_still_stops_the_command(sig: str, expected: str) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, sig], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == expected, out.stderr
