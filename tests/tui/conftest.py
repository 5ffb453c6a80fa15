"""Fixtures for Pilot and snapshot tests; the support itself is in `byok_tui.testing` (shared with bench/, tools/).

Everything that could differ between runs is fixed: the clock shown in the progress log, the cursor
blink, and the latencies of checks (hidden). Sandbox ids are seeded, so names and ids repeat.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Input

from byok_tui.app import ByokApp
from byok_tui.testing import notes
from byok_tui.testing.harness import FROZEN, REQUEST_ID, Harness, signin_for  # noqa: F401
from byok_tui.testing.harness import make_app as _make_app
from byok_tui.testing.pilot import flushed, settle  # noqa: F401  (still imported from here by branches in flight)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes snapshots flaky: pin it on."""
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture(autouse=True)
def recorded_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every App a test builds (through `make_app` or `build_app`) records its notifications (`notes`)."""
    built = ByokApp.__init__

    def init(self, *args, **kwargs) -> None:
        built(self, *args, **kwargs)
        notes.record(self)

    monkeypatch.setattr(ByokApp, "__init__", init)


@pytest.fixture
def make_app() -> Callable[..., Harness]:
    """`make_app(scenario="default", state=None, sandbox=None, **build_app kwargs)` -> Harness(app, sandbox).

    Its notifications are recorded: read them with `byok_tui.testing.notes.notifications(app)`."""
    return _make_app


@pytest.fixture(params=[(80, 24), (120, 40)], ids=["80x24", "120x40"])
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param


@pytest.fixture
def stable_request_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sandbox reply carries one fixed x-ms-request-id.

    The sandbox numbers its request ids, so they repeat run to run only if the same requests are made;
    the debounced name check makes that depend on typing speed. Snapshots need the same text every run.
    """
    from byok_tui.sandbox.world import World

    monkeypatch.setattr(World, "new_request_id", lambda self: REQUEST_ID)
