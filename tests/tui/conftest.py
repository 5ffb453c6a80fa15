"""Apps for Pilot and snapshot tests: the shipped factory (`build_app`) on a fresh sandbox world.

Everything that could differ between runs is fixed: the clock shown in the progress log, the cursor
blink, and the latencies of checks (hidden). Sandbox ids are seeded, so names and ids repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from byok_tui.app import ByokApp, build_app
from byok_tui.sandbox import Sandbox
from byok_tui.state import SigninState, WizardState

FROZEN = datetime(2025, 1, 15, 9, 30, 0, tzinfo=UTC)


@dataclass
class Harness:
    app: ByokApp
    sandbox: Sandbox


def signin_for(sb: Sandbox) -> SigninState:
    return SigninState(
        method="sandbox", tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
        operator_object_id=sb.operator_object_id,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes snapshots flaky: pin it on."""
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture
def make_app() -> Callable[..., Harness]:
    """`make_app(scenario="default", state=None, sandbox=None)` -> Harness(app, sandbox)."""

    def make(
        scenario: str = "default", state: WizardState | None = None, sandbox: Sandbox | None = None, **kwargs
    ) -> Harness:
        sb = sandbox or Sandbox.create(scenario)
        kwargs.setdefault("profile", sb.profile())  # Kore's app of this world, as `byok-tui demo` passes it
        app = build_app(sb.connection(), None, state, clock=lambda: FROZEN, **kwargs)
        app.show_timings = False
        return Harness(app, sb)

    return make


@pytest.fixture(params=[(80, 24), (120, 40)], ids=["80x24", "120x40"])
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param


async def settle(pilot: Pilot) -> None:
    """Wait until every worker (look-ups, debounce, apply, checks) is done and the screen redrew."""
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if all(w.is_finished for w in pilot.app.workers):  # a worker made but not started yet counts too
            break
    await pilot.pause()
    await flushed(pilot.app)


async def flushed(app: ByokApp) -> None:
    """Wait until the session's background writer (see byok_tui.session_writer) has written everything."""
    durable = getattr(app.session, "durable", None)
    if durable is not None:
        await durable()


@pytest.fixture
def stable_request_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sandbox reply carries one fixed x-ms-request-id.

    The sandbox numbers its request ids, so they repeat run to run only if the same requests are made;
    the debounced name check makes that depend on typing speed. Snapshots need the same text every run.
    """
    from byok_tui.sandbox.world import World

    monkeypatch.setattr(World, "new_request_id", lambda self: "00000000-0000-4000-8000-000000000000")
