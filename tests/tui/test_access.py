"""Step 3 driven by the keyboard against the sandbox: what will be granted -> plan -> apply -> checks.

Assertions look at what the screen says, `app.state`, and the role assignments the sandbox world holds.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from byok_tui.engine import access as access_step
from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.roles import find_role
from byok_tui.screens.access import AccessScreen
from byok_tui.screens.messages import ApplyProgress
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.elapsed import Elapsed
from byok_tui.screens.widgets.parts import PartsView
from byok_tui.screens.widgets.plan import ChangeView
from byok_tui.state import AuthorizeState
from byok_tui.testing.flows import applied, reviewed
from byok_tui.testing.notes import notifications
from byok_tui.testing.pilot import settle
from byok_tui.testing.prepare import done_through

CRYPTO_USER = find_role("Key Vault Crypto User").guid  # type: ignore[union-attr]


def texts(widgets) -> list[str]:
    out: list[str] = []
    for widget in widgets:
        out += widget.texts  # a CheckView / ChangeView draws its parts itself (#17)
    return out


def screen_text(app) -> str:
    statics = [str(s.content) for s in app.screen.query("Static")]
    parts = [text for view in app.screen.query(PartsView) for text in view.texts]  # checks, changes (#17)
    return "\n".join(statics + parts)


def kore_assignments(sb: Sandbox, sp: str) -> list:
    return [a for a in sb.world.role_assignments.values() if a.principal_id == sp.lower()]


async def test_grant_crypto_user_end_to_end(make_app):
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    h = make_app(state=state, sandbox=sb, start_step="access")
    app = h.app
    sp = state.authorize.sp_object_id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccessScreen) and screen.page == "form"
        shown = screen_text(app)
        assert "Kore.ai BYOK" in shown and sp in shown  # to whom
        assert "kv-contoso-byok (permissions by Azure RBAC)" in shown  # on what, which model
        assert "Key Vault Crypto User, at the scope of this vault only" in shown
        assert app.focused is not None and app.focused.id == "review"
        assert kore_assignments(sb, sp) == []

        await pilot.press("r")
        await settle(pilot)
        assert screen.page == "review"
        plan = texts(screen.query(ChangeView))
        assert any(
            t.startswith("$ az role assignment create --role 'Key Vault Crypto User'") and sp in t
            for t in plan
        )

        await pilot.press("a")
        await settle(pilot)
        assert screen.page == "result"
        (assignment,) = kore_assignments(sb, sp)
        vault = sb.world.vault("kv-contoso-byok")
        assert assignment.role_definition_id == CRYPTO_USER and assignment.scope.lower() == vault.id.lower()
        assert app.state.access.mode == "rbac" and app.state.step("access").checked == "pass"
        results = {v.result.id: v.result.status for v in screen.query(CheckView)}
        assert results == {"access.granted": "pass", "access.least_privilege": "pass"}
        assert "Kore.ai BYOK holds Key Vault Crypto User on kv-contoso-byok" in str(
            screen.query_one("#summary").content
        )

        # Applying again adopts the assignment: still exactly one.
        await pilot.press("b")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert len(kore_assignments(sb, sp)) == 1


async def test_apply_waits_out_propagation_visibly(make_app, monkeypatch: pytest.MonkeyPatch):
    """Kore's new role reaches the data plane only after a while: the screen shows the wait, then passes."""
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    now = [sb.world.now()]
    sb.world.clock = lambda: now[0]
    sb.world.settings.rbac_propagation_seconds = 20

    async def fake_sleep(seconds: float) -> None:  # time passes in the sandbox, not in the test
        now[0] += seconds
        await asyncio.sleep(0)

    monkeypatch.setattr(access_step, "sleep", fake_sleep)
    progress: list[str] = []
    h = make_app(state=state, sandbox=sb, start_step="access")
    app = h.app

    def record(message) -> None:
        if isinstance(message, ApplyProgress):
            progress.append(message.message)

    async with app.run_test(size=(80, 24), message_hook=record) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        elapsed = app.screen.query_one(Elapsed)
        assert elapsed.has_class("-running") or elapsed.has_class("-done")
        await settle(pilot)
        assert any(m.startswith("Waiting for Kore's new role to propagate") for m in progress), progress
        assert "Kore can read the key." in progress
        assert elapsed.has_class("-done") and str(elapsed.content).startswith("✓ Done after")
        assert app.screen.page == "result" and app.state.step("access").checked == "pass"


async def test_broader_access_is_warned(make_app):
    sb = Sandbox.create("default")
    state = await access_ready(sb)
    sp, vault = state.authorize.sp_object_id, sb.world.vault("kv-contoso-byok")
    sb.world.assign_role(sp, "Key Vault Administrator", vault.id)
    h = make_app(state=state, sandbox=sb, start_step="access")
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = h.app.screen
        assert screen.page == "result"  # resumed: the step was applied, so it proves it again
        warning = next(v.result for v in screen.query(CheckView) if v.result.id == "access.least_privilege")
        assert warning.status == "warn" and "Key Vault Administrator" in warning.detail
        assert "Fix: Remove what Kore does not need" in screen_text(h.app)
        assert str(screen.query_one("#verdict").content).startswith("! All checks pass, 1 with a warning")


async def test_access_policy_vault_shows_the_five_permissions(make_app):
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    state = dataclasses.replace(state, vault=dataclasses.replace(state.vault, rbac_authorization=False))
    h = make_app(state=state, sandbox=sb, start_step="access")
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_text(h.app)
        assert "permissions by access policies" in shown
        assert "an access policy with key permissions get, encrypt, decrypt, wrapKey, unwrapKey" in shown
        await pilot.press("r")
        await settle(pilot)
        plan = texts(h.app.screen.query(ChangeView))
        assert any(
            t.endswith("--key-permissions 'get' 'encrypt' 'decrypt' 'wrapKey' 'unwrapKey'") for t in plan
        )


async def test_without_step_1_it_says_so_and_refuses(make_app):
    sb = Sandbox.create("default")
    state = await done_through(sb, "vault")
    state = dataclasses.replace(state, authorize=AuthorizeState(kore_client_id=sb.kore_client_id))
    h = make_app(state=state, sandbox=sb, start_step="access")
    app = h.app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "Step 1 · Authorize Kore app is not done" in screen_text(app)
        assert app.focused is not None and app.focused.id == "goto-authorize"
        await pilot.press("r")
        await settle(pilot)
        assert screen.page == "form", "Review must refuse without Kore's service principal"
        assert any("Step 1 must find Kore's service principal first" in str(n.message)
                   for n in notifications(app))  # fmt: skip
        await pilot.press("enter")  # "Go to Step 1"
        await settle(pilot)
        if "authorize" in app.built_steps:
            assert app.screen.STEP_ID == "authorize"
        else:
            assert any("not built yet" in str(n.message) for n in notifications(app))


async def access_ready(sb: Sandbox):
    return await done_through(sb, "access")


# --- snapshots ----------------------------------------------------------------------------------------


def _prepared(make_app, last: str, **changes):
    sb = Sandbox.create("default")
    state = asyncio.run(done_through(sb, last))
    if changes:
        state = dataclasses.replace(state, **changes)
    return make_app(state=state, sandbox=sb, start_step="access").app


@pytest.mark.usefixtures("stable_request_ids")
class TestAccessSnapshots:
    def test_what_will_be_granted(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app, "vault"), terminal_size=size, run_before=settle)

    def test_planned_change(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app, "vault"), terminal_size=size, run_before=reviewed)

    def test_checks_after_apply(self, snap_compare, make_app, size):
        assert snap_compare(_prepared(make_app, "vault"), terminal_size=size, run_before=applied)

    def test_step_1_missing(self, snap_compare, make_app, size):
        app = _prepared(make_app, "vault", authorize=AuthorizeState())
        assert snap_compare(app, terminal_size=size, run_before=settle)
