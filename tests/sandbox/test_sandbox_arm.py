"""ARM basics through the real clients: subscriptions, tenants, locations, resource groups, auth refusals."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.keyvault.aio import KeyVaultManagementClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

ARM = "https://management.azure.com"


class StaticCredential:
    """Hands out a fixed token string: how a test sends a token the sandbox never issued."""

    def __init__(self, token: str):
        self.token = token

    async def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self):
        return None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *args):
        return None


def status_hook():
    seen: dict = {}

    def hook(pipeline_response):
        seen["status"] = pipeline_response.http_response.status_code
        seen["headers"] = dict(pipeline_response.http_response.headers)

    return seen, hook


def resources(sb, credential=None):
    return ResourceManagementClient(
        credential or sb.credential(), sb.subscription_id, transport=sb.transport()
    )


async def test_subscriptions_tenants_and_locations(sb):
    async with SubscriptionClient(sb.credential(), transport=sb.transport()) as client:
        subs = [s async for s in client.subscriptions.list()]
        assert [(s.subscription_id, s.display_name, s.tenant_id, s.state) for s in subs] == [
            (sb.subscription_id, "Contoso Production", sb.tenant_id, "Enabled")
        ]
        assert (await client.subscriptions.get(sb.subscription_id)).display_name == "Contoso Production"
        tenants = [t async for t in client.tenants.list()]
        assert [(t.tenant_id, t.display_name) for t in tenants] == [(sb.tenant_id, "Contoso")]
        regions = {
            loc.name: loc.display_name
            async for loc in client.subscriptions.list_locations(sb.subscription_id)
        }
        assert (
            len(regions) == 56
            and regions["eastus"] == "East US"
            and regions["westus"] == "West US"
            and regions["swedencentral"] == "Sweden Central"
        )
        with pytest.raises(ResourceNotFoundError) as info:
            await client.subscriptions.get("00000000-0000-0000-0000-00000000dead")
        assert info.value.error.code == "SubscriptionNotFound"


async def test_resource_group_lifecycle(sb):
    async with resources(sb) as client:
        seen, hook = status_hook()
        created = await client.resource_groups.create_or_update(
            "rg-byok", {"location": "East US", "tags": {"app": "byok"}}, raw_response_hook=hook
        )
        assert seen["status"] == 201 and created.location == "eastus" and created.tags == {"app": "byok"}
        assert created.id == f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-byok"
        assert created.properties.provisioning_state == "Succeeded"
        await client.resource_groups.create_or_update(
            "rg-byok", {"location": "eastus"}, raw_response_hook=hook
        )
        assert seen["status"] == 200
        assert seen["headers"]["Content-Type"].startswith("application/json")
        assert seen["headers"]["x-ms-request-id"] and seen["headers"]["x-ms-correlation-request-id"]

        assert await client.resource_groups.check_existence("RG-BYOK") is True
        assert await client.resource_groups.check_existence("rg-absent") is False
        patched = await client.resource_groups.update("rg-byok", {"tags": {"app": "byok", "env": "prod"}})
        assert patched.tags == {"app": "byok", "env": "prod"}
        names = [g.name async for g in client.resource_groups.list()]
        assert names == ["rg-byok", "rg-contoso-prod", "rg-shared-security"]

        with pytest.raises(ResourceNotFoundError) as info:
            await client.resource_groups.get("rg-absent")
        assert info.value.error.code == "ResourceGroupNotFound"
        assert info.value.error.message == "Resource group 'rg-absent' could not be found."

        poller = await client.resource_groups.begin_delete("rg-byok", polling_interval=0)
        await poller.result()
        assert await client.resource_groups.check_existence("rg-byok") is False


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"location": "westus2"}, 409, "InvalidResourceGroupLocation"),
        ({"location": "moon-1"}, 400, "LocationNotAvailableForResourceGroup"),
        ({"tags": {}}, 400, "LocationRequired"),
    ],
)
async def test_resource_group_refusals(sb, body, status, code):
    async with resources(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.resource_groups.create_or_update("rg-contoso-prod", body)
    assert (info.value.status_code, info.value.error.code) == (status, code)


@pytest.mark.parametrize("name", ["bad.", "has space", "x" * 91, "semi;colon"])
async def test_resource_group_name_rules(sb, name):
    async with resources(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.resource_groups.create_or_update(name, {"location": "eastus"})
    assert info.value.status_code == 400 and info.value.error.code == "InvalidResourceGroup"


async def test_correlation_id_echoes_the_client_request_id(sb):
    async with resources(sb) as client:
        response = await client._client.send_request(
            HttpRequest(
                "GET",
                f"{ARM}/subscriptions/{sb.subscription_id}/resourcegroups/rg-contoso-prod?api-version=2025-04-01",
                headers={"x-ms-client-request-id": "trace-me-123"},
            )
        )
    assert response.status_code == 200
    assert response.headers["x-ms-correlation-request-id"] == "trace-me-123"


async def test_requests_without_a_token_or_api_version(sb):
    transport = sb.transport()
    url = f"{ARM}/subscriptions/{sb.subscription_id}/resourcegroups"
    bare = await transport.send(HttpRequest("GET", url + "?api-version=2025-04-01"))
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in bare.headers

    token = (await sb.credential().get_token("https://management.azure.com/.default")).token
    no_version = await transport.send(HttpRequest("GET", url, headers={"Authorization": f"Bearer {token}"}))
    assert (
        no_version.status_code == 400 and no_version.json()["error"]["code"] == "MissingApiVersionParameter"
    )
    unknown = await transport.send(
        HttpRequest(
            "GET",
            f"{ARM}/subscriptions/{sb.subscription_id}/providers/Microsoft.Nope/things?api-version=1",
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "InvalidResourceType"


@pytest.mark.parametrize(
    "make_token, code",
    [
        (lambda sb: "not-a-token", "InvalidAuthenticationToken"),
        (lambda sb: "e30.e30.forged", "InvalidAuthenticationToken"),
        (
            lambda sb: sb.credential().get_token("https://vault.azure.net/.default"),
            "InvalidAuthenticationTokenAudience",
        ),
    ],
)
async def test_bad_tokens_are_refused_with_401(sb, make_token, code):
    token = make_token(sb)
    if not isinstance(token, str):
        token = (await token).token
    async with resources(sb, StaticCredential(token)) as client:
        with pytest.raises(ClientAuthenticationError) as info:
            await client.resource_groups.get("rg-contoso-prod")
    assert info.value.status_code == 401 and info.value.error.code == code


async def test_expired_token_and_vanished_principal(sb):
    token = (await sb.credential().get_token("https://management.azure.com/.default")).token
    now = sb.world.now()
    sb.world.clock = lambda: now + 7200
    async with resources(sb, StaticCredential(token)) as client:
        with pytest.raises(ClientAuthenticationError) as info:
            await client.resource_groups.get("rg-contoso-prod")
    assert info.value.error.code == "ExpiredAuthenticationToken"

    sb.world.clock = lambda: now
    ghost = sb.world.add_principal("Gone Soon")
    ghost_token = (
        await sb.credential(ghost.object_id).get_token("https://management.azure.com/.default")
    ).token
    del sb.world.principals[ghost.object_id]
    async with resources(sb, StaticCredential(ghost_token)) as client:
        with pytest.raises(ClientAuthenticationError) as info:
            await client.resource_groups.get("rg-contoso-prod")
    assert info.value.error.code == "InvalidAuthenticationToken"


async def test_reader_can_read_but_not_write(sb):
    reader = sb.world.add_principal("Riley Reader", upn="riley@contoso.onmicrosoft.com")
    sb.world.assign_role(reader.object_id, "Reader", f"/subscriptions/{sb.subscription_id}")
    async with resources(sb, sb.credential(reader.object_id)) as client:
        assert len([g async for g in client.resource_groups.list()]) == 2
        with pytest.raises(HttpResponseError) as info:
            await client.resource_groups.create_or_update("rg-readers", {"location": "eastus"})
    err = info.value
    assert (err.status_code, err.error.code) == (403, "AuthorizationFailed")
    assert err.error.message.startswith(
        f"The client 'riley@contoso.onmicrosoft.com' with object id '{reader.object_id}' does not have "
        "authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/write' over scope "
        f"'/subscriptions/{sb.subscription_id}/resourceGroups/rg-readers' or the scope is invalid."
    )

    async with KeyVaultManagementClient(
        sb.credential(reader.object_id), sb.subscription_id, transport=sb.transport()
    ) as kv:
        with pytest.raises(HttpResponseError) as info:
            await kv.vaults.begin_create_or_update(
                "rg-contoso-prod",
                "kv-reader-1",
                {
                    "location": "eastus",
                    "properties": {"tenantId": sb.tenant_id, "sku": {"family": "A", "name": "standard"}},
                },
            )
    assert info.value.error.code == "AuthorizationFailed"
    assert "'Microsoft.KeyVault/vaults/write'" in info.value.error.message


async def test_principal_without_roles_sees_no_subscription(sb):
    stranger = sb.world.add_principal("Sam Stranger")
    async with SubscriptionClient(sb.credential(stranger.object_id), transport=sb.transport()) as client:
        assert [s async for s in client.subscriptions.list()] == []
    async with resources(sb, sb.credential(stranger.object_id)) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.resource_groups.get("rg-contoso-prod")
    assert info.value.error.code == "AuthorizationFailed"
