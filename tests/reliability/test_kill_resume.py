"""kill -9 at any moment, then `run` again: the same world as an uninterrupted run, nothing made twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.reliability.conftest import fingerprint
from tests.reliability.test_faults import clean_world  # noqa: F401  (fixture)

# Slow every service a little so the run is long enough to be cut at many different places.
SLOW = "latency=40ms"
KILL_AFTER = (0.8, 1.4, 2.0, 2.6, 3.2, 3.8, 4.6, 5.6)


@pytest.mark.parametrize("after", KILL_AFTER)
def test_killed_run_resumes_to_the_same_world(flow, clean_world, after):  # noqa: F811
    args = [sys.executable, "-m", "byok_tui", "run", "--answers", str(flow.tmp / "answers.toml"),
            "--sandbox-state", str(flow.world), "--session", str(flow.tmp / "session.json"), "--yes",
            "--faults", SLOW]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    session = flow.tmp / "session.json"
    if session.exists():
        json.loads(session.read_text())  # always whole JSON, never half written
    json.loads(flow.world.read_text())
    leftovers = [p.name for p in flow.tmp.iterdir() if p.name.endswith(".tmp")]
    assert flow() == 0, leftovers
    assert fingerprint(flow.world) == clean_world
