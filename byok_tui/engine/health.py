"""Every live check of a session at once: the Confirm screen's "re-run every check", the Validation
screen's, and the same list `byok-tui verify` walks.

Read-only. A step that was never set up is reported as skipped; a step whose check cannot run (Azure
refused, the network dropped) is reported as a failed check with the error's remedy, so one broken step
never hides the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from types import ModuleType

from byok_tui import clock
from byok_tui.connection import Connection
from byok_tui.engine.model import CheckResult, Progress, overall
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

LIVE_STEPS: tuple[str, ...] = (
    "authorize", "vault", "access", "share", "network", "enterprise_key", "test", "apps", "confirm",
)  # fmt: skip
"""Steps whose check proves something live, in the guide's order (sign-in and the checklist are not)."""

OPTIONAL_STEPS: dict[str, str] = {"protect": "network"}
"""Live steps beyond Kore's guide, each with the step it follows: checked when the session set it up, and
otherwise left out (not listed as "not set up" in every health report, since the guide never asks for it)."""


def live_steps(state: WizardState) -> tuple[str, ...]:
    """LIVE_STEPS, with each optional step this session set up in its place."""
    out: list[str] = []
    for step_id in LIVE_STEPS:
        out.append(step_id)
        out += [extra for extra, after in OPTIONAL_STEPS.items() if after == step_id and done(state, extra)]
    return tuple(out)

Outcome = tuple[str, list[CheckResult]]
"""(step id, that step's results)."""


def module(step_id: str) -> ModuleType:
    """The engine module of a step in LIVE_STEPS."""
    import importlib

    name = "test_configuration" if step_id == "test" else step_id
    return importlib.import_module(f"byok_tui.engine.{name}")


def title(step_id: str) -> str:
    return str(module(step_id).TITLE)


def done(state: WizardState, step_id: str) -> bool:
    """The step was set up in this session (applied, or checked for a step without changes)."""
    record = state.step(step_id)
    return record.applied or bool(record.checked)


async def check_all(
    state: WizardState,
    conn: Connection,
    steps: Iterable[str] | None = None,
    progress: Progress | None = None,
    *,
    today: date | None = None,
) -> list[Outcome]:
    """Run each step's live check in order; `steps` defaults to `live_steps(state)`. Never raises a ByokError.

    `today` reaches the checks that depend on the date (the enforcement rules); None means the real date.
    """
    wanted = [s for s in (live_steps(state) if steps is None else steps) if s in LIVE_STEPS or s in OPTIONAL_STEPS]
    outcomes: list[Outcome] = []
    for index, step_id in enumerate(wanted):
        if progress:
            progress(f"Checking {index + 1} of {len(wanted)}: {title(step_id)}…", index / max(len(wanted), 1))
        if not done(state, step_id):
            outcomes.append((step_id, [CheckResult(f"{step_id}.not-set-up", "Not set up in this session", "skip",
                                                   detail="Nothing to check yet.")]))  # fmt: skip
            continue
        check = module(step_id).check
        from byok_tui.engine.runner import clock_arguments

        try:
            results = await check(state, conn, **clock_arguments(check, today))
        except ByokError as exc:
            results = [CheckResult(f"{step_id}.error", f"The check could not run: {exc.title}", "fail",
                                   detail=exc.detail, remedy=exc.remedy or "Try again.",
                                   request_id=exc.request_id)]  # fmt: skip
        outcomes.append((step_id, results))
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
        state = state.with_step(step_id, dataclasses.replace(record, checked=overall(results), updated_at=stamp))
    return state


def worst(outcomes: list[Outcome]) -> str:
    """fail > warn > pass over every result; "skip" when nothing was checked."""
    return overall([r for _, results in outcomes for r in results if r.status != "skip"])
