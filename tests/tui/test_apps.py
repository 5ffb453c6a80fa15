"""Apps and bots driven by the keyboard against the sandbox: load (sandbox, Kore API, JSON, CSV), toggle,
select all / none, filter, counts, Review -> Apply -> checks; 5,000 bots; no secret ever kept.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import time

import pytest
from textual.widgets import Input, Static

from byok_tui.app import build_app
from byok_tui.engine import apps as apps_step
from byok_tui.screens.apps import AppsScreen
from byok_tui.screens.widgets.app_grid import AppGrid
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.notes import ErrorNote
from byok_tui.session import Session
from byok_tui.state import AppRef, AppsState
from byok_tui.testing.flows import applied, reviewed
from byok_tui.testing.harness import FROZEN
from byok_tui.testing.pilot import flushed, focus, pick_radio, settle, type_into
from byok_tui.testing.prepare import done_through

SECRET = "s3cr3t-jwt-app-secret-do-not-keep"


def apps_screen(app) -> AppsScreen:
    assert isinstance(app.screen, AppsScreen), f"expected the apps screen, got {app.screen!r}"
    return app.screen


def counts(app) -> str:
    return str(app.screen.query_one("#counts", Static).content)


def message(app, widget_id: str) -> str:
    return app.screen.query_one(f"#{widget_id}-msg", FieldMessage).text


async def prepared(sb, **changes):
    state = await done_through(sb, "test")
    return dataclasses.replace(state, **changes) if changes else state


def bot_records(n: int) -> list[dict]:
    """Records as Kore's export has them, jwtApps secrets included."""
    return [
        {"_id": f"st-{i:04d}", "name": f"Bot {i}", "purpose": "customer" if i % 2 else "employee",
         "status": "published", "jwtApps": [{"clientId": f"cs-{i}", "clientSecret": f"{SECRET}-{i}"}]}
        for i in range(n)
    ]  # fmt: skip


async def test_sandbox_load_toggle_all_none_filter_and_record(make_app):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    h = make_app(state=await prepared(sb), sandbox=sb, start_step="apps")
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        assert screen.source_pane.source == "sandbox" and screen.query_one("#source-pane").display
        assert counts(app) == "Nothing loaded yet."

        await pilot.press("l")
        await settle(pilot)
        grid = screen.grid
        assert len(grid.apps) == 30 and grid.selected_count == 30  # all selected by default
        assert app.focused is grid and screen.query_one("#grid-pane").display
        assert counts(app) == "30 of 30 selected · 0 stay on Kore's default key"
        assert app.state.apps.source == "sandbox" and len(app.state.apps.apps) == 30

        first, second = grid.apps[0], grid.apps[1]
        await pilot.press("space")  # the first row stays on Kore's key
        await pilot.press("down", "enter")  # enter toggles too
        await pilot.pause()
        assert grid.deselected == (first.id, second.id)
        assert counts(app) == "28 of 30 selected · 2 stay on Kore's default key"
        await pilot.press("space")  # the cursor is on the second row: back on
        assert grid.deselected == (first.id,)
        await pilot.click(AppGrid, offset=(5, 3))  # a click toggles the row under it (line 0 is the header)
        assert grid.cursor == 2 and grid.deselected == (first.id, grid.apps[2].id)
        await pilot.click(AppGrid, offset=(5, 3))
        await pilot.press("home")
        assert grid.deselected == (first.id,) and grid.cursor == 0

        await pilot.press("x")
        assert grid.selected_count == 0 and counts(app).startswith("0 of 30 selected")
        await pilot.press("a")
        assert grid.selected_count == 30
        await pilot.press("A")  # shift+a is "none" too
        assert grid.selected_count == 0
        await pilot.press("a")

        # Filter by purpose and status; "none" then applies to the rows shown only.
        await pilot.press("slash")
        assert app.focused is screen.filter_input
        await pilot.press(*"employee configured")
        await pilot.pause()
        shown = apps_step.filter_apps(grid.apps, "employee configured")
        assert grid.shown == shown and 0 < len(shown) < 30
        assert counts(app).endswith(f"· {len(shown)} shown")
        await pilot.press("enter")  # back to the grid
        assert app.focused is grid
        await pilot.press("x")
        assert set(grid.deselected) == {a.id for a in shown}
        await pilot.press("slash", "ctrl+u")  # clear the filter: every row again, the selection kept
        await pilot.pause()
        assert len(grid.shown) == 30 and len(grid.deselected) == len(shown)
        await pilot.press(*"no such bot")
        await pilot.pause()
        assert grid.shown == [] and counts(app).endswith("· 0 shown")
        await pilot.press("ctrl+u", "tab")

        # Review writes the selection; Apply records it; the checks say what was chosen.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        kept = [a.id for a in grid.apps if a.id in {s.id for s in shown}]
        assert list(app.state.apps.deselected) == kept
        assert screen.changes[0].title.startswith(f"Encrypt {30 - len(kept)} of 30 apps and bots")
        assert "Stay on Kore's default key:" in screen.changes[0].detail
        await pilot.press("a")
        await settle(pilot)
        assert screen.page == "result"
        assert app.state.step("apps").applied and app.state.step("apps").checked == "pass"
        results = {v.result.id: v.result.status for v in screen.query(CheckView)}
        assert results == {"apps.loaded": "pass", "apps.selection": "pass"}
        assert f"{30 - len(kept)} of 30 apps and bots encrypted" in str(screen.query_one("#summary").content)


async def test_selection_change_after_apply_makes_the_step_pending_again(make_app):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    state = await done_through(sb, "apps")
    assert state.step("apps").applied
    app = make_app(state=state, sandbox=sb, start_step="apps").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        assert screen.page == "result"  # resumed: what was recorded, proved again
        await pilot.press("b")
        await pilot.pause()
        assert screen.page == "form" and app.focused is screen.grid
        await pilot.press("space", "ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        assert app.state.apps.deselected == (screen.grid.apps[0].id,)
        assert not app.state.step("apps").applied  # the recorded selection is stale until applied again


async def test_toggles_reach_the_session_once_toggling_pauses(tmp_path):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    session = Session(tmp_path / "session.json")
    app = build_app(sb.connection(), session, await done_through(sb, "apps"), start_step="apps",
                    clock=lambda: FROZEN, profile=sb.profile())  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b", "space", "down", "space")
        grid = apps_screen(app).grid
        assert app.state.apps.deselected == ()  # not yet: a save per key would be slow at 5,000 apps
        await pilot.pause(1.2)
        assert app.state.apps.deselected == grid.deselected and len(grid.deselected) == 2
        await flushed(app)
        assert session.load().apps.deselected == grid.deselected
        assert not app.state.step("apps").applied  # the recorded selection changed: apply again
        await pilot.press("space")
        app.action_goto_step("test")  # leave at once (as the stepper does): the toggle is written on leaving
        await settle(pilot)
        assert app.screen.STEP_ID == "test"  # type: ignore[attr-defined]
        assert session.load().apps.deselected == grid.deselected[:1]


async def test_resume_shows_the_recorded_deselection(make_app):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    apps = (AppRef("a1", "Alpha"), AppRef("b2", "Beta", "customer", "published"), AppRef("c3", "Gamma"))
    state = await prepared(sb)
    state = dataclasses.replace(state, apps=AppsState(source="sandbox", apps=apps, deselected=("b2",)))
    app = make_app(state=state, sandbox=sb, start_step="apps").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        assert screen.query_one("#grid-pane").display
        assert screen.grid.deselected == ("b2",)
        assert counts(app) == "2 of 3 selected · 1 stay on Kore's default key"
        # Change source, then come back to the list without reloading.
        await pilot.press("s")
        await pilot.pause()
        assert screen.query_one("#source-pane").display and screen.query_one("#keep-list").display
        await pilot.click("#keep-list")
        await pilot.pause()
        assert screen.query_one("#grid-pane").display and screen.grid.deselected == ("b2",)


def paste(pilot, widget_id: str, text: str) -> None:
    """Put `text` into a field as a terminal paste would (long values: typing them key by key is slow)."""
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    field.focus()
    field.value = ""
    field.insert_text_at_cursor(text)


@pytest.mark.parametrize("kind", ["json", "csv"])
async def test_file_import_drops_jwt_secrets_everywhere(make_app, tmp_path, monkeypatch, kind):
    from byok_tui.sandbox import Sandbox

    monkeypatch.chdir(tmp_path)  # the operator types a path relative to where they started byok-tui

    records = bot_records(12)
    path = tmp_path / f"bots.{kind}"
    if kind == "json":
        path.write_text(json.dumps({"bots": records}), encoding="utf-8")
    else:
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, ["_id", "name", "purpose", "status", "jwtApps"])
            writer.writeheader()
            for r in records:
                writer.writerow({**r, "jwtApps": json.dumps(r["jwtApps"])})
    assert SECRET in path.read_text()

    sb = Sandbox.create("default")
    session = Session(tmp_path / "session.json")
    app = build_app(sb.connection(), session, await prepared(sb), start_step="apps", clock=lambda: FROZEN,
                    profile=sb.profile())  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        await pick_radio(pilot, "source", "src-file")
        await type_into(pilot, "file-path", path.name)
        await pilot.press("enter")  # Enter in the field loads
        await settle(pilot)
        assert len(screen.grid.apps) == 12 and screen.grid.apps[3] == AppRef(
            "st-0003", "Bot 3", "customer", "published"
        )
        assert app.state.apps.source == "file" and app.state.apps.file == str(path)  # kept absolute
    assert SECRET not in app.state.to_json()
    assert session.path.exists() and SECRET not in session.path.read_text()
    assert SECRET not in session.journal_path.read_text() if session.journal_path.exists() else True


async def test_bad_file_path_and_bad_csv_name_the_field_and_rule(make_app, tmp_path, monkeypatch):
    from byok_tui.sandbox import Sandbox

    monkeypatch.chdir(tmp_path)

    sb = Sandbox.create("default")
    app = make_app(state=await prepared(sb), sandbox=sb, start_step="apps").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        await pick_radio(pilot, "source", "src-file")

        await focus(pilot, "file-path")
        await pilot.press("l")  # a letter typed into the field, not "Load"
        assert screen.source_pane.file_input.value == "l"
        await pilot.press("ctrl+u", "enter")
        await pilot.pause()
        assert message(app, "file-path") == "File: is required (a JSON or CSV export of your apps and bots)"

        await type_into(pilot, "file-path", "missing.json")
        await pilot.press("enter")
        await pilot.pause()
        assert message(app, "file-path") == "File: missing.json does not exist"
        assert app.focused is screen.source_pane.file_input and not screen.grid.apps

        (tmp_path / "bots.xlsx").write_text("x")
        await type_into(pilot, "file-path", "bots.xlsx")
        await pilot.press("enter")
        await pilot.pause()
        assert message(app, "file-path") == "File: must end in .json or .csv (this one has '.xlsx')"

        bad = tmp_path / "bots.csv"
        bad.write_text("name,purpose\nAlpha,customer\n", encoding="utf-8")
        await type_into(pilot, "file-path", "bots.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app, "file-path").startswith(
            f"File: {bad} has no id column (its first row names name, "
            "purpose); expected the bots list exported from Kore.ai"
        )
        assert not screen.grid.apps and app.state.apps.apps == ()

        # Neither JSON nor CSV: say what the file is expected to be, not what its "header" was (#15, item 16).
        prose = tmp_path / "prose.json"
        prose.write_text("this is not json or csv {", encoding="utf-8")
        await type_into(pilot, "file-path", "prose.json")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app, "file-path").startswith(
            f"File: {prose} is not an apps and bots export; expected the "
            "bots list exported from Kore.ai: JSON"
        )
        assert "found:" not in message(app, "file-path")

        broken = tmp_path / "bots.json"
        broken.write_text('{"bots": [', encoding="utf-8")
        await type_into(pilot, "file-path", "bots.json")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app, "file-path").startswith(f"File: {broken} is not valid JSON")

        # Review with nothing loaded refuses and says why.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "form" and app.state.step("apps") == app.state.step("apps").__class__()


async def test_kore_api_secret_is_used_once_and_never_kept(make_app, monkeypatch):
    from byok_tui.sandbox import Sandbox

    monkeypatch.delenv(apps_step.SECRET_ENV, raising=False)
    sb = Sandbox.create("default")
    app = make_app(state=await prepared(sb), sandbox=sb, start_step="apps").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        await pick_radio(pilot, "source", "src-kore-api")
        secret_input = screen.source_pane.secret_input
        assert secret_input.password and secret_input.display

        # Wrong input in every field first.
        await type_into(pilot, "client-id", "cs bad id")
        assert message(app, "client-id") == "Client ID: must not contain spaces"
        await pilot.press("ctrl+u", "enter")
        await pilot.pause()
        assert message(app, "client-id").startswith("Client ID: is required")
        assert message(app, "secret").startswith("Secret: is required")

        paste(pilot, "client-id", sb.kore_api_client_id)
        await type_into(pilot, "secret", "wrong-secret")
        await pilot.press("enter")
        await settle(pilot)
        note = screen.query_one("#load-note", ErrorNote)
        assert note.has_class("-shown") and "Kore refused the API credentials" in str(note.content)
        assert secret_input.value == ""  # cleared as soon as it was used

        paste(pilot, "secret", sb.kore_api_client_secret)
        await pilot.press("enter")
        await settle(pilot)
        assert len(screen.grid.apps) == 30 and secret_input.value == ""
        assert not note.has_class("-shown")
        assert (
            app.state.apps.source == "kore-api" and app.state.apps.kore_api_client_id == sb.kore_api_client_id
        )
        assert "wrong-secret" not in app.state.to_json()
        assert sb.kore_api_client_secret not in app.state.to_json()


async def test_secret_from_the_environment_hides_the_field(make_app, monkeypatch):
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    monkeypatch.setenv(apps_step.SECRET_ENV, sb.kore_api_client_secret)
    app = make_app(state=await prepared(sb), sandbox=sb, start_step="apps").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        await pick_radio(pilot, "source", "src-kore-api")
        assert not screen.source_pane.secret_input.parent.display  # type: ignore[union-attr]
        assert any("from $KORE_API_CLIENT_SECRET" in str(s.content) for s in screen.query(".secret-env"))
        paste(pilot, "client-id", sb.kore_api_client_id)
        await pilot.press("enter")
        await settle(pilot)
        assert len(screen.grid.apps) == 30


async def test_a_pasted_environment_url_is_accepted_and_the_host_in_use_is_named(make_app, monkeypatch):
    """Kore calls the host the Environment URL; people paste it with its scheme and a trailing slash."""
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    monkeypatch.setenv(apps_step.SECRET_ENV, sb.kore_api_client_secret)
    app = make_app(state=await prepared(sb), sandbox=sb, start_step="apps").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        await pick_radio(pilot, "source", "src-kore-api")
        note = str(screen.query_one("#kore-host-note", Static).content)
        assert note.startswith(f"Kore Environment URL: https://{sb.kore_host}")
        paste(pilot, "client-id", sb.kore_api_client_id)
        await type_into(pilot, "kore-host", "https://https://platform.kore.ai")
        assert message(app, "kore-host").startswith("Environment URL: must be a host name")
        paste(pilot, "kore-host", "https://platform.kore.ai/")
        await pilot.press("enter")
        await settle(pilot)
        assert len(screen.grid.apps) == 30  # Kore's cloud, on a sandbox connection: the sandbox's Kore
        assert app.state.apps.kore_host == "platform.kore.ai"


async def test_default_profile_on_the_sandbox_reaches_the_sandbox_host(make_app):
    """A sandbox connection with a profile that names Kore's public host still lists the sandbox's bots."""
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    app = make_app(state=await prepared(sb), sandbox=sb, start_step="apps", profile=None).app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert len(apps_screen(app).grid.apps) == 30


async def test_big_account_loads_5000_and_filters(make_app):
    from byok_tui.sandbox import Sandbox

    started = time.perf_counter()
    sb = Sandbox.create("big-account")
    app = make_app(state=await prepared(sb), sandbox=sb, start_step="apps").app
    progress: list[str] = []
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = apps_screen(app)
        status = screen.query_one("#load-status", Static)
        update = status.update
        status.update = lambda content="", **kw: (progress.append(str(content)), update(content, **kw))[1]  # type: ignore[method-assign]
        await pilot.press("l")
        await settle(pilot)
        grid = screen.query_one(AppGrid)
        assert len(grid.apps) == 5000 and grid.selected_count == 5000
        assert (
            "Loaded 50 of 5000 apps and bots…" in progress
            and "Loaded 5000 of 5000 apps and bots…" in progress
        )
        assert counts(app) == "5,000 of 5,000 selected · 0 stay on Kore's default key"
        await pilot.press("end")
        assert grid.cursor == 4999
        await pilot.press("slash", *"hr eu")
        await pilot.pause()
        assert 0 < len(grid.shown) < 5000 and all("HR" in a.name and "EU" in a.name for a in grid.shown)
        await pilot.press("enter", "x")
        assert grid.selected_count == 5000 - len(grid.shown)
    assert time.perf_counter() - started < 20


# --- snapshots ---------------------------------------------------------------------------------------


def snapshot_app(make_app, last: str = "test"):
    """The App on the Apps screen of a fresh default world, every earlier step done (30 bots)."""
    import asyncio

    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    state = asyncio.run(done_through(sb, last))
    return make_app(state=state, sandbox=sb, start_step="apps").app


async def _loaded(pilot) -> None:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    await pilot.press("space", "down", "down", "space", "down")  # two stay on Kore's default key
    await pilot.pause()


async def _filtered(pilot) -> None:
    await _loaded(pilot)
    await pilot.press("slash", *"hr", "enter", "x")
    await pilot.pause()


async def _bad_file(pilot) -> None:
    await settle(pilot)
    await pick_radio(pilot, "source", "src-file")
    await type_into(pilot, "file-path", "missing.json")
    await pilot.press("enter")
    await settle(pilot)


async def _reviewed(pilot) -> None:
    await reviewed(pilot, fill=_loaded)


async def _applied(pilot) -> None:
    await applied(pilot, fill=_loaded)


@pytest.mark.usefixtures("stable_request_ids")
class TestAppsSnapshots:
    def test_source(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=settle)

    def test_grid_loaded(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_loaded)

    def test_grid_filtered(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_filtered)

    def test_bad_file(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_bad_file)

    def test_review(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_reviewed)

    def test_checks(self, snap_compare, make_app, size):
        assert snap_compare(snapshot_app(make_app), terminal_size=size, run_before=_applied)
