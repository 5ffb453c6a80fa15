"""Access tokens the sandbox issues and its services verify.

A token is a JWT signed with HS256 under a per-process secret: the SDKs treat it as opaque (azure-wire §2),
code that peeks at the claims (oid, tid, upn) sees what a real Entra token would show, and the secret never
reaches disk, so a saved world holds no signing key. Services check signature, audience, expiry and that
the principal still exists, and answer each failure their own way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from byok_tui.sandbox.world import Principal

AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
"""The client a user's device-code / CLI sign-in runs as (azure-wire §9.2); users' tokens carry it as appid."""

TOKEN_LIFETIME = 3600
"""Entra's usual access-token lifetime (the world's `token_lifetime`, which a fault can shorten, decides)."""

GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
"""Graph's resource URL and application id: app-only tokens for either carry the app's Graph `roles`."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    """Why a token was refused; `kind` is one of malformed, signature, audience, expired, tenant, principal."""

    def __init__(self, kind: str, message: str, claims: dict[str, Any] | None = None):
        super().__init__(message)
        self.kind = kind
        self.claims = claims or {}


@dataclass(frozen=True)
class TokenIssuer:
    secret: bytes

    def mint(self, claims: dict[str, Any]) -> str:
        header = b64url(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "sandbox"}).encode())
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(header, payload)}"

    def verify(self, token: str, *, audience: str, now: float) -> dict[str, Any]:
        """The claims of a well-signed, unexpired token for `audience`; else `TokenError`."""
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("malformed", "The access token is not a well-formed JWT.")
        header, payload, signature = parts
        if not hmac.compare_digest(signature, self._sign(header, payload)):
            raise TokenError("signature", "The access token signature is invalid.")
        try:
            claims = json.loads(b64url_decode(payload))
        except ValueError as exc:
            raise TokenError("malformed", "The access token is not a well-formed JWT.") from exc
        if claims.get("aud", "").rstrip("/") != audience.rstrip("/"):
            raise TokenError("audience", "wrong audience", claims)
        if float(claims.get("exp", 0)) <= now:
            raise TokenError("expired", "expired", claims)
        return claims

    def _sign(self, header: str, payload: str) -> str:
        digest = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return b64url(digest)


def access_token_claims(
    principal: Principal,
    audience: str,
    *,
    now: int,
    lifetime: int,
    client_id: str = "",
    scopes: str = "",
) -> dict[str, Any]:
    """The claims of an Entra v1 access token for `principal` and `audience` (ARM, Key Vault and Graph
    get v1 tokens, issued by sts.windows.net): the one place both the in-process credential and the
    token endpoint build them, so the services cannot tell which one a token came from.

    Users sign in through a public client (`client_id`, default the Azure CLI) and get its delegated
    `scp`; service principals sign in as their own app and carry their Graph application permissions in
    `roles` when the token is for Graph."""
    user = principal.kind == "User"
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{principal.tenant_id}/",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": client_id or principal.app_id or AZURE_CLI_APP_ID,
        "appidacr": "0" if user else "1",
        "idtyp": "user" if user else "app",
        "name": principal.display_name,
        "oid": principal.object_id,
        "sub": principal.object_id,
        "tid": principal.tenant_id,
        "ver": "1.0",
    }
    if user:
        claims["scp"] = scopes or "user_impersonation"
    if principal.user_principal_name:
        claims["upn"] = principal.user_principal_name
    if not user and principal.app_roles and audience.rstrip("/") in GRAPH_AUDIENCES:
        claims["roles"] = list(principal.app_roles)
    return claims


def bearer(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def caller_label(claims: dict[str, Any]) -> str:
    """How Key Vault names a caller in its 403 texts: `appid=…;oid=…;iss=…`."""
    return (
        f"appid={claims.get('appid', '')};oid={claims.get('oid', '')};"
        f"iss=https://sts.windows.net/{claims.get('tid', '')}/"
    )
