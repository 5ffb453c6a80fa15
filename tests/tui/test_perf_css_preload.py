"""The CSS preload (byok_tui.css_preload): screens opened after it parse nothing, and look the same.

The App preloads once its first frame is drawn, in a worker; `settle` waits for workers, so after it the
preload is done. Without it (`start` replaced by a no-op) the App reads CSS lazily, as Textual does.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Static

from byok_tui.errors import ByokError
from byok_tui.perf import css_preload
from byok_tui.sandbox import Sandbox
from byok_tui.screens import registry
from byok_tui.screens.help import HelpScreen
from byok_tui.screens.widgets.header import AppHeader
from byok_tui.screens.widgets.modals import ConfirmModal, ErrorModal
from byok_tui.screens.widgets.qr import QRModal
from tests.tui.conftest import settle
from tests.tui.prepare import done_through

VISITS = [step for step in registry.built_steps() if step != "authorize"]
"""Every step but the first screen (authorize), in the guide's order."""


def rules(styles: Any) -> dict[str, Any]:
    """The rules the stylesheet set; a layout by kind (each parse makes new layout objects, never equal)."""
    return {
        key: type(value).__name__ if key == "layout" else value for key, value in styles.base._rules.items()
    }


def styles_of(app: Any) -> list[tuple[str, str, tuple[str, ...], dict, dict]]:
    """Every node of the current screen with the rules the stylesheet gave it (and its components).

    Toasts are left out: they leave on a timer, so whether an earlier step's toast is still up depends on
    how fast the machine ran the visit (a loaded CI machine saw one more node on one run than the other)."""
    return [
        (type(node).__name__, node.id or "", tuple(sorted(node.classes)), rules(node.styles),
         {name: rules(styles) for name, styles in node._component_styles.items()})
        for node in app.screen.walk_children(with_self=True)
        if not any(type(n).__name__ == "Toast" for n in (node, *node.ancestors))
    ]  # fmt: skip


async def settled_styles_of(pilot: Any) -> list[tuple[str, str, tuple[str, ...], dict, dict]]:
    """`styles_of` once the screen stopped changing: two reads with a settle between agree.

    `settle` waits for workers, but not every part of a screen comes from one: the vault form mounts its
    sections a frame apart (call_after_refresh) and only then starts their look-ups, so a loaded machine
    could read a Select before its value came (a `-has-value` class the other run had)."""
    app = pilot.app
    seen = styles_of(app)
    for _ in range(20):
        await settle(pilot)
        now = styles_of(app)
        if now == seen:
            return now
        seen = now
    raise AssertionError(f"{type(app.screen).__name__} never stopped changing")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"parse": 0, "reparse": 0}
    for name in calls:
        real = getattr(Stylesheet, name)

        def spy(self: Stylesheet, _real: Any = real, _name: str = name) -> None:
            calls[_name] += 1
            _real(self)

        monkeypatch.setattr(Stylesheet, name, spy)
    return calls


async def test_no_screen_opened_after_the_preload_parses_css(make_app, counted):
    sb = Sandbox.create("default")
    h = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="authorize")
    app = h.app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(app.stylesheet.source) > 60  # preloaded: the first screen alone needs about 30
        counted.update(parse=0, reparse=0)
        for step in VISITS:
            app.action_goto_step(step)
            await settle(pilot)
            assert getattr(app.screen, "STEP_ID", "") == step
            assert counted == {"parse": 0, "reparse": 0}, step
        await pilot.press("f1")  # the help screen
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        app.push_screen(ConfirmModal("Sure?", "Body", "Go"))
        await settle(pilot)
        app.push_screen(ErrorModal(ByokError("broken")))
        await settle(pilot)
        app.notify("hello")  # toasts
        await settle(pilot)
        assert counted == {"parse": 0, "reparse": 0}


async def test_every_step_screen_gets_the_styles_lazy_loading_gives_it(make_app, monkeypatch):
    async def visit_all(preload: bool) -> dict[str, list]:
        if not preload:
            monkeypatch.setattr(css_preload, "start", lambda app: None)
        sb = Sandbox.create("default")
        app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="authorize").app
        seen = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            seen["authorize"] = await settled_styles_of(pilot)
            for step in VISITS:
                app.action_goto_step(step)
                await settle(pilot)
                seen[step] = await settled_styles_of(pilot)
            await pilot.press("f1")
            await settle(pilot)
            seen["help"] = await settled_styles_of(pilot)
        return seen

    preloaded = await visit_all(True)
    lazy = await visit_all(False)  # last: it patches `start` for the rest of the test
    assert_same_styles(preloaded, lazy)


def assert_same_styles(got: dict[str, list], want: dict[str, list]) -> None:
    """Every screen visited has the same styles, node by node, in `got` as in `want` (and enough nodes)."""
    assert got.keys() == want.keys()
    for screen in want:
        assert len(got[screen]) == len(want[screen]) > 5, screen
        for mine, theirs in zip(got[screen], want[screen], strict=True):
            assert mine == theirs, screen


async def test_the_swap_changes_no_style_of_the_first_screen(make_app, monkeypatch):
    sb = Sandbox.create("default")
    app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="authorize").app
    around: list[list] = []
    swap = css_preload.swap

    def spying_swap(live: Any, parsed: Stylesheet) -> None:
        around.append(styles_of(live))
        swap(live, parsed)
        around.append(styles_of(live))

    monkeypatch.setattr(css_preload, "swap", spying_swap)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert len(around) == 2 and around[0] == around[1]


async def test_a_stylesheet_changed_during_the_parse_is_parsed_again_with_the_change(make_app, monkeypatch):
    sb = Sandbox.create("default")
    app = make_app(state=await done_through(sb, "apps"), sandbox=sb, start_step="authorize").app
    monkeypatch.setattr(css_preload, "start", lambda app: None)
    build = css_preload.build
    builds = []

    def racing_build(seen: Any, variables: Any, cache: Any = None) -> Stylesheet:
        builds.append(len(seen))
        if len(builds) == 1:  # a source is added on the loop thread while this parses
            app.call_from_thread(app.stylesheet.add_source, "Static.racing { color: red; }", ("", "racing"))
        return build(seen, variables, cache)

    monkeypatch.setattr(css_preload, "build", racing_build)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert await css_preload.preload(app)
        assert len(builds) == 2 and builds[1] == builds[0] + 1
        assert ("", "racing") in app.stylesheet.source
        assert any(".racing" in rule.selector_names for rule in app.stylesheet.rules)


@pytest.mark.parametrize("cls", [Static, Button, Input, Select, AppHeader, QRModal, ConfirmModal])
def test_default_css_is_what_an_instance_of_the_class_gives(cls):
    node = cls.__new__(cls)  # `_get_default_css` reads only the class: no need to build the widget
    assert css_preload.default_css(cls) == node._get_default_css()


def test_a_screen_class_resolves_its_css_path_as_an_instance_does():
    for screen in (
        HelpScreen(Screen()),
        ConfirmModal("t", "b"),
        ErrorModal(ByokError("e")),
        QRModal("u", "t"),
    ):
        assert css_preload.css_paths(type(screen)) == screen.css_path
    for step in registry.built_steps():
        instance = registry.screen_for(step)
        assert set(css_preload.css_paths(type(instance))) <= set(instance.css_path)
