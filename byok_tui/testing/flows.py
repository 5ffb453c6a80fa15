"""Run the step on screen up to its review page, or through Apply to its checks: one implementation.

Every step screen is a FlowScreen (screens/flow.py): ctrl+r reviews (it works inside a text field too),
`a` applies, and a risky plan asks first in a ConfirmModal, answered with `y`. `fill` is what a test
does on the form before reviewing (choose a group, type a name); a bad answer stays on the form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from byok_tui.testing.pilot import settle

Fill = Callable[[Pilot], Awaitable[None]]


async def reviewed(pilot: Pilot, fill: Fill | None = None) -> None:
    """Settle, fill the form (if asked), press ctrl+r and wait for what the review shows."""
    await settle(pilot)
    if fill is not None:
        await fill(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)


async def applied(pilot: Pilot, fill: Fill | None = None, confirm: bool = True) -> None:
    """`reviewed`, then Apply; `y` to a confirmation if the plan asks one (unless `confirm` is False)."""
    from byok_tui.screens.widgets.modals import ConfirmModal

    await reviewed(pilot, fill)
    screen = pilot.app.screen
    assert getattr(screen, "page", None) == "review", (
        f"not on a review page: {screen!r} page={getattr(screen, 'page', None)!r}"
    )
    await pilot.press("a")
    await settle(pilot)
    if confirm and isinstance(pilot.app.screen, ConfirmModal):
        await pilot.press("y")
        await settle(pilot)
