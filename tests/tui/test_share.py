"""Step 4 driven by the keyboard against the sandbox: copy the values, choose a folder, write the bundle.

Assertions look at what the screen says, `app.state`, the clipboard and the files on disk.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from byok_tui.kore import bundle
from byok_tui.sandbox import Sandbox
from byok_tui.screens.share import ShareScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.parts import PartsView
from byok_tui.state import VaultState
from byok_tui.testing.flows import applied
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import focus, settle, type_into
from byok_tui.testing.prepare import answers, done_through


def folder_message(app) -> str:
    return app.screen.query_one("#share-folder-msg", FieldMessage).text


def screen_text(app) -> str:
    statics = [str(s.content) for s in app.screen.query("Static")]
    parts = [text for view in app.screen.query(PartsView) for text in view.texts]  # checks, changes (#17)
    return "\n".join(statics + parts)


async def test_bundle_written_to_the_chosen_folder(make_app, tmp_path):
    sb = Sandbox.create("default")
    state = await done_through(sb, "access")
    h = make_app(state=state, sandbox=sb, start_step="share")
    app = h.app
    target = tmp_path / "handoff"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShareScreen) and screen.page == "form"
        # A long id is drawn over several lines (broken after a '/'): read without those breaks. (The hidden
        # result page used to hold an unbroken copy; it is composed only when shown now.)
        shown = screen_text(app).replace("\n", "")
        for value in (sb.tenant_id, "https://kv-contoso-byok.vault.azure.net/", "kore-byok-cmk",
                      state.vault.key_id, state.authorize.sp_object_id):  # fmt: skip
            assert value in shown

        await type_into(pilot, "share-folder", str(target))
        assert folder_message(app) == ""
        await pilot.press("enter")  # Enter in the folder field reviews
        await settle(pilot)
        assert screen.page == "review" and app.state.share.export_dir == str(target)
        assert not target.exists(), "nothing is written before Apply"

        await pilot.press("a")
        await settle(pilot)
        assert screen.page == "result"
        data = json.loads((target / bundle.JSON_NAME).read_text())
        assert data["tenant_id"] == sb.tenant_id and data["key_name"] == "kore-byok-cmk"
        assert data["key_vault_uri"] == "https://kv-contoso-byok.vault.azure.net/"
        assert data["kore_sp_object_id"] == state.authorize.sp_object_id
        assert "| Key Name | `kore-byok-cmk` |" in (target / bundle.MD_NAME).read_text()
        results = {v.result.id: v.result.status for v in screen.query(CheckView)}
        assert results == {"share.recorded": "pass", "share.consistent": "pass", "share.exported": "pass"}
        assert app.state.step("share").checked == "pass"
        assert f"the two files in {target}, to Kore.ai support" in str(screen.query_one("#summary").content)

        # The checks read the bundle back: an edited file is stale, a deleted one is missing.
        json_file = target / bundle.JSON_NAME
        json_file.write_text(json.dumps({**data, "key_identifier": "https://old/keys/k/1"}))
        await pilot.press("k")
        await settle(pilot)
        stale = next(v.result for v in screen.query(CheckView) if v.result.id == "share.exported")
        assert stale.status == "warn" and "older key_identifier" in stale.detail
        json_file.unlink()
        await pilot.press("k")
        await settle(pilot)
        gone = next(v.result for v in screen.query(CheckView) if v.result.id == "share.exported")
        assert gone.status == "fail" and str(json_file) in gone.detail


async def test_wrong_folders_are_refused(make_app, tmp_path):
    sb = Sandbox.create("default")
    state = await done_through(sb, "access")
    h = make_app(state=state, sandbox=sb, start_step="share")
    app = h.app
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_into(pilot, "share-folder", "")
        assert folder_message(app).startswith("Folder: choose a folder for the hand-off bundle")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "form" and app.focused is not None and app.focused.id == "share-folder"

        await type_into(pilot, "share-folder", str(a_file))
        assert (
            folder_message(app)
            == f"Folder: {a_file} is a file, not a folder; choose a folder (it is created if missing)."
        )
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "form"

        await type_into(pilot, "share-folder", str(a_file / "inside"))
        assert "is a file, so no folder can be made inside it" in folder_message(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "form"
        assert app.state.share.exported == () and a_file.read_text() == "not a folder"


async def test_c_copies_the_focused_value_or_the_three_for_a_ticket(make_app):
    sb = Sandbox.create("default")
    state = await done_through(sb, "access")
    h = make_app(state=state, sandbox=sb, start_step="share")
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "copy-tenant_id"
        await pilot.press("c")
        assert app.clipboard == sb.tenant_id
        await focus(pilot, "copy-key_vault_uri")
        await pilot.press("c")
        assert app.clipboard == "https://kv-contoso-byok.vault.azure.net/"
        await focus(pilot, "review")
        await pilot.press("c")
        assert app.clipboard == (
            f"Tenant ID: {sb.tenant_id}\nKey Vault URI: https://kv-contoso-byok.vault.azure.net/\n"
            "Key Name: kore-byok-cmk"
        )


async def test_without_step_2_it_says_which_step_and_refuses(make_app, tmp_path):
    sb = Sandbox.create("default")
    state = await done_through(sb, "authorize")
    state = dataclasses.replace(
        state, vault=VaultState(), share=dataclasses.replace(state.share, export_dir=str(tmp_path))
    )
    h = make_app(state=state, sandbox=sb, start_step="share")
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "Step 2 · Key Vault and key is not done" in screen_text(app)
        assert app.focused is not None and app.focused.id == "goto-vault"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.page == "form"
        assert any("finish Step 2 · Key Vault and key first" in str(n.message) for n in notifications(app))
        await pilot.press("enter")  # Go to Step 2
        await settle(pilot)
        assert app.screen.STEP_ID == "vault"


async def test_answers_default_folder(make_app):
    """With no folder chosen yet, the field offers ~/kore-byok-handoff."""
    sb = Sandbox.create("default")
    state = await done_through(sb, "access", answers(sb, export_dir=""))
    h = make_app(state=state, sandbox=sb, start_step="share")
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert h.app.screen.query_one("#share-folder").value == "~/kore-byok-handoff"


# --- snapshots ----------------------------------------------------------------------------------------

SNAP_FOLDER = "/tmp/byok-tui-tests/snap-handoff"


def _prepared(make_app):
    sb = Sandbox.create("default")
    state = asyncio.run(done_through(sb, "access", answers(sb, export_dir=SNAP_FOLDER)))
    return make_app(state=state, sandbox=sb, start_step="share").app


async def _bad_folder(pilot) -> None:
    await settle(pilot)
    await type_into(pilot, "share-folder", "")
    await pilot.press("ctrl+r")
    await settle(pilot)


@pytest.mark.usefixtures("stable_request_ids")
class TestShareSnapshots:
    def test_values_and_folder(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=settle)

    def test_empty_folder_refused(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=_bad_folder)

    def test_checks_after_export(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app), terminal_size=size, run_before=applied)
