"""Microsoft Graph (msgraph-sdk): the tenant, the operator, and Kore's service principal."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.connection import Connection
from byok_tui.models import OrganizationInfo, ServicePrincipalInfo

SP_FIELDS = ["id", "appId", "displayName", "accountEnabled", "appOwnerOrganizationId"]


@contextlib.asynccontextmanager
async def _client(conn: Connection) -> AsyncIterator[Any]:
    """A GraphServiceClient with the SDK's default middleware (retries, redirects, the /me rewrite) and the
    request log."""
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from msgraph import GraphServiceClient
    from msgraph.graph_request_adapter import GraphRequestAdapter, options
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler
    from msgraph_core.middleware.options import GraphTelemetryHandlerOption

    from byok_tui.azure.graph_retry import waits_through
    from byok_tui.azure.requestlog import graph_middleware

    base_url = conn.cloud.graph_endpoint + "/v1.0"
    transport = conn.graph_transport_factory() if conn.graph_transport_factory else None
    http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=httpx.Timeout(30.0))
    # The SDK's default chain (as create_with_default_middleware builds it), then the request log last, so
    # it sees every attempt the retry handler makes. The retry handler waits through the connection.
    telemetry = GraphTelemetryHandler(options=options[GraphTelemetryHandlerOption.get_key()])
    middleware = [*KiotaClientFactory.get_default_middleware(options), telemetry, graph_middleware()]
    middleware = waits_through(middleware, conn.sleep)
    http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
    auth = AzureIdentityAuthenticationProvider(clients.credential(conn), scopes=[conn.cloud.graph_scope])
    adapter = GraphRequestAdapter(auth, client=http)
    # httpx adds a trailing slash to base_url, which kiota turns into "/v1.0//servicePrincipals".
    adapter.base_url = base_url
    try:
        yield GraphServiceClient(request_adapter=adapter)
    finally:
        await http.aclose()


def _sp(sp: Any) -> ServicePrincipalInfo:
    return ServicePrincipalInfo(
        object_id=sp.id or "",
        app_id=sp.app_id or "",
        display_name=sp.display_name or sp.app_display_name or "",
        enabled=sp.account_enabled is not False,
        owner_tenant_id=str(sp.app_owner_organization_id or ""),
    )


async def read_again_if_dropped(conn: Connection, read, attempts: int = 3):
    """A Graph read, sent again when the connection dropped before the answer (kiota retries only on
    429/503/504 answers). Only for reads: a resent write could act twice. Waits through the connection."""
    import httpx

    for attempt in range(attempts):
        try:
            return await read()
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
            await conn.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


async def find_service_principal(conn: Connection, app_id: str) -> ServicePrincipalInfo | None:
    """The service principal of application `app_id` in this tenant, or None when there is none."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.service_principals.service_principals_request_builder import (
        ServicePrincipalsRequestBuilder,
    )

    query = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
        filter=f"appId eq '{app_id}'", select=SP_FIELDS
    )
    config = RequestConfiguration(query_parameters=query)
    with azure_errors("look up the Kore service principal"):
        async with _client(conn) as graph:
            page = await read_again_if_dropped(
                conn, lambda: graph.service_principals.get(request_configuration=config)
            )
    found = [_sp(sp) for sp in (page.value if page else None) or []]
    return found[0] if found else None


async def create_service_principal(conn: Connection, app_id: str) -> tuple[ServicePrincipalInfo, bool]:
    """Ensure the app has a service principal here (as `az ad sp create --id`). Returns (sp, created)."""
    from msgraph.generated.models.service_principal import ServicePrincipal

    existing = await find_service_principal(conn, app_id)
    if existing:
        return existing, False
    with azure_errors("create the Kore service principal"):
        async with _client(conn) as graph:
            created = await graph.service_principals.post(ServicePrincipal(app_id=app_id))
    return _sp(created), True


async def organization(conn: Connection) -> OrganizationInfo:
    with azure_errors("read the tenant"):
        async with _client(conn) as graph:
            page = await graph.organization.get()
    org = (page.value or [None])[0] if page else None
    if org is None:
        return OrganizationInfo(tenant_id="", display_name="")
    domains = org.verified_domains or []
    default = next((d.name for d in domains if d.is_default), "")
    return OrganizationInfo(
        tenant_id=org.id or "", display_name=org.display_name or "", default_domain=default
    )


async def me(conn: Connection) -> dict[str, str]:
    """{"object_id", "account", "display_name"} of the signed-in user."""
    with azure_errors("read your account"):
        async with _client(conn) as graph:
            user = await graph.me.get()
    return {
        "object_id": user.id or "",
        "account": user.user_principal_name or "",
        "display_name": user.display_name or "",
    }


SP_CREATOR_ROLES: dict[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
}
"""Entra built-in directory roles (role template id -> name) whose members may create service principals."""


async def directory_roles(conn: Connection) -> list[tuple[str, str]]:
    """(role template id, display name) of the signed-in user's active directory roles, including those
    held through role-assignable groups (`/me/transitiveMemberOf`, directory roles kept, groups dropped).

    Eligible (PIM) roles that are not activated do not appear. A service-principal sign-in has no /me:
    Graph answers 400 ("only valid with delegated authentication flow"), raised as an AzureError.
    """
    from msgraph.generated.models.directory_role import DirectoryRole

    found: list[tuple[str, str]] = []
    with azure_errors("read your directory roles"):
        async with _client(conn) as graph:
            members = graph.me.transitive_member_of
            page = await members.get()
            for _ in range(50):  # paged at 100; nobody is in 5,000 groups, but never loop forever
                for item in (page.value if page else None) or []:
                    if isinstance(item, DirectoryRole):
                        found.append(((item.role_template_id or "").lower(), item.display_name or ""))
                link = page.odata_next_link if page else None
                if not link:
                    break
                page = await members.with_url(link).get()
    return found
