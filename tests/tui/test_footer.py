"""StableFooter (screens/widgets/footer.py): rebuilds its keys when what it shows changes, not otherwise.

Assertions compare the FooterKey widgets before and after: the same objects mean no rebuild (no garbage),
new ones with the new state mean the footer followed the change.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input
from textual.widgets._footer import FooterKey

from byok_tui.screens.widgets.footer import StableFooter, footer_signature


class FooterApp(App[None]):
    BINDINGS = [Binding("n", "next", "Next"), Binding("x", "hidden", "Hidden", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.next_ready = False

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield Input(id="text")
        yield StableFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return True if self.next_ready else None  # None: shown dimmed (False would hide it)
        return True

    def action_next(self) -> None:
        pass


def keys(app: App) -> dict[str, FooterKey]:
    return {key.action: key for key in app.screen.query(FooterKey)}


async def test_moving_focus_between_widgets_without_own_keys_keeps_the_same_keys():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        before = keys(app)
        assert "next" in before and "hidden" not in before
        for target in ("#two", "#one", "#two"):  # the buttons' own keys are not shown: nothing to redraw
            app.query_one(target).focus()
            await pilot.pause()
            await pilot.pause()
        after = keys(app)
        assert after.keys() == before.keys()
        assert all(after[action] is before[action] for action in after)


async def test_focusing_an_input_drops_the_letter_keys_it_takes():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.query_one("#text").focus()
        await pilot.pause()
        await pilot.pause()
        assert "next" not in keys(app)  # the Input takes "n": the footer must not offer it


async def test_a_key_that_becomes_enabled_is_redrawn_enabled():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert keys(app)["next"].has_class("-disabled")
        app.next_ready = True
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert not keys(app)["next"].has_class("-disabled")


async def test_the_signature_follows_enabled_state_and_ignores_hidden_keys():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        dimmed = footer_signature(app.screen, app, True)
        app.next_ready = True
        assert footer_signature(app.screen, app, True) != dimmed
        assert footer_signature(app.screen, app, True) != footer_signature(app.screen, app, False)
        assert all(entry[0] != "x" for entry in footer_signature(app.screen, app, True)[0])
