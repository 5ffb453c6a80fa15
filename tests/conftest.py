"""Suite-wide set-up: nothing a test runs writes to the real home directory, and parallel workers share no file."""

from __future__ import annotations

import os
import tempfile

MADE = "BYOK_TUI_TEST_LOG_MADE"
"""Set when the log path below is the suite's own throw-away one (not a developer's BYOK_TUI_LOG)."""


def pytest_configure(config) -> None:
    # Every command logs by default to the user's log directory; tests (and the CLI subprocesses they
    # start, which inherit the environment) log to a throw-away directory instead. Tests of the default
    # location clear this variable themselves. Under pytest-xdist each worker inherits the controller's
    # environment: it makes a directory of its own, so no two processes rotate the same log file.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if "BYOK_TUI_LOG" in os.environ and not (worker and os.environ.get(MADE)):
        return
    folder = tempfile.mkdtemp(prefix=f"byok-tui-test-log-{worker + '-' if worker else ''}")
    os.environ["BYOK_TUI_LOG"] = os.path.join(folder, "byok-tui.log")
    os.environ[MADE] = "1"
