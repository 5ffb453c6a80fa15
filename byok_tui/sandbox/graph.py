"""Microsoft Graph v1.0: the organization, the signed-in user and service principals (azure-wire §8).

msgraph-sdk reaches this through `Sandbox.graph_transport()` (httpx). Graph checks the token first (401
`InvalidAuthenticationToken`), then the caller's directory role for writes (403 `Authorization_RequestDenied`),
then the request. Paths arrive with a double slash (`/v1.0//servicePrincipals`, §8.1): repeated slashes are
collapsed. Error bodies carry Graph's `innerError` (date, request-id, client-request-id).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from byok_tui.sandbox.errors import ApiError
from byok_tui.sandbox.router import Reply, Request
from byok_tui.sandbox.tokens import TokenError, TokenIssuer, bearer
from byok_tui.sandbox.world import Principal, World

GRAPH_HOST = "graph.microsoft.com"
GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""Graph's own application id: tokens may carry it as `aud` instead of the URL."""
BASE = f"https://{GRAPH_HOST}/v1.0"
VERSIONS = ("v1.0", "beta")
PAGE_SIZE = 100
JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)

DIRECTORY_ROLES = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Directory Readers": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
}
"""Built-in Entra directory roles: display name → role template id."""
SP_CREATORS = ("Global Administrator", "Application Administrator", "Cloud Application Administrator")
"""Roles that may create the service principal of another tenant's multi-tenant app."""
APP_READERS = (
    "Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All",
)  # fmt: skip
"""Application permissions (token `roles`) that let an app-only caller read organization and service principals."""
APP_SP_CREATORS = ("Application.ReadWrite.All",)
"""Application permissions that let an app-only caller create another tenant's app's service principal
(`Application.ReadWrite.OwnedBy` covers only apps the caller owns)."""

SP_FIELDS = (
    "id", "deletedDateTime", "accountEnabled", "alternativeNames", "appDisplayName", "appDescription",
    "appId", "applicationTemplateId", "appOwnerOrganizationId", "appRoleAssignmentRequired",
    "createdDateTime", "description", "disabledByMicrosoftStatus", "displayName", "homepage", "loginUrl",
    "logoutUrl", "notes", "notificationEmailAddresses", "preferredSingleSignOnMode",
    "preferredTokenSigningKeyThumbprint", "replyUrls", "servicePrincipalNames", "servicePrincipalType",
    "signInAudience", "tags", "tokenEncryptionKeyId", "info", "samlSingleSignOnSettings", "verifiedPublisher",
    "addIns", "appRoles", "keyCredentials", "oauth2PermissionScopes", "passwordCredentials",
    "resourceSpecificApplicationPermissions",
)  # fmt: skip


def graph_error(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ApiError:
    """Graph's error body; `innerError` is filled in when the reply is stamped (it needs the request ids)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return ApiError(status, {"error": error}, headers)


def _graph_date(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_found(key: str) -> ApiError:
    return graph_error(
        404,
        "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
    )


def _unsupported_filter(clause: str) -> ApiError:
    prop = re.split(r"[\s(/]", clause.strip(), maxsplit=1)[0] or clause
    return graph_error(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of resource "
        "'ServicePrincipal'.",
    )


# ---- JSON shapes ---------------------------------------------------------------------------------------


def service_principal_json(world: World, sp: Principal) -> dict[str, Any]:
    app = world.applications.get(sp.app_id.lower())
    publisher = app.publisher_name if app else ""
    return {
        "id": sp.object_id,
        "deletedDateTime": None,
        "accountEnabled": sp.account_enabled,
        "alternativeNames": [],
        "appDisplayName": app.display_name if app else sp.display_name,
        "appDescription": None,
        "appId": sp.app_id,
        "applicationTemplateId": None,
        "appOwnerOrganizationId": app.publisher_tenant_id if app else sp.tenant_id,
        "appRoleAssignmentRequired": False,
        "createdDateTime": _graph_date(sp.created_on),
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": sp.display_name,
        "homepage": None,
        "loginUrl": None,
        "logoutUrl": None,
        "notes": None,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": None,
        "preferredTokenSigningKeyThumbprint": None,
        "replyUrls": [],
        "servicePrincipalNames": [sp.app_id],
        "servicePrincipalType": "Application",
        "signInAudience": app.sign_in_audience if app else "AzureADMyOrg",
        "tags": [],
        "tokenEncryptionKeyId": None,
        "info": {
            "logoUrl": None,
            "marketingUrl": None,
            "privacyStatementUrl": None,
            "supportUrl": None,
            "termsOfServiceUrl": None,
        },
        "samlSingleSignOnSettings": None,
        "verifiedPublisher": {
            "displayName": publisher or None,
            "verifiedPublisherId": None,
            "addedDateTime": None,
        },
        "addIns": [],
        "appRoles": [],
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
    }


def organization_json(world: World, tenant_id: str) -> dict[str, Any]:
    tenant = world.tenants[tenant_id]
    return {
        "id": tenant.tenant_id,
        "deletedDateTime": None,
        "businessPhones": [],
        "city": None,
        "country": None,
        "countryLetterCode": tenant.country_code,
        "createdDateTime": "2019-03-14T09:21:07Z",
        "defaultUsageLocation": None,
        "displayName": tenant.display_name,
        "isMultipleDataLocationsForServicesEnabled": None,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": None,
        "onPremisesSyncEnabled": None,
        "partnerTenantType": None,
        "postalCode": None,
        "preferredLanguage": "en",
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": None,
        "street": None,
        "technicalNotificationMails": [],
        "tenantType": "AAD",
        "directorySizeQuota": {"used": len(world.principals), "total": 300000},
        "privacyProfile": None,
        "assignedPlans": [],
        "onPremisesSyncStatus": [],
        "provisionedPlans": [],
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": True,
                "isInitial": True,
                "name": tenant.default_domain,
                "type": "Managed",
            }
        ],
    }


def user_json(user: Principal) -> dict[str, Any]:
    given, _, surname = user.display_name.partition(" ")
    return {
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": given or None,
        "jobTitle": user.job_title or None,
        "mail": user.user_principal_name or None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "surname": surname or None,
        "userPrincipalName": user.user_principal_name,
        "id": user.object_id,
    }


def directory_role_json(tenant_id: str, name: str) -> dict[str, Any]:
    template = DIRECTORY_ROLES.get(name, str(uuid.uuid5(uuid.NAMESPACE_URL, f"role:{name}")))
    return {
        "@odata.type": "#microsoft.graph.directoryRole",
        "id": str(uuid.uuid5(uuid.UUID(tenant_id), template)),
        "deletedDateTime": None,
        "description": f"Members of this role hold the {name} role in the directory.",
        "displayName": name,
        "roleTemplateId": template,
    }


# ---- the service ---------------------------------------------------------------------------------------


class GraphService:
    def __init__(self, world: World, issuer: TokenIssuer):
        self.world = world
        self.issuer = issuer

    @staticmethod
    def serves(host: str) -> bool:
        return host == GRAPH_HOST

    def handle(self, request: Request) -> Reply:
        try:
            reply = self._handle(request)
        except ApiError as err:
            reply = Reply(err.status, err.body, dict(err.headers))
        return self.stamp(request, reply)

    def _handle(self, request: Request) -> Reply:
        segments = [s for s in request.segments if s != ""]  # `/v1.0//servicePrincipals` (azure-wire §8.1)
        caller, claims = self._authenticate(request)
        if not segments or segments[0] not in VERSIONS:
            version = segments[0] if segments else ""
            raise graph_error(400, "BadRequest", f"Invalid version: {version}")
        roles = [str(r) for r in claims.get("roles") or []]
        return _Call(self.world, caller, request, segments[1:], roles).run()

    def _authenticate(self, request: Request) -> tuple[Principal, dict[str, Any]]:
        token = bearer(request.header("authorization"))
        if token is None:
            raise _unauthenticated("Access token is empty.")
        try:
            claims = self._verify(token)
        except TokenError as err:
            message = {
                "audience": "Access token validation failure. Invalid audience.",
                "expired": "Lifetime validation failed, the token is expired.",
            }.get(err.kind, "Access token validation failure.")
            raise _unauthenticated(message) from err
        principal = self.world.principal(str(claims.get("oid", "")))
        if principal is None or principal.tenant_id.lower() != str(claims.get("tid", "")).lower():
            raise _unauthenticated("Access token validation failure.")
        return principal, claims

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            return self.issuer.verify(token, audience=GRAPH_RESOURCE, now=self.world.now())
        except TokenError as err:
            if err.kind != "audience":
                raise
            return self.issuer.verify(token, audience=GRAPH_APP_ID, now=self.world.now())

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind == "throttle":
            err = graph_error(
                429,
                "TooManyRequests",
                "Too many requests from Identifier:"
                f"{request.header('client-request-id') or 'unknown'} under category:"
                "throttle.aad.ags.directory. Please try again later.",
                headers={"Retry-After": str(THROTTLE_RETRY_AFTER)},
            )
        else:
            err = graph_error(
                503, "serviceNotAvailable", "Service is temporarily unavailable. Please try later."
            )
        return self.stamp(request, Reply(err.status, err.body, dict(err.headers)))

    def stamp(self, request: Request, reply: Reply) -> Reply:
        request_id = self.world.new_request_id()
        client_request_id = request.header("client-request-id") or request_id
        if reply.status >= 400 and isinstance(reply.body, dict) and "error" in reply.body:
            reply.body["error"]["innerError"] = {
                "date": dt.datetime.fromtimestamp(self.world.now(), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        headers = {
            "Cache-Control": "no-cache",
            "request-id": request_id,
            "client-request-id": client_request_id,
            "x-ms-ags-diagnostic": '{"ServerInfo":{"DataCenter":"East US","Slice":"E","Ring":"5",'
            '"ScaleUnit":"001","RoleInstance":"BL02EPF0001A3C7"}}',
            "Strict-Transport-Security": "max-age=31536000",
        }
        if reply.body is not None:
            headers["Content-Type"] = JSON_TYPE
            headers["OData-Version"] = "4.0"
        headers.update(reply.headers)
        reply.headers = headers
        return reply


THROTTLE_RETRY_AFTER = 2
"""Seconds in Graph's Retry-After on an injected 429 (kiota waits that long for real)."""


def _unauthenticated(message: str) -> ApiError:
    # No `claims` in the challenge, so kiota does not attempt a CAE re-authentication.
    challenge = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
        f'client_id="{GRAPH_APP_ID}"'
    )
    return graph_error(401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": challenge})


class _Call:
    """One authenticated request: routing, authorization and the handlers."""

    def __init__(
        self,
        world: World,
        caller: Principal,
        request: Request,
        path: list[str],
        roles: list[str] | None = None,
    ):
        self.world = world
        self.caller = caller
        self.request = request
        self.path = path
        self.app_roles = set(roles or [])
        """The token's `roles`: what an app-only caller was granted when its token was issued."""

    @property
    def tenant_id(self) -> str:
        return self.caller.tenant_id

    def run(self) -> Reply:
        method, path = self.request.method, self.path
        head = path[0] if path else ""
        routes: dict[tuple[str, int], Callable[[], Reply]] = {}
        lowered = head.lower()
        if lowered == "organization":
            routes = {("GET", 1): self.list_organization, ("GET", 2): self.get_organization}
        elif lowered == "me":
            routes = {("GET", 1): self.get_me}
            if len(path) >= 2 and path[1].lower() in ("memberof", "transitivememberof"):
                routes = {("GET", len(path)): self.member_of} if len(path) <= 3 else {}
        elif lowered == "serviceprincipals":
            routes = {
                ("GET", 1): self.list_service_principals,
                ("POST", 1): self.create_service_principal,
                ("GET", 2): self.get_service_principal,
            }
        elif lowered.startswith("serviceprincipals("):
            routes = {("GET", 1): self.get_service_principal_by_app_id}
        else:
            raise graph_error(400, "BadRequest", f"Resource not found for the segment '{head}'.")
        handler = routes.get((method, len(path)))
        if handler is None:
            if any(n == len(path) for _, n in routes):
                raise graph_error(
                    405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
                )
            raise graph_error(400, "BadRequest", f"Resource not found for the segment '{path[-1]}'.")
        self._require_read()
        return handler()

    # ---- authorization ----------------------------------------------------------------------------

    def _require_read(self) -> None:
        """Users may read the directory; an app-only caller needs a directory role or an application
        permission that reads it."""
        if self.caller.kind == "User" or self.caller.directory_roles or self.app_roles & set(APP_READERS):
            return
        raise _denied()

    def _require_role(self, allowed: tuple[str, ...], app_permissions: tuple[str, ...] = ()) -> None:
        if set(self.caller.directory_roles) & set(allowed):
            return
        if self.caller.kind != "User" and self.app_roles & set(app_permissions):
            return
        raise _denied()

    # ---- organization and me ----------------------------------------------------------------------

    def list_organization(self) -> Reply:
        body = organization_json(self.world, self.tenant_id)
        return Reply(200, {"@odata.context": f"{BASE}/$metadata#organization", "value": [body]})

    def get_organization(self) -> Reply:
        if self.path[1].lower() != self.tenant_id.lower():
            raise _not_found(self.path[1])
        body = organization_json(self.world, self.tenant_id)
        return Reply(200, {"@odata.context": f"{BASE}/$metadata#organization/$entity", **body})

    def get_me(self) -> Reply:
        if self.caller.kind != "User":
            raise graph_error(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        body = user_json(self.caller)
        selected = _select(self.request, body, "microsoft.graph.user")
        context = f"{BASE}/$metadata#users/$entity"
        return Reply(200, {"@odata.context": context, **selected})

    def member_of(self) -> Reply:
        if self.caller.kind != "User":
            raise graph_error(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        if len(self.path) == 3 and self.path[2].lower() != "microsoft.graph.directoryrole":
            raise graph_error(400, "BadRequest", f"Resource not found for the segment '{self.path[2]}'.")
        roles = [directory_role_json(self.tenant_id, name) for name in self.caller.directory_roles]
        return Reply(200, {"@odata.context": f"{BASE}/$metadata#directoryObjects", "value": roles})

    # ---- service principals -----------------------------------------------------------------------

    def _service_principals(self) -> list[Principal]:
        return [
            p
            for p in self.world.principals.values()
            if p.kind == "ServicePrincipal" and p.tenant_id.lower() == self.tenant_id.lower()
        ]

    def list_service_principals(self) -> Reply:
        query = self.request.query
        found = [service_principal_json(self.world, p) for p in self._service_principals()]
        for clause in _clauses(query.get("$filter", "")):
            found = [sp for sp in found if _matches(clause, sp)]
        count = query.get("$count", "").lower() == "true"
        if count and self.request.header("consistencylevel").lower() != "eventual":
            raise graph_error(
                400,
                "Request_BadRequest",
                "$count is not currently supported without the ConsistencyLevel: eventual header.",
            )
        try:
            top = int(query.get("$top") or PAGE_SIZE)
        except ValueError:
            top = 0
        if not 1 <= top <= 999:
            raise graph_error(
                400,
                "Request_BadRequest",
                f"Invalid page size specified: '{query.get('$top')}'. Must be between 1 and 999 inclusive.",
            )
        start = _int_or_zero(query.get("$skiptoken"))
        page = found[start : start + top]
        select = _selected_fields(self.request)
        body: dict[str, Any] = {
            "@odata.context": f"{BASE}/$metadata#servicePrincipals"
            + (f"({','.join(select)})" if select else "")
        }
        if count:
            body["@odata.count"] = len(found)
        body["value"] = [_select(self.request, sp, "microsoft.graph.servicePrincipal") for sp in page]
        if start + top < len(found):
            kept = "&".join(
                f"{name}={quote(value, safe=',$')}"
                for name, value in query.items()
                if name not in ("$skiptoken", "$top")
            )
            body["@odata.nextLink"] = (
                f"{BASE}/servicePrincipals?{kept + '&' if kept else ''}$top={top}&$skiptoken={start + top}"
            )
        return Reply(200, body)

    def get_service_principal(self) -> Reply:
        key = self.path[1]
        sp = self.world.principal(key) if _is_guid(key) else None
        if sp is None or sp.kind != "ServicePrincipal" or sp.tenant_id.lower() != self.tenant_id.lower():
            raise _not_found(key)
        return self._entity(sp)

    def get_service_principal_by_app_id(self) -> Reply:
        m = re.fullmatch(r"servicePrincipals\(appId='(?P<app>[^']*)'\)", self.path[0], re.IGNORECASE)
        if m is None:
            raise graph_error(400, "BadRequest", f"Resource not found for the segment '{self.path[0]}'.")
        sp = self.world.service_principal_for(m["app"], self.tenant_id)
        if sp is None:
            raise _not_found(m["app"])
        return self._entity(sp)

    def _entity(self, sp: Principal) -> Reply:
        body = _select(
            self.request, service_principal_json(self.world, sp), "microsoft.graph.servicePrincipal"
        )
        return Reply(200, {"@odata.context": f"{BASE}/$metadata#servicePrincipals/$entity", **body})

    def create_service_principal(self) -> Reply:
        self._require_role(SP_CREATORS, APP_SP_CREATORS)
        body = self.request.json(lambda m: graph_error(400, "BadRequest", m))
        if not isinstance(body, dict):
            raise graph_error(400, "BadRequest", "Empty Payload. JSON content expected.")
        app_id = body.get("appId")
        if not isinstance(app_id, str) or not app_id:
            raise graph_error(
                400,
                "Request_BadRequest",
                "One or more properties contains invalid values.",
                details=[{"code": "InvalidValue", "message": "appId is required.", "target": "appId"}],
            )
        if not self.world.can_have_service_principal(app_id, self.tenant_id):
            message = f"The appId '{app_id}' of the service principal does not reference a valid application object."
            raise graph_error(
                400,
                "Request_BadRequest",
                message,
                details=[{"code": "NoBackingApplicationObject", "message": message, "target": "appId"}],
            )
        if self.world.service_principal_for(app_id, self.tenant_id) is not None:
            raise graph_error(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "The service principal cannot be created, updated, or restored because the service principal "
                f"name {app_id} is already in use.",
            )
        sp = self.world.create_service_principal(app_id, self.tenant_id)
        if body.get("accountEnabled") is False:
            sp.account_enabled = False
        location = (
            f"https://{GRAPH_HOST}/v2/{self.tenant_id}/directoryObjects/{sp.object_id}"
            "/Microsoft.DirectoryServices.ServicePrincipal"
        )
        entity = service_principal_json(self.world, sp)
        return Reply(
            201,
            {"@odata.context": f"{BASE}/$metadata#servicePrincipals/$entity", **entity},
            {"Location": location},
        )


def _denied() -> ApiError:
    return graph_error(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


# ---- query options -------------------------------------------------------------------------------------


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE) if c.strip()]


_EQ = re.compile(r"(?P<prop>appId|displayName|id)\s+eq\s+'(?P<value>(?:[^']|'')*)'", re.IGNORECASE)
_STARTS = re.compile(r"startswith\(\s*displayName\s*,\s*'(?P<value>(?:[^']|'')*)'\s*\)", re.IGNORECASE)
_SPN = re.compile(
    r"servicePrincipalNames/any\(\s*(?P<v>\w+)\s*:\s*(?P=v)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*\)",
    re.IGNORECASE,
)


def _matches(clause: str, sp: dict[str, Any]) -> bool:
    if m := _EQ.fullmatch(clause):
        prop = {"appid": "appId", "displayname": "displayName", "id": "id"}[m["prop"].lower()]
        want = m["value"].replace("''", "'")
        if prop == "displayName":
            return sp[prop] == want
        return str(sp[prop]).lower() == want.lower()
    if m := _STARTS.fullmatch(clause):
        return sp["displayName"].lower().startswith(m["value"].replace("''", "'").lower())
    if m := _SPN.fullmatch(clause):
        want = m["value"].replace("''", "'").lower()
        return any(name.lower() == want for name in sp["servicePrincipalNames"])
    raise _unsupported_filter(clause)


def _selected_fields(request: Request) -> list[str]:
    text = request.query.get("$select", "")
    return [f.strip() for f in text.split(",") if f.strip()]


def _select(request: Request, entity: dict[str, Any], type_name: str) -> dict[str, Any]:
    fields = _selected_fields(request)
    if not fields:
        return entity
    by_lower = {k.lower(): k for k in entity}
    chosen: dict[str, Any] = {}
    for name in fields:
        key = by_lower.get(name.lower())
        if key is None:
            raise graph_error(
                400, "BadRequest", f"Could not find a property named '{name}' on type '{type_name}'."
            )
        chosen[key] = entity[key]
    return chosen


def _int_or_zero(text: str | None) -> int:
    try:
        return max(int(text or 0), 0)
    except ValueError:
        return 0


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
