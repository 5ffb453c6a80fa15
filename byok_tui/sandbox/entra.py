"""Microsoft Entra ID at `login.microsoftonline.com`: discovery, the device-code flow and the token endpoint.

Faithful enough that unmodified MSAL and azure-identity sign in against it (docs/sandbox.md, "Entra ID"):

    GET  /common/discovery/instance?api-version=1.1&authorization_endpoint=…   instance discovery (aliases)
    GET  /{tenant}/v2.0/.well-known/openid-configuration                      tenant discovery (MSAL, v2)
    GET  /{tenant}/.well-known/openid-configuration                           tenant discovery (v1)
    POST /{tenant}/oauth2/v2.0/devicecode                                     start a device-code sign-in
    POST /{tenant}/oauth2/v2.0/token                                          client_credentials, refresh_token,
                                                                              urn:ietf:params:oauth:grant-type:device_code

`{tenant}` is a tenant id, one of its domains, `organizations` or `common`. Errors have Entra's OAuth shape:
status 400 (401 for a bad client secret) with `error`, `error_description` ("AADSTSnnnn: … Trace ID: …"),
`error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.

Access tokens come from `tokens.access_token_claims`, the function the in-process credential uses too, so
ARM, Key Vault and Graph verify a token from the wire exactly like one minted in-process. Device-code
sign-ins are pending until someone approves or declines them (`approve`, `decline`): the sandbox has no
browser, so the operator's "I signed in" is a call. They live in memory only; refresh tokens are random
strings of which the world keeps only a hash, so they survive a restart of a served sandbox.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from byok_tui.sandbox.credential import LOGIN_HOST, audience_of
from byok_tui.sandbox.router import Reply, Request
from byok_tui.sandbox.tokens import (
    AZURE_CLI_APP_ID,
    GRAPH_AUDIENCES,
    TokenIssuer,
    access_token_claims,
    b64url,
)
from byok_tui.sandbox.world import Principal, RefreshTokenGrant, Tenant, World

AUTHORITY = f"https://{LOGIN_HOST}"
DEVICE_LOGIN_URL = "https://microsoft.com/devicelogin"
DEVICE_CODE_LIFETIME = 900
"""Seconds a device code stays redeemable (Entra: 15 minutes)."""
POLL_INTERVAL = 5
"""Seconds a client must wait between two polls of the token endpoint."""
SLOW_DOWN_STEP = 5
"""RFC 8628 §3.5: after `slow_down` the interval grows by 5 s for this and every later poll."""
REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600
"""Entra's refresh tokens expire after 90 days of inactivity."""
REFRESH_TOKENS_KEPT = 20
"""Per principal and client: Entra keeps older refresh tokens valid; the world keeps only the newest few."""
ID_TOKEN_LIFETIME = 3600
DEVICE_FLOW_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
PUBLIC_CLIENTS = {
    AZURE_CLI_APP_ID: "Microsoft Azure CLI",
    "1950a258-227b-4e31-a9cf-717495945fc2": "Microsoft Azure PowerShell",
}
"""First-party public clients every tenant knows (azure-identity's DeviceCodeCredential uses the CLI's)."""
GRAPH_RESOURCE = "https://graph.microsoft.com"
RESOURCES = {
    "https://management.azure.com": "Windows Azure Service Management API",
    "https://management.core.windows.net": "Windows Azure Service Management API",
    "https://vault.azure.net": "Azure Key Vault",
    GRAPH_RESOURCE: "Microsoft Graph",
    GRAPH_AUDIENCES[1]: "Microsoft Graph",
}
"""Resources the sandbox issues tokens for, keyed without a trailing slash."""
GRAPH_DELEGATED = (
    "Application.ReadWrite.All AuditLog.Read.All Directory.AccessAsUser.All email Group.ReadWrite.All "
    "openid profile User.ReadWrite.All"
)
"""The delegated Graph permissions the Azure CLI holds (its users' Graph tokens carry them as `scp`)."""
INSTANCE_ALIASES = (
    {"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
     "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]},
    {"preferred_network": "login.partner.microsoftonline.cn", "preferred_cache": "login.partner.microsoftonline.cn",
     "aliases": ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]},
    {"preferred_network": "login.microsoftonline.us", "preferred_cache": "login.microsoftonline.us",
     "aliases": ["login.microsoftonline.us", "login.usgovcloudapi.net"]},
    {"preferred_network": "login-us.microsoftonline.com", "preferred_cache": "login-us.microsoftonline.com",
     "aliases": ["login-us.microsoftonline.com"]},
)  # fmt: skip
"""What `/common/discovery/instance` lists: the hosts MSAL treats as one authority (and one token cache)."""
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MULTI_TENANT = ("common", "organizations")


def hash_secret(value: str) -> str:
    """How the world keeps client secrets and refresh tokens: hex SHA-256, never the value."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def derived_client_secret(world_seed: str, key_id: str) -> str:
    """The value of a scenario's client secret, derived from the world's seed so that a saved world can
    hand it out again (`Sandbox.automation_client`) while the file itself holds only its hash. Shaped like
    an Entra secret: three characters (the hint), a digit, `Q~`, then 34 characters."""
    digest = hmac.new(b"byok-tui sandbox client secret", f"{world_seed}/{key_id}".encode(), hashlib.sha256)
    body = base64.urlsafe_b64encode(digest.digest()).decode("ascii").replace("-", "~").rstrip("=")
    return f"{body[:3]}{int(digest.hexdigest()[:2], 16) % 10}Q~{body[3:37]}"


@dataclass
class DeviceSignIn:
    """One device-code sign-in between `/devicecode` and its redemption (memory only)."""

    device_code: str
    user_code: str
    client_id: str
    tenant: str
    """As requested: a tenant id, or `organizations` / `common`."""
    scopes: list[str]
    issued_on: float
    expires_on: float
    interval: int = POLL_INTERVAL
    last_poll: float | None = None
    state: str = "pending"
    """`pending`, `approved`, `declined` or `redeemed`."""
    principal_id: str = ""


@dataclass(frozen=True)
class PendingSignIn:
    """What a page or CLI shows of a sign-in waiting for the operator (no device code: that is the
    client's secret)."""

    user_code: str
    expires_on: float
    client_id: str
    client_name: str
    tenant: str
    scopes: tuple[str, ...]


class EntraError(Exception):
    """An OAuth error reply: `error`, the AADSTS number and its text; ids and timestamp are added on reply."""

    def __init__(self, status: int, error: str, code: int, text: str, headers: dict[str, str] | None = None):
        super().__init__(f"AADSTS{code}: {text}")
        self.status = status
        self.error = error
        self.code = code
        self.text = text
        self.headers = headers or {}


def _bad_request(error: str, code: int, text: str) -> EntraError:
    return EntraError(400, error, code, text)


def _missing(parameter: str) -> EntraError:
    return _bad_request(
        "invalid_request", 900144, f"The request body must contain the following parameter: '{parameter}'."
    )


def _required(form: dict[str, str], parameter: str) -> str:
    """The form's `parameter`, or Entra's AADSTS900144 refusal when it is missing or empty."""
    value = form.get(parameter, "")
    if not value:
        raise _missing(parameter)
    return value


class EntraService:
    """`login.microsoftonline.com` for one world; tokens signed by the sandbox's issuer."""

    def __init__(self, world: World, issuer: TokenIssuer):
        self.world = world
        self.issuer = issuer
        self._sign_ins: dict[str, DeviceSignIn] = {}
        """Keyed by device code."""

    @staticmethod
    def serves(host: str) -> bool:
        return host == LOGIN_HOST

    def handle(self, request: Request) -> Reply:
        try:
            reply = self._route(request)
        except EntraError as err:
            reply = self._error_reply(request, err)
        return self._stamp(request, reply)

    def fault_reply(self, kind: str, request: Request) -> Reply:
        """Injected failures, as Entra fails: 429 with Retry-After (azure-core retries it, POST included),
        or 503 `temporarily_unavailable` (error texts [unconfirmed], codes from Entra's error table)."""
        if kind == "throttle":
            err = EntraError(
                429, "temporarily_unavailable", 90055,
                "There are too many incoming requests. Please try again later.", {"Retry-After": "5"},
            )  # fmt: skip
        else:
            err = EntraError(
                503, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."
            )
        return self._stamp(request, self._error_reply(request, err))

    # ---- the operator's side of a device-code sign-in ---------------------------------------------

    def approve(self, user_code: str, principal_id: str) -> PendingSignIn:
        """As if `principal_id` had entered the code at microsoft.com/devicelogin and signed in."""
        sign_in = self._pending(user_code)
        principal = self.world.principal(principal_id)
        if principal is None or principal.kind != "User":
            raise ValueError(f"{principal_id!r} is not a user of the sandbox world")
        if sign_in.tenant not in MULTI_TENANT and sign_in.tenant != principal.tenant_id.lower():
            raise ValueError(f"{principal.user_principal_name} is not a member of tenant {sign_in.tenant}")
        sign_in.state = "approved"
        sign_in.principal_id = principal.object_id
        return self._shown(sign_in)

    def decline(self, user_code: str) -> PendingSignIn:
        """As if the user had answered "No, cancel" to "Are you trying to sign in to …?"."""
        sign_in = self._pending(user_code)
        sign_in.state = "declined"
        return self._shown(sign_in)

    def pending(self) -> list[PendingSignIn]:
        now = self.world.now()
        return [
            self._shown(s) for s in self._sign_ins.values() if s.state == "pending" and s.expires_on > now
        ]

    def _pending(self, user_code: str) -> DeviceSignIn:
        wanted = user_code.strip().upper().replace("-", "")
        now = self.world.now()
        for sign_in in self._sign_ins.values():
            if sign_in.user_code == wanted and sign_in.state == "pending":
                if sign_in.expires_on <= now:
                    raise ValueError(f"the code {wanted} has expired")
                return sign_in
        raise ValueError(f"no sign-in is waiting for the code {wanted}")

    @staticmethod
    def _shown(sign_in: DeviceSignIn) -> PendingSignIn:
        return PendingSignIn(
            user_code=sign_in.user_code,
            expires_on=sign_in.expires_on,
            client_id=sign_in.client_id,
            client_name=PUBLIC_CLIENTS.get(sign_in.client_id, sign_in.client_id),
            tenant=sign_in.tenant,
            scopes=tuple(sign_in.scopes),
        )

    # ---- refresh tokens ---------------------------------------------------------------------------

    def issue_refresh_token(self, principal: Principal, client_id: str) -> str:
        """A new refresh token for `principal` signed in through `client_id`; the world keeps its hash."""
        token = "1.A" + secrets.token_urlsafe(96)
        now = self.world.now()
        mine = sorted(
            (
                (grant.issued_on, key)
                for key, grant in self.world.refresh_tokens.items()
                if grant.principal_id == principal.object_id and grant.client_id == client_id.lower()
            ),
        )
        for _, key in mine[: max(0, len(mine) - REFRESH_TOKENS_KEPT + 1)]:
            del self.world.refresh_tokens[key]
        for key in [k for k, g in self.world.refresh_tokens.items() if g.expires_on <= now]:
            del self.world.refresh_tokens[key]
        self.world.refresh_tokens[hash_secret(token)] = RefreshTokenGrant(
            principal_id=principal.object_id,
            client_id=client_id.lower(),
            tenant_id=principal.tenant_id,
            issued_on=now,
            expires_on=now + REFRESH_TOKEN_LIFETIME,
        )
        self.world.changed()
        return token

    # ---- routing ----------------------------------------------------------------------------------

    def _route(self, request: Request) -> Reply:
        segments = [s for s in request.segments if s != ""]
        lowered = [s.lower() for s in segments]
        method = request.method
        if method == "GET" and lowered[1:] == ["discovery", "instance"]:
            return self._instance_discovery(request)
        if method == "GET" and lowered[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self._openid_configuration(segments[0], v2=True)
        if method == "GET" and lowered[1:] == [".well-known", "openid-configuration"]:
            return self._openid_configuration(segments[0], v2=False)
        if method == "POST" and lowered[1:] == ["oauth2", "v2.0", "devicecode"]:
            return self._device_code(segments[0], _form(request))
        if method == "POST" and lowered[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(segments[0], _form(request), request)
        if lowered[1:2] in (["oauth2"], ["v2.0"], [".well-known"], ["discovery"]):
            self._tenant(segments[0])  # an unknown tenant is the first thing Entra complains about
        # Entra answers an unknown path with an HTML error page; the SDKs only look at the status.
        return Reply(404, None)

    # ---- discovery --------------------------------------------------------------------------------

    def _instance_discovery(self, request: Request) -> Reply:
        endpoint = request.query.get("authorization_endpoint", "")
        parts = urlsplit(endpoint)
        known = {alias for group in INSTANCE_ALIASES for alias in group["aliases"]}
        if parts.scheme != "https" or (parts.hostname or "").lower() not in known:
            raise _bad_request("invalid_instance", 50049, "Unknown or invalid instance.")
        path = [s for s in parts.path.split("/") if s]
        tenant = path[0] if path else "common"
        version = "/v2.0" if "v2.0" in path else ""
        return Reply(
            200,
            {
                "tenant_discovery_endpoint": f"https://{parts.hostname}/{tenant}{version}/.well-known/openid-configuration",
                "api-version": request.query.get("api-version", "1.1"),
                "metadata": [dict(group) for group in INSTANCE_ALIASES],
            },
            {"Cache-Control": "max-age=86400, private", "Access-Control-Allow-Origin": "*"},
        )

    def _openid_configuration(self, tenant_segment: str, *, v2: bool) -> Reply:
        tenant = self._tenant(tenant_segment)
        # A named tenant's endpoints carry its id (MSAL reads the tenant back from token_endpoint);
        # `organizations` and `common` keep the alias, and their issuer is a template.
        key = tenant.tenant_id if tenant else tenant_segment.lower()
        issuer_tenant = tenant.tenant_id if tenant else "{tenantid}"
        base = f"{AUTHORITY}/{key}"
        oauth = f"{base}/oauth2/v2.0" if v2 else f"{base}/oauth2"
        body = {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery{'/v2.0' if v2 else ''}/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{AUTHORITY}/{issuer_tenant}/v2.0" if v2 else f"https://sts.windows.net/{issuer_tenant}/",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                                 "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time",
                                 "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
                                 "c_hash", "email"],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "NA" if tenant else None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }  # fmt: skip
        return Reply(
            200, body, {"Cache-Control": "max-age=86400, private", "Access-Control-Allow-Origin": "*"}
        )

    def _tenant(self, segment: str) -> Tenant | None:
        """The tenant a path names (None for `organizations` / `common`); AADSTS90002 if there is none."""
        name = segment.lower()
        if name in MULTI_TENANT:
            return None
        for tenant in self.world.tenants.values():
            if name in (tenant.tenant_id.lower(), tenant.default_domain.lower()):
                return tenant
        if not (_is_guid(name) or re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", name)):
            raise _bad_request(
                "invalid_request", 900023,
                f"Specified tenant identifier '{segment}' is neither a valid DNS name, nor a valid external domain.",
            )  # fmt: skip
        raise _bad_request(
            "invalid_tenant", 90002,
            f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing "
            "into the correct cloud. Check with your subscription administrator, this may happen if there are no "
            "active subscriptions for the tenant.",
        )  # fmt: skip

    # ---- device code ------------------------------------------------------------------------------

    def _device_code(self, tenant_segment: str, form: dict[str, str]) -> Reply:
        tenant = self._tenant(tenant_segment)
        client_id = _required(form, "client_id").lower()
        if client_id not in PUBLIC_CLIENTS and not self._is_public_app(client_id):
            raise self._unknown_app(client_id, tenant)
        scopes = form.get("scope", "").split()
        self._resource(scopes, tenant)  # a bad scope fails here, before the user is bothered
        now = self.world.now()
        sign_in = DeviceSignIn(
            device_code=secrets.token_urlsafe(72),
            user_code="".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9)),
            client_id=client_id,
            tenant=tenant.tenant_id.lower() if tenant else tenant_segment.lower(),
            scopes=scopes,
            issued_on=now,
            expires_on=now + DEVICE_CODE_LIFETIME,
        )
        self._forget_old(now)
        self._sign_ins[sign_in.device_code] = sign_in
        return Reply(
            200,
            {
                "user_code": sign_in.user_code,
                "device_code": sign_in.device_code,
                "verification_uri": DEVICE_LOGIN_URL,
                "expires_in": DEVICE_CODE_LIFETIME,
                "interval": POLL_INTERVAL,
                "message": f"To sign in, use a web browser to open the page {DEVICE_LOGIN_URL} and enter the "
                f"code {sign_in.user_code} to authenticate.",
            },
        )

    def _forget_old(self, now: float) -> None:
        # Expired codes are kept a while so their pollers hear `expired_token`, not `bad_verification_code`.
        for code in [c for c, s in self._sign_ins.items() if s.expires_on + DEVICE_CODE_LIFETIME < now]:
            del self._sign_ins[code]

    def _is_public_app(self, client_id: str) -> bool:
        app = self.world.applications.get(client_id)
        return bool(app and app.public_client)

    def _unknown_app(self, client_id: str, tenant: Tenant | None) -> EntraError:
        where = tenant.display_name if tenant else "organizations"
        return _bad_request(
            "unauthorized_client", 700016,
            f"Application with identifier '{client_id}' was not found in the directory '{where}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
        )  # fmt: skip

    # ---- the token endpoint -----------------------------------------------------------------------

    def _token(self, tenant_segment: str, form: dict[str, str], request: Request) -> Reply:
        tenant = self._tenant(tenant_segment)
        grant = _required(form, "grant_type")
        if grant == "client_credentials":
            return self._client_credentials(tenant, form, request)
        if grant == DEVICE_FLOW_GRANT:
            return self._device_code_grant(form)
        if grant == "refresh_token":
            return self._refresh_token_grant(tenant, form)
        raise _bad_request(
            "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
        )

    def _client_credentials(self, tenant: Tenant | None, form: dict[str, str], request: Request) -> Reply:
        client_id, secret = _client_auth(form, request)
        if not client_id:
            raise _missing("client_id")
        if tenant is None:
            raise _bad_request(
                "invalid_request", 50059,
                "No tenant-identifying information found in either the request or implied by any provided "
                "credentials.",
            )  # fmt: skip
        app = self.world.applications.get(client_id)
        sp = self.world.service_principal_for(client_id, tenant.tenant_id)
        if app is None or sp is None:
            raise self._unknown_app(client_id, tenant)
        if not secret:
            raise EntraError(
                401, "invalid_client", 7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )  # fmt: skip
        now = self.world.now()
        matching = [
            c for c in app.password_credentials if hmac.compare_digest(c.secret_sha256, hash_secret(secret))
        ]
        if not matching:
            raise EntraError(
                401, "invalid_client", 7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                f"secret value, not the client secret ID, for a secret added to app '{app.app_id}'.",
            )  # fmt: skip
        if all(c.end <= now for c in matching):
            raise EntraError(
                401, "invalid_client", 7000222,
                f"The provided client secret keys for app '{app.app_id}' are expired. Visit the Azure portal to "
                "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
                "credentials for added security: https://aka.ms/certCreds.",
            )  # fmt: skip
        if not sp.account_enabled:
            raise _bad_request(
                "unauthorized_client", 7000112, f"Application '{app.app_id}'({app.display_name}) is disabled."
            )
        scopes = form.get("scope", "").split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise _bad_request(
                "invalid_scope", 1002012,
                f"The provided value for scope {' '.join(scopes)} is not valid. Client credential flows must have "
                "a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )  # fmt: skip
        audience = self._resource(scopes, tenant)
        claims = access_token_claims(sp, audience, now=int(now), lifetime=self.world.token_lifetime)
        lifetime = self.world.token_lifetime
        return Reply(
            200,
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": self.issuer.mint(claims),
            },
        )

    def _device_code_grant(self, form: dict[str, str]) -> Reply:
        client_id = _required(form, "client_id").lower()
        code = _required(form, "device_code")
        sign_in = self._sign_ins.get(code)
        if sign_in is None or sign_in.client_id != client_id or sign_in.state == "redeemed":
            raise _bad_request(
                "bad_verification_code", 70018,
                "Invalid verification code. The device_code sent to the token endpoint wasn't recognized.",
            )  # fmt: skip
        now = self.world.now()
        too_soon = sign_in.last_poll is not None and now - sign_in.last_poll < sign_in.interval
        sign_in.last_poll = now
        if now >= sign_in.expires_on:
            raise _bad_request(
                "expired_token", 70020,
                "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            )  # fmt: skip
        if sign_in.state == "declined":
            raise _bad_request(
                "authorization_declined", 70000, "The end user denied the authorization request."
            )
        if sign_in.state == "approved":
            sign_in.state = "redeemed"
            principal = self.world.principal(sign_in.principal_id)
            if principal is None:
                raise _user_gone(sign_in.principal_id, sign_in.tenant)
            return self._user_tokens(principal, client_id, sign_in.scopes, form)
        if too_soon:
            sign_in.interval += SLOW_DOWN_STEP
            raise _bad_request(
                "slow_down", 70016,
                f"OAuth 2.0 device flow error. Polling too frequently: wait {sign_in.interval} seconds between "
                "requests.",
            )  # fmt: skip
        raise _bad_request(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )

    def _refresh_token_grant(self, tenant: Tenant | None, form: dict[str, str]) -> Reply:
        client_id = _required(form, "client_id").lower()
        token = _required(form, "refresh_token")
        grant = self.world.refresh_tokens.get(hash_secret(token))
        if grant is None:
            raise _bad_request("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        now = self.world.now()
        if grant.expires_on <= now:
            issued = dt.datetime.fromtimestamp(grant.issued_on, tz=dt.UTC).strftime("%m/%d/%Y %H:%M:%S")
            raise _bad_request(
                "invalid_grant", 700082,
                f"The refresh token has expired due to inactivity. The token was issued on {issued} and was "
                "inactive for 90.00:00:00.",
            )  # fmt: skip
        if grant.client_id != client_id or (tenant and tenant.tenant_id.lower() != grant.tenant_id.lower()):
            raise _bad_request("invalid_grant", 70000, "Provided grant is invalid or malformed.")
        principal = self.world.principal(grant.principal_id)
        if principal is None:
            raise _user_gone(grant.principal_id, grant.tenant_id)
        if not principal.account_enabled:
            raise _bad_request("invalid_grant", 50057, "The user account is disabled.")
        return self._user_tokens(principal, client_id, form.get("scope", "").split(), form)

    # ---- what a user sign-in returns ----------------------------------------------------------------

    def _user_tokens(self, user: Principal, client_id: str, scopes: list[str], form: dict[str, str]) -> Reply:
        tenant = self.world.tenants.get(user.tenant_id)
        audience = self._resource(scopes, tenant)
        requested = [s for s in scopes if s.lower() not in OIDC_SCOPES]
        is_graph = audience.rstrip("/") in GRAPH_AUDIENCES
        delegated = GRAPH_DELEGATED if is_graph else "user_impersonation"
        granted = requested or [f"{GRAPH_RESOURCE}/User.Read"]
        if not is_graph:
            granted = [f"{audience.rstrip('/')}/user_impersonation", *granted]
        now = int(self.world.now())
        lifetime = self.world.token_lifetime
        claims = access_token_claims(
            user, audience, now=now, lifetime=lifetime, client_id=client_id, scopes=delegated
        )
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(granted),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": self.issuer.mint(claims),
        }
        lowered = {s.lower() for s in scopes}
        if "offline_access" in lowered:
            body["refresh_token"] = self.issue_refresh_token(user, client_id)
        if "openid" in lowered:
            body["id_token"] = self.issuer.mint(self._id_token_claims(user, client_id, now))
        if form.get("client_info") == "1":
            info = {"uid": user.object_id, "utid": user.tenant_id}
            body["client_info"] = b64url(json.dumps(info, separators=(",", ":")).encode())
        return Reply(200, body)

    @staticmethod
    def _id_token_claims(user: Principal, client_id: str, now: int) -> dict[str, Any]:
        # `sub` is pairwise in Entra: the same user has a different subject in every app.
        subject = b64url(hashlib.sha256(f"{user.object_id}/{client_id}".encode()).digest())
        return {
            "aud": client_id,
            "iss": f"{AUTHORITY}/{user.tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "name": user.display_name,
            "oid": user.object_id,
            "preferred_username": user.user_principal_name,
            "rh": "0.AAAA",
            "sub": subject,
            "tid": user.tenant_id,
            "uti": b64url(uuid.uuid4().bytes),
            "ver": "2.0",
        }

    def _resource(self, scopes: list[str], tenant: Tenant | None) -> str:
        """The one resource `scopes` ask for, as the token's audience; Graph when only OIDC scopes are asked."""
        audiences: dict[str, str] = {}
        for scope in scopes:
            if scope.lower() in OIDC_SCOPES:
                continue
            if "/" not in scope:  # a bare permission name (`User.Read`) means Graph
                audience = GRAPH_RESOURCE
            elif "://" in scope:
                audience = audience_of(scope)
            else:  # `{app id}/.default`
                audience = scope.rsplit("/", 1)[0]
            audiences.setdefault(audience.rstrip("/").lower(), audience)
        if len(audiences) > 1:
            raise _bad_request(
                "invalid_scope", 28000,
                "Provided value for the input parameter scope is not valid because it contains more than one "
                "resource. Scope " + " ".join(scopes) + " is not valid.",
            )  # fmt: skip
        if not audiences:
            return GRAPH_RESOURCE
        key, audience = next(iter(audiences.items()))
        if not any(key == known.lower() for known in RESOURCES):
            where = tenant.display_name if tenant else "organizations"
            raise _bad_request(
                "invalid_resource", 500011,
                f"The resource principal named {audience} was not found in the tenant named {where}. This can "
                "happen if the application has not been installed by the administrator of the tenant or consented "
                "to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
            )  # fmt: skip
        return audience

    # ---- replies ----------------------------------------------------------------------------------

    def _error_reply(self, request: Request, err: EntraError) -> Reply:
        trace_id = self.world.new_request_id()
        correlation_id = request.header("client-request-id") or str(uuid.uuid4())
        stamp = dt.datetime.fromtimestamp(self.world.now(), tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body = {
            "error": err.error,
            "error_description": f"AADSTS{err.code}: {err.text}\r\nTrace ID: {trace_id}\r\nCorrelation ID: "
            f"{correlation_id}\r\nTimestamp: {stamp}",
            "error_codes": [err.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"{AUTHORITY}/error?code={err.code}",
        }
        return Reply(err.status, body, {"x-ms-request-id": trace_id, **err.headers})

    def _stamp(self, request: Request, reply: Reply) -> Reply:
        headers = {
            "Cache-Control": "no-store, no-cache",
            "Pragma": "no-cache",
            "Expires": "-1",
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "X-Content-Type-Options": "nosniff",
            "x-ms-request-id": self.world.new_request_id(),
            "x-ms-ests-server": "2.1.19000.0 - SANDBOX ProdSlices",
        }
        if request.header("client-request-id"):
            headers["client-request-id"] = request.header("client-request-id")
        if reply.body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers.update(reply.headers)
        reply.headers = headers
        return reply


def _form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (first value of each name)."""
    form: dict[str, str] = {}
    for name, value in parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True):
        form.setdefault(name, value)
    return form


def _client_auth(form: dict[str, str], request: Request) -> tuple[str, str]:
    """client id and secret from the body (client_secret_post) or from Basic auth (client_secret_basic)."""
    scheme, _, value = request.header("authorization").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except ValueError:
            user, password = "", ""
        return unquote_plus(user).lower(), unquote_plus(password)
    return form.get("client_id", "").lower(), form.get("client_secret", "")


def _user_gone(object_id: str, tenant: str) -> EntraError:
    return _bad_request(
        "invalid_grant", 50034,
        f"The user account {object_id} does not exist in the {tenant} directory. To sign into this application, "
        "the account must be added to the directory.",
    )  # fmt: skip


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
