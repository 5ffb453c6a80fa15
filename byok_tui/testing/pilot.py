"""Driving the App under Textual's Pilot: wait for data, focus and set values directly, or by keys.

Most tests set a field the way the App sees it (focus it, give it a value, let the App process the
messages that posts), which costs one wait instead of one per Tab and per character. A few walkthroughs
(`test_keyboard_walk_*`) prove the keyboard path itself with the `keys_*` helpers: Tab to the field,
type each character, open a Select with Enter and move with the arrows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList, RadioButton, RadioSet, Select
from textual.widgets.select import InvalidSelectValueError


async def settle(pilot: Pilot) -> None:
    """Wait until every worker (look-ups, debounce, apply, checks) is done and the screen redrew."""
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if all(w.is_finished for w in pilot.app.workers):  # a worker made but not started yet counts too
            break
    await pilot.pause()
    await flushed(pilot.app)


async def flushed(app: App) -> None:
    """Wait until the session's background writer (see byok_tui.session_writer) has written everything."""
    durable = getattr(getattr(app, "session", None), "durable", None)
    if durable is not None:
        await durable()


async def wait_for(pilot: Pilot, condition: Callable[[], object], what: str, limit: float = 60.0) -> None:
    """Wait until `condition()` holds: the data a test is about to read is there (a list loaded, a
    widget mounted). Each round lets the App's workers finish and its messages go through; `limit`
    (seconds) only bounds a wait that would never end, so a failure says what never came."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + limit
    while not condition():
        if loop.time() > give_up:
            raise AssertionError(f"gave up waiting for {what} after {limit:.0f} s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _widget(pilot: Pilot, widget_id: str) -> Widget:
    """`#widget_id` on the current screen, once it is mounted (a page may compose after the screen shows)."""
    await wait_for(pilot, lambda: pilot.app.screen.query(f"#{widget_id}"), f"#{widget_id} to be mounted")
    return pilot.app.screen.query_one(f"#{widget_id}")


# --- direct: what the App receives, without the keys ------------------------------------------------


async def focus(pilot: Pilot, widget_id: str) -> None:
    """Give `#widget_id` the focus (fails if it cannot take it: hidden, disabled, not focusable)."""
    widget = await _widget(pilot, widget_id)
    widget.focus()
    await pilot.pause()
    if pilot.app.focused is not widget:
        raise AssertionError(f"#{widget_id} did not take the focus; it is on {pilot.app.focused!r}")


async def type_into(pilot: Pilot, widget_id: str, text: str) -> None:
    """Focus an Input and make `text` its whole value, cursor at the end (as typed after clearing it)."""
    await focus(pilot, widget_id)
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    field.value = text
    field.cursor_position = len(text)
    await settle(pilot)


async def choose(pilot: Pilot, widget_id: str, value: object) -> None:
    """Focus a Select and pick `value`, once it is one of its options (they may still be loading)."""
    await focus(pilot, widget_id)
    select = pilot.app.screen.query_one(f"#{widget_id}", Select)

    def picked() -> bool:
        # Select refuses a value that is not among its options: that is how the options are read here
        # (Textual keeps the list itself private).
        try:
            select.value = value
        except InvalidSelectValueError:
            return False
        return True

    try:
        await wait_for(pilot, picked, f"#{widget_id} to offer {value!r}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; its prompt says {select.prompt!r}") from None
    await settle(pilot)
    assert select.value == value


async def pick_radio(pilot: Pilot, set_id: str, button_id: str) -> None:
    """Focus a RadioSet directly, then move its highlight to `button_id` with the arrows and press Enter.

    (A few keys, no Tab walk: the highlight and the pressed button end where an operator leaves them.)"""
    await focus(pilot, set_id)
    await _arrow_to(pilot, set_id, button_id)


# --- by keys: as an operator does it ------------------------------------------------------------------


async def keys_focus(pilot: Pilot, widget_id: str, limit: int = 40) -> None:
    """Press Tab until `#widget_id` has the focus (fails if it never gets there)."""
    for _ in range(limit):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{widget_id}; focus is on {pilot.app.focused!r}")


async def keys_choose(pilot: Pilot, widget_id: str, value: object) -> None:
    """Tab to a Select, open it with Enter, move with the arrow keys to the option whose label shows
    `value`, pick it with Enter."""
    await keys_focus(pilot, widget_id)
    select = pilot.app.screen.query_one(f"#{widget_id}", Select)
    await pilot.press("enter")
    await wait_for(pilot, lambda: select.query(OptionList), f"#{widget_id} to open its list")
    listed = select.query_one(OptionList)

    def labels() -> list[str]:
        return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]

    await wait_for(
        pilot, lambda: any(str(value) in label for label in labels()), f"#{widget_id} to list {value!r}"
    )
    target = next(i for i, label in enumerate(labels()) if str(value) in label)
    for _ in range(listed.option_count):
        if listed.highlighted == target:
            break
        await pilot.press("down" if listed.highlighted is None or listed.highlighted < target else "up")
    await pilot.press("enter")
    await settle(pilot)
    assert select.value == value


async def keys_pick_radio(pilot: Pilot, set_id: str, button_id: str) -> None:
    """Tab to a RadioSet, move its highlight to `button_id` with the arrow keys, press it with Enter."""
    await keys_focus(pilot, set_id)
    await _arrow_to(pilot, set_id, button_id)


async def _arrow_to(pilot: Pilot, set_id: str, button_id: str) -> None:
    radio_set = pilot.app.screen.query_one(f"#{set_id}", RadioSet)
    buttons = list(radio_set.query(RadioButton))
    for _ in range(len(buttons) + 1):
        # RadioSet marks the button its highlight is on with the -selected class (the index is private).
        if any(b.id == button_id and b.has_class("-selected") for b in buttons):
            break
        await pilot.press("right")
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.screen.query_one(f"#{button_id}", RadioButton).value


async def keys_type_into(pilot: Pilot, widget_id: str, text: str) -> None:
    """Tab to an Input, clear it (end, ctrl+u) and type `text` one key at a time."""
    await keys_focus(pilot, widget_id)
    await pilot.press("end", "ctrl+u", *text)
    await settle(pilot)
