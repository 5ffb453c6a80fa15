"""What a changed answer does to a step that was applied: one rule for every form.

A step whose answers changed is no longer "applied" (nor checked): Azure holds what the old answers
asked for, so the step must be applied again, and re-applying adopts whatever already exists, never
making anything twice. Each step adds what else stops being true (a recorded service principal of
another app, the key identifier of another vault); that lives in its engine module, beside the rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from byok_tui.state import WizardState


def answers_changed(before: object, after: object, fields: Iterable[str]) -> bool:
    """Whether any of `fields` differs between two versions of a state section."""
    return any(getattr(before, name) != getattr(after, name) for name in fields)


def starts_over(state: WizardState, step_id: str) -> WizardState:
    """`state` with the step's record cleared: not applied, not checked, no change made yet."""
    from byok_tui.state import StepRecord

    return state.with_step(step_id, StepRecord())


def unchecked(state: WizardState, step_id: str) -> WizardState:
    """`state` with the step's last check forgotten (what it proved no longer holds), its record kept."""
    return state.with_step(step_id, dataclasses.replace(state.step(step_id), checked=""))


def revised(current: WizardState, proposed: WizardState, step_id: str, section: str,
            fields: Iterable[str]) -> tuple[WizardState, bool]:  # fmt: skip
    """(`proposed`, whether the answers changed). When any of `fields` of `state.<section>` changed from
    `current`, the step starts over in `proposed`."""
    if not answers_changed(getattr(current, section), getattr(proposed, section), fields):
        return proposed, False
    return starts_over(proposed, step_id), True
