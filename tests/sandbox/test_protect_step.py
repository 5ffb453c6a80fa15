"""The protect step through the engine, the real SDK clients and the sandbox: apply and check are idempotent,
the lock blocks deletion, each removed protection is caught as drift with its fix, removal takes them down,
and an operator who may not lock is told who to ask before anything changes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from azure.core.exceptions import HttpResponseError

from byok_tui.azure import clients, keys
from byok_tui.engine import protect, runner
from byok_tui.engine.model import overall
from byok_tui.errors import ByokError
from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.scenarios import PE_VAULT_NAME
from byok_tui.state import ProtectState, SigninState, VaultState, WizardState

RG = "rg-contoso-prod"
CONTACTS = ("secops@contoso.com", "alex.admin@contoso.onmicrosoft.com")
EVERYTHING = {
    "audit_log": True,
    "workspace_name": "law-byok",
    "create_workspace": True,
    "notify_policy": True,
}


def quiet(message, fraction=None):
    pass


def protected(sb: Sandbox, **fields) -> WizardState:
    vault = sb.world.vault(PE_VAULT_NAME)
    key = vault.keys["kore-cmk"].latest
    return WizardState(
        signin=SigninState(tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
                           operator_object_id=sb.operator_object_id, method="sandbox"),
        vault=VaultState(resource_group=RG, location="eastus", name=vault.name, create_vault=False,
                         key_name="kore-cmk", create_key=False, vault_id=vault.id, rbac_authorization=True,
                         vault_uri=f"https://{vault.host}/", key_id=f"https://{vault.host}/keys/kore-cmk/{key.version}"),
        protect=ProtectState(**{"choice": "protect", "contacts": CONTACTS, **fields}),
    )  # fmt: skip


def world_of(scenario: str = "private-endpoint") -> Sandbox:
    sb = Sandbox.create(scenario)
    if sb.world.vault(PE_VAULT_NAME) is None:  # no-locks is the default world: give it the same vault
        source = Sandbox.create("private-endpoint").world
        sb.world.vaults[PE_VAULT_NAME] = source.vault(PE_VAULT_NAME)
        sb.world.assign_role(
            sb.operator_object_id, "Key Vault Crypto Officer", source.vault(PE_VAULT_NAME).id
        )
    return sb


async def checks(state: WizardState, sb: Sandbox) -> dict[str, object]:
    return {r.id: r for r in await protect.check(state, sb.connection(), dt.datetime.now(dt.UTC))}


async def test_apply_then_check_passes_and_a_second_run_changes_nothing():
    sb = world_of()
    conn = sb.connection()
    state = await protect.prepare(protected(sb, **EVERYTHING), conn)
    surveyed = await runner.survey(protect.STEP, state, conn)
    # Key Vault's default policy already notifies 30 days before expiry and never rotates: adopted.
    assert {c.id: c.effect for c in surveyed if c.effect != "create"} == {"protect.rotation_policy": "adopt"}
    state = await runner.apply_plan(protect.STEP, state, conn, None, quiet, surveyed)
    assert state.protect.lock_id.endswith("/locks/byok-do-not-delete")
    assert state.protect.action_group_id and state.protect.workspace_id.endswith("/workspaces/law-byok")
    results = await checks(state, sb)
    assert {r.status for r in results.values()} == {"pass"}, {i: r.detail for i, r in results.items()}
    assert set(results) == {
        "protect.lock", "protect.action_group", *(f"protect.tripwire.{w.suffix}" for w in protect.TRIPWIRES),
        "protect.audit_log", "protect.key_alert", "protect.rotation_policy", "protect.key_expiry",
    }  # fmt: skip
    # Again: everything is adopted, and nothing in the world changes.
    again = await runner.survey(protect.STEP, state, conn)
    assert {c.effect for c in again} == {"adopt"}, [(c.id, c.effect) for c in again]
    before = (sb.world.revision, dict(sb.world.locks), {k: v.properties for k, v in sb.world.monitor.items()})
    state = await runner.apply_plan(protect.STEP, state, conn, None, quiet, again)
    assert (
        sb.world.revision,
        dict(sb.world.locks),
        {k: v.properties for k, v in sb.world.monitor.items()},
    ) == before
    assert overall(list((await checks(state, sb)).values())) == "pass"


async def test_the_lock_blocks_deleting_the_vault_and_kores_role():
    sb = world_of()
    conn = sb.connection()
    state = await runner.apply_plan(protect.STEP, protected(sb), conn, None, quiet)
    kore = sb.world.create_service_principal(sb.kore_client_id)
    role = sb.world.assign_role(kore.object_id, "Key Vault Crypto User", state.vault.vault_id)
    async with clients.keyvault_mgmt(conn, sb.subscription_id) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.delete(RG, PE_VAULT_NAME)
    assert info.value.error.code == "ScopeLocked"
    async with clients.authorization(conn, sb.subscription_id) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.role_assignments.delete(state.vault.vault_id, role.name)
    assert info.value.error.code == "ScopeLocked"
    assert sb.world.vault(PE_VAULT_NAME) is not None and role.name in sb.world.role_assignments


def _remove_lock(sb):
    sb.world.locks.clear()


def _drop(suffix: str):
    def remove(sb):
        for key in [k for k in sb.world.monitor if k.endswith(suffix)]:
            del sb.world.monitor[key]

    return remove


def _disable_tripwire(sb):
    alert = next(r for k, r in sb.world.monitor.items() if k.endswith("-vault-write"))
    alert.properties["enabled"] = False


def _retarget_tripwire(sb):
    alert = next(r for k, r in sb.world.monitor.items() if k.endswith("-role-delete"))
    alert.properties["scopes"] = [f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-shared-security"]


def _auto_rotate(sb):
    sb.world.vault(PE_VAULT_NAME).keys["kore-cmk"].rotation_policy = {
        "lifetimeActions": [{"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "Rotate"}}],
        "attributes": {},
    }


DRIFTS = {
    "protect.lock": _remove_lock,
    "protect.action_group": _drop("/actiongroups/ag-byok-kv-contoso-cmk"),
    "protect.tripwire.vault-delete": _drop("-vault-delete"),
    "protect.tripwire.vault-write": _disable_tripwire,
    "protect.tripwire.role-delete": _retarget_tripwire,
    "protect.tripwire.lock-delete": _drop("-lock-delete"),
    "protect.audit_log": _drop("/diagnosticsettings/byok-audit-to-log-analytics"),
    "protect.key_alert": _drop("-key-events"),
    "protect.rotation_policy": _auto_rotate,
}


@pytest.mark.parametrize("check_id", list(DRIFTS))
async def test_check_catches_each_removed_protection_with_its_fix(check_id):
    sb = world_of()
    conn = sb.connection()
    state = await runner.apply_plan(protect.STEP, protected(sb, **EVERYTHING), conn, None, quiet)
    DRIFTS[check_id](sb)
    results = await checks(state, sb)
    failed = {i for i, r in results.items() if r.status == "fail"}
    assert failed == {check_id}
    found = results[check_id]
    assert found.remedy.startswith("Apply this step again") and "\naz " in found.remedy
    # Applying again puts it back.
    state = await runner.apply_plan(protect.STEP, state, conn, None, quiet)
    assert {r.status for r in (await checks(state, sb)).values()} == {"pass"}


async def test_an_operator_who_may_not_lock_is_told_who_to_ask_before_any_change():
    sb = world_of("no-locks")
    conn = sb.connection()
    revision = sb.world.revision
    with pytest.raises(ByokError) as info:
        await runner.survey(protect.STEP, protected(sb), conn)
    assert "Owner or User Access Administrator" in info.value.remedy
    assert "az lock create --name 'byok-do-not-delete'" in info.value.remedy
    assert sb.world.revision == revision
    # Without the lock, the rest goes through.
    state = protected(sb, lock=False)
    state = await runner.apply_plan(
        protect.STEP, state, conn, None, quiet, await runner.survey(protect.STEP, state, conn)
    )
    assert overall(list((await checks(state, sb)).values())) == "pass"
    found = {r.id: r for r in await protect.preflight(state, conn)}
    assert (
        found[protect.CHECK_MAY_LOCK].status == "warn"
        and "az lock create" in found[protect.CHECK_MAY_LOCK].remedy
    )
    assert found[protect.CHECK_MAY_ALERT].status == "pass", found[protect.CHECK_MAY_ALERT]


async def test_preflight_passes_for_an_owner():
    sb = world_of()
    found = await protect.preflight(protected(sb), sb.connection())
    assert [(r.id, r.status) for r in found] == [
        (protect.CHECK_MAY_LOCK, "pass"),
        (protect.CHECK_MAY_ALERT, "pass"),
        (protect.CHECK_MAY_AUDIT, "pass"),
    ]


async def test_removal_takes_every_protection_down_and_the_vault_can_go_again():
    sb = world_of()
    conn = sb.connection()
    state = await runner.apply_plan(protect.STEP, protected(sb, **EVERYTHING), conn, None, quiet)
    removing = dataclasses.replace(state, protect=dataclasses.replace(state.protect, choice="remove"))
    planned = await runner.survey(protect.STEP, removing, conn)
    assert all(c.destructive and c.effect != "adopt" for c in planned)
    removed = await runner.apply_plan(protect.STEP, removing, conn, None, quiet, planned)
    results = await checks(removed, sb)
    assert {r.status for r in results.values()} == {"pass"}, {i: r.title for i, r in results.items()}
    assert not sb.world.locks
    kinds = {r.type for r in sb.world.monitor.values()}
    assert kinds == {"Microsoft.OperationalInsights/workspaces"}  # the audit history is kept
    again = await runner.survey(protect.STEP, removed, conn)
    assert {c.effect for c in again} == {"adopt"}
    async with clients.keyvault_mgmt(conn, sb.subscription_id) as client:
        await client.vaults.delete(RG, PE_VAULT_NAME)


async def test_a_key_expiring_near_the_enforcement_date_is_warned_of():
    sb = world_of()
    conn = sb.connection()
    soon = int(sb.world.now()) + 10 * 86400
    sb.world.vault(PE_VAULT_NAME).keys["kore-cmk"].latest.exp = soon
    state = await protect.prepare(protected(sb), conn)
    assert state.protect.key_expires_on and state.protect.key_read_on
    assert protect.plan(state)[0].detail.startswith("Warning: The key kore-cmk expires on")
    state = await runner.apply_plan(protect.STEP, state, conn, None, quiet)
    expiry = (await checks(state, sb))["protect.key_expiry"]
    assert expiry.status == "warn" and "Kore can no longer encrypt" in expiry.detail
    far = await keys.get_key(conn, state.vault.vault_uri, "kore-cmk")
    assert far.expires_on


async def test_a_skipped_step_warns_and_touches_nothing():
    sb = world_of()
    state = protected(sb, choice="skip")
    assert protect.plan(state) == []
    results = await protect.check(state, sb.connection(), dt.datetime.now(dt.UTC))
    assert [(r.id, r.status) for r in results] == [("protect.skipped", "warn")]


async def test_an_operator_who_may_not_create_alerts_gets_the_commands_to_hand_over():
    sb = world_of()
    reader = sb.world.add_principal("Riley Reader")
    sb.world.assign_role(reader.object_id, "Reader", f"/subscriptions/{sb.subscription_id}")
    conn = dataclasses.replace(sb.connection(), credential=sb.credential(reader.object_id),
                               operator_object_id=reader.object_id)  # fmt: skip
    state = protected(sb, lock=False)
    state = dataclasses.replace(
        state, signin=dataclasses.replace(state.signin, operator_object_id=reader.object_id)
    )
    with pytest.raises(ByokError) as info:
        await runner.survey(protect.STEP, state, conn)
    remedy = info.value.remedy
    assert "Monitoring Contributor" in remedy and "az monitor action-group create" in remedy
    assert remedy.count("az monitor activity-log alert create") == len(protect.TRIPWIRES)
    assert "az lock create" not in remedy
