"""The step contract: what every step of the wizard is, so that nothing has to guess.

A step is one `Step` value, defined at the bottom of its engine module (`STEP = Step(...)`) and listed
once, in the guide's order, in `byok_tui.engine.steps`. The App, the stepper, the headless commands,
`health`, the tests, the benchmarks and the tools all read that registry; none of them looks for optional
functions on a module or inspects a signature to decide what to pass.

The verbs:

- `plan(state)` is pure: the changes `apply` would make.
- `survey(state, conn, changes)` measures the plan against Azure as it is now (create / change / adopt),
  and may refuse, before any change, a plan the operator could not finish.
- `apply(state, conn, change, progress)` makes one change, idempotently (it adopts what exists).
- `check(state, conn, now)` is the live, read-only proof. `now` is explicit: every date rule (enforcement
  lock, key expiry) is decided by the caller's clock, never by a check reading the wall clock itself.

And what a step may bring besides (each has a default that does nothing):

- `requires(state)`: what earlier steps must have recorded before this one can run (None: nothing missing).
- `prefill(state)`: empty answers filled from earlier steps (the key identifier from Step 2…).
- `prepare(state, conn)`: what the plan needs from Azure before it can be made (this machine's IP).
- `problems(state, now)`: what is wrong with the answers, each an InputError naming its field.

This module imports no step and nothing heavy: the stepper reads the registry's names while the first
frame is drawn (issue #7), and a step's module loads only when one of its verbs is needed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from byok_tui.connection import Connection
    from byok_tui.engine.model import Change, CheckResult, Progress
    from byok_tui.errors import InputError
    from byok_tui.state import WizardState

Plan = Callable[["WizardState"], "list[Change]"]
Survey = Callable[["WizardState", "Connection", "list[Change]"], "Awaitable[list[Change]]"]
Apply = Callable[["WizardState", "Connection", "Change", "Progress"], "Awaitable[WizardState]"]
Check = Callable[["WizardState", "Connection", datetime], "Awaitable[list[CheckResult]]"]
Requirement = Callable[["WizardState"], "str | None"]
Prefill = Callable[["WizardState"], "WizardState"]
Prepare = Callable[["WizardState", "Connection"], "Awaitable[WizardState]"]
Problems = Callable[["WizardState", datetime], "list[InputError]"]


# --- the defaults: a step that brings none of these ----------------------------------------------


def nothing_required(state: WizardState) -> str | None:
    return None


def unchanged(state: WizardState) -> WizardState:
    return state


async def nothing_to_prepare(state: WizardState, conn: Connection) -> WizardState:
    return state


def no_problems(state: WizardState, now: datetime) -> list[InputError]:
    return []


async def as_planned(state: WizardState, conn: Connection, changes: list[Change]) -> list[Change]:
    return changes


@dataclass(frozen=True)
class Step:
    """One step of the wizard: who it is, what it needs, and its verbs (see the module docstring)."""

    id: str
    """Stable id: the key of its StepRecord in `WizardState.steps`, its journal lines and its screen."""
    title: str
    """What the screens, the CLI and the reports call it."""
    purpose: str
    """One sentence under the title: why the step exists."""
    plan: Plan
    apply: Apply
    check: Check
    survey: Survey = as_planned
    requires: Requirement = nothing_required
    prefill: Prefill = unchanged
    prepare: Prepare = nothing_to_prepare
    problems: Problems = no_problems
    answers: str | None = None
    """The section of an answers file (`byok-tui run --answers`) that asks for this step; a run without
    it skips the step. None: the step needs no answers of its own and always runs."""
    has_changes: bool = True
    """False for a read-only step (its plan is always empty): its screen opens on its checks."""
    live: bool = True
    """Its check proves the set-up live: `byok-tui run` performs it, and `verify`, Confirm's and
    Validation's "re-run every check" walk it. False for Sign-in (the way in, not the set-up) and the
    post-enforcement checklist (ticked by a person)."""

    @property
    def skippable(self) -> bool:
        """A headless run may leave it out (its answers section is missing)."""
        return self.answers is not None


# --- adapters for verbs that no date rule decides ------------------------------------------------


def undated_check(check: Callable[[WizardState, Connection], Awaitable[list[CheckResult]]]) -> Check:
    """The contract's `check` for a check that reads no clock: it takes `now` and has no use for it."""

    async def checked(state: WizardState, conn: Connection, now: datetime) -> list[CheckResult]:
        return await check(state, conn)

    return checked


def undated_problems(problems: Callable[[WizardState], list[InputError]]) -> Problems:
    """The contract's `problems` for answers that no date rule decides."""

    def found(state: WizardState, now: datetime) -> list[InputError]:
        return problems(state)

    return found


# --- problems, placed on a form ----------------------------------------------------------------


def placed(problems: Iterable[InputError], fields: Mapping[str, str]) -> tuple[list[tuple[str, InputError]],
                                                                             list[InputError]]:  # fmt: skip
    """Each problem on the form's field that shows it, for a form that names its fields in `fields`
    (problem field -> form field, e.g. "vault.name" -> "#vault-name").

    Returns ([(form field, problem)], [the problems no field of this form can fix]), both in the order
    the step found them (the form's order): a form shows the first under its fields and says the rest
    (e.g. "sign in first") at the step's level."""
    on_form: list[tuple[str, InputError]] = []
    elsewhere: list[InputError] = []
    for problem in problems:
        where = fields.get(problem.field)
        if where is None:
            elsewhere.append(problem)
        else:
            on_form.append((where, problem))
    return on_form, elsewhere


# --- what several steps require -------------------------------------------------------------------


def needs_kore_app(state: WizardState) -> str | None:
    return (
        None
        if state.authorize.kore_client_id
        else "the Kore client id is unknown (set [profile] kore_client_id)"
    )


def needs_sp(state: WizardState) -> str | None:
    return (
        None
        if state.authorize.sp_object_id
        else "Step 1 has not found Kore's service principal (add [authorize])"
    )


def needs_vault(state: WizardState) -> str | None:
    return (
        None
        if state.vault.vault_id and state.vault.key_id
        else "Step 2 has not recorded the vault (add [vault])"
    )


def needs_sp_and_vault(state: WizardState) -> str | None:
    return needs_sp(state) or needs_vault(state)


def needs_enterprise_key(state: WizardState) -> str | None:
    return (
        None
        if state.step("enterprise_key").applied
        else "the enterprise key is not recorded (add [enterprise_key])"
    )


def needs_console(state: WizardState) -> str | None:
    """Proceed comes after the admin-console steps passed, and with a folder for the record."""
    from byok_tui.engine import steps

    for step_id in ("enterprise_key", "test", "apps"):
        if state.step(step_id).checked not in ("pass", "warn"):
            step = steps.get(step_id)
            return f"{step.title} has not passed" + (f" (add [{step.answers}])" if step.answers else "")
    return None if state.share.export_dir else "no folder for the record (add [share])"
