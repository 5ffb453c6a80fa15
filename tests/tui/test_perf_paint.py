"""Split paint (byok_tui.perf.paint): a layout's paint runs on a later turn of the event loop.

The screens still look the same (every snapshot is taken through step screens that split their paint,
the performance package being on by default); these tests pin the timing, and the Textual internals it
relies on.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from byok_tui.perf import paint


class Counting(Screen[None]):
    """Counts the paints that reach Textual's own compositor refresh."""

    paints = 0

    def _compositor_refresh(self) -> None:
        self.paints += 1
        super()._compositor_refresh()

    def compose(self) -> ComposeResult:
        yield Static("hello")
        yield Boom("world")


class Boom(Static):
    DEFAULT_CSS = "Boom { width: 10; height: 1; }"  # a fixed size: only painting calls render()
    explode = False

    def render(self):  # type: ignore[override]
        if self.explode:
            raise RuntimeError("boom")
        return super().render()


class Split(Counting):
    """A screen of the wizard's package, as `paint.split` wants: it leaves Textual's own screens alone."""


Split.__module__ = "byok_tui.tests.split"


class Host(App[None]):
    def on_mount(self) -> None:
        screen = Split()
        paint.split(screen)
        self.push_screen(screen)


@contextlib.asynccontextmanager
async def hosted() -> AsyncIterator[tuple[Host, Split]]:
    """A running Host with its Split screen shown and settled."""
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, Split)
        yield app, app.screen


async def turns_until_painted(screen: Split, painted: int) -> int:
    """Turns of the event loop until the screen paints again."""
    turns = 0
    while screen.paints == painted:
        await asyncio.sleep(0)
        turns += 1
    return turns


def test_split_replaces_the_two_methods_once_and_only_on_the_wizards_screens() -> None:
    screen = Split()
    paint.split(screen)
    replaced = screen._refresh_layout, screen._compositor_refresh
    paint.split(screen)  # again, as each time the screen comes back to the top
    assert (screen._refresh_layout, screen._compositor_refresh) == replaced
    assert isinstance(replaced[0], paint._Bound)
    stock = Counting()  # defined here, in tests.*: not one of the wizard's screens
    paint.split(stock)
    assert "_refresh_layout" not in vars(stock) and "_compositor_refresh" not in vars(stock)


def test_textual_still_paints_from_its_layout() -> None:
    # What SplitPaint intercepts (textual is pinned below 8.3; this fails first if a release moves it).
    assert "_compositor_refresh()" in inspect.getsource(Screen._refresh_layout)
    assert "_refresh_layout(" in inspect.getsource(Screen._on_timer_update)
    assert "widget.render_lines(" in inspect.getsource(type(Screen()._compositor)._get_renders)
    assert "self._batch_count" in inspect.getsource(App._display)  # frames inside a batch are dropped


async def test_widgets_render_ahead_a_slice_per_turn_then_the_frame_paints_once(monkeypatch) -> None:
    monkeypatch.setattr(paint, "PAINT_SLICE_S", 0.0)  # one widget per turn
    async with hosted() as (app, screen):
        rendered: list[str] = []
        for widget in screen.query(Static):
            original = widget.render_lines
            widget.render_lines = lambda crop, w=widget, o=original: (
                rendered.append(str(w.id or w.render())) or o(crop)
            )
        before = screen.paints
        screen.query_one(Boom).refresh()
        screen._refresh_layout(app.size)
        turns = await turns_until_painted(screen, before)
        assert screen.paints == before + 1
        assert turns >= 2  # one turn per widget before the frame
        assert len(rendered) >= 2


async def test_an_error_while_painting_still_reaches_the_app_the_render_ahead_swallows_nothing() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with hosted() as (app, screen):
            boom = screen.query_one(Boom)
            boom.explode = True
            boom.refresh()
            screen._refresh_layout(app.size)  # the only paint: the one after this layout
            await asyncio.sleep(0.05)
            assert isinstance(app._exception, RuntimeError)


async def test_the_paint_after_a_layout_runs_on_a_later_turn_and_once() -> None:
    async with hosted() as (app, screen):
        before = screen.paints
        screen._refresh_layout(app.size)
        screen.refresh()
        screen._on_timer_update()  # a repaint asked for in the same turn joins the paint already due
        assert screen.paints == before
        await asyncio.sleep(0.01)
        assert screen.paints == before + 1


async def test_a_timer_due_meanwhile_runs_between_the_layout_and_its_paint() -> None:
    order: list[str] = []
    async with hosted() as (app, screen):
        loop = asyncio.get_running_loop()
        loop.call_later(0, order.append, "timer")
        screen._refresh_layout(app.size)
        await turns_until_painted(screen, screen.paints)
        order.append("paint")
        assert order == ["timer", "paint"]


async def test_a_paint_without_a_layout_is_not_delayed() -> None:
    async with hosted() as (app, screen):
        before = screen.paints
        screen._compositor_refresh()
        assert screen.paints == before + 1


def test_bands_cover_what_the_compositor_shows_in_slices_of_a_few_lines() -> None:
    tall, hidden, clipped = object(), object(), object()
    widgets = [
        (tall, (Region(0, 0, 30, 20), Region(0, 0, 80, 24))),  # all 20 lines shown
        (hidden, (Region(0, 30, 30, 5), Region(0, 0, 80, 24))),  # scrolled out of sight
        (clipped, (Region(2, -3, 10, 6), Region(0, 0, 80, 24))),  # its top 3 lines scrolled away
    ]
    bands = list(paint._bands(widgets))
    assert [crop for widget, crop in bands if widget is tall] == [
        Region(0, 0, 30, 8),
        Region(0, 8, 30, 8),
        Region(0, 16, 30, 4),
    ]
    assert not [crop for widget, crop in bands if widget is hidden]
    assert [crop for widget, crop in bands if widget is clipped] == [Region(0, 3, 10, 3)]


async def test_a_paint_due_inside_a_batch_update_waits_for_its_end() -> None:
    # The App drops a frame handed to it inside a batch: painted then, the changes would never show (a
    # closed drop-down stayed on screen).
    async with hosted() as (app, screen):
        before = screen.paints
        screen._refresh_layout(app.size)
        with app.batch_update():
            for _ in range(10):
                await asyncio.sleep(0)
            assert screen.paints == before
        await asyncio.sleep(0.02)
        assert screen.paints == before + 1
