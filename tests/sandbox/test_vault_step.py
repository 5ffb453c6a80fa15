"""The vault step's engine against the sandbox: plan -> apply -> check, resume, adopt."""

from __future__ import annotations

import dataclasses

import pytest

from byok_tui.engine import runner
from byok_tui.engine import vault as step
from byok_tui.errors import AzureError
from byok_tui.sandbox import Sandbox
from byok_tui.state import SigninState, VaultState, WizardState


def state_for(sb: Sandbox, **vault_fields) -> WizardState:
    answers = VaultState(resource_group="rg-contoso-prod", location="eastus", name="kv-step-1",
                         key_name="kore-cmk", key_size=3072)  # fmt: skip
    return WizardState(
        signin=SigninState(tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
                           operator_object_id=sb.operator_object_id, method="sandbox"),
        vault=dataclasses.replace(answers, **vault_fields),
    )  # fmt: skip


def quiet(message, fraction=None):
    pass


async def test_apply_then_check_passes_and_records_ids():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(step.STEP, state_for(sb), conn, None, quiet)
    assert state.vault.vault_uri == "https://kv-step-1.vault.azure.net/"
    assert state.vault.key_id.startswith("https://kv-step-1.vault.azure.net/keys/kore-cmk/")
    assert state.vault.rbac_authorization is True
    state, results = await runner.run_checks(step.STEP, state, conn, None)
    assert {r.id: r.status for r in results} == {
        "vault.exists": "pass", "vault.soft_delete": "pass", "vault.purge_protection": "pass",
        "key.enabled": "pass", "key.type": "pass", "key.size": "pass", "key.operations": "pass",
        "key.expiry": "pass", "vault.recorded": "pass",
    }  # fmt: skip
    assert state.step("vault").checked == "pass"
    exists = results[0]
    assert exists.request_id and exists.ms is not None


async def test_reapplying_adopts_and_creates_nothing_twice():
    sb = Sandbox.create("default")
    conn = sb.connection()
    first = await runner.apply_plan(step.STEP, state_for(sb), conn, None, quiet)
    messages = []
    second = await runner.apply_plan(
        step.STEP, state_for(sb), conn, None, lambda m, f=None: messages.append(m)
    )
    assert second.vault.key_id == first.vault.key_id
    assert any("exists: adopted" in m for m in messages)
    assert any("can already create keys" in m for m in messages)


async def test_resume_after_a_failure_part_way():
    sb = Sandbox.create("default")
    conn = sb.connection()
    # The key name is refused by the vault only after the vault and role exist.
    broken = state_for(sb, key_size=3072, key_hsm=True)  # RSA-HSM on a Standard vault: Azure refuses
    with pytest.raises(runner.ApplyFailed) as info:
        await runner.apply_plan(step.STEP, broken, conn, None, quiet)
    assert isinstance(info.value.error, AzureError)
    partial = info.value.state
    assert partial.step("vault").applied_changes == ("vault.vault", "vault.operator_access")
    fixed = dataclasses.replace(partial, vault=dataclasses.replace(partial.vault, key_hsm=False))
    done = await runner.apply_plan(step.STEP, fixed, conn, None, quiet)
    assert done.vault.key_id and done.step("vault").applied


async def test_adopting_a_legacy_vault_turns_on_purge_protection_and_keeps_its_key():
    sb = Sandbox.create("existing-vault")
    conn = sb.connection()
    (legacy,) = await step.list_vaults(conn, sb.subscription_id, "rg-shared-security")
    state = step.adopt_vault(state_for(sb), legacy)
    state = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, key_name="legacy-cmk", create_key=False)
    )
    # Without consent, nothing turns purge protection on and the check says why.
    plain = await runner.apply_plan(step.STEP, state, conn, None, quiet)
    _, results = await runner.run_checks(step.STEP, plain, conn, None)
    failed = {r.id: r for r in results if r.status == "fail"}
    assert (
        set(failed) == {"vault.purge_protection"}
        and "irreversible" in failed["vault.purge_protection"].remedy
    )

    consented = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, enable_purge_protection=True)
    )
    assert [c.id for c in step.plan(consented)] == ["vault.purge_protection", "vault.key"]
    done = await runner.apply_plan(step.STEP, consented, conn, None, quiet)
    _, results = await runner.run_checks(step.STEP, done, conn, None)
    assert {r.status for r in results} == {"pass"}


async def test_generating_a_key_in_an_access_policy_vault_adds_a_policy_only_when_needed():
    sb = Sandbox.create("existing-vault")
    conn = sb.connection()
    (legacy,) = await step.list_vaults(conn, sb.subscription_id, "rg-shared-security")
    state = step.adopt_vault(state_for(sb, key_name="kore-cmk"), legacy)
    messages = []
    done = await runner.apply_plan(step.STEP, state, conn, None, lambda m, f=None: messages.append(m))
    assert any("already allows creating keys" in m for m in messages)
    assert done.vault.key_id.startswith("https://kv-contoso-legacy.vault.azure.net/keys/kore-cmk/")


async def test_form_lookups():
    sb = Sandbox.create("default")
    conn = sb.connection()
    assert [g.name for g in await step.list_resource_groups(conn, sb.subscription_id)] == [
        "rg-contoso-prod", "rg-shared-security"
    ]  # fmt: skip
    assert (await step.check_vault_name(conn, sb.subscription_id, "kv-free-name")).available
    assert "westeurope" in await step.list_locations(conn, sb.subscription_id)


async def test_adopting_a_key_without_a_data_role_fails_at_once_with_the_remedy():
    """No role is assigned when a key is adopted, so ForbiddenByRbac is no propagation delay to wait out."""
    import asyncio

    sb = Sandbox.create("private-endpoint")
    conn = sb.connection()
    for name, assignment in list(sb.world.role_assignments.items()):
        if assignment.principal_id == sb.operator_object_id and "vaults/" in assignment.scope:
            del sb.world.role_assignments[name]
    (found,) = await step.list_vaults(conn, sb.subscription_id, "rg-contoso-prod")
    state = step.adopt_vault(state_for(sb), found)
    state = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, key_name="kore-cmk", create_key=False)
    )
    with pytest.raises(runner.ApplyFailed) as info:
        await asyncio.wait_for(runner.apply_plan(step.STEP, state, conn, None, quiet), timeout=10)
    assert isinstance(info.value.error, AzureError) and info.value.error.code == "ForbiddenByRbac"
    assert info.value.code == "ForbiddenByRbac"
    assert info.value.remedy and info.value.request_id


async def test_a_new_vault_registers_its_dns_name_and_the_step_shows_the_wait(monkeypatch):
    """Azure answers the PUT with 200 `RegisteringDns` and finishes about half a minute later (recording
    test_cli_mgmt_keyvault, docs/sandbox.md). The step reports the wait with Azure's state while it lasts."""
    from byok_tui.azure import vaults

    monkeypatch.setattr(vaults, "WAIT_TICK_SECONDS", 0.01)
    sb = Sandbox.create("default", faults="vault-dns=30s")
    now = [1_800_000_000.0]
    sb.world.clock = lambda: now[0]
    seen: dict[str, object] = {}
    messages: list[str] = []

    def progress(message, fraction=None):
        messages.append(message)
        if "Azure is finishing" in message and "host" not in seen:
            seen["host"] = sb.world.vault_by_host("kv-step-1.vault.azure.net")  # DNS not there yet
            now[0] += 31  # Azure finishes

    state = await runner.apply_plan(step.STEP, state_for(sb), sb.connection(), None, progress)
    assert any("Azure is finishing key vault kv-step-1: RegisteringDns" in m for m in messages)
    assert seen["host"] is None
    assert state.vault.vault_uri == "https://kv-step-1.vault.azure.net/"
    assert state.vault.key_id.startswith("https://kv-step-1.vault.azure.net/keys/kore-cmk/")


async def test_without_a_delay_the_poller_finishes_at_its_first_get():
    sb = Sandbox.create("default")
    transport = sb.transport()
    from byok_tui.azure import vaults

    conn = dataclasses.replace(sb.connection(), transport_factory=lambda: transport)
    messages: list[str] = []
    info = await vaults.create_vault(
        conn, sb.subscription_id, "rg-contoso-prod", "kv-quick", location="eastus", sku="standard",
        tenant_id=sb.tenant_id, on_wait=lambda s, t: messages.append(s),
    )  # fmt: skip
    assert info.name == "kv-quick" and messages == [] and transport.slept == [] and sb.slept == []


async def test_a_vault_found_still_registering_is_waited_for_before_it_is_adopted():
    """Resuming right after the vault was created: Azure still says RegisteringDns and its name does not
    resolve yet, so the step waits (through the connection's sleep, instant here) instead of failing later."""
    sb = Sandbox.create("default", faults="vault-dns=30s")
    now = [1_800_000_000.0]
    sb.world.clock = lambda: now[0]
    from byok_tui.azure import vaults

    # what a cut-short first run left behind: the PUT answered, the poller never finished
    async with vaults.clients.keyvault_mgmt(sb.connection(), sb.subscription_id) as client:
        await client.vaults.begin_create_or_update(
            "rg-contoso-prod", "kv-step-1",
            {"location": "eastus", "properties": {"tenantId": sb.tenant_id, "sku": {"family": "A", "name": "standard"},
                                                  "enablePurgeProtection": True}},
        )  # fmt: skip
    messages: list[str] = []

    def progress(message, fraction=None):
        messages.append(message)
        if "Azure is finishing" in message:
            now[0] += 10  # each poll, Azure gets further

    state = await runner.apply_plan(step.STEP, state_for(sb), sb.connection(), None, progress)
    assert any("Azure is finishing key vault kv-step-1: RegisteringDns" in m for m in messages)
    assert any("exists: adopted" in m for m in messages)
    assert sb.slept and set(sb.slept) == {
        vaults.VAULT_POLL_SECONDS
    }  # each poll waited through the connection
    assert state.vault.key_id.startswith("https://kv-step-1.vault.azure.net/keys/kore-cmk/")
