"""The wizard's command-palette commands, typed and run as an operator would (ctrl+p, text, Enter).

Assertions look at the palette's list, the screen the App shows, the clipboard and the files written.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.widgets import Checkbox, Input

from byok_tui import headless
from byok_tui.app import ByokApp
from byok_tui.sandbox import Sandbox
from byok_tui.screens.commands import EXPORTS, wizard_commands
from byok_tui.session import Session
from byok_tui.state import ShareState
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through


async def search(pilot, query: str) -> list[str]:
    """Open the palette, give its field `query`, wait for the hits; their text (name, then help) in order.

    The query is set as the field's value, which the palette hears as typing (Input.Changed); typed one key
    at a time it cost two idle waits a character, most of these tests' time."""
    app: ByokApp = pilot.app
    if not isinstance(app.screen, CommandPalette):
        await pilot.press("ctrl+p")
        await pilot.pause()
    field = app.screen.query_one(Input)
    field.value = query
    field.cursor_position = len(query)
    hits: list[str] = []
    for _ in range(50):  # the palette gathers hits in a worker and shows them in batches
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        found = app.screen.query_one(CommandList)
        now = [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]
        if now and now == hits:
            break
        hits = now
    return hits


async def run_first(pilot, query: str) -> str:
    """Search, highlight the first hit and run it with Enter; returns the hit's text."""
    hits = await search(pilot, query)
    assert hits, f"nothing matches {query!r}"
    found = pilot.app.screen.query_one(CommandList)
    if found.highlighted != 0:
        await pilot.press("home" if found.highlighted else "down")
    assert found.highlighted == 0
    await pilot.press("enter")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, CommandPalette)
    return hits[0]


def notes(app: ByokApp) -> list[str]:
    return [n.message for n in notifications(app)]


async def vault_done(make_app, start_step: str = "vault", tmp_path: Path | None = None):
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    if tmp_path is not None:
        state = dataclasses.replace(state, share=ShareState(export_dir=str(tmp_path / "handoff")))
    return make_app(sandbox=sb, state=state, start_step=start_step)


# --- searching --------------------------------------------------------------------------------------


async def test_search_finds_wizard_and_builtin_commands(make_app):
    h = await vault_done(make_app)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        hits = await search(pilot, "go to step")
        names = [hit.splitlines()[0] for hit in hits]
        assert "Go to step: Grant access (Step 3)" in names and "Go to step: Sign in" in names
        assert not any("Key Vault and key" in name for name in names)  # not the step already shown
        await pilot.press("escape")
        for builtin in ("Theme", "Keys", "Quit"):
            await pilot.press("escape")
            hits = await search(pilot, builtin.lower())
            assert builtin in [hit.splitlines()[0] for hit in hits]


# --- go to a step ----------------------------------------------------------------------------------


async def test_go_to_step_switches_screens(make_app):
    h = await vault_done(make_app)
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        hit = await run_first(pilot, "go to grant access")
        assert hit.startswith("Go to step: Grant access (Step 3)\nnot started")
        assert app.screen.STEP_ID == "access"


async def test_go_to_step_says_why_it_cannot(make_app):
    h = await vault_done(make_app)
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.built_steps = tuple(s for s in app.built_steps if s != "network")
        hit = await run_first(pilot, "go to network")
        assert hit.startswith(
            "Go to step: Network access (Step 5)\nNot now: “5 Network access” is not built yet"
        )
        assert app.screen.STEP_ID == "vault"
        assert any("is not built yet" in n for n in notes(app))

        app.applying = True
        commands = {c.name: c for c in wizard_commands(app, app.screen)}
        assert (
            commands["Go to step: Sign in"].help == "Not now: Wait until the changes being applied are done."
        )
        hit = await run_first(pilot, "go to sign in")
        assert app.screen.STEP_ID == "vault" and "Wait until the changes being applied are done." in notes(
            app
        )
        app.applying = False


# --- export -----------------------------------------------------------------------------------------


async def test_export_writes_what_byok_tui_export_prints(make_app, tmp_path, capsys):
    h = await vault_done(make_app, tmp_path=tmp_path)
    app, sb = h.app, h.sandbox
    folder = tmp_path / "handoff"
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        hits = await search(pilot, "export json")
        assert (
            hits[0]
            == f"Export hand-off bundle (JSON)\nWrites {folder / EXPORTS['json'][1]}, as byok-tui export prints it"
        )
        await pilot.press("escape", "escape")
        for fmt, words in (("json", "export json"), ("md", "export markdown"), ("az", "export az")):
            await run_first(pilot, words)
            assert f"Wrote {folder / EXPORTS[fmt][1]}" in notes(app)
        state = app.state

    session = Session(tmp_path / "session.json")
    session.save(state)
    for fmt, (_, name) in EXPORTS.items():
        assert headless.export(argparse.Namespace(session=str(session.path), format=fmt)) == 0
        # The same text, but for the time each was written.
        assert untimed((folder / name).read_text()) == untimed(capsys.readouterr().out)
    written = (folder / EXPORTS["json"][1]).read_text()
    assert sb.tenant_id in written and "https://kv-contoso-byok.vault.azure.net/" in written
    assert "az keyvault create" in (folder / EXPORTS["az"][1]).read_text()


def untimed(text: str) -> str:
    return "\n".join(
        line for line in text.splitlines() if "generated_at" not in line and "Generated by" not in line
    )


# --- copy -------------------------------------------------------------------------------------------


async def test_copy_tenant_id_and_key_id(make_app):
    h = await vault_done(make_app)
    app, sb = h.app, h.sandbox
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        hit = await run_first(pilot, "copy tenant")
        assert hit == f"Copy tenant ID\n{sb.tenant_id}"
        assert app.clipboard == sb.tenant_id and "Copied the tenant ID" in notes(app)
        await run_first(pilot, "copy key identifier")
        assert app.clipboard == app.state.vault.key_id and app.clipboard.startswith(
            "https://kv-contoso-byok."
        )
        await run_first(pilot, "copy key vault uri")
        assert app.clipboard == "https://kv-contoso-byok.vault.azure.net/"


async def test_copy_says_which_step_records_a_missing_value(make_app):
    sb = Sandbox.create("default")
    app = make_app(sandbox=sb, state=await done_through(sb, "signin"), start_step="authorize").app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        hit = await run_first(pilot, "copy key identifier")
        assert hit == "Copy key identifier\nNot recorded yet: Step 2 · Key Vault and key records it"
        assert app.clipboard == ""
        assert "The key identifier is not recorded yet: Step 2 · Key Vault and key records it." in notes(app)


# --- the screen's own actions -----------------------------------------------------------------------


async def test_rerun_checks_runs_the_screens_checks(make_app):
    h = await vault_done(make_app)
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.page == "result"
        record = app.state.step("vault")
        app.set_state(app.state.with_step("vault", dataclasses.replace(record, checked="")), save=False)
        await run_first(pilot, "re-run checks")
        assert app.state.step("vault").checked == "pass"  # the live checks ran again


async def test_toggle_az_only_on_the_review_page(make_app):
    sb = Sandbox.create("default")
    app = make_app(sandbox=sb, state=await done_through(sb, "signin"), start_step="authorize").app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        hit = await run_first(pilot, "toggle az")
        assert hit.endswith("Not here: az commands show on the planned-changes page, after Review")
        assert any(n.startswith("Toggle az commands: az commands show") for n in notes(app))
        hits = await search(pilot, "re-run checks")
        assert hits[0].endswith("Not here: the checks are on the checks page, after Apply")
        await pilot.press("escape", "escape")

        await pilot.press("r")
        await settle(pilot)
        assert app.screen.page == "review"
        box = app.screen.query_one("#show-az", Checkbox)
        assert box.value
        await run_first(pilot, "toggle az")
        assert not box.value
        await run_first(pilot, "toggle az")
        assert box.value


async def test_help_command_opens_help(make_app):
    h = await vault_done(make_app)
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        step = app.screen
        await run_first(pilot, "help keys")
        from byok_tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen) and app.screen.target is step


async def test_the_palette_opens_on_the_wizards_own_commands(make_app):
    """Textual's Keys, Maximize and Screenshot come after what the wizard does (#15, item 19): the
    palette's empty list keeps the order its provider gives, and one provider gives both, ours first."""
    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        textual_own = [titles.index(t) for t in ("Keys", "Screenshot") if t in titles]
        ours = [i for i, t in enumerate(titles) if t.startswith("Go to") or t.startswith("Export")]
        assert textual_own and ours and max(ours) < min(textual_own), titles
