"""Live sign-in for headless runs: reuse an Azure CLI login, or a service principal from the environment.

The interactive methods (device code shown in the terminal) belong to the Sign-in screen.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from byok_tui.clouds import AzureCloud
from byok_tui.connection import Connection
from byok_tui.errors import AuthError

METHODS = ("device-code", "azure-cli", "environment")


class SyncCredentialAdapter:
    """An async credential over a sync one (azure.identity.aio has no DeviceCodeCredential).

    The sync call blocks while the operator signs in on another device, so it runs in a thread.
    """

    def __init__(self, credential: Any) -> None:
        self._credential = credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        import asyncio

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


def credential_for(method: str, tenant_id: str, cloud: AzureCloud, prompt: Any = print_device_code) -> Any:
    if method == "device-code":
        from azure.identity import DeviceCodeCredential

        return SyncCredentialAdapter(
            DeviceCodeCredential(tenant_id=tenant_id or None, authority=cloud.authority_host,
                                 prompt_callback=prompt, timeout=900)  # fmt: skip
        )
    if method == "azure-cli":
        from azure.identity.aio import AzureCliCredential

        return AzureCliCredential(tenant_id=tenant_id or None)
    if method == "environment":
        from azure.identity.aio import EnvironmentCredential

        return EnvironmentCredential(authority=cloud.authority_host)
    raise AuthError(f"Unknown sign-in method {method!r}", remedy=f"Use one of: {', '.join(METHODS)}.")


def live_connection(method: str, tenant_id: str, cloud: AzureCloud, prompt: Any = print_device_code) -> Connection:
    return Connection(credential=credential_for(method, tenant_id, cloud, prompt), cloud=cloud, label="Azure")


def _claims(token: str) -> dict[str, Any]:
    # Only the operator's own identity is read from the token's payload; the token itself is never
    # stored or printed. No signature check: Azure verifies the token, we only read who we are.
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}


async def whoami(conn: Connection) -> dict[str, str]:
    """{"object_id", "tenant_id"} of the signed-in identity, read from an ARM token."""
    from azure.core.exceptions import ClientAuthenticationError

    try:
        token = await conn.credential.get_token(conn.cloud.arm_scope)
    except ClientAuthenticationError as e:
        raise AuthError(
            "Sign-in failed",
            detail=str(e).splitlines()[0] if str(e) else "",
            remedy="For the Azure CLI run `az login`; for a service principal set AZURE_TENANT_ID, "
            "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
        ) from e
    claims = _claims(token.token)
    return {"object_id": str(claims.get("oid", "")), "tenant_id": str(claims.get("tid", ""))}
