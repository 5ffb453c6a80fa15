"""Sign-in: a credential for each method (device code, Azure CLI, environment), and who it signs in as.

The device-code prompt is a callback: headless runs print it on stderr, the Sign-in screen shows it
large in the terminal. Tokens are asked for here and read for the operator's own identity only; a
token is never stored, logged or shown.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Mapping
from typing import Any

from byok_tui.azure.errors import azure_errors
from byok_tui.clouds import AzureCloud
from byok_tui.connection import Connection
from byok_tui.errors import AuthError
from byok_tui.models import OrganizationInfo

METHODS = ("device-code", "azure-cli", "environment")

DEVICE_CODE_TIMEOUT = 900
"""Seconds the operator has to finish a device-code sign-in (Entra's codes live 15 minutes)."""

ENV_SECRETS = ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH")
"""Either one, with AZURE_TENANT_ID and AZURE_CLIENT_ID, lets EnvironmentCredential sign in."""

REMEDIES = {
    "device-code": "Open the address shown on any device, enter the code before it expires, and sign in "
    "with an account of the customer's tenant. Then try again.",
    "azure-cli": "Run `az login` (add `--tenant TENANT` for another directory; `az cloud set --name CLOUD` "
    "first for a sovereign cloud), then try again.",
    "environment": "Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or "
    "AZURE_CLIENT_CERTIFICATE_PATH) for a service principal of the customer's tenant, then try again.",
}
"""What to do when a method's sign-in fails."""

NETWORK_WORDS = ("failed to resolve", "name or service not known", "connection refused", "timed out",
                 "connection reset", "max retries exceeded", "network is unreachable")  # fmt: skip
"""Words in a token error that mean Entra ID was not reached at all."""


class SyncCredentialAdapter:
    """An async credential over a sync one (azure.identity.aio has no DeviceCodeCredential).

    The sync call blocks while the operator signs in on another device, so it runs in a thread.
    """

    def __init__(self, credential: Any) -> None:
        self._credential = credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        import asyncio

        # azure-identity keeps CAE and non-CAE tokens in separate MSAL caches: Resource Manager asks without
        # CAE, Key Vault and Graph with it, so a device-code sign-in would be asked for twice. Every token is
        # asked for CAE-capable (Resource Manager accepts them and answers claims challenges): one sign-in.
        kwargs["enable_cae"] = True
        return await asyncio.to_thread(self._credential.get_token, *scopes, **kwargs)

    async def close(self) -> None:
        close = getattr(self._credential, "close", None)
        if close:
            close()

    async def __aenter__(self) -> SyncCredentialAdapter:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def print_device_code(verification_uri: str, user_code: str, expires_on: Any) -> None:
    """Default prompt for headless runs: stderr, so --json output stays clean."""
    import sys

    print(f"To sign in, open {verification_uri} on any device and enter the code {user_code} "
          f"(valid until {expires_on:%H:%M} UTC).", file=sys.stderr, flush=True)  # fmt: skip


def environment_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why the environment / service-principal method cannot sign in here, or None when it can try."""
    env = os.environ if environ is None else environ
    missing = [name for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID") if not env.get(name)]
    if not any(env.get(name) for name in ENV_SECRETS):
        missing.append("AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)")
    return f"not set: {', '.join(missing)}" if missing else None


def azure_cli_problem() -> str | None:
    """Why the Azure CLI method cannot sign in here, or None when `az` is on the PATH."""
    return None if shutil.which("az") else "the Azure CLI (az) is not installed on this machine"


def credential_for(method: str, tenant_id: str, cloud: AzureCloud, prompt: Any = print_device_code) -> Any:
    from byok_tui.azure.requestlog import identity_hooks

    if method == "device-code":
        from azure.identity import DeviceCodeCredential

        return SyncCredentialAdapter(
            DeviceCodeCredential(
                tenant_id=tenant_id or None,
                authority=cloud.authority_host,
                prompt_callback=prompt,
                timeout=DEVICE_CODE_TIMEOUT,
                **identity_hooks(),
            )  # fmt: skip
        )
    if method == "azure-cli":
        from azure.identity.aio import AzureCliCredential

        return AzureCliCredential(tenant_id=tenant_id or None)
    if method == "environment":
        from azure.identity.aio import EnvironmentCredential

        return EnvironmentCredential(authority=cloud.authority_host, **identity_hooks())
    raise AuthError(f"Unknown sign-in method {method!r}", remedy=f"Use one of: {', '.join(METHODS)}.")


def live_connection(
    method: str, tenant_id: str, cloud: AzureCloud, prompt: Any = print_device_code
) -> Connection:
    from byok_tui.azure.clients import RETRY
    from byok_tui.azure.pool import SharedHttpx, SharedSession

    timeouts = {k: v for k, v in RETRY.items() if k.endswith("_timeout")}
    httpx_pool = SharedHttpx()  # Graph and Kore's API: different hosts, one pool, a connection per host
    return Connection(credential=credential_for(method, tenant_id, cloud, prompt), cloud=cloud, label="Azure",
                      transport_factory=SharedSession(**timeouts), graph_transport_factory=httpx_pool,
                      kore_transport_factory=httpx_pool)  # fmt: skip


async def close_connection(conn: Connection) -> None:
    """Close what a connection holds open: its credential and its shared HTTP pools."""
    from byok_tui.azure import pool

    try:
        await close_credential(conn.credential)
    finally:
        await pool.close(conn.transport_factory)
        await pool.close(conn.graph_transport_factory)
        if conn.kore_transport_factory is not conn.graph_transport_factory:
            await pool.close(conn.kore_transport_factory)


async def close_credential(credential: Any) -> None:
    """Close a credential (and the HTTP session or thread it holds); None and closed ones are fine."""
    close = getattr(credential, "close", None)
    if close is None:
        return
    result = close()
    if hasattr(result, "__await__"):
        await result


def _claims(token: str) -> dict[str, Any]:
    # Only the operator's own identity is read from the token's payload; the token itself is never
    # stored or printed. No signature check: Azure verifies the token, we only read who we are.
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def whoami(conn: Connection, method: str = "") -> dict[str, str]:
    """Who the connection signs in as, read from an ARM token: {"object_id", "tenant_id", "account",
    "kind"} where account is the UPN (a user) or the application id (a service principal) and kind is
    "user" or "app". This is the call that makes a device-code credential show its code."""
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError

    try:
        token = await conn.credential.get_token(conn.cloud.arm_scope)
    # azure-identity's async credentials let a transport's error through as it is, not as an auth error.
    except (ClientAuthenticationError, ServiceRequestError, ServiceResponseError) as e:
        from byok_tui.azure.netdiag import diagnose

        if (network := diagnose(e, f"https://{conn.cloud.authority_host}/")) is not None:
            raise network from e
        detail = _first_line(e)
        if not isinstance(e, ClientAuthenticationError) or any(
            word in detail.lower() for word in NETWORK_WORDS
        ):
            raise AuthError(
                f"Sign-in failed: {conn.cloud.authority_host} could not be reached",
                detail=detail,
                remedy=f"Check that this machine reaches https://{conn.cloud.authority_host} (DNS, firewall, "
                "HTTPS_PROXY), then try again.",
            ) from e
        raise AuthError(
            "Sign-in failed",
            detail=detail,
            remedy=REMEDIES.get(method)
            or "For the Azure CLI run `az login`; for a service principal set "
            "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
        ) from e
    claims = _claims(token.token)
    account = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or ""
    is_app = not account and claims.get("idtyp") != "user"
    return {
        "object_id": str(claims.get("oid", "")),
        "tenant_id": str(claims.get("tid", "")),
        "account": str(account or claims.get("appid") or claims.get("azp") or ""),
        "kind": "app" if is_app else "user",
    }


async def list_tenants(conn: Connection) -> list[OrganizationInfo]:
    """The directories (tenants) this identity can reach through Resource Manager."""
    from byok_tui.azure import clients

    with azure_errors("list your directories"):
        async with clients.subscriptions(conn) as client:
            found = [
                OrganizationInfo(
                    tenant_id=t.tenant_id or "",
                    display_name=t.display_name or t.tenant_id or "",
                    default_domain=t.default_domain or "",
                )
                async for t in client.tenants.list()
            ]
    return [t for t in found if t.tenant_id]
