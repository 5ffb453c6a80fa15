"""Every dialog fits 80x24 and 60x20 (issue #15, item 8): its body scrolls, its buttons and their keys
always show, and the footer shows the dialog's keys, not the page's underneath."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from textual.widgets import Button, Footer

from byok_tui.sandbox import Sandbox
from byok_tui.screens.widgets.modals import ConfirmModal, ErrorModal
from byok_tui.testing.pilot import focus, pick_radio, settle
from byok_tui.testing.prepare import answers
from tests.tui.test_network import fresh_state

SIZES = [(80, 24), (60, 20)]
IDS = ["80x24", "60x20"]


async def lockout_app_async(make_app):
    sb = Sandbox.create("default")
    return make_app(state=await fresh_state(sb), sandbox=sb, start_step="network").app


def lockout_app(make_app):
    return asyncio.run(lockout_app_async(make_app))


async def lockout_confirm(pilot) -> None:
    """Step 5, firewall, this machine's IP left out: the confirm that says who loses access."""
    await settle(pilot)
    await pick_radio(pilot, "net-mode", "net-fw")
    await focus(pilot, "net-mine")
    await pilot.press("enter")  # untick "Allow this machine's IP"
    await pilot.press("ctrl+r")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)


def restricted_app(make_app):
    sb = Sandbox.create("restricted")
    state = answers(sb)
    state = dataclasses.replace(state, vault=dataclasses.replace(
        state.vault, resource_group="rg-kore-byok", create_resource_group=True, create_vault=True))  # fmt: skip
    return make_app(state=state, sandbox=sb, start_step="vault").app


async def restricted_error(pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)


async def help_open(pilot) -> None:
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)


def shown_whole(widget, size) -> bool:
    region = widget.region
    return region.height >= 1 and region.y >= 0 and region.bottom <= size[1] and region.right <= size[0]


def footer_keys(screen) -> set[str]:
    footer = screen.query_one(Footer)
    assert footer.screen is screen
    return {b.description for _, b, enabled, _ in screen.active_bindings.values() if b.show and enabled}


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_lockout_confirm_keeps_its_buttons_and_keys(make_app, size):
    app = await lockout_app_async(make_app)
    async with app.run_test(size=size) as pilot:
        await lockout_confirm(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert "this machine" in str(modal.query_one("#confirm-body").content)
        for button in modal.query(Button):
            assert shown_whole(button, size), button
        assert footer_keys(modal) == {"Cancel", "Confirm"}


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_restricted_error_keeps_its_close_button(make_app, size):
    app = restricted_app(make_app)
    async with app.run_test(size=size) as pilot:
        await restricted_error(pilot)
        modal = app.screen
        assert isinstance(modal, ErrorModal)
        assert shown_whole(modal.query_one("#close", Button), size)
        assert footer_keys(modal) == {"Close"}


class TestModalSnapshots:
    @pytest.mark.parametrize("size", [*SIZES, (160, 50)], ids=[*IDS, "160x50"])
    def test_lockout_confirm(self, snap_compare, make_app, size):
        assert snap_compare(lockout_app(make_app), terminal_size=size, run_before=lockout_confirm)

    @pytest.mark.parametrize("size", SIZES, ids=IDS)
    def test_restricted_error(self, snap_compare, make_app, size):
        assert snap_compare(restricted_app(make_app), terminal_size=size, run_before=restricted_error)

    @pytest.mark.parametrize("size", SIZES, ids=IDS)
    def test_help(self, snap_compare, make_app, size):
        assert snap_compare(lockout_app(make_app), terminal_size=size, run_before=help_open)


async def test_dialogs_are_centred_in_a_large_terminal(make_app):
    """At 160x50 each dialog sits in the middle (#15 item 19): equal margins left and right, and above and
    below within one row (the footer takes the last)."""
    from byok_tui.errors import AzureError

    app = make_app().app
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        for show in (
            app.action_help,
            lambda: app.push_screen(ErrorModal(AzureError("Boom", remedy="Retry."))),
        ):
            show()
            await pilot.pause()
            (dialog,) = [w for w in app.screen.children if not isinstance(w, Footer)]
            box = dialog.region
            assert box.x == 160 - box.right, type(app.screen).__name__
            assert abs(box.y - (49 - box.bottom)) <= 1, type(app.screen).__name__
            await pilot.press("escape")
            await pilot.pause()
