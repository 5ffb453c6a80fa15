"""Private endpoint connections through KeyVaultManagementClient, and what an approved one does for Kore."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.keys.aio import KeyClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient

from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.scenarios import KORE_PRIVATE_ENDPOINT_ID

RG, VAULT = "rg-contoso-prod", "kv-contoso-cmk"


def mgmt(sb, principal=None):
    return KeyVaultManagementClient(sb.credential(principal), sb.subscription_id, transport=sb.transport())


def decision(status: str, etag: str | None, description: str = "") -> dict:
    body: dict = {
        "properties": {"privateLinkServiceConnectionState": {"status": status, "description": description}}
    }
    if etag is not None:
        body["etag"] = etag
    return body


@pytest.fixture
def pe() -> Sandbox:
    return Sandbox.create("private-endpoint")


async def pending(client) -> str:
    (only,) = [c async for c in client.private_endpoint_connections.list_by_resource(RG, VAULT)]
    return only.name


async def test_list_get_and_approve(pe):
    async with mgmt(pe) as client:
        listed = [c async for c in client.private_endpoint_connections.list_by_resource(RG, VAULT)]
        assert len(listed) == 1
        first = listed[0]
        assert first.type == "Microsoft.KeyVault/vaults/privateEndpointConnections"
        assert first.private_endpoint.id == KORE_PRIVATE_ENDPOINT_ID
        assert first.private_link_service_connection_state.status == "Pending"
        assert first.provisioning_state == "Succeeded" and first.etag

        read = await client.private_endpoint_connections.get(RG, VAULT, first.name)
        approved = await client.private_endpoint_connections.put(
            RG, VAULT, first.name, decision("Approved", read.etag, "Kore.ai BYOK over Private Link")
        )
        assert approved.private_link_service_connection_state.status == "Approved"
        assert approved.private_link_service_connection_state.description == "Kore.ai BYOK over Private Link"
        assert approved.private_link_service_connection_state.actions_required == "None"
        assert approved.etag != read.etag

        vault = await client.vaults.get(RG, VAULT)
        (item,) = vault.properties.private_endpoint_connections
        assert item.id.endswith(f"/privateEndpointConnections/{first.name}")
        assert (item.private_link_service_connection_state.status, item.etag) == ("Approved", approved.etag)

        again = await client.private_endpoint_connections.put(
            RG, VAULT, first.name, decision("Approved", None)
        )
        assert again.private_link_service_connection_state.status == "Approved"

        resources = await client.private_link_resources.list_by_vault(RG, VAULT)
        assert [(r.group_id, r.required_zone_names) for r in resources.value] == [
            ("vault", ["privatelink.vaultcore.azure.net"])
        ]


async def test_a_rejected_connection_cannot_be_approved(pe):
    async with mgmt(pe) as client:
        name = await pending(client)
        etag = (await client.private_endpoint_connections.get(RG, VAULT, name)).etag
        rejected = await client.private_endpoint_connections.put(RG, VAULT, name, decision("Rejected", etag))
        assert rejected.private_link_service_connection_state.status == "Rejected"
        with pytest.raises(HttpResponseError) as info:
            await client.private_endpoint_connections.put(
                RG, VAULT, name, decision("Approved", rejected.etag)
            )
        err = info.value
        assert (err.status_code, err.error.code) == (400, "BadRequest")
        assert err.error.message.startswith(
            "Approving rejected private endpoint connections is not supported."
        )
        assert (await client.private_endpoint_connections.get(RG, VAULT, name)).etag == rejected.etag

    # Kore recreates its endpoint: a new Pending connection replaces the rejected one.
    fresh = pe.world.request_private_endpoint_connection(VAULT)
    assert fresh.name != name and fresh.status == "Pending"
    assert [c.name for c in pe.world.vault(VAULT).private_endpoint_connections] == [fresh.name]


async def test_an_approved_connection_can_still_be_rejected(pe):
    async with mgmt(pe) as client:
        name = await pending(client)
        approved = await client.private_endpoint_connections.put(RG, VAULT, name, decision("Approved", None))
        rejected = await client.private_endpoint_connections.put(
            RG, VAULT, name, decision("Rejected", approved.etag)
        )
    assert rejected.private_link_service_connection_state.status == "Rejected"


async def test_other_refusals(pe):
    async with mgmt(pe) as client:
        name = await pending(client)
        with pytest.raises(HttpResponseError) as info:
            await client.private_endpoint_connections.put(RG, VAULT, name, decision("Approved", '"stale"'))
        assert info.value.status_code == 412
        with pytest.raises(HttpResponseError) as info:
            await client.private_endpoint_connections.put(RG, VAULT, name, decision("Pending", None))
        assert info.value.status_code == 400
        with pytest.raises(ResourceNotFoundError):
            await client.private_endpoint_connections.put(
                RG, VAULT, "pe-nobody.1", decision("Approved", None)
            )
        assert await client.private_endpoint_connections.get(RG, VAULT, "pe-nobody.1") is None  # 204

        pe.world.vault(VAULT).connection(name).status = "Disconnected"
        with pytest.raises(HttpResponseError) as info:
            await client.private_endpoint_connections.put(RG, VAULT, name, decision("Approved", None))
        assert "disconnected" in info.value.error.message

        poller = await client.private_endpoint_connections.begin_delete(RG, VAULT, name)
        gone = await poller.result()
        assert gone.provisioning_state == "Disconnected"
        assert [c async for c in client.private_endpoint_connections.list_by_resource(RG, VAULT)] == []


async def test_approval_needs_write_on_the_vault(pe):
    reader = pe.world.add_principal("Riley Reader")
    pe.world.assign_role(reader.object_id, "Reader", f"/subscriptions/{pe.subscription_id}")
    async with mgmt(pe, reader.object_id) as client:
        name = await pending(client)  # reading is allowed
        with pytest.raises(HttpResponseError) as info:
            await client.private_endpoint_connections.put(RG, VAULT, name, decision("Approved", None))
    assert (info.value.status_code, info.value.error.code) == (403, "AuthorizationFailed")
    assert "privateEndpointConnections/write" in info.value.error.message


# ---- the network path ----------------------------------------------------------------------------------


async def kore_with_access(sb: Sandbox) -> str:
    sp = sb.world.grant_admin_consent(sb.kore_client_id)
    sb.world.assign_role(sp.object_id, "Key Vault Crypto Service Encryption User", sb.world.vault(VAULT).id)
    return sp.object_id


def vault_keys(sb: Sandbox, principal: str | None = None) -> KeyClient:
    return KeyClient(f"https://{VAULT}.vault.azure.net", sb.credential(principal), transport=sb.transport())


async def test_public_access_disabled_lets_kore_in_only_through_the_approved_endpoint(pe):
    kore = await kore_with_access(pe)
    async with mgmt(pe) as client:
        await client.vaults.update(RG, VAULT, {"properties": {"publicNetworkAccess": "Disabled"}})
        async with vault_keys(pe, kore) as as_kore:
            with pytest.raises(HttpResponseError) as info:
                await as_kore.get_key("kore-cmk")
            assert info.value.error.innererror["code"] == "ForbiddenByConnection"  # still Pending

            name = await pending(client)
            await client.private_endpoint_connections.put(RG, VAULT, name, decision("Approved", None))
            seen = {}
            key = await as_kore.get_key(
                "kore-cmk", raw_response_hook=lambda r: seen.update(r.http_response.headers)
            )
            assert key.name == "kore-cmk"
            assert "addr=10.42.1.4;" in seen["x-ms-keyvault-network-info"]

        async with vault_keys(pe) as as_operator:
            with pytest.raises(HttpResponseError) as info:
                await as_operator.get_key("kore-cmk")
            assert (
                info.value.error.innererror["code"] == "ForbiddenByConnection"
            )  # no private path for people

        await client.private_endpoint_connections.put(RG, VAULT, name, decision("Rejected", None))
        async with vault_keys(pe, kore) as as_kore:
            with pytest.raises(HttpResponseError) as info:
                await as_kore.get_key("kore-cmk")
            assert info.value.error.innererror["code"] == "ForbiddenByConnection"


async def test_firewall_trusted_service_and_kore_ranges(pe):
    kore = await kore_with_access(pe)
    acls = {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": pe.operator_ip}]}
    async with mgmt(pe) as client:
        await client.vaults.update(RG, VAULT, {"properties": {"networkAcls": acls}})
        async with vault_keys(pe, kore) as as_kore:
            with pytest.raises(HttpResponseError) as info:
                await as_kore.get_key("kore-cmk")
            assert info.value.error.innererror["code"] == "ForbiddenByFirewall"
            assert "Client address: 192.0.2.36\r\n" in info.value.error.message

            pe.world.applications[pe.kore_client_id].trusted_service = True  # only if the scenario says so
            assert (await as_kore.get_key("kore-cmk")).name == "kore-cmk"
            await client.vaults.update(RG, VAULT, {"properties": {"networkAcls": {**acls, "bypass": "None"}}})
            with pytest.raises(HttpResponseError) as info:
                await as_kore.get_key("kore-cmk")
            assert info.value.error.innererror["code"] == "ForbiddenByFirewall"

            await client.vaults.update(
                RG,
                VAULT,
                {
                    "properties": {
                        "networkAcls": {**acls, "ipRules": [*acls["ipRules"], {"value": "192.0.2.32/28"}]}
                    }
                },
            )
            assert (await as_kore.get_key("kore-cmk")).name == "kore-cmk"

            await client.vaults.update(RG, VAULT, {"properties": {"networkAcls": acls}})
            name = await pending(client)
            await client.private_endpoint_connections.put(RG, VAULT, name, decision("Approved", None))
            assert (
                await as_kore.get_key("kore-cmk")
            ).name == "kore-cmk"  # private traffic skips the firewall
