"""ARM basics: subscriptions, tenants, locations and resource groups (azure-wire §6)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from byok_tui.sandbox import authorization, locations, locks, monitor
from byok_tui.sandbox.errors import arm_bad_request, arm_error, rg_not_found
from byok_tui.sandbox.keyvault_arm import soft_delete_vault
from byok_tui.sandbox.router import Reply, Request, route
from byok_tui.sandbox.world import ResourceGroup, Subscription, Tenant

if TYPE_CHECKING:
    from byok_tui.sandbox.arm import ArmContext

RG_READ = "Microsoft.Resources/subscriptions/resourceGroups/read"
RG_WRITE = "Microsoft.Resources/subscriptions/resourceGroups/write"
RG_DELETE = "Microsoft.Resources/subscriptions/resourceGroups/delete"

_RG_NAME = re.compile(r"^[-\w.()]{1,90}$")


# ---- JSON shapes ------------------------------------------------------------------------------------


def subscription_json(sub: Subscription) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub.subscription_id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.subscription_id,
        "tenantId": sub.tenant_id,
        "displayName": sub.display_name,
        "state": sub.state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": f"/tenants/{tenant.tenant_id}",
        "tenantId": tenant.tenant_id,
        "tenantCategory": "Home",
        "country": "United States" if tenant.country_code == "US" else tenant.country_code,
        "countryCode": tenant.country_code,
        "displayName": tenant.display_name,
        "domains": [tenant.default_domain],
        "defaultDomain": tenant.default_domain,
        "tenantType": "AAD",
    }


def rg_json(group: ResourceGroup) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": group.id,
        "name": group.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": group.location,
        "properties": {"provisioningState": "Succeeded"},
    }
    if group.tags:
        body["tags"] = dict(group.tags)
    if group.managed_by:
        body["managedBy"] = group.managed_by
    return body


# ---- subscriptions, tenants, locations -------------------------------------------------------------


def list_subscriptions(ctx: ArmContext, req: Request) -> Reply:
    """Only subscriptions of the token's tenant where the caller holds some role, as ARM lists them."""
    tid = str(ctx.claims.get("tid", "")).lower()
    subs = [
        s
        for s in ctx.world.subscriptions.values()
        if s.tenant_id.lower() == tid and authorization.sees_subscription(ctx.world, ctx.caller.object_id, s)
    ]
    return Reply(200, ctx.page([subscription_json(s) for s in subs]))


def get_subscription(ctx: ArmContext, req: Request) -> Reply:
    sub = ctx.subscription(req.params["sub"])
    if not authorization.sees_subscription(ctx.world, ctx.caller.object_id, sub):
        raise arm_error(
            404, "SubscriptionNotFound", f"The subscription '{req.params['sub']}' could not be found."
        )
    return Reply(200, subscription_json(sub))


def list_tenants(ctx: ArmContext, req: Request) -> Reply:
    tenant = ctx.world.tenants.get(ctx.caller.tenant_id)
    return Reply(200, ctx.page([tenant_json(tenant)] if tenant else []))


def list_locations(ctx: ArmContext, req: Request) -> Reply:
    sub = ctx.subscription(req.params["sub"])
    ctx.require("Microsoft.Resources/subscriptions/locations/read", f"/subscriptions/{sub.subscription_id}")
    return Reply(200, {"value": locations.location_list(sub.subscription_id)})


# ---- resource groups ---------------------------------------------------------------------------------


def _rg_scope(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{name}"


def _check_rg_name(name: str) -> None:
    if not _RG_NAME.match(name) or name.endswith("."):
        raise arm_error(
            400,
            "InvalidResourceGroup",
            f"The provided resource group name '{name}' has these invalid characters or length. The name can be "
            "1 to 90 characters of letters, digits, underscores, parentheses, hyphens and periods, and cannot "
            "end with a period.",
        )


def list_groups(ctx: ArmContext, req: Request) -> Reply:
    sub = ctx.subscription(req.params["sub"])
    scope = f"/subscriptions/{sub.subscription_id}"
    visible = [
        g
        for g in ctx.world.resource_groups.values()
        if g.subscription_id == sub.subscription_id
        and authorization.allowed(ctx.world, ctx.caller.object_id, RG_READ, g.id)
    ]
    if not visible:
        ctx.require(RG_READ, scope)  # nothing readable: answer as ARM does for no access at all
    visible.sort(key=lambda g: g.name.lower())
    return Reply(200, ctx.page([rg_json(g) for g in visible]))


def get_group(ctx: ArmContext, req: Request) -> Reply:
    sub, name = req.params["sub"], req.params["rg"]
    ctx.subscription(sub)
    ctx.require(RG_READ, _rg_scope(sub, name))
    group = ctx.world.resource_group(sub, name)
    if group is None:
        raise rg_not_found(name)
    return Reply(200, rg_json(group))


def head_group(ctx: ArmContext, req: Request) -> Reply:
    sub, name = req.params["sub"], req.params["rg"]
    ctx.subscription(sub)
    ctx.require(RG_READ, _rg_scope(sub, name))
    return Reply(204 if ctx.world.resource_group(sub, name) else 404)


def put_group(ctx: ArmContext, req: Request) -> Reply:
    sub, name = ctx.subscription(req.params["sub"]).subscription_id, req.params["rg"]
    ctx.require(RG_WRITE, _rg_scope(sub, name))
    _check_rg_name(name)
    body = req.json(arm_bad_request) or {}
    if not isinstance(body, dict) or not body.get("location"):
        raise arm_error(400, "LocationRequired", "The location property is required for this definition.")
    location = locations.normalize(str(body["location"]))
    if location is None:
        raise arm_error(
            400,
            "LocationNotAvailableForResourceGroup",
            f"The provided location '{body['location']}' is not available for resource group. List of available "
            f"regions is '{','.join(locations.NAMES)}'.",
        )
    existing = ctx.world.resource_group(sub, name)
    if existing is not None and existing.location != location:
        raise arm_error(
            409,
            "InvalidResourceGroupLocation",
            f"Invalid resource group location '{location}'. The Resource group already exists in location "
            f"'{existing.location}'.",
        )
    tags = _tags(body)
    if existing is not None:
        existing.tags = tags if tags is not None else existing.tags
        existing.managed_by = body.get("managedBy", existing.managed_by)
        ctx.world.changed()
        return Reply(200, rg_json(existing))
    group = ResourceGroup(sub, name, location, tags or {}, body.get("managedBy"))
    ctx.world.resource_groups[f"{sub}/{name.lower()}"] = group
    ctx.world.changed()
    return Reply(201, rg_json(group))


def patch_group(ctx: ArmContext, req: Request) -> Reply:
    sub, name = req.params["sub"], req.params["rg"]
    ctx.subscription(sub)
    ctx.require(RG_WRITE, _rg_scope(sub, name))
    group = ctx.world.resource_group(sub, name)
    if group is None:
        raise rg_not_found(name)
    body = req.json(arm_bad_request) or {}
    tags = _tags(body)
    if tags is not None:
        group.tags = tags
    if "managedBy" in body:
        group.managed_by = body["managedBy"]
    ctx.world.changed()
    return Reply(200, rg_json(group))


def delete_group(ctx: ArmContext, req: Request) -> Reply:
    """Answered synchronously (no LRO headers): the vaults inside go to the soft-deleted state."""
    sub, name = req.params["sub"], req.params["rg"]
    ctx.subscription(sub)
    ctx.require(RG_DELETE, _rg_scope(sub, name))
    group = ctx.world.resource_group(sub, name)
    if group is None:
        raise rg_not_found(name)
    locks.refuse_delete(ctx.world, group.id, contents=True)  # a locked resource inside keeps its group
    for vault in [
        v
        for v in ctx.world.vaults.values()
        if v.subscription_id == group.subscription_id and v.resource_group.lower() == name.lower()
    ]:
        soft_delete_vault(ctx.world, vault)
    authorization.drop_assignments_under(ctx.world, group.id)
    monitor.drop_resources_under(ctx.world, group.id)
    del ctx.world.resource_groups[f"{group.subscription_id}/{name.lower()}"]
    ctx.world.changed()
    return Reply(200)


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    if "tags" not in body or body["tags"] is None:
        return None
    tags = body["tags"]
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise arm_bad_request("The tags must be an object of string values.", code="InvalidTag")
    if len(tags) > 50:
        raise arm_bad_request("The resource has more than 50 tags.", code="InvalidTag")
    return dict(tags)


ROUTES = (
    route("GET", "/subscriptions", list_subscriptions),
    route("GET", "/subscriptions/{sub}", get_subscription),
    route("GET", "/tenants", list_tenants),
    route("GET", "/subscriptions/{sub}/locations", list_locations),
    route("GET", "/subscriptions/{sub}/resourcegroups", list_groups),
    route("GET", "/subscriptions/{sub}/resourcegroups/{rg}", get_group),
    route("HEAD", "/subscriptions/{sub}/resourcegroups/{rg}", head_group),
    route("PUT", "/subscriptions/{sub}/resourcegroups/{rg}", put_group),
    route("PATCH", "/subscriptions/{sub}/resourcegroups/{rg}", patch_group),
    route("DELETE", "/subscriptions/{sub}/resourcegroups/{rg}", delete_group),
)
