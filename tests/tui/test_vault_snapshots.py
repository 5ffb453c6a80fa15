"""What Step 2 looks like at 80x24 and 120x40: the form, a validation error, the plan, the checks.

Deterministic by construction: a frozen clock, no cursor blink, seeded sandbox ids, one fixed request id,
and latencies hidden. Update with `pytest tests/tui --snapshot-update`, then read the SVGs.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from byok_tui.testing.flows import applied, reviewed
from byok_tui.testing.pilot import choose, settle, type_into

pytestmark = pytest.mark.usefixtures("stable_request_ids")


async def _group_chosen(pilot: Pilot) -> None:
    await settle(pilot)
    await choose(pilot, "rg-select", "rg-contoso-prod")


async def _bad_name(pilot: Pilot) -> None:
    await _group_chosen(pilot)
    await type_into(pilot, "vault-name", "1-kv")
    await pilot.press("ctrl+r")
    await settle(pilot)


async def _named(pilot: Pilot) -> None:
    await _group_chosen(pilot)
    await type_into(pilot, "vault-name", "kv-contoso-byok")


async def _reviewed(pilot: Pilot) -> None:
    await reviewed(pilot, fill=_named)


async def _applied(pilot: Pilot) -> None:
    await applied(pilot, fill=_named)  # the vault's plan is irreversible: `y` to its confirmation


class TestVaultStep:
    def test_form_initial(self, snap_compare, make_app, size):
        assert snap_compare(make_app(start_step="vault").app, terminal_size=size, run_before=settle)

    def test_form_validation_error(self, snap_compare, make_app, size):
        assert snap_compare(make_app(start_step="vault").app, terminal_size=size, run_before=_bad_name)

    def test_review_planned_changes(self, snap_compare, make_app, size):
        assert snap_compare(make_app(start_step="vault").app, terminal_size=size, run_before=_reviewed)

    def test_checks_after_apply(self, snap_compare, make_app, size):
        assert snap_compare(make_app(start_step="vault").app, terminal_size=size, run_before=_applied)
