"""The seed's optional post-enforcement validation: a checklist the operator ticks, plus every live check."""

from __future__ import annotations

import dataclasses

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult
from byok_tui.engine.step import Step, undated_check
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

STEP_ID = "validate"
TITLE = "Validation"
PURPOSE = "After the enforcement date, confirm in Kore that encrypted data is still readable."
CHECKLIST = (
    ("analytics", "In Analytics, open recent chat interactions: their data shows (Kore decrypts it with your key)."),
    ("basic-auth", "Open the app, run Authorization Profiles and Dialogs > BasicAuthValidationDialog, select "
                   "the authorization link, sign in (admin/password): the bot says \"Basic authentication "
                   "successful.\""),
)  # fmt: skip
"""(id, what to do and what success looks like), in the seed's order."""
TITLES = {"analytics": "Option 1: View Analytics", "basic-auth": "Option 2: Test Application Authorization"}
"""The seed's name for each checklist item."""


def tick(state: WizardState, item: str, done: bool = True) -> WizardState:
    """Record that the operator confirmed (or un-confirmed) one checklist item.

    The step counts as done ("pass") once every item is ticked; until then it has no outcome.
    """
    ids = {i for i, _ in CHECKLIST}
    if item not in ids:
        raise ByokError(f"Unknown checklist item {item!r}")
    ticked = tuple(
        i for i, _ in CHECKLIST if (i == item and done) or (i != item and i in state.validation.ticked)
    )
    state = dataclasses.replace(state, validation=dataclasses.replace(state.validation, ticked=ticked))
    complete = len(ticked) == len(CHECKLIST)
    record = dataclasses.replace(state.step(STEP_ID), applied=complete, checked="pass" if complete else "")
    return state.with_step(STEP_ID, record)


def title(item: str) -> str:
    """The seed's name of a checklist item: "Option 1: View Analytics"."""
    return TITLES[item]


def plan(state: WizardState) -> list[Change]:
    return []


async def apply(state, conn, change, progress):  # pragma: no cover - plan() is always empty
    raise ByokError("Validation changes nothing")


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    return [
        CheckResult(
            f"validate.{item}",
            title(item),
            "pass" if item in state.validation.ticked else "skip",
            detail=text,
        )  # fmt: skip
        for item, text in CHECKLIST
    ]


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=undated_check(check),
    has_changes=False,
    live=False,
)
