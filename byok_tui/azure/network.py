"""How callers reach a vault: its firewall (network ACLs) and its private-endpoint connections."""

from __future__ import annotations

import re
from typing import Any

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.azure.vaults import vault_info
from byok_tui.connection import Connection
from byok_tui.models import EndpointConnectionInfo, VaultInfo

_ADDR = re.compile(r"addr=([0-9.]+)")
_CLIENT_ADDRESS = re.compile(r"Client address:\s*([0-9.]+)")


def _connection(c: Any) -> EndpointConnectionInfo:
    p = c.properties
    state = p.private_link_service_connection_state if p else None
    return EndpointConnectionInfo(
        name=c.name or "",
        id=c.id or "",
        status=text(state.status) if state else "",
        private_endpoint_id=(p.private_endpoint.id or "") if p and p.private_endpoint else "",
        description=(state.description or "") if state else "",
        etag=c.etag or "",
    )


async def list_connections(
    conn: Connection, subscription_id: str, resource_group: str, vault_name: str
) -> list[EndpointConnectionInfo]:
    with azure_errors(f"list private-endpoint connections of {vault_name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            return [
                _connection(c)
                async for c in client.private_endpoint_connections.list_by_resource(
                    resource_group, vault_name
                )
            ]


async def set_connection_status(
    conn: Connection,
    subscription_id: str,
    resource_group: str,
    vault_name: str,
    connection: EndpointConnectionInfo,
    status: str,
    description: str,
) -> EndpointConnectionInfo:
    """Approve or reject a connection (PUT with the etag read, so a concurrent change is not overwritten)."""
    body = {
        "etag": connection.etag,
        "properties": {"privateLinkServiceConnectionState": {"status": status, "description": description}},
    }
    with azure_errors(f"{status.lower().rstrip('d')} the private-endpoint connection {connection.name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            updated = await client.private_endpoint_connections.put(
                resource_group, vault_name, connection.name, body
            )
    return _connection(updated)


async def set_firewall(
    conn: Connection,
    subscription_id: str,
    resource_group: str,
    vault_name: str,
    *,
    ip_rules: list[str],
    bypass_azure_services: bool,
    evidence: Evidence | None = None,
) -> VaultInfo:
    """Default Deny with these IP rules (replacing the list) and the trusted-services bypass as asked."""
    evidence = evidence or Evidence()
    acls = {
        "defaultAction": "Deny",
        "bypass": "AzureServices" if bypass_azure_services else "None",
        "ipRules": [{"value": rule} for rule in ip_rules],
    }
    with azure_errors(f"update the firewall of {vault_name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            # Virtual-network rules are not ours to drop: keep whatever the vault has.
            current = await client.vaults.get(resource_group, vault_name)
            vnet = (
                current.properties.network_acls.virtual_network_rules
                if current.properties.network_acls
                else None
            )
            if vnet:
                acls["virtualNetworkRules"] = [{"id": r.id} for r in vnet]
            updated = await client.vaults.update(
                resource_group, vault_name,
                {"properties": {"networkAcls": acls, "publicNetworkAccess": "Enabled"}}, **evidence.kwargs(),
            )  # fmt: skip
    evidence.stop()
    return vault_info(updated, evidence.request_id)


async def caller_ip(conn: Connection, vault_uri: str) -> str:
    """This machine's public IP as the vault sees it ("" if the vault did not say).

    Key Vault reports it in x-ms-keyvault-network-info, and in the text of a firewall refusal.
    """
    from azure.core.exceptions import HttpResponseError

    seen: list[str] = []

    def hook(pipeline_response: Any) -> None:
        info = pipeline_response.http_response.headers.get("x-ms-keyvault-network-info", "")
        if match := _ADDR.search(info):
            seen.append(match.group(1))

    async with clients.keys(conn, vault_uri) as client:
        try:
            async for _ in client.list_properties_of_keys(raw_response_hook=hook):
                break
        except HttpResponseError as exc:
            if match := _CLIENT_ADDRESS.search(str(exc.message or "")):
                return match.group(1)
        except Exception:  # noqa: BLE001 - best effort: an unknown IP is shown as such, never fatal
            return seen[-1] if seen else ""
    return seen[-1] if seen else ""
