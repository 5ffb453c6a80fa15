"""Role definitions and assignments (azure-mgmt-authorization)."""

from __future__ import annotations

import fnmatch
import uuid
from typing import Any

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.connection import Connection
from byok_tui.models import RoleAssignmentInfo

# Built-in role GUIDs are the same in every tenant and cloud.
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
KEY_VAULT_CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ROLE_NAMES = {
    KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER: "Key Vault Crypto Service Encryption User",
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    KEY_VAULT_CRYPTO_USER: "Key Vault Crypto User",
    KEY_VAULT_CRYPTO_OFFICER: "Key Vault Crypto Officer",
    KEY_VAULT_ADMINISTRATOR: "Key Vault Administrator",
}

# Assignment names are GUIDs the caller picks. Deriving them from (scope, role, principal) makes a
# retried or resumed assignment hit the same name instead of creating a second one.
_NAMESPACE = uuid.UUID("5f0c3c1e-6d0b-4a59-9a57-0a6f2b1b7e11")


def role_definition_id(subscription_id: str, role_guid: str) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"


def assignment_name(scope: str, role_guid: str, principal_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{role_guid.lower()}|{principal_id.lower()}"))


def _assignment(a: Any) -> RoleAssignmentInfo:
    return RoleAssignmentInfo(
        id=a.id,
        scope=a.scope or "",
        role_definition_id=a.role_definition_id,
        principal_id=a.principal_id,
        principal_type=text(a.principal_type),
    )


async def list_assignments(
    conn: Connection, subscription_id: str, scope: str, principal_id: str
) -> list[RoleAssignmentInfo]:
    """Assignments of `principal_id` that apply at `scope`: at it, above it (inherited), or below it."""
    with azure_errors("list role assignments"):
        async with clients.authorization(conn, subscription_id) as client:
            return await _list_at(client, scope, principal_id)


def applies_to(assignment_scope: str, scope: str) -> bool:
    """True when an assignment at `assignment_scope` is inherited by `scope` (or is at it)."""
    a, s = assignment_scope.rstrip("/").lower(), scope.rstrip("/").lower()
    return a in ("", "/") or s == a or s.startswith(a + "/")


async def data_actions(conn: Connection, subscription_id: str, role_definition_id: str) -> tuple[list, list]:
    """(dataActions, notDataActions) of a role definition, across its permission blocks."""
    with azure_errors("read a role definition"):
        async with clients.authorization(conn, subscription_id) as client:
            definition = await client.role_definitions.get_by_id(role_definition_id)
    allowed: list[str] = []
    denied: list[str] = []
    for perm in definition.permissions or []:
        allowed += perm.data_actions or []
        denied += perm.not_data_actions or []
    return allowed, denied


def grants(data_action: str, allowed: list[str], denied: list[str]) -> bool:
    """Does a role's data-action list allow `data_action`? Wildcards as Azure evaluates them."""
    action = data_action.lower()

    def match(patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(action, p.lower()) for p in patterns)

    return match(allowed) and not match(denied)


async def has_data_action(
    conn: Connection, subscription_id: str, scope: str, principal_id: str, data_action: str
) -> RoleAssignmentInfo | None:
    """The assignment that gives `principal_id` `data_action` at `scope`, if any does."""
    for assignment in await list_assignments(conn, subscription_id, scope, principal_id):
        if not applies_to(assignment.scope, scope):
            continue
        allowed, denied = await data_actions(conn, subscription_id, assignment.role_definition_id)
        if grants(data_action, allowed, denied):
            return assignment
    return None


async def assign_role(
    conn: Connection,
    subscription_id: str,
    scope: str,
    role_guid: str,
    principal_id: str,
    *,
    principal_type: str = "",
    evidence: Evidence | None = None,
) -> tuple[RoleAssignmentInfo, bool]:
    """Ensure the assignment exists. Returns (assignment, created); an existing one is adopted."""
    from azure.core.exceptions import ResourceExistsError

    evidence = evidence or Evidence()
    name = assignment_name(scope, role_guid, principal_id)
    properties: dict[str, Any] = {
        "roleDefinitionId": role_definition_id(subscription_id, role_guid),
        "principalId": principal_id,
    }
    if principal_type:
        # Lets ARM accept a principal that Entra has not replicated yet (avoids PrincipalNotFound).
        properties["principalType"] = principal_type
    role = ROLE_NAMES.get(role_guid, role_guid)
    with azure_errors(f"assign {role}"):
        async with clients.authorization(conn, subscription_id) as client:
            existing = _same_role(await _list_at(client, scope, principal_id), role_guid, scope)
            if existing:
                return existing, False
            try:
                created = await client.role_assignments.create(
                    scope, name, {"properties": properties}, **evidence.kwargs()
                )
            except ResourceExistsError as exc:
                # Someone assigned it between our read and our write: adopt theirs.
                existing = _same_role(await _list_at(client, scope, principal_id), role_guid, scope)
                if getattr(exc.error, "code", "") != "RoleAssignmentExists" or existing is None:
                    raise
                return existing, False
    evidence.stop()
    return _assignment(created), True


def _same_role(
    assignments: list[RoleAssignmentInfo], role_guid: str, scope: str
) -> RoleAssignmentInfo | None:
    return next(
        (a for a in assignments if a.role_guid == role_guid.lower() and applies_to(a.scope, scope)), None
    )


async def _list_at(client: Any, scope: str, principal_id: str) -> list[RoleAssignmentInfo]:
    return [
        _assignment(a)
        async for a in client.role_assignments.list_for_scope(
            scope, filter=f"principalId eq '{principal_id}'"
        )
    ]


async def role_actions(conn: Connection, subscription_id: str, role_definition_id: str) -> tuple[list, list]:
    """(actions, notActions) of a role definition, across its permission blocks (control plane)."""
    with azure_errors("read a role definition"):
        async with clients.authorization(conn, subscription_id) as client:
            definition = await client.role_definitions.get_by_id(role_definition_id)
    allowed: list[str] = []
    denied: list[str] = []
    for perm in definition.permissions or []:
        allowed += perm.actions or []
        denied += perm.not_actions or []
    return allowed, denied


async def assigned_to(
    conn: Connection, subscription_id: str, scope: str, principal_id: str, *, evidence: Evidence | None = None
) -> list[RoleAssignmentInfo]:
    """Assignments that apply to `principal_id` around `scope`, including those it holds through groups
    (`$filter=assignedTo('…')`), at, above or below the scope."""
    evidence = evidence or Evidence()
    with azure_errors("list your role assignments"):
        async with clients.authorization(conn, subscription_id) as client:
            found = [
                _assignment(a)
                async for a in client.role_assignments.list_for_scope(
                    scope, filter=f"assignedTo('{principal_id}')", **evidence.kwargs()
                )
            ]
    evidence.stop()
    return found


async def has_action(
    conn: Connection,
    subscription_id: str,
    scope: str,
    principal_id: str,
    action: str,
    *,
    evidence: Evidence | None = None,
) -> RoleAssignmentInfo | None:
    """The assignment that gives `principal_id` the control-plane `action` at `scope` (e.g.
    `Microsoft.Authorization/roleAssignments/write`), if any does. Wildcards as Azure evaluates them;
    deny assignments and conditions are not considered. `evidence` gets the listing's request id."""
    seen: dict[str, tuple[list, list]] = {}
    for assignment in await assigned_to(conn, subscription_id, scope, principal_id, evidence=evidence):
        if not applies_to(assignment.scope, scope):
            continue
        key = assignment.role_definition_id.lower()
        if key not in seen:
            seen[key] = await role_actions(conn, subscription_id, assignment.role_definition_id)
        if grants(action, *seen[key]):
            return assignment
    return None
