"""Azure Resource Manager's front door: token, api-version, authorization, routing, headers.

Every ARM request passes here first, in ARM's order: the bearer token (401 codes ARM uses), the
`api-version` parameter, then the route. Handlers receive an `ArmContext` that knows the caller and
answers the questions every handler asks (does the subscription exist, may the caller do this here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from byok_tui.sandbox import authorization, keyvault_arm, monitor, private_endpoints, resources
from byok_tui.sandbox.errors import ApiError, arm_error, rg_not_found
from byok_tui.sandbox.router import Reply, Request, Route, match
from byok_tui.sandbox.tokens import TokenError, TokenIssuer, bearer
from byok_tui.sandbox.world import Principal, ResourceGroup, Subscription, World, iso

ARM_HOST = "management.azure.com"
ARM_AUDIENCES = ("https://management.azure.com", "https://management.core.windows.net")
PAGE_SIZE = 100
"""Items per ARM page when the caller gives no `$top`."""
THROTTLE_RETRY_AFTER = 5
"""Seconds in ARM's Retry-After on an injected 429."""

ROUTES: tuple[Route, ...] = resources.ROUTES + keyvault_arm.ROUTES + private_endpoints.ROUTES + monitor.ROUTES

KEYVAULT_RP_VERSION = "1.5.1243.0"
"""`x-ms-keyvault-service-version` on Microsoft.KeyVault answers (the value recorded in 2024)."""


@dataclass
class ArmContext:
    world: World
    caller: Principal
    claims: dict[str, Any]
    request: Request

    @property
    def api_version(self) -> str:
        return self.request.query.get("api-version", "")

    def now_iso(self) -> str:
        return iso(self.world.now())

    def require(self, action: str, scope: str) -> None:
        """403 `AuthorizationFailed` unless a role assigned at or above `scope` grants `action`."""
        if authorization.allowed(self.world, self.caller.object_id, action, scope):
            return
        who = self.caller.user_principal_name or self.caller.app_id or self.caller.object_id
        raise arm_error(
            403,
            "AuthorizationFailed",
            f"The client '{who}' with object id '{self.caller.object_id}' does not have authorization to "
            f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently "
            "granted, please refresh your credentials.",
        )

    def subscription(self, subscription_id: str) -> Subscription:
        sub = self.world.subscriptions.get(subscription_id.lower())
        if sub is None:
            raise arm_error(
                404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found."
            )
        if sub.tenant_id.lower() != str(self.claims.get("tid", "")).lower():
            raise arm_error(
                401,
                "InvalidAuthenticationTokenTenant",
                f"The access token is from the wrong issuer '{self.claims.get('iss', '')}'. It must match the "
                f"tenant 'https://sts.windows.net/{sub.tenant_id}/' associated with this subscription. Please "
                f"use the authority (URL) 'https://login.windows.net/{sub.tenant_id}' to get the token.",
            )
        return sub

    def resource_group(self, subscription_id: str, name: str) -> ResourceGroup:
        self.subscription(subscription_id)
        group = self.world.resource_group(subscription_id, name)
        if group is None:
            raise rg_not_found(name)
        return group

    def system_data_stamp(self) -> tuple[str, str]:
        """(who, type) as ARM's systemData names the caller."""
        if self.caller.kind == "User":
            return self.caller.user_principal_name, "User"
        return self.caller.app_id or self.caller.object_id, "Application"

    def page(self, items: list[Any]) -> dict[str, Any]:
        """One page of a list reply; `nextLink` is absolute and keeps `$top` (azure-wire §4.1)."""
        query = self.request.query
        size = max(_int_or(query.get("$top"), PAGE_SIZE), 1)
        start = max(_int_or(query.get("$skiptoken"), 0), 0)
        body: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            body["nextLink"] = (
                f"https://{ARM_HOST}{self.request.path}?api-version={self.api_version}"
                f"&$top={size}&$skiptoken={start + size}"
            )
        return body


def _int_or(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


class ArmService:
    def __init__(self, world: World, issuer: TokenIssuer):
        self.world = world
        self.issuer = issuer

    def handle(self, request: Request) -> Reply:
        try:
            reply = self._handle(request)
        except ApiError as err:
            reply = Reply(err.status, err.body, dict(err.headers))
        return self._stamp(request, reply)

    def _handle(self, request: Request) -> Reply:
        caller, claims = self._authenticate(request)
        if not request.query.get("api-version"):
            raise arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        ctx = ArmContext(self.world, caller, claims, request)
        segments = [s for s in request.segments if s != ""]  # ARM ignores empty segments and trailing slashes
        if authorization.is_authorization_path(segments):
            return authorization.handle(ctx, request, segments)
        found = match(ROUTES, request, segments)
        if found is not None:
            return found.handler(ctx, request)
        raise _no_route(request, segments)

    def _authenticate(self, request: Request) -> tuple[Principal, dict[str, Any]]:
        header = request.header("authorization")
        if not header:
            raise _unauthorized(
                "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
            )
        token = bearer(header)
        if token is None:
            raise _unauthorized(
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            )
        claims = self._verify(token)
        principal = self.world.principal(str(claims.get("oid", "")))
        if principal is None or principal.tenant_id.lower() != str(claims.get("tid", "")).lower():
            raise _unauthorized("InvalidAuthenticationToken", "The access token is invalid.")
        return principal, claims

    def _verify(self, token: str) -> dict[str, Any]:
        errors = []
        for audience in ARM_AUDIENCES:
            try:
                return self.issuer.verify(token, audience=audience, now=self.world.now())
            except TokenError as err:
                errors.append(err)
        err = next((e for e in errors if e.kind != "audience"), errors[0])
        if err.kind == "audience":
            raise _unauthorized(
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource '{err.claims.get('aud', '')}'. "
                "It should exactly match with one of the allowed audiences 'https://management.core.windows.net/',"
                "'https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
            )
        if err.kind == "expired":
            expiry = iso(float(err.claims.get("exp", 0)))
            raise _unauthorized(
                "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{expiry}' is earlier than current UTC time "
                f"'{iso(self.world.now())}'.",
            )
        raise _unauthorized("InvalidAuthenticationToken", "The access token is invalid.")

    def fault_reply(self, kind: str, request: Request) -> Reply:
        """An injected failure, answered before authentication and routing (ARM's front door throttles)."""
        if kind == "throttle":
            what = "read" if request.method in ("GET", "HEAD") else "write"
            segments = [s for s in request.segments if s]
            actor = self._actor(request)
            if len(segments) >= 2 and segments[0].lower() == "subscriptions":
                code, scope = "SubscriptionRequestsThrottled", f"subscription '{segments[1]}'"
            else:
                code, scope = "TenantRequestsThrottled", "tenant"
            err = arm_error(
                429,
                code,
                f"Number of '{what}' requests for {scope} actor '{actor}' exceeded. Please try again after "
                f"'{THROTTLE_RETRY_AFTER}' seconds after additional tokens are available. Refer to "
                "https://aka.ms/arm-throttling for additional information.",
                headers={"Retry-After": str(THROTTLE_RETRY_AFTER)},
            )
        else:
            err = arm_error(
                503, "ServiceUnavailable", "The service is unavailable. Please retry the request later."
            )
        return self._stamp(request, Reply(err.status, err.body, dict(err.headers)))

    def _actor(self, request: Request) -> str:
        token = bearer(request.header("authorization"))
        if token is None:
            return "unknown"
        try:
            return str(self._verify(token).get("oid", "unknown"))
        except ApiError:
            return "unknown"

    def _stamp(self, request: Request, reply: Reply) -> Reply:
        request_id = self.world.new_request_id()
        headers = {
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": request.header("x-ms-client-request-id") or request_id,
            "Cache-Control": "no-cache",
        }
        if "/providers/microsoft.keyvault/" in request.path.lower():
            # Key Vault's resource provider names its build on every answer it gives (recordings in docs/sandbox.md)
            headers["x-ms-keyvault-service-version"] = KEYVAULT_RP_VERSION
        if reply.body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers.update(reply.headers)
        reply.headers = headers
        return reply


def _unauthorized(code: str, message: str) -> ApiError:
    # The bearer policy only reacts to a `claims` challenge; any other 401 becomes ClientAuthenticationError.
    challenge = (
        f'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", '
        f'error_description="{message}"'
    )
    return arm_error(401, code, message, headers={"WWW-Authenticate": challenge})


def _no_route(request: Request, segments: list[str]) -> ApiError:
    if not segments or segments[0].lower() not in ("subscriptions", "tenants", "providers"):
        return arm_error(
            400,
            "MissingSubscription",
            "The request did not have a subscription or a valid tenant level resource provider.",
        )
    return arm_error(
        404,
        "InvalidResourceType",
        f"The sandbox does not emulate '{request.method} {request.path}' (api-version "
        f"{request.query.get('api-version', '')}).",
    )
