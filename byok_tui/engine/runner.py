"""Running a step: apply its plan change by change, saving and journaling after each; then check it.

The TUI and the headless CLI both go through here, so "state is saved after every change" and
"an interrupted session resumes without creating anything twice" hold the same way in both.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
from collections.abc import AsyncIterator
from datetime import date, datetime
from types import ModuleType
from typing import Protocol

from byok_tui import clock, trace
from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress, overall
from byok_tui.errors import ByokError, session_save_error
from byok_tui.state import WizardState


class SessionLike(Protocol):
    def save(self, state: WizardState) -> None: ...

    def journal(
        self, *, step: str, action: str, target: str = "", outcome: str, request_id: str = "", detail: str = ""
    ) -> None: ...


async def made_durable(session: SessionLike) -> None:
    """Wait until what was just saved and journaled is on disk, before the next Azure change starts.

    A plain Session writes synchronously (done already); the TUI's SessionWriter writes on its own thread
    and offers `durable()` to await that without stalling the screen.
    """
    durable = getattr(session, "durable", None)
    if durable is not None:
        await durable()


def clock_arguments(check: object, today: date | None = None) -> dict[str, object]:
    """The clock a check takes, from the one clock: `today` (a date) and/or `now` (a datetime).

    A `today` given by the caller wins for the date; `now` is the clock's, moved to that day if it differs.
    """
    params = inspect.signature(check).parameters  # type: ignore[arg-type]
    current = clock.now()
    if today is not None and today != current.date():
        current = datetime.combine(today, current.timetz())
    kwargs: dict[str, object] = {}
    if "today" in params:
        kwargs["today"] = current.date()
    if "now" in params:
        kwargs["now"] = current
    return kwargs


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


def _scaled(progress: Progress, index: int, total: int) -> Progress:
    """Map a change's own 0..1 progress onto its slice of the whole plan."""

    def report(message: str, fraction: float | None = None) -> None:
        overall_fraction = None if fraction is None else (index + fraction) / total
        progress(message, overall_fraction)

    return report


async def survey(step: ModuleType, state: WizardState, conn: Connection) -> list[Change]:
    """The step's plan measured against Azure as it is now: each change marked create, change or adopt.

    A step that can look (its `survey`) also refuses here, before any change, a plan the operator cannot
    finish (raising ByokError with the remedy). A step without one returns its plan as is.
    """
    changes = step.plan(state)
    look = getattr(step, "survey", None)
    return await look(state, conn, changes) if look else changes


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
        return "Applied before. Apply again makes these changes, adopting whatever already exists."
    return "Nothing has changed yet. Apply makes these changes, in this order."


async def apply_plan(
    step: ModuleType,
    state: WizardState,
    conn: Connection,
    session: SessionLike | None,
    progress: Progress,
    changes: list[Change] | None = None,
    *,
    today: date | None = None,
) -> WizardState:
    """Apply `changes` (default: the step's plan) in order; returns the final state.

    On failure the ByokError raised carries `.state`: the state as last saved, so a caller can show
    what was done and a later run resumes from there (re-applying adopts, never duplicates).
    """
    from byok_tui.engine.manage import refuse_if_locked

    step_id: str = step.STEP_ID
    refuse_if_locked(state, step_id, today or clock.today())
    changes = step.plan(state) if changes is None else changes
    total = max(len(changes), 1)
    for index, change in enumerate(changes):
        progress(f"[{index + 1}/{len(changes)}] {change.title}", index / total)
        if session:
            # On disk before the change starts: if the process dies mid-change (SIGKILL, a dropped SSH
            # connection), the journal says what was in flight, and the next run adopts what it made.
            async with _recording(session, change.title):
                session.journal(step=step_id, action=change.id, target=change.target, outcome="started")
                await made_durable(session)
        with trace.collect() as request_ids:
            try:
                state_after = await step.apply(state, conn, change, _scaled(progress, index, total))
            except asyncio.CancelledError:  # Ctrl-C, SIGTERM, SIGHUP, or the App leaving: say so, best effort
                if session:
                    with contextlib.suppress(Exception):
                        session.journal(step=step_id, action=change.id, target=change.target, outcome="interrupted")
                raise
            except ByokError as exc:
                if session:
                    session.journal(
                        step=step_id, action=change.id, target=change.target, outcome="failed",
                        request_id=exc.request_id or (request_ids[-1] if request_ids else ""),
                        detail=exc.title,
                    )  # fmt: skip
                exc.state = state  # type: ignore[attr-defined]
                raise
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
async def _recording(session: SessionLike, before: str, state: WizardState | None = None) -> AsyncIterator[None]:
    """Turn a failed save or journal write (ENOSPC, EROFS, EACCES…) into a SessionError that says the
    previous save is intact; `before` names the change not started because of it. `state` rides on the
    error as `.state`, like an Azure failure's, so the App keeps what was done in memory."""
    try:
        yield
    except OSError as exc:
        error = session_save_error(exc, getattr(session, "path", "the session file"), before=before)
        if state is not None:
            error.state = state  # type: ignore[attr-defined]
        raise error from exc


async def run_checks(
    step: ModuleType,
    state: WizardState,
    conn: Connection,
    session: SessionLike | None,
    *,
    today: date | None = None,
) -> tuple[WizardState, list[CheckResult]]:
    """Run the step's live checks and record the outcome in the state.

    `today` reaches the checks that depend on the date (the enterprise key's enforcement rules), so the
    App's clock, which tests freeze, decides them; None means the real date.
    """
    results: list[CheckResult] = await step.check(state, conn, **clock_arguments(step.check, today))
    status = overall(results)
    record = dataclasses.replace(state.step(step.STEP_ID), checked=status, updated_at=_now())
    state = state.with_step(step.STEP_ID, record)
    if session:
        async with _recording(session, "", state):
            session.save(state)
            session.journal(step=step.STEP_ID, action="check", outcome=status)
            await made_durable(session)
    return state, results
