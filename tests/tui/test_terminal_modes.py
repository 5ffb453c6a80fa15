"""Terminals that are not the developer's: NO_COLOR, ASCII only (--ascii), and a light theme (--theme)."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re

import pytest

from byok_tui import cli, glyphs
from byok_tui.errors import InputError
from byok_tui.sandbox import Sandbox
from byok_tui.screens.signin import SigninScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.stepper import StepStrip
from byok_tui.state import AuthorizeState
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through

STATUS = ("pass", "warn", "fail", "skip")


@pytest.fixture(autouse=True)
def unicode_after():
    """ASCII mode is process-wide: leave it off for the tests that follow."""
    yield
    glyphs.use_ascii(False)


def screen_text(svg: str) -> str:
    """The characters of a screenshot (Rich's SVG export), one <text> element at a time."""
    text = "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S))
    return text.replace("\xa0", " ")  # Rich exports spaces as no-break spaces


def colours(svg: str) -> set[tuple[int, int, int]]:
    """Text colours (the style classes) and cell backgrounds (rects); not the window's three buttons."""
    found = re.findall(r"-r\d+ \{ fill: #([0-9a-fA-F]{6})", svg) + re.findall(
        r'<rect fill="#([0-9a-fA-F]{6})"', svg
    )
    return {(int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)) for c in found}


def grey(rgb: tuple[int, int, int]) -> bool:
    return max(rgb) - min(rgb) <= 8  # Rich's own default foreground (#c5c8c6) is a near-grey


# --- NO_COLOR ------------------------------------------------------------------------------------


async def test_no_color_draws_grey_and_every_status_has_its_symbol(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("restricted").app  # a pre-flight with passes and gaps
    assert app.no_color  # Textual reads NO_COLOR itself
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SigninScreen)
        svg = app.export_screenshot()
        assert len(colours(svg)) > 3 and all(map(grey, colours(svg))), "NO_COLOR left a colour on screen"
        rows = list(app.screen.query(CheckView))
        assert {row.result.status for row in rows} >= {"pass", "warn"}
        for row in rows:  # the status is in the words, not only in the colour
            title = row.part("check-title")
            assert title.startswith(f"{glyphs.status(row.result.status)} "), title
        verdict = str(app.screen.query_one("#verdict").content)
        assert verdict.startswith(f"{glyphs.WARN} ") and "gap" in verdict


# --- ASCII ---------------------------------------------------------------------------------------


async def test_ascii_mode_draws_nothing_but_ascii(make_app):
    app = make_app("restricted", ascii=True).app
    assert glyphs.ascii_mode() and app.has_class("-ascii")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app.export_screenshot())
        assert text.strip() and text.isascii(), sorted({ch for ch in text if not ch.isascii()})
        strip = str(app.screen.query_one(StepStrip).content)
        assert strip.startswith("! o o"), strip  # sign-in has gaps (!), the rest is not started (o)
        for row in app.screen.query(CheckView):
            assert row.part("check-title")[0] in "+!x-"


async def test_ascii_borders_come_from_the_ascii_stylesheet(make_app):
    app = make_app(ascii=True).app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        from byok_tui.screens.widgets.devicecode import DeviceCodePanel

        panel = app.screen.query_one(DeviceCodePanel)
        assert panel.styles.border_top[0] == "ascii" and panel.styles.border_left[0] == "ascii"


async def test_unicode_is_the_default(make_app):
    app = make_app().app
    assert not glyphs.ascii_mode() and not app.has_class("-ascii")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "✓" in screen_text(app.export_screenshot())


def test_ascii_flag_and_environment_reach_the_app(monkeypatch):
    made = {}

    def fake_build_app(*args, **kwargs):
        made.update(kwargs)
        raise InputError("--test", "stop here")

    monkeypatch.setattr("byok_tui.app.build_app", fake_build_app)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.delenv("BYOK_TUI_ASCII", raising=False)
    assert cli.main(["demo"]) == 2 and made["ascii"] is False and made["theme"] is None
    assert cli.main(["demo", "--ascii", "--theme", "textual-light"]) == 2
    assert made["ascii"] is True and made["theme"] == "textual-light"
    assert cli.main(["--ascii", "demo"]) == 2 and made["ascii"] is True  # before the command too
    monkeypatch.setenv("BYOK_TUI_ASCII", "1")
    assert cli.main(["demo"]) == 2 and made["ascii"] is True


# --- themes --------------------------------------------------------------------------------------


def test_theme_option_sets_a_builtin_theme(make_app):
    app = make_app(theme="textual-light").app
    assert app.theme == "textual-light" and not app.current_theme.dark


def test_unknown_theme_is_refused_naming_the_option_and_the_choices(capsys):
    assert cli.main(["demo", "--theme", "solarized-nope"]) == 2
    err = capsys.readouterr().err
    assert "--theme" in err and "solarized-nope" in err
    assert "textual-light" in err and "textual-dark" in err


async def test_palette_offers_change_theme(make_app):
    from textual.system_commands import SystemCommandsProvider

    app = make_app().app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any(provider() is SystemCommandsProvider for provider in app.COMMANDS if callable(provider))
        assert "Theme" in [command.title for command in app.get_system_commands(app.screen)]


# --- snapshots -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("stable_request_ids")
class TestTerminalModeSnapshots:
    def test_ascii_signin_preflight(self, snap_compare, make_app):
        assert snap_compare(make_app("restricted", ascii=True).app, terminal_size=(80, 24), run_before=settle)

    def test_ascii_consent_url(self, snap_compare, make_app):
        sb = Sandbox.create("restricted")
        state = dataclasses.replace(asyncio.run(done_through(sb, "signin")), authorize=AuthorizeState())
        app = make_app(sandbox=sb, state=state, ascii=True).app
        assert snap_compare(app, terminal_size=(80, 24), run_before=settle)

    def test_light_theme_signin_preflight(self, snap_compare, make_app):
        assert snap_compare(make_app("restricted", theme="textual-light").app, terminal_size=(120, 40),
                            run_before=settle)  # fmt: skip


# --- marks that read without colour (#15, item 9) ------------------------------------------------


@pytest.mark.parametrize("mode", ["ascii", "no-color"])
async def test_radio_and_checkbox_state_reads_in_their_characters(make_app, monkeypatch, mode):
    from textual.widgets import Checkbox, RadioButton

    from byok_tui.testing.pilot import focus, pick_radio
    from tests.tui.test_network import fresh_state

    if mode == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")
    h = make_app()
    state = await fresh_state(h.sandbox)
    app = make_app(state=state, sandbox=h.sandbox, start_step="network", ascii=mode == "ascii").app

    def mark(widget_id: str) -> str:
        return str(app.screen.query_one(f"#{widget_id}").render())[:3]

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert (mark("net-pe"), mark("net-fw")) == ("(*)", "( )")
        await pick_radio(pilot, "net-mode", "net-fw")
        assert (mark("net-pe"), mark("net-fw")) == ("( )", "(*)")
        assert mark("net-trusted") == "[x]"
        await focus(pilot, "net-trusted")
        await pilot.press("space")
        await settle(pilot)
        assert mark("net-trusted") == "[ ]"
        assert isinstance(app.screen.query_one("#net-trusted"), Checkbox)
        assert isinstance(app.screen.query_one("#net-fw"), RadioButton)
