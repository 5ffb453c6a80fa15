"""Running a step: review its plan against Azure, apply it change by change (saving and journaling after
each), then check it.

The TUI and the headless CLI both go through here, so "state is saved after every change" and
"an interrupted session resumes without creating anything twice" hold the same way in both.
`byok-tui run` calls `run_step` (review, approve, apply, check, in a row); a step screen calls the same
parts one page at a time (its form checks the answers field by field, then `survey`, `apply_plan` in an
App worker, `run_checks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from byok_tui import clock, trace
from byok_tui.answers import raise_all
from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress, overall
from byok_tui.engine.step import Step
from byok_tui.errors import ByokError, session_save_error
from byok_tui.state import WizardState


class SessionLike(Protocol):
    def save(self, state: WizardState) -> None: ...

    def journal(
        self,
        *,
        step: str,
        action: str,
        target: str = "",
        outcome: str,
        request_id: str = "",
        detail: str = "",
    ) -> None: ...


async def made_durable(session: SessionLike) -> None:
    """Wait until what was just saved and journaled is on disk, before the next Azure change starts.

    A plain Session writes synchronously (done already); the TUI's SessionWriter writes on its own thread
    and offers `durable()` to await that without stalling the screen.
    """
    durable = getattr(session, "durable", None)
    if durable is not None:
        await durable()


class ApplyFailed(ByokError):
    """An apply that stopped part-way. `error` is why (an Azure refusal, a session that could not be
    saved…); `state` is the state as last saved, holding every change made before it, from which a
    later run resumes (re-applying adopts, never duplicates).

    It reads as `error` does (title, remedy, request id, exit code), so a caller that only reports it
    needs nothing more; the App also keeps `state`."""

    def __init__(self, error: ByokError, state: WizardState) -> None:
        super().__init__(error.title, detail=error.detail, remedy=error.remedy, request_id=error.request_id,
                         code=error.code, status=error.status)  # fmt: skip
        self.exit_code = error.exit_code
        self.error = error
        self.state = state


def moment(now: datetime | None = None) -> datetime:
    """The time every date rule of a step is decided at: the caller's (the App passes its own clock's),
    else the one clock (`byok_tui.clock`, which tests freeze)."""
    return now if now is not None else clock.now()


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


def _scaled(progress: Progress, index: int, total: int) -> Progress:
    """Map a change's own 0..1 progress onto its slice of the whole plan."""

    def report(message: str, fraction: float | None = None) -> None:
        overall_fraction = None if fraction is None else (index + fraction) / total
        progress(message, overall_fraction)

    return report


async def survey(step: Step, state: WizardState, conn: Connection) -> list[Change]:
    """The step's plan measured against Azure as it is now: each change marked create, change or adopt.

    A step's survey also refuses here, before any change, a plan the operator cannot finish (raising
    ByokError with the remedy). A step that cannot look returns its plan as is.
    """
    return await step.survey(state, conn, step.plan(state))


async def review(
    step: Step, state: WizardState, conn: Connection, *, now: datetime | None = None
) -> tuple[WizardState, list[Change]]:
    """Everything before the first change, in order: the answers filled from earlier steps (`prefill`),
    what the plan needs from Azure (`prepare`), the answers' problems (raised as one InputError naming
    every field, `answers.raise_all`), then the `survey`. Returns the state the plan was made from, and
    the plan."""
    state = await step.prepare(step.prefill(state), conn)
    raise_all(step.problems(state, moment(now)))
    return state, await survey(step, state, conn)


def review_intro(state: WizardState, step_id: str, changes: list[Change]) -> str:
    """The sentence above a plan: what has happened so far, so it never claims "nothing has changed" when an
    earlier apply made part of it."""
    record = state.step(step_id)
    made = [c for c in changes if c.id in record.applied_changes]
    if made and not record.applied:
        return (f"An earlier apply stopped part-way: {len(made)} of these {len(changes)} changes were made. "
                "Apply finishes the rest; what exists is used as it is.")  # fmt: skip
    if changes and all(c.effect == "adopt" for c in changes):
        return "Everything below exists as asked: Apply records it and changes nothing in Azure."
    if any(c.effect == "adopt" for c in changes):
        return "Some of this exists already (marked so) and is used as it is; Apply makes the rest, in order."
    if record.applied:
        # Also the intro of a removal after the step was applied: "adopting" would not describe that.
        return "Applied before. Apply again makes these changes, in this order; what is already as asked is left as it is."
    return "Nothing has changed yet. Apply makes these changes, in this order."


async def apply_plan(
    step: Step,
    state: WizardState,
    conn: Connection,
    session: SessionLike | None,
    progress: Progress,
    changes: list[Change] | None = None,
    *,
    now: datetime | None = None,
) -> WizardState:
    """Apply `changes` (default: the step's plan) in order; returns the final state.

    A step locked by the enforcement date is refused (ByokError) before anything starts. A change that
    fails raises ApplyFailed, which holds the error and the state as last saved.
    """
    from byok_tui.engine.manage import refuse_if_locked

    step_id = step.id
    refuse_if_locked(state, step_id, moment(now).date())
    changes = step.plan(state) if changes is None else changes
    total = max(len(changes), 1)
    for index, change in enumerate(changes):
        progress(f"[{index + 1}/{len(changes)}] {change.title}", index / total)
        if session:
            # On disk before the change starts: if the process dies mid-change (SIGKILL, a dropped SSH
            # connection), the journal says what was in flight, and the next run adopts what it made.
            async with _recording(session, change.title, state):
                session.journal(step=step_id, action=change.id, target=change.target, outcome="started")
                await made_durable(session)
        with trace.collect() as request_ids:
            try:
                state_after = await step.apply(state, conn, change, _scaled(progress, index, total))
            except asyncio.CancelledError:  # Ctrl-C, SIGTERM, SIGHUP, or the App leaving: say so, best effort
                if session:
                    with contextlib.suppress(Exception):
                        session.journal(
                            step=step_id, action=change.id, target=change.target, outcome="interrupted"
                        )
                raise
            except ByokError as exc:
                if session:
                    session.journal(
                        step=step_id, action=change.id, target=change.target, outcome="failed",
                        request_id=exc.request_id or (request_ids[-1] if request_ids else ""),
                        detail=exc.title,
                    )  # fmt: skip
                raise ApplyFailed(exc, state) from exc
        record = state_after.step(step_id)
        # Found as asked (by the survey, or made by an earlier, interrupted apply): journal it as adopted, so
        # the journal never records one change as applied twice.
        again = change.effect == "adopt" or (not change.effect and change.id in record.applied_changes)
        outcome = "adopted" if again else "applied"
        done = tuple(dict.fromkeys((*record.applied_changes, change.id)))
        state = state_after.with_step(
            step_id, dataclasses.replace(record, applied_changes=done, updated_at=_now())
        )
        if session:
            async with _recording(session, "", state):
                session.save(state)
                session.journal(
                    step=step_id, action=change.id, target=change.target, outcome=outcome,
                    request_id=request_ids[-1] if request_ids else "",
                )  # fmt: skip
                await made_durable(session)
    state = state.with_step(
        step_id, dataclasses.replace(state.step(step_id), applied=True, updated_at=_now())
    )
    if session:
        async with _recording(session, "", state):
            session.save(state)
            await made_durable(session)
    progress("All changes applied.", 1.0)
    return state


@contextlib.asynccontextmanager
async def _recording(
    session: SessionLike, before: str, state: WizardState | None = None
) -> AsyncIterator[None]:
    """Turn a failed save or journal write (ENOSPC, EROFS, EACCES…) into a SessionError that says the
    previous save is intact; `before` names the change not started because of it. With `state` (in an
    apply) the error is an ApplyFailed holding it, like an Azure failure, so the App keeps what was done
    in memory."""
    try:
        yield
    except OSError as exc:
        error = session_save_error(exc, getattr(session, "path", "the session file"), before=before)
        if state is not None:
            raise ApplyFailed(error, state) from exc
        raise error from exc


async def run_checks(
    step: Step,
    state: WizardState,
    conn: Connection,
    session: SessionLike | None,
    *,
    now: datetime | None = None,
) -> tuple[WizardState, list[CheckResult]]:
    """Run the step's live checks and record the outcome in the state.

    `now` decides the checks' date rules (enforcement, key expiry): the App passes its clock's, which
    tests freeze; None means the one clock's.
    """
    results = await step.check(state, conn, moment(now))
    status = overall(results)
    record = dataclasses.replace(state.step(step.id), checked=status, updated_at=_now())
    state = state.with_step(step.id, record)
    if session:
        async with _recording(session, ""):
            session.save(state)
            session.journal(step=step.id, action="check", outcome=status)
            await made_durable(session)
    return state, results


@dataclass(frozen=True)
class StepRun:
    """What `run_step` did: the state after it, the changes it reviewed (and applied, unless read-only),
    and the checks' results."""

    state: WizardState
    changes: list[Change]
    results: list[CheckResult]


Approve = Callable[[list[Change]], Awaitable[None]]
"""Shown the plan before anything changes; raises (InputError) to stop the run with nothing changed."""


async def run_step(
    step: Step,
    state: WizardState,
    conn: Connection,
    session: SessionLike | None,
    progress: Progress,
    approve: Approve,
    *,
    read_only: bool = False,
    now: datetime | None = None,
) -> StepRun:
    """One step, start to finish: review (prefill, prepare, problems, survey), `approve` the plan, apply
    it, check. The headless run's whole step; the TUI walks the same parts page by page.

    `read_only` reviews the answers and checks, and changes nothing: no survey, no prepare (it may look
    something up for a change), no apply.
    """
    if read_only:
        state = step.prefill(state)
        raise_all(step.problems(state, moment(now)))
        changes: list[Change] = []
    else:
        state, changes = await review(step, state, conn, now=now)
    await approve(changes)
    if not read_only:
        # Even a step with nothing to change is "applied" once run, so verify re-checks it later.
        state = await apply_plan(step, state, conn, session, progress, changes, now=now)
    state, results = await run_checks(step, state, conn, session, now=now)
    return StepRun(state, changes, results)
