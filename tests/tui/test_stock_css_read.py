"""With the performance package off, every step screen's CSS is read once after the first frame
(byok_tui.screens.stylesheets): no step screen then re-parses every stylesheet when it opens, and each
looks as it does when its CSS is read as it opens (stock Textual's lazy loading)."""

from __future__ import annotations

import pytest
from textual.css.stylesheet import Stylesheet

from byok_tui import perf
from byok_tui.sandbox import Sandbox
from byok_tui.screens import stylesheets
from tests.tui.conftest import settle
from tests.tui.prepare import done_through
from tests.tui.test_perf_css_preload import VISITS, assert_same_styles, styles_of


@pytest.fixture(autouse=True)
def perf_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(perf.ENV, "off")


@pytest.fixture
def reparses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = Stylesheet.reparse

    def spy(self: Stylesheet) -> None:
        calls.append(len(self.source))
        real(self)

    monkeypatch.setattr(Stylesheet, "reparse", spy)
    return calls


async def test_no_step_screen_reparses_every_stylesheet_when_it_opens(make_app, reparses):
    sb = Sandbox.create("default")
    app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="authorize").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.perf.enabled
        files = stylesheets.css_files()
        # Every step's rules in one file: one source, not thirteen (the parse cache holds 64 sources).
        assert [path.name for path in files] == ["signin.tcss", "steps.tcss"]
        assert all(app.stylesheet.has_source(str(path), "") for path in files)
        reparses.clear()
        for step in VISITS:
            app.action_goto_step(step)
            await settle(pilot)
            assert getattr(app.screen, "STEP_ID", "") == step
            assert reparses == [], step


async def test_without_the_read_each_step_screen_reparses(make_app, reparses, monkeypatch):
    """The test above can fail: stock lazy loading re-parses everything as each new screen opens."""
    monkeypatch.setattr(stylesheets, "start", lambda app: None)
    sb = Sandbox.create("default")
    app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="signin").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reparses.clear()
        app.action_goto_step("authorize")  # the first step screen: stock Textual reads steps.tcss now
        await settle(pilot)
        assert reparses


async def test_every_step_screen_gets_the_styles_lazy_loading_gives_it(make_app, monkeypatch):
    async def visit_all(read: bool) -> dict[str, list]:
        if not read:
            monkeypatch.setattr(stylesheets, "start", lambda app: None)
        sb = Sandbox.create("default")
        app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="authorize").app
        seen = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            seen["authorize"] = styles_of(app)
            for step in VISITS:
                app.action_goto_step(step)
                await settle(pilot)
                seen[step] = styles_of(app)
        return seen

    read = await visit_all(True)
    lazy = await visit_all(False)  # last: it patches `start` for the rest of the test
    assert_same_styles(read, lazy)


async def test_a_source_added_during_the_parse_is_kept(make_app, monkeypatch):
    sb = Sandbox.create("default")
    app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="signin").app
    monkeypatch.setattr(stylesheets, "start", lambda app: None)
    real = stylesheets._read_and_parse
    calls: list[int] = []

    def racing(sheet: Stylesheet) -> list[tuple[str, str]]:
        calls.append(len(sheet.source))
        if len(calls) == 1:  # a widget's CSS is added on the loop thread while this parses
            app.call_from_thread(app.stylesheet.add_source, "Static.racing { color: red; }", ("", "racing"))
        return real(sheet)

    monkeypatch.setattr(stylesheets, "_read_and_parse", racing)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert await stylesheets.preload(app)
        assert len(calls) == 2 and calls[1] == calls[0] + 1
        assert ("", "racing") in app.stylesheet.source
        assert any(".racing" in rule.selector_names for rule in app.stylesheet.rules)
        assert all(app.stylesheet.has_source(str(path), "") for path in stylesheets.css_files())
