"""Microsoft.Authorization: role definitions, role assignments, permissions, and the RBAC evaluator.

`allowed()` is the one place that decides what a principal may do, for ARM actions and Key Vault data
actions alike. Role assignments count on ARM at once; on the data plane only after the world's
`rbac_propagation_seconds` (real Key Vault asks callers to "observe propagation time").
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from byok_tui.sandbox import locks
from byok_tui.sandbox.errors import arm_bad_request, arm_error, arm_not_found, rg_not_found
from byok_tui.sandbox.roles import (
    BUILT_IN_ROLES,
    RoleDefinition,
    find_role,
    normalize_scope,
    role_grants,
    scope_covers,
)
from byok_tui.sandbox.router import Reply, Request
from byok_tui.sandbox.world import RoleAssignment, Subscription, World, iso

if TYPE_CHECKING:
    from byok_tui.sandbox.arm import ArmContext

PROVIDER = "microsoft.authorization"
RA_READ = "Microsoft.Authorization/roleAssignments/read"
RA_WRITE = "Microsoft.Authorization/roleAssignments/write"
RA_DELETE = "Microsoft.Authorization/roleAssignments/delete"
RD_READ = "Microsoft.Authorization/roleDefinitions/read"
PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")


# ---- the evaluator -------------------------------------------------------------------------------------


def allowed(world: World, principal_id: str, action: str, scope: str, *, data: bool = False) -> bool:
    """Does some role assigned to the principal at or above `scope` grant `action`?

    `data=True` evaluates data actions (Key Vault data plane) and skips assignments younger than the
    propagation delay.
    """
    return any(True for _ in granting_assignments(world, principal_id, action, scope, data=data))


def granting_assignments(world: World, principal_id: str, action: str, scope: str, *, data: bool = False):
    pid = principal_id.lower()
    delay = world.rbac_propagation_seconds if data else 0.0
    now = world.now()
    for assignment in world.role_assignments.values():
        if assignment.principal_id != pid or not scope_covers(assignment.scope, scope):
            continue
        role = find_role(assignment.role_definition_id)
        if role is None or not role_grants(role, action, data=data):
            continue
        if data and now - assignment.created_on < delay:
            continue
        yield assignment


def sees_subscription(world: World, principal_id: str, sub: Subscription) -> bool:
    """A subscription is visible to anyone holding a role at, above or below it."""
    scope = f"/subscriptions/{sub.subscription_id}"
    pid = principal_id.lower()
    return any(
        a.principal_id == pid and (scope_covers(a.scope, scope) or scope_covers(scope, a.scope))
        for a in world.role_assignments.values()
    )


def drop_assignments_under(world: World, scope: str) -> None:
    """ARM removes role assignments whose scope is deleted along with it."""
    for name in [n for n, a in world.role_assignments.items() if scope_covers(scope, a.scope)]:
        del world.role_assignments[name]


# ---- JSON shapes ---------------------------------------------------------------------------------------


def definition_id(role: RoleDefinition, scope: str) -> str:
    """Listed at or under a subscription, ids carry the subscription prefix (azure-wire §7)."""
    sub = _subscription_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role.guid}"


def definition_json(role: RoleDefinition, scope: str) -> dict[str, Any]:
    return {
        "id": definition_id(role, scope),
        "name": role.guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": role.name,
            "type": "BuiltInRole",
            "description": role.description,
            "assignableScopes": ["/"],
            "permissions": [
                {
                    "actions": list(role.actions),
                    "notActions": list(role.not_actions),
                    "dataActions": list(role.data_actions),
                    "notDataActions": list(role.not_data_actions),
                }
            ],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-04-01T00:00:00.0000000Z",
            "createdBy": None,
            "updatedBy": None,
        },
    }


def assignment_json(world: World, a: RoleAssignment) -> dict[str, Any]:
    role = find_role(a.role_definition_id)
    return {
        "id": f"{'' if a.scope == '/' else a.scope}/providers/Microsoft.Authorization/roleAssignments/{a.name}",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": a.name,
        "properties": {
            "roleDefinitionId": definition_id(role, a.scope) if role else a.role_definition_id,
            "principalId": a.principal_id,
            "principalType": a.principal_type,
            "scope": a.scope,
            "condition": a.condition,
            "conditionVersion": a.condition_version,
            "description": a.description or None,
            "createdOn": iso(a.created_on),
            "updatedOn": iso(a.updated_on),
            "createdBy": a.created_by or None,
            "updatedBy": a.created_by or None,
            "delegatedManagedIdentityResourceId": None,
        },
    }


# ---- routing: {scope}/providers/Microsoft.Authorization/{type}[/{name}] -------------------------------


def is_authorization_path(segments: list[str]) -> bool:
    return _provider_index(segments) is not None


def _provider_index(segments: list[str]) -> int | None:
    for i in range(len(segments) - 1):
        if segments[i].lower() == "providers" and segments[i + 1].lower() == PROVIDER:
            return i
    return None


def handle(ctx: ArmContext, req: Request, segments: list[str]) -> Reply:
    index = _provider_index(segments)
    assert index is not None
    scope = normalize_scope("/".join(segments[:index]))
    rest = [s.lower() for s in segments[index + 2 :]]
    names = segments[index + 2 :]
    kind = rest[0] if rest else ""
    handlers = {
        ("GET", "roledefinitions", 1): lambda: list_definitions(ctx, req, scope),
        ("GET", "roledefinitions", 2): lambda: get_definition(ctx, scope, names[1]),
        ("GET", "roleassignments", 1): lambda: list_assignments(ctx, req, scope),
        ("GET", "roleassignments", 2): lambda: get_assignment(ctx, scope, names[1]),
        ("PUT", "roleassignments", 2): lambda: put_assignment(ctx, req, scope, names[1]),
        ("DELETE", "roleassignments", 2): lambda: delete_assignment(ctx, scope, names[1]),
        ("GET", "permissions", 1): lambda: list_permissions(ctx, scope),
        ("GET", "locks", 1): lambda: locks.list_locks(ctx, req, resolve_scope(ctx, scope)),
        ("GET", "locks", 2): lambda: locks.get_lock(ctx, resolve_scope(ctx, scope), names[1]),
        ("PUT", "locks", 2): lambda: locks.put_lock(ctx, req, resolve_scope(ctx, scope), names[1]),
        ("DELETE", "locks", 2): lambda: locks.delete_lock(ctx, resolve_scope(ctx, scope), names[1]),
    }
    handler = handlers.get((req.method, kind, len(rest)))
    if handler is None:
        raise arm_error(
            404,
            "InvalidResourceType",
            f"The sandbox does not emulate '{req.method} {req.path}' in Microsoft.Authorization.",
        )
    return handler()


# ---- scopes --------------------------------------------------------------------------------------------


def _subscription_of(scope: str) -> str | None:
    parts = normalize_scope(scope).split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


_SCOPE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)"
    r"(?:/resourceGroups/(?P<rg>[^/]+)"
    r"(?:/providers/Microsoft\.KeyVault/vaults/(?P<vault>[^/]+)(?:/keys/(?P<key>[^/]+))?)?)?$",
    re.IGNORECASE,
)


def resolve_scope(ctx: ArmContext, scope: str) -> str:
    """The canonical spelling of an existing scope; 404s in ARM's words for missing parts."""
    if scope == "/":
        return scope
    m = _SCOPE.match(scope)
    if m is None:
        raise arm_error(400, "InvalidScope", f"The scope '{scope}' is not supported by the sandbox.")
    sub = ctx.subscription(m["sub"]).subscription_id
    canonical = f"/subscriptions/{sub}"
    if m["rg"]:
        group = ctx.world.resource_group(sub, m["rg"])
        if group is None:
            raise rg_not_found(m["rg"])
        canonical = group.id
    if m["vault"]:
        vault = ctx.world.vault(m["vault"])
        if vault is None or vault.subscription_id != sub or vault.resource_group.lower() != m["rg"].lower():
            raise arm_not_found("Microsoft.KeyVault/vaults", m["vault"], m["rg"])
        canonical = vault.id
        if m["key"]:
            key = vault.keys.get(m["key"].lower())
            if key is None or key.is_deleted:
                raise arm_not_found("Microsoft.KeyVault/vaults/keys", f"{vault.name}/{m['key']}", m["rg"])
            canonical = f"{vault.id}/keys/{key.name}"
    return canonical


# ---- role definitions ----------------------------------------------------------------------------------


def _require_definition_read(ctx: ArmContext, scope: str) -> str:
    """Built-in definitions are tenant-wide: at the root scope any signed-in principal may read them."""
    scope = resolve_scope(ctx, scope)
    if scope != "/":
        ctx.require(RD_READ, scope)
    return scope


def list_definitions(ctx: ArmContext, req: Request, scope: str) -> Reply:
    scope = _require_definition_read(ctx, scope)
    roles = list(BUILT_IN_ROLES)
    for clause in _clauses(req.query.get("$filter", "")):
        m = re.fullmatch(r"roleName\s+eq\s+'(?P<v>[^']*)'", clause, re.IGNORECASE)
        t = re.fullmatch(r"type\s+eq\s+'(?P<v>[^']*)'", clause, re.IGNORECASE)
        if m:
            roles = [r for r in roles if r.name.lower() == m["v"].lower()]
        elif t:
            roles = [r for r in roles if t["v"].lower() == "builtinrole"]
        else:
            raise arm_bad_request(f"The filter '{clause}' is not supported.", code="UnsupportedQuery")
    return Reply(200, {"value": [definition_json(r, scope) for r in roles]})


def get_definition(ctx: ArmContext, scope: str, guid: str) -> Reply:
    scope = _require_definition_read(ctx, scope)
    role = find_role(guid) if is_guid(guid) else None
    if role is None:
        raise arm_error(
            404, "RoleDefinitionDoesNotExist", f"The role definition '{guid}' could not be found."
        )
    return Reply(200, definition_json(role, scope))


# ---- role assignments ----------------------------------------------------------------------------------


def list_assignments(ctx: ArmContext, req: Request, scope: str) -> Reply:
    """`$filter`: `atScope()` (at or above), `principalId eq '…'` / `assignedTo('…')` (above and below)."""
    scope = resolve_scope(ctx, scope)
    ctx.require(RA_READ, scope)
    at_scope, principal = False, None
    for clause in _clauses(req.query.get("$filter", "")):
        p = re.fullmatch(
            r"(?:principalId\s+eq\s+'(?P<a>[^']*)'|assignedTo\('(?P<b>[^']*)'\))", clause, re.IGNORECASE
        )
        if clause.replace(" ", "").lower() == "atscope()":
            at_scope = True
        elif p:
            principal = (p["a"] or p["b"]).lower()
        else:
            raise arm_bad_request(f"The filter '{clause}' is not supported.", code="UnsupportedQuery")
    found = []
    for a in ctx.world.role_assignments.values():
        above = scope_covers(a.scope, scope)
        if not (above or (not at_scope and scope_covers(scope, a.scope))):
            continue
        if principal and a.principal_id != principal:
            continue
        found.append(assignment_json(ctx.world, a))
    return Reply(200, {"value": found})


def get_assignment(ctx: ArmContext, scope: str, name: str) -> Reply:
    scope = resolve_scope(ctx, scope)
    ctx.require(RA_READ, scope)
    assignment = ctx.world.role_assignments.get(name.lower())
    if assignment is None or assignment.scope.lower() != scope.lower():
        raise arm_error(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
    return Reply(200, assignment_json(ctx.world, assignment))


def put_assignment(ctx: ArmContext, req: Request, scope: str, name: str) -> Reply:
    scope = resolve_scope(ctx, scope)
    ctx.require(RA_WRITE, scope)
    if not is_guid(name):
        raise arm_error(
            400,
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        )
    props = _assignment_properties(req)
    role = find_role(props["roleDefinitionId"]) if is_guid(_last(props["roleDefinitionId"])) else None
    if role is None:
        raise arm_error(
            400,
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{_last(props['roleDefinitionId'])}' does not exist.",
        )
    principal_id = props["principalId"].lower()
    principal_type = _principal_type(ctx, principal_id, props.get("principalType"))
    existing = ctx.world.role_assignments.get(name.lower())
    if existing is not None:
        return _update_assignment(ctx, existing, scope, role, principal_id, props)
    for other in ctx.world.role_assignments.values():
        if (
            other.principal_id == principal_id
            and other.role_definition_id == role.guid
            and other.scope.lower() == scope.lower()
        ):
            raise arm_error(
                409,
                "RoleAssignmentExists",
                "The role assignment already exists. The ID of the existing role assignment is "
                f"{other.name.replace('-', '')}.",
            )
    now = ctx.world.now()
    assignment = RoleAssignment(
        name=name.lower(),
        scope=scope,
        role_definition_id=role.guid,
        principal_id=principal_id,
        principal_type=principal_type,
        created_on=now,
        updated_on=now,
        created_by=ctx.caller.object_id,
        description=props.get("description") or "",
        condition=props.get("condition"),
        condition_version=props.get("conditionVersion"),
    )
    ctx.world.role_assignments[assignment.name] = assignment
    ctx.world.changed()
    return Reply(201, assignment_json(ctx.world, assignment))


def _update_assignment(
    ctx: ArmContext,
    existing: RoleAssignment,
    scope: str,
    role: RoleDefinition,
    principal_id: str,
    props: dict[str, Any],
) -> Reply:
    """Same name again: only description/condition may change (ARM refuses anything else)."""
    if (
        existing.scope.lower() != scope.lower()
        or existing.principal_id != principal_id
        or existing.role_definition_id != role.guid
    ):
        raise arm_error(
            409,
            "RoleAssignmentUpdateNotPermitted",
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        )
    existing.description = props.get("description") or existing.description
    existing.condition = props.get("condition", existing.condition)
    existing.updated_on = ctx.world.now()
    ctx.world.changed()
    return Reply(200, assignment_json(ctx.world, existing))


def delete_assignment(ctx: ArmContext, scope: str, name: str) -> Reply:
    scope = resolve_scope(ctx, scope)
    ctx.require(RA_DELETE, scope)
    assignment = ctx.world.role_assignments.get(name.lower())
    if assignment is None or assignment.scope.lower() != scope.lower():
        return Reply(204)
    # A lock on the scope (or above it) keeps its role assignments: that is what protects Kore's role.
    locks.refuse_delete(ctx.world, f"{'' if scope == '/' else scope}/providers/Microsoft.Authorization/"
                        f"roleAssignments/{assignment.name}")  # fmt: skip
    body = assignment_json(ctx.world, assignment)
    del ctx.world.role_assignments[assignment.name]
    ctx.world.changed()
    return Reply(200, body)


def _assignment_properties(req: Request) -> dict[str, Any]:
    body = req.json(lambda m: arm_bad_request(m, code="InvalidRequestContent")) or {}
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise arm_bad_request("The request content is missing 'properties'.", code="InvalidRequestContent")
    for required in ("roleDefinitionId", "principalId"):
        if not isinstance(props.get(required), str) or not props[required]:
            raise arm_bad_request(f"The '{required}' property is required.", code="InvalidRequestContent")
    if not is_guid(props["principalId"]):
        raise arm_bad_request(
            f"The principal ID '{props['principalId']}' is not a valid GUID.", code="InvalidPrincipalId"
        )
    return props


def _principal_type(ctx: ArmContext, principal_id: str, given: str | None) -> str:
    principal = ctx.world.principal(principal_id)
    if principal is None or principal.tenant_id != ctx.caller.tenant_id:
        raise arm_error(
            400,
            "PrincipalNotFound",
            f"Principal {principal_id.replace('-', '')} does not exist in the directory {ctx.caller.tenant_id}. "
            "Check that you have the correct principal ID. If you are creating this principal and then "
            "immediately assigning a role, this error might be related to a replication delay. In this case, "
            "set the role assignment principalType property to a value, such as ServicePrincipal, User, or "
            "Group.  See https://aka.ms/docs-principaltype",
        )
    if given and given not in PRINCIPAL_TYPES:
        raise arm_bad_request(f"The principal type '{given}' is not valid.", code="InvalidPrincipalType")
    if given and given != principal.kind:
        raise arm_error(
            400,
            "UnmatchedPrincipalType",
            f"The PrincipalId '{principal_id.replace('-', '')}' has type '{principal.kind}' , which is different "
            f"from specified PrincipalType '{given}'.",
        )
    return principal.kind


# ---- permissions (what the caller may do at a scope) ---------------------------------------------------


def list_permissions(ctx: ArmContext, scope: str) -> Reply:
    scope = resolve_scope(ctx, scope)
    perms = []
    for a in ctx.world.role_assignments.values():
        role = find_role(a.role_definition_id)
        if a.principal_id == ctx.caller.object_id and role and scope_covers(a.scope, scope):
            perms.append(
                {
                    "actions": list(role.actions),
                    "notActions": list(role.not_actions),
                    "dataActions": list(role.data_actions),
                    "notDataActions": list(role.not_data_actions),
                }
            )
    return Reply(200, {"value": perms})


# ---- helpers -------------------------------------------------------------------------------------------


def _clauses(filter_text: str) -> list[str]:
    return [c.strip() for c in re.split(r"\s+and\s+", filter_text.strip(), flags=re.IGNORECASE) if c.strip()]


def _last(identifier: str) -> str:
    return identifier.rstrip("/").rsplit("/", 1)[-1]


def is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(text) in (32, 36)
