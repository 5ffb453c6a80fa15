"""Suite-wide set-up: nothing a test runs writes to the real home directory."""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config) -> None:
    # Every command logs by default to the user's log directory; tests (and the CLI subprocesses they
    # start, which inherit the environment) log to a throw-away directory instead. Tests of the default
    # location clear this variable themselves.
    os.environ.setdefault("BYOK_TUI_LOG", os.path.join(tempfile.mkdtemp(prefix="byok-tui-test-log-"), "byok-tui.log"))
