"""An azure-core async token credential that signs in as one principal of the world.

It honours the same contract as azure-identity (azure-wire §2): `get_token` returns a real `AccessToken`
(kiota checks the type), `get_token_info` an `AccessTokenInfo`, and a request for another tenant than the
principal's fails with `ClientAuthenticationError`, as a single-tenant azure-identity credential does.
Its tokens are built by `tokens.access_token_claims`, like those of the emulated token endpoint (entra.py),
and live `World.token_lifetime` seconds (an hour, or what a `token-lifetime` fault says).
"""

from __future__ import annotations

import asyncio
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from byok_tui.sandbox.faults import FaultInjector
from byok_tui.sandbox.tokens import TokenIssuer, access_token_claims
from byok_tui.sandbox.world import World

LOGIN_HOST = "login.microsoftonline.com"


def audience_of(scope: str) -> str:
    """`https://vault.azure.net/.default` → `https://vault.azure.net` (also for `/user_impersonation`)."""
    scope = scope.strip()
    head, sep, _ = scope.rpartition("/")
    return head if sep and "://" in head else scope


class SandboxCredential:
    """Tokens for `principal_id`, minted in-process; no network, no cache needed."""

    def __init__(
        self, world: World, issuer: TokenIssuer, principal_id: str, faults: FaultInjector | None = None
    ):
        self._world = world
        self._issuer = issuer
        self._faults = faults
        self.principal_id = principal_id.lower()

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        await self._login_faults()
        token, expires_on = self._issue(scopes, tenant_id)
        return AccessToken(token, expires_on)

    async def get_token_info(self, *scopes: str, options: dict[str, Any] | None = None) -> AccessTokenInfo:
        options = options or {}
        await self._login_faults()
        token, expires_on = self._issue(scopes, options.get("tenant_id"))
        return AccessTokenInfo(token, expires_on, token_type="Bearer")

    async def _login_faults(self) -> None:
        """`latency:login` slows the token request; throttle, error and drop make it fail as a token request
        to Entra does: `ClientAuthenticationError` (azure-core's bearer policy does not retry it)."""
        if self._faults is None:
            return
        delay = self._faults.latency("login")
        if delay:
            await asyncio.sleep(delay)
        kind = self._faults.decide("login")
        if kind is None:
            return
        principal = self._world.principal(self.principal_id)
        tenant = principal.tenant_id if principal else "organizations"
        endpoint = f"https://{LOGIN_HOST}/{tenant}/oauth2/v2.0/token"
        reason = {
            "throttle": "Too Many Requests (429): the token request was throttled; retry after 5 seconds",
            "error": "Service Unavailable (503): the token service is temporarily unavailable",
            "drop": "Connection reset by peer: no response to the token request",
        }[kind]
        raise ClientAuthenticationError(message=f"Authentication failed: {reason} ({endpoint}).")

    def _issue(self, scopes: tuple[str, ...], tenant_id: str | None) -> tuple[str, int]:
        if not scopes:
            raise ValueError('"get_token" requires at least one scope')
        principal = self._world.principal(self.principal_id)
        if principal is None:
            raise ClientAuthenticationError(
                message=f"AADSTS50034: The user account {self.principal_id} does not exist in the directory."
            )
        if tenant_id and tenant_id.lower() != principal.tenant_id.lower():
            # azure-identity refuses a tenant it was not configured for (additionally_allowed_tenants).
            raise ClientAuthenticationError(
                message=f"The current credential is not configured to acquire tokens for tenant {tenant_id}. "
                "To enable acquiring tokens for this tenant add it to the additionally_allowed_tenants "
                'when creating the credential, or add "*" to additionally_allowed_tenants to allow '
                "acquiring tokens for any tenant."
            )
        now = int(self._world.now())
        claims = access_token_claims(
            principal, audience_of(scopes[0]), now=now, lifetime=self._world.token_lifetime
        )
        return self._issuer.mint(claims), int(claims["exp"])

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> SandboxCredential:
        return self

    async def __aexit__(self, *args: Any) -> None:
        return None
