"""Screenshots for the docs, taken from the app itself: `python tools/screenshots.py [NAME ...]`.

Each shot builds the real App (`build_app`) on a fresh sandbox world, with the earlier steps already done
through the engine (`byok_tui.testing.prepare`, the same helper the screen tests use), runs it headless at a
fixed size with `App.run_test`, drives it with the screens' own actions rather than key sequences (so a
new binding does not break a shot), and writes `App.export_screenshot()` to docs/images/NAME.svg.

The output is the same every run: a frozen clock, no cursor blink, one fixed request id, check latencies
hidden, seeded sandbox ids, and a fixed folder for the hand-off files. `--check` compares instead of
writing and exits 1 when an image is out of date (or missing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python tools/screenshots.py` puts tools/ first, not the repository
    sys.path.insert(0, str(REPO))

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402

from byok_tui.app import ByokApp, build_app  # noqa: E402
from byok_tui.clouds import AZURE_PUBLIC  # noqa: E402
from byok_tui.connection import Connection  # noqa: E402
from byok_tui.engine import apps as apps_step  # noqa: E402
from byok_tui.engine import confirm as confirm_step  # noqa: E402
from byok_tui.engine import enterprise_key as enterprise_key_step  # noqa: E402
from byok_tui.engine import runner  # noqa: E402
from byok_tui.engine import signin as signin_step  # noqa: E402
from byok_tui.sandbox import Sandbox  # noqa: E402
from byok_tui.sandbox.world import World  # noqa: E402
from byok_tui.state import (  # noqa: E402
    AuthorizeState,
    EnterpriseKeyState,
    NetworkState,
    ProtectState,
    ShareState,
    WizardState,
)
from byok_tui.testing.prepare import answers, done_through, quiet  # noqa: E402

IMAGES = REPO / "docs" / "images"
SIZE = (120, 36)
"""Columns x rows: wide enough for the stepper beside the step, short enough to read on a page."""
FROZEN = datetime(2025, 1, 15, 9, 30, 0, tzinfo=UTC)
"""The clock every shot sees (the progress log's stamps, Proceed's record, the enforcement date rules)."""
REQUEST_ID = "00000000-0000-4000-8000-000000000000"
HANDOFF = "/tmp/kore-byok-handoff"
"""Where the shots write the hand-off bundle: a fixed path, because the screens show it."""
ENFORCEMENT = "2025-02-15"
"""The enforcement date the shots choose: a month after FROZEN, as an operator would pick it."""
DEVICE_CODE = "GQ2LDJ7XK"
DEVICE_URL = "https://microsoft.com/devicelogin"


@dataclasses.dataclass(frozen=True)
class Shot:
    name: str
    """File stem under docs/images/."""
    caption: str
    """One line saying what the picture shows (printed, and usable as alt text)."""
    take: Callable[[], Awaitable[str]]
    """Builds the App, drives it, returns the SVG."""


# --- making the App and waiting for it ---------------------------------------------------------------


def make_app(sb: Sandbox, state: WizardState | None, start_step: str | None) -> ByokApp:
    app = build_app(
        sb.connection(), None, state, start_step=start_step, clock=lambda: FROZEN, profile=sb.profile()
    )
    app.show_timings = False  # latencies differ run to run
    return app


async def settle(pilot: Pilot) -> None:
    """Wait until every worker (look-ups, apply, checks) is done and the screen redrew."""
    for _ in range(40):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            break
    await pilot.pause()


async def shoot(
    app: ByokApp, drive: Callable[[Pilot], Awaitable[None]] | None = None, *, top_of: str = ""
) -> str:
    """Run `app`, let `drive` act, and return the screen as SVG: scrolled to its top, or so that the widget
    `top_of` (a selector) is the first thing shown when the screen has one."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if drive is not None:
            await drive(pilot)
            await settle(pilot)
        await to_top(pilot)
        if top_of:
            await scroll_to(pilot, top_of)
        return app.export_screenshot()


async def scroll_to(pilot: Pilot, selector: str) -> None:
    """Scroll so that `selector` starts the view; nothing when the screen has no such widget (the shot then
    stays at the top, rather than failing on someone's renamed widget)."""
    from textual.css.query import NoMatches

    try:
        widget = pilot.app.screen.query_one(selector)
    except NoMatches:
        return
    widget.scroll_visible(top=True, animate=False, immediate=True)
    await pilot.pause()


async def to_top(pilot: Pilot) -> None:
    """Every scrolled view back at its top: where focus left a long page differs by a line run to run,
    and a picture reads from the top."""
    from textual.containers import ScrollableContainer

    for view in pilot.app.screen.query(ScrollableContainer):
        view.scroll_home(animate=False, immediate=True)
    await pilot.pause()


async def review(pilot: Pilot) -> None:
    pilot.app.screen.action_review()  # type: ignore[attr-defined]
    await settle(pilot)


async def review_and_apply(pilot: Pilot) -> None:
    """Review, then apply; a change that asks for confirmation (irreversible, restrictive) is confirmed."""
    from byok_tui.screens.widgets.modals import ConfirmModal

    await review(pilot)
    step = pilot.app.screen
    step.action_apply()  # type: ignore[attr-defined]
    await pilot.pause()
    if isinstance(pilot.app.screen, ConfirmModal):
        pilot.app.screen.dismiss(True)
    await settle(pilot)


async def steps_done(sb: Sandbox, last: str, state: WizardState | None = None) -> WizardState:
    return await done_through(sb, last, state or with_handoff(answers(sb)))


def with_handoff(state: WizardState) -> WizardState:
    """The shots' answers: the hand-off in a fixed folder, encryption a month after the frozen day."""
    return dataclasses.replace(state, share=ShareState(export_dir=HANDOFF),
                               enterprise_key=EnterpriseKeyState(enforcement_date=ENFORCEMENT))  # fmt: skip


# --- the shots, in the order of the guide ------------------------------------------------------------


class DeviceCodeCredential:
    """The sandbox's credential behind azure-identity's device-code flow: the first token request shows
    a code through `prompt` and then waits, as a real sign-in waits for the operator's browser."""

    def __init__(self, inner: Any, prompt: Any) -> None:
        self.inner, self.prompt = inner, prompt
        self.signed_in = asyncio.Event()

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if not self.signed_in.is_set():
            await asyncio.to_thread(
                self.prompt, DEVICE_URL, DEVICE_CODE, datetime(2025, 1, 15, 9, 45, tzinfo=UTC)
            )
            await self.signed_in.wait()
        return await self.inner.get_token(*scopes, **kwargs)

    async def close(self) -> None:
        self.signed_in.set()


async def signin_device_code() -> str:
    from byok_tui.screens.widgets.devicecode import DeviceCodePanel

    sb = Sandbox.create("default")

    def connect(method: str, tenant_id: str, cloud_name: str, prompt: Any = None) -> Connection:
        return dataclasses.replace(sb.connection(), credential=DeviceCodeCredential(sb.credential(), prompt),
                                   label="Azure")  # fmt: skip

    app = build_app(Connection(credential=None, cloud=AZURE_PUBLIC, label="Azure"), None,
                    WizardState(session_id="s-docs"), clock=lambda: FROZEN, profile=sb.profile())  # fmt: skip
    app.show_timings = False
    with mock.patch.object(signin_step, "connect", connect):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.screen.action_sign_in()  # type: ignore[attr-defined]
            panel = app.screen.query_one(DeviceCodePanel)
            for _ in range(200):
                if panel.has_class("-shown"):
                    break
                await pilot.pause(0.01)
            await pilot.pause()
            svg = app.export_screenshot()
            app.screen.action_cancel()  # type: ignore[attr-defined]
            return svg


async def signin_restricted() -> str:
    return await shoot(make_app(Sandbox.create("restricted"), None, "signin"), top_of="#verdict")


async def authorize_consent() -> str:
    """Step 1 when the operator may not create service principals: the form offers option 1."""
    sb = Sandbox.create("restricted")
    state = dataclasses.replace(await steps_done(sb, "signin"), authorize=AuthorizeState())
    return await shoot(make_app(sb, state, "authorize"), review)


async def authorize_refused() -> str:
    """Option 2 without a directory role: Graph refuses (Authorization_RequestDenied), the screen says why."""
    sb = Sandbox.create("restricted")
    state = dataclasses.replace(
        await steps_done(sb, "signin"),
        authorize=AuthorizeState(method="service-principal", kore_client_id=sb.kore_client_id),
    )
    return await shoot(make_app(sb, state, "authorize"), review_and_apply)


async def vault_plan() -> str:
    sb = Sandbox.create("default")
    state = await steps_done(sb, "authorize")
    return await shoot(make_app(sb, state, "vault"), review)


async def access_checks() -> str:
    sb = Sandbox.create("default")
    state = await steps_done(sb, "vault")
    return await shoot(make_app(sb, state, "access"), review_and_apply)


async def share_values() -> str:
    sb = Sandbox.create("default")
    state = await steps_done(sb, "share")
    return await shoot(make_app(sb, state, "share"))


async def network_lockout() -> str:
    """The firewall without this machine's IP: Apply asks first, saying who loses access (you included)."""
    sb = Sandbox.create("default")
    state = await steps_done(sb, "share")
    firewall = NetworkState(mode="firewall", ip_rules=sb.profile().kore_ip_ranges, allow_operator_ip=False)

    async def asked(pilot: Pilot) -> None:
        await review(pilot)
        pilot.app.screen.action_apply()  # type: ignore[attr-defined]
        await pilot.pause()

    return await shoot(make_app(sb, dataclasses.replace(state, network=firewall), "network"), asked)


async def protect_plan() -> str:
    """The protect step's plan: the lock (and what it does not stop) and the tripwires, before anything changes."""
    sb = Sandbox.create("default")
    state = await steps_done(sb, "network")
    guard = ProtectState(choice="protect", lock=True, contacts=("secops@contoso.com",))
    return await shoot(make_app(sb, dataclasses.replace(state, protect=guard), "protect"), review)


async def network_private_endpoint() -> str:
    """Kore's private endpoint waits for approval on the private-endpoint scenario's vault."""
    sb = Sandbox.create("private-endpoint")
    state = with_handoff(answers(sb))
    state = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, name="kv-contoso-cmk", create_vault=False,
                                         key_name="kore-cmk", create_key=False),
        network=NetworkState(),
    )  # fmt: skip
    return await shoot(make_app(sb, await steps_done(sb, "share", state), "network"))


async def enterprise_key_form() -> str:
    sb = Sandbox.create("default")
    state = await steps_done(sb, "network")
    return await shoot(make_app(sb, enterprise_key_step.prefill(state), "enterprise_key"))


async def test_configuration_pass() -> str:
    sb = Sandbox.create("default")
    state = await steps_done(sb, "enterprise_key")
    return await shoot(make_app(sb, state, "test"))


async def test_configuration_disabled_key() -> str:
    sb = Sandbox.create("default")
    state = await steps_done(sb, "enterprise_key")
    sb.world.vault("kv-contoso-byok").keys["kore-byok-cmk"].latest.enabled = False
    return await shoot(make_app(sb, state, "test"))


async def apps_grid_5000() -> str:
    """The big-account world's 5,000 bots, loaded through the engine; three stay on Kore's key."""
    sb = Sandbox.create("big-account")
    state = await steps_done(sb, "test")
    source = dataclasses.replace(state, apps=dataclasses.replace(state.apps, source="sandbox"))
    state = apps_step.with_apps(source, await apps_step.load(source, sb.connection(), host=sb.kore_host))
    state = apps_step.deselect(state, [a.id for a in state.apps.apps[1:4]])
    return await shoot(make_app(sb, state, "apps"))


async def confirmed_state(sb: Sandbox) -> WizardState:
    state = await steps_done(sb, "apps")
    state = apps_step.deselect(state, [a.id for a in state.apps.apps[:2]])
    state = await runner.apply_plan(apps_step.STEP, state, sb.connection(), None, quiet)
    state, _ = await runner.run_checks(apps_step.STEP, state, sb.connection(), None)
    return state


async def confirm_summary() -> str:
    sb = Sandbox.create("default")
    return await shoot(make_app(sb, await confirmed_state(sb), "confirm"))


async def validation_checklist() -> str:
    sb = Sandbox.create("default")
    state = await confirmed_state(sb)
    state = await runner.apply_plan(confirm_step.STEP, state, sb.connection(), None, quiet)
    state, _ = await runner.run_checks(confirm_step.STEP, state, sb.connection(), None)
    return await shoot(make_app(sb, state, "validate"))


SHOTS = (
    Shot("signin-device-code", "Sign-in over SSH: the device code, large, with the address to open elsewhere",
         signin_device_code),
    Shot("signin-preflight-restricted", "The pre-flight names each permission gap and who can fill it",
         signin_restricted),
    Shot("authorize-consent-url", "Step 1 without directory rights: the admin-consent URL", authorize_consent),
    Shot("authorize-refused", "Step 1, option 2 refused by Entra: the cause and the fix", authorize_refused),
    Shot("vault-plan", "Step 2: the planned changes, each with its az command, before anything changes",
         vault_plan),
    Shot("access-checks", "Step 3 applied: Kore holds Key Vault Crypto User, proved by live checks", access_checks),
    Shot("share-values", "Step 4: the three values for Kore.ai, ready to copy and exported", share_values),
    Shot("network-firewall-lockout", "Step 5, firewall: before applying, who loses access, this machine included",
         network_lockout),
    Shot("network-private-endpoint", "Step 5, private endpoint: Kore's pending connection, ready to approve",
         network_private_endpoint),
    Shot("protect-plan", "Protect the key: a delete lock, and what it does not stop, before anything changes",
         protect_plan),
    Shot("enterprise-key", "Enterprise key: the values for Kore's Admin Console and the enforcement date",
         enterprise_key_form),
    Shot("test-configuration", "Test Configuration: connectivity, authentication, encryption, decryption",
         test_configuration_pass),
    Shot("test-configuration-disabled-key", "Test Configuration with a disabled key: what fails and the fix",
         test_configuration_disabled_key),
    Shot("apps-grid-5000", "Apps and bots: 5,000 loaded, filterable, all selected by default", apps_grid_5000),
    Shot("confirm-summary", "Confirmation: what Kore's console will hold, and when encryption starts",
         confirm_summary),
    Shot("validation-checklist", "Validation: the post-enforcement checklist", validation_checklist),
)  # fmt: skip


# --- running -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """Everything that could differ between runs, pinned (see the module docstring)."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(Input, "cursor_blink", False))
        stack.enter_context(mock.patch.object(World, "new_request_id", lambda self: REQUEST_ID))
        stack.enter_context(mock.patch.object(confirm_step, "clock", lambda: FROZEN))
        # The engine's own checks (run by prepare.done_through) ask for today's date: the frozen one.
        stack.enter_context(mock.patch.object(enterprise_key_step, "today_utc", lambda: FROZEN.date()))
        stack.enter_context(mock.patch.dict(os.environ))  # restored on exit, whatever changes below
        os.environ["SSH_CONNECTION"] = "198.51.100.7 52000 10.0.0.4 22"  # device code: the default over SSH
        for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                     "KORE_API_CLIENT_SECRET", "NO_COLOR"):  # fmt: skip
            os.environ.pop(name, None)
        yield


def take(shot: Shot) -> str:
    with deterministic():
        return asyncio.run(shot.take())


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these shots (default: all)")
    parser.add_argument("--out", type=Path, default=IMAGES, help=f"folder for the SVGs (default: {IMAGES})")
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    parser.add_argument("--list", action="store_true", help="list the shots and their captions")
    args = parser.parse_args(argv)
    known = {s.name: s for s in SHOTS}
    if unknown := [n for n in args.names if n not in known]:
        parser.error(f"unknown shot {unknown[0]!r}; choose from {', '.join(known)}")
    chosen = [known[n] for n in args.names] if args.names else list(SHOTS)
    if args.list:
        for shot in chosen:
            print(f"{shot.name}.svg  {shot.caption}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for shot in chosen:
        path = args.out / f"{shot.name}.svg"
        try:
            svg = take(shot)
        except Exception as exc:  # one broken shot must not stop the others: report it, exit 1 at the end
            print(f"FAILED {shot.name}: {_failure(exc)}", file=sys.stderr)
            stale.append(path)
            continue
        if args.check:
            same = path.exists() and path.read_text(encoding="utf-8") == svg
            print(f"{'ok   ' if same else 'STALE'} {path}")
            stale += [] if same else [path]
        else:
            path.write_text(svg, encoding="utf-8")
            print(f"wrote {path}  ({shot.caption})")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
