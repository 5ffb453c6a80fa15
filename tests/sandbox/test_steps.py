"""Steps 1, 3, 4 and 5 through the engine, the real SDK clients and the sandbox."""

from __future__ import annotations

import dataclasses

import pytest

from byok_tui.engine import access, authorize, network, runner, share
from byok_tui.engine import vault as vault_step
from byok_tui.errors import ByokError
from byok_tui.sandbox import Sandbox
from byok_tui.state import AuthorizeState, NetworkState, ShareState, SigninState, VaultState, WizardState


def quiet(message, fraction=None):
    pass


def base(sb: Sandbox, method: str = "service-principal") -> WizardState:
    return WizardState(
        signin=SigninState(tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
                           operator_object_id=sb.operator_object_id, method="sandbox"),
        authorize=AuthorizeState(method=method, kore_client_id=sb.kore_client_id),
        vault=VaultState(resource_group="rg-contoso-prod", location="eastus", name="kv-steps-1",
                         key_name="kore-cmk", key_size=2048),
    )  # fmt: skip


async def with_vault(sb: Sandbox, state: WizardState) -> WizardState:
    return await runner.apply_plan(vault_step.STEP, state, sb.connection(), None, quiet)


async def test_authorize_creates_the_service_principal_once():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state, results = await runner.run_checks(authorize.STEP, base(sb), conn, None)
    assert results[0].status == "fail" and "Apply this step" in results[0].remedy
    state = await runner.apply_plan(authorize.STEP, state, conn, None, quiet)
    assert state.authorize.sp_object_id == sb.kore_service_principal_id
    assert state.authorize.sp_display_name == "Kore.ai BYOK"
    again = await runner.apply_plan(authorize.STEP, state, conn, None, quiet)
    assert again.authorize.sp_object_id == state.authorize.sp_object_id
    _, results = await runner.run_checks(authorize.STEP, again, conn, None)
    assert {r.status for r in results} == {"pass"}


async def test_restricted_operator_is_told_to_use_the_consent_url():
    sb = Sandbox.create("restricted")
    with pytest.raises(ByokError) as info:
        await runner.apply_plan(authorize.STEP, base(sb), sb.connection(), None, quiet)
    assert info.value.code == "Authorization_RequestDenied"
    assert "admin-consent URL" in info.value.remedy and info.value.request_id


async def test_consent_path_polls_until_an_admin_consents(monkeypatch):
    sb = Sandbox.create("restricted")
    monkeypatch.setattr(authorize, "CONSENT_POLL_SECONDS", 0)
    messages = []

    def progress(message, fraction=None):
        messages.append(message)
        if len(messages) == 3:  # an administrator accepts while the wizard waits
            sb.world.grant_admin_consent(sb.kore_client_id)

    state = await runner.apply_plan(authorize.STEP, base(sb, "consent-url"), sb.connection(), None, progress)
    assert state.authorize.sp_object_id == sb.kore_service_principal_id
    assert any("Waiting for admin consent" in m for m in messages)


async def test_consent_path_gives_up_with_a_remedy(monkeypatch):
    sb = Sandbox.create("restricted")
    monkeypatch.setattr(authorize, "CONSENT_POLL_SECONDS", 0)
    monkeypatch.setattr(authorize, "CONSENT_TIMEOUT_SECONDS", 0)
    with pytest.raises(ByokError, match="not been granted"):
        await runner.apply_plan(authorize.STEP, base(sb, "consent-url"), sb.connection(), None, quiet)


async def test_access_on_an_rbac_vault_grants_exactly_crypto_user():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(authorize.STEP, base(sb), conn, None, quiet)
    state = await with_vault(sb, state)
    state = await runner.apply_plan(access.STEP, state, conn, None, quiet)
    assert state.access.mode == "rbac" and state.access.assignment_id
    _, results = await runner.run_checks(access.STEP, state, conn, None)
    assert {r.id: r.status for r in results} == {"access.granted": "pass", "access.least_privilege": "pass"}
    # Kore really can use the key now: decrypt as Kore's own principal, through the vault.
    from azure.keyvault.keys.crypto import EncryptionAlgorithm
    from azure.keyvault.keys.crypto.aio import CryptographyClient

    async with CryptographyClient(state.vault.key_id, sb.credential(state.authorize.sp_object_id),
                                  transport=sb.transport()) as kore:  # fmt: skip
        sealed = await kore.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"data key")
        assert (
            await kore.decrypt(EncryptionAlgorithm.rsa_oaep_256, sealed.ciphertext)
        ).plaintext == b"data key"


async def test_broader_roles_are_warned():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(authorize.STEP, base(sb), conn, None, quiet)
    state = await with_vault(sb, state)
    state = await runner.apply_plan(access.STEP, state, conn, None, quiet)
    sb.world.assign_role(state.authorize.sp_object_id, "Key Vault Crypto Officer",
                         f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-contoso-prod")  # fmt: skip
    _, results = await runner.run_checks(access.STEP, state, conn, None)
    broader = {r.id: r for r in results}["access.least_privilege"]
    assert broader.status == "warn" and "Key Vault Crypto Officer" in broader.detail


async def test_access_on_an_access_policy_vault_adds_the_five_permissions():
    sb = Sandbox.create("existing-vault")
    conn = sb.connection()
    state = await runner.apply_plan(authorize.STEP, base(sb), conn, None, quiet)
    (legacy,) = await vault_step.list_vaults(conn, sb.subscription_id, "rg-shared-security")
    state = vault_step.adopt_vault(state, legacy)
    state = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, key_name="legacy-cmk", create_key=False)
    )
    state = await runner.apply_plan(vault_step.STEP, state, conn, None, quiet)
    assert [c.id for c in access.plan(state)] == ["access.policy"]
    state = await runner.apply_plan(access.STEP, state, conn, None, quiet)
    _, results = await runner.run_checks(access.STEP, state, conn, None)
    assert {r.status for r in results} == {"pass"}


async def test_share_writes_the_bundle_and_notices_a_rotated_key(tmp_path):
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(authorize.STEP, base(sb), conn, None, quiet)
    state = await with_vault(sb, state)
    state = dataclasses.replace(state, share=ShareState(export_dir=str(tmp_path / "handoff")))
    state = await runner.apply_plan(share.STEP, state, conn, None, quiet)
    assert [p.rsplit("/", 1)[-1] for p in state.share.exported] == [
        "kore-byok-handoff.json",
        "kore-byok-handoff.md",
    ]
    _, results = await runner.run_checks(share.STEP, state, conn, None)
    assert {r.status for r in results} == {"pass"}

    from byok_tui.azure import clients

    async with clients.keys(conn, state.vault.vault_uri) as kc:
        await kc.rotate_key("kore-cmk")
    _, results = await runner.run_checks(share.STEP, state, conn, None)
    consistent = {r.id: r for r in results}["share.consistent"]
    assert consistent.status == "fail" and "latest version" in consistent.detail


async def test_share_check_sends_its_three_reads_together(tmp_path, monkeypatch):
    """Each read waits until all three have started: sent one after another, the check would hang."""
    import asyncio

    from byok_tui.azure import graph, keys, vaults

    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(authorize.STEP, base(sb), conn, None, quiet)
    state = await with_vault(sb, state)
    started: list[str] = []
    all_started = asyncio.Event()

    def together(name, read):
        async def wrapped(*args, **kwargs):
            started.append(name)
            if len(started) == 3:
                all_started.set()
            await asyncio.wait_for(all_started.wait(), timeout=5)
            return await read(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(vaults, "get_vault", together("vault", vaults.get_vault))
    monkeypatch.setattr(keys, "get_key", together("key", keys.get_key))
    monkeypatch.setattr(graph, "find_service_principal", together("sp", graph.find_service_principal))
    _, results = await runner.run_checks(share.STEP, state, conn, None)
    assert sorted(started) == ["key", "sp", "vault"]
    assert {r.id: r for r in results}["share.consistent"].status == "pass"


async def test_share_check_names_a_vault_that_is_gone_not_the_key_read_that_failed_with_it(monkeypatch):
    from byok_tui.azure import vaults

    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(authorize.STEP, base(sb), conn, None, quiet)
    state = await with_vault(sb, state)

    async def gone(*args, **kwargs):
        return None

    monkeypatch.setattr(vaults, "get_vault", gone)
    state = dataclasses.replace(
        state, vault=dataclasses.replace(state.vault, vault_uri="https://kv-gone.vault.azure.net/")
    )
    _, results = await runner.run_checks(share.STEP, state, conn, None)
    consistent = {r.id: r for r in results}["share.consistent"]
    assert consistent.status == "fail" and "vault URI is not the vault's" in consistent.detail


async def test_network_private_endpoint_approves_the_pending_kore_connection():
    sb = Sandbox.create("private-endpoint")
    conn = sb.connection()
    (cmk,) = await vault_step.list_vaults(conn, sb.subscription_id, "rg-contoso-prod")
    state = vault_step.adopt_vault(base(sb), cmk)
    state = dataclasses.replace(state, vault=dataclasses.replace(state.vault, key_name="kore-cmk", create_key=False),
                                network=NetworkState(mode="private-endpoint"))  # fmt: skip
    state = await runner.apply_plan(vault_step.STEP, state, conn, None, quiet)
    pending = await network.list_connections(state, conn)
    assert [c.status for c in pending] == ["Pending"]
    state = await runner.apply_plan(network.STEP, state, conn, None, quiet)
    assert state.network.connection_name == pending[0].name
    _, results = await runner.run_checks(network.STEP, state, conn, None)
    assert {r.id: r.status for r in results} == {"network.configured": "pass", "network.reachable": "pass"}
    again = await runner.apply_plan(network.STEP, state, conn, None, quiet)  # already approved: adopted
    assert again.network.connection_name == pending[0].name


async def test_network_without_a_pending_connection_explains_what_to_do():
    sb = Sandbox.create("default")
    state = await with_vault(sb, base(sb))
    state = dataclasses.replace(state, network=NetworkState(mode="private-endpoint"))
    with pytest.raises(ByokError) as info:
        await runner.apply_plan(network.STEP, state, sb.connection(), None, quiet)
    assert "Ask Kore.ai support to create their private endpoint" in info.value.remedy


async def test_firewall_with_and_without_the_operator_ip():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await with_vault(sb, base(sb))
    state = dataclasses.replace(
        state, network=NetworkState(mode="firewall", ip_rules=sb.profile().kore_ip_ranges)
    )
    state = await network.prepare(state, conn)
    assert state.network.operator_ip == sb.operator_ip
    state = await runner.apply_plan(network.STEP, state, conn, None, quiet)
    _, results = await runner.run_checks(network.STEP, state, conn, None)
    assert {r.status for r in results} == {"pass"}

    declined = dataclasses.replace(state, network=dataclasses.replace(state.network, allow_operator_ip=False))
    declined = await runner.apply_plan(network.STEP, declined, conn, None, quiet)
    _, results = await runner.run_checks(network.STEP, declined, conn, None)
    reachable = {r.id: r for r in results}["network.reachable"]
    assert reachable.status == "warn" and "can no longer reach the vault" in reachable.remedy
    # The title states the finding: the vault refused this machine, it did not "still answer" (#15, item 3).
    assert reachable.title == "The vault's network rules keep this machine out"


async def test_operator_ip_lookup_through_a_closed_firewall():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await with_vault(sb, base(sb))
    closed = dataclasses.replace(state, network=NetworkState(mode="firewall", ip_rules=("192.0.2.32/28",),
                                                             allow_operator_ip=False))  # fmt: skip
    await runner.apply_plan(network.STEP, closed, conn, None, quiet)
    assert await network.lookup_operator_ip(closed, conn) == sb.operator_ip
