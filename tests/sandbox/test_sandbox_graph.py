"""Microsoft Graph through the real msgraph-sdk GraphServiceClient (built as docs/sandbox.md shows)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from azure.keyvault.keys.aio import KeyClient
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph.generated.service_principals.service_principals_request_builder import (
    ServicePrincipalsRequestBuilder,
)

from byok_tui.sandbox import Sandbox, scenarios

from .conftest import create_vault, graph_client

CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"


def by_app_id(app_id: str, *select: str) -> RequestConfiguration:
    query = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
        filter=f"appId eq '{app_id}'", select=list(select) or None
    )
    return RequestConfiguration(query_parameters=query)


class Recorder(httpx.AsyncBaseTransport):
    """Wraps the sandbox transport and remembers what the SDK sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        self.responses.append(response)
        return response


async def test_organization_and_me(sb):
    client, http = graph_client(sb)
    async with http:
        org = (await client.organization.get()).value[0]
        me = await client.me.get()
        roles = (await client.me.member_of.get()).value
    assert (org.id, org.display_name, org.tenant_type) == (sb.tenant_id, "Contoso", "AAD")
    assert [(d.name, d.is_default) for d in org.verified_domains] == [("contoso.onmicrosoft.com", True)]
    assert (me.id, me.user_principal_name, me.given_name, me.surname) == (
        sb.operator_object_id,
        "alex.admin@contoso.onmicrosoft.com",
        "Alex",
        "Admin",
    )
    assert [(r.display_name, r.role_template_id) for r in roles] == [
        ("Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3")
    ]


async def test_create_the_kore_service_principal_and_find_it_again(sb):
    recorder = Recorder(sb.graph_transport())
    client, http = graph_client(sb, transport=recorder)
    async with http:
        assert (
            await client.service_principals.get(request_configuration=by_app_id(sb.kore_client_id))
        ).value == []
        with pytest.raises(ODataError) as info:
            await client.service_principals_with_app_id(sb.kore_client_id).get()
        assert (info.value.response_status_code, info.value.error.code) == (404, "Request_ResourceNotFound")

        sp = await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
        found = await client.service_principals.get(
            request_configuration=by_app_id(sb.kore_client_id, "id", "appId", "displayName")
        )
        same = await client.service_principals_with_app_id(sb.kore_client_id).get()
        by_id = await client.service_principals.by_service_principal_id(sp.id).get()

    assert (sp.app_id, sp.display_name, str(sp.app_owner_organization_id)) == (
        sb.kore_client_id,
        "Kore.ai BYOK",
        "673c65d5-5491-4e35-b6c4-4d3e06196f45",
    )
    assert (sp.service_principal_type, sp.account_enabled, sp.service_principal_names) == (
        "Application",
        True,
        [sb.kore_client_id],
    )
    assert sp.sign_in_audience == "AzureADMultipleOrgs"
    assert [(s.id, s.app_id, s.display_name, s.app_owner_organization_id) for s in found.value] == [
        (sp.id, sb.kore_client_id, "Kore.ai BYOK", None)  # $select leaves the rest out
    ]
    assert same.id == by_id.id == sp.id == sb.kore_service_principal_id

    created = recorder.responses[2]
    assert recorder.requests[2].method == "POST" and created.status_code == 201
    assert created.headers["Location"].endswith(
        f"/directoryObjects/{sp.id}/Microsoft.DirectoryServices.ServicePrincipal"
    )
    assert "/v1.0//servicePrincipals" in str(recorder.requests[0].url)  # the SDK's double slash is served
    assert recorder.requests[0].url.params["$filter"] == f"appId eq '{sb.kore_client_id}'"
    assert recorder.responses[0].headers["content-type"].startswith("application/json;odata.metadata=minimal")


async def test_a_created_service_principal_is_a_principal_everywhere(sb):
    client, http = graph_client(sb)
    async with http:
        sp = await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
    vault = await create_vault(sb, "kv-graph-sp-1", enableRbacAuthorization=True)
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    async with KeyClient(vault.properties.vault_uri, sb.credential(), transport=sb.transport()) as keys:
        await keys.create_rsa_key("kore-cmk", size=2048)
    async with AuthorizationManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as authz:
        assignment = await authz.role_assignments.create(
            vault.id,
            str(uuid.uuid4()),
            {
                "properties": {
                    "roleDefinitionId": f"/subscriptions/{sb.subscription_id}/providers/Microsoft.Authorization/"
                    f"roleDefinitions/{CRYPTO_SERVICE_ENCRYPTION_USER}",
                    "principalId": sp.id,
                    "principalType": "ServicePrincipal",
                }
            },
        )
    assert (assignment.principal_id, assignment.principal_type) == (sp.id, "ServicePrincipal")
    kore = sb.credential(principal=sp.id)
    token = await kore.get_token("https://vault.azure.net/.default")
    assert token.token
    async with KeyClient(vault.properties.vault_uri, kore, transport=sb.transport()) as as_kore:
        assert (await as_kore.get_key("kore-cmk")).name == "kore-cmk"


async def test_refusals_unknown_app_and_duplicate(sb):
    client, http = graph_client(sb)
    unknown = "11111111-2222-4333-8444-555555555555"
    async with http:
        with pytest.raises(ODataError) as info:
            await client.service_principals.post(ServicePrincipal(app_id=unknown))
        err = info.value
        assert (err.response_status_code, err.error.code) == (400, "Request_BadRequest")
        assert err.error.message == (
            f"The appId '{unknown}' of the service principal does not reference a valid application object."
        )
        assert [(d.code, d.target) for d in err.error.details] == [("NoBackingApplicationObject", "appId")]
        inner = err.error.inner_error
        assert inner.request_id and inner.client_request_id and inner.date

        await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
        with pytest.raises(ODataError) as info:
            await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
        assert (info.value.response_status_code, info.value.error.code) == (
            409,
            "Request_MultipleObjectsWithSameKeyValue",
        )
        assert sb.kore_client_id in info.value.error.message
    assert len([p for p in sb.world.principals.values() if p.app_id == sb.kore_client_id]) == 1


async def test_without_a_directory_role_creation_is_denied():
    sb = Sandbox.create("restricted")
    client, http = graph_client(sb)
    async with http:
        assert (await client.me.get()).id == sb.operator_object_id  # reading is fine
        assert (await client.me.member_of.get()).value == []
        with pytest.raises(ODataError) as info:
            await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
    err = info.value
    assert (err.response_status_code, err.error.code, err.error.message) == (
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
    assert sb.kore_service_principal_id is None


@pytest.mark.parametrize("role", ["Cloud Application Administrator", "Global Administrator"])
async def test_other_roles_that_may_create(role):
    sb = Sandbox.create("restricted")
    sb.world.operator.directory_roles = [role]
    client, http = graph_client(sb)
    async with http:
        sp = await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
    assert sp.id == sb.kore_service_principal_id


async def test_admin_consent_is_seen_by_a_polling_client():
    sb = Sandbox.create("restricted")
    client, http = graph_client(sb)
    async with http:
        assert (
            await client.service_principals.get(request_configuration=by_app_id(sb.kore_client_id))
        ).value == []
        consented = sb.world.grant_admin_consent(sb.kore_client_id)
        assert sb.world.grant_admin_consent(sb.kore_client_id) is consented  # granting twice changes nothing
        found = (
            await client.service_principals.get(request_configuration=by_app_id(sb.kore_client_id))
        ).value
    assert [s.id for s in found] == [consented.object_id]
    assert consented.display_name == "Kore.ai BYOK" and consented.ip == "192.0.2.36"


async def test_tokens_must_be_for_graph(sb):
    arm_token = (await sb.credential().get_token("https://management.azure.com/.default")).token
    async with httpx.AsyncClient(transport=sb.graph_transport(), base_url=sb.graph_base_url) as http:
        wrong = await http.get("/me", headers={"Authorization": f"Bearer {arm_token}"})
        missing = await http.get("/me")
        forged = await http.get("/me", headers={"Authorization": "Bearer a.b.c"})
    assert wrong.status_code == missing.status_code == forged.status_code == 401
    assert wrong.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert wrong.json()["error"]["message"] == "Access token validation failure. Invalid audience."
    assert missing.json()["error"]["message"] == "Access token is empty."
    assert "claims" not in wrong.headers["WWW-Authenticate"]
    token = await sb.credential().get_token("https://graph.microsoft.com/.default")
    from byok_tui.sandbox.tokens import b64url_decode

    assert b'"aud":"https://graph.microsoft.com"' in b64url_decode(token.token.split(".")[1])


async def test_app_only_callers(sb):
    robot = sb.world.add_principal("Build Robot", "ServicePrincipal", app_id=str(uuid.uuid4()))
    client, http = graph_client(sb, robot.object_id)
    async with http:
        with pytest.raises(ODataError) as info:
            await client.service_principals.get()
        assert info.value.response_status_code == 403
        robot.directory_roles = ["Directory Readers"]
        found = [s.id for s in (await client.service_principals.get()).value]
        assert found == [
            scenarios.AUTOMATION_SP_ID,
            robot.object_id,
        ]  # the scenario's own automation SP first
        with pytest.raises(ODataError) as info:
            await client.me.get()
    assert (info.value.response_status_code, info.value.error.message) == (
        400,
        "/me request is only valid with delegated authentication flow.",
    )


async def test_paging_and_query_refusals(sb):
    for n in range(5):
        sb.world.add_principal(f"Tool {n}", "ServicePrincipal", app_id=str(uuid.uuid4()))
    client, http = graph_client(sb)
    query = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
        top=2, select=["id", "displayName"]
    )
    async with http:
        page = await client.service_principals.get(RequestConfiguration(query_parameters=query))
        names = [s.display_name for s in page.value]
        while page.odata_next_link:
            page = await client.service_principals.with_url(page.odata_next_link).get()
            names += [s.display_name for s in page.value]
        starts = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
            filter="startswith(displayName,'Tool 3')"
        )
        assert [
            s.display_name
            for s in (
                await client.service_principals.get(RequestConfiguration(query_parameters=starts))
            ).value
        ] == ["Tool 3"]
        bad = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
            filter="tags/any(t:t eq 'x')"
        )
        with pytest.raises(ODataError) as info:
            await client.service_principals.get(RequestConfiguration(query_parameters=bad))
        assert (info.value.response_status_code, info.value.error.code) == (400, "Request_UnsupportedQuery")
        counted = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
            count=True
        )
        with pytest.raises(ODataError) as info:
            await client.service_principals.get(RequestConfiguration(query_parameters=counted))
        assert info.value.response_status_code == 400
        eventual = await client.service_principals.get(
            RequestConfiguration(query_parameters=counted, headers={"ConsistencyLevel": "eventual"})
        )
        assert eventual.odata_count == 6
    assert names == [scenarios.AUTOMATION_APP_NAME] + [f"Tool {n}" for n in range(5)]
