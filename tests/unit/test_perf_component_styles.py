"""The reusing stylesheet gives every component class the rules a stock Textual stylesheet gives it."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Footer, Input, OptionList, RadioButton, RadioSet

from byok_tui.perf import component_styles


class Sample(App):
    BINDINGS = [("ctrl+r", "noop", "Review")]

    def __init__(self, reuse: bool) -> None:
        super().__init__()
        if reuse:
            component_styles.install(self)

    def compose(self) -> ComposeResult:
        with RadioSet(id="source"):
            yield RadioButton("Kore API", value=True, id="api")
            yield RadioButton("Exported file", id="file")
            yield RadioButton("Sandbox", id="sandbox")
        yield Input(placeholder="path", id="path")
        yield Checkbox("Show az", id="az")
        yield OptionList("one", "two", id="options")
        yield Footer()


WALK = ("#source", "right", "enter", "#path", "x", "#az", "space", "#options", "down", "#source")
"""Focus a widget (#id) or press a key."""


def _component_rules(app: App) -> dict[tuple[str, str], tuple[dict, dict]]:
    return {
        (f"{type(node).__name__}#{node.id}", name): (dict(styles.base._rules), dict(styles.inline._rules))
        for node in app.screen.walk_children(with_self=True)
        for name, styles in node._component_styles.items()
    }


async def _walk(reuse: bool) -> tuple[list[dict], int]:
    """Focus, move, select and blur: the component rules after each move, and how many of the living
    widgets' virtual nodes were replaced."""
    app = Sample(reuse)
    seen: list[dict] = []
    async with app.run_test() as pilot:
        await pilot.pause()
        first = _virtual_nodes(app)
        for step in WALK:
            if step.startswith("#"):
                app.query_one(step).focus()
            else:
                await pilot.press(step)
            await pilot.pause()
            seen.append(_component_rules(app))
        last = _virtual_nodes(app)
    # Widgets that lived through the walk (the Footer rebuilds its keys when the bindings change).
    return seen, sum(1 for key in first.keys() & last.keys() if first[key] is not last[key])


def _virtual_nodes(app: App) -> dict:
    return {(id(node), name): styles.node for node in app.screen.walk_children()
            for name, styles in node._component_styles.items()}  # fmt: skip


def test_same_rules_as_stock_textual_after_every_move():
    stock, _ = asyncio.run(_walk(reuse=False))
    reused, _ = asyncio.run(_walk(reuse=True))
    assert reused == stock


def test_a_button_that_loses_the_highlight_loses_its_style():
    # The regression this guards: no rule matching any more left the old highlight in place.
    async def run() -> dict:
        app = Sample(reuse=True)
        async with app.run_test() as pilot:
            app.query_one("#source").focus()
            await pilot.press("right", "enter")
            app.query_one("#path").focus()
            await pilot.pause()
            return dict(app.query_one("#api", RadioButton)._component_styles["toggle--label"].base._rules)

    assert "background" not in asyncio.run(run())


def test_restyles_reuse_the_virtual_nodes():
    _, made_by_stock = asyncio.run(_walk(reuse=False))
    _, made_by_reuse = asyncio.run(_walk(reuse=True))
    assert made_by_stock > 0  # the walk does restyle widgets with component classes
    assert made_by_reuse == 0
