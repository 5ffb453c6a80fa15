"""Key Vault's data plane front door: challenge auth, network rules, RBAC or access policies (azure-wire §3).

Order matters and follows the service: authenticate first (a request without a token gets the 401 challenge
before its body is even looked at, because the SDK's first request is bodiless), then the api-version, the
network rules (public access, firewall), then the route and its permission, and only then the operation.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from byok_tui.sandbox import keys
from byok_tui.sandbox.authorization import granting_assignments
from byok_tui.sandbox.errors import ApiError, kv_error
from byok_tui.sandbox.router import Reply, Request, match
from byok_tui.sandbox.tokens import TokenError, TokenIssuer, bearer, caller_label
from byok_tui.sandbox.vault_properties import KEY_PERMISSIONS
from byok_tui.sandbox.world import Principal, Vault, World

VAULT_SUFFIX = ".vault.azure.net"
VAULT_RESOURCE = "https://vault.azure.net"
API_VERSIONS = ("2025-07-01", "7.6", "7.5", "7.4", "7.3", "7.2", "7.1", "7.0", "2016-10-01")
SERVICE_VERSION = "1.9.2482.1"


@dataclass
class KvContext:
    world: World
    vault: Vault
    caller: Principal
    claims: dict[str, Any]
    request: Request

    @property
    def base(self) -> str:
        return f"https://{self.vault.host}"


class UnknownVaultHost(Exception):
    """No live vault answers at this host; the transport turns it into a DNS-style failure."""


class KeyVaultService:
    def __init__(self, world: World, issuer: TokenIssuer):
        self.world = world
        self.issuer = issuer

    @staticmethod
    def serves(host: str) -> bool:
        return host.endswith(VAULT_SUFFIX)

    def handle(self, request: Request) -> Reply:
        vault = self.world.vault_by_host(request.host)
        if vault is None:
            raise UnknownVaultHost(request.host)
        caller: Principal | None = None
        granted_by = ""
        address = ""
        try:
            caller, claims = self._authenticate(vault, request)
            _check_api_version(request)
            address = _check_network(self.world, vault, caller, claims)
            found = match(keys.ROUTES, request)
            if found is None:
                raise kv_error(
                    404, "NotFound", f"The sandbox does not emulate '{request.method} {request.path}'."
                )
            operation: keys.Operation = found.handler
            granted_by = _authorize(self.world, vault, caller, claims, operation, request)
            reply = operation.run(KvContext(self.world, vault, caller, claims, request), request)
        except ApiError as err:
            reply = Reply(err.status, err.body, dict(err.headers))
        # Before the token is read the caller is unknown; the one asking is the machine running the wizard,
        # whose address is the operator's (Key Vault names the caller's address on the 401 challenge too).
        ip = address or (caller.ip if caller else self.world.operator.ip)
        return _stamp(self.world, vault, ip, reply, granted_by, request)

    def fault_reply(self, kind: str, request: Request) -> Reply:
        """Key Vault's 429 carries no Retry-After (observed, see docs/sandbox.md); its 503 neither."""
        vault = self.world.vault_by_host(request.host)
        if vault is None:
            raise UnknownVaultHost(request.host)
        if kind == "throttle":
            err = kv_error(
                429,
                "Throttled",
                "Request was not processed because too many requests were received. Reason: "
                "VaultRequestTypeLimitReached",
            )
        else:
            err = kv_error(
                503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later."
            )
        reply = Reply(err.status, err.body, dict(err.headers))
        return _stamp(self.world, vault, self.world.operator.ip, reply, "", request)

    # ---- authentication ---------------------------------------------------------------------------

    def _authenticate(self, vault: Vault, request: Request) -> tuple[Principal, dict[str, Any]]:
        tenant = vault.properties["tenantId"]
        token = bearer(request.header("authorization"))
        if token is None:
            raise _challenge(tenant, "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.")
        try:
            claims = self.issuer.verify(token, audience=VAULT_RESOURCE, now=self.world.now())
        except TokenError as err:
            if err.kind == "audience":
                raise _challenge(
                    tenant,
                    f"AKV10022: Invalid audience. Expected {VAULT_RESOURCE}, found: "
                    f"{err.claims.get('aud', '')}.",
                ) from err
            raise _challenge(tenant, "The access token is invalid or expired.") from err
        if str(claims.get("tid", "")).lower() != tenant.lower():
            raise _challenge(
                tenant,
                f"AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, "
                f"https://login.microsoftonline.com/{tenant}/v2.0, found "
                f"{claims.get('iss', '')}.",
            )
        principal = self.world.principal(str(claims.get("oid", "")))
        if principal is None:
            raise _challenge(tenant, "The access token is invalid: its principal no longer exists.")
        return principal, claims


def _challenge(tenant_id: str, message: str) -> ApiError:
    header = (
        f'Bearer authorization="https://login.microsoftonline.com/{tenant_id}", resource="{VAULT_RESOURCE}"'
    )
    return kv_error(401, "Unauthorized", message, headers={"WWW-Authenticate": header})


def _check_api_version(request: Request) -> None:
    version = request.query.get("api-version", "")
    if not version:
        raise kv_error(400, "BadParameter", "The 'api-version' query parameter is missing.")
    if version not in API_VERSIONS:
        raise kv_error(
            400,
            "BadParameter",
            f"The specified version ({version}) is not recognized. Consider using the latest supported "
            f"version ({API_VERSIONS[0]}).",
        )


# ---- network rules -------------------------------------------------------------------------------------


def network_path(world: World, vault: Vault, caller: Principal) -> tuple[str, str]:
    """How the caller's request reaches the vault: `("private", address)` through an approved private endpoint
    of the caller's application (its vendor's), else `("public", caller ip)`."""
    app = world.applications.get(caller.app_id.lower()) if caller.kind == "ServicePrincipal" else None
    if app is not None:
        endpoints = {e.lower() for e in app.private_endpoint_ids}
        for connection in vault.private_endpoint_connections:
            if connection.status == "Approved" and connection.private_endpoint_id.lower() in endpoints:
                return "private", app.private_ip or "10.0.0.4"
    return "public", caller.ip


def is_trusted_service(world: World, caller: Principal) -> bool:
    app = world.applications.get(caller.app_id.lower()) if caller.kind == "ServicePrincipal" else None
    return caller.trusted_service or bool(app and app.trusted_service)


def _check_network(world: World, vault: Vault, caller: Principal, claims: dict[str, Any]) -> str:
    """The address the vault sees; 403 when public access or the firewall keeps the caller out. A request
    through an approved private endpoint is subject to neither."""
    path, address = network_path(world, vault, caller)
    if path == "private":
        return address
    props = vault.properties
    acls = props.get("networkAcls") or {}
    trusted = is_trusted_service(world, caller) and acls.get("bypass", "AzureServices") == "AzureServices"
    where = f"Vault: {vault.name};location={vault.location}"
    if props.get("publicNetworkAccess") == "Disabled" and not trusted:
        raise kv_error(
            403,
            "Forbidden",
            "Public network access is disabled and request is not from a trusted service nor via an "
            f"approved private link.\r\nCaller: {caller_label(claims)}\r\n{where}",
            "ForbiddenByConnection",
        )
    if (
        acls.get("defaultAction") == "Deny"
        and not trusted
        and not ip_allowed(caller.ip, acls.get("ipRules") or [])
    ):
        raise kv_error(
            403,
            "Forbidden",
            "Client address is not authorized and caller is not a trusted service.\r\n"
            f"Client address: {caller.ip}\r\nCaller: {caller_label(claims)}\r\n{where}",
            "ForbiddenByFirewall",
        )
    return address


def ip_allowed(ip: str, rules: list[dict[str, str]]) -> bool:
    try:
        address = ipaddress.IPv4Address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.IPv4Network(r["value"], strict=False) for r in rules)


# ---- authorization -------------------------------------------------------------------------------------


def _authorize(
    world: World,
    vault: Vault,
    caller: Principal,
    claims: dict[str, Any],
    operation: keys.Operation,
    request: Request,
) -> str:
    """The granting role assignment's name on RBAC vaults ("" on access-policy vaults); 403 if none."""
    if vault.rbac:
        scope = vault.id + (f"/keys/{request.params['name']}" if "name" in request.params else "")
        granted = next(
            granting_assignments(world, caller.object_id, operation.data_action, scope, data=True), None
        )
        if granted is None:
            raise kv_error(
                403,
                "Forbidden",
                "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments "
                "or role definitions were changed recently, please observe propagation time.\r\n"
                f"Caller: {caller_label(claims)}\r\nAction: '{operation.data_action}'\r\n"
                f"Resource: '{scope.lower()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\n"
                f"DecisionReason: null \r\nVault: {vault.name};location={vault.location}\r\n",
                "ForbiddenByRbac",
            )
        return granted.name
    if operation.permission.lower() not in policy_permissions(vault, claims):
        raise kv_error(
            403,
            "Forbidden",
            f"The user, group or application '{caller_label(claims)}' does not have keys "
            f"{operation.permission} permission on key vault '{vault.name};location={vault.location}'. For help "
            "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
            "ForbiddenByPolicy",
        )
    return ""


def policy_permissions(vault: Vault, claims: dict[str, Any]) -> set[str]:
    """Key permissions the vault's access policies give this caller (`all` expands to every one)."""
    tid, oid, appid = (str(claims.get(k, "")).lower() for k in ("tid", "oid", "appid"))
    granted: set[str] = set()
    for policy in vault.properties.get("accessPolicies") or []:
        if policy["tenantId"].lower() != tid or policy["objectId"].lower() != oid:
            continue
        if policy.get("applicationId") and policy["applicationId"].lower() != appid:
            continue  # a compound identity: only that app acting for that user
        granted |= {p.lower() for p in policy["permissions"].get("keys", [])}
    return KEY_PERMISSIONS if "all" in granted else granted


def _stamp(world: World, vault: Vault, ip: str, reply: Reply, granted_by: str, request: Request) -> Reply:
    headers = {
        "x-ms-request-id": world.new_request_id(),
        "x-ms-keyvault-region": vault.location,
        "x-ms-keyvault-service-version": SERVICE_VERSION,
        "x-ms-keyvault-network-info": f"conn_type=Ipv4;addr={ip};act_addr_fam=InterNetwork;",
        "Cache-Control": "no-cache",
    }
    if request.header("x-ms-client-request-id"):
        headers["x-ms-client-request-id"] = request.header("x-ms-client-request-id")
    if granted_by:
        headers["x-ms-keyvault-rbac-assignment-id"] = granted_by.replace("-", "")
    if reply.body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
    headers.update(reply.headers)
    reply.headers = headers
    return reply
