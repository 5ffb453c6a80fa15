"""The protect step (not in Kore's guide) driven by the keyboard against the sandbox: protect, review,
apply, checks; skip in one key; removal only after a confirmation; bad contacts named by field and rule;
the hand-off when the operator may not lock (the `no-locks` scenario)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from byok_tui.sandbox import Sandbox
from byok_tui.screens.protect import ProtectScreen
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.modals import ConfirmModal, ErrorModal
from byok_tui.state import ProtectState, WizardState
from byok_tui.testing.pilot import pick_radio, settle, type_into
from byok_tui.testing.prepare import answers, done_through

CONTACT = "secops@contoso.com"


async def network_done(sb: Sandbox) -> WizardState:
    """Steps 1-5 done; the protect step not chosen yet."""
    return await done_through(sb, "network", dataclasses.replace(answers(sb), protect=ProtectState()))


def message(app, widget_id: str) -> str:
    return app.screen.query_one(f"#{widget_id}-msg", FieldMessage).text


async def test_protect_reviews_applies_and_checks_the_lock_and_tripwires(make_app):
    sb = Sandbox.create("default")
    h = make_app(state=await network_done(sb), sandbox=sb, start_step="protect")
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProtectScreen) and screen.choice == "protect"
        await type_into(pilot, "prot-contacts", CONTACT)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review", message(app, "prot-contacts")
        ids = [c.id for c in screen.changes]
        assert ids[:2] == ["protect.lock", "protect.action_group"] and "protect.tripwire.lock-delete" in ids
        lock = screen.changes[0]
        assert "does NOT stop disabling, deleting or purging the key" in lock.detail
        await pilot.press("a")  # nothing destructive: no confirmation
        await settle(pilot)
        assert screen.page == "result"
        assert app.state.protect.contacts == (CONTACT,) and app.state.step("protect").checked == "pass"
        assert sb.world.locks and app.state.protect.lock_id
        assert screen.query_one("#next").disabled is False


async def test_bad_contacts_are_named_by_field_and_rule_and_nothing_is_planned(make_app):
    sb = Sandbox.create("default")
    h = make_app(state=await network_done(sb), sandbox=sb, start_step="protect")
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_into(pilot, "prot-contacts", "secops")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "form"
        assert (
            message(app, "prot-contacts")
            == "Contacts: item 1: E-mail address 'secops' is not name@domain.tld"
        )
        assert app.focused is not None and app.focused.id == "prot-contacts"
        await type_into(pilot, "prot-contacts", "")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert message(app, "prot-contacts") == "Contacts: give at least one e-mail address for the alerts"
        assert not sb.world.locks


async def test_skip_is_one_key_that_records_it_and_moves_on(make_app):
    sb = Sandbox.create("default")
    h = make_app(state=await network_done(sb), sandbox=sb, start_step="protect")
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert app.state.protect.choice == "skip"
        record = app.state.step("protect")
        assert record.applied and record.checked == "warn"
        assert not isinstance(app.screen, ProtectScreen)  # moved on to the next step
        assert not sb.world.locks


async def test_removal_asks_first_and_takes_everything_down(make_app):
    sb = Sandbox.create("default")
    state = await network_done(sb)
    state = dataclasses.replace(state, protect=ProtectState(choice="protect", contacts=(CONTACT,)))
    state = await done_through(sb, "protect", state)
    assert sb.world.locks
    h = make_app(state=dataclasses.replace(state, steps={**state.steps, "protect": type(state.step("protect"))()}),
                 sandbox=sb, start_step="protect")  # fmt: skip
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pick_radio(pilot, "prot-choice", "prot-remove")
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.screen
        assert screen.page == "review" and all(c.id.startswith("protect.remove.") for c in screen.changes)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal) and "Remove the protections" in app.screen.title_text
        await pilot.press("n")  # cancel: nothing is taken down
        await settle(pilot)
        assert sb.world.locks
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert not sb.world.locks
        assert screen.page == "result" and app.state.step("protect").checked == "pass"
        verdict = str(screen.query_one("#verdict").content)
        assert "the protections are taken down" in verdict and "guarded" not in verdict
        titles = [str(v.result.title) for v in screen.query("CheckView")]
        assert "Done: stop sending the audit log of kv-contoso-byok to Log Analytics" in titles, titles


async def test_an_operator_who_may_not_lock_gets_the_commands_to_hand_over(make_app):
    sb = Sandbox.create("no-locks")
    h = make_app(state=await network_done(sb), sandbox=sb, start_step="protect")
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_into(pilot, "prot-contacts", CONTACT)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        text = "\n".join(str(s.content) for s in app.screen.query("Static"))
        assert "Owner or User Access Administrator" in text and "az lock create" in text
        assert not sb.world.locks


# --- snapshots ----------------------------------------------------------------------------------------


def _prepared(make_app, scenario: str = "default"):
    sb = Sandbox.create(scenario)
    return make_app(state=asyncio.run(network_done(sb)), sandbox=sb, start_step="protect").app


async def _contacts_typed(pilot) -> None:
    await settle(pilot)
    await type_into(pilot, "prot-contacts", CONTACT)


async def _bad_contacts(pilot) -> None:
    await settle(pilot)
    await type_into(pilot, "prot-contacts", "secops")
    await pilot.press("ctrl+r")
    await settle(pilot)


async def _reviewed(pilot) -> None:
    await _contacts_typed(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)


async def _applied(pilot) -> None:
    await _reviewed(pilot)
    await pilot.press("a")
    await settle(pilot)


@pytest.mark.usefixtures("stable_request_ids")
class TestProtectSnapshots:
    def test_form(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=settle)

    def test_bad_contacts(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_bad_contacts)

    def test_review(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_reviewed)

    def test_checks_after_apply(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_applied)

    def test_no_locks_hand_off(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app, "no-locks"), terminal_size=size, run_before=_reviewed)
