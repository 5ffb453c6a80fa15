"""Microsoft.KeyVault on ARM: vaults, name availability, deleted vaults, access policies (azure-wire §5).

A new vault's PUT answers 200 with `provisioningState: RegisteringDns`, as Azure does (recording
test_cli_mgmt_keyvault, docs/sandbox.md); GET says `Succeeded` once `World.vault_dns_seconds` have passed
on the world's clock (0 by default: at the SDK poller's first GET). No `Location` / `Azure-AsyncOperation`
header, so the poller GETs the vault itself. Purging a deleted vault answers 202 with `Location` and
`Retry-After: 5`, and the operation's status answers `Succeeded` at the first poll.
Vault names are global: the world keeps live and soft-deleted vaults keyed by lower-cased name.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import TYPE_CHECKING, Any

from byok_tui.sandbox import locations, locks, vault_properties
from byok_tui.sandbox.authorization import allowed
from byok_tui.sandbox.errors import arm_bad_request, arm_error, arm_not_found
from byok_tui.sandbox.router import Reply, Request, route
from byok_tui.sandbox.world import DeletedVault, PrivateEndpointConnection, Vault, World, iso

if TYPE_CHECKING:
    from byok_tui.sandbox.arm import ArmContext

VAULT_TYPE = "Microsoft.KeyVault/vaults"
_VAULT_NAME = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")

NAME_TAKEN = (
    "The vault name '{name}' is already in use. Vault names are globally unique so it is possible that "
    "the name is already taken. If you are sure that the vault name was not taken then it is possible "
    "that a vault with the same name was recently deleted but not purged after being placed in a "
    "recoverable state. If the vault is in a recoverable state then the vault will need to be purged "
    "before reusing the name. For more information on VaultAlreadyExists, soft delete and purging a "
    "vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740."
)
NAME_INVALID = (
    "The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. "
    "The name must begin with a letter, end with a letter or digit, and not contain consecutive "
    "hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742"
)


def valid_vault_name(name: str) -> bool:
    return bool(_VAULT_NAME.match(name))


# ---- JSON shapes ---------------------------------------------------------------------------------------


def vault_json(vault: Vault, now: float = 0.0) -> dict[str, Any]:
    # members never set (None) are left out, as Azure does (e.g. enablePurgeProtection before it is turned on)
    properties = {k: v for k, v in copy.deepcopy(vault.properties).items() if v is not None}
    if now < vault.dns_ready_at:
        properties["provisioningState"] = "RegisteringDns"
    if vault.private_endpoint_connections:
        properties["privateEndpointConnections"] = [
            connection_item(vault, c) for c in vault.private_endpoint_connections
        ]
    return {
        "id": vault.id,
        "name": vault.name,
        "type": VAULT_TYPE,
        "location": vault.location,
        "tags": dict(vault.tags),
        "systemData": dict(vault.system_data),
        "properties": properties,
    }


def connection_properties(c: PrivateEndpointConnection) -> dict[str, Any]:
    return {
        "privateEndpoint": {"id": c.private_endpoint_id},
        "privateLinkServiceConnectionState": {
            "status": c.status,
            "description": c.description,
            "actionsRequired": c.actions_required,
        },
        "provisioningState": c.provisioning_state,
    }


def connection_item(vault: Vault, c: PrivateEndpointConnection) -> dict[str, Any]:
    """The shape inside a vault's `properties.privateEndpointConnections`."""
    return {
        "id": f"{vault.id}/privateEndpointConnections/{c.name}",
        "etag": c.etag,
        "properties": connection_properties(c),
    }


def deleted_vault_json(deleted: DeletedVault) -> dict[str, Any]:
    v = deleted.vault
    properties: dict[str, Any] = {
        "vaultId": v.id,
        "location": v.location,
        "deletionDate": deleted.deletion_date,
        "scheduledPurgeDate": deleted.scheduled_purge_date,
        "tags": dict(v.tags),
    }
    if v.properties.get("enablePurgeProtection"):  # left out when off (recording test_cli_mgmt_keyvault)
        properties["purgeProtectionEnabled"] = True
    return {
        "id": f"/subscriptions/{v.subscription_id}/providers/Microsoft.KeyVault/locations/{v.location}"
        f"/deletedVaults/{v.name}",
        "name": v.name,
        "type": "Microsoft.KeyVault/deletedVaults",
        "properties": properties,
    }


# ---- vault CRUD ----------------------------------------------------------------------------------------


def _vault_scope(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"


def _find(ctx: ArmContext, req: Request, action: str) -> Vault:
    """The vault named in the path, after the caller's right to `action` on it is checked."""
    rg, name = req.params["rg"], req.params["vault"]
    sub = ctx.subscription(req.params["sub"]).subscription_id
    ctx.require(action, _vault_scope(sub, rg, name))
    group = ctx.resource_group(sub, rg)
    vault = ctx.world.vault(name)
    if vault is None or vault.subscription_id != sub or vault.resource_group.lower() != group.name.lower():
        raise arm_not_found(VAULT_TYPE, name, rg)
    return vault


def get_vault(ctx: ArmContext, req: Request) -> Reply:
    return Reply(200, vault_json(_find(ctx, req, "Microsoft.KeyVault/vaults/read"), ctx.world.now()))


def put_vault(ctx: ArmContext, req: Request) -> Reply:
    rg, name = req.params["rg"], req.params["vault"]
    subscription = ctx.subscription(req.params["sub"])
    sub = subscription.subscription_id
    ctx.require("Microsoft.KeyVault/vaults/write", _vault_scope(sub, rg, name))
    group = ctx.resource_group(sub, rg)
    if not valid_vault_name(name):
        raise arm_error(400, "VaultNameNotValid", NAME_INVALID.format(name=name))
    body = _body(req)
    location = _location(body)
    props = body.get("properties")
    if not isinstance(props, dict):
        raise arm_bad_request("The request content is missing the required 'properties' object.")
    for required in ("tenantId", "sku"):  # required by the VaultProperties schema, on update too
        if required not in props:
            raise arm_bad_request(f"The parameter properties.{required} is required.")
    existing = ctx.world.vault(name)
    if existing is not None:
        same_place = (
            existing.subscription_id == subscription.subscription_id
            and existing.resource_group.lower() == group.name.lower()
        )
        if not same_place:
            raise arm_error(409, "VaultAlreadyExists", NAME_TAKEN.format(name=name))
        if existing.location != location:
            raise arm_error(
                409,
                "InvalidResourceLocation",
                f"The resource '{existing.name}' already exists in location '{existing.location}' in resource "
                f"group '{group.name}'. A resource with the same name cannot be created in location "
                f"'{location}'. Please select a new resource name.",
            )
        existing.properties = vault_properties.apply(
            existing.properties, props, creating=False, tenant_id=subscription.tenant_id
        )
        _touch(ctx, existing, body)
        ctx.world.changed()
        return Reply(200, vault_json(existing, ctx.world.now()))
    if str(props.get("createMode", "default")).lower() == "recover":
        return _recover(ctx, subscription.subscription_id, group.name, name, location, body)
    if name.lower() in ctx.world.deleted_vaults:
        raise arm_error(
            409,
            "ConflictError",
            "A vault with the same name already exists in deleted state. You need to either recover or purge "
            "existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more "
            "information on soft delete.",
        )
    start = vault_properties.defaults(name, subscription.tenant_id, ctx.api_version)
    properties = vault_properties.apply(start, props, creating=True, tenant_id=subscription.tenant_id)
    who, kind = ctx.system_data_stamp()
    stamp = ctx.now_iso()
    vault = Vault(
        name=name,
        subscription_id=subscription.subscription_id,
        resource_group=group.name,
        location=location,
        tags=_tags(body) or {},
        properties=properties,
        system_data={
            "createdBy": who,
            "createdByType": kind,
            "createdAt": stamp,
            "lastModifiedBy": who,
            "lastModifiedByType": kind,
            "lastModifiedAt": stamp,
        },
    )
    delay = ctx.world.vault_dns_seconds
    if delay > 0:
        vault.dns_ready_at = ctx.world.now() + delay
    ctx.world.vaults[name.lower()] = vault
    ctx.world.changed()
    body = vault_json(vault, ctx.world.now())
    body["properties"]["provisioningState"] = "RegisteringDns"  # always, even when DNS is ready at once
    return Reply(200, body)


def patch_vault(ctx: ArmContext, req: Request) -> Reply:
    vault = _find(ctx, req, "Microsoft.KeyVault/vaults/write")
    body = _body(req)
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise arm_bad_request("The 'properties' member must be an object.")
    tenant_id = ctx.world.subscriptions[vault.subscription_id].tenant_id
    vault.properties = vault_properties.apply(vault.properties, props, creating=False, tenant_id=tenant_id)
    _touch(ctx, vault, body)
    ctx.world.changed()
    return Reply(200, vault_json(vault, ctx.world.now()))


def delete_vault(ctx: ArmContext, req: Request) -> Reply:
    rg, name = req.params["rg"], req.params["vault"]
    sub = ctx.subscription(req.params["sub"]).subscription_id
    ctx.require("Microsoft.KeyVault/vaults/delete", _vault_scope(sub, rg, name))
    ctx.resource_group(sub, rg)
    vault = ctx.world.vault(name)
    if vault is None or vault.subscription_id != sub or vault.resource_group.lower() != rg.lower():
        return Reply(204)
    locks.refuse_delete(ctx.world, _vault_scope(sub, rg, name))
    soft_delete_vault(ctx.world, vault)
    ctx.world.changed()
    return Reply(200)


def soft_delete_vault(world: World, vault: Vault) -> None:
    """Soft delete is always on (it can no longer be disabled): the vault and its keys wait out retention."""
    now = world.now()
    days = int(vault.properties.get("softDeleteRetentionInDays", 90))
    world.deleted_vaults[vault.name.lower()] = DeletedVault(
        vault=vault, deletion_date=iso(now), scheduled_purge_date=iso(now + days * 86400)
    )
    del world.vaults[vault.name.lower()]
    world.changed()


def _recover(ctx: ArmContext, sub: str, rg: str, name: str, location: str, body: dict[str, Any]) -> Reply:
    deleted = ctx.world.deleted_vaults.get(name.lower())
    if deleted is None or deleted.vault.subscription_id != sub:
        raise arm_error(
            404,
            "ResourceNotFound",
            f"A deleted vault with the name '{name}' was not found in subscription '{sub}'.",
        )
    if deleted.vault.location != location:
        raise arm_bad_request(
            f"The deleted vault '{name}' is in location '{deleted.vault.location}'; recover it in that location."
        )
    vault = deleted.vault
    vault.resource_group = rg
    if body.get("tags") is not None:
        vault.tags = _tags(body) or {}
    del ctx.world.deleted_vaults[name.lower()]
    ctx.world.vaults[name.lower()] = vault
    _touch(ctx, vault, {})
    ctx.world.changed()
    return Reply(200, vault_json(vault, ctx.world.now()))


def _touch(ctx: ArmContext, vault: Vault, body: dict[str, Any]) -> None:
    tags = _tags(body)
    if tags is not None:
        vault.tags = tags
    who, kind = ctx.system_data_stamp()
    vault.system_data.update(lastModifiedBy=who, lastModifiedByType=kind, lastModifiedAt=ctx.now_iso())


# ---- lists ---------------------------------------------------------------------------------------------


def list_by_group(ctx: ArmContext, req: Request) -> Reply:
    rg = req.params["rg"]
    sub = ctx.subscription(req.params["sub"]).subscription_id
    ctx.require("Microsoft.KeyVault/vaults/read", f"/subscriptions/{sub}/resourceGroups/{rg}")
    group = ctx.resource_group(sub, rg)
    vaults = [
        v
        for v in ctx.world.vaults.values()
        if v.subscription_id == group.subscription_id and v.resource_group.lower() == rg.lower()
    ]
    return Reply(
        200, ctx.page([vault_json(v, ctx.world.now()) for v in sorted(vaults, key=lambda v: v.name.lower())])
    )


def list_by_subscription(ctx: ArmContext, req: Request) -> Reply:
    sub = ctx.subscription(req.params["sub"]).subscription_id
    vaults = [
        v
        for v in ctx.world.vaults.values()
        if v.subscription_id == sub
        and allowed(ctx.world, ctx.caller.object_id, "Microsoft.KeyVault/vaults/read", v.id)
    ]
    if not vaults:
        ctx.require("Microsoft.KeyVault/vaults/read", f"/subscriptions/{sub}")
    return Reply(
        200, ctx.page([vault_json(v, ctx.world.now()) for v in sorted(vaults, key=lambda v: v.name.lower())])
    )


# ---- name availability ---------------------------------------------------------------------------------


def check_name(ctx: ArmContext, req: Request) -> Reply:
    sub = ctx.subscription(req.params["sub"]).subscription_id
    ctx.require("Microsoft.KeyVault/checkNameAvailability/read", f"/subscriptions/{sub}")
    body = _body(req)
    name, kind = body.get("name"), body.get("type")
    if not isinstance(name, str) or str(kind).lower() != VAULT_TYPE.lower():
        raise arm_bad_request("The request must carry a 'name' and the type 'Microsoft.KeyVault/vaults'.")
    if not valid_vault_name(name):
        return Reply(
            200,
            {
                "nameAvailable": False,
                "reason": "AccountNameInvalid",
                "message": NAME_INVALID.format(name=name),
            },
        )
    if name.lower() in ctx.world.vaults or name.lower() in ctx.world.deleted_vaults:
        return Reply(
            200, {"nameAvailable": False, "reason": "AlreadyExists", "message": NAME_TAKEN.format(name=name)}
        )
    return Reply(200, {"nameAvailable": True})


# ---- deleted vaults ------------------------------------------------------------------------------------


def _deleted(ctx: ArmContext, req: Request, action: str) -> DeletedVault:
    sub = ctx.subscription(req.params["sub"]).subscription_id
    ctx.require(action, f"/subscriptions/{sub}")
    deleted = ctx.world.deleted_vaults.get(req.params["name"].lower())
    location = locations.normalize(req.params["loc"]) or req.params["loc"]
    if deleted is None or deleted.vault.subscription_id != sub or deleted.vault.location != location:
        raise arm_error(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.KeyVault/locations/{req.params['loc']}/deletedVaults/{req.params['name']}' "
            f"under subscription '{sub}' was not found.",
        )
    return deleted


def get_deleted(ctx: ArmContext, req: Request) -> Reply:
    return Reply(200, deleted_vault_json(_deleted(ctx, req, "Microsoft.KeyVault/deletedVaults/read")))


def list_deleted(ctx: ArmContext, req: Request) -> Reply:
    sub = ctx.subscription(req.params["sub"]).subscription_id
    ctx.require("Microsoft.KeyVault/deletedVaults/read", f"/subscriptions/{sub}")
    found = [d for d in ctx.world.deleted_vaults.values() if d.vault.subscription_id == sub]
    return Reply(200, ctx.page([deleted_vault_json(d) for d in found]))


def purge_deleted(ctx: ArmContext, req: Request) -> Reply:
    deleted = _deleted(ctx, req, "Microsoft.KeyVault/locations/deletedVaults/purge/action")
    if deleted.vault.properties.get("enablePurgeProtection"):
        raise arm_error(405, "MethodNotAllowed", "Operation 'DeletedVaultPurge' is not allowed.")
    del ctx.world.deleted_vaults[deleted.vault.name.lower()]
    ctx.world.changed()
    # Azure answers 202 with a Location to poll every 5 s (recording test_cli_mgmt_keyvault: 202 NotStarted
    # for ten minutes, then 200 Succeeded). The sandbox purges at once; the operation id carries its start.
    started = _operation_time(ctx.world.now())
    op = base64.urlsafe_b64encode(f"purge|{deleted.vault.name}|{started}".encode()).decode().rstrip("=")
    sub, loc = req.params["sub"], deleted.vault.location
    location = (
        f"https://management.azure.com/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}"
        f"/operationResults/{op}?api-version={ctx.api_version}"
    )
    return Reply(202, None, {"Location": location, "Retry-After": "5"})


def _operation_time(timestamp: float) -> str:
    """The operation status's time format: `2024-07-22 06:24:32Z`."""
    return iso(timestamp)[:19].replace("T", " ") + "Z"


def operation_result(ctx: ArmContext, req: Request) -> Reply:
    ctx.subscription(req.params["sub"])
    try:
        raw = req.params["op"] + "=" * (-len(req.params["op"]) % 4)
        kind, _name, started = base64.urlsafe_b64decode(raw.encode()).decode().split("|")
    except ValueError:
        kind, started = "", ""
    if kind != "purge":
        raise arm_error(404, "OperationNotFound", f"The operation '{req.params['op']}' was not found.")
    return Reply(
        200,
        {
            "createdDateTime": started,
            "lastActionDateTime": _operation_time(ctx.world.now()),
            "status": "Succeeded",
        },
    )


# ---- access policies -----------------------------------------------------------------------------------


def update_access_policies(ctx: ArmContext, req: Request) -> Reply:
    """add merges permissions into the matching entry, remove takes them out, replace overwrites them."""
    vault = _find(ctx, req, "Microsoft.KeyVault/vaults/accessPolicies/write")
    kind = req.params["kind"].lower()
    if kind not in ("add", "replace", "remove"):
        raise arm_bad_request(
            f"The access policy update kind '{req.params['kind']}' is not valid. Use add, replace or remove."
        )
    props = _body(req).get("properties")
    if not isinstance(props, dict) or not isinstance(props.get("accessPolicies"), list):
        raise arm_bad_request("The request must carry properties.accessPolicies.")
    sent = [vault_properties.validate_policy(p) for p in props["accessPolicies"]]
    policies = copy.deepcopy(vault.properties.get("accessPolicies") or [])
    for entry in sent:
        vault_properties.change_policies(policies, copy.deepcopy(entry), kind)
    if len(policies) > vault_properties.MAX_POLICIES:
        raise arm_bad_request(f"A vault can have at most {vault_properties.MAX_POLICIES} access policies.")
    vault.properties["accessPolicies"] = policies
    _touch(ctx, vault, {})
    ctx.world.changed()
    return Reply(
        200,
        {
            "id": f"{vault.id}/accessPolicies/{kind}",
            "name": kind,
            "type": "Microsoft.KeyVault/vaults/accessPolicies",
            "location": vault.location,
            "properties": {"accessPolicies": sent},
        },
    )


# ---- helpers -------------------------------------------------------------------------------------------


def _body(req: Request) -> dict[str, Any]:
    body = req.json(lambda m: arm_bad_request(m, code="InvalidRequestContent"))
    if not isinstance(body, dict):
        raise arm_bad_request("The request content must be a JSON object.", code="InvalidRequestContent")
    return body


def _location(body: dict[str, Any]) -> str:
    if not body.get("location"):
        raise arm_error(400, "LocationRequired", "The location property is required for this definition.")
    location = locations.normalize(str(body["location"]))
    if location is None:
        raise arm_error(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{body['location']}' is not available for resource type "
            f"'{VAULT_TYPE}'. List of available regions for the resource type is "
            f"'{','.join(locations.NAMES)}'.",
        )
    return location


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise arm_bad_request("The tags must be an object of string values.", code="InvalidTag")
    return dict(tags)


_V = "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.KeyVault/vaults/{vault}"
_SUB = "/subscriptions/{sub}/providers/Microsoft.KeyVault"
ROUTES = (
    route("PUT", _V, put_vault),
    route("GET", _V, get_vault),
    route("PATCH", _V, patch_vault),
    route("DELETE", _V, delete_vault),
    route("PUT", _V + "/accessPolicies/{kind}", update_access_policies),
    route(
        "GET", "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.KeyVault/vaults", list_by_group
    ),
    route("GET", _SUB + "/vaults", list_by_subscription),
    route("POST", _SUB + "/checkNameAvailability", check_name),
    route("GET", _SUB + "/deletedVaults", list_deleted),
    route("GET", _SUB + "/locations/{loc}/deletedVaults/{name}", get_deleted),
    route("POST", _SUB + "/locations/{loc}/deletedVaults/{name}/purge", purge_deleted),
    route("GET", _SUB + "/locations/{loc}/operationResults/{op}", operation_result),
)
