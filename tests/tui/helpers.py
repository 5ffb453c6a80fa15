"""Keyboard helpers for Pilot tests: every step is a key press, as an operator would do it."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Select

from tests.tui.conftest import settle


async def focus(pilot: Pilot, widget_id: str, limit: int = 40) -> None:
    """Press Tab until `#widget_id` has the focus (fails if it never gets there)."""
    for _ in range(limit):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{widget_id}; focus is on {pilot.app.focused!r}")


async def choose(pilot: Pilot, widget_id: str, value: object) -> None:
    """Open a Select with Enter, move to `value` with the arrow keys, pick it with Enter."""
    await focus(pilot, widget_id)
    select = pilot.app.screen.query_one(f"#{widget_id}", Select)
    values = [v for _, v in select._options]
    await pilot.press("enter")
    current = values.index(select.value) if select.value in values else 0
    target = values.index(value)
    await pilot.press(*(["down"] * (target - current) if target >= current else ["up"] * (current - target)))
    await pilot.press("enter")
    await settle(pilot)
    assert select.value == value


async def pick_radio(pilot: Pilot, set_id: str, button_id: str) -> None:
    """Focus a RadioSet, move its highlight to `button_id` with the arrow keys, press it with Enter."""
    await focus(pilot, set_id)
    radio_set = pilot.app.screen.query_one(f"#{set_id}")
    buttons = list(radio_set.children)
    for _ in range(len(buttons) + 1):
        highlighted = buttons[radio_set._selected] if radio_set._selected is not None else None
        if highlighted is not None and highlighted.id == button_id:
            break
        await pilot.press("right")
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.screen.query_one(f"#{button_id}").value


async def type_into(pilot: Pilot, widget_id: str, text: str) -> None:
    """Focus an Input by tabbing, clear it (end, ctrl+u) and type `text`."""
    await focus(pilot, widget_id)
    await pilot.press("end", "ctrl+u", *text)
    await settle(pilot)
