"""Plain facts about Azure resources, as the adapters report them.

Neutral on purpose: adapters (below the engine) return these, the engine reasons about them, and
screens render them, so none of those layers has to see an SDK model.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceGroupInfo:
    name: str
    location: str
    id: str = ""


@dataclass(frozen=True)
class SubscriptionInfo:
    subscription_id: str
    tenant_id: str
    display_name: str
    state: str


@dataclass(frozen=True)
class VaultInfo:
    name: str
    id: str
    """ARM resource id."""
    location: str
    resource_group: str
    uri: str
    """Data-plane URI as Azure reports it (https://name.vault.azure.net/)."""
    sku: str
    """"standard" or "premium"."""
    tenant_id: str
    soft_delete: bool
    purge_protection: bool
    rbac_authorization: bool
    """True: the data plane uses Azure RBAC; False: access policies."""
    public_network_access: str = "Enabled"
    default_action: str = "Allow"
    """Firewall default action: "Allow" or "Deny"."""
    ip_rules: tuple[str, ...] = ()
    bypass: str = ""
    """Who passes the firewall besides its rules: "AzureServices" or "None"; "" when Azure did not say."""
    access_policy_object_ids: tuple[str, ...] = ()
    request_id: str = ""
    provisioning_state: str = "Succeeded"
    """Azure's `provisioningState`: `RegisteringDns` for about half a minute after creation."""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    kid: str
    """Full identifier with version."""
    kty: str
    """"RSA" or "RSA-HSM" (other types are reported but not usable for BYOK)."""
    size: int | None
    """Modulus size in bits, from the public key; None for non-RSA keys."""
    enabled: bool
    key_ops: tuple[str, ...]
    expires_on: str = ""
    """ISO-8601 UTC expiry, "" when the key never expires."""
    not_before: str = ""
    """ISO-8601 UTC activation time, "" when active from creation."""
    recovery_level: str = ""
    request_id: str = ""

    @property
    def version(self) -> str:
        return self.kid.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class NameCheck:
    available: bool
    reason: str = ""
    """"AlreadyExists", "AccountNameInvalid" or "" when available."""
    message: str = ""


@dataclass(frozen=True)
class RoleAssignmentInfo:
    id: str
    scope: str
    role_definition_id: str
    principal_id: str
    principal_type: str = ""

    @property
    def role_guid(self) -> str:
        return self.role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


@dataclass(frozen=True)
class ServicePrincipalInfo:
    object_id: str
    """The principal's object id in this tenant: what role assignments and access policies name."""
    app_id: str
    display_name: str
    enabled: bool
    owner_tenant_id: str = ""
    """The tenant that owns the application (Kore's), when Graph reports it."""
    request_id: str = ""


@dataclass(frozen=True)
class OrganizationInfo:
    tenant_id: str
    display_name: str
    default_domain: str = ""


@dataclass(frozen=True)
class EndpointConnectionInfo:
    """A private-endpoint connection on a vault (someone's private endpoint asking to reach it)."""

    name: str
    id: str
    status: str
    """"Pending", "Approved", "Rejected" or "Disconnected"."""
    private_endpoint_id: str
    """Resource id of the private endpoint, in the requester's subscription."""
    description: str = ""
    etag: str = ""


@dataclass(frozen=True)
class LockInfo:
    """A management lock (Microsoft.Authorization/locks) at a scope."""

    id: str
    name: str
    level: str
    """"CanNotDelete" or "ReadOnly"."""
    scope: str
    """The resource the lock sits on (its id without /providers/Microsoft.Authorization/locks/NAME)."""
    notes: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class ActionGroupInfo:
    """An Azure Monitor action group: who is told when an alert fires."""

    id: str
    name: str
    enabled: bool
    emails: tuple[str, ...]
    short_name: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class AlertRuleInfo:
    """An activity-log alert or a log (scheduled query) alert, as far as the wizard reasons about it."""

    id: str
    name: str
    kind: str
    """"activity" or "log"."""
    enabled: bool
    scopes: tuple[str, ...]
    action_group_ids: tuple[str, ...]
    operations: tuple[str, ...] = ()
    """Activity-log alerts: the operationName values the condition matches."""
    query: str = ""
    """Log alerts: the KQL query."""
    request_id: str = ""


@dataclass(frozen=True)
class WorkspaceInfo:
    """A Log Analytics workspace."""

    id: str
    name: str
    location: str
    customer_id: str = ""
    retention_days: int | None = None
    sku: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class DiagnosticSettingInfo:
    """A diagnostic setting on a resource: which log categories go to which workspace."""

    id: str
    name: str
    workspace_id: str
    categories: tuple[str, ...]
    """Log categories (or category groups) enabled."""
    request_id: str = ""
