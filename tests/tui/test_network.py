"""Step 5 driven by the keyboard against the sandbox: private endpoint (A) or firewall (B).

Assertions look at what the screen says, `app.state`, and the vault's connections and network ACLs in the
sandbox world.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from byok_tui.profile import Profile
from byok_tui.sandbox import Sandbox
from byok_tui.screens.network import NetworkScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.modals import ConfirmModal
from byok_tui.screens.widgets.parts import PartsView
from byok_tui.state import NetworkState, WizardState
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import focus, pick_radio, settle, type_into
from byok_tui.testing.prepare import answers, done_through

KORE_RANGE = "192.0.2.32/28"


def message(app, widget_id: str) -> str:
    return app.screen.query_one(f"#{widget_id}-msg", FieldMessage).text


def screen_text(app) -> str:
    statics = [str(s.content) for s in app.screen.query("Static")]
    parts = [text for view in app.screen.query(PartsView) for text in view.texts]  # checks, changes (#17)
    return "\n".join(statics + parts)


async def pe_state(sb: Sandbox) -> WizardState:
    """Steps 1-4 done on the private-endpoint scenario's vault kv-contoso-cmk (adopted, key kore-cmk)."""
    state = answers(sb)
    state = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, name="kv-contoso-cmk", create_vault=False, key_name="kore-cmk",
                                         create_key=False),
        network=NetworkState(),
    )  # fmt: skip
    return await done_through(sb, "share", state)


async def fresh_state(sb: Sandbox) -> WizardState:
    """Steps 1-4 done on the default scenario, Step 5 not chosen yet."""
    return await done_through(sb, "share", dataclasses.replace(answers(sb), network=NetworkState()))


def acls(sb: Sandbox, vault: str) -> dict:
    return sb.world.vault(vault).properties.get("networkAcls") or {}


async def test_private_endpoint_approves_the_pending_kore_connection(make_app):
    sb = Sandbox.create("private-endpoint")
    state = await pe_state(sb)
    h = make_app(state=state, sandbox=sb, start_step="network")
    h.app.profile = sb.profile()
    app = h.app
    (pending,) = sb.world.vault("kv-contoso-cmk").private_endpoint_connections
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert (
            isinstance(screen, NetworkScreen) and screen.mode == "private-endpoint"
        )  # recommended by default
        assert app.focused is not None and app.focused.id == "net-mode"
        assert screen.table.row_count == 1
        assert [str(c) for c in screen.table.get_row_at(0)] == [
            "◌ Pending", "pe-kore-byok-contoso (rg-kore-privatelink-eastus)"]  # fmt: skip
        assert message(app, "net-connections") == f"✓ Review approves {pending.name}."
        assert pending.status == "Pending"

        await pilot.press("r")
        await settle(pilot)
        assert screen.page == "review" and app.state.network.connection_name == pending.name
        await pilot.press("a")  # approving is not restrictive: no confirmation
        await settle(pilot)
        assert screen.page == "result"
        assert pending.status == "Approved"
        results = {v.result.id: v.result.status for v in screen.query(CheckView)}
        assert results == {"network.configured": "pass", "network.reachable": "pass"}
        assert (
            acls(sb, "kv-contoso-cmk").get("defaultAction", "Allow") == "Allow"
        )  # the firewall is untouched


async def test_no_pending_connection_says_what_to_do_then_approves_once_kore_asks(make_app):
    sb = Sandbox.create("default")
    state = await fresh_state(sb)
    h = make_app(state=state, sandbox=sb, start_step="network")
    h.app.profile = sb.profile()
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.table.display
        said = message(app, "net-connections")
        assert said.startswith("No private-endpoint connection yet. Ask Kore.ai support to create their private "
                               "endpoint to your vault")  # fmt: skip
        assert sb.world.vault("kv-contoso-byok").id in said
        await pilot.press("r")
        await settle(pilot)
        assert screen.page == "form", "nothing to approve: Review refuses"
        assert app.focused is screen.mode_set  # B is one key away
        assert any("no connection from Kore is waiting" in str(n.message) for n in notifications(app))

        sb.world.request_private_endpoint_connection("kv-contoso-byok")  # Kore creates its endpoint
        await pilot.press("l")
        await settle(pilot)
        (pending,) = sb.world.vault("kv-contoso-byok").private_endpoint_connections
        assert (
            screen.table.display and message(app, "net-connections") == f"✓ Review approves {pending.name}."
        )
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert pending.status == "Approved" and app.state.step("network").checked == "pass"


async def test_firewall_with_a_bad_rule_then_declining_this_machine(make_app):
    sb = Sandbox.create("default")
    state = await fresh_state(sb)
    h = make_app(state=state, sandbox=sb, start_step="network")
    h.app.profile = sb.profile()
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        await pick_radio(pilot, "net-mode", "net-fw")
        shown = screen_text(app)
        assert f"{KORE_RANGE} (from the Kore profile)" in shown
        assert str(screen.mine.label) == f"Allow this machine's IP ({sb.operator_ip})"
        assert "open to all networks (no firewall yet)" in shown

        await type_into(pilot, "net-extra", "198.51.100.0/24, 10.1.2.3")
        assert message(app, "net-extra").startswith(
            "Also allow, item 2: Firewall IP rule 10.1.2.3 is a private (RFC 1918) address"
        )
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "form" and app.focused is screen.extra
        await type_into(pilot, "net-extra", "198.51.100.0/33")
        assert message(app, "net-extra").startswith("Also allow: Firewall IP rule prefix length must be")
        await type_into(pilot, "net-extra", "0.0.0.0/0")
        assert message(app, "net-extra").startswith(
            "⚠ Also allow: 0.0.0.0/0 lets in a large part of the internet"
        )
        await type_into(pilot, "net-extra", "198.51.100.0/24")
        assert message(app, "net-extra") == ""

        assert not screen.lockout.display
        await focus(pilot, "net-mine")
        await pilot.press("enter")  # decline this machine's IP
        await settle(pilot)
        assert screen.lockout.display
        assert "this machine can no longer reach the vault" in str(screen.lockout.content)

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        await pilot.press("a")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        body = str(modal.query_one("#confirm-body").content)
        assert "Loses access to the keys: everyone calling from an address not listed" in body
        assert f"and this machine ({sb.operator_ip})." in body
        assert f"Keeps access: {KORE_RANGE}, 198.51.100.0/24, and trusted Microsoft services." in body
        await pilot.press("y")
        await settle(pilot)
        rules = acls(sb, "kv-contoso-byok")
        assert rules["defaultAction"] == "Deny" and rules["bypass"] == "AzureServices"
        assert [r["value"] for r in rules["ipRules"]] == [KORE_RANGE, "198.51.100.0/24"]
        results = {v.result.id: v.result for v in app.screen.query(CheckView)}
        assert results["network.configured"].status == "pass"
        assert results["network.reachable"].status == "warn"
        assert "can no longer reach the vault" in results["network.reachable"].remedy


async def test_firewall_keeping_this_machine_passes_and_cancel_changes_nothing(make_app):
    sb = Sandbox.create("default")
    state = await fresh_state(sb)
    h = make_app(state=state, sandbox=sb, start_step="network")
    h.app.profile = sb.profile()
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pick_radio(pilot, "net-mode", "net-fw")
        await focus(pilot, "review")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # cancel: nothing happens
        await settle(pilot)
        assert acls(sb, "kv-contoso-byok").get("defaultAction", "Allow") == "Allow"
        assert any("No changes were made" in str(n.message) for n in notifications(app))
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        rules = acls(sb, "kv-contoso-byok")
        assert [r["value"] for r in rules["ipRules"]] == [
            KORE_RANGE,
            f"{sb.operator_ip}/32",
        ]  # as Azure stores it
        assert app.state.network.operator_ip == sb.operator_ip
        assert {v.result.status for v in app.screen.query(CheckView)} == {"pass"}


async def test_without_a_profile_kore_ranges_must_be_typed(make_app):
    sb = Sandbox.create("default")
    state = await fresh_state(sb)
    h = make_app(state=state, sandbox=sb, start_step="network")
    h.app.profile = Profile()  # a profile that names no ranges
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pick_radio(pilot, "net-mode", "net-fw")
        assert "Kore publishes no list of its addresses" in screen_text(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "form"
        assert message(app, "net-extra").startswith(
            "Firewall: holds none of Kore's ranges, so it would block Kore"
        )
        await type_into(pilot, "net-extra", KORE_RANGE)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "review" and app.state.network.ip_rules == (KORE_RANGE,)


async def test_firewall_form_says_which_rules_it_would_remove(make_app):
    sb = Sandbox.create("default")
    state = await fresh_state(sb)
    vault = sb.world.vault("kv-contoso-byok")
    vault.properties["networkAcls"] = {"defaultAction": "Deny", "bypass": "None",
                                       "ipRules": [{"value": "198.51.100.7"}, {"value": sb.operator_ip}],
                                       "virtualNetworkRules": []}  # fmt: skip
    h = make_app(state=state, sandbox=sb, start_step="network")
    h.app.profile = sb.profile()
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pick_radio(pilot, "net-mode", "net-fw")
        assert f"deny by default; allows 198.51.100.7, {sb.operator_ip}" in screen_text(app)
        assert message(app, "net-now") == "Apply removes rules the vault has now: 198.51.100.7."
        await type_into(pilot, "net-extra", "198.51.100.7")
        assert message(app, "net-now") == ""


# --- snapshots ----------------------------------------------------------------------------------------


def _prepared(make_app, scenario: str = "default"):
    sb = Sandbox.create(scenario)
    state = asyncio.run(pe_state(sb) if scenario == "private-endpoint" else fresh_state(sb))
    app = make_app(state=state, sandbox=sb, start_step="network").app
    app.profile = sb.profile()
    return app


async def _refused(pilot) -> None:
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)


async def _firewall_bad_rule_declined(pilot) -> None:
    await settle(pilot)
    await pick_radio(pilot, "net-mode", "net-fw")
    await focus(pilot, "net-mine")
    await pilot.press("enter")
    await type_into(pilot, "net-extra", "10.1.2.3")
    await settle(pilot)


async def _confirming(pilot) -> None:
    await settle(pilot)
    await pick_radio(pilot, "net-mode", "net-fw")
    await focus(pilot, "net-mine")
    await pilot.press("enter")
    await pilot.press("ctrl+r")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)


async def _firewall_applied(pilot) -> None:
    await _confirming(pilot)
    await pilot.press("y")
    await settle(pilot)


@pytest.mark.usefixtures("stable_request_ids")
class TestNetworkSnapshots:
    def test_pending_connection(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app, "private-endpoint"), terminal_size=size, run_before=settle)

    def test_no_connection_yet(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_refused)

    def test_firewall_bad_rule_and_lockout_warning(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_firewall_bad_rule_declined)

    def test_confirm_says_who_loses_access(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_confirming)

    def test_checks_after_firewall(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_firewall_applied)
