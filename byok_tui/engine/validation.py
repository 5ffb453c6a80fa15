"""The seed's optional post-enforcement validation: a checklist the operator ticks, plus every live check."""

from __future__ import annotations

import dataclasses

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

STEP_ID = "validate"
TITLE = "Validation"
PURPOSE = "After the enforcement date, confirm in Kore that encrypted data is still readable."
CHECKLIST = (
    ("analytics", "View Analytics: recent chat interactions show their data (it is decrypted with your key)."),
    ("basic-auth", "Open the app, run Authorization Profiles and Dialogs > BasicAuthValidationDialog, follow "
                   "the link, sign in (admin/password): the bot says \"Basic authentication successful.\""),
)  # fmt: skip


def tick(state: WizardState, item: str, done: bool = True) -> WizardState:
    ids = {i for i, _ in CHECKLIST}
    if item not in ids:
        raise ByokError(f"Unknown checklist item {item!r}")
    ticked = [i for i in state.validation.ticked if i != item] + ([item] if done else [])
    return dataclasses.replace(state, validation=dataclasses.replace(state.validation, ticked=tuple(ticked)))


def plan(state: WizardState) -> list[Change]:
    return []


async def apply(state, conn, change, progress):  # pragma: no cover - plan() is always empty
    raise ByokError("Validation changes nothing")


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    return [
        CheckResult(f"validate.{item}", text.split(":")[0], "pass" if item in state.validation.ticked else "skip",
                    detail=text)  # fmt: skip
        for item, text in CHECKLIST
    ]
