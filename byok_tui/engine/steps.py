"""The one list of the wizard's steps, in the order the guide (and the wizard) walks them.

Everything that needs the steps reads them here: the App and its stepper, the screens' registry (which
screen shows which id), `engine.health`, the headless commands, the tests, the benchmarks and the tools.

A `Listed` entry holds what can be known without loading the step (its id, the stepper's name for it,
its number in the guide); `.step` loads its engine module on first use and returns that module's `STEP`.
So reading the list costs nothing at start-up (issue #7), and the step's module is still the one place
that defines the step.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from byok_tui.engine.step import Step


@dataclass(frozen=True)
class Listed:
    """A step as the registry lists it; `.step` is the step itself."""

    id: str
    label: str
    """The stepper's short name for it."""
    module: str
    """The engine module whose `STEP` this is."""
    number: int | None = None
    """Its number in the guide ("Step 2"); None for sign-in and the admin-console steps."""

    @property
    def step(self) -> Step:
        step: Step = importlib.import_module(self.module).STEP
        return step

    @property
    def numbered_label(self) -> str:
        """ "2 Key Vault and key": the stepper's line, with the guide's number when the step has one."""
        return f"{self.number} {self.label}" if self.number is not None else self.label


REGISTRY: tuple[Listed, ...] = (
    Listed("signin", "Sign in", "byok_tui.engine.signin"),
    Listed("authorize", "Authorize Kore app", "byok_tui.engine.authorize", 1),
    Listed("vault", "Key Vault and key", "byok_tui.engine.vault", 2),
    Listed("access", "Grant access", "byok_tui.engine.access", 3),
    Listed("share", "Share with Kore", "byok_tui.engine.share", 4),
    Listed("network", "Network access", "byok_tui.engine.network", 5),
    # Not in Kore's guide, so not numbered: recommended guard rails once the key is in use (issue #18).
    Listed("protect", "Protect the key", "byok_tui.engine.protect"),
    Listed("enterprise_key", "Enterprise key", "byok_tui.engine.enterprise_key"),
    Listed("test", "Test configuration", "byok_tui.engine.test_configuration"),
    Listed("apps", "Apps and bots", "byok_tui.engine.apps"),
    Listed("confirm", "Confirm", "byok_tui.engine.confirm"),
    Listed("validate", "Validation", "byok_tui.engine.validation"),
)
"""Every step of the seed, in the order the wizard walks them."""

IDS: tuple[str, ...] = tuple(entry.id for entry in REGISTRY)
"""The step ids, in order (`state.STEP_IDS` is this tuple)."""

_BY_ID = {entry.id: entry for entry in REGISTRY}


def listed(step_id: str) -> Listed:
    """The registry's entry for `step_id` (KeyError naming the known ids when there is none)."""
    try:
        return _BY_ID[step_id]
    except KeyError:
        raise KeyError(f"unknown step {step_id!r}; the steps are {', '.join(IDS)}") from None


def get(step_id: str) -> Step:
    """The step with this id (its engine module is loaded on first use)."""
    return listed(step_id).step


def all_steps() -> tuple[Step, ...]:
    """Every step, in order (loads every step's module)."""
    return tuple(entry.step for entry in REGISTRY)


def live_steps() -> tuple[Step, ...]:
    """The steps whose check proves the set-up (`Step.live`), in order: what `run` performs and `verify`
    and "re-run every check" walk."""
    return tuple(step for step in all_steps() if step.live)


def live_ids() -> tuple[str, ...]:
    return tuple(step.id for step in live_steps())


def after(step_id: str) -> str | None:
    """The id of the step after `step_id`, None after the last."""
    index = IDS.index(step_id) + 1
    return IDS[index] if index < len(IDS) else None


def before(step_id: str) -> str | None:
    """The id of the step before `step_id`, None before the first."""
    index = IDS.index(step_id)
    return IDS[index - 1] if index > 0 else None
