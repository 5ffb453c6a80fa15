"""Built-in Azure role definitions and the evaluator that decides what a principal may do.

GUIDs, actions and data actions are those of the public built-in roles (Microsoft Learn, "Azure built-in
roles"), trimmed to the namespaces the wizard touches. The same evaluator serves ARM (actions) and the Key
Vault data plane (data actions), so a role means the same thing on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class RoleDefinition:
    guid: str
    name: str
    description: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = field(default=())


_KV_MGMT_READ = (
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/operations/read",
)

BUILT_IN_ROLES: tuple[RoleDefinition, ...] = (
    RoleDefinition(
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "Owner",
        "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        actions=("*",),
    ),
    RoleDefinition(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, "
        "manage assignments in Azure Blueprints, or share image galleries.",
        actions=("*",),
        not_actions=(
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ),
    ),
    RoleDefinition(
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "Reader",
        "View all resources, but does not allow you to make any changes.",
        actions=("*/read",),
    ),
    RoleDefinition(
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
        "Lets you manage user access to Azure resources.",
        actions=("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
    ),
    RoleDefinition(
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        "Key Vault Administrator",
        "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, "
        "and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults "
        "that use the 'Azure role-based access control' permission model.",
        actions=_KV_MGMT_READ,
        data_actions=("Microsoft.KeyVault/vaults/*",),
    ),
    RoleDefinition(
        "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
        "Key Vault Crypto Officer",
        "Perform any action on the keys of a key vault, except manage permissions. Only works for key vaults "
        "that use the 'Azure role-based access control' permission model.",
        actions=_KV_MGMT_READ,
        data_actions=("Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*"),
    ),
    RoleDefinition(
        "12338af0-0e69-4776-bea7-57ae8d297424",
        "Key Vault Crypto User",
        "Perform cryptographic operations using keys. Only works for key vaults that use the 'Azure role-based "
        "access control' permission model.",
        data_actions=(
            "Microsoft.KeyVault/vaults/keys/read",
            "Microsoft.KeyVault/vaults/keys/update/action",
            "Microsoft.KeyVault/vaults/keys/backup/action",
            "Microsoft.KeyVault/vaults/keys/encrypt/action",
            "Microsoft.KeyVault/vaults/keys/decrypt/action",
            "Microsoft.KeyVault/vaults/keys/wrap/action",
            "Microsoft.KeyVault/vaults/keys/unwrap/action",
            "Microsoft.KeyVault/vaults/keys/sign/action",
            "Microsoft.KeyVault/vaults/keys/verify/action",
        ),
    ),
    RoleDefinition(
        "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        "Key Vault Crypto Service Encryption User",
        "Read metadata of keys and perform wrap/unwrap operations. Only works for key vaults that use the "
        "'Azure role-based access control' permission model.",
        actions=(
            "Microsoft.EventGrid/eventSubscriptions/write",
            "Microsoft.EventGrid/eventSubscriptions/read",
            "Microsoft.EventGrid/eventSubscriptions/delete",
        ),
        data_actions=(
            "Microsoft.KeyVault/vaults/keys/read",
            "Microsoft.KeyVault/vaults/keys/wrap/action",
            "Microsoft.KeyVault/vaults/keys/unwrap/action",
        ),
    ),
    RoleDefinition(
        "21090545-7ca7-4776-b22c-e363652d74d2",
        "Key Vault Reader",
        "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such "
        "as secret contents or key material. Only works for key vaults that use the 'Azure role-based access "
        "control' permission model.",
        actions=_KV_MGMT_READ,
        data_actions=(
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ),
    ),
    RoleDefinition(
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to "
        "manage access using other ways, such as Azure Policy.",
        actions=(
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ),
    ),
    RoleDefinition(
        "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
        "Monitoring Contributor",
        "Can read all monitoring data and update monitoring settings.",
        actions=(
            "*/read",
            "Microsoft.AlertsManagement/alerts/*",
            "Microsoft.Insights/actiongroups/*",
            "Microsoft.Insights/activityLogAlerts/*",
            "Microsoft.Insights/AlertRules/*",
            "Microsoft.Insights/DiagnosticSettings/*",
            "Microsoft.Insights/scheduledqueryrules/*",
            "Microsoft.OperationalInsights/workspaces/write",
            "Microsoft.OperationalInsights/workspaces/search/action",
            "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
            "Microsoft.Support/*",
        ),
    ),
    RoleDefinition(
        "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
        "Monitoring Reader",
        "Can read all monitoring data (metrics, logs, etc.).",
        actions=("*/read", "Microsoft.OperationalInsights/workspaces/search/action", "Microsoft.Support/*"),
    ),
    RoleDefinition(
        "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
        "Log Analytics Contributor",
        "Log Analytics Contributor can read all monitoring data and edit monitoring settings.",
        actions=(
            "*/read",
            "Microsoft.Insights/diagnosticSettings/*",
            "Microsoft.OperationalInsights/*",
            "Microsoft.OperationsManagement/*",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourcegroups/deployments/*",
            "Microsoft.Support/*",
        ),
    ),
)

_BY_GUID = {r.guid: r for r in BUILT_IN_ROLES}


def find_role(name_or_guid: str) -> RoleDefinition | None:
    """By GUID, by any id ending in the GUID, or by role name (case-insensitive)."""
    key = name_or_guid.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    if key in _BY_GUID:
        return _BY_GUID[key]
    wanted = name_or_guid.strip().lower()
    return next((r for r in BUILT_IN_ROLES if r.name.lower() == wanted), None)


@lru_cache(maxsize=512)
def _pattern(wildcard: str) -> re.Pattern[str]:
    # Azure action strings are case-insensitive and `*` spans path separators (`*/read`, `Microsoft.KeyVault/*`).
    return re.compile(".*".join(re.escape(part) for part in wildcard.split("*")), re.IGNORECASE)


def _matches_any(action: str, wildcards: Iterable[str]) -> bool:
    return any(_pattern(w).fullmatch(action) for w in wildcards)


def role_grants(role: RoleDefinition, action: str, *, data: bool) -> bool:
    allow, deny = (role.data_actions, role.not_data_actions) if data else (role.actions, role.not_actions)
    return _matches_any(action, allow) and not _matches_any(action, deny)


def normalize_scope(scope: str) -> str:
    scope = "/" + scope.strip().strip("/")
    return scope


def scope_covers(assigned: str, target: str) -> bool:
    """An assignment applies at its scope and everything below it (case-insensitive, segment-wise)."""
    a, t = normalize_scope(assigned).lower(), normalize_scope(target).lower()
    return a == "/" or t == a or t.startswith(a + "/")
