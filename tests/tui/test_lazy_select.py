"""LazySelect (Sign-in's cloud and method): its drop-down mounts after the first frame, and then it is a
Select in every way; opened sooner, it mounts the drop-down first."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay

from byok_tui.screens.widgets.lazy_select import LazySelect

OPTIONS = [("Alpha", "a"), ("Beta", "b"), ("Gamma", "c")]


class Pair(App[None]):
    """A LazySelect beside the Select it stands for, with every Changed each one posts."""

    def __init__(self, **kwargs) -> None:
        super().__init__()
        self.kwargs = kwargs
        self.changed: dict[str, list[object]] = {"lazy": [], "plain": []}

    def compose(self) -> ComposeResult:
        yield LazySelect(OPTIONS, id="lazy", **self.kwargs)
        yield Select(OPTIONS, id="plain", **self.kwargs)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.changed[event.select.id or ""].append(event.value)


def label(select: Select) -> str:
    return str(select.query_one(SelectCurrent).query_one("#label").render())


async def test_it_shows_and_says_what_a_select_does_and_gets_its_list_after_the_first_frame():
    app = Pair(value="b", allow_blank=False, compact=True)
    async with app.run_test() as pilot:
        lazy, plain = app.query_one("#lazy", Select), app.query_one("#plain", Select)
        await pilot.pause()
        assert len(lazy.query(SelectOverlay)) == 1
        assert lazy.query_one(SelectOverlay).highlighted == plain.query_one(SelectOverlay).highlighted == 1
        assert lazy.value == plain.value == "b" and label(lazy) == label(plain) == "Beta"
        assert lazy.query_one(SelectCurrent).classes == plain.query_one(SelectCurrent).classes
        assert app.changed["lazy"] == app.changed["plain"] == ["b"]
        lazy.value = plain.value = "c"
        lazy.set_options(OPTIONS[:2])
        plain.set_options(OPTIONS[:2])
        await pilot.pause()
        assert lazy.value == plain.value == "a" and label(lazy) == label(plain) == "Alpha"
        assert app.changed["lazy"] == app.changed["plain"]


async def test_a_blank_one_shows_its_prompt_like_a_select():
    app = Pair(prompt="Pick one")
    async with app.run_test() as pilot:
        await pilot.pause()
        lazy, plain = app.query_one("#lazy", Select), app.query_one("#plain", Select)
        assert lazy.is_blank() and plain.is_blank() and label(lazy) == label(plain) == "Pick one"
        assert lazy.query_one(SelectCurrent).classes == plain.query_one(SelectCurrent).classes


async def test_opened_before_its_list_is_mounted_it_mounts_it_then_opens():
    class Early(App[None]):
        opened: list[tuple[bool, int | None, int]] = []

        def compose(self) -> ComposeResult:
            yield LazySelect(OPTIONS, value="c", allow_blank=False, id="lazy")

        async def on_mount(self) -> None:
            select = self.query_one(LazySelect)
            assert not select.query(SelectOverlay)  # the first frame has not been drawn yet
            await select.action_show_overlay()
            overlay = select.query_one(SelectOverlay)
            self.opened.append((select.expanded, overlay.highlighted, overlay.option_count))

    app = Early()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.opened == [(True, 2, 3)]
        assert len(app.query_one(LazySelect).query(SelectOverlay)) == 1  # the deferred mount added none
        await pilot.press("up", "enter")
        assert app.query_one(LazySelect).value == "b" and not app.query_one(LazySelect).expanded
