"""Every live check of a session at once: the Confirm screen's "re-run every check", the Validation
screen's, and the same list `byok-tui verify` walks.

Read-only. A step that was never set up is reported as skipped; a step whose check cannot run (Azure
refused, the network dropped) is reported as a failed check with the error's remedy, so one broken step
never hides the others. The one exception: when the proxy itself cannot be reached, nothing can be, and the
later steps are reported as not checked rather than each waiting out the same retries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime

from byok_tui import clock
from byok_tui.connection import Connection
from byok_tui.engine import steps
from byok_tui.engine.model import CheckResult, Progress, overall
from byok_tui.errors import ByokError, ProxyUnreachable
from byok_tui.state import WizardState

Outcome = tuple[str, list[CheckResult]]
"""(step id, that step's results)."""


def title(step_id: str) -> str:
    return steps.get(step_id).title


def done(state: WizardState, step_id: str) -> bool:
    """The step was set up in this session (applied, or checked for a step without changes)."""
    record = state.step(step_id)
    return record.applied or bool(record.checked)


async def check_all(
    state: WizardState,
    conn: Connection,
    step_ids: Iterable[str] | None = None,
    progress: Progress | None = None,
    *,
    now: datetime | None = None,
    raised: Callable[[str, ByokError], None] | None = None,
) -> list[Outcome]:
    """Run each live step's check (`steps.live_steps()`, or those of them in `step_ids`) in order. Never
    raises a ByokError: a check that cannot run is a failed check of its step.

    `now` decides the checks' date rules (the enforcement lock, key expiry): the App passes its clock's;
    None means the one clock's. `raised` hears (step id, error) for each check that could not run, for a
    caller that judges the error itself (verify: Azure unreachable from here is exit 3, not a failed check).
    """
    from byok_tui.engine.runner import moment

    when = moment(now)
    wanted = [s for s in steps.live_steps() if step_ids is None or s.id in set(step_ids)]
    outcomes: list[Outcome] = []
    cut_off: ProxyUnreachable | None = None
    for index, step in enumerate(wanted):
        if progress:
            progress(f"Checking {index + 1} of {len(wanted)}: {step.title}…", index / max(len(wanted), 1))
        if not done(state, step.id):
            outcomes.append((step.id, [CheckResult(f"{step.id}.not-set-up", "Not set up in this session", "skip",
                                                   detail="Nothing to check yet.")]))  # fmt: skip
            continue
        if cut_off is not None:
            outcomes.append((step.id, [CheckResult(f"{step.id}.not-checked", "Not checked: nothing can be "
                                                   "reached from here", "skip", detail=cut_off.title,
                                                   remedy=cut_off.remedy)]))  # fmt: skip
            continue
        try:
            results = await step.check(state, conn, when)
        except ByokError as exc:
            if raised:
                raised(step.id, exc)
            results = [CheckResult(f"{step.id}.error", f"The check could not run: {exc.title}", "fail",
                                   detail=exc.detail, remedy=exc.remedy or "Try again.",
                                   request_id=exc.request_id)]  # fmt: skip
            if isinstance(exc, ProxyUnreachable):  # every later check would wait out the same retries
                cut_off = exc
        outcomes.append((step.id, results))
    if progress:
        progress(f"Checked {len(wanted)} steps.", 1.0)
    return outcomes


def with_outcomes(state: WizardState, outcomes: list[Outcome], now: datetime | None = None) -> WizardState:
    """The state with each checked step's outcome recorded, as a step's own checks would record it."""
    stamp = (now or clock.now()).isoformat(timespec="seconds")
    for step_id, results in outcomes:
        if not done(state, step_id):
            continue
        record = state.step(step_id)
        state = state.with_step(
            step_id, dataclasses.replace(record, checked=overall(results), updated_at=stamp)
        )
    return state


def worst(outcomes: list[Outcome]) -> str:
    """fail > warn > pass over every result; "skip" when nothing was checked."""
    return overall([r for _, results in outcomes for r in results if r.status != "skip"])
