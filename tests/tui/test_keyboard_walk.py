"""The keyboard path itself, end to end: Tab to each field, type each character, open a Select with
Enter and move with the arrows, as an operator does.

The other TUI tests focus widgets and set values directly (`byok_tui.testing.pilot`), which is what the
App receives but not how the keys get there; these walkthroughs keep the keys honest: focus order,
what a key does in a text field (r types an r; ctrl+r reviews), Enter on a Select, y on a confirmation.
"""

from __future__ import annotations

from byok_tui.screens.authorize import AuthorizeScreen
from byok_tui.screens.signin import SigninScreen
from byok_tui.screens.vault import VaultScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.modals import ConfirmModal
from byok_tui.testing.pilot import keys_choose, keys_type_into, settle


def statuses(app) -> set[str]:
    return {view.result.status for view in app.screen.query(CheckView)}


async def test_keyboard_walk_signin_authorize_vault_review_apply(make_app):
    h = make_app()
    app, sb = h.app, h.sandbox
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SigninScreen) and app.state.step("signin").checked == "pass"
        await pilot.press("n")
        await settle(pilot)

        # Step 1: the sandbox's pre-flight lets the operator create Kore's service principal.
        screen = app.screen
        assert isinstance(screen, AuthorizeScreen) and screen.method == "service-principal"
        await pilot.press("r")  # the focus is on the method, not a text field: r reviews
        await settle(pilot)
        assert screen.page == "review"
        await pilot.press("a")
        await settle(pilot)
        assert screen.page == "result" and statuses(app) == {"pass"}
        await pilot.press("n")
        await settle(pilot)

        # Step 2: every answer by keys.
        screen = app.screen
        assert isinstance(screen, VaultScreen) and screen.page == "form"
        await keys_choose(pilot, "rg-select", "rg-contoso-prod")
        await keys_type_into(pilot, "vault-name", "kv-contoso-byok")
        assert app.screen.query_one("#vault-name").value == "kv-contoso-byok"
        await pilot.press("ctrl+r")  # from inside the text field
        await settle(pilot)
        assert screen.page == "review" and app.state.vault.name == "kv-contoso-byok"
        assert app.focused is not None and app.focused.id == "apply"
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)  # purge protection is irreversible: asked first
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and screen.page == "result" and statuses(app) == {"pass"}
        assert sb.world.vault("kv-contoso-byok") is not None
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.STEP_ID == "access"


async def test_keyboard_walk_wrong_input_typed_is_refused_under_its_field(make_app):
    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, VaultScreen)
        await keys_choose(pilot, "rg-select", "rg-contoso-prod")
        await keys_type_into(pilot, "vault-name", "1kv-bad")
        shown = screen.query_one("#vault-name-msg", FieldMessage).text
        assert "Key vault name" in shown and "start with a letter" in shown
        await pilot.press("r")  # in a text field r is a letter, not Review
        await settle(pilot)
        assert screen.page == "form" and app.screen.query_one("#vault-name").value == "1kv-badr"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "form", "Review must refuse a bad vault name"
        assert app.focused is not None and app.focused.id == "vault-name"
        assert app.state.vault.name == ""  # nothing recorded
        # Fixed by keys: delete the bad first character, backspace over "badr", type the rest.
        await pilot.press("home", "delete", "end", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"contoso")
        await settle(pilot)
        assert app.screen.query_one("#vault-name").value == "kv-contoso"
        assert screen.query_one("#vault-name-msg", FieldMessage).text == ""
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review" and app.state.vault.name == "kv-contoso"
        assert app.focused is not None and app.focused.id == "apply"
