"""Our adapters (byok_tui.azure), with the real SDK clients, against the sandbox over HTTP."""

from __future__ import annotations

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
