"""The sandbox's data: one Azure tenant's worth of directory, subscriptions, resources and keys.

Everything an emulated service reads or changes lives here, as dataclasses that round-trip through JSON
(`persist.py`). Identifiers come from a seeded generator so a scenario produces the same ids every time;
only RSA key material is truly random. Time comes from `World.clock`, which tests replace.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from byok_tui.sandbox.persist import RUNTIME
from byok_tui.sandbox.roles import find_role, normalize_scope

SCHEMA_VERSION = 1
FOREIGN_TENANT_ID = "3f1d6a52-8b0e-4c77-9d21-5e4f0a9c2b18"
"""Fabrikam: another customer's tenant, home of vaults whose names this world cannot use."""
FOREIGN_SUBSCRIPTION_ID = "b7e2c4d9-61a3-4f08-8e5b-2d9c7a13f460"


@dataclass
class Tenant:
    tenant_id: str
    display_name: str
    default_domain: str
    country_code: str = "US"


@dataclass
class Subscription:
    subscription_id: str
    tenant_id: str
    display_name: str
    state: str = "Enabled"


@dataclass
class Principal:
    """A user, group or service principal in a tenant's directory."""

    object_id: str
    display_name: str
    kind: str
    """`User`, `Group` or `ServicePrincipal` (ARM's principalType values)."""
    tenant_id: str
    user_principal_name: str = ""
    app_id: str = ""
    """For service principals, the application (client) id; users sign in through the Azure CLI's app id."""
    ip: str = ""
    """The public IPv4 address this principal's requests come from (what a vault firewall sees)."""
    trusted_service: bool = False
    """A trusted Microsoft service: passes a vault firewall whose bypass is `AzureServices`."""
    directory_roles: list[str] = field(default_factory=list)
    """Entra directory roles held (e.g. `Application Administrator`); Graph checks them before writes."""
    created_on: float = 0.0
    """When the directory object was created (Graph's `createdDateTime`)."""
    account_enabled: bool = True
    job_title: str = ""
    app_roles: list[str] = field(default_factory=list)
    """For service principals: Microsoft Graph application permissions granted by admin consent (Entra keeps
    them as appRoleAssignments on Graph's service principal, e.g. `Application.ReadWrite.All`). They reach
    Graph as the `roles` claim of the principal's app-only tokens."""


@dataclass
class Application:
    """An app registration known to the world (e.g. Kore's multi-tenant app, homed in Kore's tenant).

    The network fields describe where the vendor's service calls from, for every service principal of the
    app: its public egress address, whether Azure treats it as a trusted Microsoft service, and the private
    endpoints (in the vendor's subscription) it can reach vaults through once a vault owner approves them.
    """

    app_id: str
    display_name: str
    publisher_tenant_id: str
    sign_in_audience: str = "AzureADMultipleOrgs"
    egress_ip: str = ""
    """Public IPv4 address the vendor's calls come from ("" = the principal's own `ip`)."""
    trusted_service: bool = False
    """Whether a vault's `bypass: AzureServices` lets this app's principals through (Kore: no, by default)."""
    private_endpoint_ids: list[str] = field(default_factory=list)
    """ARM ids of the vendor's private endpoints (Microsoft.Network/privateEndpoints)."""
    private_ip: str = ""
    """The address a vault sees for calls arriving through one of those private endpoints."""
    publisher_name: str = ""
    password_credentials: list[PasswordCredential] = field(default_factory=list)
    """Client secrets, as Entra keeps them: a hint and a hash, never the value."""
    public_client: bool = False
    """Whether the app may sign users in without a secret (device code); first-party tools such as the
    Azure CLI are public clients without an entry here."""


@dataclass
class PasswordCredential:
    """One client secret of an application (Graph's `passwordCredential`)."""

    key_id: str
    display_name: str
    hint: str
    """The first three characters, which the portal shows."""
    secret_sha256: str
    """Hex SHA-256 of the secret: the world file never holds the value."""
    start: float
    end: float


@dataclass
class RefreshTokenGrant:
    """What a refresh token stands for; the token itself is random and only its hash is kept (the key of
    `World.refresh_tokens`), so a saved world cannot be mined for usable tokens."""

    principal_id: str
    client_id: str
    tenant_id: str
    issued_on: float
    expires_on: float


@dataclass
class RoleAssignment:
    name: str
    scope: str
    role_definition_id: str
    """The role definition GUID."""
    principal_id: str
    principal_type: str
    created_on: float
    updated_on: float
    created_by: str = ""
    description: str = ""
    condition: str | None = None
    condition_version: str | None = None


@dataclass
class ResourceGroup:
    subscription_id: str
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)
    managed_by: str | None = None

    @property
    def id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.name}"


@dataclass
class KeyVersion:
    version: str
    kty: str
    """`RSA` or `RSA-HSM`."""
    key_size: int
    key_ops: list[str]
    enabled: bool
    nbf: int | None
    exp: int | None
    created: int
    updated: int
    tags: dict[str, str] | None
    """None when the key was made without `tags` (the reply then has none); `{}` is echoed as `{}`."""
    private_pem: str
    """PKCS#8 PEM of the sandbox-generated private key; never leaves the data plane in a reply."""
    n: str
    e: str
    """Public modulus and exponent, base64url without padding (as KeyBundle carries them)."""


@dataclass
class Key:
    name: str
    versions: list[KeyVersion]
    deleted_date: int | None = None
    scheduled_purge_date: int | None = None
    rotation_policy: dict[str, Any] | None = None
    """The key's rotation policy as last set (`lifetimeActions`, `attributes`); None: never set."""

    @property
    def latest(self) -> KeyVersion:
        return self.versions[-1]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_date is not None

    def version(self, version: str) -> KeyVersion | None:
        if not version:
            return self.latest
        return next((v for v in self.versions if v.version.lower() == version.lower()), None)


@dataclass
class PrivateEndpointConnection:
    """A private endpoint (in someone's subscription) asking to reach a vault; the vault owner approves it."""

    name: str
    private_endpoint_id: str
    status: str = "Pending"
    """`Pending`, `Approved`, `Rejected` or `Disconnected`."""
    description: str = ""
    actions_required: str = "None"
    provisioning_state: str = "Succeeded"
    etag: str = ""


@dataclass
class Vault:
    name: str
    subscription_id: str
    resource_group: str
    location: str
    tags: dict[str, str]
    properties: dict[str, Any]
    """The ARM `properties` object exactly as GET returns it."""
    system_data: dict[str, Any]
    keys: dict[str, Key] = field(default_factory=dict)
    """Keyed by lower-cased name (Key Vault object names are case-insensitive); includes soft-deleted keys."""
    private_endpoint_connections: list[PrivateEndpointConnection] = field(default_factory=list)
    dns_ready_at: float = 0.0
    """World time from which the vault is `Succeeded` and its host resolves (before: `RegisteringDns`)."""

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.KeyVault/vaults/{self.name}"
        )

    def connection(self, name: str) -> PrivateEndpointConnection | None:
        return next((c for c in self.private_endpoint_connections if c.name.lower() == name.lower()), None)

    @property
    def host(self) -> str:
        return f"{self.name.lower()}.vault.azure.net"

    @property
    def rbac(self) -> bool:
        return bool(self.properties.get("enableRbacAuthorization"))


@dataclass
class DeletedVault:
    vault: Vault
    deletion_date: str
    scheduled_purge_date: str


@dataclass
class ManagementLock:
    """A management lock (Microsoft.Authorization/locks): `CanNotDelete` or `ReadOnly` at a scope."""

    name: str
    scope: str
    """The canonical scope it sits on (subscription, resource group or resource id)."""
    level: str
    notes: str = ""
    created_by: str = ""
    created_on: float = 0.0

    @property
    def id(self) -> str:
        return f"{self.scope}/providers/Microsoft.Authorization/locks/{self.name}"


@dataclass
class MonitorResource:
    """An Azure Monitor or Log Analytics resource (action group, activity-log alert, scheduled query rule,
    diagnostic setting, workspace), kept as ARM returns it: the sandbox checks what Azure refuses and
    stores the rest as sent."""

    id: str
    type: str
    """ARM's type as returned, e.g. `Microsoft.Insights/ActivityLogAlerts`."""
    name: str
    properties: dict[str, Any]
    location: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    kind: str = ""


@dataclass
class KoreApiApp:
    """A JWT app in Kore's admin console whose client id and secret sign public-API calls."""

    client_id: str
    client_secret: str
    name: str = "BYOK setup"
    enforce_jti: bool = False
    """The Admin Console's "Enforce JTI": every token must carry a `jti` not seen before."""
    scopes: list[str] = field(default_factory=lambda: ["Role Management"])
    """API scopes granted in the Admin Console; Get Bots needs Profile Management > Role Management."""


@dataclass
class KoreAccount:
    """The customer's Kore.ai account as the public API shows it: apps that may call it, and the bots.

    Bot records are kept exactly as `GET /api/public/bots` returns them, `jwtApps` secrets included: these
    are the emulator's own invented bots, not anything the wizard produces."""

    host: str = ""
    account_id: str = ""
    api_apps: list[KoreApiApp] = field(default_factory=list)
    bots: list[dict[str, Any]] = field(default_factory=list)

    def api_app(self, client_id: str) -> KoreApiApp | None:
        return next((a for a in self.api_apps if a.client_id == client_id), None)


@dataclass
class Settings:
    rbac_propagation_seconds: float = 0.0
    """How long a new role assignment takes to count on the Key Vault data plane (ARM sees it at once)."""
    kore_rate_limits: bool = False
    """Kore's documented admin-API limits on Get Bots: 60 calls a minute and 1,800 an hour per account."""
    kore_offset: str = "page"
    """How Kore reads `offset`, one of the three ways its docs describe: "page" (a page number), "record" (the
    first record), "skip" (pages to skip, at most 10)."""
    vault_dns_seconds: float = 0.0
    """How long a new vault answers `provisioningState: RegisteringDns` before `Succeeded` (Azure: about 30 s,
    azure-sdk-assets test_cli_mgmt_keyvault recording); its host does not resolve until then."""
    token_lifetime_seconds: int = 3600
    """Lifetime of the access tokens Entra issues (`expires_in`, `exp`); Entra's default is 60-90 minutes."""


def _real_clock() -> float:
    return time.time()


def iso(timestamp: float) -> str:
    """ARM's timestamp format: ISO 8601, UTC, microseconds, with a `Z`."""
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class World:
    seed: str
    operator_id: str
    kore_client_id: str
    schema: int = SCHEMA_VERSION
    id_counter: int = 0
    settings: Settings = field(default_factory=Settings)
    tenants: dict[str, Tenant] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    role_assignments: dict[str, RoleAssignment] = field(default_factory=dict)
    """Keyed by lower-cased assignment name (a GUID, unique in the tenant)."""
    resource_groups: dict[str, ResourceGroup] = field(default_factory=dict)
    """Keyed by `"{subscription}/{lower-cased name}"`."""
    vaults: dict[str, Vault] = field(default_factory=dict)
    """Live vaults keyed by lower-cased name: vault names are global."""
    deleted_vaults: dict[str, DeletedVault] = field(default_factory=dict)
    kore: KoreAccount = field(default_factory=KoreAccount)
    locks: dict[str, ManagementLock] = field(default_factory=dict)
    """Keyed by the lower-cased lock id."""
    monitor: dict[str, MonitorResource] = field(default_factory=dict)
    """Azure Monitor and Log Analytics resources keyed by lower-cased resource id."""
    refresh_tokens: dict[str, RefreshTokenGrant] = field(default_factory=dict)
    """Live refresh tokens keyed by the hex SHA-256 of the token (Entra ID's sign-in state that survives a
    restart of a served sandbox)."""
    clock: Callable[[], float] = field(default=_real_clock, metadata=RUNTIME, repr=False, compare=False)
    """Seconds since the epoch; replace it to move time in tests."""
    rbac_delay_override: float | None = field(default=None, metadata=RUNTIME, compare=False)
    """Set by an `rbac-delay` fault: replaces `settings.rbac_propagation_seconds` without being saved."""
    kore_limits_override: bool | None = field(default=None, metadata=RUNTIME, compare=False)
    """Set by a `kore-limits` fault: replaces `settings.kore_rate_limits` without being saved."""
    vault_dns_override: float | None = field(default=None, metadata=RUNTIME, compare=False)
    """Set by a `vault-dns` fault: replaces `settings.vault_dns_seconds` without being saved."""
    token_lifetime_override: int | None = field(default=None, metadata=RUNTIME, compare=False)
    """Set by a `token-lifetime` fault: replaces `settings.token_lifetime_seconds` without being saved."""
    revision: int = field(default=0, metadata=RUNTIME, compare=False)
    """Bumped by every change, so the sandbox knows when to autosave."""
    requests_served: int = field(default=0, metadata=RUNTIME, compare=False)

    # ---- time and ids -------------------------------------------------------------------------------

    def now(self) -> float:
        return float(self.clock())

    def _draw(self) -> random.Random:
        # One seeded generator per draw: the saved state is just (seed, counter), yet ids never repeat.
        self.id_counter += 1
        return random.Random(f"{self.seed}/{self.id_counter}")

    def new_guid(self) -> str:
        return str(uuid.UUID(int=self._draw().getrandbits(128), version=4))

    def new_hex(self) -> str:
        """A 32-hex-digit identifier, the shape of a Key Vault key version."""
        return f"{self._draw().getrandbits(128):032x}"

    def new_request_id(self) -> str:
        """`x-ms-request-id` values: deterministic per run (stable screenshots), never saved."""
        self.requests_served += 1
        bits = random.Random(f"{self.seed}/request/{self.requests_served}").getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def changed(self) -> None:
        self.revision += 1

    @property
    def rbac_propagation_seconds(self) -> float:
        """How long a new role assignment waits before it counts on the data plane, faults included."""
        if self.rbac_delay_override is not None:
            return self.rbac_delay_override
        return self.settings.rbac_propagation_seconds

    @property
    def kore_rate_limits(self) -> bool:
        """Whether Kore's Get Bots enforces its documented limits, faults included."""
        if self.kore_limits_override is not None:
            return self.kore_limits_override
        return self.settings.kore_rate_limits

    @property
    def vault_dns_seconds(self) -> float:
        """How long a new vault registers its DNS name, faults included."""
        if self.vault_dns_override is not None:
            return self.vault_dns_override
        return self.settings.vault_dns_seconds

    @property
    def token_lifetime(self) -> int:
        """Seconds an access token issued now stays valid, faults included."""
        if self.token_lifetime_override is not None:
            return self.token_lifetime_override
        return self.settings.token_lifetime_seconds

    # ---- lookups ------------------------------------------------------------------------------------

    @property
    def operator(self) -> Principal:
        return self.principals[self.operator_id]

    def principal(self, object_id: str) -> Principal | None:
        return self.principals.get(object_id.lower())

    def resource_group(self, subscription_id: str, name: str) -> ResourceGroup | None:
        return self.resource_groups.get(f"{subscription_id.lower()}/{name.lower()}")

    def vault(self, name: str) -> Vault | None:
        return self.vaults.get(name.lower())

    def vault_by_host(self, host: str) -> Vault | None:
        """The vault whose name resolves to `host`: not while it still registers its DNS name."""
        found = next((v for v in self.vaults.values() if v.host == host.lower()), None)
        if found is not None and found.dns_ready_at and self.now() < found.dns_ready_at:
            return None
        return found

    # ---- changes tests and scenarios make directly -------------------------------------------------

    def add_principal(
        self,
        display_name: str,
        kind: str = "User",
        *,
        ip: str = "198.51.100.20",
        object_id: str | None = None,
        tenant_id: str | None = None,
        upn: str = "",
        app_id: str = "",
        trusted_service: bool = False,
        directory_roles: list[str] | None = None,
    ) -> Principal:
        """Add a directory object; users get a UPN in the tenant's default domain unless one is given."""
        tenant_id = tenant_id or next(iter(self.tenants))
        if kind == "User" and not upn:
            domain = self.tenants[tenant_id].default_domain
            upn = display_name.lower().replace(" ", ".") + "@" + domain
        principal = Principal(
            object_id=(object_id or self.new_guid()).lower(),
            display_name=display_name,
            kind=kind,
            tenant_id=tenant_id,
            user_principal_name=upn,
            app_id=app_id,
            ip=ip,
            trusted_service=trusted_service,
            directory_roles=list(directory_roles or []),
            created_on=self.now(),
        )
        self.principals[principal.object_id] = principal
        self.changed()
        return principal

    def service_principal_for(self, app_id: str, tenant_id: str | None = None) -> Principal | None:
        """The service principal of `app_id` in `tenant_id` (default: the operator's tenant), if any."""
        tenant_id = (tenant_id or self.operator.tenant_id).lower()
        return next(
            (
                p
                for p in self.principals.values()
                if p.kind == "ServicePrincipal"
                and p.app_id.lower() == app_id.lower()
                and p.tenant_id.lower() == tenant_id
            ),
            None,
        )

    def can_have_service_principal(self, app_id: str, tenant_id: str) -> bool:
        """Graph creates a service principal only for an application it can find: a multi-tenant app of any
        tenant, or a single-tenant app registered in this one."""
        app = self.applications.get(app_id.lower())
        if app is None:
            return False
        return app.sign_in_audience != "AzureADMyOrg" or app.publisher_tenant_id.lower() == tenant_id.lower()

    def create_service_principal(self, app_id: str, tenant_id: str | None = None) -> Principal:
        """A new service principal for an application (what Graph's POST and admin consent both do)."""
        tenant_id = (tenant_id or self.operator.tenant_id).lower()
        if not self.can_have_service_principal(app_id, tenant_id):
            raise ValueError(f"no multi-tenant application {app_id!r} in the sandbox world")
        if self.service_principal_for(app_id, tenant_id) is not None:
            raise ValueError(f"application {app_id!r} already has a service principal in {tenant_id}")
        app = self.applications[app_id.lower()]
        return self.add_principal(
            app.display_name,
            "ServicePrincipal",
            ip=app.egress_ip or "198.51.100.20",
            tenant_id=tenant_id,
            app_id=app.app_id,
        )

    def grant_admin_consent(self, app_id: str, tenant_id: str | None = None) -> Principal:
        """As if a Global Administrator had opened the admin-consent URL and accepted: the application gets
        its service principal in the tenant (an existing one is returned unchanged)."""
        existing = self.service_principal_for(app_id, tenant_id)
        return existing or self.create_service_principal(app_id, tenant_id)

    def request_private_endpoint_connection(
        self, vault_name: str, app_id: str | None = None, *, description: str = ""
    ) -> PrivateEndpointConnection:
        """As if the vendor had created its private endpoint against the vault: a `Pending` connection appears
        on the vault for its owner to approve. A rejected or disconnected one is replaced (the vendor deletes
        and recreates its endpoint); a pending or approved one is returned as it is."""
        vault = self.vault(vault_name)
        if vault is None:
            raise ValueError(f"no live vault {vault_name!r} in the sandbox world")
        app = self.applications.get((app_id or self.kore_client_id).lower())
        if app is None or not app.private_endpoint_ids:
            raise ValueError(f"application {app_id or self.kore_client_id!r} has no private endpoint")
        endpoint = app.private_endpoint_ids[0]
        for existing in list(vault.private_endpoint_connections):
            if existing.private_endpoint_id.lower() != endpoint.lower():
                continue
            if existing.status in ("Pending", "Approved"):
                return existing
            vault.private_endpoint_connections.remove(existing)
        connection = PrivateEndpointConnection(
            name=f"{endpoint.rsplit('/', 1)[-1]}.{self.new_guid()}",
            private_endpoint_id=endpoint,
            description=description or f"{app.display_name} requests access to this vault over Private Link.",
            etag=f'"{self.new_guid()}"',
        )
        vault.private_endpoint_connections.append(connection)
        self.changed()
        return connection

    def add_foreign_vault(self, name: str, *, location: str = "eastus") -> Vault:
        """A vault that holds `name` in someone else's tenant: invisible to this world's principals, but its
        name is taken (`VaultAlreadyExists`, `checkNameAvailability` says AlreadyExists)."""
        from byok_tui.sandbox.vault_properties import defaults  # vault rules import the world's types

        tenant = self.tenants.setdefault(
            FOREIGN_TENANT_ID, Tenant(FOREIGN_TENANT_ID, "Fabrikam", "fabrikam.onmicrosoft.com")
        )
        sub = self.subscriptions.setdefault(
            FOREIGN_SUBSCRIPTION_ID,
            Subscription(FOREIGN_SUBSCRIPTION_ID, tenant.tenant_id, "Fabrikam Shared"),
        )
        group = ResourceGroup(sub.subscription_id, "rg-fabrikam", location)
        self.resource_groups.setdefault(f"{sub.subscription_id}/rg-fabrikam", group)
        stamp = iso(self.now())
        who = {"createdBy": "admin@fabrikam.onmicrosoft.com", "createdByType": "User", "createdAt": stamp}
        vault = Vault(
            name=name,
            subscription_id=sub.subscription_id,
            resource_group=group.name,
            location=location,
            tags={},
            properties=defaults(name, tenant.tenant_id, api_version="2026-05-15"),
            system_data={
                **who,
                "lastModifiedBy": who["createdBy"],
                "lastModifiedByType": "User",
                "lastModifiedAt": stamp,
            },
        )
        self.vaults[name.lower()] = vault
        self.changed()
        return vault

    def assign_role(
        self,
        principal_id: str,
        role: str,
        scope: str,
        *,
        name: str | None = None,
        created_on: float | None = None,
    ) -> RoleAssignment:
        """Assign a built-in role (by name or GUID) as if it had been done through ARM."""
        definition = find_role(role)
        if definition is None:
            raise ValueError(f"unknown role {role!r}")
        principal = self.principal(principal_id)
        if principal is None:
            raise ValueError(f"unknown principal {principal_id!r}")
        when = self.now() if created_on is None else created_on
        assignment = RoleAssignment(
            name=(name or self.new_guid()).lower(),
            scope=normalize_scope(scope),
            role_definition_id=definition.guid,
            principal_id=principal.object_id,
            principal_type=principal.kind,
            created_on=when,
            updated_on=when,
            created_by=self.operator_id,
        )
        self.role_assignments[assignment.name] = assignment
        self.changed()
        return assignment
