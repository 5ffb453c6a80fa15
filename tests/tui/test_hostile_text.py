"""Names that come from Azure or Kore are shown literally: markup and control characters cannot restyle
or inject into the UI."""

from __future__ import annotations

import asyncio

from byok_tui.sandbox import Sandbox
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through

HOSTILE_SUB = "[b red]PWNED[/] Contoso \x1b[2J\x07"
HOSTILE_BOT = "[link=https://evil.example]Claims[/link] \x1b]0;title\x07Bot"


def hostile_world() -> Sandbox:
    sb = Sandbox.create("default")
    sb.world.subscriptions[sb.subscription_id].display_name = HOSTILE_SUB
    sb.world.kore.bots[0]["name"] = HOSTILE_BOT
    sb.world.kore.bots[0]["purpose"] = "[/]\x1b[31m"
    return sb


async def loaded(pilot) -> None:
    await settle(pilot)
    await pilot.press("l")  # load the bots from the (sandbox) Kore API
    await settle(pilot)


def test_hostile_names_snapshot(snap_compare, make_app, size):
    sb = hostile_world()
    state = asyncio.run(done_through(sb, "test"))
    app = make_app(state=state, sandbox=sb, start_step="apps").app
    assert snap_compare(app, terminal_size=size, run_before=loaded)


async def test_hostile_subscription_name_is_literal_in_the_header(make_app):
    sb = hostile_world()
    app = make_app(sandbox=sb).app
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#where-long").render())
        assert "[b red]PWNED[/] Contoso \\x1b[2J\\x07" in text
