"""The performance package's switch and its check of Textual's version (byok_tui.perf)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

from byok_tui import perf
from byok_tui.perf.component_styles import ComponentReusingStylesheet

TESTED = sorted(perf.TESTED_TEXTUAL)[0]


@pytest.mark.parametrize("setting", ["off", "OFF", " off ", "0", "no", "false"])
def test_the_switch_turns_it_off(setting: str) -> None:
    decision = perf.decide({perf.ENV: setting}, TESTED)
    assert not decision.enabled and perf.ENV in decision.reason


@pytest.mark.parametrize("setting", [None, "", "on", "1"])
def test_on_by_default_on_a_tested_textual(setting: str | None) -> None:
    environ = {} if setting is None else {perf.ENV: setting}
    assert perf.decide(environ, TESTED).enabled


@pytest.mark.parametrize("version", ["8.3.0", "8.2.0", "9.0.0", "unknown"])
def test_any_other_textual_falls_back_to_stock(version: str) -> None:
    decision = perf.decide({}, version)
    assert not decision.enabled
    assert version in decision.reason and TESTED in decision.reason


def test_the_installed_textual_is_a_tested_one() -> None:
    # The pin allows newer Textual; if this fails, the wizard still runs (stock), but the figures in
    # docs/performance.md "with the package on" no longer describe it: test the parts, then add the version.
    assert perf.installed_textual() in perf.TESTED_TEXTUAL


class Plain(Screen[None]):
    pass


Plain.__module__ = "byok_tui.tests.plain"  # one of the wizard's screens, for `paint.split`


async def installed(decision: perf.Decision) -> tuple[Any, Any]:
    """(stylesheet class, the pushed screen's own attributes) with `decision` installed."""

    class Host(App[None]):
        def on_mount(self) -> None:
            perf.install(self, decision)
            self.push_screen(Plain())

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, Plain)
        return type(app.stylesheet), dict(vars(app.screen))


async def test_off_it_installs_nothing() -> None:
    stylesheet, own = await installed(perf.Decision(False, "off"))
    assert stylesheet is Stylesheet
    assert "_refresh_layout" not in own and "_compositor_refresh" not in own


async def test_on_it_installs_its_parts() -> None:
    stylesheet, own = await installed(perf.Decision(True, "on"))
    assert stylesheet is ComponentReusingStylesheet
    assert "_refresh_layout" in own and "_compositor_refresh" in own


async def test_install_decides_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(perf.ENV, "off")

    class Host(App[None]):
        def on_mount(self) -> None:
            self.decision = perf.install(self)

    app = Host()
    async with app.run_test():
        assert not app.decision.enabled
        assert type(app.stylesheet) is Stylesheet
