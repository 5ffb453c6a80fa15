"""States with the earlier steps already done, made through the engine (not the UI): screen tests,
bench/ and tools/screenshots.py start from them.

`await done_through(sb, "access")` returns the state after sign-in, authorize, vault and access on `sb`
(sign-in included: its pre-flight is recorded, so the App resumes past the Sign-in screen).
"""

from __future__ import annotations

import dataclasses
import os

from byok_tui.engine import apps, runner, signin, steps
from byok_tui.sandbox import Sandbox
from byok_tui.state import (
    AuthorizeState,
    EnterpriseKeyState,
    NetworkState,
    ProtectState,
    ShareState,
    SigninState,
    VaultState,
    WizardState,
)  # fmt: skip

ORDER = tuple(step_id for step_id in steps.live_ids() if step_id != "confirm")
"""The steps a screen test may want done first: every live step up to Proceed, in the registry's order."""


def quiet(message: str, fraction: float | None = None) -> None:
    pass


def answers(sb: Sandbox, export_dir: str | None = None) -> WizardState:
    """Every answer the wizard asks for, as an operator would give them on the default scenario.

    The hand-off bundle goes to a folder of this process's own unless `export_dir` says where: the Share
    step's checks read the bundle back, and with pytest-xdist a folder shared by every worker let one test
    overwrite the bundle another was checking (the ShareScreen then showed "holds an older ..." and a
    remedy line, one node more, run to run)."""
    if export_dir is None:  # "" stays: no folder chosen yet
        export_dir = f"/tmp/byok-tui-tests/handoff-{os.getpid()}"
    return WizardState(
        session_id="s-tuitests",
        signin=SigninState(method="sandbox", tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
                           operator_object_id=sb.operator_object_id),
        authorize=AuthorizeState(method="service-principal", kore_client_id=sb.kore_client_id),
        vault=VaultState(resource_group="rg-contoso-prod", location="eastus", name="kv-contoso-byok",
                         key_name="kore-byok-cmk", key_size=3072),
        share=ShareState(export_dir=export_dir),
        network=NetworkState(mode="firewall", ip_rules=sb.profile().kore_ip_ranges),
        # The tripwires without the lock: a test that deletes the vault or a role later must not meet ScopeLocked.
        protect=ProtectState(choice="protect", lock=False, contacts=("secops@contoso.com",)),
        enterprise_key=EnterpriseKeyState(enforcement_date="2099-01-01"),
    )  # fmt: skip


async def done_through(sb: Sandbox, last: str, state: WizardState | None = None) -> WizardState:
    """Apply and check every step up to and including `last`, in order."""
    state = state or answers(sb)
    conn = sb.connection()
    state, preflight = await runner.run_checks(signin.STEP, state, conn, None)
    state = signin.signed_in(state, preflight)
    if last == "signin":
        return state
    for step_id in ORDER[: ORDER.index(last) + 1]:
        step = steps.get(step_id)
        state = await step.prepare(step.prefill(state), conn)
        if step_id == "apps":
            found = await apps.load(dataclasses.replace(state, apps=dataclasses.replace(state.apps, source="sandbox")),
                                    conn, host=sb.kore_host)  # fmt: skip
            state = apps.with_apps(dataclasses.replace(state, apps=dataclasses.replace(state.apps, source="sandbox")),
                                   found)  # fmt: skip
        state = await runner.apply_plan(step, state, conn, None, quiet)
        state, _ = await runner.run_checks(step, state, conn, None)
    return state
