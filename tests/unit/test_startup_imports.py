"""`byok-tui demo` draws its first screen before the heavy work (issue #7).

The SDKs (azure-*, msgraph, httpx, cryptography) and the sandbox that imports them must not load while
the demo starts: the sandbox is built in a thread once the first screen is drawn. Fresh interpreters
check the imports, so nothing this test process has loaded can hide a regression. The rest checks that
the deferred sandbox behaves like the one it stands for.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import subprocess
import sys
import textwrap

import pytest

from byok_tui.errors import InputError
from byok_tui.sandbox import SCENARIOS, Sandbox
from byok_tui.sandbox import deferred as deferred_mod
from byok_tui.sandbox.deferred import DeferredSandbox, open_sandbox

HEAVY = ("azure", "msgraph", "msgraph_core", "kiota_http", "kiota_abstractions", "httpx", "aiohttp",
         "cryptography", "msal")  # fmt: skip

PROBE_HEADER = f"""
import json, sys
HEAVY = {HEAVY!r}
SLOW = ("byok_tui.sandbox.facade", "byok_tui.sandbox.scenarios", "byok_tui.headless")
seen = {{}}

def loaded():
    heavy = sorted(m for m in list(sys.modules) if m.split(".")[0] in HEAVY)
    return heavy + [m for m in SLOW if m in sys.modules]
"""


def run_probe(body: str) -> dict[str, list[str]]:
    code = PROBE_HEADER + textwrap.dedent(body) + "\nprint(json.dumps(seen))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_starting_the_demo_imports_no_sdk_and_builds_no_sandbox():
    seen = run_probe("""
        import byok_tui.cli as cli
        seen["import byok_tui.cli"] = loaded()
        from byok_tui.app import ByokApp
        apps = []
        ByokApp.run = lambda self, *a, **k: apps.append(self)
        assert cli.main(["demo", "--faults", "latency=0ms"]) == 0
        seen["demo App built"] = loaded()
        (app,) = apps
        assert app.conn.is_sandbox and app.signed_in and app.start_step == "signin"
        seen["after reading the connection's label and credential"] = loaded()
    """)
    assert seen == {stage: [] for stage in seen} and len(seen) == 3


def test_the_first_screen_is_drawn_before_the_sandbox_is_built():
    # The App starts the build after its first frame (Connection.prepare). The fallback that starts it
    # for an early request anyway is pushed out of reach here, so that a slow machine cannot blur the order.
    seen = run_probe("""
        import asyncio
        import textual.app
        import byok_tui.sandbox.deferred as deferred
        from byok_tui.app import build_app
        from byok_tui.screens.signin import SigninScreen

        deferred.FIRST_FRAME_GRACE = 600
        compose = SigninScreen.compose
        def composing(self):
            seen.setdefault("Sign-in screen composed", loaded())
            return compose(self)
        SigninScreen.compose = composing
        display = textual.app.App._display
        def first_frame(self, screen, renderable):
            # Not while the App starts (_batch_count): Textual is called to draw then, but draws nothing.
            if renderable is not None and not self._batch_count and isinstance(self.screen, SigninScreen):
                seen.setdefault("first frame", loaded())
            display(self, screen, renderable)
        textual.app.App._display = first_frame

        sb = deferred.DeferredSandbox(None, "default", "latency=0ms")
        app = build_app(sb.connection(), profile=sb.profile())

        async def main():
            async with app.run_test(size=(80, 24)) as pilot:
                for _ in range(400):
                    await pilot.pause(0.05)
                    if app.state.step("signin").checked:
                        break
                seen["signed in"] = [app.state.signin.operator_object_id, app.conn.operator_object_id,
                                     app.state.step("signin").checked, app.profile.kore_client_id]
                seen["after sign-in"] = loaded()
        asyncio.run(main())
    """)
    assert seen["Sign-in screen composed"] == []
    # The Sign-in worker (it imports azure.core) starts after the first frame too.
    assert seen["first frame"] == []
    operator, conn_operator, checked, kore_client_id = seen["signed in"]
    assert operator and operator == conn_operator and checked in ("pass", "warn")
    assert kore_client_id == Sandbox.create().kore_client_id
    assert "byok_tui.sandbox.facade" in seen["after sign-in"]


# --- the deferred sandbox stands for the real one ----------------------------------------------------


def test_the_scenario_names_checked_up_front_are_the_scenarios():
    assert tuple(SCENARIOS) == deferred_mod.SCENARIO_NAMES


@pytest.mark.parametrize(("args", "option"), [
    ((None, "moon", None), "--scenario"),
    ((None, "default", "latency=fast"), "--faults"),
])  # fmt: skip
def test_bad_options_fail_at_once_naming_the_option(args, option):
    with pytest.raises(InputError) as caught:
        DeferredSandbox(*args)
    assert caught.value.field == option
    with pytest.raises(InputError) as again:  # the headless commands' sandbox_for says the same
        open_sandbox(*args)
    assert str(again.value) == str(caught.value)


def test_nothing_is_built_until_asked_then_once():
    sb = DeferredSandbox(None, "restricted", "latency=0ms")
    conn, profile = sb.connection(), sb.profile()
    assert not sb.started and conn.is_sandbox and conn.credential is not None and conn.impersonate
    built = sb.result()
    assert sb.started and sb.result() is built
    real = built.connection()
    assert (conn.operator_object_id, conn.kore_api_client[0]) == (
        real.operator_object_id,
        real.kore_api_client[0],
    )
    assert profile == built.profile() and profile.kore_client_id == built.kore_client_id
    assert type(conn.transport_factory()).__name__ == "MemTransport"


async def test_the_credential_awaits_the_world_and_signs_in_as_the_operator():
    from byok_tui.azure import auth

    sb = DeferredSandbox(None, "default", "latency=0ms")
    conn = sb.connection()
    me = await auth.whoami(conn)  # the build starts on its own when the App never asks
    assert me["object_id"] == sb.result().operator_object_id == conn.operator_object_id
    token = await conn.impersonate(me["object_id"]).get_token_info("https://vault.azure.net/.default")
    assert token.token


async def test_a_cancelled_waiter_does_not_cancel_the_build_others_wait_for():
    sb = DeferredSandbox(None, "default")
    waiter = asyncio.ensure_future(sb.wait())
    await asyncio.sleep(0)
    waiter.cancel()
    sb.start()
    assert (await sb.wait()).tenant_id


async def test_a_state_file_that_is_no_world_is_bad_input_when_the_world_is_needed(tmp_path):
    state = tmp_path / "world.json"
    state.write_text(json.dumps({"kind": "something else"}), encoding="utf-8")
    sb = DeferredSandbox(str(state), "default")  # reading the file is part of the deferred work
    with pytest.raises(InputError) as caught:
        await sb.wait()
    assert caught.value.field == "--sandbox-state"


def test_a_new_state_file_is_created_and_reused(tmp_path):
    state = tmp_path / "world.json"
    first = DeferredSandbox(str(state), "existing-vault").result()
    assert state.exists() and first.world.vaults
    again = DeferredSandbox(str(state), "no-such-scenario-is-read-for-an-existing-file").result()
    assert set(again.world.vaults) == set(first.world.vaults)


# --- the Sign-in screen's first frame --------------------------------------------------------------


async def test_the_first_frame_holds_what_it_shows_and_the_rest_follows_in_place(monkeypatch):
    """Hidden sections are mounted after the first frame; then the page is what it always was."""
    import textual.app

    from byok_tui.app import build_app
    from byok_tui.screens.signin import SigninScreen

    def page(app) -> list[str]:
        return [w.id or type(w).__name__ for w in app.screen.query_one("#signin-page").children]

    at_first_frame: list[list[str]] = []
    display = textual.app.App._display

    def first_frame(self, screen, renderable):
        # Not while the App starts (_batch_count): Textual is called to draw then, but draws nothing.
        if renderable is not None and not self._batch_count and isinstance(self.screen, SigninScreen):
            at_first_frame.append(page(self))
        display(self, screen, renderable)

    monkeypatch.setattr(textual.app.App, "_display", first_frame)
    # `_mount_the_rest` runs after the screen's first refresh; on a loaded machine that can come before Textual
    # has drawn a frame at all. Note how many frames were out when it ran, to know what the first one can show.
    frames_before_the_rest: list[int] = []
    composed: list[list[str]] = []
    mount_the_rest = SigninScreen._mount_the_rest

    async def spying(self):
        frames_before_the_rest.append(len(at_first_frame))
        composed.append(page(self.app))
        await mount_the_rest(self)

    monkeypatch.setattr(SigninScreen, "_mount_the_rest", spying)
    sb = DeferredSandbox(None, "default", "latency=0ms")
    app = build_app(sb.connection(), profile=sb.profile())
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(400):
            await pilot.pause(0.05)
            if app.state.step("signin").checked:
                break
        drawn_first = ["Static", "Static", "Static", "Row", "Row", "method-msg", "signin-status"]
        assert composed == [drawn_first]  # compose holds only the first part; the rest is mounted once, later
        if frames_before_the_rest[
            0
        ]:  # a frame was out before the rest came (not always so on a loaded machine)
            assert at_first_frame[0] == drawn_first
        assert page(app) == ["Static", "Static", "Static", "Row", "Row", "method-msg", "live-only",
                             "signin-status", "DeviceCodePanel", "signin-error", "where", "preflight"]  # fmt: skip
        assert app.state.step("signin").checked == "pass" and not app.screen.query_one("#live-only").display


# --- byok_tui.state's records: methods written once, the same as @dataclass's ----------------------


def _state_records() -> list[type]:
    from byok_tui import state

    return [v for v in vars(state).values() if isinstance(v, type) and dataclasses.is_dataclass(v)]


@pytest.mark.parametrize("record", _state_records(), ids=lambda cls: cls.__name__)
def test_a_state_record_compares_hashes_and_prints_as_a_frozen_dataclass_would(record):
    twin = dataclasses.make_dataclass(  # what @dataclass(frozen=True) writes, for the same fields
        record.__name__,
        [(f.name, f.type, f) for f in map(copy.copy, dataclasses.fields(record))],
        frozen=True,
    )
    twin.__qualname__ = record.__qualname__
    values = {f.name: f"value of {f.name}" for f in dataclasses.fields(record)}
    other = {**values, next(iter(values)): "another value"}
    mine, theirs = record(**values), twin(**values)
    assert repr(mine) == repr(theirs) and str(mine) == str(theirs)
    assert hash(mine) == hash(theirs) == hash(record(**values))
    assert mine == record(**values) and (mine != record(**values)) is False
    assert mine != record(**other) and (mine == record(**other)) == (theirs == twin(**other))
    assert mine != theirs and mine.__eq__(theirs) is NotImplemented  # another class: never equal
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.__setattr__(next(iter(values)), "changed")


def test_the_whole_state_round_trips_and_compares_by_value():
    from byok_tui.state import SigninState, StepRecord, WizardState

    state = WizardState(session_id="s").with_step("vault", StepRecord(applied=True, applied_changes=("a",)))
    state = dataclasses.replace(state, signin=SigninState(tenant_id="t"))
    again = WizardState.from_json(state.to_json())
    assert again == state and again is not state and repr(again) == repr(state)
    assert dataclasses.replace(state, session_id="other") != state
    with pytest.raises(TypeError):  # the steps are a dict: a WizardState is not hashable, as before
        hash(state)
