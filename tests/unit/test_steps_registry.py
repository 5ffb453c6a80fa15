"""The step contract and its one registry: every step is listed once, in the guide's order, and each
listed id is the id its module, its state record and its screen use."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from byok_tui import state as state_mod
from byok_tui.connection import Connection
from byok_tui.engine import steps
from byok_tui.engine.step import Step
from byok_tui.state import WizardState

GUIDE_ORDER = ("signin", "authorize", "vault", "access", "share", "network", "protect", "enterprise_key", "test",
               "apps", "confirm", "validate")  # fmt: skip
"""The seed's order: prerequisites, Steps 1-5, the protect step (an addition to the guide, not numbered), the
admin console, then the optional validation."""


def test_the_registry_lists_every_step_once_in_the_guides_order():
    assert steps.IDS == GUIDE_ORDER
    assert len(set(steps.IDS)) == len(steps.IDS)
    assert state_mod.STEP_IDS is steps.IDS  # the state resumes in the registry's order, not a copy of it


def test_the_guides_five_numbered_steps_are_numbered_one_to_five():
    numbered = [(entry.id, entry.number) for entry in steps.REGISTRY if entry.number is not None]
    assert numbered == [("authorize", 1), ("vault", 2), ("access", 3), ("share", 4), ("network", 5)]
    assert steps.listed("vault").numbered_label == "2 Key Vault and key"
    assert steps.listed("apps").numbered_label == "Apps and bots"


@pytest.mark.parametrize("entry", steps.REGISTRY, ids=lambda e: e.id)
def test_each_listed_step_is_its_modules_step_with_the_same_id(entry):
    step = entry.step
    assert isinstance(step, Step)
    assert step.id == entry.id == importlib.import_module(entry.module).STEP_ID
    assert step.title.strip() and step.purpose.strip() and entry.label.strip()
    # The contract's shapes, so that a caller never has to look at a signature to call a verb.
    state, conn, now = WizardState(), Connection(credential=None), datetime(2030, 1, 1, tzinfo=UTC)
    inspect.signature(step.plan).bind(state)
    inspect.signature(step.apply).bind(state, conn, None, None)
    inspect.signature(step.check).bind(state, conn, now)
    inspect.signature(step.survey).bind(state, conn, [])
    inspect.signature(step.prepare).bind(state, conn)
    inspect.signature(step.problems).bind(state, now)
    inspect.signature(step.requires).bind(state)
    inspect.signature(step.prefill).bind(state)


@pytest.mark.parametrize("step_id", GUIDE_ORDER)
def test_each_step_has_a_state_record_and_a_screen(step_id):
    from byok_tui.screens import registry

    assert WizardState().step(step_id) == state_mod.StepRecord()
    module, name = registry.SCREENS[step_id]
    assert importlib.util.find_spec(module) is not None
    screen = getattr(importlib.import_module(module), name)
    assert step_id == screen.STEP_ID
    assert set(registry.SCREENS) == set(steps.IDS)


def test_the_live_steps_are_the_set_up_between_sign_in_and_the_checklist():
    assert steps.live_ids() == GUIDE_ORDER[1:-1]
    assert [s.id for s in steps.all_steps() if not s.has_changes] == ["signin", "test", "validate"]
    assert [s.id for s in steps.all_steps() if s.skippable] == [
        "authorize", "vault", "share", "network", "protect", "enterprise_key", "apps"]  # fmt: skip


def test_an_unknown_step_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="unknown step 'nope'; the steps are signin, authorize"):
        steps.get("nope")
    assert steps.after("validate") is None and steps.before("signin") is None
    assert steps.after("vault") == "access" and steps.before("vault") == "authorize"


def test_a_read_only_steps_plan_is_empty_on_any_state():
    for step in steps.all_steps():
        if not step.has_changes:
            assert step.plan(WizardState()) == []


async def test_every_check_takes_the_callers_clock():
    """The contract's check always takes `now`; the date rules read it (never the wall clock)."""
    ek = steps.get("enterprise_key")
    state = dataclasses.replace(WizardState(), enterprise_key=dataclasses.replace(
        WizardState().enterprise_key, enforcement_date="2030-01-01"))  # fmt: skip
    conn = Connection(credential=None)
    in_2029, in_2031 = datetime(2029, 6, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC)
    # The same answers: 2030-01-01 is a fine enforcement date in 2029, and in the past in 2031.
    assert "enterprise_key.enforcement_date" not in {p.field for p in ek.problems(state, in_2029)}
    assert "enterprise_key.enforcement_date" in {p.field for p in ek.problems(state, in_2031)}
    values = {now: {r.id: r for r in await ek.check(state, conn, now)}["enterprise_key.values"] for now in
              (in_2029, in_2031)}  # fmt: skip
    assert "Enforcement date" not in values[in_2029].detail
    assert "today (2031-06-01) or later" in values[in_2031].detail


def test_reading_the_registry_loads_no_step_module():
    code = (
        "import sys, byok_tui.engine.steps as s, byok_tui.state;"
        "print(s.listed('vault').numbered_label);"
        "print(sorted(m for m in sys.modules if m.startswith('byok_tui.engine.') and m != 'byok_tui.engine.steps'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["2 Key Vault and key", "[]"]
