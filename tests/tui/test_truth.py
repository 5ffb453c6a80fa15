"""The wizard tells the truth at every step (issue #15): a reopened step says what an interrupted apply
made, and a plan the operator cannot finish is refused before anything irreversible."""

from __future__ import annotations

import dataclasses

from textual.widgets import Static

from byok_tui.engine import runner
from byok_tui.engine import vault as vault_step
from byok_tui.screens.widgets.modals import ErrorModal
from byok_tui.screens.widgets.plan import ChangeView
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import answers, done_through, quiet


def texts(widgets) -> list[str]:
    return [text for view in widgets for text in view.texts]  # a ChangeView draws its parts itself (#17)


def new_group(state):
    return dataclasses.replace(state, vault=dataclasses.replace(
        state.vault, resource_group="rg-kore-byok", create_resource_group=True, location="eastus"))  # fmt: skip


async def test_a_reopened_step_says_what_its_interrupted_apply_made(make_app):
    h = make_app()
    sb = h.sandbox
    state = new_group(await done_through(sb, "authorize"))
    fresh = await runner.survey(vault_step.STEP, state, sb.connection())
    # Interrupted (Ctrl-C) right after "Created resource group …".
    partial = await runner.apply_plan(vault_step.STEP, state, sb.connection(), None, quiet, fresh[:1])
    partial = partial.with_step("vault", dataclasses.replace(partial.step("vault"), applied=False))
    app = make_app(state=partial, sandbox=sb, start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.screen
        assert screen.page == "review"
        intro = str(screen.query_one("#review-intro", Static).content)
        assert "Nothing has changed" not in intro and "stopped part-way" in intro
        plan = texts(screen.query(ChangeView))
        assert "Use the existing resource group rg-kore-byok (eastus)" in plan
        assert "Create resource group rg-kore-byok in eastus" not in plan
        # Resource ids break after a '/', never inside a name (#15, item 10).
        for view in screen.query(ChangeView):
            lines = view.part("change-target").splitlines()
            assert view.target_width > 0 and lines, (view.target_width, lines)
            assert all(len(line) <= view.target_width for line in lines), lines
            assert all(line.endswith("/") for line in lines[:-1]), lines


async def test_the_restricted_account_is_refused_before_the_irreversible_vault(make_app):
    h = make_app("restricted")
    sb = h.sandbox
    state = new_group(answers(sb))
    state = dataclasses.replace(state, vault=dataclasses.replace(state.vault, create_vault=True))
    app = make_app(state=state, sandbox=sb, start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        shown = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "You could create the vault but not its key" in shown
        assert "az role assignment create" in shown
        assert not sb.world.vaults


async def test_next_on_an_unfinished_step_says_why(make_app):
    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.STEP_ID == "vault"  # did not move
        (note,) = [n for n in notifications(app) if n.title == "Next: not yet"]
        assert "Review (r) and Apply (a)" in note.message


async def test_review_reports_every_problem_of_the_form_at_once(make_app):
    app = make_app(start_step="vault").app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.screen
        assert screen.page == "form"
        (note,) = [n for n in notifications(app) if (n.title or "").startswith("Review: fix")]
        listed = note.message.splitlines()
        assert len(listed) >= 2 and note.title == f"Review: fix these {len(listed)} first"
        # The first bad field has the focus and sits at the top of the view, away from the toast.
        focused = app.focused
        assert focused is not None
        assert focused.region.y - screen.query_one("#form-page").region.y <= 3


async def test_a_running_apply_keeps_its_progress_in_view(make_app):
    """Step 2's plan is longer than 80x24: the progress under it must scroll into view (#15, item 15)."""
    from byok_tui.sandbox import Sandbox
    from byok_tui.sandbox.faults import parse_faults

    sb = Sandbox.create("default", parse_faults("latency:keyvault=300ms"), realtime=True)
    state = new_group(await done_through(sb, "authorize"))
    state = dataclasses.replace(state, vault=dataclasses.replace(state.vault, create_vault=True))
    app = make_app(state=state, sandbox=sb, start_step="vault").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("a")  # the irreversible vault: confirm
        await pilot.press("y")
        screen = app.screen
        while len(screen.apply_log.lines) < 2 and app.applying:
            await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        page = screen.query_one("#review-page")
        log = screen.apply_log
        assert app.applying, "the apply ended before the test could look"
        assert page.region.y <= log.region.y and log.region.bottom <= page.region.bottom, (
            log.region,
            page.region,
        )
        await settle(pilot)


# --- the demo's dead ends say what will happen, and the way on (#15, item 11) ---------------------


async def test_the_demo_says_option_a_cannot_finish_in_the_default_world(make_app):
    from byok_tui.sandbox import Sandbox
    from tests.tui.test_network import fresh_state

    sb = Sandbox.create("default")
    app = make_app(state=await fresh_state(sb), sandbox=sb, start_step="network").app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = str(app.screen.query_one("#net-connections-msg").render())
        assert "Demo:" in shown and "Choose B (Firewall)" in shown and "--scenario private-endpoint" in shown


async def test_the_restricted_demo_says_consent_never_comes(make_app):
    from byok_tui.sandbox import Sandbox
    from byok_tui.state import AuthorizeState

    sb = Sandbox.create("restricted")
    state = dataclasses.replace(await done_through(sb, "signin"), authorize=AuthorizeState())
    app = make_app(sandbox=sb, state=state).app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.STEP_ID == "authorize"
        who = str(app.screen.query_one("#consent-who", Static).render())
        assert "no administrator can open this URL in the sandbox" in who and "byok-tui demo" in who


async def test_step_2_says_why_the_region_is_fixed_and_shows_only_what_applies(make_app):
    """#15, item 18: a new group fixes the vault's region (and says so); an existing vault's region and
    tier are facts, not fields."""
    from textual.widgets import Select

    from byok_tui.testing.pilot import choose, pick_radio

    h = make_app("existing-vault", start_step="vault")
    app = h.app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pick_radio(pilot, "rg-mode", "rg-new")
        note = screen.query_one("#vault-region-msg")
        assert screen.query_one("#vault-region", Select).disabled
        assert str(note.render()).startswith(
            "Fixed: a vault in a new resource group goes in the group's region"
        )
        await pick_radio(pilot, "rg-mode", "rg-existing")
        assert "Fixed" not in str(note.render())
        await choose(pilot, "rg-select", "rg-shared-security")
        await pick_radio(pilot, "vault-mode", "vault-existing")
        await settle(pilot)
        assert (
            not screen.query_one("#vault-region").parent.display
            or not screen.query_one("#vault-region").region
        )
        assert not screen.query_one("#vault-sku").region


async def test_the_vault_id_kore_needs_is_copyable_on_step_5(make_app):
    """#15, item 10: focus it, press c; its lines break only after a '/'."""
    from byok_tui.sandbox import Sandbox
    from byok_tui.testing.pilot import focus
    from tests.tui.test_network import fresh_state

    sb = Sandbox.create("default")
    app = make_app(state=await fresh_state(sb), sandbox=sb, start_step="network").app
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await focus(pilot, "net-vault-id")
        await pilot.press("c")
        assert copied == [sb.world.vault("kv-contoso-byok").id]
        shown = str(app.screen.query_one("#net-vault-id .copy-value").render())
        assert all(line.endswith("/") for line in shown.splitlines()[:-1]), shown
