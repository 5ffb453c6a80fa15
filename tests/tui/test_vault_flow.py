"""Step 2 driven by the keyboard against the sandbox: form -> review -> apply -> checks.

Assertions look at three things: what the screen says, `app.state`, and what the sandbox world holds.
"""

from __future__ import annotations

import dataclasses

from textual.widgets import Label

from byok_tui.app import ByokApp
from byok_tui.screens.vault import VaultScreen
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.field import FieldMessage
from byok_tui.screens.widgets.modals import ConfirmModal, ErrorModal
from byok_tui.screens.widgets.plan import ChangeView
from byok_tui.state import StepRecord
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import choose, pick_radio, settle, type_into


def vault_screen(app: ByokApp) -> VaultScreen:
    screen = app.screen
    assert isinstance(screen, VaultScreen), f"expected the vault screen, got {screen!r}"
    return screen


def message(app: ByokApp, widget_id: str) -> str:
    return app.screen.query_one(f"#{widget_id}-msg", FieldMessage).text


def texts(widgets) -> list[str]:
    out = []
    for widget in widgets:
        out += widget.texts  # a CheckView / ChangeView draws its parts itself (#17)
    return out


async def test_create_vault_and_key_end_to_end(make_app):
    h = make_app(start_step="vault")
    app, sb = h.app, h.sandbox
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = vault_screen(app)
        assert screen.page == "form"
        assert app.focused is not None and app.focused.id == "rg-mode"

        await choose(pilot, "rg-select", "rg-contoso-prod")
        # The vault's region follows the chosen group.
        assert screen.form.vault.region_select.value == "eastus"

        await type_into(pilot, "vault-name", "1kv-bad")
        assert "Key vault name" in message(app, "vault-name") and "start with a letter" in message(
            app, "vault-name"
        )

        await pilot.press("ctrl+r")  # Review from inside the text field
        await settle(pilot)
        assert screen.page == "form", "Review must refuse a bad vault name"
        assert app.focused is not None and app.focused.id == "vault-name"
        assert app.state.vault.name == ""  # nothing written

        await type_into(pilot, "vault-name", "kv-contoso-byok")
        assert message(app, "vault-name") == ""
        assert str(screen.form.vault.availability.content) == "✓ available"

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        assert (
            app.state.vault.name == "kv-contoso-byok" and app.state.vault.resource_group == "rg-contoso-prod"
        )
        plan = texts(screen.query(ChangeView))
        assert any(t.startswith("$ az keyvault create --name 'kv-contoso-byok'") for t in plan)
        assert any(t.startswith("$ az keyvault key create") and "--size '3072'" in t for t in plan)
        assert "⚠ irreversible: cannot be undone" in plan

        def az_lines() -> list[str]:  # the az command lines each change draws (and takes room for)
            views = list(screen.query(ChangeView))
            assert all(view.region.height == len(view.drawn_lines) for view in views)
            return [line for view in views for line in view.drawn_lines if line.lstrip().startswith("$ az")]

        assert az_lines()
        await pilot.press("z")  # hide the az commands
        await pilot.pause()
        assert not az_lines()
        await pilot.press("z")

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)

        screen = vault_screen(app)
        assert screen.page == "result"
        results = {view.result.id: view.result.status for view in screen.query(CheckView)}
        assert results and set(results.values()) == {"pass"}, results
        assert app.state.step("vault") == dataclasses.replace(
            app.state.step("vault"), applied=True, checked="pass"
        )
        assert app.state.vault.vault_uri == "https://kv-contoso-byok.vault.azure.net/"
        assert app.state.vault.key_id.startswith(
            "https://kv-contoso-byok.vault.azure.net/keys/kore-byok-cmk/"
        )
        evidence = texts(screen.query(CheckView))
        assert any(t.startswith("request ") for t in evidence)

        # What the sandbox world now holds.
        vault = sb.world.vault("kv-contoso-byok")
        assert vault is not None and vault.resource_group == "rg-contoso-prod"
        assert vault.properties.get("enablePurgeProtection") is True
        key = vault.keys["kore-byok-cmk"].latest
        assert (key.kty, key.key_size) == ("RSA", 3072)

        # Copy the key identifier (OSC 52) and go on to Step 3.
        await pilot.press("c")
        assert app.clipboard == app.state.vault.key_id
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.STEP_ID == "access"  # Step 3 follows


async def test_next_is_dimmed_until_checks_pass(make_app):
    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = vault_screen(app)
        assert screen.check_action("next", ()) is None  # shown, but dimmed
        assert screen.check_action("review", ()) is True
        assert screen.check_action("apply", ()) is False  # not on this page
        screen.page = "review"
        app.applying = True  # while an apply runs, Back is dimmed and Apply hidden (room for ? Help, #15)
        assert screen.check_action("back", ()) is None and screen.check_action("apply", ()) is False
        app.applying = False
        assert screen.check_action("back", ()) is True


async def test_adopt_existing_vault_needs_purge_protection_confirmation(make_app):
    h = make_app("existing-vault", start_step="vault")
    app, sb = h.app, h.sandbox
    legacy = sb.world.vault("kv-contoso-legacy")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = vault_screen(app)
        await choose(pilot, "rg-select", "rg-shared-security")
        await pick_radio(pilot, "vault-mode", "vault-existing")
        await choose(pilot, "vault-select", "kv-contoso-legacy")
        facts = str(screen.form.vault.facts.content)
        assert "purge protection OFF" in facts and "access policies" in facts
        assert screen.form.vault.purge.display
        await pick_radio(pilot, "key-mode", "key-existing")
        await choose(pilot, "key-select", "legacy-cmk")

        # Without the irreversible opt-in, Review refuses and says why.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "form"
        assert "Purge protection" in message(app, "vault-purge")
        assert app.focused is screen.form.vault.purge

        await pilot.press("space")  # tick "Enable purge protection (irreversible)"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        assert app.state.vault.create_vault is False and app.state.vault.enable_purge_protection is True
        assert [c.id for c in screen.changes if c.irreversible] == ["vault.purge_protection"]

        # Cancelling the confirmation changes nothing.
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert screen.page == "review"
        assert not legacy.properties.get("enablePurgeProtection")
        assert not app.state.step("vault").applied
        assert any("No changes were made" in n.message for n in notifications(app))

        # Confirming turns it on, and the checks prove it.
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert legacy.properties.get("enablePurgeProtection") is True
        assert screen.page == "result"
        results = {view.result.id: view.result.status for view in screen.query(CheckView)}
        assert results["vault.purge_protection"] == "pass"
        assert app.state.vault.key_id.startswith("https://kv-contoso-legacy.vault.azure.net/keys/legacy-cmk/")
        assert app.state.step("vault").checked in ("pass", "warn")


async def test_taken_vault_name_is_shown_and_refused(make_app):
    app = make_app("existing-vault", start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = vault_screen(app)
        await choose(pilot, "rg-select", "rg-contoso-prod")
        await type_into(pilot, "vault-name", "kv-contoso-legacy")
        assert str(screen.form.vault.availability.content) == "✗ taken (soft-deleted vaults keep their name)"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "form"
        text = message(app, "vault-name")
        assert text.startswith("Key vault name:") and "taken" in text and "Use existing" in text


async def test_apply_failure_shows_cause_remedy_and_request_id(make_app):
    """The vault is created by someone else between Review and Apply: Azure refuses, the app explains."""
    h = make_app(start_step="vault")
    app, sb = h.app, h.sandbox
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = vault_screen(app)
        await choose(pilot, "rg-select", "rg-shared-security")
        await type_into(pilot, "vault-name", "kv-race-byok")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        # Someone else takes the name in another subscription's resource group meanwhile.
        other = Sandboxed.take_name(sb, "kv-race-byok")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ErrorModal), f"expected an error modal, got {modal!r}"
        shown = [str(s.content) for s in modal.query("Static")]
        assert any(s.startswith("Fix: ") for s in shown), shown
        assert any(s.startswith("Request id: ") and len(s) > len("Request id: ") for s in shown), shown
        assert other is not None
        await pilot.press("escape")
        await pilot.pause()
        assert vault_screen(app).page == "review"
        assert str(screen.apply_button.label) == "Retry (a)"
        assert not app.state.step("vault").applied


class Sandboxed:
    """Changes a test makes to the sandbox world behind the wizard's back."""

    @staticmethod
    def take_name(sb, name: str):
        import copy

        legacy_world = type(sb).create("existing-vault").world
        vault = copy.deepcopy(legacy_world.vault("kv-contoso-legacy"))
        vault.name = name
        vault.resource_group = "rg-contoso-prod"
        vault.properties["vaultUri"] = f"https://{name}.vault.azure.net/"
        vault.keys = {}
        sb.world.vaults[name] = vault
        return vault


async def test_resume_shows_recorded_answers_and_rechecks(make_app):
    # First session: apply through the screen.
    h = make_app(start_step="vault")
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "rg-select", "rg-contoso-prod")
        await type_into(pilot, "vault-name", "kv-resume-byok")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        saved = h.app.state
    assert saved.step("vault").applied
    # Second session on the same world, from the saved state, forgetting the last check.
    from byok_tui.app import build_app
    from byok_tui.testing.harness import FROZEN

    stale = saved.with_step("vault", dataclasses.replace(saved.step("vault"), checked=""))
    app = build_app(h.sandbox.connection(), None, stale, clock=lambda: FROZEN, start_step="vault")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = vault_screen(app)
        assert screen.page == "result"
        assert app.state.step("vault").checked == "pass"
        assert "kv-resume-byok" in str(screen.query_one("#summary").content)
        assert screen.check_action("next", ()) is True
        await pilot.press("b")  # back to the answers, filled in from the state
        await pilot.pause()
        assert screen.page == "form"
        assert screen.form.vault.name_input.value == "kv-resume-byok"
        assert str(screen.form.vault.availability.content) == "✓ created by this session"
        # Reviewing unchanged answers keeps the step applied.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.page == "review"
        assert app.state.step("vault").applied


async def test_changed_answers_reset_the_step(make_app):
    from byok_tui.engine.vault import with_answers
    from byok_tui.state import VaultState, WizardState

    applied = WizardState(
        vault=VaultState(resource_group="rg", name="kv-a", key_name="k", vault_id="/id", vault_uri="https://kv-a/",
                         key_id="https://kv-a/keys/k/1"),
        steps={"vault": StepRecord(applied=True, checked="pass")},
    )  # fmt: skip
    same = with_answers(applied, applied)
    assert same is applied
    renamed = dataclasses.replace(applied, vault=dataclasses.replace(applied.vault, name="kv-b"))
    result = with_answers(applied, renamed)
    assert result.vault.vault_uri == "" and result.vault.key_id == ""
    assert result.step("vault") == StepRecord()


async def test_sandbox_signin_is_filled_from_the_connection(make_app):
    from byok_tui.testing.harness import signin_for

    h = make_app(start_step="vault")
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert h.app.state.signin == dataclasses.replace(signin_for(h.sandbox), cloud="AzureCloud")
        where = str(h.app.screen.query_one("#where-long", Label).content)
        assert where == f"tenant {h.sandbox.tenant_id}  subscription Contoso Production"


async def test_stepper_lists_every_step_and_says_which_are_not_built(make_app):
    from byok_tui.screens.widgets.stepper import STEP_LABELS, Stepper, StepStrip
    from byok_tui.state import STEP_IDS

    app = make_app(start_step="vault").app
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert app.has_class("narrow") is False
        stepper = app.screen.query_one(Stepper)
        assert stepper.display and not app.screen.query_one(StepStrip).display
        prompts = [prompt.plain for prompt in stepper.prompts]
        assert list(stepper.step_ids) == list(STEP_IDS)
        assert prompts[2] == "○ 2 Key Vault and key ◂"
        assert all(p.endswith("not built yet") == (STEP_IDS[i] not in app.built_steps)
                   for i, p in enumerate(prompts) if i != 2)  # fmt: skip
        # Choosing a step that is not built says so, and stays here.
        missing = [s for s in STEP_IDS if s not in app.built_steps]
        if not missing:
            return
        stepper.focus()
        stepper.highlighted = STEP_IDS.index(missing[0])
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VaultScreen)
        assert any(f"“{STEP_LABELS[missing[0]]}” is not built yet" in n.message for n in notifications(app))


async def test_the_stepper_goes_to_the_step_chosen_with_keys_or_a_click(make_app):
    from byok_tui.screens.widgets.stepper import Stepper
    from byok_tui.state import STEP_IDS

    app = make_app(start_step="vault").app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        stepper = app.screen.query_one(Stepper)
        assert stepper.highlighted == STEP_IDS.index("vault")  # the current step, at first
        stepper.focus()
        await pilot.press("up", "up", "up")  # past the first step, round to the last
        assert stepper.highlighted == len(STEP_IDS) - 1
        await pilot.press("home", "enter")
        await settle(pilot)
        assert getattr(app.screen, "STEP_ID", None) == "signin"
        stepper = app.screen.query_one(Stepper)
        # A click on a step's line goes there too (the line says which step it is).
        line = next(
            y for y in range(stepper.size.height) if "Key Vault and key" in stepper.render_line(y).text
        )
        await pilot.click(stepper, offset=(2, line))
        await settle(pilot)
        assert isinstance(app.screen, VaultScreen)


async def test_narrow_terminal_collapses_the_stepper_to_a_strip(make_app):
    from byok_tui.screens.widgets.stepper import Stepper, StepStrip

    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.has_class("narrow")
        assert not app.screen.query_one(Stepper).display
        strip = app.screen.query_one(StepStrip)
        assert strip.display and "2 Key Vault and key" in str(strip.content)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not app.has_class("narrow")
        assert app.screen.query_one(Stepper).display


async def test_a_short_terminal_scrolls_the_stepper_to_the_current_step(make_app):
    from byok_tui.screens.widgets.stepper import Stepper

    app = make_app(start_step="confirm").app
    async with app.run_test(size=(120, 10)) as pilot:
        await settle(pilot)
        stepper = app.screen.query_one(Stepper)
        shown = [stepper.render_line(y).text for y in range(stepper.size.height)]
        assert any("Confirm" in line for line in shown), shown
