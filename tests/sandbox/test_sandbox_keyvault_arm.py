"""Microsoft.KeyVault vaults on ARM through the real management client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.keyvault.aio import KeyVaultManagementClient

from .conftest import create_vault

STANDARD = {"family": "A", "name": "standard"}


def mgmt(sb, **kwargs):
    return KeyVaultManagementClient(sb.credential(), sb.subscription_id, transport=sb.transport(), **kwargs)


def body(sb, **properties):
    return {"location": "eastus", "properties": {"tenantId": sb.tenant_id, "sku": STANDARD, **properties}}


async def test_create_answers_registering_dns_and_the_poller_gets_succeeded(sb):
    """Azure answers a new vault's PUT with 200 `RegisteringDns` and no LRO header; the poller GETs the vault."""
    seen = {}
    async with mgmt(sb) as client:
        poller = await client.vaults.begin_create_or_update(
            "rg-contoso-prod",
            "kv-Contoso-1",
            {**body(sb), "tags": {"app": "byok"}},
            raw_response_hook=lambda r: seen.update(
                status=r.http_response.status_code, headers=dict(r.http_response.headers)
            ),
        )
        vault = await poller.result()
    assert seen["status"] == 200  # the last answer the hook saw: the poller's GET
    assert not {"Location", "Azure-AsyncOperation", "Retry-After"} & set(seen["headers"])
    assert seen["headers"]["x-ms-keyvault-service-version"]
    p = vault.properties
    assert vault.id == (
        f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-contoso-prod/providers/"
        "Microsoft.KeyVault/vaults/kv-Contoso-1"
    )
    assert (vault.type, vault.location, vault.tags) == (
        "Microsoft.KeyVault/vaults",
        "eastus",
        {"app": "byok"},
    )
    assert p.vault_uri == "https://kv-contoso-1.vault.azure.net/" and p.provisioning_state == "Succeeded"
    assert (p.enable_soft_delete, p.soft_delete_retention_in_days, p.enable_purge_protection) == (
        True,
        90,
        None,
    )
    assert p.enable_rbac_authorization is True  # api-version 2026-05-15: RBAC is the create default
    assert p.tenant_id == sb.tenant_id and p.sku.name == "standard" and p.public_network_access == "Enabled"
    assert vault.system_data.created_by == "alex.admin@contoso.onmicrosoft.com"
    assert vault.system_data.created_by_type == "User"


async def test_older_api_versions_default_to_access_policies(sb):
    async with mgmt(sb) as client:
        url = (
            f"https://management.azure.com/subscriptions/{sb.subscription_id}/resourceGroups/rg-contoso-prod"
            "/providers/Microsoft.KeyVault/vaults/kv-legacy-api?api-version=2023-07-01"
        )
        response = await client.send_request(HttpRequest("PUT", url, json=body(sb)))
    assert response.status_code == 200
    assert response.json()["properties"]["provisioningState"] == "RegisteringDns"
    assert "enableRbacAuthorization" not in response.json()["properties"]  # unset: access policies


async def test_update_get_list_and_delete(sb):
    await create_vault(sb, "kv-list-a", enablePurgeProtection=True)
    await create_vault(sb, "kv-list-b", rg="rg-shared-security", location="westeurope")
    async with mgmt(sb) as client:
        seen = {}
        again = await (
            await client.vaults.begin_create_or_update(
                "rg-contoso-prod",
                "kv-list-a",
                body(sb, enabledForDiskEncryption=True),
                raw_response_hook=lambda r: seen.update(status=r.http_response.status_code),
            )
        ).result()
        assert seen["status"] == 200 and again.properties.enabled_for_disk_encryption
        assert again.properties.enable_purge_protection is True  # not sent again, kept

        patched = await client.vaults.update(
            "rg-contoso-prod",
            "kv-list-a",
            {
                "tags": {"env": "prod"},
                "properties": {
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": {
                        "defaultAction": "Deny",
                        "bypass": "None",
                        "ipRules": [{"value": "203.0.113.10"}],
                    },
                },
            },
        )
        acls = patched.properties.network_acls
        assert patched.tags == {"env": "prod"} and patched.properties.public_network_access == "Disabled"
        assert (acls.default_action, acls.bypass, [r.value for r in acls.ip_rules]) == (
            "Deny",
            "None",
            ["203.0.113.10/32"],
        )

        fetched = await client.vaults.get("rg-contoso-prod", "KV-LIST-A")
        assert fetched.name == "kv-list-a"
        first_page = client.vaults.list_by_subscription(top=1).by_page()
        pages = [[v.name async for v in page] async for page in first_page]
        assert pages == [["kv-list-a"], ["kv-list-b"]]
        assert [v.name async for v in client.vaults.list_by_resource_group("rg-shared-security")] == [
            "kv-list-b"
        ]

        with pytest.raises(ResourceNotFoundError) as info:
            await client.vaults.get("rg-shared-security", "kv-list-a")
        assert info.value.error.code == "ResourceNotFound"
        with pytest.raises(ResourceNotFoundError) as info:
            await client.vaults.get("rg-missing", "kv-list-a")
        assert info.value.error.code == "ResourceGroupNotFound"

        await client.vaults.delete("rg-shared-security", "kv-list-b")
        await client.vaults.delete("rg-shared-security", "kv-list-b")  # already gone: 204, no error
        assert [v.name async for v in client.vaults.list_by_resource_group("rg-shared-security")] == []


@pytest.mark.parametrize("name", ["ab", "1vault", "vault-", "va--ult", "v" * 25, "vault_1", "-vault"])
async def test_invalid_vault_names(sb, name):
    async with mgmt(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.begin_create_or_update("rg-contoso-prod", name, body(sb))
        assert (info.value.status_code, info.value.error.code) == (400, "VaultNameNotValid")
        check = await client.vaults.check_name_availability(
            {"name": name, "type": "Microsoft.KeyVault/vaults"}
        )
        assert (check.name_available, check.reason) == (False, "AccountNameInvalid")


async def test_vault_names_are_global_and_held_while_soft_deleted(sb):
    await create_vault(sb, "kv-taken-1")
    async with mgmt(sb) as client:
        assert (
            await client.vaults.check_name_availability(
                {"name": "kv-free-1", "type": "Microsoft.KeyVault/vaults"}
            )
        ).name_available
        taken = await client.vaults.check_name_availability(
            {"name": "KV-TAKEN-1", "type": "Microsoft.KeyVault/vaults"}
        )
        assert (taken.name_available, taken.reason) == (False, "AlreadyExists")
        assert "already in use" in taken.message
        with pytest.raises(ResourceExistsError) as info:
            await client.vaults.begin_create_or_update("rg-shared-security", "kv-taken-1", body(sb))
        assert info.value.error.code == "VaultAlreadyExists"

        await client.vaults.delete("rg-contoso-prod", "kv-taken-1")
        held = await client.vaults.check_name_availability(
            {"name": "kv-taken-1", "type": "Microsoft.KeyVault/vaults"}
        )
        assert (held.name_available, held.reason) == (False, "AlreadyExists")
        with pytest.raises(ResourceExistsError) as info:
            await client.vaults.begin_create_or_update("rg-contoso-prod", "kv-taken-1", body(sb))
        assert info.value.error.code == "ConflictError" and "deleted state" in info.value.error.message

        recovered = await (
            await client.vaults.begin_create_or_update(
                "rg-contoso-prod", "kv-taken-1", body(sb, createMode="recover")
            )
        ).result()
        assert recovered.name == "kv-taken-1" and "kv-taken-1" not in sb.world.deleted_vaults


async def test_deleted_vaults_and_purge(sb):
    await create_vault(sb, "kv-gone-1", softDeleteRetentionInDays=7)
    await create_vault(sb, "kv-kept-1", enablePurgeProtection=True)
    async with mgmt(sb) as client:
        await client.vaults.delete("rg-contoso-prod", "kv-gone-1")
        await client.vaults.delete("rg-contoso-prod", "kv-kept-1")
        gone = await client.vaults.get_deleted("kv-gone-1", "eastus")
        assert gone.properties.vault_id.endswith("/vaults/kv-gone-1") and gone.properties.location == "eastus"
        assert (gone.properties.scheduled_purge_date - gone.properties.deletion_date).days == 7
        assert sorted([d.name async for d in client.vaults.list_deleted()]) == ["kv-gone-1", "kv-kept-1"]
        with pytest.raises(ResourceNotFoundError):
            await client.vaults.get_deleted("kv-gone-1", "westeurope")

        await (await client.vaults.begin_purge_deleted("kv-gone-1", "eastus", polling_interval=0)).result()
        assert [d.name async for d in client.vaults.list_deleted()] == ["kv-kept-1"]
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.begin_purge_deleted("kv-kept-1", "eastus", polling_interval=0)
        assert info.value.error.code == "MethodNotAllowed"


@pytest.mark.parametrize(
    "properties, fragment",
    [
        ({"enablePurgeProtection": False}, '"enablePurgeProtection" cannot be set to false'),
        ({"enableSoftDelete": False}, '"enableSoftDelete" cannot be set to false'),
        ({"softDeleteRetentionInDays": 6}, "between 7 and 90"),
        ({"softDeleteRetentionInDays": 91}, "between 7 and 90"),
        ({"sku": {"family": "A", "name": "ultra"}}, "standard' or 'premium"),
        ({"tenantId": "00000000-0000-0000-0000-000000000001"}, "tenant"),
        ({"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "300.1.1.1"}]}}, "not a valid IPv4"),
        ({"accessPolicies": [{"tenantId": "x", "objectId": "y", "permissions": {}}]}, "must be a GUID"),
    ],
)
async def test_create_refuses_what_key_vault_refuses(sb, properties, fragment):
    async with mgmt(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.begin_create_or_update(
                "rg-contoso-prod", "kv-refused-1", body(sb, **properties)
            )
    assert info.value.status_code == 400 and fragment in info.value.error.message


async def test_create_needs_location_and_existing_group(sb):
    async with mgmt(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.begin_create_or_update(
                "rg-contoso-prod", "kv-where-1", {**body(sb), "location": "mars"}
            )
        assert info.value.error.code == "LocationNotAvailableForResourceType"
        with pytest.raises(ResourceNotFoundError) as info:
            await client.vaults.begin_create_or_update("rg-missing", "kv-where-1", body(sb))
        assert info.value.error.code == "ResourceGroupNotFound"


async def test_purge_protection_and_retention_are_one_way(sb):
    await create_vault(sb, "kv-oneway-1", enablePurgeProtection=True, softDeleteRetentionInDays=30)
    async with mgmt(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.update(
                "rg-contoso-prod", "kv-oneway-1", {"properties": {"enablePurgeProtection": False}}
            )
        assert (info.value.status_code, info.value.error.code) == (400, "BadRequest")
        assert "irreversible" in info.value.error.message
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.update(
                "rg-contoso-prod", "kv-oneway-1", {"properties": {"softDeleteRetentionInDays": 60}}
            )
        assert "cannot be changed" in info.value.error.message
        kept = await client.vaults.get("rg-contoso-prod", "kv-oneway-1")
        assert kept.properties.enable_purge_protection and kept.properties.soft_delete_retention_in_days == 30


async def test_access_policy_add_replace_remove(sb):
    await create_vault(sb, "kv-policies-1", enableRbacAuthorization=False)
    other = sb.world.add_principal("Kim Keys")
    policy = {"tenantId": sb.tenant_id, "objectId": other.object_id}
    async with mgmt(sb) as client:

        async def keys_of():
            vault = await client.vaults.get("rg-contoso-prod", "kv-policies-1")
            return {p.object_id: sorted(p.permissions["keys"]) for p in vault.properties.access_policies}

        reply = await client.vaults.update_access_policy(
            "rg-contoso-prod",
            "kv-policies-1",
            "add",
            {"properties": {"accessPolicies": [{**policy, "permissions": {"keys": ["get", "wrapKey"]}}]}},
        )
        assert reply.type == "Microsoft.KeyVault/vaults/accessPolicies"
        await client.vaults.update_access_policy(
            "rg-contoso-prod",
            "kv-policies-1",
            "add",
            {"properties": {"accessPolicies": [{**policy, "permissions": {"keys": ["get", "unwrapKey"]}}]}},
        )
        assert await keys_of() == {other.object_id: ["get", "unwrapKey", "wrapKey"]}
        await client.vaults.update_access_policy(
            "rg-contoso-prod",
            "kv-policies-1",
            "remove",
            {"properties": {"accessPolicies": [{**policy, "permissions": {"keys": ["wrapKey"]}}]}},
        )
        assert await keys_of() == {other.object_id: ["get", "unwrapKey"]}
        await client.vaults.update_access_policy(
            "rg-contoso-prod",
            "kv-policies-1",
            "replace",
            {"properties": {"accessPolicies": [{**policy, "permissions": {"keys": ["decrypt"]}}]}},
        )
        assert await keys_of() == {other.object_id: ["decrypt"]}
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.update_access_policy(
                "rg-contoso-prod",
                "kv-policies-1",
                "add",
                {"properties": {"accessPolicies": [{**policy, "permissions": {"keys": ["teleport"]}}]}},
            )
        assert info.value.status_code == 400


async def test_deleting_a_resource_group_soft_deletes_its_vaults(sb):
    from azure.mgmt.resource.resources.aio import ResourceManagementClient

    await create_vault(sb, "kv-in-group-1", rg="rg-shared-security", location="westeurope")
    async with ResourceManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as client:
        await (await client.resource_groups.begin_delete("rg-shared-security", polling_interval=0)).result()
    async with mgmt(sb) as client:
        gone = await client.vaults.get_deleted("kv-in-group-1", "westeurope")
    assert gone.properties.vault_id.endswith(
        "/resourceGroups/rg-shared-security/providers/Microsoft.KeyVault/vaults/kv-in-group-1"
    )
