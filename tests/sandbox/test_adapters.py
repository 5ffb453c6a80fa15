"""Our adapters (byok_tui.azure), with the real SDK clients, against the sandbox over HTTP."""

from __future__ import annotations

import dataclasses

import pytest

from byok_tui.azure import keys, rbac, resources, vaults
from byok_tui.errors import AzureError
from byok_tui.sandbox import Sandbox


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.create("default")


async def test_resource_groups_and_locations(sb):
    conn = sb.connection()
    groups = await resources.list_resource_groups(conn, sb.subscription_id)
    assert [g.name for g in groups] == ["rg-contoso-prod", "rg-shared-security"]
    assert await resources.get_resource_group(conn, sb.subscription_id, "rg-missing") is None
    created = await resources.create_resource_group(conn, sb.subscription_id, "rg-new", "westus2")
    assert (created.name, created.location) == ("rg-new", "westus2")
    assert "eastus" in await resources.list_locations(conn, sb.subscription_id)
    subs = await resources.list_subscriptions(conn)
    assert [s.subscription_id for s in subs] == [sb.subscription_id]


async def test_vault_lifecycle_and_name_checks(sb):
    conn, sub = sb.connection(), sb.subscription_id
    assert (await vaults.check_name(conn, sub, "kv-adapter-1")).available
    bad = await vaults.check_name(conn, sub, "1-bad")
    assert not bad.available and bad.reason == "AccountNameInvalid"
    vault = await vaults.create_vault(
        conn,
        sub,
        "rg-contoso-prod",
        "kv-adapter-1",
        location="eastus",
        sku="standard",
        tenant_id=sb.tenant_id,
    )
    assert vault.uri == "https://kv-adapter-1.vault.azure.net/"
    assert vault.purge_protection and vault.soft_delete and vault.rbac_authorization
    assert vault.request_id
    taken = await vaults.check_name(conn, sub, "kv-adapter-1")
    assert not taken.available and taken.reason == "AlreadyExists"
    again = await vaults.get_vault(conn, sub, "rg-contoso-prod", "kv-adapter-1")
    assert again is not None and again.id == vault.id
    assert await vaults.get_vault(conn, sub, "rg-contoso-prod", "kv-nope") is None
    assert [v.name for v in await vaults.list_vaults(conn, sub, "rg-contoso-prod")] == ["kv-adapter-1"]


async def test_creating_a_taken_name_is_translated(sb):
    conn, sub = sb.connection(), sb.subscription_id
    await vaults.create_vault(conn, sub, "rg-contoso-prod", "kv-dup-1", location="eastus", sku="standard",
                              tenant_id=sb.tenant_id)  # fmt: skip
    with pytest.raises(AzureError) as info:
        await vaults.create_vault(conn, sub, "rg-shared-security", "kv-dup-1", location="eastus",
                                  sku="standard", tenant_id=sb.tenant_id)  # fmt: skip
    err = info.value
    assert err.code == "VaultAlreadyExists" and err.status == 409
    assert err.remedy and err.request_id


async def test_owner_needs_a_data_role_before_creating_keys(sb):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await vaults.create_vault(conn, sub, "rg-contoso-prod", "kv-rbac-1", location="eastus",
                                      sku="standard", tenant_id=sb.tenant_id)  # fmt: skip
    with pytest.raises(AzureError) as info:
        await keys.create_rsa_key(conn, vault.uri, "k1", size=2048)
    assert info.value.code == "ForbiddenByRbac" and "Crypto Officer" in info.value.remedy

    assert await rbac.has_data_action(conn, sub, vault.id, sb.operator_object_id,
                                      "Microsoft.KeyVault/vaults/keys/create/action") is None  # fmt: skip
    assignment, created = await rbac.assign_role(conn, sub, vault.id, rbac.KEY_VAULT_CRYPTO_OFFICER,
                                                 sb.operator_object_id)  # fmt: skip
    assert created and assignment.role_guid == rbac.KEY_VAULT_CRYPTO_OFFICER
    again, created_again = await rbac.assign_role(conn, sub, vault.id, rbac.KEY_VAULT_CRYPTO_OFFICER,
                                                  sb.operator_object_id)  # fmt: skip
    assert not created_again and again.id == assignment.id
    holder = await rbac.has_data_action(conn, sub, vault.id, sb.operator_object_id,
                                        "Microsoft.KeyVault/vaults/keys/create/action")  # fmt: skip
    assert holder is not None

    key = await keys.create_rsa_key(conn, vault.uri, "k1", size=3072)
    assert (key.kty, key.size, key.enabled) == ("RSA", 3072, True)
    assert set(key.key_ops) == {"encrypt", "decrypt", "wrapKey", "unwrapKey"}
    assert key.kid.startswith("https://kv-rbac-1.vault.azure.net/keys/k1/") and len(key.version) == 32
    fetched = await keys.get_key(conn, vault.uri, "k1")
    assert fetched.kid == key.kid and fetched.request_id
    assert await keys.get_key(conn, vault.uri, "missing") is None
    assert [k.name for k in await keys.list_keys(conn, vault.uri)] == ["k1"]


async def test_adopted_access_policy_vault(sb_existing):
    sb = sb_existing
    conn, sub = sb.connection(), sb.subscription_id
    (legacy,) = await vaults.list_vaults(conn, sub, "rg-shared-security")
    assert legacy.name == "kv-contoso-legacy"
    assert not legacy.purge_protection and not legacy.rbac_authorization
    perms = await vaults.access_policy_permissions(conn, sub, "rg-shared-security", legacy.name,
                                                   sb.operator_object_id)  # fmt: skip
    assert {"get", "create"} <= perms
    updated = await vaults.enable_purge_protection(conn, sub, "rg-shared-security", legacy.name)
    assert updated.purge_protection
    (key,) = await keys.list_keys(conn, legacy.uri)
    assert (key.name, key.size) == ("legacy-cmk", 2048)


async def test_access_policy_add_merges_permissions(sb_existing):
    sb = sb_existing
    conn, sub = sb.connection(), sb.subscription_id
    other = "9d2f6b1a-0c3e-4f5a-8b7c-6d5e4f3a2b1c"
    await vaults.add_access_policy(conn, sub, "rg-shared-security", "kv-contoso-legacy",
                                   tenant_id=sb.tenant_id, object_id=other, key_permissions=["get"])  # fmt: skip
    await vaults.add_access_policy(conn, sub, "rg-shared-security", "kv-contoso-legacy",
                                   tenant_id=sb.tenant_id, object_id=other, key_permissions=["wrapKey"])  # fmt: skip
    perms = await vaults.access_policy_permissions(
        conn, sub, "rg-shared-security", "kv-contoso-legacy", other
    )
    assert perms == {"get", "wrapkey"}


@pytest.fixture
def sb_existing() -> Sandbox:
    return Sandbox.create("existing-vault")


# ---- waits between attempts: asked of the connection (instant here), never slept for real ------------------


async def test_a_throttled_graph_read_waits_retry_after_through_the_connection(kiota_sleeps):
    """kiota still decides to retry and how long to wait (Graph's Retry-After: 2); the wait itself is the
    connection's, and kiota's own sleep is left with nothing to wait."""
    from byok_tui.azure import graph

    sb = Sandbox.create(faults="throttle:graph=0.5,seed=4")  # 429, then 200
    org = await graph.organization(sb.connection())
    assert org.tenant_id == sb.tenant_id
    assert [e.kind for e in sb.fault_events] == ["throttle"]
    assert sb.slept == [2.0] and kiota_sleeps == [0]


async def test_graph_gives_up_as_kiota_does_when_the_wait_asked_for_is_too_long(sb):
    """A Retry-After of 180 s or more: kiota does not retry, and nothing waits."""
    import httpx

    from byok_tui.azure import graph

    sent: list[str] = []

    class Busy(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(str(request.url))
            return httpx.Response(429, headers={"Retry-After": "600"}, json={"error": {"code": "TooManyRequests",
                                  "message": "busy"}}, request=request)  # fmt: skip

    conn = dataclasses.replace(sb.connection(), graph_transport_factory=Busy)
    with pytest.raises(AzureError):
        await graph.organization(conn)
    assert len(sent) == 1 and sb.slept == []


async def test_a_dropped_graph_read_is_sent_again_after_a_wait_through_the_connection(sb):
    import httpx

    from byok_tui.azure import graph

    class DropsOnce(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport):
            self.inner, self.calls = inner, 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.calls += 1
            if self.calls == 1:
                raise httpx.ReadError("connection reset", request=request)
            return await self.inner.handle_async_request(request)

    conn = dataclasses.replace(
        sb.connection(), graph_transport_factory=lambda: DropsOnce(sb.graph_transport())
    )
    assert await graph.find_service_principal(conn, sb.kore_client_id) is None
    assert sb.slept == [0.5]


async def test_a_throttled_key_operation_is_retried_with_waits_through_the_connection(sb):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await vaults.create_vault(conn, sub, "rg-contoso-prod", "kv-adapter-2", location="eastus",
                                      sku="standard", tenant_id=sb.tenant_id)  # fmt: skip
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    key = await keys.create_rsa_key(conn, vault.uri, "cmk", size=2048)

    throttled = Sandbox(sb.world, faults="throttle:keyvault=1")
    with pytest.raises(AzureError):
        await keys.encrypt_in_vault(throttled.connection(), key.kid, b"data key")
    # azure-core does not retry a throttled POST; retry_throttled does, 4 attempts in all.
    assert len(throttled.fault_events) == 4 and throttled.slept == [1.0, 2.0, 4.0]


async def test_a_throttled_token_request_is_retried_with_waits_through_the_connection():
    sb = Sandbox.create(faults="throttle:login=1")
    with pytest.raises(AzureError):
        await resources.list_resource_groups(sb.connection(), sb.subscription_id)
    assert [e.kind for e in sb.fault_events] == ["throttle"] * 4 and sb.slept == [0.5, 1.0, 2.0]
