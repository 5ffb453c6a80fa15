"""The help screen (? and F1) on several screens, the back key on a form at 80x24, Step 1's first focus.

Assertions read what the help screen shows (its group titles and key rows) and where the App went.
"""

from __future__ import annotations

import dataclasses

import pytest
from textual.content import Content
from textual.widgets import Input, RadioSet, Static

from byok_tui.app import ByokApp
from byok_tui.sandbox import Sandbox
from byok_tui.screens.help import HelpScreen, step_purpose, step_summary, widget_title, words
from byok_tui.state import STEP_IDS, AuthorizeState
from byok_tui.testing.pilot import focus, settle
from byok_tui.testing.prepare import done_through


def shown_help(app: ByokApp) -> dict[str, list[tuple[str, str]]]:
    """{group title: [(keys, description line), …]} as the help screen shows them."""
    screen = app.screen
    assert isinstance(screen, HelpScreen), f"expected the help screen, got {screen!r}"
    groups: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for widget in screen.query("#help-keys > *"):
        if isinstance(widget, Static):  # a group's title
            current = groups.setdefault(str(widget.content), [])
        else:
            keys, what = widget.query(Static)
            current.append((str(keys.content), str(what.content)))
    return groups


def descriptions(rows: list[tuple[str, str]]) -> list[str]:
    return [what.split(":")[0].removesuffix(" (not yet)") for _, what in rows]


async def open_help(pilot, key: str = "question_mark") -> dict[str, list[tuple[str, str]]]:
    await pilot.press(key)
    await settle(pilot)
    return shown_help(pilot.app)


async def step1(make_app):
    sb = Sandbox.create("default")
    state = dataclasses.replace(await done_through(sb, "signin"), authorize=AuthorizeState())
    return make_app(sandbox=sb, state=state)


# --- opening, closing, what it lists ----------------------------------------------------------------


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_opens_on_the_form_and_lists_its_keys(make_app, key):
    app = (await step1(make_app)).app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        step = app.screen
        groups = await open_help(pilot, key)
        assert app.screen.target is step
        assert list(groups)[:2] == ["This screen (answers page)", "Everywhere"]
        here = descriptions(groups["This screen (answers page)"])
        assert {"Review", "Back", "Next", "Copy"} <= set(here)
        assert "Apply" not in here  # hidden on this page, as in the footer
        assert ("r/^r", "Review: Check the answers and show what will change (ctrl+r works inside a text field)") \
            in groups["This screen (answers page)"]  # fmt: skip
        assert ("? F1", "Help: Every key of this screen") in groups["Everywhere"]
        assert "Quit" in descriptions(groups["Everywhere"])
        assert "Focused: Radio set" in groups  # Step 1 opens on the option, not the client id
        # How to choose, not only how to move the highlight (#15, item 14).
        radio = {what: keys for keys, what in groups["Focused: Radio set"]}
        assert "space" in radio.get("Choose the highlighted option", ""), radio
        assert "Highlight the next option (Enter or Space chooses it)" in radio
        next_row = next(what for keys, what in groups["This screen (answers page)"] if keys.startswith("n"))
        assert next_row.endswith("(not yet)")  # dimmed until the checks pass
        title = str(app.screen.query_one("#help-title", Static).content)
        assert title == "Keys · Step 1 · Authorize Kore app"
        assert "Register Kore.ai's application" in str(app.screen.query_one("#help-purpose", Static).content)

        await pilot.press(key)  # the same key closes it
        await settle(pilot)
        assert app.screen is step


async def test_help_on_the_review_page_lists_apply(make_app):
    app = (await step1(make_app)).app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.page == "review"
        groups = await open_help(pilot)
        here = descriptions(groups["This screen (planned changes page)"])
        assert {"Apply", "Az commands", "Back"} <= set(here) and "Review" not in here
        assert ("a", "Apply: Make the planned changes") in groups["This screen (planned changes page)"]
        for key in ("escape", "q"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.page == "review"
            await open_help(pilot)


async def test_help_on_sign_in_and_on_the_checks_page(make_app):
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    app = make_app(sandbox=sb, state=state, start_step="signin").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        groups = await open_help(pilot)
        assert str(app.screen.query_one("#help-title", Static).content) == "Keys · Sign in"
        assert "Re-check" in descriptions(groups["This screen"])
        assert "Back" not in descriptions(groups["This screen"])  # the first step
        await pilot.press("escape")
        app.action_goto_step("vault")
        await settle(pilot)
        groups = await open_help(pilot, "f1")
        here = descriptions(groups["This screen (checks page)"])
        assert {"Re-check", "Next", "Back", "Copy key id"} <= set(here)
        next_row = next(what for keys, what in groups["This screen (checks page)"] if keys.startswith("n"))
        assert not next_row.endswith("(not yet)")  # the checks passed


async def test_while_typing_question_mark_types_and_f1_opens_help(make_app):
    app = (await step1(make_app)).app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await focus(pilot, "kore-client-id")
        field = app.screen.query_one("#kore-client-id", Input)
        await pilot.press("end", "question_mark")
        assert field.value.endswith("?") and not isinstance(app.screen, HelpScreen)
        footer = [str(key.key_display) for key in app.screen.query("FooterKey")]
        assert "F1" in footer and "?" not in footer  # the footer offers the key that works here
        groups = await open_help(pilot, "f1")
        assert "Focused: Input" in groups
        # b and ^← belong to the field while it has the focus
        assert "Back" not in descriptions(groups["This screen (answers page)"])


async def test_help_fits_80x24_without_clipping(make_app):
    sb = Sandbox.create("default")
    app = make_app(sandbox=sb, state=await done_through(sb, "vault"), start_step="share").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_help(pilot)
        box = app.screen.query_one("#help-box")
        assert box.region.right <= 80 and box.region.bottom <= 24
        assert app.screen.query_one("#help-close").region.bottom <= 23  # the closing hint is on screen
        for key in app.screen.query(".help-key").results(Static):
            assert Content(str(key.content)).cell_length < key.content_region.width, key.content
        scroller = app.screen.query_one("#help-keys")
        assert scroller.max_scroll_y > 0  # more keys than fit: it scrolls
        await pilot.press("end")
        await settle(pilot)
        assert scroller.scroll_y == scroller.max_scroll_y


# --- back from a form at 80x24 --------------------------------------------------------------------


async def test_b_goes_back_from_a_form_but_types_into_a_field(make_app):
    sb = Sandbox.create("default")
    app = make_app(sandbox=sb, state=await done_through(sb, "authorize"), start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.STEP_ID == "vault" and screen.page == "form"
        assert not screen.query_one("Stepper").display  # no stepper to click at 80 columns
        await focus(pilot, "vault-name")
        await pilot.press("b")
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#vault-name", Input).value.endswith("b")
        await pilot.press("ctrl+left")  # a word left in the field, not a step back
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("tab")
        assert not isinstance(app.focused, Input)
        assert "b" in [str(key.key_display) for key in screen.query("FooterKey")]
        await pilot.press("b")
        await settle(pilot)
        assert app.screen.STEP_ID == "authorize"


async def test_step1_opens_on_the_option_so_r_reviews(make_app):
    h = await step1(make_app)
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, RadioSet)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.page == "review"
        assert app.state.authorize.kore_client_id == h.sandbox.kore_client_id  # not replaced by "r"


# --- plain functions --------------------------------------------------------------------------------


def test_words_and_titles():
    assert words("RadioSet") == "Radio set" and words("VerticalScroll") == "Vertical scroll"
    assert widget_title(Input()) == "Input"  # Textual's own group title
    assert widget_title(RadioSet()) == "Radio set"
    # Our own subclasses go by Textual's name for them, not an internal one (#15, item 19).
    from textual.widgets import Select

    from byok_tui.screens.widgets.marks import Radio

    assert widget_title(Select([("a", 1)])) == "Select"
    assert widget_title(Radio("x")) == "Radio button"


def test_every_step_has_a_purpose_line():
    assert all(step_purpose(step_id).strip() for step_id in STEP_IDS)


async def test_step_summary_uses_the_steps_purpose(make_app):
    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        title, purpose = step_summary(app.screen)
        assert title == "Step 2 · Key Vault and key" and purpose.startswith("Create or choose the Key Vault")


# --- snapshots ----------------------------------------------------------------------------------------


async def _help_open(pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


def test_help_snapshot(snap_compare, make_app, size, stable_request_ids):
    assert snap_compare(make_app(start_step="vault").app, terminal_size=size, run_before=_help_open)


# --- the footer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
async def test_footer_keeps_help_on_the_busiest_page(make_app, tmp_path, width):
    from tests.tui.test_confirm import ready

    sb = Sandbox.create("default")
    app = make_app(sandbox=sb, state=await ready(sb, tmp_path), start_step="confirm").app
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.page == "result"
        keys = {str(key.key_display): key for key in app.screen.query("FooterKey") if key.display}
        assert {"n", "b", "k", "c", "o", "s", "v", "^q", "?"} <= set(keys)
        palette = [key for key in app.screen.query("FooterKey") if key.has_class("-command-palette")]
        assert [key.display for key in palette] == [width > 80]  # at 80 columns Help lists ^p instead
        right = max(key.region.right for key in keys.values() if not key.has_class("-command-palette"))
        assert right <= width - (12 if width > 80 else 0), (
            "the footer's keys run under the ^p key or off screen"
        )
        assert keys["?"].region.right <= width
