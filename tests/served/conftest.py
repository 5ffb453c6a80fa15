"""`byok-tui sandbox serve` as a user starts it (see `byok_tui.testing.served`).

Every test here talks to the sandbox over real sockets, through the HTTPS proxy and the CA it prints, with
the live code path (no --sandbox-state anywhere): what passes here is what a customer's jump host runs.
So the commands here stay real processes (`Served.cli`, `Served.popen`), not `byok_tui.testing.cli.run`: the
environment the exports make (HTTPS_PROXY, the CA bundle variables, the stand-in `az` on PATH) is read by
azure-identity, MSAL, aiohttp and httpx as a new process reads it, and the served sandbox is a process too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_tui.testing.served import Served, clean_env, parse_exports, start_served  # noqa: F401


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A served default world: new role assignments reach the data plane at once, so a run needs no wait."""
    running = start_served(tmp_path, "--faults", "rbac-delay=0")
    try:
        yield running
    finally:
        running.stop()
