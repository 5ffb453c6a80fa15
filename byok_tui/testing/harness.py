"""The shipped App (`build_app`) on a fresh sandbox world, with everything that varies between runs pinned.

The clock shown in the progress log is frozen, latencies of checks are hidden, and sandbox ids are
seeded, so names and ids repeat run to run. Its notifications are recorded (see `notes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from byok_tui.app import ByokApp, build_app
from byok_tui.sandbox import Sandbox
from byok_tui.state import SigninState, WizardState
from byok_tui.testing import notes

FROZEN = datetime(2025, 1, 15, 9, 30, 0, tzinfo=UTC)
REQUEST_ID = "00000000-0000-4000-8000-000000000000"
"""The one x-ms-request-id every sandbox reply carries under `fixed_request_ids` (snapshots show it)."""


@dataclass
class Harness:
    app: ByokApp
    sandbox: Sandbox


def make_app(
    scenario: str = "default", state: WizardState | None = None, sandbox: Sandbox | None = None, **kwargs
) -> Harness:
    """`make_app(scenario="default", state=None, sandbox=None, **build_app kwargs)` -> Harness(app, sandbox)."""
    sb = sandbox or Sandbox.create(scenario)
    kwargs.setdefault("profile", sb.profile())  # Kore's app of this world, as `byok-tui demo` passes it
    app = build_app(sb.connection(), None, state, clock=lambda: FROZEN, **kwargs)
    app.show_timings = False
    notes.record(app)
    return Harness(app, sb)


def signin_for(sb: Sandbox) -> SigninState:
    return SigninState(
        method="sandbox", tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
        operator_object_id=sb.operator_object_id,
    )  # fmt: skip
