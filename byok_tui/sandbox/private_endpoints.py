"""Microsoft.KeyVault private endpoint connections and private link resources on ARM (azure-wire §5, §5.1).

A connection appears when someone creates a private endpoint against the vault (in the sandbox:
`World.request_private_endpoint_connection`, standing in for Kore). The vault owner reads it, then PUTs it
back with `status: Approved` or `Rejected` and the etag it read. Azure's rules: only a `Pending` connection
can be approved; an `Approved` one can still be rejected; a `Rejected` one can never be approved again (its
owner must recreate the endpoint); a `Disconnected` one (endpoint deleted) can only be deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from byok_tui.sandbox.errors import arm_bad_request, arm_error
from byok_tui.sandbox.keyvault_arm import _V, _body, _find, connection_properties
from byok_tui.sandbox.router import Reply, Request, route
from byok_tui.sandbox.world import PrivateEndpointConnection, Vault

if TYPE_CHECKING:
    from byok_tui.sandbox.arm import ArmContext

CONNECTION_TYPE = "Microsoft.KeyVault/vaults/privateEndpointConnections"
READ = "Microsoft.KeyVault/vaults/privateEndpointConnections/read"
WRITE = "Microsoft.KeyVault/vaults/privateEndpointConnections/write"
DELETE = "Microsoft.KeyVault/vaults/privateEndpointConnections/delete"
STATUSES = ("Pending", "Approved", "Rejected", "Disconnected")


def connection_json(vault: Vault, c: PrivateEndpointConnection) -> dict[str, Any]:
    return {
        "id": f"{vault.id}/privateEndpointConnections/{c.name}",
        "name": c.name,
        "type": CONNECTION_TYPE,
        "etag": c.etag,
        "properties": connection_properties(c),
    }


def list_connections(ctx: ArmContext, req: Request) -> Reply:
    vault = _find(ctx, req, READ)
    return Reply(200, ctx.page([connection_json(vault, c) for c in vault.private_endpoint_connections]))


def get_connection(ctx: ArmContext, req: Request) -> Reply:
    vault = _find(ctx, req, READ)
    found = vault.connection(req.params["pec"])
    if found is None:
        return Reply(204)  # the operation's documented "not found" answer; the SDK returns None
    return Reply(200, connection_json(vault, found))


def put_connection(ctx: ArmContext, req: Request) -> Reply:
    vault = _find(ctx, req, WRITE)
    found = vault.connection(req.params["pec"])
    if found is None:
        raise arm_error(
            404,
            "ResourceNotFound",
            f"The Resource '{CONNECTION_TYPE}/{vault.name}/{req.params['pec']}' under resource group "
            f"'{vault.resource_group}' was not found. A private endpoint connection is created by its private "
            "endpoint; it can only be approved or rejected here.",
        )
    body = _body(req)
    props = body.get("properties")
    state = props.get("privateLinkServiceConnectionState") if isinstance(props, dict) else None
    if not isinstance(state, dict) or not state.get("status"):
        raise arm_bad_request(
            "The request must carry properties.privateLinkServiceConnectionState.status (Approved or Rejected)."
        )
    wanted = {s.lower(): s for s in STATUSES}.get(str(state["status"]).lower())
    if wanted not in ("Approved", "Rejected"):
        raise arm_bad_request(
            f"The private endpoint connection status '{state['status']}' cannot be set: a vault owner can only "
            "approve or reject a connection ('Approved', 'Rejected')."
        )
    etag = body.get("etag")
    if etag and etag != found.etag:
        raise arm_error(
            412,
            "PreconditionFailed",
            f"The etag '{etag}' does not match the current etag '{found.etag}' of private endpoint connection "
            f"'{found.name}'. Read the connection again and retry.",
        )
    if found.status == "Disconnected":
        raise arm_bad_request(
            f"The private endpoint connection '{found.name}' is disconnected: its private endpoint was deleted. "
            "A disconnected connection can only be deleted."
        )
    if found.status == "Rejected" and wanted == "Approved":
        raise arm_bad_request(
            "Approving rejected private endpoint connections is not supported. The owner of private endpoint "
            f"'{found.private_endpoint_id}' must delete it and create it again, then the new connection can be "
            "approved."
        )
    description = state.get("description")
    changed = found.status != wanted or (description is not None and description != found.description)
    found.status = wanted
    if description is not None:
        found.description = str(description)
    found.actions_required = "None"
    found.provisioning_state = "Succeeded"
    if changed:
        found.etag = f'"{ctx.world.new_guid()}"'
        ctx.world.changed()
    return Reply(200, connection_json(vault, found))


def delete_connection(ctx: ArmContext, req: Request) -> Reply:
    """Answered synchronously (200 with the disconnected connection; 204 when absent), so no LRO polling."""
    vault = _find(ctx, req, DELETE)
    found = vault.connection(req.params["pec"])
    if found is None:
        return Reply(204)
    vault.private_endpoint_connections.remove(found)
    ctx.world.changed()
    return Reply(
        200,
        {
            "id": f"{vault.id}/privateEndpointConnections/{found.name}",
            "name": found.name,
            "type": CONNECTION_TYPE,
            "properties": {"provisioningState": "Disconnected"},
        },
    )


def list_private_link_resources(ctx: ArmContext, req: Request) -> Reply:
    vault = _find(ctx, req, "Microsoft.KeyVault/vaults/privateLinkResources/read")
    return Reply(
        200,
        {
            "value": [
                {
                    "id": f"{vault.id}/privateLinkResources/vault",
                    "name": "vault",
                    "type": "Microsoft.KeyVault/vaults/privateLinkResources",
                    "properties": {
                        "groupId": "vault",
                        "requiredMembers": ["default"],
                        "requiredZoneNames": ["privatelink.vaultcore.azure.net"],
                    },
                }
            ]
        },
    )


ROUTES = (
    route("GET", _V + "/privateEndpointConnections", list_connections),
    route("GET", _V + "/privateEndpointConnections/{pec}", get_connection),
    route("PUT", _V + "/privateEndpointConnections/{pec}", put_connection),
    route("DELETE", _V + "/privateEndpointConnections/{pec}", delete_connection),
    route("GET", _V + "/privateLinkResources", list_private_link_resources),
)
